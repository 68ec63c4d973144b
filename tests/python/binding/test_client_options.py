"""Client options: proxies (explicit and from the environment), a private CA, the attempt hook,
the user agent, and what the repr shows of them."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import faceauth
from faceauth.testing import Simulator
from servers import CountingProxy, StallingServer, private_ca

KEY = "options-test-key-5c1e2d"
JPEG = b"\xff\xd8\xff\xe0face"
PROXY_VARIABLES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"]


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(api_key=KEY, submissions=["sub-1"]) as s:
        yield s


@pytest.fixture
def proxy() -> Iterator[CountingProxy]:
    p = CountingProxy()
    yield p
    p.close()


def _assert_key_never_reached(proxy: CountingProxy) -> None:
    for head in proxy.heads:
        assert KEY.encode() not in head
        assert b"x-api-key" not in head.lower()


def test_an_explicit_proxy_tunnels_every_request(sim: Simulator, proxy: CountingProxy) -> None:
    with faceauth.Client(KEY, base_url=sim.base_url, proxy=proxy.url) as client:
        assert client.proxy == proxy.url
        auth_id = client.submit("sub-1", JPEG).auth_id
        assert client.get(auth_id).auth_id == auth_id
    assert proxy.tunnels >= 1
    assert all(head.startswith(f"CONNECT 127.0.0.1:{sim.base_url.rsplit(':', 1)[1]} ".encode()) for head in proxy.heads)
    assert all(b"faceauth-python/" in head for head in proxy.heads)
    _assert_key_never_reached(proxy)


def test_the_proxy_s_own_credentials_go_to_it_and_are_redacted(sim: Simulator, proxy: CountingProxy) -> None:
    url = proxy.url.replace("http://", "http://proxyuser:pw-s3cret@")
    with faceauth.Client(KEY, base_url=sim.base_url, proxy=url) as client:
        list(client.list())
        assert "pw-s3cret" not in repr(client) and "pw-s3cret" not in (client.proxy or "")
        assert KEY not in repr(client)
    assert proxy.tunnels == 1 and b"proxy-authorization: basic" in proxy.heads[0].lower()
    _assert_key_never_reached(proxy)


def test_a_refused_proxy_s_error_shows_no_password(sim: Simulator) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with faceauth.Client(KEY, base_url=sim.base_url, proxy=f"http://u:pw-s3cret@127.0.0.1:{port}", max_retries=0) as client:
        with pytest.raises(faceauth.ConnectionError) as info:
            client.get("fa-1")
    assert "pw-s3cret" not in str(info.value) and KEY not in str(info.value)


def test_the_environment_s_proxy_unless_no_proxy_names_the_host(
    sim: Simulator, proxy: CountingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    with faceauth.Client(KEY, base_url=sim.base_url) as client:
        list(client.list())
    assert proxy.tunnels == 1
    _assert_key_never_reached(proxy)
    with faceauth.Client(KEY, base_url=sim.base_url, proxy_from_env=False) as client:
        list(client.list())
    assert proxy.tunnels == 1
    with faceauth.Client(KEY, base_url=sim.base_url, no_proxy="127.0.0.1") as client:
        list(client.list())
    assert proxy.tunnels == 1
    # As curl and requests read it: a space after a comma is allowed.
    monkeypatch.setenv("NO_PROXY", "example.com, 127.0.0.1")
    with faceauth.Client(KEY, base_url=sim.base_url) as client:
        list(client.list())
    assert proxy.tunnels == 1


def test_no_proxy_keyword_skips_an_explicit_proxy(sim: Simulator, proxy: CountingProxy) -> None:
    with faceauth.Client(KEY, base_url=sim.base_url, proxy=proxy.url, no_proxy="127.0.0.1") as client:
        list(client.list())
    assert proxy.tunnels == 0


def test_a_socks_or_malformed_proxy_is_invalid() -> None:
    for bad in ("socks5://127.0.0.1:1080", "not a url"):
        with pytest.raises(faceauth.InvalidArgument):
            faceauth.Client(KEY, proxy=bad)


def test_a_private_ca_is_untrusted_without_the_bundle_and_trusted_with_it(tmp_path: Path) -> None:
    ca_file, context = private_ca(tmp_path)
    server = StallingServer(tls=context)
    server.healthy = True
    try:
        with faceauth.Client(KEY, base_url=server.base_url, max_retries=2) as client:
            with pytest.raises(faceauth.TlsUntrusted) as info:
                client.get("fa-1")
        assert info.value.kind == "api_tls_untrusted" and info.value.code == 310
        assert isinstance(info.value, faceauth.ConnectionError)
        assert server.requests == 0
        with faceauth.Client(KEY, base_url=server.base_url, ca_file=ca_file) as client:
            assert client.get("fa-7").auth_id == "fa-7"
            assert client.ca_file == str(ca_file) and str(ca_file) in repr(client)
            assert KEY not in repr(client)
        with faceauth.Client(KEY, base_url=server.base_url, ca_file=str(ca_file)) as client:
            assert client.get("fa-8").auth_id == "fa-8"
    finally:
        server.close()


def test_a_bad_ca_file_is_invalid_and_named(tmp_path: Path) -> None:
    with pytest.raises(faceauth.InvalidArgument, match="missing.pem"):
        faceauth.Client(KEY, ca_file=tmp_path / "missing.pem")
    empty = tmp_path / "empty.pem"
    empty.write_text("no certificate here\n")
    with pytest.raises(faceauth.InvalidArgument, match="empty.pem"):
        faceauth.Client(KEY, ca_file=empty)
    with pytest.raises(faceauth.InvalidArgument):
        faceauth.Client(KEY, ca_file=empty, platform_roots=True)


def test_the_hook_sees_every_attempt_with_its_route_and_status(sim: Simulator) -> None:
    seen: list[faceauth.Attempt] = []
    with sim.client(max_retries=2, on_attempt=seen.append) as client:
        auth_id = client.submit("sub-1", JPEG).auth_id
        seen.clear()
        sim.faults(fail_next=2, fail_status=503)
        client.get(auth_id)
        assert [(a.attempt, a.status, a.method, a.route, a.error_kind) for a in seen] == [
            (1, 503, "GET", "/FaceAuth", None),
            (2, 503, "GET", "/FaceAuth", None),
            (3, 200, "GET", "/FaceAuth", None),
        ]
        assert all(isinstance(a.duration, float) and a.duration >= 0 for a in seen)
        assert all(a.request_id is None or isinstance(a.request_id, str) for a in seen)
        seen.clear()
        client.image(auth_id)
        assert [(a.method, a.route, a.status) for a in seen] == [("GET", "/FaceAuth/Image", 200)]
        # Never the key, the auth id or the image.
        text = "".join(repr(a) for a in seen)
        assert auth_id not in text and KEY not in text


def test_the_hook_sees_a_failure_s_kind() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    seen: list[faceauth.Attempt] = []
    with faceauth.Client(KEY, base_url=f"http://127.0.0.1:{port}", max_retries=0, on_attempt=seen.append) as client:
        with pytest.raises(faceauth.ConnectionError):
            client.get("fa-1")
    assert [(a.attempt, a.status, a.error_kind) for a in seen] == [(1, None, "api_connection")]


def test_a_hook_that_raises_does_not_break_the_call(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    reported: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)

    def broken(attempt: faceauth.Attempt) -> None:
        raise RuntimeError(f"hook failed on attempt {attempt.attempt}")

    with sim.client(on_attempt=broken) as client:
        auth_id = client.submit("sub-1", JPEG).auth_id
        assert client.get(auth_id).auth_id == auth_id
    assert len(reported) == 2
    assert isinstance(reported[0].exc_value, RuntimeError) and reported[0].object is broken


def test_on_attempt_must_be_callable() -> None:
    with pytest.raises(TypeError, match="on_attempt must be callable"):
        faceauth.Client(KEY, on_attempt=42)  # type: ignore[arg-type]


def test_the_user_agent_names_python_and_the_suffix(sim: Simulator) -> None:
    with sim.client(user_agent_suffix="myapp/1.2") as client:
        assert client.user_agent == f"faceauth-python/{faceauth.__version__} myapp/1.2"
    with pytest.raises(faceauth.InvalidArgument):
        faceauth.Client(KEY, user_agent_suffix="bad\nsuffix")
