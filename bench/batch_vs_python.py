"""`make bench`: `faceauth batch` against the Python reference, same input, same machine, one run.

Generates ROWS rows (default 1,000,000) once, runs both, checks the outputs are identical, and
prints URLs/s for each, the ratio, and each process's peak memory.
"""

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
KEY = "0123456789abcdefghijABCDEFGHIJ0123456789"


def make_input(rows: int) -> Path:
    path = DATA / f"input-{rows}.csv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("sid,user_id,cf1,cf2,cf3,token\n")
            for i in range(rows):
                f.write(f"sub_{523414080 + i},user-{i},user{i}@example.com,,,tok_{i:012d}\n")
        tmp.rename(path)
    return path


def run(name: str, argv: list[str]) -> tuple[float, int]:
    """Runs argv, returns (seconds, peak RSS in KiB) for that process alone."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run(argv, env={**os.environ, "FACEAUTH_API_KEY": KEY},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{name} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    # ru_maxrss of children is the max over all children so far; each run is a fresh max check.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak if peak > before else 0


def main() -> None:
    rows = int(os.environ.get("ROWS", "1000000"))
    faceauth = ROOT / "target" / "release" / "faceauth"
    src = make_input(rows)
    ours, theirs = DATA / "out-faceauth.csv", DATA / "out-python.csv"

    # faceauth runs first, so its peak memory is not masked by Python's larger one.
    t_ours, rss_ours = run("faceauth batch", [str(faceauth), "batch", "--pid", "pid-1",
                                              "--input", str(src), "--output", str(ours)])
    t_theirs, rss_theirs = run("python reference", [sys.executable, str(ROOT / "bench" / "reference_batch.py"),
                                                    "pid-1", str(src), str(theirs)])
    if ours.read_bytes() != theirs.read_bytes():
        sys.exit("outputs differ: faceauth batch and the Python reference disagree")

    ours_rate, theirs_rate = rows / t_ours, rows / t_theirs
    print(f"batch of {rows:,} rows, ECB, one process each (outputs identical)")
    print(f"  python + cryptography (baseline) {theirs_rate:>12,.0f} URLs/s  {t_theirs:7.2f} s  peak {rss_theirs/1024:6.1f} MiB")
    print(f"  faceauth batch                   {ours_rate:>12,.0f} URLs/s  {t_ours:7.2f} s  peak {rss_ours/1024:6.1f} MiB")
    print(f"  ratio: faceauth batch is {ours_rate / theirs_rate:.1f}x the Python reference")
    for path in (ours, theirs):
        path.unlink()


if __name__ == "__main__":
    main()
