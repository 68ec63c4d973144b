"""The GIL is released around every request.

A server written in Python, running in a thread of this process, can only answer while the
calling thread has let go of the GIL. If a call kept it, the server could never answer: the
client's own timeout (5 s, no retries) then raises `faceauth.Timeout` and the test fails instead
of hanging.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator

import pytest

import faceauth
from faceauth.testing import Simulator
from threads import run_on_threads

ROW = {"auth_id": "fa-py", "auth_status": "approved", "create_time": "2025-10-02T02:15:17.554Z"}
PAGES = {
    "": [{"faceAuth_projectId": "p", "data": [ROW], "nextPage_key": {"authId": "fa-py", "createTime": ROW["create_time"]}}],
    "fa-py": [{"faceAuth_projectId": "p", "data": [dict(ROW, auth_id="fa-py-2")]}],
}


class _PythonArgos(http.server.BaseHTTPRequestHandler):
    """A tiny FaceAuth API in Python: one record, a listing of two pages."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        query = dict(p.split("=", 1) for p in self.path.partition("?")[2].split("&") if "=" in p)
        body: object
        if "authId" in query:
            body = [{"faceAuth_projectId": "p", "data": [dict(ROW, auth_id=query["authId"])]}]
        else:
            body = PAGES[query.get("nextKey_id", "")]
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def python_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _PythonArgos)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_call_to_a_python_server_in_this_process_completes(python_server: str) -> None:
    with faceauth.Client("key", base_url=python_server, timeout=5, max_retries=0) as client:
        assert client.get("fa-1").auth_id == "fa-1"
        records = client.list()
        assert [r.auth_id for r in records] == ["fa-py", "fa-py-2"]
        assert records.pages == 2


def test_eight_threads_share_one_client_on_a_python_server(python_server: str) -> None:
    client = faceauth.Client("key", base_url=python_server, timeout=5, max_retries=0)
    results: dict[int, list[str]] = {}

    def work(n: int) -> None:
        results[n] = [client.get(f"fa-{n}-{i}").auth_id for i in range(10)]

    run_on_threads(work)
    assert results == {n: [f"fa-{n}-{i}" for i in range(10)] for n in range(8)}


def test_eight_threads_share_one_client_on_the_simulator() -> None:
    with Simulator(submissions=["sub-1"]) as sim, sim.client(timeout=10) as client:
        made: dict[int, list[str]] = {}

        def work(n: int) -> None:
            ids = [client.submit("sub-1", b"\xff\xd8\xff" + bytes([n, i])).auth_id for i in range(5)]
            assert all(client.get(i).auth_id == i for i in ids)
            made[n] = ids

        run_on_threads(work)
        every = [i for ids in made.values() for i in ids]
        assert len(every) == 40 and len(set(every)) == 40
        assert len(list(client.list())) == 40

