"""Prints the README's Install recipe NAME: the sh block right below a marker such as
<!-- check-only: needs make dist; tests/dist runs it as printed [python] -->
(tests/docs/check_blocks.py only syntax-checks it, since it needs dist/; tests/dist/*.sh run it).

Usage: python3 tests/dist/readme_block.py README.md NAME
"""

from __future__ import annotations

import re
import sys


def block(text: str, name: str) -> str:
    """The body of the sh block under the marker naming `name`; exits 1 when there is none."""
    marker = re.compile(r"^<!-- check-only: .*tests/dist .*\[" + re.escape(name) + r"\] -->$")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not marker.match(line):
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j >= len(lines) or lines[j] != "```sh":
            sys.exit(f"readme_block: the [{name}] marker is not right above a ```sh block")
        end = lines.index("```", j + 1)
        return "\n".join(lines[j + 1 : end]) + "\n"
    sys.exit(f"readme_block: no <!-- check-only: ... tests/dist ... [{name}] --> block in the README")


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        sys.stdout.write(block(f.read(), sys.argv[2]))
