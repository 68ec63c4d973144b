#!/usr/bin/env bash
# The Python distributions, as a user gets them (make test-dist):
#   1. DIR holds one wheel and one sdist of the workspace's version; `auditwheel show` says the
#      wheel is manylinux_2_17 (manylinux2014), abi3, with LICENSE and THIRD_PARTY_NOTICES.txt in
#      its .dist-info (License-File of its METADATA) and a RECORD true to its files;
#   2. the sdist holds what a build from source needs (the workspace's Cargo.toml and Cargo.lock,
#      core, mock, python), and cargo resolves
#      it offline with that Cargo.lock; pip builds a wheel from it (offline, dev profile, in
#      target/sdist-wheel) that carries LICENSE and THIRD_PARTY_NOTICES.txt as the released wheel;
#   3. the README's Python Install recipe, run as printed in a temporary directory holding
#      dist/python, with no cargo or rustc on PATH: a fresh venv installs the wheel with
#      --no-index; then examples/python (copied out of the repository) run with that venv's
#      python, importing the installed package.
# Usage: tests/dist/python.sh [DIR]   (default dist/python; make test-dist gives the dev build's)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
dir=${1:-dist/python}
CARGO=${CARGO:-cargo}

fail() { echo "tests/dist/python: $*" >&2; exit 1; }
version=$("$CARGO" metadata --no-deps --format-version 1 --offline | python3 -c '
import json, sys
print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "faceauth-python"))')

