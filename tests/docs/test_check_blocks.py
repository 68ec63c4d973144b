"""tests/docs/check_blocks.py refuses broken blocks, naming each one's line, and passes good ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def check(name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(HERE / "check_blocks.py"), str(HERE / "fixtures" / name)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_every_broken_block_is_reported_at_its_line() -> None:
    proc = check("broken.md")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    failed = [line.split()[1].rstrip(":") for line in proc.stderr.splitlines() if line.startswith("FAILED ")]
    where = "tests/docs/fixtures/broken.md:"
    assert sorted(failed, key=lambda w: int(w.split(":")[1])) == [
        where + "3",  # python: mypy --strict
        where + "7",  # python: runs and fails
        where + "11",  # c: does not compile
        where + "15",  # cpp: does not compile
        where + "19",  # sh: bash -n
        where + "24",  # sh, marked run: fails
        where + "30",  # json: does not parse (at the line in the block)
        where + "33",  # yaml: no check, no marker
        where + "37",  # the unknown marker's own line
    ], proc.stderr
    assert "broken.md:4: error: Incompatible types in assignment" in proc.stderr
    assert "ran and failed" in proc.stderr
    assert "FAILED: 9 problems" in proc.stderr


def test_good_blocks_pass_and_markers_are_honoured() -> None:
    proc = check("fine.md")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 python: mypy --strict" in proc.stdout and "python: run" not in proc.stdout
    assert "1 c: compiled, 1 c: run" in proc.stdout
    assert "1 not-run (marked)" in proc.stdout and "1 text (not code)" in proc.stdout
