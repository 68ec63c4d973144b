#!/usr/bin/env bash
# Installs the faceauth command and libfaceauth for C and C++ users (what `make install` runs):
#   $DESTDIR$PREFIX/bin/faceauth (unless INSTALL_BIN=no)
#   $DESTDIR$PREFIX/lib/libfaceauth.a
#   $DESTDIR$PREFIX/lib/libfaceauth.so.X.Y.Z, libfaceauth.so.X -> it, libfaceauth.so -> .so.X
#   $DESTDIR$PREFIX/include/faceauth.h, faceauth.hpp
#   $DESTDIR$PREFIX/lib/pkgconfig/faceauth.pc
#   $DESTDIR$PREFIX/lib/cmake/faceauth/faceauthConfig.cmake, faceauthConfigVersion.cmake
# The .pc and CMake files come from ffi/install/*.in with the version from Cargo.toml and the
# static link line of target/<profile>/faceauth-native-static-libs (scripts/native-static-libs.sh,
# which `make install` runs first). DESTDIR stages the files; the paths written into them use
# PREFIX alone.
#
# Usage: PREFIX=/usr/local DESTDIR= PROFILE=release [INSTALL_BIN=no] scripts/install.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
PROFILE=${PROFILE:-release}
CARGO=${CARGO:-cargo}
INSTALL_BIN=${INSTALL_BIN:-yes}
case $PREFIX in
    /*) ;;
    *) echo "install: PREFIX must be an absolute path, not '$PREFIX'" >&2; exit 2 ;;
esac
PREFIX=${PREFIX%/}
[[ -n $PREFIX ]] || PREFIX=/

src=target/$PROFILE
libs_file=$src/faceauth-native-static-libs
for file in "$src/libfaceauth.a" "$src/libfaceauth.so" "$libs_file" include/faceauth.h include/faceauth.hpp; do
    [[ -f $file ]] || { echo "install: $file is missing (scripts/native-static-libs.sh $PROFILE)" >&2; exit 1; }
done
if [[ $INSTALL_BIN != no && ! -x $src/faceauth ]]; then
    echo "install: $src/faceauth is missing (cargo build -p faceauth-cli, profile $PROFILE)" >&2
    exit 1
fi

# The version of faceauth-ffi, as cargo resolves it (the workspace's version).
version=$("$CARGO" metadata --no-deps --format-version 1 --offline | python3 -c '
import json, sys
print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "faceauth-ffi"))')
if [[ ! $version =~ ^([0-9]+)\.[0-9]+\.[0-9]+$ ]]; then
    echo "install: unexpected version '$version' in Cargo.toml" >&2
    exit 1
fi
major=${BASH_REMATCH[1]}
# The library's own soname must be the one the links below and the CMake package name.
soname=$(readelf -d "$src/libfaceauth.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [[ $soname != "libfaceauth.so.$major" ]]; then
    echo "install: $src/libfaceauth.so has soname '$soname', expected libfaceauth.so.$major" >&2
    exit 1
fi
native_libs=$(<"$libs_file")
url=$(sed -n 's/^repository = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
sizeof_void_p=$(getconf LONG_BIT)
sizeof_void_p=$((sizeof_void_p / 8))

root=$DESTDIR$PREFIX
libdir=$root/lib
install -d "$libdir" "$root/include" "$libdir/pkgconfig" "$libdir/cmake/faceauth"
install -m 0644 "$src/libfaceauth.a" "$libdir/libfaceauth.a"
install -m 0755 "$src/libfaceauth.so" "$libdir/libfaceauth.so.$version"
ln -sfn "libfaceauth.so.$version" "$libdir/libfaceauth.so.$major"
ln -sfn "libfaceauth.so.$major" "$libdir/libfaceauth.so"
install -m 0644 include/faceauth.h include/faceauth.hpp "$root/include/"
if [[ $INSTALL_BIN != no ]]; then
    install -d "$root/bin"
    install -m 0755 "$src/faceauth" "$root/bin/faceauth"
fi

# @NAME@ -> value; values hold no '|' (checked), so sed's s||| is safe.
fill() { # $1 template, $2 output
    local args=() pair
    for pair in "VERSION=$version" "MAJOR=$major" "PREFIX=$PREFIX" "URL=$url" \
        "NATIVE_STATIC_LIBS=$native_libs" "NATIVE_STATIC_LIBS_LIST=${native_libs// /;}" \
        "SIZEOF_VOID_P=$sizeof_void_p"; do
        [[ $pair != *'|'* && $pair != *'&'* ]] || { echo "install: '$pair' holds | or &" >&2; exit 1; }
        args+=(-e "s|@${pair%%=*}@|${pair#*=}|g")
    done
    sed "${args[@]}" "$1" >"$2.tmp"
    if grep -n '@[A-Z_]*@' "$2.tmp"; then
        echo "install: $1 has a placeholder install.sh does not fill" >&2
        exit 1
    fi
    chmod 0644 "$2.tmp"
    mv "$2.tmp" "$2"
}
fill ffi/install/faceauth.pc.in "$libdir/pkgconfig/faceauth.pc"
fill ffi/install/faceauthConfig.cmake.in "$libdir/cmake/faceauth/faceauthConfig.cmake"
fill ffi/install/faceauthConfigVersion.cmake.in "$libdir/cmake/faceauth/faceauthConfigVersion.cmake"
echo "installed faceauth and libfaceauth $version ($PROFILE) into $root"
