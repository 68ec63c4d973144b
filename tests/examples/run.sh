#!/usr/bin/env bash
# What a C or C++ user gets, end to end (make test-examples):
#   1. `make install` into a temporary PREFIX (and a DESTDIR-staged one), from the debug build:
#      bin/faceauth runs; `cargo install --path cli` (the README's line) installs the command too;
#   2. the static link line of the .pc, the CMake package, examples/c/Makefile, tests/c/run.sh,
#      tests/cpp/run.sh and the Go module's #cgo line for linux/amd64 is cargo's
#      native-static-libs (no other copy of it anywhere);
#   3. examples/c built with pkg-config both ways (static and shared) and through the CMake
#      package both ways, and with `make examples PREFIX=…` as the README says; make_url's URL
#      read back by `faceauth inspect`; the README's C program linked with the README's static
#      and shared lines as printed, run without LD_LIBRARY_PATH from a prefix the loader does
#      not search;
#   4. examples/cpp configured with find_package (CMAKE_PREFIX_PATH), built with
#      -fsanitize=address,undefined, run against a simulator this script starts on loopback.
# Usage: tests/examples/run.sh [LIB_DIR] (default target/debug: libfaceauth, faceauth and
# faceauth-native-static-libs, as `make ffi-debug` leaves them).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

lib_dir=${1:-target/debug}
case $lib_dir in
    target/debug) profile=debug ;;
    target/release) profile=release ;;
    *) echo "tests/examples: LIB_DIR must be target/debug or target/release" >&2; exit 2 ;;
esac
faceauth=$repo/$lib_dir/faceauth
for file in "$lib_dir/faceauth-native-static-libs" "$faceauth"; do
    [[ -e $file ]] || { echo "tests/examples: $file is missing (make ffi-debug)" >&2; exit 1; }
done
for tool in pkg-config cmake; do
    command -v "$tool" >/dev/null || { echo "tests/examples: $tool is missing (make c-env)" >&2; exit 1; }
done

