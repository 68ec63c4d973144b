#!/usr/bin/env bash
# Regenerates include/faceauth.h with the pinned cbindgen (the generate-header feature) into a
# temporary file and fails on any difference from the committed header; then compiles the
# header alone as C99 and as C++17 with -Wall -Wextra -Werror -pedantic, and the hand-written C++
# wrapper include/faceauth.hpp alone as C++17 with the same flags.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO=${CARGO:-cargo}
CC=${CC:-cc}
CXX=${CXX:-c++}
out=target/header-check
mkdir -p "$out"
rm -f "$out/faceauth.h"

# -p faceauth-cli as well: features then resolve as in the other test builds, so core and its
# dependencies are not compiled again just for this.
FACEAUTH_HEADER_OUT="$PWD/$out/faceauth.h" \
    "$CARGO" build -q -p faceauth-cli -p faceauth-ffi --features faceauth-ffi/generate-header
if ! diff -u include/faceauth.h "$out/faceauth.h"; then
    echo "header-check: include/faceauth.h differs from what ffi/ generates: run 'make header' and commit it" >&2
    exit 1
fi

printf '#include "faceauth.h"\n' > "$out/alone.c"
"$CC" -std=c99 -Wall -Wextra -Werror -pedantic -Iinclude -c "$out/alone.c" -o "$out/alone_c.o"
"$CXX" -std=c++17 -Wall -Wextra -Werror -pedantic -Iinclude -x c++ -c "$out/alone.c" -o "$out/alone_cxx.o"
printf '#include "faceauth.hpp"\n' > "$out/alone_hpp.cpp"
"$CXX" -std=c++17 -Wall -Wextra -Werror -pedantic -Iinclude -c "$out/alone_hpp.cpp" -o "$out/alone_hpp.o"
echo "header-check: include/faceauth.h is current and compiles alone as C99 and C++17; include/faceauth.hpp as C++17"
