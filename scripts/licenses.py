#!/usr/bin/env python3
"""The license policy of what our artifacts link, from Cargo's metadata (offline, locked).

    scripts/licenses.py check                  licenses, sources and duplicates against licenses.toml
    scripts/licenses.py notices --out DIR [--crate CRATE ...]
                                               DIR/THIRD_PARTY_NOTICES.txt for those crates' builds

What an artifact contains is what `cargo tree -e normal -p CRATE --target x86_64-unknown-linux-gnu`
resolves (normal dependencies with that build's features; dev- and build-dependencies are not
linked). Cargo's metadata gives each package's SPDX `license`, its source and its directory, whose
LICENSE*/LICENCE*/COPYING*/NOTICE*/UNLICENSE* files make the notices; a package with none gets the
standard text of its license from licenses/ID.txt. No cargo-deny or cargo-about: `cargo install
--locked cargo-deny` (0.18.3, the newest for Rust 1.85) resolves 381 packages, gix, reqwest, tokio
and ring among them, more than this workspace's 282, compiled again in every cold CI run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = "x86_64-unknown-linux-gnu"
NOTICES_NAME = "THIRD_PARTY_NOTICES.txt"
LICENSE_FILE = re.compile(r"^(licen[cs]e|copying|notice|unlicense)", re.IGNORECASE)


class PolicyError(Exception):
    """A license expression that cannot be read."""


# ---- SPDX license expressions ----------------------------------------------------------------

# An expression as a tree: ("license", id, exception-or-None), ("and", [..]) or ("or", [..]).
Expr = tuple[Any, ...]
# A package of `cargo metadata`, or licenses.toml.
Json = dict[str, Any]


def parse_expression(text: str) -> Expr:
    """Parses an SPDX expression (precedence WITH > AND > OR; the legacy `A/B` means `A OR B`)."""
    tokens = re.findall(r"\(|\)|/|[^\s()/]+", text)
    if not tokens:
        raise PolicyError("empty license expression")
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        token = peek()
        if token is None:
            raise PolicyError(f"license expression {text!r} ends early")
        pos += 1
        return token

    def is_op(token: str | None, *ops: str) -> bool:
        return token is not None and token.upper() in ops

    def parse_or() -> Expr:
        terms = [parse_and()]
        while is_op(peek(), "OR", "/"):
            take()
            terms.append(parse_and())
        return terms[0] if len(terms) == 1 else ("or", terms)

    def parse_and() -> Expr:
        terms = [parse_with()]
        while is_op(peek(), "AND"):
            take()
            terms.append(parse_with())
        return terms[0] if len(terms) == 1 else ("and", terms)

    def parse_with() -> Expr:
        token = take()
        if token == "(":
            inner = parse_or()
            if take() != ")":
                raise PolicyError(f"license expression {text!r}: unbalanced parentheses")
            return inner
        if token == ")" or is_op(token, "AND", "OR", "WITH", "/"):
            raise PolicyError(f"license expression {text!r}: unexpected {token!r}")
        exception = None
        if is_op(peek(), "WITH"):
            take()
            exception = take()
            if exception in ("(", ")", "/") or is_op(exception, "AND", "OR", "WITH"):
                raise PolicyError(f"license expression {text!r}: WITH needs an exception id")
        return ("license", token, exception)

    tree = parse_or()
    if pos != len(tokens):
        raise PolicyError(f"license expression {text!r}: unexpected {tokens[pos]!r}")
    return tree


def describe(term: Expr) -> str:
    """`ID` or `ID WITH EXCEPTION` for one license of a tree."""
    return term[1] if term[2] is None else f"{term[1]} WITH {term[2]}"


def choose(tree: Expr, allow: set[str], exceptions: set[str]) -> list[Expr] | None:
    """The licenses the package is used under (the first allowed side of every OR), or None."""
    kind = tree[0]
    if kind == "license":
        ok = tree[1] in allow and (tree[2] is None or tree[2] in exceptions)
        return [tree] if ok else None
    if kind == "or":
        for side in tree[1]:
            chosen = choose(side, allow, exceptions)
            if chosen is not None:
                return chosen
        return None
    chosen_all: list[Expr] = []
    for part in tree[1]:
        chosen = choose(part, allow, exceptions)
        if chosen is None:
            return None
        chosen_all.extend(c for c in chosen if c not in chosen_all)
    return chosen_all


def check_license(package: Json, policy: Json) -> tuple[list[Expr] | None, str | None]:
    """(the licenses chosen, None) or (None, why the package fails the allow-list)."""
    name = f"{package['name']} {package['version']}"
    expression = package.get("license")
    if not expression:
        where = f" (license-file {package['license_file']})" if package.get("license_file") else ""
        return None, f"{name}: no SPDX `license` in its Cargo.toml{where}; review it and allow it by name"
    try:
        tree = parse_expression(expression)
    except PolicyError as err:
        return None, f"{name}: {err}"
    allow = set(policy["licenses"]["allow"])
    exceptions = set(policy["licenses"].get("exceptions", []))
    chosen = choose(tree, allow, exceptions)
    if chosen is None:
        allowed = ", ".join(sorted(allow))
        return None, f"{name}: license {expression!r} is not allowed by licenses.toml (allowed: {allowed})"
    return chosen, None


# ---- sources -------------------------------------------------------------------------------------


def check_source(package: Json, policy: Json, root: Path = ROOT) -> str | None:
    """None when the package comes from an allowed registry or from inside the repository."""
    name = f"{package['name']} {package['version']}"
    source = package.get("source")
    if source is None:
        directory = Path(package["manifest_path"]).resolve().parent
        if directory.is_relative_to(root.resolve()):
            return None
        return f"{name}: a path dependency outside the repository ({directory})"
    if source in policy["sources"]["registries"]:
        return None
    if source.startswith("git+"):
        return f"{name}: a git dependency ({source}); only crates.io and this repository are allowed"
    return f"{name}: from {source}, not an allowed registry (licenses.toml [sources])"


def lockfile_sources(policy: Json, root: Path = ROOT) -> list[str]:
    """check_source over Cargo.lock, whose packages for other platforms metadata filters out."""
    with open(root / "Cargo.lock", "rb") as f:
        lock = tomllib.load(f)
    problems = []
    for package in lock.get("package", []):
        if "source" in package:  # a path package has none: metadata places those
            manifest = str(root / "Cargo.toml")  # unused for a package with a source
            problem = check_source({**package, "manifest_path": manifest}, policy, root)
            if problem:
                problems.append(problem)
    return problems


def duplicates(packages: list[Json], policy: Json) -> list[str]:
    """One warning per crate with more than one version in the packages."""
    versions: dict[str, list[str]] = {}
    for package in packages:
        versions.setdefault(package["name"], []).append(package["version"])
    relevant = set(policy.get("bans", {}).get("security-relevant", []))
    return [
        f"{name} {', '.join(sorted(found))}" + (" (security-relevant)" if name in relevant else "")
        for name, found in sorted(versions.items())
        if len(found) > 1
    ]


# ---- what Cargo resolves --------------------------------------------------------------------------


def cargo(*args: str) -> str:
    command = [os.environ.get("CARGO", "cargo"), *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        # Offline: the crates must be in Cargo's cache already (any build, or `cargo fetch --locked`).
        hint = "\n(offline: run `cargo fetch --locked` first)" if "offline" in done.stderr else ""
        sys.exit(f"licenses: `{' '.join(command)}` failed:\n{done.stderr.strip()}{hint}")
    return done.stdout


def metadata() -> Json:
    out = cargo("metadata", "--format-version", "1", "--locked", "--offline", "--filter-platform", TARGET)
    meta: Json = json.loads(out)
    return meta


def contents(crate: str) -> set[tuple[str, str]]:
    """(name, version) of every package a build of `crate` links, the crate included."""
    out = cargo(
        "tree", "--locked", "--offline", "-e", "normal", "--prefix", "none", "--target", TARGET, "-p", crate, "-f", "{p}"
    )
    found = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].startswith("v"):
            found.add((parts[0], parts[1][1:]))
    return found


@dataclass
class Artifact:
    crate: str
    what: str
    packages: list[Json] = field(default_factory=list)  # third-party and our own


def resolve(meta: Json, policy: Json, crates: list[str]) -> list[Artifact]:
    by_id = {(p["name"], p["version"]): p for p in meta["packages"]}
    artifacts = []
    for crate in crates:
        artifact = Artifact(crate, policy["artifacts"][crate])
        for key in sorted(contents(crate)):
            if key not in by_id:
                sys.exit(f"licenses: cargo tree lists {key[0]} {key[1]}, which cargo metadata does not know")
            artifact.packages.append(by_id[key])
        artifacts.append(artifact)
    return artifacts


def is_ours(package: Json, meta: Json) -> bool:
    return package["id"] in meta["workspace_members"]


# ---- notices -------------------------------------------------------------------------------------


def license_texts(package: Json, chosen: list[Expr], root: Path = ROOT) -> list[tuple[str, str]]:
    """(label, text) of the package's license files, else of the standard texts of its licenses."""
    directory = Path(package["manifest_path"]).parent
    paths = [directory / name for name in sorted(os.listdir(directory)) if LICENSE_FILE.match(name)]
    if package.get("license_file"):
        paths.append(directory / package["license_file"])
    files: list[Path] = []
    for path in paths:
        found = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        files.extend(p for p in found if p not in files)
    if files:
        return [(str(p.relative_to(directory)), p.read_text(encoding="utf-8", errors="replace")) for p in files]
    texts = []
    authors = ", ".join(package.get("authors") or []) or f"the authors of {package['name']}"
    for term in chosen:
        for spdx_id in filter(None, (term[1], term[2])):
            standard = root / "licenses" / f"{spdx_id}.txt"
            if not standard.is_file():
                raise PolicyError(
                    f"{package['name']} {package['version']}: no license file in {directory} and no standard "
                    f"text licenses/{spdx_id}.txt"
                )
            note = (
                f"(the package ships no license file: the standard {spdx_id} text; "
                f"copyright holders: {authors})\n\n"
            )
            texts.append((f"licenses/{spdx_id}.txt", note + standard.read_text(encoding="utf-8")))
    return texts