KEY=0123456789abcdefghijABCDEFGHIJ0123456789  # the demo key of docs/encryption.md
tmp=$(mktemp -d "${TMPDIR:-/tmp}/faceauth-examples.XXXXXX")
mock_pid=
cleanup() {
    if [[ -n $mock_pid ]]; then
        kill "$mock_pid" 2>/dev/null || true
        wait "$mock_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "tests/examples: $*" >&2; exit 1; }
same() { # $1 what, $2 got, $3 expected
    [[ $2 == "$3" ]] || fail "$1:"$'\n'"  got:      $2"$'\n'"  expected: $3"
}

version=$("$faceauth" --version | awk '{print $2}')  # the workspace's version, as built

echo "== tests/examples: make install PREFIX=… PROFILE=$profile"
prefix=$tmp/prefix
make -s --no-print-directory install PREFIX="$prefix" PROFILE="$profile" >/dev/null
for file in bin/faceauth lib/libfaceauth.a lib/libfaceauth.so.0 lib/libfaceauth.so include/faceauth.h \
    include/faceauth.hpp lib/pkgconfig/faceauth.pc lib/cmake/faceauth/faceauthConfig.cmake \
    lib/cmake/faceauth/faceauthConfigVersion.cmake; do
    [[ -e $prefix/$file ]] || fail "make install left no $file"
done
same "libfaceauth.so.0" "$(readlink "$prefix/lib/libfaceauth.so.0")" "libfaceauth.so.$version"
same "libfaceauth.so" "$(readlink "$prefix/lib/libfaceauth.so")" libfaceauth.so.0
[[ -f $prefix/lib/libfaceauth.so.0 && ! -L $prefix/lib/$(readlink "$prefix/lib/libfaceauth.so.0") ]] ||
    fail "libfaceauth.so.0 does not lead to a real file"
cmp -s include/faceauth.h "$prefix/include/faceauth.h" || fail "the installed faceauth.h differs"
same "the installed bin/faceauth --version" "$(env -i "$prefix/bin/faceauth" --version)" "faceauth $version"

# The README's other way to install the command: cargo install --path cli. --debug and this
# target directory: the same build as the tests' (nothing compiles again), installed under $tmp.
cargo_root=$tmp/cargo-root
"${CARGO:-cargo}" install --quiet --locked --offline --path cli --debug --target-dir "$repo/target" \
    --root "$cargo_root" >"$tmp/cargo-install.log" 2>&1 || { cat "$tmp/cargo-install.log" >&2; fail "cargo install --path cli failed"; }
same "cargo install --path cli: faceauth --version" "$(env -i "$cargo_root/bin/faceauth" --version)" "faceauth $version"

# DESTDIR stages the files; what they say uses PREFIX alone.
make -s --no-print-directory install DESTDIR="$tmp/stage" PREFIX=/opt/faceauth PROFILE="$profile" >/dev/null
[[ -f $tmp/stage/opt/faceauth/lib/pkgconfig/faceauth.pc ]] || fail "DESTDIR: no staged faceauth.pc"
[[ -x $tmp/stage/opt/faceauth/bin/faceauth ]] || fail "DESTDIR: no staged bin/faceauth"
same "DESTDIR: the .pc prefix" "$(sed -n 's/^prefix=//p' "$tmp/stage/opt/faceauth/lib/pkgconfig/faceauth.pc")" /opt/faceauth
! grep -rq "$tmp/stage" "$tmp/stage/opt/faceauth/lib" || fail "DESTDIR leaked into the installed files"

echo "== tests/examples: every static link line is cargo's native-static-libs"
cargo_libs=$(<"$lib_dir/faceauth-native-static-libs")
[[ $cargo_libs == -l* ]] || fail "cargo's native-static-libs is '$cargo_libs'"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
same "the .pc's Libs.private" "$(sed -n 's/^Libs.private: //p' "$PKG_CONFIG_PATH/faceauth.pc")" "$cargo_libs"
same "pkg-config --static --libs" "$(pkg-config --static --libs faceauth | xargs)" "-L$prefix/lib -lfaceauth $cargo_libs"
same "pkg-config --libs" "$(pkg-config --libs faceauth | xargs)" "-L$prefix/lib -lfaceauth"
same "pkg-config --modversion" "$(pkg-config --modversion faceauth)" "$version"
same "examples/c/Makefile's static line" "$(make -s --no-print-directory -C examples/c print-static-link)" \
    "$prefix/lib/libfaceauth.a $cargo_libs"
cmake -S tests/examples/cmake-probe -B "$tmp/probe" -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/probe.log" 2>&1 ||
    { cat "$tmp/probe.log" >&2; fail "the CMake probe does not configure"; }
same "CMake faceauth::faceauth_static INTERFACE_LINK_LIBRARIES" "$(<"$tmp/probe/link-libraries.txt")" "$cargo_libs"
same "CMake faceauth_VERSION" "$(<"$tmp/probe/version.txt")" "$version"
# The Go module's per-platform line (the library inside the module; scripts/go-lib.sh checks it too).
same "go/internal/capi/link_prebuilt.go's linux,amd64 line" \
    "$(sed -n 's|^#cgo linux,amd64 LDFLAGS: ${SRCDIR}/../../build/linux-amd64/libfaceauth.a ||p' go/internal/capi/link_prebuilt.go)" "$cargo_libs"
# No file carries a copy of the line: each reads it from cargo's output or the installed files.
if grep -rn -e '-lgcc_s' Makefile tests/c/run.sh tests/cpp/run.sh examples ffi/install scripts; then
    fail "the lines above hold a copy of the static link line; derive it from faceauth-native-static-libs"
fi
echo "the .pc, pkg-config, examples/c/Makefile, the CMake package and the Go module use: $cargo_libs"

echo "== tests/examples: examples/c with pkg-config (static and shared) and with CMake"
make -s --no-print-directory -C examples/c O="$tmp" CFLAGS="-std=c99 -Wall -Wextra -Werror -pedantic -O2"
cmake --build "$tmp/probe" >"$tmp/probe-build.log" 2>&1 || { cat "$tmp/probe-build.log" >&2; fail "the CMake probe does not build"; }
needs() { readelf -d "$1" | grep -q 'NEEDED.*\[libfaceauth.so.0\]'; }
for program in "$tmp/make_url_shared" "$tmp/probe/make_url_shared"; do
    needs "$program" || fail "$program does not need libfaceauth.so.0"
done
for program in "$tmp/make_url_static" "$tmp/probe/make_url_static"; do
    ! needs "$program" || fail "$program needs libfaceauth.so.0, but links it statically"
done
for program in "$tmp/make_url_static" "$tmp/make_url_shared" "$tmp/probe/make_url_static" "$tmp/probe/make_url_shared"; do
    url=$(FACEAUTH_API_KEY=$KEY "$program" 'demo project' sub_1 'user "1"')
    json=$(FACEAUTH_API_KEY=$KEY "$faceauth" inspect "$url" | python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin), separators=(",", ":")))')
    same "${program#"$tmp/"}: the URL, inspected" "$json" \
        '{"base_url":"https://form.argosidentity.com","pid":"demo project","lang":null,"variant":"ecb-sha256","params":{"sid":"sub_1","authUserId":"user \"1\""},"unknown_fields":{},"percent_decoded":false,"spaces_as_plus":false,"whitespace_removed":false}'
