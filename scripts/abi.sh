#!/usr/bin/env bash
# The ABI gate of libfaceauth.so: what it exports, and the types of those exports, against the
# baseline committed in ffi/abi/ for this release.
#
#   scripts/abi.sh check LIB [ABI_DIR]     fails on any difference that breaks the ABI
#   scripts/abi.sh baseline LIB [ABI_DIR]  rewrites ABI_DIR's two files from LIB (commit them)
#
# ABI_DIR (default ffi/abi) holds:
#   - symbols.txt: the exported faceauth_* names, sorted, one a line. `check` compares it with
#     `nm -D --defined-only LIB`: a name the library exports that the list lacks is an addition
#     (regenerate the list), a listed name the library lacks is a removal (an ABI break);
#   - libfaceauth.so.0.abi: `abidw` of the library (its exports with their DWARF types). `check`
#     runs `abidiff` from it to LIB, additions ignored (--no-added-syms): a removed export sets
#     ABIDIFF_ABI_INCOMPATIBLE_CHANGE (exit bit 8), a changed one (a parameter's type, the
#     layout of faceauth_buf, …) sets ABIDIFF_ABI_CHANGE (bit 4); either fails, unless LIB's
#     soname differs from the baseline's (a new major version: make abi-baseline);
#   - suppressions.abignore: changes abidiff does not report, the insides of the opaque structs
#     (C sees only pointers to them; their Rust fields may change freely).
# Needs nm and readelf (binutils), abidw and abidiff (Debian's abigail-tools: scripts/setup-c.sh).
set -euo pipefail

usage() {
    echo "usage: scripts/abi.sh check|baseline LIB [ABI_DIR]" >&2
    exit 2
}
(($# >= 2)) || usage
mode=$1 lib=$2 dir=${3:-ffi/abi}
[[ -f $lib ]] || { echo "abi: $lib is missing (make ffi)" >&2; exit 1; }
symbols=$dir/symbols.txt
baseline=$dir/libfaceauth.so.0.abi
suppressions=$dir/suppressions.abignore

exports() {
    nm -D --defined-only "$lib" | awk '$3 ~ /^faceauth_/ {print $3}' | LC_ALL=C sort
}

soname_of_lib() {
    readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p'
}

case $mode in
baseline)
    mkdir -p "$dir"
    exports >"$symbols"
    # No build paths in the file: the same library gives the same baseline in any checkout.
    abidw --no-corpus-path --no-comp-dir-path --out-file "$baseline" "$lib"
    echo "abi: wrote $symbols ($(wc -l <"$symbols") exports) and $baseline from $lib: commit them"
    ;;
check)
    for file in "$symbols" "$baseline" "$suppressions"; do
        [[ -f $file ]] || { echo "abi: $file is missing (make abi-baseline)" >&2; exit 1; }
    done
    failed=0
    actual=$(exports)
    added=$(LC_ALL=C comm -13 "$symbols" <(echo "$actual"))
    removed=$(LC_ALL=C comm -23 "$symbols" <(echo "$actual"))
    if [[ -n $removed ]]; then
        echo "abi: $lib no longer exports these names of $symbols: an ABI break (removed or renamed):" >&2
        sed 's/^/  - /' <<<"$removed" >&2
        failed=1
    fi
    if [[ -n $added ]]; then
        echo "abi: $lib exports names $symbols lacks (added: run make abi-baseline and commit ffi/abi):" >&2
        sed 's/^/  + /' <<<"$added" >&2
        failed=1
    fi
    ((failed == 0)) && echo "abi: the $(wc -l <<<"$actual") exports are those of $symbols"

    base_soname=$(sed -n "s/^<abi-corpus .*soname='\([^']*\)'.*/\1/p" "$baseline")
    lib_soname=$(soname_of_lib)
    if [[ $base_soname != "$lib_soname" ]]; then
        echo "abi: the soname changed ($base_soname -> $lib_soname): a new ABI, not compared; make abi-baseline"
        exit "$failed"
    fi
    set +e
    report=$(abidiff --no-added-syms --suppressions "$suppressions" "$baseline" "$lib" 2>&1)
    status=$?
    set -e
    # abidiff's exit status is a bit field: 1 an error of abidiff's, 2 a usage error, 4
    # ABIDIFF_ABI_CHANGE, 8 ABIDIFF_ABI_INCOMPATIBLE_CHANGE.
    if ((status & 3)); then
        echo "$report" >&2
        echo "abi: abidiff could not compare $baseline with $lib (exit status $status)" >&2
        exit 1
    elif ((status & 8)); then
        echo "$report" >&2
        echo "abi: $lib breaks the ABI of $baseline (removed exports): keep them, or change the soname" >&2
        failed=1
    elif ((status & 4)); then
        echo "$report" >&2
        echo "abi: $lib changes exports of $baseline (see above): an ABI break; add a new function instead" >&2
        failed=1
    else
        echo "abi: abidiff finds no removed or changed export against $baseline"
    fi
    exit "$failed"
    ;;
*)
    usage
    ;;
esac
