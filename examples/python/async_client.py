"""faceauth.AsyncClient against the in-process simulator (no network): calls awaited side by
side, a listing read with ``async for``, a deadline that cancels a slow call, and an attempt
hook that logs each HTTP attempt.

In production give AsyncClient your API key (no base_url). Cancelling the awaiting task
(``asyncio.wait_for``, a ``TaskGroup``) aborts the request in flight; no retry follows.

Run: python examples/python/async_client.py
"""

from __future__ import annotations

import asyncio

import faceauth
from faceauth.testing import Simulator

JPEG = b"\xff\xd8\xff\xe0" + b"selfie" * 10


def log_attempt(attempt: faceauth.Attempt) -> None:
    outcome = attempt.status if attempt.status is not None else attempt.error_kind
    print(f"  attempt {attempt.attempt}: {attempt.method} {attempt.route} -> {outcome} ({attempt.duration * 1000:.1f} ms)")


async def main(sim: Simulator) -> None:
    async with faceauth.AsyncClient(sim.api_key, base_url=sim.base_url, on_attempt=log_attempt) as client:
        print("three submissions at once:")
        results = await asyncio.gather(*(client.submit("sub-1", JPEG, user_id=f"user-{n}") for n in range(3)))
        print("listing:")
        async for record in client.list(count=2):
            print(f"  {record.auth_id} {record.status}")
        print("a 2 s answer under a 0.3 s deadline:")
        sim.faults(latency_ms=2_000)
        try:
            await asyncio.wait_for(client.get(results[0].auth_id), 0.3)
        except asyncio.TimeoutError:
            print("  cancelled: the request was aborted, nothing retried")
        sim.faults(latency_ms=0)
        print("the same client goes on:", (await client.get(results[0].auth_id)).status)


if __name__ == "__main__":
    with Simulator(submissions=["sub-1"]) as simulator:
        asyncio.run(main(simulator))
