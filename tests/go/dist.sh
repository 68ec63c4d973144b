#!/usr/bin/env bash
# The Go module as a user gets it (make test-dist-go): from a module proxy directory that
# scripts/dist-go.sh wrote, in a module outside the repository, with no cargo, rustc or
# pkg-config on PATH, no PKG_CONFIG_PATH and a fresh GOCACHE:
#   1. the proxy's files: list, .info, .mod and .zip at the workspace's version; the zip holds
#      libfaceauth.a, the header (= include/faceauth.h), the hash file naming that library and
#      the license notices of what the library links;
#   2. the README's Install recipe for Go (the [go] block), run as printed (FACEAUTH_DIST set);
#   3. examples/go copied in, built, run, and tested with a faceauthtest test under -race, with
#      no FACEAUTH_BIN and no `faceauth` on PATH (the simulator is the zip's libfaceauth); the
#      binary is static in libfaceauth and names the zip's library;
#   4. `go mod vendor` keeps the library and the header, and the vendored build works.
# Usage: tests/go/dist.sh DIST FACEAUTH  (DIST holds goproxy/; FACEAUTH is the CLI this script
# inspects makeurl's URL with, outside the user's environment)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
[[ $# -eq 2 ]] || { echo "usage: tests/go/dist.sh DIST FACEAUTH" >&2; exit 2; }
dist=$(cd "$1" && pwd)
faceauth=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
[[ -x $faceauth ]] || { echo "tests/go/dist: $faceauth is missing" >&2; exit 1; }
fail() { echo "tests/go/dist: $*" >&2; exit 1; }
same() { [[ $2 == "$3" ]] || fail "$1:"$'\n'"  got:      $2"$'\n'"  expected: $3"; }

module=github.com/faceauth/faceauth/go
version=v$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
at=$dist/goproxy/$module/@v
tmp=$(mktemp -d "${TMPDIR:-/tmp}/faceauth-dist-go.XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
case $tmp/ in "$repo"/*) fail "the temporary directory $tmp is inside the repository" ;; esac

echo "== tests/go/dist: $at"
for file in list "$version.info" "$version.mod" "$version.zip"; do
    [[ -f $at/$file ]] || fail "no $file in $at (scripts/dist-go.sh)"
done
grep -qx "$version" "$at/list" || fail "list does not hold $version"
same ".info's Version" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Version"])' "$at/$version.info")" "$version"
cmp -s "$at/$version.mod" go/go.mod || fail "$version.mod is not go/go.mod"
mkdir "$tmp/zip"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$at/$version.zip" "$tmp/zip"
[[ $(ls "$tmp/zip") == "github.com" ]] || fail "the zip holds files outside $module@$version/"
root=$tmp/zip/$module@$version
[[ -d $root ]] || fail "the zip holds no $module@$version/"
cmp -s "$root/build/include/faceauth.h" include/faceauth.h || fail "the zip's faceauth.h is not include/faceauth.h"
grep -qs 'faceauth-ffi' "$root/THIRD_PARTY_NOTICES.txt" || fail "the zip carries no THIRD_PARTY_NOTICES.txt for libfaceauth.a"
sha=$(sha256sum "$root/build/linux-amd64/libfaceauth.a" | cut -c1-64)
grep -q "FACEAUTH_LIB_SHA256=$sha\$" "$root/internal/capi/zz_lib_linux_amd64.go" ||
    fail "the zip's zz_lib_linux_amd64.go does not name the zip's libfaceauth.a ($sha)"
echo "$version: list, info, mod, zip ($(du -h "$at/$version.zip" | cut -f1)); libfaceauth.a $sha"
rm -rf "$tmp/zip"

# PATH without cargo, rustc or pkg-config: every other command of PATH, linked into one directory.
mkdir "$tmp/bin"
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
    [[ -d $d ]] || continue
    for cmd in "$d"/*; do
        name=${cmd##*/}
        case $name in cargo | rustc | rustup | rustdoc | pkg-config | pkgconf | *-pkg-config | faceauth) continue ;; esac
        [[ -x $cmd && ! -d $cmd && ! -e $tmp/bin/$name ]] && ln -s "$cmd" "$tmp/bin/$name"
    done
done
user_env=(env -u PKG_CONFIG_PATH -u CGO_CPPFLAGS -u CGO_CFLAGS -u CGO_LDFLAGS -u GOFLAGS -u GOPROXY
    -u GOSUMDB -u GOPATH -u GOMODCACHE -u GOCACHE -u FACEAUTH_DIST -u FACEAUTH_BIN
    PATH="$tmp/bin" HOME="$tmp/home" GOCACHE="$tmp/gocache" GOPATH="$tmp/gopath"
    GOTOOLCHAIN=local CGO_ENABLED=1)
for cmd in cargo rustc pkg-config faceauth; do
    ! "${user_env[@]}" bash -c "command -v $cmd" >/dev/null || fail "$cmd is still on PATH"
done
mkdir -p "$tmp/home" "$tmp/app"

echo "== tests/go/dist: the README's Install recipe for Go, as printed, in $tmp/app"
python3 tests/dist/readme_block.py README.md go >"$tmp/install.sh"
grep -q "go get $module@$version" "$tmp/install.sh" || fail "the README's Install recipe for Go does not get $module@$version"
cp -r examples/go/makeurl examples/go/webhook "$tmp/app/"
mkdir "$tmp/app/simtest"
sed 's/^package faceauthtest_test$/package simtest/' go/faceauthtest/faceauthtest_test.go >"$tmp/app/simtest/simtest_test.go"
cd "$tmp/app"
"${user_env[@]}" go mod init example.com/app >/dev/null 2>&1
"${user_env[@]}" FACEAUTH_DIST="$dist" bash -euo pipefail "$tmp/install.sh" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "the README's Install recipe for Go failed"; }
grep -Eq "^(require)?[[:space:]]*$module $version( //.*)?\$" go.mod || fail "go.mod does not require $module $version: $(cat go.mod)"

