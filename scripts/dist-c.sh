#!/usr/bin/env bash
# Packs the C/C++ release tarball (make dist-c):
#   OUT/faceauth-<version>-x86_64-linux-gnu.tar.gz, one top folder of that name holding
#   bin/faceauth, lib/libfaceauth.a, lib/libfaceauth.so.<version> (+ .so.<major>, .so links),
#   include/faceauth.h, faceauth.hpp, lib/pkgconfig/faceauth.pc, lib/cmake/faceauth/*.cmake,
#   LICENSE, THIRD_PARTY_NOTICES.txt (scripts/licenses.py) and README.
# The files are what scripts/install.sh installs (the one installer), staged with DESTDIR; the
# .pc is then made relocatable (prefix=${pcfiledir}/../..; the CMake package already finds its
# prefix from its own place), so the tree works wherever it is unpacked. The README states the
# oldest glibc the library and the command run on: the highest GLIBC_x.y symbol version they
# need, read with objdump -T.
#
# Needs target/<profile> built (make dist-c does it: scripts/native-static-libs.sh, then the CLI).
# Usage: PROFILE=release|debug scripts/dist-c.sh [OUT]   (default OUT: dist/c). Prints the path.
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE=${PROFILE:-release}
CARGO=${CARGO:-cargo}
out=${1:-dist/c}
case $PROFILE in
    debug | release) ;;
    *) echo "dist-c: PROFILE must be debug or release, not '$PROFILE'" >&2; exit 2 ;;
esac
[[ $(uname -m) == x86_64 && $(uname -s) == Linux ]] ||
    { echo "dist-c: this script packs x86_64-linux-gnu only, not $(uname -s) $(uname -m)" >&2; exit 2; }

version=$("$CARGO" metadata --no-deps --format-version 1 --offline | python3 -c '
import json, sys
print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "faceauth-ffi"))')
name=faceauth-$version-x86_64-linux-gnu

tmp=$(mktemp -d "${TMPDIR:-/tmp}/faceauth-dist-c.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/$name
# PREFIX=/ : every file lands directly under the staged folder; only the .pc names the prefix.
DESTDIR=$stage PREFIX=/ PROFILE=$PROFILE CARGO=$CARGO ./scripts/install.sh >/dev/null
pc=$stage/lib/pkgconfig/faceauth.pc
grep -q '^prefix=/$' "$pc" || { echo "dist-c: $pc does not say prefix=/" >&2; exit 1; }
# shellcheck disable=SC2016 # ${pcfiledir} is pkg-config's variable, written as is
sed -i 's|^prefix=/$|prefix=${pcfiledir}/../..|' "$pc"

install -m 0644 LICENSE "$stage/LICENSE"
# The license texts of the Rust packages linked into libfaceauth and the command (scripts/licenses.py).
CARGO=$CARGO python3 scripts/licenses.py notices --out "$stage" --crate faceauth-cli --crate faceauth-ffi >/dev/null
chmod 0644 "$stage/THIRD_PARTY_NOTICES.txt"

# The oldest glibc: the highest GLIBC_x.y among the versioned symbols the .so and the command use.
glibc=$(objdump -T "$stage/lib/libfaceauth.so.$version" "$stage/bin/faceauth" |
    grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1)
[[ $glibc =~ ^2\.[0-9]+ ]] || { echo "dist-c: no GLIBC symbol version found (got '$glibc')" >&2; exit 1; }
major=${version%%.*}
cat >"$stage/README" <<EOF
faceauth $version for x86_64 Linux (glibc): the C library libfaceauth, its C and C++17 headers,
and the faceauth command. Built with the $PROFILE profile from https://github.com/faceauth/faceauth.

Runs on x86_64 Linux with glibc $glibc or later (the newest glibc symbol version that
lib/libfaceauth.so.$version and bin/faceauth use). Needs nothing else: no Rust toolchain.

Unpack it anywhere: nothing in it names the folder, so it works as it is, wherever it is.
  bin/faceauth                        the command (faceauth --help)
  include/faceauth.h, faceauth.hpp    the C API and its header-only C++17 wrapper
  lib/libfaceauth.so.$major                the shared library (soname), with the .so link
  lib/libfaceauth.a                   the static library
  lib/pkgconfig/faceauth.pc           pkg-config: PKG_CONFIG_PATH=<here>/lib/pkgconfig
  lib/cmake/faceauth/                 CMake: find_package(faceauth CONFIG), CMAKE_PREFIX_PATH=<here>

Link, with PKG_CONFIG_PATH=<here>/lib/pkgconfig:
  shared: cc app.c \$(pkg-config --cflags --libs faceauth) -Wl,-rpath,\$(pkg-config --variable=libdir faceauth)
  static: cc app.c \$(pkg-config --cflags faceauth) "\$(pkg-config --variable=libdir faceauth)/libfaceauth.a" \\
              \$(pkg-config --static --libs-only-l faceauth | sed 's/-lfaceauth //')
CMake, with -DCMAKE_PREFIX_PATH=<here>:
  find_package(faceauth $version CONFIG REQUIRED)
  target_link_libraries(app PRIVATE faceauth::faceauth)          # or faceauth::faceauth_static

Licensed under the Apache License 2.0 (LICENSE). The Rust packages linked into the library and the
command, and their licenses: THIRD_PARTY_NOTICES.txt.
EOF
chmod 0644 "$stage/README"

# Reproducible: sorted names, no owners, one timestamp (the last commit's).
mtime=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
# The debug tarball (make test's) is ten times larger and read once: the fastest compression.
level=-9
[[ $PROFILE == release ]] || level=-1
mkdir -p "$out"
rm -f "$out"/faceauth-*-x86_64-linux-gnu.tar.gz  # one version in OUT: an older one would be picked up
tarball=$out/$name.tar.gz
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" -C "$tmp" -cf - "$name" |
    gzip -n "$level" >"$tarball.tmp"
mv "$tarball.tmp" "$tarball"
echo "$tarball"
