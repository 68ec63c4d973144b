#!/usr/bin/env bash
# Fails when a crate would compile with different features in the builds `make demo` and
# `make test` share: `cargo build -p faceauth-cli` (the demo), `-p faceauth-ffi` alone
# (scripts/native-static-libs.sh), `-p faceauth-python` alone (maturin) and
# `cargo test --workspace --all-targets` (dev-dependencies included). Any difference compiles
# that crate, and everything above it, twice. The fix is to declare the feature in the
# workspace's Cargo.toml (or core's "not used by this crate" entries), as the message says.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}

features() { # cargo tree's "package [features]" lines for one selection, one line per package
    "$CARGO" tree --offline -e normal,build "$@" -f '{p}	[{f}]' --prefix none | sed 's/ (\*)$//' | sort -u
}
all=$(features --workspace -e dev)
status=0
for selection in faceauth-cli faceauth-ffi faceauth-python; do
    diff=$(join -t $'\t' <(features -p "$selection") <(echo "$all") | awk -F'\t' '$2 != $3')
    if [[ -n $diff ]]; then
        echo "check-features: with -p $selection alone these crates get other features than in the tests' build:" >&2
        echo "$diff" | awk -F'\t' '{printf "  %s: %s alone, %s in the tests\n", $1, $2, $3}' >&2
        status=1
    fi
done
if [[ $status -ne 0 ]]; then
    echo "check-features: declare those features in the workspace's Cargo.toml ([workspace.dependencies], '(unified)')" >&2
    exit 1
fi
echo "check-features: the CLI, the C library, the wheel and the tests resolve one feature set"
