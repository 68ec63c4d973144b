#!/usr/bin/env bash
# Builds libfaceauth (static and shared) for one cargo profile and records the system libraries
# libfaceauth.a needs, as cargo reports them (`--print native-static-libs`), in
# target/<dir>/faceauth-native-static-libs: the one source of the static link line that
# tests/c/run.sh, the installed faceauth.pc (Libs.private) and the CMake package
# (faceauth::faceauth_static) use, and that tests/install/run.sh checks them against.
#
# Usage: scripts/native-static-libs.sh [debug|release]   (default debug). Prints the file's path.
#
# Cost: `cargo rustc -p faceauth-ffi` resolves features for faceauth-ffi alone, so in a workspace
# build that also holds the CLI a few crates (core, ureq, rustls) compile once more with the
# narrower feature set; cargo keeps both, so later runs are free. When the unit is fresh, cargo
# replays rustc's cached note, so the line is always printed.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO=${CARGO:-cargo}
profile=${1:-debug}
case $profile in
    debug) flags=() dir=target/debug ;;
    release) flags=(--release) dir=target/release ;;
    *) echo "native-static-libs: unknown profile '$profile' (debug or release)" >&2; exit 2 ;;
esac

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Both crate types in one rustc run: the shared library comes out of the same compilation.
if ! "$CARGO" rustc -p faceauth-ffi --lib "${flags[@]}" --color never \
    -- --print native-static-libs >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
fi
libs=$(sed -n 's/^note: native-static-libs: //p' "$log" | tail -n 1)
if [[ -z $libs ]]; then
    cat "$log" >&2
    echo "native-static-libs: cargo printed no native-static-libs line" >&2
    exit 1
fi
mkdir -p "$dir"
printf '%s\n' "$libs" >"$dir/faceauth-native-static-libs"
echo "$dir/faceauth-native-static-libs"
