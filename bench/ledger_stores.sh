#!/usr/bin/env bash
# The token ledger's stores side by side (issue 11, "Speed"), in one run, with the release CLI:
#
# - issues/s: P processes (1, 4, 8) at once, each `faceauth ledger issue --count N` (one
#   transaction per link, a link printed only after its token commits), into one SQLite file
#   and into one PostgreSQL database; the figure is P × N ÷ wall time;
# - batch --ledger rows/s: `faceauth batch --new-tokens --ledger …` over ROWS rows (8,192 tokens
#   to a transaction), into SQLite and into PostgreSQL; for PostgreSQL, three rounds alternating
#   today's path (COPY into a temporary table, one INSERT from it) with the earlier one (one
#   INSERT … unnest per chunk, kept reachable by the hidden --postgres-copy-from), the baseline.
#
# Both at --durability full (the default: every commit on disk before the link goes out).
# PostgreSQL is a throwaway cluster on this machine (scripts/with-postgres.sh, which this script
# re-runs itself under when FACEAUTH_TEST_POSTGRES is unset), reached over TCP on 127.0.0.1.
# Usage: bench/ledger_stores.sh [N per process, default 500] [ROWS, default 200000]
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z ${FACEAUTH_TEST_POSTGRES:-} ]]; then
    exec ./scripts/with-postgres.sh "$0" "$@"
fi

per_process=${1:-500}
rows=${2:-200000}
cli=target/release/faceauth
export FACEAUTH_API_KEY=0123456789abcdefghijABCDEFGHIJ0123456789
work=$(mktemp -d "${TMPDIR:-/tmp}/faceauth-bench-ledger.XXXXXX")
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
rate() { awk -v n="$1" -v s="$2" -v e="$3" 'BEGIN { printf "%.0f", n / (e - s) }'; }

psql=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql
export PGOPTIONS="-c client_min_messages=warning"

# A fresh PostgreSQL schema per measurement, so every run starts from an empty ledger.
pg_location() {
    local name=bench_$1_$$
    "$psql" -q "$FACEAUTH_TEST_POSTGRES" -c "DROP SCHEMA IF EXISTS $name CASCADE; CREATE SCHEMA $name" >/dev/null
    echo "$FACEAUTH_TEST_POSTGRES?options=-c%20search_path%3D$name"
}

issue_rate() { # store processes
    local store=$1 procs=$2 location
    if [[ $store == sqlite ]]; then
        location=$work/issue-$procs.db
    else
        location=$(pg_location "issue_$procs")
    fi
    # Created (and migrated) before the clock starts.
    "$cli" ledger --ledger "$location" purge --older-than 1000d >/dev/null
    local start end pids=()
    start=$(now)
    for ((p = 0; p < procs; p++)); do
        "$cli" ledger --ledger "$location" issue --pid p --sid "sub-$p" --rule count --count "$per_process" \
            >/dev/null &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
    end=$(now)
    rate $((procs * per_process)) "$start" "$end"
}

batch_rate() { # store [extra batch arguments]
    local store=$1 location
    shift
    if [[ $store == sqlite ]]; then
        location=$work/batch.db
    else
        location=$(pg_location batch)
    fi
    local start end
    start=$(now)
    "$cli" batch --pid p --new-tokens --ledger "$location" --input "$work/in.csv" --output "$work/out.csv" \
        "$@" 2>/dev/null
    end=$(now)
    rate "$rows" "$start" "$end"
}

{
    echo sid
    seq -f "sub-%.0f" 1 "$rows"
} >"$work/in.csv"

echo "== token ledger: issues/s (ledger issue, one transaction per link, durability full; $per_process per process)"
printf '%-12s %12s %12s %12s\n' store "1 process" "4 processes" "8 processes"
for store in sqlite postgres; do
    printf '%-12s' "$store"
    for procs in 1 4 8; do
        printf ' %12s' "$(issue_rate "$store" "$procs")"
    done
    echo
done
echo "== token ledger: batch --ledger rows/s ($rows rows, 8,192 per transaction, durability full;" \
    "$(nproc) CPUs, load average $(cut -d' ' -f1 /proc/loadavg))"
printf '%-12s %12s\n' sqlite "$(batch_rate sqlite)"
for round in 1 2 3; do
    copy=$(batch_rate postgres)
    old=$(batch_rate postgres --postgres-copy-from 1000000000)
    printf 'postgres, round %d: COPY %s rows/s; INSERT … unnest (baseline) %s rows/s; ratio %s\n' \
        "$round" "$copy" "$old" "$(awk -v a="$copy" -v b="$old" 'BEGIN { printf "%.2fx", a / b }')"
done
