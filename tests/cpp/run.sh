#!/usr/bin/env bash
# The C++ wrapper's tests (tests/cpp/test_hpp.cpp over include/faceauth.hpp), built as C++17 with
# -Wall -Wextra -Werror -pedantic and -fsanitize=address,undefined, linked against libfaceauth.a
# and the system libraries cargo reports for it (LIB_DIR/faceauth-native-static-libs, written by
# scripts/native-static-libs.sh). The program must end with "N passed, 0 failed" and exit 0. The
# Client's tests run against the simulator (`faceauth mock`), which this script starts and stops.
# Usage: tests/cpp/run.sh [LIB_DIR] (default target/debug).
set -euo pipefail
cd "$(dirname "$0")/../.."

lib_dir=${1:-target/debug}
out=target/cpp-tests
CXX=${CXX:-c++}
for file in "$lib_dir/libfaceauth.a" "$lib_dir/faceauth-native-static-libs"; do
    [[ -f $file ]] || { echo "tests/cpp: $file is missing (scripts/native-static-libs.sh)" >&2; exit 1; }
done
read -r -a static_libs <"$lib_dir/faceauth-native-static-libs"
mkdir -p "$out"
python3 tests/c/gen_vectors.py tests/fixtures/crypto.json "$out/vectors.h"

# The simulator for the Client's tests: `faceauth mock` on a free loopback port, seeded with an
# approved submission and FACEAUTH_TEST_SEEDED_ROWS results, stopped when this script exits. A
# test key, never a real project's, passed through the environment.
faceauth=$lib_dir/faceauth
[[ -x $faceauth ]] || { echo "tests/cpp: $faceauth is missing (cargo build -p faceauth-cli)" >&2; exit 1; }
export FACEAUTH_TEST_MOCK_KEY=cpp-tests-mock-key-0123456789abcdefghij
export FACEAUTH_TEST_MOCK_PROJECT=cpp-tests-project
export FACEAUTH_TEST_SUBMISSION=sub_1
export FACEAUTH_TEST_SEEDED_ROWS=5
export FACEAUTH_TEST_SEEDED_DAY=2025-03-01
# shellcheck source=../lib/simulator.sh
source tests/lib/simulator.sh
start_mock

echo "== tests/cpp: faceauth.hpp, AddressSanitizer + UBSan, static library"
"$CXX" -std=c++17 -Wall -Wextra -Werror -pedantic -g -O1 -Iinclude "-I$out" \
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -pthread \
    tests/cpp/test_hpp.cpp "$lib_dir/libfaceauth.a" "${static_libs[@]}" -o "$out/test_hpp"
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$out/test_hpp" | tee "$out/test_hpp.log"
tail -n 1 "$out/test_hpp.log" | grep -Eq '^[1-9][0-9]* passed, 0 failed$' ||
    { echo "tests/cpp: the last line is not 'N passed, 0 failed'" >&2; exit 1; }
