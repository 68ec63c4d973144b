"""`make bench`: the Python binding (release wheel) against the Python reference, one run.

The same rows go through three paths, and the URLs must be identical (ECB is deterministic):
  - the reference: bench/reference_batch.py's recipe (`json.dumps`, `cryptography`, `quote`) per row;
  - `UrlBuilder.build` called in a Python loop;
  - `UrlBuilder.build_many` on the whole list.
Prints URLs/s for each and the ratios against the reference. ROWS (default 200,000) sets the size.
"""

import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import faceauth  # noqa: E402
from reference_batch import FIELDS, encrypt  # noqa: E402

KEY = "0123456789abcdefghijABCDEFGHIJ0123456789"
PID = "pid-1"
Row = dict[str, Optional[str]]


def make_rows(n: int) -> list[Row]:
    return [{"sid": f"sub_{523414080 + i}", "user_id": f"user-{i}", "cf1": f"user{i}@example.com",
             "token": f"tok_{i:012d}"} for i in range(n)]


def reference(rows: list[Row]) -> list[str]:
    key = hashlib.sha256(KEY.encode("utf-8")).digest()
    prefix = f"https://form.argosidentity.com/face-auth?pid={quote(PID, safe='')}&encrypted="
    out = []
    for row in rows:
        payload = {name: row[field] for field, name in FIELDS if row.get(field)}
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        out.append(prefix + quote(encrypt(text, key), safe=""))
    return out


def build_loop(rows: list[Row]) -> list[str]:
    build = faceauth.UrlBuilder(PID, KEY).build
    return [build(r["sid"] or "", user_id=r["user_id"], cf1=r["cf1"], token=r["token"]) for r in rows]


def build_many(rows: list[Row]) -> list[str]:
    return faceauth.UrlBuilder(PID, KEY).build_many(rows)


def main() -> None:
    n = int(os.environ.get("ROWS", "200000"))
    rounds = int(os.environ.get("ROUNDS", "3"))
    rows = make_rows(n)
    # The reference is ~30x slower: it runs on a slice, so a round takes seconds, not minutes.
    ref_rows = rows[: max(1, n // 4)]
    print(f"python binding: {n:,} URLs ({len(ref_rows):,} for the reference), ECB, one thread, best of "
          f"{rounds} interleaved rounds")
    print(f"  (faceauth from {Path(faceauth.__file__).parent})")
    paths: list[tuple[str, Callable[[list[Row]], list[str]], list[Row]]] = [
        ("ref", reference, ref_rows), ("loop", build_loop, rows), ("many", build_many, rows)]
    best = {name: float("inf") for name, _, _ in paths}
    expected = reference(ref_rows)
    for _ in range(rounds):
        # Interleaved, so a burst of load on this shared machine hits every path alike.
        for name, fn, data in paths:
            started = time.perf_counter()
            urls = fn(data)
            best[name] = min(best[name], (time.perf_counter() - started) / len(data))
            if urls[: len(ref_rows)] != expected:
                sys.exit(f"URLs differ: {name} and the Python reference disagree")
            del urls  # freed here, not inside the next path's timing
    ref = best["ref"]
    print(f"  python + cryptography (baseline) {1 / ref:>12,.0f} URLs/s  {ref * 1e9:8.0f} ns/URL")
    print(f"  UrlBuilder.build in a loop       {1 / best['loop']:>12,.0f} URLs/s  {best['loop'] * 1e9:8.0f} ns/URL"
          f"  {ref / best['loop']:6.1f}x  (goal >= 30x)")
    print(f"  UrlBuilder.build_many            {1 / best['many']:>12,.0f} URLs/s  {best['many'] * 1e9:8.0f} ns/URL"
          f"  {ref / best['many']:6.1f}x  (goal >= 80x)")


if __name__ == "__main__":
    main()
