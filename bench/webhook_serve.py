"""`make bench`: webhooks/s through `faceauth webhook serve` into SQLite, against a baseline in
the same run: one `faceauth ledger apply-webhook` process per body (what a system without an
endpoint would script), same bodies, same durability (full), same machine.

WEBHOOKS (default 4,000) faceAuth results for as many tokens are POSTed over keep-alive
connections, first from 1 connection, then from CONNECTIONS (default 8) at once; the baseline
applies BASELINE (default 300) bodies, one process each. Prints webhooks/s and the ratios.
Each rate is measured twice in the same run: with `--unverified` (applied as posted), and
confirmed, the default: each result fetched back from the simulator (`faceauth mock`, seeded
with the results the bodies name) before it is recorded.
PostgreSQL too when FACEAUTH_TEST_POSTGRES names a server (`make bench` runs this script under
scripts/with-postgres.sh, a throwaway cluster on this machine).

Group commit: GROUP_WEBHOOKS (default 20,000) results sent by tests/serve/sender.go (Go's
net/http, built once) over 16 keep-alive connections, against the same sender on 1 connection
as the baseline, same run, same store, durability full; webhooks/s, the latency each webhook
paid (p50, p99), and from the server's /metrics the webhooks per commit and the time of a commit
are printed, with the load average and the time of one fsync on this disk (a durable commit's
floor).
"""

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACEAUTH = ROOT / "target" / "release" / "faceauth"
KEY = "0123456789abcdefghijABCDEFGHIJ0123456789"


def issue(ledger: str, count: int) -> list[str]:
    out = subprocess.run([str(FACEAUTH), "ledger", "--ledger", ledger, "issue", "--durability", "normal",
                          "--pid", "pid-1", "--sid", "sub-1", "--rule", "count", "--count", str(count)],
                         env={**os.environ, "FACEAUTH_API_KEY": KEY}, check=True, capture_output=True,
                         text=True).stdout
    return [json.loads(line)["token"] for line in out.splitlines()]


def body(token: str, n: int) -> bytes:
    return json.dumps({"webhook_trigger": "faceAuth", "data": {
        "Submission_id": "sub-1", "Auth_Status": "approved", "Create_Time": "2025-11-12T02:23:13.588Z",
        "Token_id": token, "Authentication_id": f"fa-{n}"}}).encode()


