#!/usr/bin/env bash
# One version everywhere (make test-versions): the Cargo workspace's version is the version of
# every workspace crate, the wheel's (`faceauth.__version__` and its metadata; pyproject.toml
# takes it from Cargo), the Go module's (`faceauth.Version()`, the proxy's file names, the
# README's `go get`), `faceauth --version`, `faceauth_version()`, the header's
# FACEAUTH_VERSION_MAJOR/MINOR/PATCH, every versioned file name under dist/ and
# target/go/dist-*/, and CHANGELOG.md's first entry.
# Usage: tests/versions.sh (after make python-wheel go-sdk and, for the file names, a dist)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
fail() { echo "tests/versions: $*" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/faceauth-versions.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
[[ $version =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] || fail "no [workspace.package] version in Cargo.toml: '$version'"
declare -A got

while read -r name v; do got["crate $name"]=$v; done < <(cargo metadata --no-deps --format-version 1 --offline |
    python3 -c 'import json,sys; [print(p["name"], p["version"]) for p in json.load(sys.stdin)["packages"]]')
grep -q '^dynamic = \["version"\]' python/pyproject.toml ||
    got["python/pyproject.toml version"]=$(sed -n 's/^version = "\(.*\)"/\1/p' python/pyproject.toml)
got["faceauth.__version__"]=$(.venv/bin/python -c 'import faceauth; print(faceauth.__version__)')
got["the wheel's metadata"]=$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("faceauth"))')
got["faceauth --version"]=$(target/debug/faceauth --version | awk '{print $2}')
got["FACEAUTH_VERSION_*"]=$(printf '#include "faceauth.h"\nFACEAUTH_VERSION_MAJOR.FACEAUTH_VERSION_MINOR.FACEAUTH_VERSION_PATCH\n' |
    cc -E -P -Iinclude - | tail -n 1 | tr -d ' ')

cat >"$tmp/version.c" <<'C'
#include <stdio.h>
#include "faceauth.h"
int main(void) { puts(faceauth_version()); return 0; }
C
# shellcheck disable=SC2046
cc -Iinclude "$tmp/version.c" target/debug/libfaceauth.a $(<target/debug/faceauth-native-static-libs) -o "$tmp/version"
got["faceauth_version()"]=$("$tmp/version")

mkdir "$tmp/go"
cat >"$tmp/go/go.mod" <<GO
module example.com/version

go 1.24

require github.com/faceauth/faceauth/go v0.0.0

replace github.com/faceauth/faceauth/go => $repo/go
GO
printf 'package main\n\nimport (\n\t"fmt"\n\n\t"github.com/faceauth/faceauth/go"\n)\n\nfunc main() { fmt.Println(faceauth.Version()) }\n' >"$tmp/go/main.go"
got["faceauth.Version() (Go)"]=$(cd "$tmp/go" && env $("$repo/scripts/go-env.sh" debug) go run .)
got["the README's go get"]=$(sed -n 's|.*go get github.com/faceauth/faceauth/go@v\([0-9.]*\).*|\1|p' README.md | sort -u | tr '\n' ' ' | xargs)
got["CHANGELOG.md's first entry"]=$(sed -n 's/^## \[\{0,1\}\([0-9][0-9.]*\)\]\{0,1\}.*/\1/p' CHANGELOG.md | head -n 1)

# Every file name under dist/ and target/go/dist-* that carries a version.
while IFS= read -r path; do
    v=$(basename "$path" | { grep -oE '(^|[^0-9.])v?[0-9]+\.[0-9]+\.[0-9]+($|[^0-9])' || true; } |
        { grep -oE '[0-9]+\.[0-9]+\.[0-9]+' || true; } | sort -u | tr '\n' ' ' | xargs)
    [[ -z $v ]] || got["file $path"]=$v
done < <(find dist target/go/dist-* -type f 2>/dev/null)
# The proxy's list names the versions it serves.
while IFS= read -r list; do got["$list"]=$(tr '\n' ' ' <"$list" | xargs | sed 's/^v//'); done < <(find dist target/go/dist-* -name list -path '*/@v/*' 2>/dev/null)

bad=0
for what in "${!got[@]}"; do
    if [[ ${got[$what]} != "$version" && ${got[$what]} != "v$version" ]]; then
        echo "tests/versions: $what is '${got[$what]}', the workspace is $version" >&2
        bad=1
    fi
done
[[ $bad == 0 ]] || exit 1
printf '  %s\n' "${!got[@]}" | sort
echo "version $version everywhere: ${#got[@]} places agree"
