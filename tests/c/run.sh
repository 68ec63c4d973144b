#!/usr/bin/env bash
# The C tests of the ABI (tests/c/test_ffi.c), run twice:
#   1. built with -fsanitize=address,undefined and linked against libfaceauth.a;
#   2. built plain, linked against libfaceauth.so through its soname, run under valgrind.
# Each run must print "N passed, 0 failed" and exit 0; sanitizers and valgrind fail on any error
# or leak. Each run gets a fresh simulator (`faceauth mock` on a free loopback port, seeded
# through its control API) for the REST client's tests, stopped when this script exits.
# Usage: tests/c/run.sh [LIB_DIR] (default target/debug, where `make test-c` builds the library
# and the faceauth command).
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
faceauth=$lib_dir/faceauth
[[ -x $faceauth ]] || { echo "run.sh: $faceauth is missing (cargo build -p faceauth-cli)" >&2; exit 1; }
mkdir -p "$out/lib"

# The simulator: what test_ffi reads from the environment (FACEAUTH_TEST_*). A test key, never
# a real project's; it reaches the simulator through its environment, not its command line.
export FACEAUTH_TEST_MOCK_KEY=c-tests-mock-key-0123456789abcdefghij
export FACEAUTH_TEST_MOCK_PROJECT=c-tests-project
export FACEAUTH_TEST_SUBMISSION=sub_1
export FACEAUTH_TEST_SEEDED_ROWS=7
export FACEAUTH_TEST_SEEDED_DAY=2025-03-01
# shellcheck source=../lib/simulator.sh
source tests/lib/simulator.sh

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
start_mock
"$CC" "${cflags[@]}" -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
    -fno-omit-frame-pointer tests/c/test_ffi.c "$lib_dir/libfaceauth.a" $STATIC_LIBS \
    -o "$out/test_ffi_asan"
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$out/test_ffi_asan"

echo "== tests/c: the ABI's JSON is the faceauth command's JSON"
same_json() { # $1: what, $2 and $3: JSON texts (or JSON lines) that must be equal, keys in the same order
    python3 -c 'import json, sys
def parse(text):
    try:
        return [json.loads(text, object_pairs_hook=list)]
    except ValueError:
        return [json.loads(line, object_pairs_hook=list) for line in text.splitlines()]
a, b = (parse(t) for t in sys.argv[2:4])
sys.exit(0 if a and a == b else "run.sh: %s: the ABI and the CLI print different JSON:\n%s\n%s" % tuple(sys.argv[1:4]))' "$@"
}
# The REST client's rows, on the simulator the sanitizer run used.
abi_rows=$("$out/test_ffi_asan" --list "$FACEAUTH_TEST_SEEDED_DAY" 3)
cli_rows=$(FACEAUTH_API_KEY=$FACEAUTH_TEST_MOCK_KEY "$faceauth" auth list --base-url "$FACEAUTH_TEST_MOCK_URL" \
    --start-date "$FACEAUTH_TEST_SEEDED_DAY" --end-date "$FACEAUTH_TEST_SEEDED_DAY" --count 3)
same_json "auth list" "$abi_rows" "$cli_rows"
auth_id=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1].splitlines()[0])["auth_id"])' "$abi_rows")
same_json "auth get" "$("$out/test_ffi_asan" --get "$auth_id")" \
    "$(FACEAUTH_API_KEY=$FACEAUTH_TEST_MOCK_KEY "$faceauth" auth get --base-url "$FACEAUTH_TEST_MOCK_URL" "$auth_id")"
export FACEAUTH_API_KEY=0123456789abcdefghijABCDEFGHIJ0123456789
url=$("$faceauth" url --scheme gcm --pid 'p 1' --sid s-1 --user-id 'u "1"' --cf1 é --cf3 x \
    --new-token --lang en --base-url http://127.0.0.1:9/base/)
same_json inspect "$("$out/test_ffi_asan" --inspect gcm "$url")" "$("$faceauth" inspect --scheme gcm "$url")"
# diagnose reads a ciphertext copied from a URL (%2B) the same way in both.
ciphertext=$("$faceauth" encrypt --scheme cbc '{"sid":"s+1"}' | sed 's/+/%2B/g')
same_json diagnose "$("$out/test_ffi_asan" --diagnose "$ciphertext")" "$("$faceauth" diagnose --json "$ciphertext")"
body=$(printf '{"webhook_trigger":"faceAuth","Authentication_id":"a1","Submission_id":"s1",%s}' \
    '"Auth_Status":"rejected","Auth_User_id":"u1","extra":[1,2]')
encrypted=$(printf '{"data":"%s"}' "$("$faceauth" encrypt --scheme cbc "$body")")
same_json webhook "$("$out/test_ffi_asan" --webhook cbc "$encrypted")" \
    "$(printf '%s' "$encrypted" | FACEAUTH_WEBHOOK_KEY=$FACEAUTH_API_KEY "$faceauth" webhook parse --scheme cbc)"
# The ledger, on one file written by both: issue, status, apply-webhook and list.
db=$out/compare-tokens.db
rm -f "$db" "$db-wal" "$db-shm"
abi_link=$("$out/test_ffi_asan" --ledger-issue "$db" s-abi)
cli_link=$("$faceauth" ledger issue --db "$db" --pid p --sid s-cli --rule count --meta via=cli)
python3 -c 'import json, sys
a, b = (json.loads(t, object_pairs_hook=list) for t in sys.argv[1:3])
same = [k for k, _ in a] == [k for k, _ in b] == ["url", "token", "rule"] and a[2] == b[2]
sys.exit(0 if same else "run.sh: ledger issue: the ABI and the CLI print different shapes:\n%s\n%s" % tuple(sys.argv[1:3]))' \
    "$abi_link" "$cli_link"
for link in "$abi_link" "$cli_link"; do
    token=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["token"])' "$link")
    same_json "ledger status" "$("$out/test_ffi_asan" --ledger-status "$db" "$token")" \
        "$("$faceauth" ledger status --db "$db" "$token")"
    body=$(printf '{"webhook_trigger":"faceAuth","data":{"Submission_id":"s","Auth_Status":"approved",%s}}' \
        "\"Token_id\":\"$token\",\"Authentication_id\":\"fa-$token\",\"Create_Time\":\"2025-03-01T08:00:00Z\"")
    # Applied twice, once by each: the same outcome.
    same_json "ledger apply-webhook" "$("$out/test_ffi_asan" --ledger-apply "$db" "$body")" \
        "$(printf '%s' "$body" | "$faceauth" ledger apply-webhook --db "$db")"
done
abi_list=$("$out/test_ffi_asan" --ledger-list "$db" |
    python3 -c 'import json, sys; print("\n".join(json.dumps(row) for row in json.load(sys.stdin)))')
[[ $(wc -l <<<"$abi_list") -eq 2 ]] || { echo "run.sh: the ledger lists $abi_list" >&2; exit 1; }
same_json "ledger list" "$abi_list" "$("$faceauth" ledger list --db "$db")"
rm -f "$db" "$db-wal" "$db-shm"
unset FACEAUTH_API_KEY
echo "same JSON for inspect, diagnose, webhook parse, auth list, auth get, ledger issue, status, apply-webhook and list"

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
start_mock
# tests/c/valgrind.supp: allocations made once per process (statics of dependencies) that only
# an interior pointer reaches; nothing that grows with the calls.
valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=1 \
    --suppressions=tests/c/valgrind.supp \
    "$out/test_ffi_shared"
stop_mock
