"""parse_webhook: the three faceAuth shapes, token_expired, unknown triggers, encrypted bodies,
dates as aware UTC datetimes, and WebhookError from real causes."""

import datetime as dt
import json
from typing import Any

import pytest

import faceauth

KEY = "0123456789abcdefghijABCDEFGHIJ0123456789"
UTC = dt.timezone.utc
T = dt.datetime(2025, 11, 12, 2, 23, 13, 588000, tzinfo=UTC)

CURRENT = {
    "webhook_trigger": "faceAuth",
    "data": {"Authentication_id": "fa_1", "Submission_id": "sub_1", "Auth_Status": "approved",
             "Create_Time": "2025-11-12T02:23:13.588Z", "Auth_User_id": "user-1", "Auth_cf1": "c1",
             "Auth_cf2": "c2", "Auth_cf3": "c3", "Token_id": "tok_abc12345", "failCode": ["x"],
             "reference": {"userid": "user-1", "email": "a@example.com", "cf": {"cf1": "c1", "cf2": "c2"}}},
}
OLDER = {"webhook_trigger": "faceAuth", "Authentication_id": "fa_2",
         "data": {"Submission_id": "sub_2", "Auth_Status": "rejected", "User_id": "user-2", "cf1": "x"}}
OLDEST = {"webhook_trigger": "faceAuth", "auth_id": "fa_3",
          "data": {"submission_id": "sub_3", "auth_status": "approved", "create_time": "2025-11-12T11:23:13.588+09:00",
                   "user_id": "user-3"}}
EXPIRED = {"webhook_trigger": "token_expired", "token_id": "tok_abc123def456", "expired_condition": "count",
           "expired_at": "2025-11-12T02:23:13.588Z", "service": "faceAuth"}


def test_current_shape() -> None:
    event = faceauth.parse_webhook(json.dumps(CURRENT).encode())
    assert isinstance(event, faceauth.FaceAuthEvent)
    assert (event.event, event.auth_id, event.submission_id, event.status, event.shape) == (
        "faceAuth", "fa_1", "sub_1", "approved", "current")
    assert (event.user_id, event.cf1, event.cf2, event.cf3, event.token_id) == ("user-1", "c1", "c2", "c3", "tok_abc12345")
    assert event.create_time == T and event.create_time is not None and event.create_time.tzinfo is not None
    assert event.reference == {"userid": "user-1", "email": "a@example.com", "cf1": "c1", "cf2": "c2", "cf3": None}
    assert event.raw == CURRENT
    assert event.to_dict() == {
        "event": "faceAuth", "auth_id": "fa_1", "submission_id": "sub_1", "status": "approved", "create_time": T,
        "user_id": "user-1", "cf1": "c1", "cf2": "c2", "cf3": "c3", "token_id": "tok_abc12345",
        "reference": event.reference, "shape": "current", "encrypted": False,
    }
    assert repr(event).startswith("FaceAuthEvent(auth_id='fa_1', submission_id='sub_1', status='approved'")


def test_older_and_oldest_shapes() -> None:
    older = faceauth.parse_webhook(json.dumps(OLDER))
    assert isinstance(older, faceauth.FaceAuthEvent)
    assert (older.shape, older.auth_id, older.status, older.user_id, older.cf1, older.create_time) == (
        "older", "fa_2", "rejected", "user-2", "x", None)
    oldest = faceauth.parse_webhook(json.dumps(OLDEST))
    assert isinstance(oldest, faceauth.FaceAuthEvent)
    assert (oldest.shape, oldest.auth_id, oldest.submission_id, oldest.user_id) == ("oldest", "fa_3", "sub_3", "user-3")
    # An offset is converted to UTC.
    assert oldest.create_time == T and oldest.create_time is not None
    assert oldest.create_time.utcoffset() == dt.timedelta(0)


def test_a_time_that_is_not_rfc3339_is_none_and_kept_in_raw() -> None:
    body = {"webhook_trigger": "faceAuth", "auth_id": "a", "data": {"create_time": "12 Nov 2025"}}
    event = faceauth.parse_webhook(json.dumps(body))
    assert isinstance(event, faceauth.FaceAuthEvent)
    assert event.create_time is None
    assert event.raw["data"]["create_time"] == "12 Nov 2025"


