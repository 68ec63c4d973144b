#!/usr/bin/env bash
# The C ABI's cost per URL (issue 8, "Speed"): builds the same URLs through the C ABI from C
# (bench/c_abi/build_urls.c, -O2, release libfaceauth.a) and in Rust directly
# (cli/examples/build_urls.rs, UrlBuilder::build), in one run, rounds interleaved (the order
# alternates), and prints each side's ns per URL (median and range) and the ratio C ÷ Rust.
# Goal: the ABI costs under 5% per URL (issue 18; in instructions). GCM in bulk
# (build_with, a NonceSource) is timed in the same rounds. Both sides check the same total length of URLs. With
# valgrind present, instructions per URL too (callgrind): a figure the machine's load cannot move.
# Usage: bench/c_abi/run.sh [URLS per round, default 1000000] [ROUNDS, default 7]
set -euo pipefail
cd "$(dirname "$0")/../.."

CARGO=${CARGO:-cargo}
CC=${CC:-cc}
urls=${1:-1000000}
rounds=${2:-7}
out=target/bench-c-abi
mkdir -p "$out"

CARGO=$CARGO ./scripts/native-static-libs.sh release >/dev/null
"$CARGO" build -q --release -p faceauth-cli --example build_urls
read -r -a static_libs <target/release/faceauth-native-static-libs
"$CC" -std=c99 -O2 -Wall -Wextra -Werror -pedantic -Iinclude bench/c_abi/build_urls.c \
    target/release/libfaceauth.a "${static_libs[@]}" -o "$out/build_urls"
rust=target/release/examples/build_urls
c=$out/build_urls

results=$out/results.txt
: >"$results"
for scheme in ecb gcm; do
    for ((round = 1; round <= rounds; round++)); do
        if ((round % 2)); then order=("rust $rust" "c $c"); else order=("c $c" "rust $rust"); fi
        for side in "${order[@]}"; do
            read -r name program <<<"$side"
            read -r ns total _ < <("$program" "$scheme" "$urls")
            echo "$scheme $name $ns $total" >>"$results"
        done
        # GCM in bulk (UrlBuilder::build_with and a NonceSource, as build_many and batch do),
        # in the same rounds as the per-call GCM it is compared with.
        if [[ $scheme == gcm ]]; then
            read -r ns total _ < <("$rust" gcm+bulk "$urls")
            echo "gcm rust-bulk $ns $total" >>"$results"
        fi
    done
done

# Instructions per URL under callgrind, when valgrind is here: unlike time, they do not move with
# the load of this shared machine. Each side runs 50,000 and 100,000 URLs (plus a tenth to warm
# up); the difference over the 55,000 extra URLs leaves out start-up.
instructions=$out/instructions.txt
: >"$instructions"
if command -v valgrind >/dev/null 2>&1; then
    for scheme in ecb gcm; do
        for side in "rust $rust" "c $c"; do
            read -r name program <<<"$side"
            counts=()
            for n in 50000 100000; do
                counts+=("$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$program" "$scheme" "$n" 2>&1 \
                    >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')")
            done
            echo "$scheme $name $(((counts[1] - counts[0]) / 55000))" >>"$instructions"
        done
    done
fi

python3 - "$results" "$urls" "$rounds" "$instructions" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
urls, rounds = int(sys.argv[2]), int(sys.argv[3])
print(f"URLs built per round: {urls:,}; {rounds} rounds per side, interleaved")
failed = False
for scheme in ("ecb", "gcm"):
    ns = {side: [float(r[2]) for r in rows if r[0] == scheme and r[1] == side] for side in ("rust", "c")}
    totals = {r[3] for r in rows if r[0] == scheme}
    # ECB is deterministic: both sides must build exactly the same URLs. GCM's random nonces
    # change how much of each URL needs percent-encoding, so its lengths differ a little.
    if scheme == "ecb" and len(totals) != 1:
        print(f"{scheme}: the two sides built URLs of different lengths: {sorted(totals)}")
        failed = True
    # Rounds ran in pairs, back to back: the ratio of each pair cancels most of the machine's drift.
    pairs = [c / r for r, c in zip(ns["rust"], ns["c"])]
    for side, label in (("rust", "Rust, UrlBuilder::build (baseline)"), ("c", "C, faceauth_url_builder_build")):
        v = ns[side]
        print(f"{scheme}  {label:36} {statistics.median(v):7.1f} ns/URL "
              f"(range {min(v):.1f}–{max(v):.1f}; {1e9 / statistics.median(v):,.0f} URLs/s)")
    ratio = statistics.median(ns["c"]) / statistics.median(ns["rust"])
    best = min(ns["c"]) / min(ns["rust"])
    print(f"{scheme}  C ABI ÷ Rust: {ratio:.3f} (medians), {best:.3f} (best rounds); per round pair "
          f"{min(pairs):.3f}–{max(pairs):.3f}; ABI cost {100 * (ratio - 1):+.1f}% per URL, "
          f"{statistics.median(ns['c']) - statistics.median(ns['rust']):+.0f} ns (goal: under +5%)")
bulk = [float(r[2]) for r in rows if r[0] == "gcm" and r[1] == "rust-bulk"]
if bulk:
    single = [float(r[2]) for r in rows if r[0] == "gcm" and r[1] == "rust"]
    print(f"gcm  Rust, build_with + NonceSource (bulk) {statistics.median(bulk):7.1f} ns/URL "
          f"({1e9 / statistics.median(bulk):,.0f} URLs/s; goal: 3,000,000); "
          f"{statistics.median(single) / statistics.median(bulk):.2f}x per-call GCM in the same rounds")
counts = {(r[0], r[1]): int(r[2]) for r in (line.split() for line in open(sys.argv[4]))}
for scheme in ("ecb", "gcm"):
    if (scheme, "rust") in counts and (scheme, "c") in counts:
        r, c = counts[(scheme, "rust")], counts[(scheme, "c")]
        print(f"{scheme}  instructions per URL (callgrind): Rust {r:,}, C {c:,}: {c / r:.3f}, "
              f"ABI cost {100 * (c / r - 1):+.1f}% ({c - r:+,} instructions; GCM's getrandom system "
              f"call, most of its time, is not counted)")
sys.exit(1 if failed else 0)
PY
