"""scripts/licenses.py: SPDX expressions against the allow-list, sources, duplicates, notice texts."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("licenses", ROOT / "scripts" / "licenses.py")
assert _spec is not None and _spec.loader is not None
licenses = importlib.util.module_from_spec(_spec)
sys.modules["licenses"] = licenses
_spec.loader.exec_module(licenses)
Json = dict[str, Any]

POLICY = {
    "licenses": {"allow": ["MIT", "Apache-2.0", "Unicode-3.0"], "exceptions": ["LLVM-exception"]},
    "sources": {"registries": ["registry+https://github.com/rust-lang/crates.io-index"]},
    "bans": {"security-relevant": ["sha2"]},
}
CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index"


def package(license: str | None = "MIT", source: str | None = CRATES_IO, manifest: Path | None = None, **extra: object) -> Json:
    return {
        "id": "demo 1.0.0",
        "name": "demo",
        "version": "1.0.0",
        "license": license,
        "license_file": None,
        "source": source,
        "manifest_path": str(manifest or ROOT / "nowhere" / "Cargo.toml"),
        "authors": ["A. Author"],
        **extra,
    }


def chosen(expression: str) -> list[str] | None:
    picked, _ = licenses.check_license(package(expression), POLICY)
    return None if picked is None else [licenses.describe(term) for term in picked]


def problem(pkg: Json) -> str:
    _, why = licenses.check_license(pkg, POLICY)
    assert isinstance(why, str)
    return why


# ---- expressions ----


def test_or_takes_the_first_allowed_side() -> None:
    assert chosen("MIT OR Apache-2.0") == ["MIT"]
    assert chosen("GPL-3.0-only OR Apache-2.0") == ["Apache-2.0"]


def test_and_needs_every_part() -> None:
    assert chosen("(MIT OR Apache-2.0) AND Unicode-3.0") == ["MIT", "Unicode-3.0"]
    assert chosen("MIT AND GPL-3.0-only") is None


def test_precedence_and_binds_tighter_than_or() -> None:
    # GPL-3.0-only OR (MIT AND Unicode-3.0), not (GPL-3.0-only OR MIT) AND Unicode-3.0
    assert licenses.parse_expression("GPL-3.0-only OR MIT AND Unicode-3.0") == (
        "or",
        [("license", "GPL-3.0-only", None), ("and", [("license", "MIT", None), ("license", "Unicode-3.0", None)])],
    )


def test_legacy_slash_reads_as_or() -> None:
    assert chosen("MIT/Apache-2.0") == ["MIT"]
    assert chosen("GPL-3.0-only/Apache-2.0") == ["Apache-2.0"]


def test_with_needs_an_allowed_exception() -> None:
    assert chosen("Apache-2.0 WITH LLVM-exception") == ["Apache-2.0 WITH LLVM-exception"]
    assert chosen("Apache-2.0 WITH Classpath-exception-2.0") is None
    assert chosen("GPL-2.0-only WITH LLVM-exception") is None


def test_unlisted_license_fails_with_its_name() -> None:
    why = problem(package("GPL-3.0-only"))
    assert "demo 1.0.0" in why and "'GPL-3.0-only' is not allowed" in why


def test_missing_license_fails() -> None:
    for missing in (None, ""):
        assert "no SPDX `license`" in problem(package(missing))
    assert "license-file LICENSE.txt" in problem(package(None, license_file="LICENSE.txt"))


@pytest.mark.parametrize("expression", ["MIT OR", "(MIT", "MIT)", "AND MIT", "MIT AND AND Apache-2.0", "MIT WITH", "( )"])
def test_malformed_expressions_fail(expression: str) -> None:
    with pytest.raises(licenses.PolicyError):
        licenses.parse_expression(expression)
    assert "license expression" in problem(package(expression))


# ---- sources ----


def test_crates_io_and_paths_inside_the_repository_pass() -> None:
    assert licenses.check_source(package(), POLICY) is None
    inside = package(source=None, manifest=ROOT / "mock" / "Cargo.toml")
    assert licenses.check_source(inside, POLICY) is None


def test_git_source_fails() -> None:
    git = package(source="git+https://github.com/someone/demo?rev=abc#abc")
    assert "a git dependency" in (licenses.check_source(git, POLICY) or "")


def test_other_registry_fails() -> None:
    other = package(source="registry+https://example.com/index")
    assert "not an allowed registry" in (licenses.check_source(other, POLICY) or "")


def test_path_outside_the_repository_fails(tmp_path: Path) -> None:
    outside = package(source=None, manifest=tmp_path / "demo" / "Cargo.toml")
    assert "outside the repository" in (licenses.check_source(outside, POLICY, root=ROOT) or "")


def test_a_git_source_in_cargo_lock_fails(tmp_path: Path) -> None:
    (tmp_path / "Cargo.lock").write_text(
        'version = 4\n\n[[package]]\nname = "ours"\nversion = "0.1.0"\n\n'
        '[[package]]\nname = "fine"\nversion = "1.0.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n\n'
        '[[package]]\nname = "winonly"\nversion = "0.3.0"\nsource = "git+https://github.com/someone/winonly#abc"\n'
    )
    assert licenses.lockfile_sources(POLICY, root=tmp_path) == [
        "winonly 0.3.0: a git dependency (git+https://github.com/someone/winonly#abc); "
        "only crates.io and this repository are allowed"
    ]


def test_the_committed_cargo_lock_has_allowed_sources_only() -> None:
    assert licenses.lockfile_sources(licenses.load_policy()) == []


# ---- duplicates ----


def test_duplicates_are_reported_and_security_relevant_ones_marked() -> None:
    packages = [
        {"name": "sha2", "version": "0.10.9"},
        {"name": "sha2", "version": "0.11.0"},
        {"name": "syn", "version": "2.0.1"},
        {"name": "syn", "version": "3.0.0"},
        {"name": "cfg-if", "version": "1.0.0"},
    ]
    assert licenses.duplicates(packages, POLICY) == ["sha2 0.10.9, 0.11.0 (security-relevant)", "syn 2.0.1, 3.0.0"]


# ---- notice texts ----


def test_license_files_of_the_package_are_used(tmp_path: Path) -> None:
    (tmp_path / "LICENSE-MIT").write_text("mit text\n")
    (tmp_path / "COPYING").write_text("copying text\n")
    (tmp_path / "LICENSES").mkdir()
    (tmp_path / "LICENSES" / "ISC.txt").write_text("isc text\n")
    (tmp_path / "README.md").write_text("not a license\n")
    pkg = package(manifest=tmp_path / "Cargo.toml")
    texts = licenses.license_texts(pkg, [("license", "MIT", None)], root=ROOT)
    assert texts == [("COPYING", "copying text\n"), ("LICENSE-MIT", "mit text\n"), ("LICENSES/ISC.txt", "isc text\n")]


def test_a_package_without_license_files_gets_the_standard_text(tmp_path: Path) -> None:
    pkg = package(manifest=tmp_path / "Cargo.toml")
    [(label, text)] = licenses.license_texts(pkg, [("license", "MIT", None)], root=ROOT)
    assert label == "licenses/MIT.txt"
    assert "A. Author" in text and "Permission is hereby granted" in text


def test_no_license_file_and_no_standard_text_fails(tmp_path: Path) -> None:
    pkg = package("Zlib", manifest=tmp_path / "Cargo.toml")
    with pytest.raises(licenses.PolicyError, match="no standard text licenses/Zlib.txt"):
        licenses.license_texts(pkg, [("license", "Zlib", None)], root=ROOT)


def test_the_committed_policy_allows_only_listed_ids() -> None:
    policy = licenses.load_policy()
    assert "GPL-3.0-only" not in policy["licenses"]["allow"]
    assert set(policy["artifacts"]) == {"faceauth-cli", "faceauth-ffi", "faceauth-python"}


# ---- the workspace itself (cargo metadata and cargo tree, offline) ----


@pytest.fixture(scope="module")
def workspace() -> tuple[Json, Json, list[Any]]:
    policy = licenses.load_policy()
    meta = licenses.metadata()
    return meta, policy, licenses.resolve(meta, policy, list(policy["artifacts"]))


def test_the_check_fails_when_a_linked_license_is_dropped_from_the_allow_list(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = licenses.load_policy()
    policy["licenses"]["allow"].remove("ISC")  # rustls-webpki is ISC only, ring Apache-2.0 AND ISC
    monkeypatch.setattr(licenses, "load_policy", lambda root=ROOT: policy)
    assert licenses.main(["check"]) == 1
    err = capsys.readouterr().err
    assert "rustls-webpki" in err and "ring" in err and "'Apache-2.0 AND ISC' is not allowed" in err


def test_notices_name_each_artifact_and_carry_the_texts(workspace: tuple[Json, Json, list[Any]]) -> None:
    meta, policy, artifacts = workspace
    text = licenses.notices(meta, policy, artifacts)
    for crate in policy["artifacts"]:
        assert f"== {crate}, in " in text
    assert re.search(r"^ring [\d.]+ \(LICENSE-BoringSSL\)", text, re.M)  # every file, not just LICENSE
    # number_prefix ships no license file: the standard text stands in
    assert re.search(r"^number_prefix [\d.]+ \(licenses/MIT.txt\):", text, re.M)
    # our own crates are not third-party
    assert "\n  faceauth " not in text and "\n  faceauth-mock " not in text
