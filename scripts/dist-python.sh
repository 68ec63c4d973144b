#!/usr/bin/env bash
# Builds the Python distributions (make dist-python):
#   OUT/faceauth-<version>-cp310-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
#   OUT/faceauth-<version>.tar.gz   (the sdist: builds from source with maturin where no wheel fits)
# The wheel links with zig (PyPI's ziglang, pinned in requirements-dev.txt) against glibc 2.17,
# so it installs on every manylinux2014 system; tests/dist/python.sh checks `auditwheel show`.
# It builds in target/zig: zig's compiler and linker change the fingerprints of crates with
# build scripts, so sharing target/debug or target/release would make both builds redo them.
#
# The wheel carries the license texts of the Rust packages linked into faceauth._native
# (scripts/licenses.py) as .dist-info/licenses/THIRD_PARTY_NOTICES.txt, a License-File of its
# METADATA, added after maturin (which takes license files from python/ only) with RECORD redone.
# The sdist carries the same file at its root, named by `license-files` in its pyproject.toml
# and a License-File of its PKG-INFO, so that a wheel pip builds from it carries it too.
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
python3 scripts/licenses.py notices --out "$tmp/notices" --crate faceauth-python >/dev/null
install -m 0644 "$tmp/notices/THIRD_PARTY_NOTICES.txt" "$tmp/$top/THIRD_PARTY_NOTICES.txt"
python3 - "$tmp/$top" <<'EOF'
import re, sys
top = sys.argv[1]
with open(f"{top}/pyproject.toml") as f:
    text = f.read()
assert "license-files" not in text, "pyproject.toml names license files already: update this script"
text, n = re.subn(r'(?m)^license = "(.*)"$', r'license = "\1"\nlicense-files = ["LICENSE", "THIRD_PARTY_NOTICES.txt"]', text)
assert n == 1, "no `license = ` line in the sdist's pyproject.toml"
with open(f"{top}/pyproject.toml", "w") as f:
    f.write(text)
with open(f"{top}/PKG-INFO") as f:
    head, sep, body = f.read().partition("\n\n")
assert "License-File: LICENSE" in head.splitlines(), head
head = head.replace("License-File: LICENSE", "License-File: LICENSE\nLicense-File: THIRD_PARTY_NOTICES.txt", 1)
with open(f"{top}/PKG-INFO", "w") as f:
    f.write(head + sep + body)
EOF
mtime=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" -C "$tmp" -cf - "$top" |
    gzip -n -9 >"$sdist.tmp"
mv "$sdist.tmp" "$sdist"

wheel=$(echo "$out"/faceauth-*.whl)
[[ -f $wheel ]] || { echo "dist-python: maturin wrote no wheel in $out" >&2; exit 1; }
python3 - "$wheel" "$tmp/notices/THIRD_PARTY_NOTICES.txt" <<'EOF'
import base64, hashlib, sys, zipfile
wheel, notices = sys.argv[1], sys.argv[2]
name = "THIRD_PARTY_NOTICES.txt"
with zipfile.ZipFile(wheel) as z:
    entries = [(info, z.read(info)) for info in z.infolist()]
info_dir = next(i.filename.split("/")[0] for i, _ in entries if i.filename.endswith(".dist-info/METADATA"))
def digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
files = {}
for info, data in entries:
    if info.filename == f"{info_dir}/METADATA":
        text = data.decode()
        head, sep, body = text.partition("\n\n")
        assert f"License-File: {name}" not in head, "the wheel has the notices already"
        data = (head + f"\nLicense-File: {name}" + sep + body).encode()
    files[info.filename] = (info, data)
with open(notices, "rb") as f:
    files[f"{info_dir}/licenses/{name}"] = (None, f.read())
record = f"{info_dir}/RECORD"
lines = [f"{n},{digest(d)},{len(d)}" for n, (_, d) in files.items() if n != record] + [f"{record},,"]
files[record] = (files[record][0], ("\n".join(lines) + "\n").encode())
order = [n for n in files if n != record] + [record]  # RECORD last, as wheels have it
with zipfile.ZipFile(wheel + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
    for n in order:
        info, data = files[n]
        if info is None:
            info = zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
EOF
mv "$wheel.tmp" "$wheel"
ls "$out"/faceauth-*
