"""Stopping a call: Ctrl-C on the main thread, a `faceauth.Cancel` from another thread, and the
`timeout=` deadline of a whole call. The stalled calls run against a loopback server that reads
each request and never answers, so only an abort can end them before the client's own 60 s."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator

import pytest

import faceauth
from faceauth.testing import Simulator
from servers import StallingServer

JPEG = b"\xff\xd8\xff\xe0face"
# Far beyond any bound below: a call that ends sooner was aborted, not timed out.
CLIENT_TIMEOUT = 60.0

CALLS: dict[str, Callable[[faceauth.Client], object]] = {
    "get": lambda c: c.get("fa-1"),
    "image": lambda c: c.image("fa-1"),
    "delete": lambda c: c.delete("fa-1"),
    "submit": lambda c: c.submit("sub-1", JPEG),
    "list": lambda c: list(c.list()),
}


@pytest.fixture
def server() -> Iterator[StallingServer]:
    s = StallingServer()
    yield s
    s.close()


def _wait_for_no_more_requests(server: StallingServer) -> None:
    # A retry (which must not happen) would arrive at once; give it the chance to.
    time.sleep(0.3)


@pytest.mark.parametrize("call", sorted(CALLS))
def test_ctrl_c_aborts_the_request_in_flight_and_the_client_goes_on(server: StallingServer, call: str) -> None:
    assert threading.current_thread() is threading.main_thread()
    with faceauth.Client("key", base_url=server.base_url, timeout=CLIENT_TIMEOUT, max_retries=2) as client:
        timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
        started = time.monotonic()
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                CALLS[call](client)
        finally:
            timer.join()
        assert time.monotonic() - started < CLIENT_TIMEOUT / 4
        assert server.closed.wait(10), "the server never saw the connection closed"
        _wait_for_no_more_requests(server)
        assert server.requests == 1
        server.healthy = True
        assert client.get("fa-2").auth_id == "fa-2"


def test_a_cancel_from_another_thread_raises_cancelled(server: StallingServer) -> None:
    cancel = faceauth.Cancel()
    assert not cancel.cancelled and repr(cancel) == "Cancel(cancelled=False)"
    with faceauth.Client("key", base_url=server.base_url, timeout=CLIENT_TIMEOUT, max_retries=2) as client:
        errors: list[BaseException] = []

        def call() -> None:
            try:
                client.get("fa-1", cancel=cancel)
            except BaseException as e:  # noqa: BLE001 (checked below)
                errors.append(e)

        worker = threading.Thread(target=call)
        worker.start()
        assert server.stalled.wait(10)
        cancel.cancel()
        worker.join(CLIENT_TIMEOUT / 4)
        assert not worker.is_alive()
        assert len(errors) == 1 and isinstance(errors[0], faceauth.Cancelled), errors
        assert errors[0].kind == "cancelled" and errors[0].code == 2
        assert server.closed.wait(10)
        _wait_for_no_more_requests(server)
        assert server.requests == 1
        # The handle stays cancelled: nothing is sent.
        with pytest.raises(faceauth.Cancelled, match="0 attempts"):
            client.get("fa-1", cancel=cancel)
        assert server.requests == 1
        server.healthy = True
        assert client.get("fa-3").auth_id == "fa-3"


def test_a_cancel_on_the_main_thread_from_a_timer(server: StallingServer) -> None:
    cancel = faceauth.Cancel()
    with faceauth.Client("key", base_url=server.base_url, timeout=CLIENT_TIMEOUT) as client:
        timer = threading.Timer(0.3, cancel.cancel)
        timer.start()
        with pytest.raises(faceauth.Cancelled):
            list(client.list(cancel=cancel))
        timer.join()
    assert cancel.cancelled and server.closed.wait(10)


def test_timeout_bounds_a_stalled_call(server: StallingServer) -> None:
    with faceauth.Client("key", base_url=server.base_url, timeout=CLIENT_TIMEOUT, max_retries=2) as client:
        with pytest.raises(faceauth.Timeout) as info:
            client.get("fa-1", timeout=0.5)
    assert info.value.kind == "api_timeout" and "1 attempt" in str(info.value)
    assert server.closed.wait(10)


def test_timeout_spans_the_retries_and_says_how_many_were_made() -> None:
    with Simulator() as sim, sim.client(max_retries=6) as client:
        sim.faults(fail_next=7, fail_status=503)
        with pytest.raises(faceauth.Timeout) as info:
            client.get("fa-1", timeout=0.6)
        left = sim.faults()["fail_next"]
    made = 7 - left
    assert 1 <= made < 7, made
    assert f"after {made} attempt{'' if made == 1 else 's'}" in str(info.value), str(info.value)


def test_timeout_and_cancel_are_checked() -> None:
    with Simulator() as sim, sim.client() as client:
        for bad in (0, -1.0, float("nan"), float("inf")):
            with pytest.raises(faceauth.InvalidArgument, match="timeout must be a positive"):
                client.get("fa-1", timeout=bad)
        with pytest.raises(TypeError):
            client.get("fa-1", cancel="now")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            client.get("fa-1", timeout="1")  # type: ignore[arg-type]
