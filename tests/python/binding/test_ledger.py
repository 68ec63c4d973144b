"""faceauth.Ledger, in memory and in SQLite: every method, outcomes, states, errors."""

from __future__ import annotations

import datetime as dt
import json
import pathlib

import pytest

import faceauth
from threads import run_on_threads

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 11, 12, 2, 23, 13, 123000, tzinfo=UTC)
TOKEN = "tok_ledgertest0001"


def face_auth(token: str, auth_id: str = "fa-1", status: str = "approved", at: str = "2025-11-12T02:30:00.000Z") -> str:
    return json.dumps(
        {
            "webhook_trigger": "faceAuth",
            "data": {
                "Submission_id": "sub-1",
                "Auth_Status": status,
                "Create_Time": at,
                "Token_id": token,
                "Authentication_id": auth_id,
            },
        }
    )


def token_expired(token: str, condition: str = "time", at: str = "2025-11-12T03:00:00.000Z") -> bytes:
    body = {
        "webhook_trigger": "token_expired",
        "token_id": token,
        "expired_condition": condition,
        "service": "faceAuth",
        "expired_at": at,
    }
    return json.dumps(body).encode()


@pytest.fixture(params=["memory", "sqlite"])
def ledger(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> faceauth.Ledger:
    if request.param == "memory":
        return faceauth.Ledger()
    return faceauth.Ledger(tmp_path / "tokens.db")


def test_locations() -> None:
    assert faceauth.Ledger().location == ":memory:"
    assert faceauth.Ledger(":memory:").location == ":memory:"
    assert faceauth.Ledger(None).location == ":memory:"
    assert repr(faceauth.Ledger()) == "Ledger(':memory:')"
    with pytest.raises(TypeError, match="location"):
        faceauth.Ledger(42)  # type: ignore[arg-type]


@pytest.mark.parametrize("location", ["", "file:py.db?mode=memory", "file:py.db", "FILE::memory:"])
def test_empty_and_file_uri_locations_are_refused(
    location: str, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "" was a throwaway ledger and "file:…?mode=memory" kept nothing: the core's one
    # location parser refuses both, as C, Go and the CLI do; only None means memory.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(faceauth.InvalidArgument, match="location") as info:
        faceauth.Ledger(location)
    assert isinstance(info.value, ValueError)
    with pytest.raises(faceauth.InvalidArgument, match="location"):
        faceauth.Ledger(pathlib.Path(location) if location else "")
    assert list(tmp_path.iterdir()) == []


def test_a_path_that_looks_like_a_uri_elsewhere_is_a_path(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "file:tokens.db"
    with faceauth.Ledger(path) as ledger:
        ledger.issue(TOKEN, "sub-1", now=T0)
    with faceauth.Ledger(str(path)) as again:
        assert again.status(TOKEN, now=T0) is not None


def test_a_postgres_location_that_cannot_connect_hides_its_password() -> None:
    # Nothing listens on port 1: a storage error, and the password is in no message.
    with pytest.raises(faceauth.LedgerError) as info:
        faceauth.Ledger("postgres://ledger:s3cret-pw@127.0.0.1:1/tokens")
    assert info.value.kind == "ledger_storage"
    assert "s3cret-pw" not in str(info.value) and "s3cret-pw" not in repr(info.value)


def test_issue_then_status_is_unused(ledger: faceauth.Ledger) -> None:
    status = ledger.issue(TOKEN, "sub-1", user_id="u-1", meta={"order": "42"}, now=T0)
    assert isinstance(status, faceauth.TokenStatus)
    assert (status.token, status.state, status.submission_id, status.rule) == (TOKEN, "unused", "sub-1", "count")
    assert status.user_id == "u-1" and status.metadata == {"order": "42"}
    assert status.issued_at == T0 and status.issued_at.tzinfo is not None
    assert status.first_used_at is None and status.results == [] and status.result is None
    assert status.until is None and status.reason is None and status.expired_at is None
    assert TOKEN in ledger and "tok_notthere0001" not in ledger and "bad id" not in ledger
    again = ledger.status(TOKEN, now=T0)
    assert again.to_dict() == status.to_dict()
    d = status.to_dict()
    assert d["token"] == TOKEN and d["state"] == "unused" and d["issued_at"] == "2025-11-12T02:23:13.123Z"
    assert set(d) >= {"until", "reason", "condition", "expired_at", "result", "results", "reported_expiry"}
    assert repr(status) == f"TokenStatus(token='{TOKEN}', state='unused', submission_id='sub-1', rule='count')"


def test_count_token_lifecycle_by_webhook(ledger: faceauth.Ledger) -> None:
    ledger.issue(TOKEN, "sub-1", now=T0)
    outcome = ledger.apply_webhook(face_auth(TOKEN), now=T0)
    assert isinstance(outcome, faceauth.WebhookOutcome)
    assert (outcome.outcome, outcome.matched, outcome.token) == ("recorded", True, TOKEN)
    assert outcome.status is not None and outcome.status.state == "completed"
    result = outcome.status.result
    assert result is not None and (result.auth_id, result.status) == ("fa-1", "approved")
    assert result.create_time == dt.datetime(2025, 11, 12, 2, 30, tzinfo=UTC)
    assert result.to_dict() == {
        "auth_id": "fa-1", "status": "approved", "create_time": "2025-11-12T02:30:00.000Z", "confirmed": False}
    assert result.confirmed is False, "applied as posted"
    assert outcome.to_dict()["outcome"] == "recorded" and outcome.to_dict()["status"]["state"] == "completed"
    # Applying it twice changes nothing.
    twice = ledger.apply_webhook(face_auth(TOKEN).encode(), now=T0)
    assert twice.status is not None and twice.status.to_dict() == outcome.status.to_dict()
    assert "recorded" in repr(outcome)


def test_time_token_states_follow_now(ledger: faceauth.Ledger) -> None:
    ledger.issue(TOKEN, "sub-1", rule="time:60", now=T0)
    used = ledger.mark_used(TOKEN, at=T0 + dt.timedelta(seconds=10))
    assert used.state == "active" and used.until == T0 + dt.timedelta(seconds=70)
    assert used.first_used_at == T0 + dt.timedelta(seconds=10)
    later = ledger.status(TOKEN, now=T0 + dt.timedelta(seconds=70))
    assert (later.state, later.reason, later.expired_at) == ("expired", "time", T0 + dt.timedelta(seconds=70))
    assert later.rule == "time:60"


def test_count_token_is_spent_by_its_first_use(ledger: faceauth.Ledger) -> None:
    ledger.issue(TOKEN, "sub-1", now=T0)
    spent = ledger.mark_used(TOKEN, at=T0)
    assert (spent.state, spent.reason) == ("expired", "count")


def test_token_expired_webhook_is_a_reported_expiry(ledger: faceauth.Ledger) -> None:
    ledger.issue(TOKEN, "sub-1", rule="time:3600", now=T0)
    outcome = ledger.apply_webhook(token_expired(TOKEN), now=T0)
    assert outcome.outcome == "recorded"
    status = ledger.status(TOKEN, now=T0 + dt.timedelta(hours=1))
    assert (status.state, status.reason, status.condition) == ("expired", "reported", "time")
    expiry = status.reported_expiry
    assert expiry is not None and (expiry.condition, expiry.service) == ("time", "faceAuth")
    assert expiry.at == dt.datetime(2025, 11, 12, 3, tzinfo=UTC)
    assert expiry.to_dict()["at"] == "2025-11-12T03:00:00.000Z"


def test_outcomes_that_match_no_token(ledger: faceauth.Ledger) -> None:
    unknown = ledger.apply_webhook(face_auth("tok_neverissued01"))
    assert (unknown.outcome, unknown.matched, unknown.token, unknown.status) == (
        "unknown_token",
        False,
        "tok_neverissued01",
        None,
    )
    assert unknown.to_dict() == {"outcome": "unknown_token", "token": "tok_neverissued01"}
    no_token = ledger.apply_webhook('{"webhook_trigger": "faceAuth", "data": {"Submission_id": "s", "Auth_Status": "approved"}}')
    assert no_token.outcome == "no_token" and no_token.to_dict()["event"]["event"] == "faceAuth"
    ignored = ledger.apply_webhook(b'{"webhook_trigger": "approved", "data": {}}')
    assert ignored.outcome == "ignored" and ignored.reason and ignored.to_dict()["trigger"] == "approved"


def test_bad_webhooks_raise_webhookerror(ledger: faceauth.Ledger) -> None:
    with pytest.raises(faceauth.WebhookError) as info:
        ledger.apply_webhook(b"not json")
    assert info.value.kind == "webhook_malformed"
    with pytest.raises(faceauth.WebhookError) as info:
        ledger.apply_webhook(b'{"data": "c29tZSBjaXBoZXJ0ZXh0IGhlcmU="}')
    assert info.value.kind == "webhook_key_required"
    with pytest.raises(TypeError, match="body must be bytes, str or an event"):
        ledger.apply_webhook(123)  # type: ignore[arg-type]


def test_list_filters(ledger: faceauth.Ledger) -> None:
    for i in range(5):
        ledger.issue(f"tok_listing000{i}", "sub-a" if i < 3 else "sub-b", now=T0 + dt.timedelta(minutes=i))
    ledger.mark_used("tok_listing0001", at=T0 + dt.timedelta(minutes=10))
    every = ledger.list(now=T0 + dt.timedelta(hours=1))
    assert [s.token for s in every] == [f"tok_listing000{i}" for i in range(5)]
    assert [s.token for s in ledger.list("expired")] == ["tok_listing0001"]
    assert len(ledger.list(state="unused")) == 4
    assert [s.token for s in ledger.list(submission_id="sub-b")] == ["tok_listing0003", "tok_listing0004"]
    since = ledger.list(since=T0 + dt.timedelta(minutes=2), until=T0 + dt.timedelta(minutes=4))
    assert [s.token for s in since] == ["tok_listing0002", "tok_listing0003"]
    assert len(ledger.list(limit=2)) == 2
    with pytest.raises(faceauth.InvalidArgument, match="unknown token state"):
        ledger.list("finished")
    with pytest.raises(faceauth.InvalidArgument):
        ledger.list(limit=-1)
    with pytest.raises(ValueError, match="timezone-aware"):
        ledger.list(since=dt.datetime(2025, 1, 1))


def test_purge(ledger: faceauth.Ledger) -> None:
    ledger.issue("tok_purgeold0001", "sub-1", now=T0)
    ledger.issue("tok_purgenew0001", "sub-1", now=T0 + dt.timedelta(days=10))
    assert ledger.purge(dt.timedelta(days=5), now=T0 + dt.timedelta(days=11)) == 1
    assert [s.token for s in ledger.list()] == ["tok_purgenew0001"]
    assert ledger.purge(0, now=T0 + dt.timedelta(days=11)) == 1
    with pytest.raises(faceauth.InvalidArgument):
        ledger.purge(-1.0)
    with pytest.raises(TypeError):
        ledger.purge("a week")  # type: ignore[arg-type]


def test_errors(ledger: faceauth.Ledger) -> None:
    ledger.issue(TOKEN, "sub-1")
    with pytest.raises(faceauth.LedgerError) as info:
        ledger.issue(TOKEN, "sub-1")
    assert info.value.kind == "token_exists" and isinstance(info.value, faceauth.TokenError)
    with pytest.raises(faceauth.LedgerError) as info:
        ledger.status("tok_notthere0001")
    assert info.value.kind == "token_unknown"
    with pytest.raises(faceauth.LedgerError):
        ledger.mark_used("tok_notthere0001")
    with pytest.raises(faceauth.TokenError) as token_info:
        ledger.status("no")
    assert token_info.value.kind == "invalid_token"
    with pytest.raises(faceauth.InvalidArgument, match="token rule"):
        ledger.issue("tok_badrule00001", "sub-1", rule="sometimes")
    with pytest.raises(faceauth.InvalidArgument, match="submission_id"):
        ledger.issue("tok_emptysid0001", "")


def test_close_and_context_manager(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "t.db"
    with faceauth.Ledger(path) as ledger:
        ledger.issue(TOKEN, "sub-1", now=T0)
        assert repr(ledger) == f"Ledger({str(path)!r})"
    assert ledger.closed and "closed" in repr(ledger)
    with pytest.raises(ValueError, match="closed"):
        ledger.status(TOKEN)
    ledger.close()
    # The file keeps the token across instances (and processes).
    with faceauth.Ledger(str(path)) as reopened:
        assert reopened.status(TOKEN).issued_at == T0


def test_a_file_that_is_not_a_ledger_is_refused(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello, this is not SQLite " * 100)
    with pytest.raises(faceauth.LedgerError):
        faceauth.Ledger(path)


def test_threads_share_one_sqlite_ledger(tmp_path: pathlib.Path) -> None:
    ledger = faceauth.Ledger(tmp_path / "shared.db")

    def work(n: int) -> None:
        for i in range(10):
            token = f"tok_thread{n:02d}x{i:03d}"
            ledger.issue(token, f"sub-{n}")
            ledger.apply_webhook(face_auth(token, auth_id=f"fa-{n}-{i}"))

    run_on_threads(work)
    assert len(ledger.list(state="completed")) == 80


def test_an_event_from_parse_webhook_applies_too(ledger: faceauth.Ledger) -> None:
    ledger.issue(TOKEN, "sub-1", now=T0)
    event = faceauth.parse_webhook(face_auth(TOKEN))
    assert isinstance(event, faceauth.FaceAuthEvent)
    outcome = ledger.apply_webhook(event, now=T0)
    assert outcome.outcome == "recorded" and outcome.status is not None and outcome.status.state == "completed"
    expired = faceauth.parse_webhook(token_expired(TOKEN))
    assert ledger.apply_webhook(expired, now=T0).outcome == "recorded"
    unknown = faceauth.parse_webhook(b'{"webhook_trigger": "approved"}')
    assert ledger.apply_webhook(unknown).outcome == "ignored"