def origin(package: Json, root: Path = ROOT) -> str:
    if package.get("source") is None:
        directory = Path(package["manifest_path"]).resolve().parent
        return f"modified copy in {directory.relative_to(root.resolve())}"
    return "crates.io"


def notices(meta: Json, policy: Json, artifacts: list[Artifact], root: Path = ROOT) -> str:
    """THIRD_PARTY_NOTICES.txt: per artifact its packages, then every license text once."""
    version = next(p["version"] for p in meta["packages"] if is_ours(p, meta))
    lines = [
        f"Third-party software in faceauth {version} ({TARGET})",
        "",
        "faceauth is licensed under Apache-2.0 (LICENSE). Its builds statically link the Rust packages",
        "below (their normal dependencies as Cargo.lock resolves them, proc-macro crates included though",
        "they only run at build time); each is used under the license named after `under`. Written by",
        "scripts/licenses.py from Cargo's metadata; their license texts follow.",
        "",
    ]
    third_party: dict[str, tuple[Json, list[Expr]]] = {}
    for artifact in artifacts:
        others = [p for p in artifact.packages if not is_ours(p, meta)]
        lines += [f"== {artifact.crate}, in {artifact.what}: {len(others)} packages", ""]
        for package in others:
            chosen, problem = check_license(package, policy)
            if chosen is None:
                raise PolicyError(problem)
            third_party[package["id"]] = (package, chosen)
            under = " AND ".join(describe(term) for term in chosen)
            where = origin(package, root)
            lines.append(f"  {package['name']} {package['version']}  {package['license']}  (under {under}; {where})")
        lines.append("")
    # Identical texts (most Apache-2.0 files) are printed once, after the packages that carry them.
    texts: dict[str, tuple[str, list[str]]] = {}
    for package, chosen in sorted(third_party.values(), key=lambda item: (item[0]["name"], item[0]["version"])):
        for label, text in license_texts(package, chosen, root):
            digest = hashlib.sha256(text.encode()).hexdigest()
            texts.setdefault(digest, (text, []))[1].append(f"{package['name']} {package['version']} ({label})")
    lines += ["== License texts", ""]
    for text, carriers in texts.values():
        lines.append("-" * 100)
        lines += [f"{carrier}," for carrier in carriers[:-1]] + [f"{carriers[-1]}:"]
        lines += ["", text.rstrip("\n"), ""]
    return "\n".join(lines) + "\n"


