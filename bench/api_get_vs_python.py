"""Sequential GET /faceauth?authId=… per second against the simulator: the faceauth client
(one reused `Client`) next to Python `requests.Session` (the baseline), same server, same run."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
KEY = "bench-api-key"
SECONDS = float(os.environ.get("SECONDS_PER_CLIENT", "5"))


def main() -> None:
    mock = subprocess.Popen([str(ROOT / "target/release/faceauth"), "mock", "--port", "0", "--api-key", KEY],
                            stdout=subprocess.PIPE, text=True)
    try:
        base = mock.stdout.readline().strip().removeprefix("listening on ")
        requests.post(f"{base}/_mock/results", json={"count": 1, "start": "2025-03-01T00:00:00.000Z",
                                                      "step_seconds": 1}).raise_for_status()
        rows = requests.get(f"{base}/faceauth", headers={"x-api-key": KEY}).json()
        auth_id = rows[0]["data"][0]["auth_id"]

        session = requests.Session()
        session.headers["x-api-key"] = KEY
        started, calls = time.perf_counter(), 0
        while time.perf_counter() - started < SECONDS:
            response = session.get(f"{base}/faceauth", params={"authId": auth_id}, timeout=10)
            response.raise_for_status()
            response.json()
            calls += 1
        python_rate = calls / (time.perf_counter() - started)

        out = subprocess.run([str(ROOT / "target/release/examples/get_loop"), base, auth_id, str(SECONDS)],
                             env={**os.environ, "FACEAUTH_API_KEY": KEY}, check=True, capture_output=True, text=True)
        ours = float(out.stdout.strip())
    finally:
        mock.kill()
        mock.wait()
    print(f"sequential GET /faceauth?authId against the simulator, {SECONDS:.0f} s each, keep-alive")
    print(f"  python requests.Session (baseline) {python_rate:>9,.0f} requests/s")
    print(f"  faceauth Client                    {ours:>9,.0f} requests/s")
    print(f"  ratio: {ours / python_rate:.1f}x")


if __name__ == "__main__":
    main()
