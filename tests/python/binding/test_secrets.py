"""The API key never appears in an exception, a repr or a traceback."""

import json
import traceback
from typing import Any, Callable

import pytest

import faceauth

KEY = "SeCrEtKey-4f1d9a7b3c2e8f6d5a4b3c2d1e0f"
OTHER = "AnOtHeRkEy-0a1b2c3d4e5f60718293a4b5c6d7"


def leaks(text: str) -> bool:
    return KEY in text or OTHER in text


def all_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(type(error), error, error.__traceback__)) + repr(error) + repr(
        getattr(error, "args", ""))


ECB_URL = faceauth.UrlBuilder("pid-1", KEY).build("s", user_id="u")
SEALED = faceauth.Cipher(KEY).encrypt(json.dumps({"webhook_trigger": "faceAuth", "auth_id": "a"}))

FAILURES: list[tuple[str, Callable[[], Any]]] = [
    ("decrypt with the wrong key", lambda: faceauth.Cipher(OTHER).decrypt(faceauth.Cipher(KEY).encrypt("x"))),
    ("gcm wrong key", lambda: faceauth.Cipher(OTHER, "gcm").decrypt(faceauth.Cipher(KEY, "gcm").encrypt("x"))),
    ("key with a line end", lambda: faceauth.Cipher(KEY + "\n")),
    ("key and scheme swapped", lambda: faceauth.Cipher("ecb", KEY)),
    ("key as the scheme of a builder", lambda: faceauth.UrlBuilder("pid-1", "ecb", KEY)),
    ("key as the scheme of inspect_url", lambda: faceauth.inspect_url(ECB_URL, "ecb", KEY)),
    ("key as bytes", lambda: faceauth.Cipher(KEY.encode())),  # type: ignore[arg-type]
    ("inspect with the wrong key", lambda: faceauth.inspect_url(ECB_URL, OTHER)),
    ("inspect a non-URL", lambda: faceauth.inspect_url("nothing here", KEY)),
    ("bad base URL", lambda: faceauth.UrlBuilder("pid-1", KEY, base_url="ftp://x")),
    ("bad row", lambda: faceauth.UrlBuilder("pid-1", KEY).build_many([{"sid": "a", "token": "no"}])),
    ("webhook with the wrong key", lambda: faceauth.parse_webhook(json.dumps({"data": SEALED}), OTHER)),
    ("webhook key as the scheme", lambda: faceauth.parse_webhook(json.dumps({"data": SEALED}), "x", scheme=KEY)),
    ("diagnose garbage", lambda: faceauth.diagnose("<html>", KEY)),
    ("diagnose empty", lambda: faceauth.diagnose("", KEY)),
]


@pytest.mark.parametrize("what,call", FAILURES, ids=[f[0] for f in FAILURES])
def test_errors_never_show_the_key(what: str, call: Callable[[], Any]) -> None:
    with pytest.raises(Exception) as info:
        call()
    assert isinstance(info.value, (faceauth.FaceAuthError, TypeError)), what
    assert not leaks(all_text(info.value)), f"{what}: {all_text(info.value)}"


def test_reprs_never_show_the_key() -> None:
    builder = faceauth.UrlBuilder("pid-1", KEY, "gcm", lang="en")
    objects: list[Any] = [
        faceauth.Cipher(KEY), builder, builder.cipher, faceauth.inspect_url(ECB_URL, KEY),
        faceauth.parse_webhook(json.dumps({"data": SEALED}), KEY),
        *faceauth.diagnose(faceauth.Cipher(KEY).encrypt("x"), KEY),
    ]
    for obj in objects:
        assert not leaks(repr(obj)) and not leaks(str(obj)), repr(obj)
        for name in dir(obj):
            if not name.startswith("_") and name != "to_dict":
                value = getattr(obj, name)
                if not callable(value):
                    assert not leaks(repr(value)), (obj, name)
