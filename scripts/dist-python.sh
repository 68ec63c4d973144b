#!/usr/bin/env bash
# Builds the Python distributions (make dist-python):
#   OUT/faceauth-<version>-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
#   OUT/faceauth-<version>.tar.gz   (the sdist: builds from source with maturin where no wheel fits)
# The wheel links with zig (PyPI's ziglang, pinned in requirements-dev.txt) against glibc 2.17,
# so it installs on every manylinux2014 system; tests/dist/python.sh checks `auditwheel show`.
# It builds in target/zig: zig's compiler and linker change the fingerprints of crates with
# build scripts, so sharing target/debug or target/release would make both builds redo them.
#
# maturin leaves out of the sdist what Cargo.toml's [patch.crates-io] points at (third_party/,
# not a dependency by path), so without it the sdist does not build: it is added here, as git
# tracks it, at the place the patch names.
#
# Usage: PROFILE=release|debug scripts/dist-python.sh [OUT]   (default OUT: dist/python)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

PROFILE=${PROFILE:-release}
out=${1:-dist/python}
py=$repo/.venv/bin/python
case $PROFILE in
    release) flags=(--release) ;;
    debug) flags=() ;;
    *) echo "dist-python: PROFILE must be debug or release, not '$PROFILE'" >&2; exit 2 ;;
esac
[[ -x $py ]] || { echo "dist-python: $py is missing (make python-env)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
# maturin finds zig as `python -m ziglang` of the python on PATH: the venv's.
PATH=$repo/.venv/bin:$PATH CARGO_TARGET_DIR=$repo/target/zig \
    "$py" -m maturin build --quiet "${flags[@]}" -m python/Cargo.toml --zig --compatibility manylinux2014 \
    --interpreter "$py" --out "$out"
"$py" -m maturin sdist -m python/Cargo.toml --out "$out" >/dev/null

sdist=$(echo "$out"/faceauth-*.tar.gz)
[[ -f $sdist ]] || { echo "dist-python: maturin wrote no sdist in $out" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/faceauth-dist-python.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$sdist" -C "$tmp"
top=$(basename "$sdist" .tar.gz)
patched=$(sed -n 's/^tiny_http = { path = "\(.*\)" }$/\1/p' "$tmp/$top/Cargo.toml")
[[ $patched == third_party/tiny_http ]] ||
    { echo "dist-python: the sdist's [patch.crates-io] names '$patched', expected third_party/tiny_http" >&2; exit 1; }
git ls-files -z "$patched" | xargs -0 -I{} install -D -m 0644 {} "$tmp/$top/{}"
mtime=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" -C "$tmp" -cf - "$top" |
    gzip -n -9 >"$sdist.tmp"
mv "$sdist.tmp" "$sdist"
ls "$out"/faceauth-*
