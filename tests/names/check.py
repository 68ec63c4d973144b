"""Checks docs/names.md, the table of names: every name in it exists in its language (the
`names` suite of `make test`).

Each cell's first `code` span is looked up:
  Rust    `module::Item` or `module::Type::member` in core/src (a `pub` item; a member is a
          `fn` or a `pub` field of the files under that module)
  C       a function, or a `typedef struct`/enum, of include/faceauth.h
  C++     a class or a function of include/faceauth.hpp; `Type::member` inside that class
  Python  an attribute path of the installed `faceauth` package (`testing.Simulator` imports
          faceauth.testing); a top-level name must also be in `faceauth.__all__`
  Go      an exported func or type of go/ (`faceauthtest.X`: of go/faceauthtest);
          `Type.Member` a method or a struct field of that type
  CLI     `faceauth WORDS --help` must succeed (an unknown subcommand fails), and each `--flag`
          must appear in that help
A cell that starts with `—` (no such item; any code after it is only a note) is skipped. Then the check proves it can fail: one name of each
column, misspelled, must be refused.

Usage: .venv/bin/python tests/names/check.py   (after `make python-wheel` and
`cargo build -p faceauth-cli`; FACEAUTH_BIN overrides target/debug/faceauth)
"""

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "docs" / "names.md"
LANGS = ["Rust", "C", "C++", "Python", "Go", "CLI"]


def read_all(paths):
    return "\n".join(p.read_text(encoding="utf-8") for p in paths)


def rust_sources(module):
    base = ROOT / "core" / "src"
    if module and (base / module).is_dir():
        return read_all(sorted((base / module).rglob("*.rs")))
    return read_all(sorted(base.rglob("*.rs")))


def check_rust(name):
    parts = name.split("::")
    module = parts[0] if len(parts) > 1 and (ROOT / "core/src" / parts[0]).is_dir() else None
    rest = parts[1:] if module else parts
    text = rust_sources(module)
    item = re.escape(rest[0])
    if not re.search(rf"^\s*pub (fn|struct|enum|trait|const|type|mod) {item}\b", text, re.M) and not re.search(
        rf"^\s*pub use [^;]*\b{item}\b", text, re.M
    ):
        return False
    if len(rest) == 1:
        return True
    member = re.escape(rest[1])
    return len(rest) == 2 and bool(re.search(rf"^\s*((pub )?fn {member}\b|pub {member}:)", text, re.M))


def check_c(name, header=None):
    text = header or (ROOT / "include" / "faceauth.h").read_text(encoding="utf-8")
    n = re.escape(name)
    return bool(re.search(rf"\b{n}\s*\(|^typedef (struct|enum) {n}\b|^enum {n}\b", text, re.M))


def check_cpp(name):
    text = (ROOT / "include" / "faceauth.hpp").read_text(encoding="utf-8")
    parts = name.split("::")
    if len(parts) == 1:
        n = re.escape(name)
        return bool(re.search(rf"^(class|struct) {n}\b|^using {n}\b|^inline [^(]*\b{n}\(", text, re.M))
    cls, member = parts
    start = re.search(rf"^(class|struct) {re.escape(cls)}\b", text, re.M)
    if not start:
        return False
    end = re.search(r"^(class|struct) |^}  // namespace", text[start.end():], re.M)
    body = text[start.end(): start.end() + end.start()] if end else text[start.end():]
    return bool(re.search(rf"\b{re.escape(member)}\s*\(", body))


def check_python(name):
    import faceauth

    parts = name.split(".")
    if parts[0] == "testing":
        obj = importlib.import_module("faceauth.testing")
        parts = parts[1:]
    else:
        if parts[0] not in faceauth.__all__:
            return False
        obj = faceauth
    for part in parts:
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True


def go_sources(package_dir):
    return read_all(sorted(p for p in package_dir.glob("*.go") if not p.name.endswith("_test.go")))


def check_go(name):
    parts = name.split(".")
    package_dir = ROOT / "go"
    if parts[0] == "faceauthtest":
        package_dir, parts = package_dir / "faceauthtest", parts[1:]
    text = go_sources(package_dir)
    head = re.escape(parts[0])
    if not re.search(rf"^func {head}[\[(]|^type {head}\b", text, re.M):
        return False
    if len(parts) == 1:
        return True
    member = re.escape(parts[1])
    if re.search(rf"^func \(\w+ \*?{head}\) {member}\(", text, re.M):
        return True
    body = re.search(rf"^type {head} struct \{{(.*?)^\}}", text, re.M | re.S)
    return bool(body and re.search(rf"^\s+(\w+, )*{member}\b", body.group(1), re.M))


def faceauth_bin():
    return os.environ.get("FACEAUTH_BIN") or str(ROOT / "target" / "debug" / "faceauth")


def check_cli(name):
    words = name.split()
    path = [w for w in words if not w.startswith("--")]
    flags = [w for w in words if w.startswith("--")]
    run = subprocess.run([faceauth_bin(), *path, "--help"], capture_output=True, text=True)
    if run.returncode != 0:
        return False
    return all(re.search(rf"{re.escape(flag)}\b", run.stdout) for flag in flags)


CHECKS = dict(zip(LANGS, [check_rust, check_c, check_cpp, check_python, check_go, check_cli]))


def rows():
    """(line number, concept, {language: name}) for every row of every table."""
    header = None
    for number, line in enumerate(TABLE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            if header[1:] != LANGS:
                sys.exit(f"{TABLE}:{number}: the columns must be concept, {', '.join(LANGS)}")
            continue
        if set(line) <= set("|- "):
            continue
        names = {}
        for lang, cell in zip(header[1:], cells[1:]):
            found = None if cell.startswith("—") else re.search(r"`([^`]+)`", cell)
            if found:
                names[lang] = found.group(1)
        yield number, cells[0], names


def main():
    failures, checked, first = [], 0, {}
    for number, concept, names in rows():
        for lang, name in names.items():
            checked += 1
            first.setdefault(lang, name)
            if not CHECKS[lang](name):
                failures.append(f"docs/names.md:{number}: {concept}: {lang} has no `{name}`")
    # The check can fail: one name per column, misspelled, must be refused.
    for lang in LANGS:
        if lang not in first:
            failures.append(f"docs/names.md: no {lang} name at all")
            continue
        name = first[lang]
        wrong = name[:-1] + ("X" if name[-1] != "X" else "Y")
        if CHECKS[lang](wrong):
            failures.append(f"tests/names/check.py: the {lang} check accepts the misspelled `{wrong}`")
    for failure in failures:
        print(failure, file=sys.stderr)
    if failures:
        sys.exit(f"names: {len(failures)} of {checked} names do not check out")
    print(f"names: {checked} names checked in {len(LANGS)} languages; {len(LANGS)} misspellings refused")


if __name__ == "__main__":
    main()
