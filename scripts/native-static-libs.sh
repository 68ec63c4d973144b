#!/usr/bin/env bash
# Builds libfaceauth (static and shared) for one cargo profile and records the system libraries
# libfaceauth.a needs, as cargo reports them (`--print native-static-libs`), in
# target/<dir>/faceauth-native-static-libs: the one source of the static link line that
# tests/c/run.sh, the installed faceauth.pc (Libs.private) and the CMake package
# (faceauth::faceauth_static) use, and that tests/install/run.sh checks them against.
#
# Usage: scripts/native-static-libs.sh [debug|release]   (default debug). Prints the file's path.
#
# Cost: `cargo rustc -p faceauth-ffi` resolves the features every other build resolves (the
# workspace's Cargo.toml unifies them), so only faceauth-ffi itself compiles again: the extra
# rustc argument is part of its fingerprint, so the next plain `cargo build` of it compiles it
# once more. The line depends only on the dependency graph and the toolchain, so it is kept with
# a key (Cargo.lock, every Cargo.toml, `rustc -vV`) and asked again only when the key changes;
# the library itself is always brought up to date by a plain `cargo build -p faceauth-ffi`.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO=${CARGO:-cargo}
profile=${1:-debug}
case $profile in
    debug) flags=() dir=target/debug ;;
    release) flags=(--release) dir=target/release ;;
    *) echo "native-static-libs: unknown profile '$profile' (debug or release)" >&2; exit 2 ;;
esac

out=$dir/faceauth-native-static-libs
key=$(cat Cargo.lock Cargo.toml ./*/Cargo.toml <(rustc -vV) <(echo "$profile") | sha256sum | cut -d' ' -f1)
build_plain() {
    "$CARGO" build -q -p faceauth-ffi "${flags[@]}" || exit 1
}
if [[ -s $out && $(cat "$out.key" 2>/dev/null) == "$key" ]]; then
    build_plain
    echo "$out"
    exit 0
fi

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
printf '%s\n' "$libs" >"$out"
printf '%s\n' "$key" >"$out.key"
build_plain
echo "$out"
