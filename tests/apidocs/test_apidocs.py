"""The coverage checks of scripts/apidocs.py and scripts/godoc fail when a doc is removed, and
pass on the repository's files (the apidocs suite runs them on those too)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import apidocs  # noqa: E402


def without(text: str, pattern: str, repl: str = "") -> str:
    """`text` with the one match of `pattern` (a doc comment; `.` stops at a line's end) removed."""
    new, count = re.subn(pattern, repl, text, count=1, flags=re.M)
    assert count == 1, pattern
    return new


def test_the_repository_is_fully_documented() -> None:
    assert apidocs.check_stub(apidocs.STUB) == []
    assert apidocs.check_header(apidocs.HEADER) == []
    assert apidocs.check_hpp(apidocs.HPP) == []


def test_a_stub_method_without_docstring_is_reported(tmp_path: Path) -> None:
    stub = tmp_path / "_native.pyi"
    text = apidocs.STUB.read_text()
    stub.write_text(without(text, r'(?<=def encrypt\(self, plaintext: str\) -> str:)\n\s+""".*"""', " ..."))
    gaps = apidocs.check_stub(stub)
    assert len(gaps) == 1 and "def Cipher.encrypt has no docstring" in gaps[0]


def test_stub_classes_properties_attributes_and_overloads_are_checked(tmp_path: Path) -> None:
    stub = tmp_path / "x.pyi"
    stub.write_text(textwrap.dedent('''\
        from typing import overload
        class A: ...
        class B:
            """Documented."""
            x: int
            @property
            def p(self) -> int: ...
            @overload
            def f(self, a: int) -> int: ...
            @overload
            def f(self, a: str) -> str: ...
            def _private(self) -> None: ...
        def g() -> None:
            """Documented."""
        '''))
    gaps = "\n".join(apidocs.check_stub(stub))
    for what in ["class A", "property B.p", "def B.f (every @overload)", "attribute B.x"]:
        assert what in gaps
    assert "_private" not in gaps and " g " not in gaps


def test_runtime_names_without_doc_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "undocumented_pkg.py").write_text(textwrap.dedent('''\
        """A module."""
        from typing import Union
        __all__ = ["f", "C", "ALIAS", "OK"]
        def f() -> None: pass
        class C:
            """Documented."""
            def method(self) -> None: pass
            @property
            def prop(self) -> int: return 1
        ALIAS = Union[int, str]
        OK = str
        """Documented."""
        '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    gaps = apidocs.check_runtime(["undocumented_pkg"])
    assert sorted(gaps) == sorted([
        "undocumented_pkg.f has no docstring",
        "undocumented_pkg.C.method has no docstring",
        "undocumented_pkg.C.prop has no docstring",
        "undocumented_pkg.ALIAS has no docstring",
    ])


def test_the_installed_package_is_fully_documented() -> None:
    assert apidocs.check_runtime(apidocs.MODULES) == []


@pytest.mark.parametrize("pattern, gap", [
    (r"/\*\*\n(?: \*.*\n)*? \*/\n(?=enum faceauth_status faceauth_cipher_new\()", "function faceauth_cipher_new"),
    (r"/\*\*\n(?: \*.*\n)*? \*/\n(?=#define FACEAUTH_VERSION_MINOR)", "macro FACEAUTH_VERSION_MINOR"),
    (r"  /\*\*\n(?:   \*.*\n)*?   \*/\n(?=  FACEAUTH_STATUS_OK = 0,)", "enumerator faceauth_status.FACEAUTH_STATUS_OK"),
    (r"/\*\*\n(?: \*.*\n)*? \*/\n(?=typedef struct faceauth_cipher faceauth_cipher;)", "type faceauth_cipher"),
])
def test_a_header_item_without_comment_is_reported(tmp_path: Path, pattern: str, gap: str) -> None:
    header = tmp_path / "faceauth.h"
    header.write_text(without(apidocs.HEADER.read_text(), pattern))
    gaps = apidocs.check_header(header)
    assert len(gaps) == 1 and gap in gaps[0], gaps


@pytest.mark.parametrize("pattern, gap", [
    (r"^  /// Encrypts UTF-8 text.*\n(?=  std::string encrypt\()", "function faceauth::Cipher::encrypt"),
    (r"^/// Encrypts and decrypts FaceAuth payloads.*\n/// Thread safety.*\n(?=class Cipher)", "class faceauth::Cipher"),
    (r"^  /// `sid`: the approved.*\n(?=  std::string sid;)", "field faceauth::AuthParams::sid"),
    (r"^/// A fresh token id.*\n(?=inline std::string generate_token)", "function faceauth::generate_token"),
])
def test_a_hpp_item_without_comment_is_reported(tmp_path: Path, pattern: str, gap: str) -> None:
    hpp = tmp_path / "faceauth.hpp"
    hpp.write_text(without(apidocs.HPP.read_text(), pattern))
    gaps = apidocs.check_hpp(hpp)
    assert len(gaps) == 1 and gap in gaps[0], gaps


def godoc_check(*dirs: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, GOFLAGS="-mod=readonly", GOPROXY="off")
    return subprocess.run(["go", "run", ".", "-check", *map(str, dirs)], cwd=ROOT / "scripts/godoc", env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed")
def test_go_identifiers_without_doc_are_reported(tmp_path: Path) -> None:
    ok = godoc_check(ROOT / "go", ROOT / "go/faceauthtest")
    assert ok.returncode == 0, ok.stderr
    pkg = tmp_path / "go"
    pkg.mkdir()
    for src in (ROOT / "go").glob("*.go"):
        shutil.copy(src, pkg)
    text = (pkg / "cipher.go").read_text()
    text = without(text, r"^// Cipher [^\n]*\n(?://[^\n]*\n)*(?=type Cipher )")
    (pkg / "cipher.go").write_text(text)
    (pkg / "extra.go").write_text(textwrap.dedent("""\
        package faceauth

        // Documented is documented; its field is not, nor the method or the constant.
        type Documented struct {
        \tField int
        \tfield int
        }

        func (Documented) Method() {}

        const Constant = 1
        """))
    res = godoc_check(pkg)
    assert res.returncode == 1
    gaps = [line for line in res.stderr.splitlines() if line.startswith("go: ")]
    assert len(gaps) == 4, res.stderr
    for what in ["type faceauth.Cipher", "field faceauth.Documented.Field", "func faceauth.Documented.Method",
                 "const faceauth.Constant"]:
        assert any(what in gap for gap in gaps), (what, gaps)
