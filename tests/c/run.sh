#!/usr/bin/env bash
# The C tests of the ABI (tests/c/test_ffi.c), run twice:
#   1. built with -fsanitize=address,undefined and linked against libfaceauth.a;
#   2. built plain, linked against libfaceauth.so through its soname, run under valgrind.
# Each run must print "N passed, 0 failed" and exit 0; sanitizers and valgrind fail on any error
# or leak. Usage: tests/c/run.sh [LIB_DIR] (default target/debug, where `make ffi` builds).
set -euo pipefail
cd "$(dirname "$0")/../.."

lib_dir=${1:-target/debug}
out=target/c-tests
CC=${CC:-cc}
# The system libraries libfaceauth.a needs: cargo's native-static-libs for this build, which
# scripts/native-static-libs.sh (run by make test-c) records next to the library.
[[ -f $lib_dir/faceauth-native-static-libs ]] ||
    { echo "run.sh: $lib_dir/faceauth-native-static-libs is missing (scripts/native-static-libs.sh)" >&2; exit 1; }
STATIC_LIBS=$(<"$lib_dir/faceauth-native-static-libs")

for lib in libfaceauth.a libfaceauth.so; do
    [[ -f $lib_dir/$lib ]] || { echo "run.sh: $lib_dir/$lib is missing (make ffi)" >&2; exit 1; }
done
mkdir -p "$out/lib"

# The library exports faceauth_* symbols only, and the test program calls every one of them.
exports=$(nm -D --defined-only "$lib_dir/libfaceauth.so" | awk '{print $3}' | sort)
if grep -v '^faceauth_' <<<"$exports"; then
    echo "run.sh: libfaceauth.so exports the symbols above, outside faceauth_*" >&2
    exit 1
fi
untested=$(for symbol in $exports; do grep -q "\b$symbol(" tests/c/test_ffi.c || echo "$symbol"; done)
if [[ -n $untested ]]; then
    echo "run.sh: tests/c/test_ffi.c never calls: $untested" >&2
    exit 1
fi
python3 tests/c/gen_vectors.py tests/fixtures/crypto.json "$out/vectors.h"

cflags=(-std=c99 -Wall -Wextra -Werror -pedantic -g -Iinclude "-I$out")

echo "== tests/c: AddressSanitizer + UBSan, static library"
"$CC" "${cflags[@]}" -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
    -fno-omit-frame-pointer tests/c/test_ffi.c "$lib_dir/libfaceauth.a" $STATIC_LIBS \
    -o "$out/test_ffi_asan"
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$out/test_ffi_asan"

echo "== tests/c: the ABI's JSON is the faceauth command's JSON"
# Needs target/debug/faceauth next to the library (make test-c builds both).
faceauth=$lib_dir/faceauth
[[ -x $faceauth ]] || { echo "run.sh: $faceauth is missing (cargo build -p faceauth-cli)" >&2; exit 1; }
export FACEAUTH_API_KEY=0123456789abcdefghijABCDEFGHIJ0123456789
same_json() { # $1: what, $2 and $3: JSON texts that must be equal, keys in the same order
    python3 -c 'import json, sys
a, b = (json.loads(t, object_pairs_hook=list) for t in sys.argv[2:4])
sys.exit(0 if a == b else "run.sh: %s: the ABI and the CLI print different JSON:\n%s\n%s" % tuple(sys.argv[1:4]))' "$@"
}
url=$("$faceauth" url --scheme gcm --pid 'p 1' --sid s-1 --user-id 'u "1"' --cf1 é --cf3 x \
    --new-token --lang en --base-url http://127.0.0.1:9/base/)
same_json inspect "$("$out/test_ffi_asan" --inspect gcm "$url")" "$("$faceauth" inspect --scheme gcm "$url")"
body=$(printf '{"webhook_trigger":"faceAuth","Authentication_id":"a1","Submission_id":"s1",%s}' \
    '"Auth_Status":"rejected","Auth_User_id":"u1","extra":[1,2]')
encrypted=$(printf '{"data":"%s"}' "$("$faceauth" encrypt --scheme cbc "$body")")
same_json webhook "$("$out/test_ffi_asan" --webhook cbc "$encrypted")" \
    "$(printf '%s' "$encrypted" | FACEAUTH_WEBHOOK_KEY=$FACEAUTH_API_KEY "$faceauth" webhook parse --scheme cbc)"
unset FACEAUTH_API_KEY
echo "same JSON for inspect and webhook parse"

echo "== tests/c: valgrind, shared library through its soname"
# The soname is libfaceauth.so.0: the program must find the library by that name.
soname=$(readelf -d "$lib_dir/libfaceauth.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [[ $soname != libfaceauth.so.0 ]]; then
    echo "run.sh: libfaceauth.so has soname '$soname', expected libfaceauth.so.0" >&2
    exit 1
fi
cp "$lib_dir/libfaceauth.so" "$out/lib/libfaceauth.so.0"
ln -sf libfaceauth.so.0 "$out/lib/libfaceauth.so"
"$CC" "${cflags[@]}" -O0 tests/c/test_ffi.c "-L$out/lib" -lfaceauth -lpthread \
    "-Wl,-rpath,$PWD/$out/lib" -o "$out/test_ffi_shared"
if ! readelf -d "$out/test_ffi_shared" | grep -q 'NEEDED.*\[libfaceauth.so.0\]'; then
    echo "run.sh: the test program does not need libfaceauth.so.0" >&2
    exit 1
fi
valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=1 \
    "$out/test_ffi_shared"