def start_mock(webhooks: int) -> tuple[subprocess.Popen, str]:
    """The simulator, seeded with the results fa-0 … fa-N of submission sub-1 that the bodies name."""
    seed = {"submissions": [{"id": "sub-1", "status": "approved"}],
            "results": [{"auth_id": f"fa-{n}", "kyc_submission_id": "sub-1",
                         "create_time": "2025-11-12T02:23:13.588Z"} for n in range(webhooks)]}
    path = Path(tempfile.mkstemp(prefix="faceauth-bench-seed-", suffix=".json")[1])
    path.write_text(json.dumps(seed))
    proc = subprocess.Popen([str(FACEAUTH), "mock", "--port", "0", "--api-key", KEY, "--project-id", "pid-1",
                             "--seed", str(path)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    path.unlink()
    if not line.startswith("listening on "):
        proc.kill()
        sys.exit(f"faceauth mock did not start: {line}")
    # Keep its stdout drained, whatever it prints.
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    return proc, line[len("listening on "):].strip()


def start_server(ledger: str, argos: str | None = None) -> tuple[subprocess.Popen, str]:
    """`webhook serve`: confirming with the simulator at `argos`, or `--unverified`."""
    mode = ["--base-url", argos] if argos else ["--unverified"]
    proc = subprocess.Popen([str(FACEAUTH), "webhook", "serve", "--listen", "127.0.0.1:0", "--ledger", ledger,
                             *mode], env={**os.environ, "FACEAUTH_API_KEY": KEY},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    prefix = "faceauth: listening on http://"
    line = proc.stderr.readline()
    while line.startswith("faceauth: webhook serve: --unverified"):
        line = proc.stderr.readline()
    if not line.startswith(prefix):
        proc.kill()
        sys.exit(f"webhook serve did not start: {line}{proc.stderr.read()}")
    # Keep its stderr drained (refusals are reported there).
    threading.Thread(target=proc.stderr.read, daemon=True).start()
    host_port = line[len(prefix):].strip().split("/", 1)[0]
    return proc, host_port


def post_all(host_port: str, bodies: list[bytes], connections: int) -> float:
    """POSTs every body over `connections` keep-alive connections; returns the seconds taken."""
    host, port = host_port.rsplit(":", 1)
    failures: list[str] = []

    def sender(part: list[bytes]) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        for b in part:
            conn.request("POST", "/webhook", body=b, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                failures.append(f"{response.status}")
        conn.close()

    threads = [threading.Thread(target=sender, args=(bodies[i::connections],)) for i in range(connections)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    if failures:
        sys.exit(f"{len(failures)} webhooks refused: {failures[:5]}")
    return seconds


def serve_rate(ledger: str, webhooks: int, connections: int, argos: str | None = None) -> float:
    tokens = issue(ledger, webhooks)
    bodies = [body(t, n) for n, t in enumerate(tokens)]
    proc, host_port = start_server(ledger, argos)
    try:
        seconds = post_all(host_port, bodies, connections)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return webhooks / seconds


def memory_rate(webhooks: int, connections: int) -> float:
    """The same bodies into `:memory:` (tokens unknown there, still 200): HTTP, parsing, output."""
    bodies = [body(f"tok_bench{n:012d}", n) for n in range(webhooks)]
    proc, host_port = start_server(":memory:", None)
    try:
        seconds = post_all(host_port, bodies, connections)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return webhooks / seconds


def baseline_rate(ledger: str, count: int) -> float:
    tokens = issue(ledger, count)
    started = time.perf_counter()
    for n, token in enumerate(tokens):
        subprocess.run([str(FACEAUTH), "ledger", "--ledger", ledger, "apply-webhook", "-"], input=body(token, n),
                       check=True, stdout=subprocess.DEVNULL)
    return count / (time.perf_counter() - started)


def build_sender(tmp: str) -> str:
    """tests/serve/sender.go, built once into `tmp`."""
    path = str(Path(tmp) / "sender")
    subprocess.run(["go", "build", "-o", path, str(ROOT / "tests" / "serve" / "sender.go")], check=True,
                   cwd=tmp)
    return path


def group_commit(sender: str, ledger: str, webhooks: int, connections: int, tmp: str) -> dict:
    """`webhook serve --unverified` into `ledger`, fed by the Go sender: its report."""
    tokens = issue(ledger, webhooks)
    bodies = Path(tmp) / f"bodies-{connections}.jsonl"
    bodies.write_bytes(b"\n".join(body(t, n) for n, t in enumerate(tokens)) + b"\n")
    proc, host_port = start_server(ledger, None)
    try:
        out = subprocess.run([sender, "-url", f"http://{host_port}/webhook", "-bodies", str(bodies),
                              "-connections", str(connections)], capture_output=True, text=True)
        metrics = commit_metrics(host_port)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    if out.returncode != 0:
        sys.exit(f"the Go sender saw failures: {out.stdout}{out.stderr}")
    return {**json.loads(out.stdout), **metrics}


def commit_metrics(host_port: str) -> dict:
    """From the server's /metrics: webhooks per commit and milliseconds per commit, on average."""
    conn = http.client.HTTPConnection(*host_port.rsplit(":", 1), timeout=10)
    conn.request("GET", "/metrics")
    samples = {}
    for line in conn.getresponse().read().decode().splitlines():
        if line.startswith(("faceauth_webhook_commit_seconds_", "faceauth_webhook_commit_batch_size_")):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    conn.close()
    commits = samples.get("faceauth_webhook_commit_seconds_count", 0) or 1
    return {"batch": samples.get("faceauth_webhook_commit_batch_size_sum", 0) / commits,
            "commit_ms": samples.get("faceauth_webhook_commit_seconds_sum", 0) * 1000 / commits}


def fsync_ms(directory: str) -> float:
    """The median time of one 4 KiB write and fsync in `directory`: what a durable commit waits for
    at least, so 16 connections cannot exceed 16 / this many webhooks/s into SQLite."""
    path = Path(directory) / "fsync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    times = []
    try:
        for n in range(200):
            os.pwrite(fd, b"x" * 4096, (n % 16) * 4096)
            started = time.perf_counter()
            os.fsync(fd)
            times.append(time.perf_counter() - started)
    finally:
        os.close(fd)
        path.unlink()
    return sorted(times)[len(times) // 2] * 1000


def main() -> None:
    webhooks = int(os.environ.get("WEBHOOKS", "4000"))
    connections = int(os.environ.get("CONNECTIONS", "8"))
    baseline = int(os.environ.get("BASELINE", "300"))
    group = int(os.environ.get("GROUP_WEBHOOKS", "20000"))
    with tempfile.TemporaryDirectory(prefix="faceauth-bench-serve-") as tmp:
        stores = [("sqlite", lambda name: str(Path(tmp) / f"{name}.db"))]
        pg = os.environ.get("FACEAUTH_TEST_POSTGRES")
        if pg:
            stores.append(("postgres", lambda _name: pg))
        else:
            print("webhook serve: PostgreSQL skipped (FACEAUTH_TEST_POSTGRES is not set)")
        sender = build_sender(tmp)
        probe = fsync_ms(tmp)
        print(f"webhook serve, group commit: load average {os.getloadavg()[0]:.1f}; one fsync of 4 KiB here: "
              f"{probe:.2f} ms (p50): 16 connections waiting on one commit each send at most "
              f"{16 / probe * 1000:,.0f} webhooks/s into SQLite")
        for store, location in stores:
            one = group_commit(sender, location("group-1"), group, 1, tmp)
            many = group_commit(sender, location("group-16"), group, 16, tmp)
            print(f"webhook serve, group commit ({store}, durability full, Go net/http sender, {group:,} "
                  f"webhooks): {many['per_second']:,.0f} webhooks/s from 16 connections (p50 "
                  f"{many['p50_ms']:.1f} ms, p99 {many['p99_ms']:.1f} ms; {many['batch']:.1f} webhooks a "
                  f"commit, {many['commit_ms']:.2f} ms a commit); baseline 1 connection "
                  f"{one['per_second']:,.0f} webhooks/s (p50 {one['p50_ms']:.2f} ms, {one['commit_ms']:.2f} ms a "
                  f"commit); {many['per_second'] / one['per_second']:.1f}x")
        mock, argos = start_mock(webhooks)
        try:
            for store, location in stores:
                base = baseline_rate(location("baseline"), baseline)
                one = serve_rate(location("serve-1"), webhooks, 1)
                many = serve_rate(location(f"serve-{connections}"), webhooks, connections)
                print(f"webhook serve --unverified ({store}, durability full): {one:,.0f} webhooks/s from "
                      f"1 connection, {many:,.0f} webhooks/s from {connections} connections")
                print(f"  baseline, one `ledger apply-webhook` process per body: {base:,.0f} webhooks/s; "
                      f"ratio {one / base:.1f}x (1 connection), {many / base:.1f}x ({connections} connections)")
                sure_one = serve_rate(location("confirm-1"), webhooks, 1, argos)
                sure_many = serve_rate(location(f"confirm-{connections}"), webhooks, connections, argos)
                print(f"webhook serve, confirmed with the simulator ({store}): {sure_one:,.0f} webhooks/s from "
                      f"1 connection, {sure_many:,.0f} webhooks/s from {connections} connections; "
                      f"{sure_one / one:.2f}x and {sure_many / many:.2f}x of --unverified")
        finally:
            mock.terminate()
            mock.wait(timeout=10)
        ceiling = memory_rate(webhooks, connections)
        print(f"  ceiling without a store (`--ledger :memory:`, {connections} connections): "
              f"{ceiling:,.0f} webhooks/s")


if __name__ == "__main__":
    main()
