"""No public type shows a key, a URL's password or a PostgreSQL password in repr, str or format."""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

import faceauth
from faceauth.testing import Simulator

KEY = "SeCrEt-api-key-0123456789abcdefghij"
WEBHOOK_KEY = "WeBhOoK-key-9876543210zyxwvutsrqpo"
URL_PASSWORD = "s3cretpw"
PG_PASSWORD = "pg-Pa55word"
SECRETS = (KEY, WEBHOOK_KEY, URL_PASSWORD, PG_PASSWORD)


def renderings(obj: object) -> Iterator[str]:
    """Every way Python turns `obj` into text: repr, str, format and f-strings."""
    yield repr(obj)
    yield str(obj)
    yield format(obj)
    yield f"{obj}"
    yield f"{obj!r}"
    yield f"{obj!s}"
    yield "%s %r" % (obj, obj)
    yield "{} {!r}".format(obj, obj)
    yield repr([obj])


def assert_hidden(objects: dict[str, object], secrets: tuple[str, ...] = SECRETS) -> None:
    for name, obj in objects.items():
        for text in renderings(obj):
            for secret in secrets:
                assert secret not in text, f"{name} shows {secret!r}: {text}"


def with_credentials(base_url: str) -> str:
    return base_url.replace("http://", f"http://user:{URL_PASSWORD}@", 1)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(KEY, "pid-redaction", submissions=["sub-1"], webhook_key=WEBHOOK_KEY,
                   webhook_url=f"http://hook:{URL_PASSWORD}@127.0.0.1:9/in") as s:
        yield s


def test_every_public_type_formats_without_secrets(sim: Simulator) -> None:
    base = with_credentials(sim.base_url)
    client = faceauth.Client(KEY, base_url=base)
    builder = faceauth.UrlBuilder(sim.project_id, KEY, base_url=base)
    plain_builder = sim.url_builder()
    cipher = faceauth.Cipher(KEY)
    ledger = faceauth.Ledger()
    link = ledger.issue_url(builder, "sub-1")
    visited = ledger.issue_url(plain_builder, "sub-1")
    visit = sim.open(visited.url)
    outcomes = [ledger.apply_webhook(body, WEBHOOK_KEY) for body in sim.webhooks(raw=True)]
    status = ledger.status(visited.token)
    sealed = sim.webhooks(raw=True)[0]
    event = faceauth.parse_webhook(sealed, WEBHOOK_KEY)
    expired = faceauth.parse_webhook(json.dumps({
        "webhook_trigger": "token_expired", "token_id": link.token, "expired_condition": "time",
        "service": "faceAuth", "expired_at": "2025-11-12T03:00:00.000Z"}))
    unknown = faceauth.parse_webhook(json.dumps({"webhook_trigger": "new", "key": KEY}))
    ledger.apply_webhook(expired)
    expired_status = ledger.status(link.token)
    submitted = client.submit("sub-1", b"\xff\xd8\xff")
    record = client.get(submitted.auth_id)
    objects: dict[str, object] = {
        "Client": client,
        "UrlBuilder": builder,
        "Cipher": cipher,
        "builder.cipher": builder.cipher,
        "Inspection": faceauth.inspect_url(link.url, KEY),
        "DiagnoseMatch": faceauth.diagnose(cipher.encrypt("x"), KEY)[0],
        "Ledger": ledger,
        "IssuedLink": link,
        "TokenStatus": status,
        "LinkResult": status.result,
        "ReportedExpiry": expired_status.reported_expiry,
        "WebhookOutcome": outcomes[0],
        "FaceAuthEvent": event,
        "TokenExpiredEvent": expired,
        "UnknownEvent": unknown,
        "AuthResult": submitted,
        "Scores": submitted.scores,
        "AuthRecord": record,
        "Image": client.image(submitted.auth_id),
        "Records": client.list(),
        "PageVisit": visit,
        "Simulator": sim,
    }
    assert status.result is not None and expired_status.reported_expiry is not None
    assert_hidden(objects)
    # Redaction keeps the rest: where the client points.
    host = sim.base_url.removeprefix("http://")
    for obj in (client, builder, objects["Inspection"], link):
        assert f"<redacted>@{host}" in repr(obj), repr(obj)
    client.close()
    assert_hidden({"closed Client": client})


def test_errors_name_no_postgres_password() -> None:
    for location in (
        f"postgres://faceauth:{PG_PASSWORD}@127.0.0.1:1/faceauth",
        f"postgresql://faceauth@127.0.0.1:1/faceauth?password={PG_PASSWORD}",
    ):
        with pytest.raises(faceauth.LedgerError) as info:
            faceauth.Ledger(location)
        assert info.value.kind == "ledger_storage"
        assert_hidden({"LedgerError": info.value, "args": info.value.args})


def test_an_open_postgres_ledger_formats_without_its_password() -> None:
    server = os.environ.get("FACEAUTH_TEST_POSTGRES")
    if not server:
        pytest.skip("FACEAUTH_TEST_POSTGRES is not set (scripts/with-postgres.sh sets it)")
    parts = urllib.parse.urlsplit(server)
    assert parts.password
    with faceauth.Ledger(server) as ledger:
        objects: dict[str, Any] = {"Ledger": ledger, "location": ledger.location}
        assert_hidden(objects, (parts.password,))
        assert f"<redacted>@{parts.hostname}" in repr(ledger)
