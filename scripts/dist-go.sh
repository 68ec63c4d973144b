#!/usr/bin/env bash
# Writes the Go module github.com/faceauth/faceauth/go at v<version> (the workspace's version)
# in the layout of a Go module proxy (what `make dist-go` publishes, GOPROXY=file://… reads):
#   OUT/github.com/faceauth/faceauth/go/@v/list            the versions, one a line
#   OUT/github.com/faceauth/faceauth/go/@v/v<version>.info {"Version": …, "Time": …}
#   OUT/github.com/faceauth/faceauth/go/@v/v<version>.mod  go/go.mod
#   OUT/github.com/faceauth/faceauth/go/@v/v<version>.zip  the module: the files git tracks in
#       go/, plus what scripts/go-lib.sh places (build/linux-amd64/libfaceauth.a of PROFILE,
#       build/include/faceauth.h, internal/capi/zz_lib_linux_amd64.go) and
#       THIRD_PARTY_NOTICES.txt (the licenses of what libfaceauth.a links: scripts/licenses.py),
#       under github.com/faceauth/faceauth/go@v<version>/
# The module is assembled in a staging copy: go/ itself is not touched. tests/go/dist.sh checks
# the result by building from the zip, never from the repository.
#
# Usage: scripts/dist-go.sh [release|debug] [OUT]   (default release, dist/goproxy); run
# scripts/native-static-libs.sh PROFILE first (it builds libfaceauth.a).
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-release}
out=${2:-dist/goproxy}
case $profile in
    debug | release) ;;
    *) echo "dist-go: unknown profile '$profile' (debug or release)" >&2; exit 2 ;;
esac
lib=target/$profile/libfaceauth.a
[[ -f $lib ]] || { echo "dist-go: $lib is missing (scripts/native-static-libs.sh $profile)" >&2; exit 1; }
module_path=$(sed -n 's/^module //p' go/go.mod)
version=v$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
[[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "dist-go: unexpected version '$version'" >&2; exit 1; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/faceauth-dist-go.XXXXXX")
trap 'rm -rf "$stage"' EXIT
# Tracked and new files, never ignored ones (a stale zz_lib or .a of a checkout stays out).
git ls-files -z --cached --others --exclude-standard go | sed -z 's|^go/||' |
    (cd go && xargs -0 cp --parents -t "$stage")
./scripts/go-lib.sh "$stage" "$lib" >/dev/null
mkdir "$stage.notices"
trap 'rm -rf "$stage" "$stage.notices"' EXIT
CARGO=${CARGO:-cargo} python3 scripts/licenses.py notices --out "$stage.notices" --crate faceauth-ffi >/dev/null
cp "$stage.notices/THIRD_PARTY_NOTICES.txt" "$stage/"

dir=$out/$module_path/@v
mkdir -p "$dir"
# The commit's time: the same tree gives the same .info and the same zip.
time=$(git log -1 --format=%cI HEAD)
python3 - "$stage" "$dir" "$module_path" "$version" "$time" <<'PY'
import datetime, json, os, sys, zipfile

stage, out, module, version, when = sys.argv[1:]
t = datetime.datetime.fromisoformat(when).astimezone(datetime.timezone.utc)
files = sorted(
    os.path.relpath(os.path.join(root, name), stage)
    for root, _, names in os.walk(stage) for name in names)
for name in files:  # the rules of golang.org/x/mod/zip that a module proxy enforces
    if "/vendor/" in "/" + name or (name.endswith("/go.mod")):
        sys.exit(f"dist-go: {name} may not be in a module zip")
tmp = os.path.join(out, f"{version}.zip.tmp")
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
    for name in files:
        info = zipfile.ZipInfo(f"{module}@{version}/{name}", date_time=t.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with open(os.path.join(stage, name), "rb") as f:
            z.writestr(info, f.read())
os.replace(tmp, os.path.join(out, f"{version}.zip"))
with open(os.path.join(stage, "go.mod"), "rb") as f, open(os.path.join(out, f"{version}.mod"), "wb") as g:
    g.write(f.read())
with open(os.path.join(out, f"{version}.info"), "w") as f:
    json.dump({"Version": version, "Time": t.strftime("%Y-%m-%dT%H:%M:%SZ")}, f)
    f.write("\n")
listing = os.path.join(out, "list")
versions = set(open(listing).read().split()) if os.path.exists(listing) else set()
versions.add(version)
key = lambda v: tuple(int(x) for x in v[1:].split("."))
with open(listing, "w") as f:
    f.write("".join(v + "\n" for v in sorted(versions, key=key)))
PY
echo "dist-go: $module_path@$version ($profile libfaceauth.a, $(du -h "$dir/$version.zip" | cut -f1) zip) in $dir"
