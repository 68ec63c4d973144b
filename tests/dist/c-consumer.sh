#!/usr/bin/env bash
# The C and C++ user's side of tests/dist/c.sh, run by it with the repository hidden (an empty
# tmpfs mounted over it in a private mount namespace) and a bare environment: only what the
# unpacked tarball and the copied examples give.
# Usage (from tests/dist/c.sh): c-consumer.sh VERSION ROOT SRC WORK
#   ROOT: the unpacked tarball; SRC: copies of examples/c, examples/cpp, tests/c/valgrind.supp and
#   tests/lib/seeded-simulator.sh;
#   WORK: a folder holding dist/c/<tarball>, app.c and CMakeLists.txt, where the README's recipes
#   (recipe-c.sh, recipe-cli.sh in SRC) run as printed.
set -euo pipefail
version=$1 root=$2 src=$3 work=$4
build=$src/build
KEY=0123456789abcdefghijABCDEFGHIJ0123456789  # the demo key of docs/encryption.md
fail() { echo "tests/dist/c: $*" >&2; exit 1; }
same() { [[ $2 == "$3" ]] || fail "$1:"$'\n'"  got:      $2"$'\n'"  expected: $3"; }
mock_pid=
trap '[[ -z $mock_pid ]] || kill "$mock_pid" 2>/dev/null || true' EXIT

same "the unpacked bin/faceauth --version" "$("$root/bin/faceauth" --version)" "faceauth $version"
faceauth=$root/bin/faceauth
sid_of() { FACEAUTH_API_KEY=$KEY "$faceauth" inspect "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["params"]["sid"])'; }

echo "== tests/dist/c: pkg-config finds the unpacked tree through the relocatable faceauth.pc"
export PKG_CONFIG_PATH=$root/lib/pkgconfig
same "pkg-config --modversion" "$(pkg-config --modversion faceauth)" "$version"
same "pkg-config's libdir" "$(realpath "$(pkg-config --variable=libdir faceauth)")" "$root/lib"
same "pkg-config's includedir" "$(realpath "$(pkg-config --variable=includedir faceauth)")" "$root/include"

echo "== tests/dist/c: examples/c, shared (under valgrind) and static"
make -s --no-print-directory -C "$src/c" O="$build/c" CFLAGS="-std=c99 -Wall -Wextra -Werror -pedantic -O2"
needs() { readelf -d "$1" | grep -q 'NEEDED.*\[libfaceauth.so.0\]'; }
needs "$build/c/make_url_shared" || fail "make_url_shared does not need libfaceauth.so.0"
! needs "$build/c/make_url_static" || fail "make_url_static needs libfaceauth.so.0"
same "make_url_shared loads" "$(ldd "$build/c/make_url_shared" | sed -n 's/.*libfaceauth.so.0 => \([^ ]*\) .*/\1/p' | xargs realpath)" \
    "$root/lib/libfaceauth.so.$version"
url=$(FACEAUTH_API_KEY=$KEY valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --error-exitcode=1 --suppressions="$src/valgrind.supp" "$build/c/make_url_shared" demo-project sub_shared) ||
    fail "make_url_shared failed under valgrind"
same "make_url_shared (valgrind): sid" "$(sid_of "$url")" sub_shared
url=$(FACEAUTH_API_KEY=$KEY "$build/c/make_url_static" demo-project sub_static) || fail "make_url_static failed"
same "make_url_static: sid" "$(sid_of "$url")" sub_static

echo "== tests/dist/c: examples/cpp with find_package, shared and static, against the simulator"
for kind in shared static; do
    flag=OFF
    [[ $kind == static ]] && flag=ON
    if ! { cmake -S "$src/cpp" -B "$build/cpp-$kind" -DCMAKE_PREFIX_PATH="$root" -DFACEAUTH_STATIC=$flag \
        -DCMAKE_CXX_FLAGS=-Werror && cmake --build "$build/cpp-$kind"; } >"$build/cpp-$kind.log" 2>&1; then
        cat "$build/cpp-$kind.log" >&2
        fail "examples/cpp ($kind) does not build"
    fi
done
needs "$build/cpp-shared/open_link" || fail "open_link (shared) does not need libfaceauth.so.0"
! needs "$build/cpp-static/open_link" || fail "open_link (static) needs libfaceauth.so.0"

printf '{"submissions": [{"id": "sub_1", "status": "approved"}]}\n' >"$build/seed.json"
# shellcheck source=tests/lib/seeded-simulator.sh
source "$src/seeded-simulator.sh"
start_seeded_simulator "$faceauth" "$KEY" "$build/seed.json" "$build"
for kind in shared static; do
    FACEAUTH_API_KEY=$KEY "$build/cpp-$kind/open_link" "$base" demo-project sub_1 >"$build/open-$kind.out" 2>&1 ||
        { cat "$build/open-$kind.out" >&2; fail "open_link ($kind) failed"; }
    python3 - "$build/open-$kind.out" <<'EOF'
import json, sys
lines = dict(line.split(": ", 1) for line in open(sys.argv[1]).read().splitlines() if ": " in line)
assert lines["page"].startswith("200 "), lines
assert json.loads(lines["page"][4:])["auth_status"] == "approved", lines
assert json.loads(lines["webhook"])["event"] == "faceAuth", lines
EOF
done
echo "examples/cpp: open_link (shared and static) opened a link on the simulator and read its webhook"

echo "== tests/dist/c: the README's C and C++ recipe and the CLI recipe, as printed"
(cd "$work" && bash -euo pipefail "$src/recipe-c.sh") >"$build/recipe-c.log" 2>&1 ||
    { cat "$build/recipe-c.log" >&2; fail "the README's C and C++ recipe failed"; }
url=$(grep '^https://' "$build/recipe-c.log") || { cat "$build/recipe-c.log" >&2; fail "the README's app printed no URL"; }
same "the README's app: sid" "$(sid_of "$url")" sub_1
[[ -x $work/build/open_link ]] || fail "the README's cmake lines built no open_link"
same "the README's CLI recipe" "$(cd "$work" && bash -euo pipefail "$src/recipe-cli.sh")" "faceauth $version"
echo "the README's recipes ran as printed against the tarball unpacked into \$HOME/faceauth"