# ---- commands ------------------------------------------------------------------------------------


def load_policy(root: Path = ROOT) -> Json:
    with open(root / "licenses.toml", "rb") as f:
        policy: Json = tomllib.load(f)
    return policy


def check_own_license(meta: Json, root: Path = ROOT) -> tuple[list[str], list[str]]:
    """(problems, warnings) about our crates' `license` and the repository's LICENSE file."""
    problems: list[str] = []
    warnings: list[str] = []
    ours = {p["license"] for p in meta["packages"] if is_ours(p, meta)}
    if ours != {"Apache-2.0"}:
        problems.append(f"the workspace's crates declare {sorted(map(str, ours))}; the notices say Apache-2.0")
    license_file = root / "LICENSE"
    if not license_file.is_file():
        warnings.append("no LICENSE file at the repository's root (Cargo.toml says Apache-2.0)")
    elif not all(words in license_file.read_text(errors="replace") for words in ("Apache License", "Version 2.0")):
        problems.append("LICENSE is not the Apache License 2.0 that Cargo.toml's `license` names")
    return problems, warnings


def run_check(policy: Json) -> int:
    meta = metadata()
    crates = list(policy["artifacts"])
    artifacts = resolve(meta, policy, crates)
    shipped = {p["id"]: p for a in artifacts for p in a.packages}
    problems, warnings = check_own_license(meta)
    for package in sorted(shipped.values(), key=lambda p: (p["name"], p["version"])):
        _, problem = check_license(package, policy)
        if problem:
            problems.append(problem)
    # Sources: everything Cargo resolves for the target, dev- and build-dependencies included
    # (they run on the machines that build the artifacts), and every platform's in Cargo.lock.
    for package in sorted(meta["packages"], key=lambda p: (p["name"], p["version"])):
        problem = check_source(package, policy)
        if problem:
            problems.append(problem)
    problems.extend(p for p in lockfile_sources(policy) if p not in problems)
    for duplicate in duplicates(list(shipped.values()), policy):
        warnings.append(f"more than one version in the artifacts: {duplicate}")
    if not problems:
        try:
            size = len(notices(meta, policy, artifacts))
        except PolicyError as err:
            problems.append(str(err))
    for warning in warnings:
        print(f"licenses: warning: {warning}")
    for problem in problems:
        print(f"licenses: {problem}", file=sys.stderr)
    if problems:
        print(f"licenses: FAILED, {len(problems)} problem(s)", file=sys.stderr)
        return 1
    third_party = sum(1 for p in shipped.values() if not is_ours(p, meta))
    print(
        f"licenses: {third_party} third-party packages in {len(artifacts)} artifacts allowed, "
        f"every package of Cargo.lock from an allowed source, {len(warnings)} warnings, notices {size // 1024} KiB"
    )
    return 0


def run_notices(policy: Json, out: Path, crates: list[str]) -> int:
    unknown = [c for c in crates if c not in policy["artifacts"]]
    if unknown:
        known = ", ".join(policy["artifacts"])
        print(f"licenses: unknown crate(s) {', '.join(unknown)}; licenses.toml [artifacts] lists {known}", file=sys.stderr)
        return 2
    meta = metadata()
    try:
        text = notices(meta, policy, resolve(meta, policy, crates))
    except PolicyError as err:
        print(f"licenses: {err}", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    (out / NOTICES_NAME).write_text(text, encoding="utf-8")
    print(out / NOTICES_NAME)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="licenses, sources and duplicates against licenses.toml")
    notices_parser = commands.add_parser("notices", help=f"write DIR/{NOTICES_NAME}")
    notices_parser.add_argument("--out", type=Path, required=True, help="the directory to write into")
    notices_parser.add_argument("--crate", action="append", help="an artifact's crate (repeatable; default: all)")
    args = parser.parse_args(argv)
    policy = load_policy()
    if args.command == "check":
        return run_check(policy)
    return run_notices(policy, args.out, args.crate or list(policy["artifacts"]))


if __name__ == "__main__":
    sys.exit(main())