echo "== tests/go/dist: examples/go and a faceauthtest test under -race"
KEY=0123456789abcdefghijABCDEFGHIJ0123456789  # the demo key of docs/encryption.md
"${user_env[@]}" GOFLAGS=-mod=mod go build -o "$tmp/makeurl" ./makeurl
url=$(FACEAUTH_API_KEY=$KEY "$tmp/makeurl" -pid demo-project -sid sub_1 -user-id user-1)
same "makeurl's URL, inspected: sid" "$(FACEAUTH_API_KEY=$KEY "$faceauth" inspect "$url" | python3 -c 'import json,sys; print(json.load(sys.stdin)["params"]["sid"])')" sub_1
! readelf -d "$tmp/makeurl" | grep -q 'NEEDED.*libfaceauth' || fail "makeurl needs a libfaceauth.so"
grep -qa "$sha" "$tmp/makeurl" || fail "makeurl does not name the zip's libfaceauth.a"
"${user_env[@]}" GOFLAGS=-mod=mod go test -race -count=1 ./... >"$tmp/test.log" 2>&1 ||
    { cat "$tmp/test.log" >&2; fail "go test -race failed"; }
grep -Eq '^ok[[:space:]]+example.com/app/simtest' "$tmp/test.log" || { cat "$tmp/test.log" >&2; fail "the faceauthtest test did not run"; }
cat "$tmp/test.log"

echo "== tests/go/dist: go mod vendor"
"${user_env[@]}" go mod vendor
for file in build/linux-amd64/libfaceauth.a build/include/faceauth.h internal/capi/zz_lib_linux_amd64.go; do
    [[ -f vendor/$module/$file ]] || fail "go mod vendor left out $file"
done
"${user_env[@]}" GOFLAGS=-mod=vendor go build -o "$tmp/makeurl-vendored" ./makeurl
url=$(FACEAUTH_API_KEY=$KEY "$tmp/makeurl-vendored" -pid demo-project -sid sub_2)
[[ $url == https://form.argosidentity.com/face-auth\?pid=demo-project\&* ]] || fail "the vendored makeurl printed $url"
echo "$module@$version from the module zip: built, run and tested with no Rust toolchain and no pkg-config"
