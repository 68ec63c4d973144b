#!/usr/bin/env bash
# Whatever path a Go build takes, it links the library it names (make test-go-link):
#   1. the default way (the prebuilt library inside the module, scripts/go-lib.sh): one program
#      run with `go run` (which caches executables) and one fresh GOCACHE, against library A,
#      then against library B placed by go-lib.sh: the second run carries B;
#   2. -tags faceauth_pkgconfig (an installed libfaceauth, CGO_CPPFLAGS naming its SHA-256): A
#      installed in one prefix, B in another, PKG_CONFIG_PATH moved from the first to the
#      second: the second run carries B;
#   3. the controls, which show each test can fail: B copied over A without go-lib.sh, and the
#      second prefix with A's hash still named (the defect of issue 15): go reuses what it
#      cached, and the program still carries A;
#   4. without FACEAUTH_LIB_SHA256, and with CGO_ENABLED=0, the build fails and says why.
# A is target/debug/libfaceauth.a; B is a copy that differs in one string of the archive member
# every program links (tests/go/mark-library.py); the program reads its own executable to say
# which one it carries.
# Usage: tests/go/relink.sh (after make ffi-debug)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
lib_a=$repo/target/debug/libfaceauth.a
for file in "$lib_a" target/debug/faceauth-native-static-libs target/debug/libfaceauth.so; do
    [[ -f $file ]] || { echo "tests/go/relink: $file is missing (make ffi-debug)" >&2; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/faceauth-relink.XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "tests/go/relink: $*" >&2; exit 1; }

mark="relink test B"
mkdir -p "$tmp/b"
python3 tests/go/mark-library.py "$lib_a" "$tmp/b/libfaceauth.a" "$mark" >/dev/null
cp target/debug/faceauth-native-static-libs "$tmp/b/"
lib_b=$tmp/b/libfaceauth.a
sha_a=$(sha256sum "$lib_a" | cut -c1-64)
sha_b=$(sha256sum "$lib_b" | cut -c1-64)
[[ $sha_a != "$sha_b" ]] || fail "A and B are the same library"

# A copy of the module (what the repository tracks, as a user gets it) and a program using it.
mkdir -p "$tmp/module" "$tmp/prog"
git ls-files --cached --others --exclude-standard go | sed 's|^go/||' | (cd go && xargs cp --parents -t "$tmp/module")
cat >"$tmp/prog/go.mod" <<GO
module example.com/prog

go 1.24

require github.com/faceauth/faceauth/go v0.0.0

replace github.com/faceauth/faceauth/go => $tmp/module
GO
cat >"$tmp/prog/main.go" <<'GO'
// Prints the linked library's version, and B if this executable holds the mark given as its
// argument (never a literal here: the program itself would hold it), else A.
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/faceauth/faceauth/go"
)

func main() {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		panic(err)
	}
	lib := "A"
	if bytes.Contains(data, []byte(os.Args[1])) {
		lib = "B"
	}
	fmt.Println(faceauth.Version(), lib)
}
GO
export GOCACHE=$tmp/gocache GOPATH=$tmp/gopath GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=1
unset PKG_CONFIG_PATH CGO_CPPFLAGS
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

# $1 what, $2 A or B: `go run` of the program carries that library.
runs() {
    local out
    out=$(cd "$tmp/prog" && go run . "$mark" 2>"$tmp/run.log") || { cat "$tmp/run.log" >&2; fail "$1: go run failed"; }
    [[ $out == "$version $2" ]] || fail "$1: the program says '$out', expected '$version $2'"
    echo "$1: library $2"
}

echo "== tests/go/relink: the library inside the module, A then B, one GOCACHE"
./scripts/go-lib.sh "$tmp/module" "$lib_a" >/dev/null
runs "go-lib.sh A" A
cp "$lib_b" "$tmp/module/build/linux-amd64/libfaceauth.a"
runs "control: B copied over A, A's hash left" A
./scripts/go-lib.sh "$tmp/module" "$lib_b" >/dev/null
runs "go-lib.sh B" B

echo "== tests/go/relink: -tags faceauth_pkgconfig, A in one prefix, then B in another"
export GOFLAGS="-mod=mod -tags=faceauth_pkgconfig"
# The archives are hard links to A and B, and the shared libraries go: a static link needs
# neither copies nor the .so (space: each debug archive weighs about 190 MB).
for x in a b; do
    PREFIX=$tmp/sdk-$x PROFILE=debug INSTALL_BIN=no ./scripts/install.sh >/dev/null
    rm -f "$tmp/sdk-$x"/lib/libfaceauth.so*
done
ln -f "$lib_a" "$tmp/sdk-a/lib/libfaceauth.a" 2>/dev/null || cp "$lib_a" "$tmp/sdk-a/lib/libfaceauth.a"
ln -f "$lib_b" "$tmp/sdk-b/lib/libfaceauth.a"
PKG_CONFIG_PATH=$tmp/sdk-a/lib/pkgconfig CGO_CPPFLAGS=-DFACEAUTH_LIB_SHA256=$sha_a runs "prefix A, A's hash" A
PKG_CONFIG_PATH=$tmp/sdk-b/lib/pkgconfig CGO_CPPFLAGS=-DFACEAUTH_LIB_SHA256=$sha_a runs "control: prefix B, A's hash" A
PKG_CONFIG_PATH=$tmp/sdk-b/lib/pkgconfig CGO_CPPFLAGS=-DFACEAUTH_LIB_SHA256=$sha_b runs "prefix B, B's hash" B

echo "== tests/go/relink: builds that cannot name their library fail, and say why"
if (cd "$tmp/prog" && PKG_CONFIG_PATH=$tmp/sdk-b/lib/pkgconfig go build -o "$tmp/none" . >"$tmp/none.log" 2>&1); then
    fail "-tags faceauth_pkgconfig without FACEAUTH_LIB_SHA256 built"
fi
grep -q 'no FACEAUTH_LIB_SHA256' "$tmp/none.log" || { cat "$tmp/none.log" >&2; fail "no reason given"; }
export GOFLAGS=-mod=mod
if (cd "$tmp/prog" && CGO_ENABLED=0 go build -o "$tmp/nocgo" . >"$tmp/nocgo.log" 2>&1); then
    fail "CGO_ENABLED=0 built"
fi
grep -q 'faceauth needs cgo: build with CGO_ENABLED=1' "$tmp/nocgo.log" || { cat "$tmp/nocgo.log" >&2; fail "CGO_ENABLED=0: no reason given"; }
echo "A then B, both ways, one GOCACHE: each program carries the library it names"