def test_token_expired() -> None:
    event = faceauth.parse_webhook(json.dumps(EXPIRED))
    assert isinstance(event, faceauth.TokenExpiredEvent)
    assert (event.event, event.token_id, event.condition, event.service) == (
        "token_expired", "tok_abc123def456", "count", "faceAuth")
    assert event.expired_at == T and event.expires_at == T and event.expected_expired_at is None
    assert event.to_dict() == {"event": "token_expired", "token_id": "tok_abc123def456", "condition": "count",
                               "expired_at": T, "expected_expired_at": None, "service": "faceAuth",
                               "encrypted": False}
    assert repr(event).startswith("TokenExpiredEvent(token_id='tok_abc123def456', condition='count'")
    timed = faceauth.parse_webhook(json.dumps({"webhook_trigger": "token_expired", "token_id": "tok_abc12345",
                                               "expired_condition": "time",
                                               "expected_expired_at": "2025-11-12T02:23:13.588Z"}))
    assert isinstance(timed, faceauth.TokenExpiredEvent)
    assert (timed.condition, timed.expired_at, timed.expires_at, timed.service) == ("time", None, T, None)


def test_unknown_triggers_are_kept() -> None:
    body = {"webhook_trigger": "idCheck", "submission_id": "s", "n": 12345678901234567890}
    event = faceauth.parse_webhook(json.dumps(body))
    assert isinstance(event, faceauth.UnknownEvent)
    assert (event.event, event.trigger) == ("unknown", "idCheck")
    assert event.raw["submission_id"] == "s"
    assert event.to_dict()["raw"] == event.raw
    assert repr(event) == "UnknownEvent(trigger='idCheck')"
    none = faceauth.parse_webhook(b'{"hello": 1}')
    assert isinstance(none, faceauth.UnknownEvent) and none.trigger is None


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview, str])
def test_body_types(kind: Any) -> None:
    text = json.dumps(EXPIRED)
    body = text if kind is str else kind(text.encode())
    assert isinstance(faceauth.parse_webhook(body), faceauth.TokenExpiredEvent)


def test_encrypted_bodies() -> None:
    for scheme in ("ecb", "gcm"):
        sealed = faceauth.Cipher(KEY, scheme).encrypt(json.dumps(CURRENT))
        body = json.dumps({"data": sealed})
        event = faceauth.parse_webhook(body, KEY, scheme=scheme)
        assert isinstance(event, faceauth.FaceAuthEvent) and event.auth_id == "fa_1"
        assert event.encrypted and event.to_dict()["encrypted"] is True
    sealed = faceauth.Cipher(KEY).encrypt(json.dumps(CURRENT))
    with pytest.raises(faceauth.WebhookError) as no_key:
        faceauth.parse_webhook(json.dumps({"data": sealed}))
    assert (no_key.value.kind, no_key.value.code) == ("webhook_key_required", 401)
    with pytest.raises(faceauth.WebhookError) as wrong_key:
        faceauth.parse_webhook(json.dumps({"data": sealed}), "the-wrong-key-00000000000000")
    assert (wrong_key.value.kind, wrong_key.value.code) == ("webhook_decrypt", 402)


@pytest.mark.parametrize("body", [
    b"", b"not json", b"[1, 2]", b"\xff\xfe", b'{"webhook_trigger": 5}',
    b'{"webhook_trigger": "faceAuth", "data": {"Auth_Status": "approved"}}',
    b'{"webhook_trigger": "faceAuth", "auth_id": "a", "data": {"Auth_User_id": 5}}',
    b'{"webhook_trigger": "token_expired", "expired_condition": "count"}',
])
def test_malformed_bodies(body: bytes) -> None:
    with pytest.raises(faceauth.WebhookError) as info:
        faceauth.parse_webhook(body)
    assert (info.value.kind, info.value.code) == ("webhook_malformed", 400)


def test_wrong_types() -> None:
    with pytest.raises(TypeError, match="body must be bytes or str, not int"):
        faceauth.parse_webhook(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        faceauth.parse_webhook(b"{}", 42)  # type: ignore[arg-type]
