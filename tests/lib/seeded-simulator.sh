# Sourced (not run) by tests/examples/run.sh and tests/dist/c-consumer.sh (which gets a copy,
# the repository being hidden from it). start_seeded_simulator FACEAUTH KEY SEED DIR starts
# `FACEAUTH mock` on a free loopback port with KEY as API and webhook key and the submissions of
# SEED, its output in DIR/mock.out and DIR/mock.err; it sets mock_pid (the caller stops it) and
# base (the URL it listens on), and calls the caller's fail if it exits or never says where.
start_seeded_simulator() {
    local faceauth=$1 key=$2 seed=$3 dir=$4
    : >"$dir/mock.out"  # exists before the simulator starts: the loop below reads it at once
    "$faceauth" mock --host 127.0.0.1 --port 0 --api-key "$key" --project-id demo-project \
        --webhook-key "$key" --seed "$seed" >"$dir/mock.out" 2>"$dir/mock.err" &
    mock_pid=$!
    base=
    for _ in $(seq 300); do  # waits for the "listening on" line; asserts nothing about time
        base=$(sed -n 's/^listening on //p' "$dir/mock.out")
        [[ -n $base ]] && break
        kill -0 "$mock_pid" 2>/dev/null || { cat "$dir/mock.err" >&2; fail "the simulator exited"; }
        sleep 0.1
    done
    [[ $base == http://127.0.0.1:* ]] || fail "the simulator did not say where it listens"
}
