"""faceauth.AsyncClient: the client's methods awaited, `async with`, `async for`, and task
cancellation that aborts the request in flight."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator

import pytest

import faceauth
from faceauth.testing import Simulator
from servers import StallingServer

JPEG = b"\xff\xd8\xff\xe0face"
CLIENT_TIMEOUT = 60.0


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(submissions=["sub-1"]) as s:
        yield s


@pytest.fixture
def server() -> Iterator[StallingServer]:
    s = StallingServer()
    yield s
    s.close()


def test_every_method_awaited(sim: Simulator) -> None:
    async def main() -> None:
        async with faceauth.AsyncClient(sim.api_key, base_url=sim.base_url, max_retries=0) as client:
            assert client.user_agent.startswith("faceauth-python/")
            assert repr(client).startswith("AsyncClient(base_url=")
            result = await client.submit("sub-1", JPEG, user_id="u-1", timeout=10)
            assert result.approved
            record = await client.get(result.auth_id)
            assert record.auth_id == result.auth_id
            image = await client.image(result.auth_id)
            assert image.data == JPEG
            await client.delete(result.auth_id)
            assert (await client.get(result.auth_id)).deleted
            with pytest.raises(faceauth.NotFound):
                await client.get("fa_missing")
        assert client.closed
        with pytest.raises(ValueError, match="closed"):
            await client.get(result.auth_id)

    asyncio.run(main())


def test_async_for_over_a_listing(sim: Simulator) -> None:
    sim.add_results(5)

    async def main() -> None:
        async with faceauth.AsyncClient(sim.api_key, base_url=sim.base_url) as client:
            records = client.list(count=2)
            ids = [record.auth_id async for record in records]
            assert len(ids) == 5 and len(set(ids)) == 5
            assert records.pages == 3 and records.incomplete is None
            with pytest.raises(faceauth.InvalidArgument):
                client.list(start_date="2025-01-01")

    asyncio.run(main())


def test_calls_run_concurrently_on_the_pool(sim: Simulator) -> None:
    async def main() -> list[faceauth.AuthRecord]:
        async with faceauth.AsyncClient(sim.api_key, base_url=sim.base_url, max_workers=4) as client:
            auth_id = (await client.submit("sub-1", JPEG)).auth_id
            return await asyncio.gather(*(client.get(auth_id) for _ in range(8)))

    assert len(asyncio.run(main())) == 8


def test_wait_for_aborts_the_request_in_flight(server: StallingServer) -> None:
    async def main() -> None:
        async with faceauth.AsyncClient("key", base_url=server.base_url, timeout=CLIENT_TIMEOUT) as client:
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(client.get("fa-1"), 0.3)
            assert loop.time() - started < CLIENT_TIMEOUT / 4
            assert await loop.run_in_executor(None, server.closed.wait, 10), "the connection stayed open"
            await asyncio.sleep(0.3)  # a retry (which must not happen) would arrive now
            assert server.requests == 1
            server.healthy = True
            assert (await client.get("fa-2")).auth_id == "fa-2"

    asyncio.run(main())


def test_cancelling_a_listing_task_aborts_its_page(server: StallingServer) -> None:
    async def main() -> None:
        async with faceauth.AsyncClient("key", base_url=server.base_url, timeout=CLIENT_TIMEOUT) as client:

            async def read_all() -> list[faceauth.AuthRecord]:
                return [record async for record in client.list()]

            task = asyncio.ensure_future(read_all())
            loop = asyncio.get_running_loop()
            assert await loop.run_in_executor(None, server.stalled.wait, 10)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await loop.run_in_executor(None, server.closed.wait, 10)
            assert server.requests == 1

    asyncio.run(main())


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.TaskGroup is Python 3.11+")
def test_a_failing_task_group_cancels_the_stalled_call(server: StallingServer) -> None:
    async def main() -> None:
        async with faceauth.AsyncClient("key", base_url=server.base_url, timeout=CLIENT_TIMEOUT) as client:

            async def fail_soon() -> None:
                await asyncio.sleep(0.3)
                raise LookupError("a sibling failed")

            with pytest.raises(BaseException) as info:
                async with asyncio.TaskGroup() as group:  # type: ignore[attr-defined,unused-ignore]
                    group.create_task(client.get("fa-1"))
                    group.create_task(fail_soon())
            assert "ExceptionGroup" in type(info.value).__name__
            loop = asyncio.get_running_loop()
            assert await loop.run_in_executor(None, server.closed.wait, 10)
            assert server.requests == 1

    asyncio.run(main())