done
url=$(FACEAUTH_API_KEY=$KEY FACEAUTH_SCHEME=gcm FACEAUTH_BASE_URL=http://127.0.0.1:9/ "$tmp/make_url_static" p s)
[[ $url == http://127.0.0.1:9/face-auth\?pid=p\&encrypted=* ]] || fail "FACEAUTH_BASE_URL ignored: $url"
same "gcm, no user id" "$(FACEAUTH_API_KEY=$KEY "$faceauth" inspect --scheme gcm "$url" | python3 -c 'import json,sys; print(json.load(sys.stdin)["params"])')" "{'sid': 's'}"
# Failures: a status and a message on stderr, exit 1 (2 for usage), nothing on stdout, no key.
set +e
out=$(FACEAUTH_API_KEY=$KEY "$tmp/make_url_shared" '' sub_1 2>"$tmp/err"); rc=$?
set -e
same "make_url with an empty pid: exit status" "$rc" 1
same "make_url with an empty pid: stdout" "$out" ""
grep -q '^make_url: .*: invalid_argument: ' "$tmp/err" || fail "make_url's error: $(<"$tmp/err")"
! grep -q "$KEY" "$tmp/err" || fail "make_url printed the key"
set +e
env -u FACEAUTH_API_KEY "$tmp/make_url_static" p s 2>/dev/null; rc=$?
set -e
same "make_url without FACEAUTH_API_KEY: exit status" "$rc" 2
# make examples PREFIX=…, as the README says: make_url_shared starts without LD_LIBRARY_PATH
# (its rpath names the prefix's lib/, which the loader does not search).
make -s --no-print-directory examples PREFIX="$prefix" >"$tmp/make-examples.log" 2>&1 ||
    { cat "$tmp/make-examples.log" >&2; fail "make examples PREFIX=… failed"; }
for program in target/examples/make_url_shared target/examples/make_url_static; do
    url=$(env -u LD_LIBRARY_PATH FACEAUTH_API_KEY=$KEY "$program" demo-project sub_1) || fail "$program (make examples) does not run"
    same "$program: sid" "$(FACEAUTH_API_KEY=$KEY "$faceauth" inspect "$url" | python3 -c 'import json,sys; print(json.load(sys.stdin)["params"]["sid"])')" sub_1
done

# The README's C example, linked with each of the README's `cc app.c …` lines exactly as printed
# (app.c and -o aside), run without LD_LIBRARY_PATH; the shared line is examples/c/Makefile's.
awk '/^## C and C\+\+/{s=1} s && /^```c$/{f=1; next} f && /^```$/{exit} f' README.md >"$tmp/readme.c"
grep -q faceauth_url_builder_build "$tmp/readme.c" || fail "no C example in the README's C and C++ section"
awk '/^## C and C\+\+/{s=1} s && /^```sh$/{f=1; next} f && /^```$/{exit} f' README.md |
    sed -e ':a' -e '/\\$/{N; s/\\\n//; ba' -e '}' | grep '^cc app\.c ' >"$tmp/readme-links" ||
    fail "no 'cc app.c' lines in the README's C and C++ section"
same "the README's link lines" "$(grep -c . "$tmp/readme-links")" 2
while IFS= read -r line; do
    kind=$(sed -n 's/.*# *\([a-z]*\).*/\1/p' <<<"$line")
    [[ $kind == shared || $kind == static ]] || fail "a README link line says neither shared nor static: $line"
    program=$tmp/readme_$kind
    cmd="cc -std=c99 -Wall -Wextra -Werror -pedantic -o '$program' '$tmp/readme.c' ${line#cc app.c }"
    bash -c "$cmd" || fail "the README's $kind line does not build: $line"
    if [[ $kind == shared ]]; then
        needs "$program" || fail "the README's shared line does not link libfaceauth.so.0"
        same "the README's shared line is examples/c/Makefile's" "$(bash -c "echo ${line#cc app.c }")" \
            "$(make -s --no-print-directory -C examples/c print-shared-link)"
    else
        ! needs "$program" || fail "the README's static line links libfaceauth.so.0"
    fi
    url=$(env -u LD_LIBRARY_PATH FACEAUTH_API_KEY=$KEY "$program") || fail "the program from the README's $kind line does not run"
    same "the README's C example ($kind): sid" "$(FACEAUTH_API_KEY=$KEY "$faceauth" inspect "$url" | python3 -c 'import json,sys; print(json.load(sys.stdin)["params"]["sid"])')" sub_1
done <"$tmp/readme-links"
echo "make_url: static and shared, pkg-config, CMake, make examples and the README's lines: URLs that faceauth inspect reads back"

echo "== tests/examples: examples/cpp (find_package, ASan+UBSan) against the simulator"
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S examples/cpp -B "$tmp/cpp" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS="$sanitize -Werror" -DCMAKE_EXE_LINKER_FLAGS="$sanitize" >"$tmp/cpp.log" 2>&1 &&
    cmake --build "$tmp/cpp" >>"$tmp/cpp.log" 2>&1 || { cat "$tmp/cpp.log" >&2; fail "examples/cpp does not build"; }
needs "$tmp/cpp/open_link" || fail "examples/cpp's open_link does not need libfaceauth.so.0 (faceauth::faceauth is the shared library)"

printf '{"submissions": [{"id": "sub_1", "status": "approved"}, {"id": "sub_2", "status": "rejected"}]}\n' >"$tmp/seed.json"
# shellcheck source=tests/lib/seeded-simulator.sh
source "$repo/tests/lib/seeded-simulator.sh"
start_seeded_simulator "$faceauth" "$KEY" "$tmp/seed.json" "$tmp"

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
FACEAUTH_API_KEY=$KEY "$tmp/cpp/open_link" "$base" demo-project sub_1 >"$tmp/open.out" 2>"$tmp/open.err" ||
    { cat "$tmp/open.out" "$tmp/open.err" >&2; fail "open_link failed"; }
cat "$tmp/open.out"
! grep -q "$KEY" "$tmp/open.out" "$tmp/open.err" || fail "open_link printed the key"
link=$(sed -n 's/^link: //p' "$tmp/open.out")
page=$(sed -n 's/^page: 200 //p' "$tmp/open.out")
webhook=$(sed -n 's/^webhook: //p' "$tmp/open.out")
result=$(sed -n 's/^result: //p' "$tmp/open.out")
[[ -n $link && -n $page && -n $webhook ]] || fail "open_link printed no link, page or webhook"
# The typed outcome of the webhook in the ledger: the token completed, the result approved.
[[ $result == "approved fa_"*" (token tok_"*")" ]] || fail "open_link's typed result: '$result'"
# The link is what the C ABI builds; the webhook is the simulator's faceAuth event for it.
python3 - "$link" "$page" "$webhook" "$(FACEAUTH_API_KEY=$KEY "$faceauth" inspect "$link")" <<'EOF'
import json, sys
link, page, webhook, inspected = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
params = inspected["params"]
assert link.startswith(inspected["base_url"] + "/face-auth?pid=demo-project&"), link
assert inspected["lang"] == "en", inspected
assert params["sid"] == "sub_1" and params["authUserId"] == "user-1", params
assert params["token"].startswith("tok_"), params
assert page["auth_status"] == "approved", page
assert webhook["event"] == "faceAuth", webhook
values = json.dumps(webhook)
for want in (page["auth_id"], "sub_1", "user-1", params["token"]):
    assert want in values, (want, webhook)
EOF
# A submission that is not approved: the page refuses, the program says so and fails.
set +e
FACEAUTH_API_KEY=$KEY "$tmp/cpp/open_link" "$base" demo-project sub_2 >"$tmp/open2.out" 2>"$tmp/open2.err"; rc=$?
set -e
same "open_link on a rejected submission: exit status" "$rc" 1
grep -q 'the hosted page answered 400' "$tmp/open2.err" || fail "open_link on sub_2: $(<"$tmp/open2.err")"
echo "examples/cpp: link issued, opened on the simulator, its encrypted faceAuth webhook parsed and applied (typed result)"
