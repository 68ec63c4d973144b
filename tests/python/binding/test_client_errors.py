"""Every ApiError subclass, each from a real cause: the simulator's checks and faults, a closed
port, and canned answers from a server in a thread of this process."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

import faceauth
from faceauth.testing import Simulator

JPEG = b"\xff\xd8\xff\xe0face"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(submissions=["sub-1"]) as s:
        yield s


def test_wrong_key_is_authenticationerror(sim: Simulator) -> None:
    with faceauth.Client("not-the-key", base_url=sim.base_url, max_retries=0) as client:
        with pytest.raises(faceauth.AuthenticationError) as info:
            client.get("fa-1")
    err = info.value
    assert (err.status, err.kind, err.code) == (403, "api_authentication", 302)
    assert err.message == "Forbidden" and err.body is not None and "Forbidden" in err.body


def test_ip_allow_list_is_ipnotallowed() -> None:
    with Simulator(allowed_ips=["10.9.8.7"]) as sim, sim.client(max_retries=0) as client:
        with pytest.raises(faceauth.IpNotAllowed) as info:
            client.get("fa-1")
    assert info.value.status == 403 and "explicit deny" in (info.value.message or "")
    assert not isinstance(info.value, faceauth.AuthenticationError)


def test_unknown_id_is_notfound_and_still_an_invalidrequest(sim: Simulator) -> None:
    # Argos answers an unknown auth id with 400 and NOT_FOUND: NotFound, which handlers of
    # InvalidRequest (what it was before) still catch.
    assert issubclass(faceauth.NotFound, faceauth.InvalidRequest)
    with sim.client() as client:
        with pytest.raises(faceauth.NotFound) as info:
            client.get("fa_does_not_exist")
        err = info.value
        assert isinstance(err, faceauth.InvalidRequest)
        assert (err.status, err.error_code, err.kind, err.code) == (400, "NOT_FOUND", "api_not_found", 306)
        assert "fa_does_not_exist" in str(err)
        with pytest.raises(faceauth.NotFound):
            client.image("fa_does_not_exist")
        with pytest.raises(faceauth.NotFound):
            client.delete("fa_does_not_exist")
        with pytest.raises(faceauth.InvalidRequest) as refused:
            client.submit("no-such-submission", JPEG)
        assert not isinstance(refused.value, faceauth.NotFound)


def test_a_huge_argument_comes_back_as_a_short_message(sim: Simulator) -> None:
    huge = "2025-01-01" * 100_000
    with sim.client() as client:
        with pytest.raises(faceauth.InvalidArgument) as info:
            list(client.list(start_date=huge, end_date="2025-01-02"))
        assert len(str(info.value)) < 300 and "(1000000 bytes)" in str(info.value)
        with pytest.raises(faceauth.FaceAuthError) as other:
            client.get("fa_" + "x" * 1_000_000)
        assert len(str(other.value)) < 600


def test_oversized_image_is_payloadtoolarge() -> None:
    with Simulator(submissions=["sub-1"], max_body_bytes=2_000) as sim, sim.client(max_retries=0) as client:
        with pytest.raises(faceauth.PayloadTooLarge) as info:
            client.submit("sub-1", JPEG + b"x" * 5_000)
    assert info.value.status == 413


def test_5xx_is_servererror_after_the_retries(sim: Simulator) -> None:
    sim.faults(fail_next=3, fail_status=503)
    with sim.client(max_retries=2) as client:
        with pytest.raises(faceauth.ServerError) as info:
            client.get("fa-1")
    assert info.value.status == 503 and info.value.kind == "api_server"
    assert sim.faults()["fail_next"] == 0  # three attempts: one and two retries


def test_a_retried_5xx_recovers(sim: Simulator) -> None:
    with sim.client(max_retries=2) as client:
        auth_id = client.submit("sub-1", JPEG).auth_id
        sim.faults(fail_next=2, fail_status=502)
        assert client.get(auth_id).auth_id == auth_id


def test_other_statuses_are_the_apierror_base(sim: Simulator) -> None:
    sim.faults(fail_next=1, fail_status=418)
    with sim.client(max_retries=0) as client, pytest.raises(faceauth.ApiError) as info:
        client.get("fa-1")
    assert type(info.value) is faceauth.ApiError
    assert (info.value.status, info.value.kind) == (418, "api_unexpected_status")


def test_slow_answer_is_timeout(sim: Simulator) -> None:
    sim.faults(latency_ms=1_500)
    with sim.client(timeout=0.3, max_retries=0) as client:
        with pytest.raises(faceauth.Timeout) as info:
            client.get("fa-1")
    assert isinstance(info.value, faceauth.TransportError)
    assert info.value.status is None and info.value.kind == "api_timeout"


def test_dropped_connection_is_connectionerror(sim: Simulator) -> None:
    sim.faults(drop_next=1)
    with sim.client(max_retries=0) as client, pytest.raises(faceauth.ConnectionError) as info:
        client.get("fa-1")
    assert info.value.kind == "api_connection"
    assert not isinstance(info.value, ConnectionRefusedError)


def test_refused_connection_is_connectionerror() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The port is closed now: connecting is refused.
    with faceauth.Client("key", base_url=f"http://127.0.0.1:{port}", max_retries=0) as client:
        with pytest.raises(faceauth.ConnectionError, match="refused"):
            client.get("fa-1")


class _Canned(http.server.BaseHTTPRequestHandler):
    """Answers every GET with the class's status and body."""

    status = 200
    body = b"[]"
    content_type = "application/json"

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def _serve(handler: type[http.server.BaseHTTPRequestHandler]) -> tuple[http.server.HTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def test_a_200_without_the_record_is_notfound() -> None:
    server, base = _serve(_Canned)
    try:
        with faceauth.Client("key", base_url=base, max_retries=0) as client:
            with pytest.raises(faceauth.NotFound) as info:
                client.get("fa-missing")
        assert info.value.kind == "api_not_found" and "fa-missing" in str(info.value)
    finally:
        server.shutdown()
        server.server_close()


def test_an_html_page_is_a_decode_apierror() -> None:
    class Html(_Canned):
        body = b"<html>portal login</html>"
        content_type = "text/html"

    server, base = _serve(Html)
    try:
        with faceauth.Client("key", base_url=base, max_retries=0) as client:
            with pytest.raises(faceauth.ApiError) as info:
                client.get("fa-1")
        assert (info.value.kind, info.value.status) == ("api_decode", 200)
        assert info.value.body == "<html>portal login</html>"
    finally:
        server.shutdown()
        server.server_close()


def test_a_failed_page_raises_once_then_the_listing_ends(sim: Simulator) -> None:
    sim.add_results(5)
    with sim.client(max_retries=0) as client:
        records = client.list(count=2)
        first_page = [next(records), next(records)]
        assert len(first_page) == 2 and records.pages == 1
        sim.faults(fail_next=1, fail_status=500)
        with pytest.raises(faceauth.ServerError):
            next(records)
        assert list(records) == []
        assert records.incomplete is None


def test_a_server_that_ignores_paging_keys_leaves_the_listing_incomplete() -> None:
    class SamePage(_Canned):
        body = (
            b'[{"auth_id": "a1", "create_time": "2025-01-01T00:00:01.000Z"},'
            b' {"auth_id": "a2", "create_time": "2025-01-01T00:00:00.000Z"}]'
        )

    server, base = _serve(SamePage)
    try:
        with faceauth.Client("key", base_url=base, max_retries=0) as client:
            records = client.list(count=2)
            assert [r.auth_id for r in records] == ["a1", "a2"]
        assert records.pages == 2
        assert records.incomplete is not None and "more rows may exist" in records.incomplete
    finally:
        server.shutdown()
        server.server_close()


def test_page_keys_that_alternate_end_the_listing_as_incomplete() -> None:
    class Alternating(_Canned):
        """The same row on every page, with a nextPage_key that goes A, B, A, B…"""

        served = 0

        def do_GET(self) -> None:  # noqa: N802
            key = "AB"[Alternating.served % 2]
            Alternating.served += 1
            self.body = (
                b'{"data": [{"auth_id": "a1", "create_time": "2025-01-01T00:00:01.000Z"}],'
                b' "nextPage_key": {"authId": "%s", "createTime": "2025-01-01T00:00:00.000Z"}}' % key.encode()
            )
            super().do_GET()

    server, base = _serve(Alternating)
    try:
        with faceauth.Client("key", base_url=base, max_retries=0) as client:
            records = client.list()
            assert [r.auth_id for r in records] == ["a1"]
        assert records.pages == 2
        assert records.incomplete is not None and "instead of looping" in records.incomplete
    finally:
        server.shutdown()
        server.server_close()


def test_a_lost_submit_answer_is_never_repeated_and_says_so(sim: Simulator) -> None:
    sim.faults(lose_next=1)
    with sim.client(max_retries=2) as client:
        with pytest.raises(faceauth.ConnectionError, match="may have been recorded") as info:
            client.submit("sub-1", JPEG)
        assert info.value.kind == "api_connection"
        # The server did the work once, and the client did not send it again.
        assert sim.requests()["processed"] == {"POST /faceauth": 1}
        assert len(list(client.list())) == 1
