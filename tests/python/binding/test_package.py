"""The package under test is the installed wheel, typed, with the native module inside."""

import sysconfig
from pathlib import Path

import faceauth
from faceauth import _native

ROOT = Path(__file__).resolve().parents[3]


def test_the_installed_wheel_is_imported_not_the_source_tree() -> None:
    here = Path(faceauth.__file__).resolve()
    assert ROOT / "python" not in here.parents, here
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    assert site in here.parents, here


def test_the_wheel_ships_stubs_and_the_typed_marker() -> None:
    package = Path(faceauth.__file__).parent
    assert (package / "py.typed").is_file()
    assert (package / "_native.pyi").is_file()
    assert Path(_native.__file__).parent == package


def test_version_is_the_crate_s() -> None:
    cargo = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    assert f'version = "{faceauth.__version__}"' in cargo


def test_all_names_exist_and_import_star_keeps_the_builtins() -> None:
    for name in faceauth.__all__:
        assert hasattr(faceauth, name), name
    scope: dict[str, object] = {}
    exec("from faceauth import *", scope)
    assert "ConnectionError" not in scope
    assert not issubclass(faceauth.ConnectionError, OSError)
