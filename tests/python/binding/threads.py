"""Runs one piece of work on several threads at once, for the tests that share an object."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_on_threads(work: Callable[[int], None], count: int = 8) -> None:
    """Runs `work(n)` for each n below `count`, each on its own thread, all at once; waits for
    them, and fails with every exception a thread raised (a thread's own failure would otherwise
    only be printed)."""
    errors: list[BaseException] = []

    def guarded(n: int) -> None:
        try:
            work(n)
        except BaseException as e:  # noqa: BLE001 (reported by the calling thread)
            errors.append(e)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [], errors
