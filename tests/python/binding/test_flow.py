"""The FaceAuth flow end to end on the simulator: issue a link with the ledger, open it, apply
the webhooks, see the state change; and examples/python/flow.py, run as a user runs it."""

from __future__ import annotations

import datetime as dt
import pathlib
import subprocess
import sys
import threading

import pytest

import faceauth
from faceauth.testing import Simulator
from threads import run_on_threads

ROOT = pathlib.Path(__file__).resolve().parents[3]
UTC = dt.timezone.utc


@pytest.mark.parametrize("webhook_shape", ["current", "older"])
def test_count_flow(tmp_path: pathlib.Path, webhook_shape: str) -> None:
    with Simulator(submissions=["sub-1"], webhook_shape=webhook_shape) as sim, faceauth.Ledger(tmp_path / "t.db") as ledger:
        link = ledger.issue_url(sim.url_builder(), "sub-1", user_id="u-1", cf1="x", meta={"k": "v"})
        assert isinstance(link, faceauth.IssuedLink)
        assert link.url.startswith(sim.base_url + "/face-auth?pid=mock-project&encrypted=")
        assert link.rule == "count" and link.to_dict() == {"url": link.url, "token": link.token, "rule": "count"}
        assert link.token in repr(link)
        back = faceauth.inspect_url(link.url, sim.api_key)
        assert (back.sid, back.token, back.user_id) == ("sub-1", link.token, "u-1")
        assert ledger.status(link.token).state == "unused"

        visit = sim.open(link.url)
        assert visit.ok and visit.auth_status == "approved"
        outcomes = [ledger.apply_webhook(body) for body in sim.webhooks(raw=True)]
        assert [o.outcome for o in outcomes] == ["recorded", "recorded"]  # faceAuth, then token_expired

        status = ledger.status(link.token)
        assert status.state == "completed"
        assert status.result is not None and status.result.auth_id == visit.auth_id
        assert status.result.status == "approved"
        assert status.first_used_at is not None and status.reported_expiry is not None
        assert (status.user_id, status.metadata) == ("u-1", {"k": "v"})
        assert sim.open(link.url).status == 410
        # Delivered again (a retried webhook): nothing changes.
        again = ledger.apply_webhook(sim.webhooks(raw=True)[0])
        assert again.status is not None and again.status.to_dict() == status.to_dict()


def test_time_flow_expires_on_the_mock_clock_and_in_the_ledger() -> None:
    with Simulator(token_rule="time:60", submissions=["sub-1"]) as sim, faceauth.Ledger() as ledger:
        link = ledger.issue_url(sim.url_builder(), "sub-1", rule="time:60")
        first = sim.open(link.url, result="rejected")
        assert first.ok and first.auth_status == "rejected"
        for body in sim.webhooks(raw=True):
            ledger.apply_webhook(body)
        status = ledger.status(link.token)
        assert status.state == "completed" and status.result is not None and status.result.status == "rejected"

        sim.advance_clock(3600)
        late = sim.open(link.url)
        assert (late.status, late.error) == (410, "token expired")
        expired = sim.webhooks()[-1]
        assert (expired["webhook_trigger"], expired["token_id"]) == ("token_expired", link.token)
        # A result outranks the expiry that follows.
        assert ledger.apply_webhook(sim.webhooks(raw=True)[-1]).status.state == "completed"  # type: ignore[union-attr]


def test_a_link_never_opened_expires_by_the_ledger_clock() -> None:
    with Simulator(submissions=["sub-1"]) as sim:
        ledger = faceauth.Ledger()
        t0 = dt.datetime(2025, 1, 1, tzinfo=UTC)
        link = ledger.issue_url(sim.url_builder(), "sub-1", rule="time:60", now=t0)
        assert ledger.status(link.token, now=t0 + dt.timedelta(days=30)).state == "unused"
        ledger.mark_used(link.token, at=t0 + dt.timedelta(seconds=1))
        assert ledger.status(link.token, now=t0 + dt.timedelta(seconds=61)).state == "expired"


def test_encrypted_webhooks_need_the_webhook_key() -> None:
    with Simulator(submissions=["sub-1"], webhook_key="hook-key-123") as sim, faceauth.Ledger() as ledger:
        link = ledger.issue_url(sim.url_builder(), "sub-1")
        assert sim.open(link.url).ok
        body = sim.webhooks(raw=True)[0]
        assert list(sim.webhooks()[0]) == ["data"]
        with pytest.raises(faceauth.WebhookError) as info:
            ledger.apply_webhook(body)
        assert info.value.kind == "webhook_key_required"
        with pytest.raises(faceauth.WebhookError) as info:
            ledger.apply_webhook(body, "the-wrong-key")
        assert info.value.kind == "webhook_decrypt"
        assert "the-wrong-key" not in str(info.value) and "the-wrong-key" not in repr(info.value)
        assert ledger.apply_webhook(body, "hook-key-123").outcome == "recorded"
        assert ledger.status(link.token).state == "completed"