shopt -s nullglob
wheels=("$dir"/*.whl)
sdists=("$dir"/*.tar.gz)
shopt -u nullglob
((${#wheels[@]} == 1)) || fail "$dir holds ${#wheels[@]} wheels, expected 1: ${wheels[*]}"
((${#sdists[@]} == 1)) || fail "$dir holds ${#sdists[@]} sdists, expected 1: ${sdists[*]}"
wheel=${wheels[0]} sdist=${sdists[0]}
[[ $(basename "$wheel") == faceauth-$version-cp310-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl ]] ||
    fail "the wheel's name: $(basename "$wheel")"
[[ $(basename "$sdist") == faceauth-$version.tar.gz ]] || fail "the sdist's name: $(basename "$sdist")"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/faceauth-dist-python.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "== tests/dist/python: auditwheel show $(basename "$wheel")"
"$repo/.venv/bin/auditwheel" show "$wheel" >"$tmp/auditwheel.txt" || { cat "$tmp/auditwheel.txt" >&2; fail "auditwheel show failed"; }
cat "$tmp/auditwheel.txt"
tr -s ' \n' ' ' <"$tmp/auditwheel.txt" | grep -q 'is consistent with the following platform tag: "manylinux_2_17_x86_64"' ||
    fail "auditwheel does not report manylinux_2_17_x86_64 (manylinux2014)"
python3 - "$wheel" "$version" <<'EOF'
import sys, zipfile
wheel, version = sys.argv[1], sys.argv[2]
names = zipfile.ZipFile(wheel).namelist()
info = f"faceauth-{version}.dist-info/"
for want in ("faceauth/__init__.py", "faceauth/_native.abi3.so", "faceauth/_native.pyi",
             "faceauth/py.typed", info + "licenses/LICENSE", info + "METADATA"):
    assert want in names, f"the wheel has no {want}: {names}"
z = zipfile.ZipFile(wheel)
tags = z.read(info + "WHEEL").decode()
assert "Tag: cp310-abi3-manylinux_2_17_x86_64" in tags, tags
# The third-party notices (scripts/dist-python.sh adds them), named by METADATA, and RECORD true.
notices = z.read(info + "licenses/THIRD_PARTY_NOTICES.txt").decode()
assert "== faceauth-python, in the Python wheel" in notices and "pyo3 " in notices, notices[:400]
metadata = z.read(info + "METADATA").decode().partition("\n\n")[0].splitlines()
assert "License-File: LICENSE" in metadata and "License-File: THIRD_PARTY_NOTICES.txt" in metadata, metadata
import base64, csv, hashlib, io
rows = list(csv.reader(io.StringIO(z.read(info + "RECORD").decode())))
assert sorted(r[0] for r in rows) == sorted(n for n in names if not n.endswith("/")), "RECORD lists other files"
for path, digest, size in rows:
    if path == info + "RECORD":
        continue
    data = z.read(path)
    want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    assert (digest, size) == (want, str(len(data))), f"RECORD is wrong about {path}"
EOF

echo "== tests/dist/python: the sdist holds a buildable workspace"
tar -xzf "$sdist" -C "$tmp"
src=$tmp/faceauth-$version
for file in PKG-INFO pyproject.toml Cargo.toml Cargo.lock LICENSE core/Cargo.toml core/src/lib.rs \
    mock/Cargo.toml python/Cargo.toml python/src/lib.rs py_src/faceauth/__init__.py \
    py_src/faceauth/_native.pyi py_src/faceauth/py.typed \
    THIRD_PARTY_NOTICES.txt; do
    [[ -f $src/$file ]] || fail "the sdist has no $file"
done
grep -qx "Version: $version" "$src/PKG-INFO" || fail "the sdist's PKG-INFO is not version $version"
# Offline: every member, path and patch resolves, as a build's would. The sdist's workspace lacks
# the CLI and the C library, so cargo drops their packages from Cargo.lock; it must add or change
# none (the build uses the versions this repository tests).
cp "$src/Cargo.lock" "$tmp/Cargo.lock.shipped"
(cd "$src" && "$CARGO" metadata --offline --format-version 1 >/dev/null) ||
    fail "cargo cannot resolve the sdist's workspace"
python3 - "$tmp/Cargo.lock.shipped" "$src/Cargo.lock" <<'EOF'
import sys, tomllib
def packages(path):
    with open(path, "rb") as f:
        return {(p["name"], p["version"], p.get("source"), p.get("checksum")) for p in tomllib.load(f)["package"]}
shipped, resolved = packages(sys.argv[1]), packages(sys.argv[2])
assert resolved <= shipped, f"cargo changed the sdist's Cargo.lock: {sorted(resolved - shipped)}"
print(f"sdist: cargo resolves it offline to {len(resolved)} of Cargo.lock's {len(shipped)} packages, none changed")
EOF

echo "== tests/dist/python: a wheel built from the sdist carries the license notices"
# As pip builds it where no wheel fits (offline: the venv's pinned maturin, no build isolation;
# the dev profile; the venv's maturin on PATH, as pip's backend calls it), unpacked at a fixed path with its own cargo target, so that a second run
# finds every crate compiled.
build=$repo/target/sdist-wheel
rm -rf "$build/src" "$build/wheel"
mkdir -p "$build/src"
tar -xzf "$sdist" -C "$build/src"
PATH=$repo/.venv/bin:$PATH MATURIN_PEP517_ARGS="--profile dev" CARGO_TARGET_DIR=$build/cargo CARGO_NET_OFFLINE=true \
    "$repo/.venv/bin/python" -m pip wheel --quiet --disable-pip-version-check --no-index --no-build-isolation \
    --no-deps -w "$build/wheel" "$build/src/faceauth-$version" >"$tmp/sdist-wheel.log" 2>&1 ||
    { cat "$tmp/sdist-wheel.log" >&2; fail "pip could not build a wheel from the sdist"; }
python3 - "$build/wheel" "$version" "$wheel" <<'EOF'
import glob, sys, zipfile
out, version, released = sys.argv[1], sys.argv[2], sys.argv[3]
wheels = glob.glob(f"{out}/faceauth-{version}-*.whl")
assert len(wheels) == 1, wheels
info = f"faceauth-{version}.dist-info/"
built, shipped = zipfile.ZipFile(wheels[0]), zipfile.ZipFile(released)
names = built.namelist()
for name in ("LICENSE", "THIRD_PARTY_NOTICES.txt"):
    assert info + "licenses/" + name in names, f"the wheel built from the sdist has no {name}: {names}"
notices = built.read(info + "licenses/THIRD_PARTY_NOTICES.txt")
assert notices == shipped.read(info + "licenses/THIRD_PARTY_NOTICES.txt"), "its notices differ from the released wheel's"
metadata = built.read(info + "METADATA").decode().partition("\n\n")[0].splitlines()
assert "License-File: THIRD_PARTY_NOTICES.txt" in metadata, metadata
print(f"sdist: the wheel pip builds from it carries LICENSE and THIRD_PARTY_NOTICES.txt ({len(notices)} bytes), as the released one")
EOF

echo "== tests/dist/python: the README's recipe, no cargo or rustc on PATH"
# A PATH with the interpreter's folder and the system's, less any folder holding cargo or rustc.
python=$(python3 -c 'import sys; print(sys.executable)')
path=
for folder in "$(dirname "$python")" /usr/local/bin /usr/bin /bin; do
    [[ -e $folder/cargo || -e $folder/rustc ]] || path=${path:+$path:}$folder
done
work=$tmp/work
mkdir -p "$work/dist/python" "$tmp/home"
cp "$wheel" "$sdist" "$work/dist/python/"
cp -r examples/python "$tmp/examples-python"
python3 tests/dist/readme_block.py README.md python >"$tmp/recipe.sh"
cat "$tmp/recipe.sh"
run() { (cd "$work" && env -i HOME="$tmp/home" PATH="$path" "$@"); }
run bash -c '! command -v cargo && ! command -v rustc' >/dev/null || fail "cargo or rustc is on PATH: $path"
run bash -euo pipefail "$tmp/recipe.sh" >"$tmp/recipe.log" 2>&1 || { cat "$tmp/recipe.log" >&2; fail "the README's Python recipe failed"; }
cat "$tmp/recipe.log"
venv_python=$work/.venv/bin/python
[[ -x $venv_python ]] || fail "the recipe made no .venv"
got=$(run "$venv_python" -c 'import faceauth; print(faceauth.__version__, faceauth.__file__)')
[[ $got == "$version $work/.venv/"*/site-packages/faceauth/__init__.py ]] || fail "import faceauth: $got"
files=$(run "$venv_python" -m pip show --files faceauth)
grep -q '_native.abi3.so' <<<"$files" || fail "pip installed no native module: $files"
for example in "$tmp"/examples-python/*.py; do
    echo "== $(basename "$example")"
    run "$venv_python" "$example" >"$tmp/example.out" 2>&1 || { cat "$tmp/example.out" >&2; fail "examples/python/$(basename "$example") failed"; }
done
echo "python dist: manylinux2014 abi3 wheel installed with no Rust toolchain, examples/python ran; sdist resolves"
