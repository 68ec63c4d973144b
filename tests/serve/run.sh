#!/usr/bin/env bash
# `faceauth webhook serve` against a keep-alive sender in another language than its own tests:
# tests/serve/sender.go (Go's net/http, as a sender such as Argos) posts WEBHOOKS (default 2,000)
# faceAuth results for as many tokens over 16 keep-alive connections into an SQLite ledger.
# Every one must be answered 200, printed once on stdout and recorded; the sender's report
# (webhooks/s, latency p50/p99/max) is printed, not judged.
# Usage: tests/serve/run.sh [TARGET_DIR]   (default target/debug; make test-go runs it)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/debug}/faceauth
webhooks=${WEBHOOKS:-2000}
[[ -x $bin ]] || { echo "tests/serve: $bin is missing (cargo build -p faceauth-cli)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/faceauth-serve-sender.XXXXXX")
server=
cleanup() {
    [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "tests/serve: $*" >&2; exit 1; }

ledger=$tmp/tokens.db
"$bin" tokens --ledger "$ledger" issue --durability normal --pid pid-1 --sid sub-1 --rule count \
    --count "$webhooks" --api-key test-key-0000000000 >"$tmp/links.jsonl"
python3 - "$tmp/links.jsonl" >"$tmp/bodies.jsonl" <<'PY'
import json, sys
for n, line in enumerate(open(sys.argv[1])):
    token = json.loads(line)["token"]
    print(json.dumps({"webhook_trigger": "faceAuth", "data": {"Submission_id": "sub-1",
        "Auth_Status": "approved", "Token_id": token, "Authentication_id": f"fa-{n}"}}))
PY

"$bin" webhook serve --listen 127.0.0.1:0 --ledger "$ledger" --unverified \
    >"$tmp/out.jsonl" 2>"$tmp/err.log" &
server=$!
for _ in $(seq 100); do
    grep -q '^faceauth: listening on ' "$tmp/err.log" && break
    sleep 0.1
done
url=$(sed -n 's/^faceauth: listening on //p' "$tmp/err.log")
[[ -n $url ]] || fail "webhook serve did not start: $(cat "$tmp/err.log")"

report=$(cd "$tmp" && go run "$OLDPWD/tests/serve/sender.go" -url "$url" -bodies "$tmp/bodies.jsonl" \
    -connections 16) || fail "the sender saw a failure: $report"
echo "tests/serve: go net/http, 16 keep-alive connections, $webhooks webhooks: $report"

kill -TERM "$server"
wait "$server" || fail "webhook serve did not exit 0 on SIGTERM: $(tail -5 "$tmp/err.log")"
server=
lines=$(wc -l <"$tmp/out.jsonl")
[[ $lines -eq $webhooks ]] || fail "$lines lines on stdout for $webhooks webhooks"
recorded=$(grep -c '"outcome":"recorded"' "$tmp/out.jsonl" || true)
[[ $recorded -eq $webhooks ]] || fail "$recorded of $webhooks webhooks recorded"
completed=$("$bin" tokens --ledger "$ledger" list --state completed | wc -l)
[[ $completed -eq $webhooks ]] || fail "$completed of $webhooks tokens completed"
echo "tests/serve: 1 passed, 0 failed"