def test_webhooks_are_confirmed_with_argos_before_they_are_recorded() -> None:
    with Simulator(submissions=["sub-1", "sub-2"], webhook_key="hook-key-123") as sim, \
            faceauth.Ledger() as ledger, sim.client() as client:
        link = ledger.issue_url(sim.url_builder(), "sub-1")
        visit = sim.open(link.url, result="rejected")
        event = faceauth.parse_webhook(sim.webhooks(raw=True)[0], "hook-key-123")
        assert isinstance(event, faceauth.FaceAuthEvent) and event.encrypted

        confirmed = client.confirm_webhook(event)
        assert isinstance(confirmed, faceauth.ConfirmedEvent)
        assert (confirmed.confirmed_by, confirmed.score) == ("argos", 41.2)
        assert confirmed.record is not None and confirmed.record.auth_id == visit.auth_id
        confirmed_event = confirmed.event
        assert isinstance(confirmed_event, faceauth.FaceAuthEvent)
        assert (confirmed_event.status, confirmed_event.submission_id) == ("rejected", "sub-1")
        assert confirmed.to_dict()["confirmed_by"] == "argos" and "ConfirmedEvent(" in repr(confirmed)
        outcome = ledger.apply_confirmed(confirmed)
        assert outcome.outcome == "recorded" and outcome.status is not None
        result = outcome.status.result
        assert result is not None and (result.status, result.confirmed) == ("rejected", True)
        assert "confirmed=True" in repr(result)

        # Forged: unknown to Argos; the real result claimed for another submission's token.
        other = ledger.issue_url(sim.url_builder(), "sub-2")
        before = ledger.status(other.token).to_dict()
        forged = faceauth.parse_webhook(
            '{"webhook_trigger": "faceAuth", "data": {"Authentication_id": "fa_forged", '
            f'"Submission_id": "sub-2", "Auth_Status": "approved", "Token_id": "{other.token}"}}}}')
        with pytest.raises(faceauth.WebhookError) as info:
            client.confirm_webhook(forged)
        assert (info.value.kind, info.value.code) == ("webhook_unconfirmed", 403)
        claimed = faceauth.parse_webhook(
            '{"webhook_trigger": "faceAuth", "data": {"Authentication_id": "%s", "Auth_Status": "approved", '
            '"Token_id": "%s"}}' % (visit.auth_id, other.token))
        refused = ledger.apply_confirmed(client.confirm_webhook(claimed))
        assert (refused.outcome, refused.matched, refused.token) == ("refused", False, other.token)
        assert refused.reason is not None and "another submission" in refused.reason
        assert ledger.status(other.token).to_dict() == before

        # A token_expired event: only from an encrypted body.
        sealed = faceauth.parse_webhook(sim.webhooks(raw=True)[1], "hook-key-123")
        assert isinstance(sealed, faceauth.TokenExpiredEvent)
        assert client.confirm_webhook(sealed).confirmed_by == "encrypted"
        plain = faceauth.parse_webhook(
            '{"webhook_trigger": "token_expired", "token_id": "%s", "expired_condition": "count"}' % other.token)
        with pytest.raises(faceauth.WebhookError) as info:
            client.confirm_webhook(plain)
        assert info.value.kind == "webhook_unverifiable"
        with pytest.raises(TypeError):
            client.confirm_webhook(b"a body")  # type: ignore[arg-type]


def test_issue_url_checks_before_recording() -> None:
    ledger = faceauth.Ledger()
    builder = faceauth.UrlBuilder("p", "key-123")
    with pytest.raises(faceauth.InvalidArgument):
        ledger.issue_url(builder, "")
    with pytest.raises(faceauth.InvalidArgument, match="token rule"):
        ledger.issue_url(builder, "sub-1", rule="time:soon")
    with pytest.raises(TypeError):
        ledger.issue_url("not a builder", "sub-1")  # type: ignore[arg-type]
    assert ledger.list() == []
    link = ledger.issue_url(builder, "sub-1", rule="time:24h")
    assert link.rule == "time:86400" and link.url.startswith("https://form.argosidentity.com/face-auth?")


def test_eight_threads_run_the_flow_on_shared_objects(tmp_path: pathlib.Path) -> None:
    """One simulator, one SQLite ledger, one UrlBuilder, one Client, eight threads."""
    with Simulator(submissions=["sub-1"]) as sim, faceauth.Ledger(tmp_path / "t.db") as ledger:
        builder = sim.url_builder()
        with sim.client() as client:
            tokens: list[str] = []

            def work(_thread: int) -> None:
                for _ in range(5):
                    link = ledger.issue_url(builder, "sub-1")
                    visit = sim.open(link.url)
                    assert visit.ok and client.get(visit.auth_id or "").status == "approved"
                    tokens.append(link.token)

            run_on_threads(work)
        for body in sim.webhooks(raw=True):
            assert ledger.apply_webhook(body).matched
        completed = ledger.list("completed")
        assert sorted(s.token for s in completed) == sorted(tokens) and len(tokens) == 40


def test_the_example_runs() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "python" / "flow.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("issued: ") and lines[0].endswith(" unused")
    assert any(line.startswith("status: completed ") for line in lines), run.stdout


def test_the_simulator_posts_webhooks_to_a_python_endpoint_in_this_process() -> None:
    """A webhook endpoint written in Python (http.server in a thread) applies what it receives."""
    import http.server

    ledger = faceauth.Ledger()
    applied: list[str] = []
    received = threading.Condition()

    class Endpoint(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            outcome = ledger.apply_webhook(body)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            with received:
                applied.append(outcome.outcome)
                received.notify_all()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        with Simulator(submissions=["sub-1"], webhook_url=hook) as sim:
            link = ledger.issue_url(sim.url_builder(), "sub-1")
            assert sim.open(link.url).ok
            with received:
                # Both webhooks arrive (a generous bound turns a failure into an assertion).
                assert received.wait_for(lambda: len(applied) == 2, timeout=30), applied
        assert applied == ["recorded", "recorded"]
        assert ledger.status(link.token).state == "completed"
    finally:
        server.shutdown()
        server.server_close()
