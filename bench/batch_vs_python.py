"""`make bench`: `faceauth batch` against the Python reference, same input, same machine, one run.

Generates ROWS rows (default 200,000) once, then runs ROUNDS rounds (default 3), each of:
`faceauth batch` on every core (the default `--jobs`), `faceauth batch --jobs 1` pinned to one
core (`taskset -c 0`, as it ran before it had workers), and the Python reference. Interleaving
the runs lets the machine's load fall on all three alike. Checks every output is identical to
the reference's, and prints the median URLs/s of each, the ratios (each against the reference
measured in the same run) and each process's peak memory.

Each run writes a new output file: the previous round's file is deleted before the timed span.
Written over instead (OVERWRITE=1), a run of `batch` pays 16-33 ms on ext4 for the round
before it: `open(O_TRUNC)` waits for the writeback that run's close started, and the file
truncated to 0 is flushed at close (docs/performance.md, "faceauth batch against Python").
"""

import filecmp
import os
import shutil
import statistics
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
    """Runs argv, returns (seconds, peak RSS in KiB) for that process alone (wait4's: it starts
    from this script's own resident size, a few MiB, copied at the fork)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env={**os.environ, "FACEAUTH_API_KEY": KEY},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{name} failed ({proc.returncode}): {err[-2000:].decode(errors='replace')}")
    return seconds, usage.ru_maxrss


def main() -> None:
    rows = int(os.environ.get("ROWS", "200000"))
    rounds = int(os.environ.get("ROUNDS", "3"))
    overwrite = os.environ.get("OVERWRITE") == "1"
    faceauth = str(ROOT / "target" / "release" / "faceauth")
    src = make_input(rows)
    theirs = DATA / "out-python.csv"
    one_core = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    cores = os.cpu_count() or 1
    sides = {
        "python": [sys.executable, str(ROOT / "bench" / "reference_batch.py"), "pid-1", str(src), str(theirs)],
        "all": [faceauth, "batch", "--pid", "pid-1", "--input", str(src), "--output", str(DATA / "out-all.csv")],
        "one": one_core + [faceauth, "batch", "--pid", "pid-1", "--jobs", "1", "--input", str(src),
                           "--output", str(DATA / "out-one.csv")],
    }
    times: dict[str, list[float]] = {name: [] for name in sides}
    peaks: dict[str, int] = {name: 0 for name in sides}
    ratios: list[tuple[float, float]] = []
    load = os.getloadavg()[0]
    outputs = {"all": DATA / "out-all.csv", "one": DATA / "out-one.csv", "python": theirs}
    for _ in range(rounds):
        for name in ("all", "one", "python"):
            if not overwrite:
                outputs[name].unlink(missing_ok=True)
            seconds, peak = run(name, sides[name])
            times[name].append(seconds)
            peaks[name] = max(peaks[name], peak)
        for name in ("all", "one"):
            if not filecmp.cmp(DATA / f"out-{name}.csv", theirs, shallow=False):
                sys.exit(f"outputs differ: faceauth batch ({name}) and the Python reference disagree")
        ratios.append((times["python"][-1] / times["all"][-1], times["python"][-1] / times["one"][-1]))
    load = max(load, os.getloadavg()[0])

    def rate(name: str) -> float:
        return rows / statistics.median(times[name])

    written = "over the previous round's output files" if overwrite else "to new output files"
    print(f"batch of {rows:,} rows, ECB, {rounds} interleaved rounds, medians (outputs identical); "
          f"{cores} CPUs, load average up to {load:.1f}; written {written}")
    print(f"  python + cryptography (baseline)       {rate('python'):>12,.0f} URLs/s  peak {peaks['python']/1024:6.1f} MiB")
    print(f"  faceauth batch --jobs 1, one core      {rate('one'):>12,.0f} URLs/s  peak {peaks['one']/1024:6.1f} MiB")
    print(f"  faceauth batch, every core ({cores} jobs)    {rate('all'):>12,.0f} URLs/s  peak {peaks['all']/1024:6.1f} MiB")
    each = ", ".join(f"{a:.1f}x/{o:.1f}x" for a, o in ratios)
    print(f"  ratio vs the Python reference, every core / one core, per round: {each}")
    print(f"  ratio (medians): every core {rate('all') / rate('python'):.1f}x, one core "
          f"{rate('one') / rate('python'):.1f}x, every core vs one core {rate('all') / rate('one'):.2f}x")
    for name in ("all", "one"):
        (DATA / f"out-{name}.csv").unlink()
    theirs.unlink()


if __name__ == "__main__":
    main()
