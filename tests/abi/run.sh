#!/usr/bin/env bash
# The ABI gate (scripts/abi.sh check) on the built library against ffi/abi, then the proof that
# it can fail: the same library against doctored copies of ffi/abi, each of which must give the
# verdict written next to it.
#   - a baseline holding one more export than the library (as if the library had dropped it):
#     the symbol list and abidiff each fail, abidiff with ABIDIFF_ABI_INCOMPATIBLE_CHANGE;
#   - a baseline in which an export's parameter, or a member of faceauth_buf, is another type:
#     abidiff fails (a change);
#   - a baseline lacking one of the library's exports (the library added it): the symbol list
#     asks for an update, abidiff passes;
#   - a baseline lacking a faceauth_status value passes (a status added); one with a value
#     renumbered fails;
#   - a baseline of another soname: not compared (a new major version).
# Usage: tests/abi/run.sh [LIB_DIR] (default target/debug).
set -euo pipefail
cd "$(dirname "$0")/../.."

lib=${1:-target/debug}/libfaceauth.so
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== the built library against ffi/abi"
./scripts/abi.sh check "$lib"

passed=0
# expect NAME STATUS PATTERN: runs the check against $work/NAME, wants that exit status and
# PATTERN in its output.
expect() {
    local name=$1 want=$2 pattern=$3 got=0 output
    output=$(./scripts/abi.sh check "$lib" "$work/$name" 2>&1) || got=$?
    if [[ $got != "$want" ]] || ! grep -q -- "$pattern" <<<"$output"; then
        echo "$output" >&2
        echo "tests/abi: $name: exit status $got, expected $want with \"$pattern\"" >&2
        exit 1
    fi
    echo "ok: $name: exit status $got, \"$pattern\""
    passed=$((passed + 1))
}

# copy NAME: a fresh copy of ffi/abi to doctor.
copy() {
    mkdir -p "$work/$1"
    cp ffi/abi/symbols.txt ffi/abi/libfaceauth.so.0.abi ffi/abi/suppressions.abignore "$work/$1/"
}

# doctor NAME PYTHON: runs PYTHON with `s`, the baseline's text, and writes back what it leaves in s.
doctor() {
    python3 - "$work/$1/libfaceauth.so.0.abi" "$2" <<'EOF'
import re, sys
path, code = sys.argv[1], sys.argv[2]
s = open(path).read()
before = s
exec(code)
assert s != before, "the doctoring changed nothing: " + code
open(path, "w").write(s)
EOF
}

echo "== the gate fails, or passes, on doctored baselines"

# faceauth_buf, the one struct C sees, was another size (an int of a member's type): it fails.
copy buf
doctor buf '
buf = re.search(r"<class-decl name=.faceauth_buf. size-in-bits=.128..*?</class-decl>", s, re.S).group(0)
member = re.search(r"<var-decl name=.len. type-id=.([^\x27]+).", buf)
u8 = re.search(r"<type-decl name=.u8. [^>]*id=.([^\x27]+).", s).group(1)
s = s.replace(buf, buf.replace(member.group(0), member.group(0).replace(member.group(1), u8)), 1)
'
expect buf 1 "changes exports of"

# One more export in the baseline: faceauth_version's symbol and declaration, copied as
# faceauth_gone.
copy removed
echo faceauth_gone >>"$work/removed/symbols.txt"
LC_ALL=C sort -o "$work/removed/symbols.txt" "$work/removed/symbols.txt"
doctor removed '
sym = re.search(r"\n *<elf-symbol name=.faceauth_version.[^\n]*", s).group(0)
s = s.replace(sym, sym + sym.replace("faceauth_version", "faceauth_gone"), 1)
decl = re.search(r"\n *<function-decl name=.faceauth_version..*?</function-decl>", s, re.S).group(0)
s = s.replace(decl, decl + decl.replace("faceauth_version", "faceauth_gone"), 1)
'
expect removed 1 "no longer exports these names"
rm "$work/removed/symbols.txt"
cp ffi/abi/symbols.txt "$work/removed/"
expect removed 1 "breaks the ABI of .* (removed exports)"

# A changed parameter: faceauth_ledger_purge's older_than_seconds was another integer type.
copy changed
doctor changed '
decl = re.search(r"<function-decl name=.faceauth_ledger_purge..*?</function-decl>", s, re.S).group(0)
param = re.search(r"<parameter type-id=.([^\x27]+). name=.older_than_seconds.", decl)
other = re.search(r"<type-decl name=.u8. [^>]*id=.([^\x27]+).", s).group(1)
s = s.replace(decl, decl.replace(param.group(0), param.group(0).replace(param.group(1), other)), 1)
'
expect changed 1 "changes exports of"

# One export fewer in the baseline: the library added it.
copy added
sed -i '/^faceauth_version$/d' "$work/added/symbols.txt"
doctor added '
s = re.sub(r"\n *<elf-symbol name=.faceauth_version.[^\n]*", "", s, count=1)
s = re.sub(r"\n *<function-decl name=.faceauth_version..*?</function-decl>", "", s, count=1, flags=re.S)
'
expect added 1 "(added: run make abi-baseline"
cp ffi/abi/symbols.txt "$work/added/"
expect added 0 "abidiff finds no removed or changed export"

# A status the baseline lacks (the library added it): compatible, so it passes.
copy status-added
doctor status-added 's = re.sub(r"\n *<enumerator name=.WebhookMalformed. value=.400./>", "", s, count=1)'
expect status-added 0 "abidiff finds no removed or changed export"

# A status renumbered (the library's value differs from the baseline's): it fails.
copy status-renumbered
doctor status-renumbered 's = s.replace("<enumerator name=\x27Panic\x27 value=\x2799\x27/>", "<enumerator name=\x27Panic\x27 value=\x2798\x27/>", 1)'
expect status-renumbered 1 "changes exports of"

# Another soname: a new major version, not compared.
copy soname
doctor soname 's = s.replace("soname=\x27libfaceauth.so.0\x27", "soname=\x27libfaceauth.so.1\x27", 1)'
expect soname 0 "the soname changed"

echo "tests/abi: $passed passed, 0 failed"
