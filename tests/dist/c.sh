#!/usr/bin/env bash
# The C tarball, as a user gets it (make test-dist):
#   1. DIR holds faceauth-<version>-x86_64-linux-gnu.tar.gz, one folder of that name holding the
#      command, both libraries with the soname links, both headers, the .pc, the CMake package,
#      LICENSE, THIRD_PARTY_NOTICES.txt (the CLI's and the library's) and a README that states
#      the oldest glibc (checked against objdump -T here); no text file in it names a folder of
#      this machine (the build's, the staging one);
#   2. unpacked into a temporary folder and used with the repository out of reach (an empty tmpfs
#      over it, in a private mount namespace) and a bare environment (tests/dist/c-consumer.sh):
#      bin/faceauth --version; examples/c built with the .pc, shared (run under valgrind) and
#      static; examples/cpp built with find_package, shared and static, run against the
#      simulator of the unpacked bin/faceauth; the README's C/C++ and CLI Install recipes, as
#      printed, with HOME in the temporary folder.
# Usage: tests/dist/c.sh [DIR]   (default dist/c; make test-dist gives the dev build's). Root, or
# unprivileged user namespaces, for unshare.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
dir=${1:-dist/c}
CARGO=${CARGO:-cargo}

fail() { echo "tests/dist/c: $*" >&2; exit 1; }
same() { [[ $2 == "$3" ]] || fail "$1:"$'\n'"  got:      $2"$'\n'"  expected: $3"; }
for tool in pkg-config cmake valgrind objdump unshare; do
    command -v "$tool" >/dev/null || fail "$tool is missing (make c-env)"
done
version=$("$CARGO" metadata --no-deps --format-version 1 --offline | python3 -c '
import json, sys
print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "faceauth-ffi"))')
name=faceauth-$version-x86_64-linux-gnu
shopt -s nullglob
tarballs=("$dir"/*.tar.gz)
shopt -u nullglob
same "the tarballs in $dir" "${tarballs[*]}" "$dir/$name.tar.gz"
tarball=$repo/$dir/$name.tar.gz
[[ $dir != /* ]] || tarball=$dir/$name.tar.gz

tmp=$(mktemp -d /tmp/faceauth-dist-c.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[[ $tmp != "$repo"/* ]] || fail "the temporary folder $tmp is inside the repository"

echo "== tests/dist/c: $name.tar.gz holds what a C or C++ user needs"
same "the tarball's top folders" "$(tar -tzf "$tarball" | cut -d/ -f1 | sort -u)" "$name"
tar -xzf "$tarball" -C "$tmp"
root=$tmp/$name
for file in bin/faceauth lib/libfaceauth.a "lib/libfaceauth.so.$version" include/faceauth.h include/faceauth.hpp \
    lib/pkgconfig/faceauth.pc lib/cmake/faceauth/faceauthConfig.cmake lib/cmake/faceauth/faceauthConfigVersion.cmake \
    LICENSE README THIRD_PARTY_NOTICES.txt; do
    [[ -f $root/$file && ! -L $root/$file ]] || fail "the tarball has no file $file"
done
same "lib/libfaceauth.so.0" "$(readlink "$root/lib/libfaceauth.so.0")" "libfaceauth.so.$version"
same "lib/libfaceauth.so" "$(readlink "$root/lib/libfaceauth.so")" libfaceauth.so.0
cmp -s include/faceauth.h "$root/include/faceauth.h" || fail "its faceauth.h is not include/faceauth.h"
cmp -s LICENSE "$root/LICENSE" || fail "its LICENSE is not the repository's"
for crate in faceauth-cli faceauth-ffi; do
    grep -q "^== $crate, in " "$root/THIRD_PARTY_NOTICES.txt" || fail "THIRD_PARTY_NOTICES.txt lists nothing for $crate"
done
# shellcheck disable=SC2016 # ${pcfiledir} is pkg-config's, not the shell's
same "the .pc's prefix" "$(grep '^prefix=' "$root/lib/pkgconfig/faceauth.pc")" 'prefix=${pcfiledir}/../..'
# The text files name no folder of the build machine (the staging folder, this checkout).
if grep -rIl -e "$repo" -e /tmp/ "$root"; then
    fail "the files above name a folder of the machine that built them"
fi
glibc=$(objdump -T "$root/lib/libfaceauth.so.$version" "$root/bin/faceauth" |
    grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1)
grep -q "with glibc $glibc or later" "$root/README" || fail "the README does not say glibc $glibc: $(cat "$root/README")"
tr '\n' ' ' <README.md | grep -q "the oldest glibc it runs on: $glibc for this build" ||
    fail "the repository's README (Install) does not say the tarball needs glibc $glibc"
echo "layout, soname links, relocatable .pc, LICENSE; README: glibc $glibc or later"

# What the user has: copies of the examples, the README's recipes and the files they assume.
src=$tmp/src work=$tmp/work
mkdir -p "$src" "$work/dist/c" "$tmp/home"
cp -r examples/c examples/cpp "$src/"
cp tests/c/valgrind.supp tests/dist/c-consumer.sh tests/lib/seeded-simulator.sh "$src/"
python3 tests/dist/readme_block.py README.md c >"$src/recipe-c.sh"
python3 tests/dist/readme_block.py README.md cli >"$src/recipe-cli.sh"
cp "$tarball" "$work/dist/c/"
cp examples/cpp/CMakeLists.txt examples/cpp/open_link.cpp "$work/"
awk '/^## C and C\+\+/{s=1} s && /^```c$/{f=1; next} f && /^```$/{exit} f' README.md >"$work/app.c"
grep -q 'int main' "$work/app.c" || fail "no C program in the README's C and C++ section"

# A bare PATH of the system's folders: no cargo, no rustc, nothing from this checkout.
path=/usr/local/bin:/usr/bin:/bin
echo "== tests/dist/c: the repository hidden, PATH=$path"
ns=(--mount)
[[ $(id -u) -eq 0 ]] || ns=(--user --map-root-user --mount)  # a developer's unprivileged run
# shellcheck disable=SC2016 # the inner script's $1 and $@ are its own
unshare "${ns[@]}" bash -c '
    mount -t tmpfs -o size=1m,mode=0555 faceauth-hidden "$1" || exit 1
    [[ -z $(ls -A "$1") ]] || { echo "the repository is still visible" >&2; exit 1; }
    shift
    exec "$@"' _ "$repo" \
    env -i PATH="$path" HOME="$tmp/home" LANG=C.UTF-8 \
    bash "$src/c-consumer.sh" "$version" "$root" "$src" "$work"
echo "C tarball: examples/c (shared under valgrind, static), examples/cpp (find_package, shared and static) and the README's recipes ran from the unpacked tree alone"
