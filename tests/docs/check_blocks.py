"""Checks every code block of README.md and docs/*.md, so the docs cannot drift (make test-docs).

The convention, for whoever writes a block:

* The fence's language says how the block is checked:
    python            mypy --strict, after tests/docs/wrap/prelude.py (names the snippets use
                      without defining: api_key, project_id, rows, request_body, ...); then run in a
                      temporary directory, with the installed wheel (the simulator block starts its
                      own simulator)
    go                go vet, as the body of a function (wrap/go.go) in a temporary module that
                      uses this checkout's go/ through a replace directive
    c                 compiled as C99 with -Wall -Wextra -Werror; a block with `main` is a whole
                      program: linked with target/debug/libfaceauth.a and run with the demo key;
                      any other block is the body of a function (wrap/c.c)
    cpp               compiled as C++17 with faceauth.hpp, as the body of a function (wrap/cpp.cpp)
    rust              compiled (rustdoc --test, no_run) against this workspace's `faceauth` crate,
                      as the body of main (wrap/rust.rs)
    sh, bash, shell   bash -n (syntax); run only when marked <!-- run --> (below)
    json              parsed
    text, or none     never checked: output, layouts, pseudo-code
  Any other language must be marked <!-- not-run -->.
* HTML comments on the lines right above the fence (blank lines between are allowed), each a
  marker alone or followed by a colon and why (<!-- check-only: it calls Argos -->):
    <!-- not-run -->     the block is shown only, never checked (a fragment that cannot be made
                         valid, a CMake snippet)
    <!-- check-only -->  checked as above but never run (a Python or C block that needs Argos)
    <!-- run -->         an sh block that is also run: `set -euo pipefail`, in a temporary
                         directory, with target/debug first on PATH and FACEAUTH_API_KEY set to
                         the demo key
* Placeholders: write runnable text. `…` is fine inside strings and comments; in code it is a
  syntax error in every checked language, so such a block needs <!-- not-run -->.

Every failure names the file and line of the block's fence. Exit 0 when every checked block
passes; the last line counts the blocks by check.

Usage: .venv/bin/python tests/docs/check_blocks.py [FILE.md ...]   (default README.md docs/*.md)
Needs what `make test-docs` builds first: the dev wheel in .venv, target/debug (the CLI,
libfaceauth.a and faceauth-native-static-libs) and the Go SDK in target/go/debug.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WRAP = Path(__file__).resolve().parent / "wrap"
DEMO_KEY = "0123456789abcdefghijABCDEFGHIJ0123456789"  # docs/encryption.md's reference key
MARKERS = {"not-run", "check-only", "run"}
LANGUAGES = {
    "python": "python",
    "py": "python",
    "go": "go",
    "c": "c",
    "cpp": "cpp",
    "c++": "cpp",
    "rust": "rust",
    "sh": "sh",
    "bash": "sh",
    "shell": "sh",
    "json": "json",
    "text": "text",
    "": "text",
}


@dataclasses.dataclass
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    lang: str  # the fence's first word, lowercased
    markers: set[str]
    code: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def ident(self) -> str:
        return re.sub(r"\W", "_", f"{self.path.relative_to(ROOT)}_{self.line}")


class Failure(Exception):
    pass


def parse(path: Path) -> tuple[list[Block], list[str]]:
    """The fenced blocks of one Markdown file, and the problems of its markup."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    problems: list[str] = []
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)", lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = m.group(1), m.group(2), m.group(3)
        lang = info.split(",")[0].lower()
        # The markers: HTML comments on the lines right above (blank lines skipped).
        markers: set[str] = set()
        j = i - 1
        while j >= 0 and (not lines[j].strip() or lines[j].strip().startswith("<!--")):
            for comment in re.findall(r"<!--\s*(.*?)\s*-->", lines[j]):
                word = re.match(r"([a-z-]+)(?:$|:)", comment)  # "run" or "run: why"
                if word is None:
                    continue  # another comment
                word_text = word.group(1)
                if word_text in MARKERS:
                    markers.add(word_text)
                else:
                    problems.append(f"{path.relative_to(ROOT)}:{j + 1}: unknown marker <!-- {comment} --> (known: {', '.join(sorted(MARKERS))})")
            j -= 1
        end = i + 1
        while end < len(lines) and not re.match(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$", lines[end]):
            end += 1
        if end == len(lines):
            problems.append(f"{path.relative_to(ROOT)}:{i + 1}: the block opened here is never closed")
        body = [line[len(indent):] if line.startswith(indent) else line for line in lines[i + 1 : end]]
        blocks.append(Block(path, i + 1, lang, markers, "\n".join(body) + "\n"))
        i = end + 1
    return blocks, problems


def run(cmd: list[str], what: Block | str, *, cwd: Path | None = None, env: dict[str, str] | None = None,
        input_text: str | None = None, timeout: float = 600) -> str:
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, input=input_text, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failure(f"{what if isinstance(what, str) else what.where}: {shlex.join(cmd)} took more than {timeout:.0f}s")
    if proc.returncode != 0:
        where = what if isinstance(what, str) else what.where
        raise Failure(f"{where}: {shlex.join(cmd[:3])}… exited {proc.returncode}:\n{proc.stdout}{proc.stderr}".rstrip())
    return proc.stdout


def wrap(template: str, block: Block) -> tuple[str, int]:
    """The template with the block in place of its {{BLOCK}} line; and the line offset."""
    text = (WRAP / template).read_text(encoding="utf-8")
    before, _, after = text.partition("{{BLOCK}}\n")
    return before + block.code + after, before.count("\n")


def relocate(output: str, file: Path, block: Block, offset: int) -> str:
    """Compiler messages about FILE:LINE, rewritten to the Markdown file's line."""

    def fix(m: re.Match[str]) -> str:
        line = int(m.group(1) or m.group(2)) - offset
        if 1 <= line <= block.code.count("\n"):
            return f"{block.path.relative_to(ROOT)}:{block.line + line}"
        return f"{file.name}:{m.group(1) or m.group(2)} (wrapper)"

    # FILE:LINE (compilers, mypy) and "FILE", line LINE (Python tracebacks), FILE absolute or not.
    name = rf"(?:{re.escape(str(file))}|{re.escape(file.name)})"
    return re.sub(rf'{name}:(\d+)|"{name}", line (\d+)', fix, output).replace(str(file.parent) + "/", "")


class Checker:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.counts: dict[str, int] = {}
        self.failures: list[str] = []
        self.env = dict(os.environ)
        self.env["PATH"] = f"{ROOT / 'target/debug'}{os.pathsep}{self.env.get('PATH', '')}"
        self.python = sys.executable
        self._rust: list[str] | None = None

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def attempt(self, block: Block, what: str, fn: object) -> None:
        try:
            fn()  # type: ignore[operator]
            self.count(what)
        except Failure as e:
            self.failures.append(str(e))

    # -- python: one mypy run over every block, then each block run ----------------------------
    def python_blocks(self, blocks: list[Block]) -> None:
        if not blocks:
            return
        src = self.work / "python"
        src.mkdir()
        files: dict[Path, tuple[Block, int]] = {}
        for block in blocks:
            text, offset = wrap("prelude.py", block)
            file = src / f"{block.ident}.py"
            file.write_text(text, encoding="utf-8")
            files[file] = (block, offset)
        cmd = [self.python, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir", str(ROOT / "target/docs-check/mypy-cache"), *map(str, files)]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=src)
        bad: set[Path] = set()
        if proc.returncode != 0:
            for line in (proc.stdout + proc.stderr).splitlines():
                m = re.match(r"^(.*?\.py):(\d+):", line)
                named = src / m.group(1) if m else None
                if named is not None and named in files:
                    block, offset = files[named]
                    bad.add(named)
                    self.failures.append(f"{block.where} (python, mypy --strict): " + relocate(line, named, block, offset))
                else:
                    self.failures.append(f"mypy: {line}")
        for file, (block, offset) in files.items():
            if file in bad:
                continue
            self.count("python: mypy --strict")
            if "check-only" in block.markers:
                continue
            cwd = self.work / f"run_{block.ident}"
            cwd.mkdir()
            try:
                run([self.python, str(file)], block, cwd=cwd, env=self.env, timeout=120)
                self.count("python: run")
            except Failure as e:
                self.failures.append(relocate(str(e), file, block, offset))

    # -- go: one module, one package per block, go vet ---------------------------------------
    def go_blocks(self, blocks: list[Block]) -> None:
        if not blocks:
            return
        mod = self.work / "go"
        mod.mkdir()
        (mod / "go.mod").write_text(
            "module doccheck\n\ngo 1.24\n\nrequire github.com/faceauth/faceauth/go v0.0.0\n\n"
            f"replace github.com/faceauth/faceauth/go => {ROOT / 'go'}\n", encoding="utf-8")
        env = dict(self.env)
        for pair in run([str(ROOT / "scripts/go-env.sh"), "debug"], "scripts/go-env.sh debug").split():
            name, _, value = pair.partition("=")
            env[name] = value
        # After go-env.sh's flags (its build tag), not instead of them.
        env["GOFLAGS"] = (env.get("GOFLAGS", "") + " -mod=mod").strip()
        for block in blocks:
            text, offset = wrap("go.go", block)
            pkg = mod / block.ident
            pkg.mkdir()
            file = pkg / "main.go"
            file.write_text(text, encoding="utf-8")
            try:
                run(["go", "vet", f"./{block.ident}"], block, cwd=mod, env=env)
                self.count("go: go vet")
            except Failure as e:
                self.failures.append(relocate(str(e).replace(f"{block.ident}/main.go", str(file)), file, block, offset))

    # -- c and cpp -----------------------------------------------------------------------------
    def c_block(self, block: Block) -> None:
        whole = re.search(r"\bint\s+main\s*\(", block.code) is not None
        if whole:
            text, offset = block.code, 0
        else:
            text, offset = wrap("c.c", block)
        file = self.work / f"{block.ident}.c"
        file.write_text(text, encoding="utf-8")
        flags = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", f"-I{ROOT / 'include'}"]
        if not whole:
            flags += ["-Wno-unused-variable", "-Wno-unused-parameter", "-Wno-unused-but-set-variable"]
        lib = ROOT / "target/debug"
        try:
            if whole:
                libs = (lib / "faceauth-native-static-libs").read_text().split()
                exe = self.work / block.ident
                run(["cc", *flags, str(file), str(lib / "libfaceauth.a"), *libs, "-o", str(exe)], block)
                self.count("c: compiled")
                if "check-only" not in block.markers:
                    run([str(exe)], block, cwd=self.work, env={**self.env, "FACEAUTH_API_KEY": DEMO_KEY}, timeout=60)
                    self.count("c: run")
            else:
                run(["cc", *flags, "-c", str(file), "-o", str(self.work / f"{block.ident}.o")], block)
                self.count("c: compiled")
        except Failure as e:
            self.failures.append(relocate(str(e), file, block, offset))

    def cpp_block(self, block: Block) -> None:
        text, offset = wrap("cpp.cpp", block)
        file = self.work / f"{block.ident}.cpp"
        file.write_text(text, encoding="utf-8")
        try:
            run(["c++", "-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Wno-unused-variable",
                 "-Wno-unused-parameter", "-Wno-unused-but-set-variable", f"-I{ROOT / 'include'}",
                 "-fsyntax-only", str(file)], block)
            self.count("cpp: compiled")
        except Failure as e:
            self.failures.append(relocate(str(e), file, block, offset))

    # -- rust: rustdoc --test over one generated Markdown file ---------------------------------
    def rust_externs(self) -> list[str]:
        """--extern flags for the faceauth and faceauth_mock rlibs that `cargo build -p
        faceauth-cli` uses (the features every test build resolves: nothing compiles again)."""
        if self._rust is None:
            out = run(["cargo", "build", "--quiet", "-p", "faceauth-cli", "--message-format=json"], "cargo build -p faceauth-cli", cwd=ROOT)
            flags: list[str] = []
            for line in out.splitlines():
                msg = json.loads(line)
                if msg.get("reason") != "compiler-artifact" or msg["target"]["name"] not in ("faceauth", "faceauth_mock"):
                    continue
                for name in msg["filenames"]:
                    if name.endswith(".rlib"):
                        flags += ["--extern", f"{msg['target']['name']}={name}"]
            if len(flags) != 4:
                raise Failure(f"cargo build -p faceauth-cli named no faceauth / faceauth_mock rlib: {flags}")
            self._rust = flags
        return self._rust

    def rust_blocks(self, blocks: list[Block]) -> None:
        if not blocks:
            return
        doc = self.work / "rust_blocks.md"
        parts = []
        spans: list[tuple[int, int, Block, int]] = []  # (fence line in doc, last line, block, offset)
        line = 1
        for block in blocks:
            text, offset = wrap("rust.rs", block)
            parts.append(f"```rust,no_run\n{text}```\n\n")
            spans.append((line, line + text.count("\n"), block, offset))
            line += 3 + text.count("\n")
        doc.write_text("".join(parts), encoding="utf-8")
        try:
            externs = self.rust_externs()
        except Failure as e:
            self.failures.append(str(e))
            return
        cmd = ["rustdoc", "--test", "--edition", "2021", doc.name, "-L", f"dependency={ROOT / 'target/debug/deps'}", *externs]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=self.work, timeout=900)
        output = proc.stdout + proc.stderr
        failed = {int(n) for n in re.findall(r"rust_blocks\.md - \(line (\d+)\)[^\n]*\.\.\. FAILED", output)}

        def fix(m: re.Match[str]) -> str:
            at = int(m.group(1))
            for fence, last, block, offset in spans:
                if fence < at <= last and 1 <= at - fence - offset <= block.code.count("\n"):
                    return f"{block.path.relative_to(ROOT)}:{block.line + at - fence - offset}"
            return f"(wrapper, tests/docs/wrap/rust.rs; generated line {at})"

        for fence, _, block, _ in spans:
            if fence in failed:
                section = output.split(f"(line {fence}) stdout ----", 1)[-1].split("\n---- ", 1)[0]
                section = section.split("\nfailures:", 1)[0]
                self.failures.append(f"{block.where} (rust): does not compile:\n"
                                     + re.sub(r"rust_blocks\.md:(\d+)", fix, section).strip())
            else:
                self.count("rust: compiled")
        if proc.returncode != 0 and not failed:
            self.failures.append(f"rustdoc --test failed:\n{output}")

    # -- sh and json -------------------------------------------------------------------------
    def sh_block(self, block: Block) -> None:
        try:
            run(["bash", "-n"], block, input_text=block.code)
            self.count("sh: bash -n")
            if "run" in block.markers:
                cwd = self.work / f"run_{block.ident}"
                cwd.mkdir()
                run(["bash", "-c", "set -euo pipefail\n" + block.code], block, cwd=cwd,
                    env={**self.env, "FACEAUTH_API_KEY": DEMO_KEY}, timeout=120)
                self.count("sh: run")
        except Failure as e:
            self.failures.append(str(e))

    def json_block(self, block: Block) -> None:
        try:
            json.loads(block.code)
            self.count("json: parsed")
        except ValueError as e:
            line = getattr(e, "lineno", 0)
            self.failures.append(f"{block.path.relative_to(ROOT)}:{block.line + line} (json): {e}")


def main(argv: list[str]) -> int:
    files = [Path(a).resolve() for a in argv] or [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    blocks: list[Block] = []
    problems: list[str] = []
    for file in files:
        found, bad = parse(file)
        blocks += found
        problems += bad
    work_root = ROOT / "target/docs-check"
    work_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="blocks-", dir=work_root))
    checker = Checker(work)
    checker.failures += problems
    by_lang: dict[str, list[Block]] = {}
    for block in blocks:
        if "not-run" in block.markers:
            checker.count("not-run (marked)")
            continue
        lang = LANGUAGES.get(block.lang)
        if lang is None:
            checker.failures.append(f"{block.where}: no check for a ```{block.lang} block: mark it <!-- not-run --> "
                                    "(or tag it text) if it is not code to run")
            continue
        if lang == "text":
            checker.count("text (not code)")
            continue
        by_lang.setdefault(lang, []).append(block)
    checker.python_blocks(by_lang.get("python", []))
    checker.go_blocks(by_lang.get("go", []))
    for block in by_lang.get("c", []):
        checker.c_block(block)
    for block in by_lang.get("cpp", []):
        checker.cpp_block(block)
    checker.rust_blocks(by_lang.get("rust", []))
    for block in by_lang.get("sh", []):
        checker.sh_block(block)
    for block in by_lang.get("json", []):
        checker.json_block(block)
    summary = ", ".join(f"{n} {what}" for what, n in sorted(checker.counts.items()))
    if checker.failures:
        for failure in checker.failures:
            print(f"FAILED {failure}\n", file=sys.stderr)
        print(f"docs: FAILED: {len(checker.failures)} problems in {len(blocks)} code blocks of {len(files)} files "
              f"(passed: {summary or 'none'})", file=sys.stderr)
        print(f"docs: the generated files are in {work.relative_to(ROOT)}", file=sys.stderr)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print(f"docs: {len(blocks)} code blocks in {len(files)} files: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
