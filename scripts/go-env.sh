#!/usr/bin/env bash
# The environment `make go`, `make test-go` and `make bench-go` run go in, as NAME=value lines.
# They build the way a user with an installed libfaceauth does (-tags faceauth_pkgconfig); the
# default way, the library inside the module, is what `make test-dist-go` tests.
#   PKG_CONFIG_PATH  the faceauth.pc that scripts/install.sh wrote into target/go/<profile>
#                    (internal/capi links libfaceauth.a through it: `#cgo pkg-config`)
#   CGO_CPPFLAGS     -DFACEAUTH_LIB_SHA256=<sha256 of that libfaceauth.a>: go does not hash the
#                    static libraries it links, so internal/capi compiles the library's hash
#                    into its object, and another library means another build and a new link
#   GOCACHE, GOPATH  go's defaults when writable, else directories under target/go (CI may
#                    run with a HOME go cannot write to)
#   CGO_ENABLED=1, GOFLAGS=-tags=faceauth_pkgconfig (and go's default -mod=readonly: standard
#                    library only, nothing to download)
# No FACEAUTH_BIN: faceauthtest runs the simulator in the test's process, from libfaceauth.
# Usage: scripts/go-env.sh [debug|release]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
profile=${1:-debug}
sdk=$repo/target/go/$profile
lib=$sdk/lib/libfaceauth.a
[[ -f $lib ]] || { echo "go-env: $lib is missing (make go)" >&2; exit 1; }

writable() { # the directory, or its nearest existing parent, is writable
    local d=$1
    [[ -n $d && $d == /* ]] || return 1
    while [[ ! -e $d ]]; do d=$(dirname "$d"); done
    [[ -d $d && -w $d ]]
}
gocache=$(go env GOCACHE 2>/dev/null || true)
writable "$gocache" || gocache=$repo/target/go/cache
gopath=$(go env GOPATH 2>/dev/null || true)
writable "${gopath%%:*}" || gopath=$repo/target/go/gopath

echo "PKG_CONFIG_PATH=$sdk/lib/pkgconfig"
echo "CGO_CPPFLAGS=-DFACEAUTH_LIB_SHA256=$(sha256sum "$lib" | cut -c1-64)"
echo "GOCACHE=$gocache"
echo "GOPATH=$gopath"
echo "CGO_ENABLED=1"
echo "GOFLAGS=-tags=faceauth_pkgconfig"
