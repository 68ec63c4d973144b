#!/usr/bin/env bash
# make docs: the API reference in OUT (default dist/docs), offline, from what is built:
#   OUT/rust/    rustdoc of the public crates, faceauth (every feature) and faceauth-mock
#                (cargo doc --no-deps; rustdoc warnings, such as a broken link, fail the build)
#   python.html  the installed `faceauth` package: its docstrings, with the stubs' signatures
#   c.html       include/faceauth.h and include/faceauth.hpp, each declaration with its comment
#                (scripts/apidocs.py build)
#   go.html      the packages github.com/faceauth/faceauth/go and …/go/faceauthtest (go/doc,
#                scripts/godoc: standard library only)
#   index.html   links to each
# The Python page needs the wheel installed in .venv (make python-wheel, which `make docs` runs).
# Usage: scripts/docs.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist/docs}
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)

RUSTDOCFLAGS="-D warnings" ${CARGO:-cargo} doc --offline --quiet --no-deps --all-features -p faceauth -p faceauth-mock
cp -a target/doc "$out/rust"

.venv/bin/python scripts/apidocs.py build "$out"

# go/doc reads the sources only: no cgo build, no library, no network (std lib, no go.sum).
gocache=$(go env GOCACHE 2>/dev/null || true)
[[ -n $gocache && -w ${gocache%/*} ]] || export GOCACHE=$PWD/target/go/cache
(cd scripts/godoc && GOFLAGS=-mod=readonly GOPROXY=off go run . -html "$out/go.html" \
    github.com/faceauth/faceauth/go=../../go \
    github.com/faceauth/faceauth/go/faceauthtest=../../go/faceauthtest)

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
cat >"$out/index.html" <<HTML
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>faceauth $version: API reference</title>
<style>body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }</style>
</head><body>
<h1>faceauth $version: API reference</h1>
<ul>
<li><a href="rust/faceauth/index.html">Rust: <code>faceauth</code></a> (the core) and
    <a href="rust/faceauth_mock/index.html"><code>faceauth-mock</code></a> (the simulator)</li>
<li><a href="python.html">Python: <code>faceauth</code></a> and <a href="python.html#faceauth.testing"><code>faceauth.testing</code></a></li>
<li><a href="go.html">Go: <code>github.com/faceauth/faceauth/go</code></a> and
    <a href="go.html#github.com/faceauth/faceauth/go/faceauthtest"><code>faceauthtest</code></a></li>
<li><a href="c.html">C: <code>faceauth.h</code></a> and <a href="c.html#faceauth.hpp">C++: <code>faceauth.hpp</code></a></li>
</ul>
<p>Built by <code>make docs</code>; the guides are in the repository's README.md and docs/.</p>
</body></html>
HTML
for page in index.html rust/faceauth/index.html rust/faceauth_mock/index.html python.html go.html c.html; do
    [[ -s $out/$page ]] || { echo "docs: $out/$page is missing" >&2; exit 1; }
done
echo "docs: API reference in $out (rust, python, go, c)"
