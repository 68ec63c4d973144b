# Shared by tests/c/run.sh and tests/cpp/run.sh (sourced, not run): `faceauth mock` on a free
# loopback port for the client tests, seeded, and stopped when the sourcing script exits.
# Needs: $faceauth (the CLI), $out (a scratch directory), and the FACEAUTH_TEST_MOCK_KEY,
# FACEAUTH_TEST_MOCK_PROJECT, FACEAUTH_TEST_SUBMISSION, FACEAUTH_TEST_SEEDED_ROWS and
# FACEAUTH_TEST_SEEDED_DAY variables. Sets FACEAUTH_TEST_MOCK_URL.

mock_pid=
mock_fd=
stop_mock() {
    if [[ -n $mock_pid ]]; then
        kill "$mock_pid" 2>/dev/null || true
        wait "$mock_pid" 2>/dev/null || true
        mock_pid=
    fi
    if [[ -n $mock_fd ]]; then
        exec {mock_fd}<&-
        mock_fd=
    fi
}
trap stop_mock EXIT
trap 'exit 130' INT TERM
# POST $2 (JSON) to the simulator's control path $1.
mock_post() {
    if command -v curl >/dev/null 2>&1; then
        curl -sS --fail -o /dev/null -X POST -H 'content-type: application/json' --data "$2" \
            "$FACEAUTH_TEST_MOCK_URL$1"
    else
        python3 -c 'import sys, urllib.request
request = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST",
                                 headers={"content-type": "application/json"})
urllib.request.urlopen(request, timeout=30).read()' "$FACEAUTH_TEST_MOCK_URL$1" "$2"
    fi
}
# Stops any simulator, starts a fresh one, reads its URL from its first line, and seeds it: the
# approved submission, and FACEAUTH_TEST_SEEDED_ROWS results a minute apart on the seeded day.
start_mock() {
    stop_mock
    exec {mock_fd}< <(FACEAUTH_MOCK_API_KEY=$FACEAUTH_TEST_MOCK_KEY exec "$faceauth" mock --port 0 \
        --project-id "$FACEAUTH_TEST_MOCK_PROJECT" 2>"$out/mock.err")
    mock_pid=$!
    local line=
    if ! IFS= read -r -t 60 -u "$mock_fd" line ||
        [[ ! $line =~ ^listening\ on\ (http://127\.0\.0\.1:[0-9]+)$ ]]; then
        echo "$0: the simulator did not start (first line: '$line'):" >&2
        cat "$out/mock.err" >&2
        exit 1
    fi
    export FACEAUTH_TEST_MOCK_URL=${BASH_REMATCH[1]}
    mock_post /_mock/submissions "{\"id\":\"$FACEAUTH_TEST_SUBMISSION\",\"status\":\"approved\"}"
    mock_post /_mock/results "{\"count\":$FACEAUTH_TEST_SEEDED_ROWS,\"start\":\"${FACEAUTH_TEST_SEEDED_DAY}T08:00:00Z\",\"step_seconds\":60,\"submission_id\":\"$FACEAUTH_TEST_SUBMISSION\"}"
    echo "simulator at $FACEAUTH_TEST_MOCK_URL, seeded with $FACEAUTH_TEST_SEEDED_ROWS results"
}
