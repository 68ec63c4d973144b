"""UrlBuilder and inspect_url: URLs identical to the `cryptography` reference, build_many equal to
build in a loop, errors that name their row, UrlError from real causes, one builder in 8 threads."""

import base64
import hashlib
import json
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Optional
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

import faceauth
from threads import run_on_threads

KEY = "0123456789abcdefghijABCDEFGHIJ0123456789"
FIELDS = [("sid", "sid"), ("user_id", "authUserId"), ("cf1", "authCf1"), ("cf2", "authCf2"),
          ("cf3", "authCf3"), ("token", "token")]


def reference_url(pid: str, row: Mapping[str, Optional[str]], lang: Optional[str] = None) -> str:
    """The URL as bench/reference_batch.py builds it, independently of the binding."""
    payload = {key: row[name] for name, key in FIELDS if row.get(name) is not None}
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    padder = padding.PKCS7(128).padder()
    data = padder.update(text.encode()) + padder.finalize()
    enc = Cipher(algorithms.AES(hashlib.sha256(KEY.encode()).digest()), modes.ECB()).encryptor()
    encrypted = base64.b64encode(enc.update(data) + enc.finalize()).decode()
    url = f"https://form.argosidentity.com/face-auth?pid={quote(pid, safe='')}&encrypted={quote(encrypted, safe='')}"
    return url + (f"&lang={lang}" if lang else "")


ROWS: list[dict[str, Optional[str]]] = [
    {"sid": "abc123xyz"},
    {"sid": "s-2", "user_id": "user-2", "token": "tok_abc12345"},
    {"sid": "s-3", "user_id": "ü한🔑 \"quoted\" \\ /", "cf1": "a@example.com", "cf2": "two", "cf3": "three"},
    {"sid": "s-4", "user_id": None, "cf1": None, "token": "tok_0123456789abcdef"},
]


def test_the_doc_example_url() -> None:
    builder = faceauth.UrlBuilder("pid-1", KEY, lang="ko")
    url = builder.build("abc123xyz", user_id="user-1", token="tok_abc12345")
    assert url == ("https://form.argosidentity.com/face-auth?pid=pid-1&encrypted=Xvg7uxPli%2FO9VuUW0jaEfCW8iRe"
                   "fWOY6DTH9eqQuWVdcOAJuFcKlHSxqds6WHAJCXtdicWVYGEnRpaFqAcrvXNLZYkpCg04dO4YFimGWuF8%3D&lang=ko")


@pytest.mark.parametrize("row", ROWS)
def test_build_matches_the_reference(row: dict[str, Optional[str]]) -> None:
    builder = faceauth.UrlBuilder("pid 1/é", KEY)
    fields: dict[str, Any] = {k: v for k, v in row.items() if k != "sid"}
    assert builder.build(row["sid"] or "", **fields) == reference_url("pid 1/é", row)


def test_build_many_equals_build_in_a_loop() -> None:
    builder = faceauth.UrlBuilder("pid-1", KEY, lang="en")
    rows = ROWS * 50
    urls = builder.build_many(rows)
    assert urls == [reference_url("pid-1", r, "en") for r in rows]
    assert urls == [builder.build(r["sid"] or "", **{k: v for k, v in r.items() if k != "sid"}) for r in rows]
    # Any iterable: a generator, a tuple, nothing.
    assert builder.build_many(r for r in rows[:3]) == urls[:3]
    assert builder.build_many(()) == []


def test_build_many_gcm_urls_decrypt_back() -> None:
    builder = faceauth.UrlBuilder("pid-1", KEY, "gcm")
    urls = builder.build_many(ROWS)
    for row, url in zip(ROWS, urls):
        report = faceauth.inspect_url(url, KEY, "gcm")
        assert report.sid == row["sid"]
        assert report.user_id == row.get("user_id")
        assert report.variant == "gcm-nonce-ct-tag"
    assert len(set(builder.build_many([{"sid": "same"}] * 10))) == 10, "nonces repeat"
    # Nonces come from the OS a block at a time (and a new source per 1,024-row chunk): none
    # repeats across blocks, chunks or calls, and each URL still decrypts.
    many = builder.build_many([{"sid": "same"}] * 5000) + builder.build_many([{"sid": "same"}] * 5000)
    assert len(set(many)) == 10000, "nonces repeat"
    assert faceauth.inspect_url(many[-1], KEY, "gcm").sid == "same"


def test_build_many_errors_name_the_row() -> None:
    builder = faceauth.UrlBuilder("pid-1", KEY)
    with pytest.raises(faceauth.TokenError) as token:
        builder.build_many([{"sid": "a"}, {"sid": "b"}, {"sid": "c", "token": "bad!"}])
    assert token.value.row == 2 and str(token.value).startswith("row 2: invalid token")
    assert (token.value.kind, token.value.code) == ("invalid_token", 200)
    with pytest.raises(faceauth.InvalidArgument) as empty:
        builder.build_many([{"sid": "a"}, {"sid": ""}])
    assert empty.value.row == 1 and isinstance(empty.value, ValueError)
    with pytest.raises(faceauth.InvalidArgument, match="row 0: authCf1 contains a control character"):
        builder.build_many([{"sid": "a", "cf1": "x\ny"}])


@pytest.mark.parametrize("rows,message", [
    ([{"sid": "a"}, ["not", "a", "dict"]], "row 1: expected a dict, got list"),
    ([{"user_id": "u"}], "row 0: missing key 'sid'"),
    ([{"sid": None}], "row 0: 'sid' must be str, not NoneType"),
    ([{"sid": "a", "cf2": 7}], "row 0: 'cf2' must be str or None, not int"),
    ([{"sid": "a", "usr_id": "u"}], "row 0: unknown key 'usr_id'"),
    ([{"sid": "a", 1: "u"}], "row 0: keys must be str"),
])
def test_build_many_type_errors(rows: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        faceauth.UrlBuilder("pid-1", KEY).build_many(rows)
    with pytest.raises(TypeError):
        faceauth.UrlBuilder("pid-1", KEY).build_many(42)  # type: ignore[arg-type]


def test_build_argument_errors() -> None:
    builder = faceauth.UrlBuilder("pid-1", KEY)
    with pytest.raises(TypeError):
        builder.build(123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        builder.build("s", user_id=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        builder.build("s", "positional-user")  # type: ignore[call-arg]
    with pytest.raises(faceauth.InvalidArgument) as info:
        builder.build("")
    assert (info.value.kind, info.value.code) == ("invalid_argument", 1)
    with pytest.raises(faceauth.TokenError):
        builder.build("s", token="tok")


def test_builder_options() -> None:
    b = faceauth.UrlBuilder("pid-1", KEY, "cbc", base_url="http://127.0.0.1:8080/", lang="ko")
    assert (b.project_id, b.scheme, b.variant, b.base_url, b.lang) == (
        "pid-1", "cbc", "cbc-ivprefix", "http://127.0.0.1:8080", "ko")
    assert b.build("s").startswith("http://127.0.0.1:8080/face-auth?pid=pid-1&encrypted=")
    assert repr(b) == ("UrlBuilder(project_id='pid-1', variant='cbc-ivprefix', "
                       "base_url='http://127.0.0.1:8080', lang='ko')")
    assert b.cipher.variant == "cbc-ivprefix"
    for bad in [dict(base_url="ftp://host"), dict(base_url="https://"), dict(lang="k o")]:
        with pytest.raises(faceauth.InvalidArgument):
            faceauth.UrlBuilder("pid-1", KEY, **bad)
    with pytest.raises(faceauth.InvalidArgument):
        faceauth.UrlBuilder("", KEY)
    with pytest.raises(faceauth.CryptoError):
        faceauth.UrlBuilder("pid-1", KEY, "des")
    with pytest.raises(TypeError):
        faceauth.UrlBuilder("pid-1", KEY, "ecb", "https://positional")  # type: ignore[call-arg]


def test_inspect_round_trip() -> None:
    builder = faceauth.UrlBuilder("pid-1", KEY, lang="ko")
    url = builder.build("abc123xyz", user_id="user-1", cf1="c1", cf2="c2", cf3="c3", token="tok_abc12345")
    report = faceauth.inspect_url(url, KEY)
    assert (report.pid, report.lang, report.base_url, report.variant) == (
        "pid-1", "ko", "https://form.argosidentity.com", "ecb-sha256")
    assert report.params == {"sid": "abc123xyz", "authUserId": "user-1", "authCf1": "c1", "authCf2": "c2",
                             "authCf3": "c3", "token": "tok_abc12345"}
    assert (report.sid, report.user_id, report.cf1, report.cf2, report.cf3, report.token) == (
        "abc123xyz", "user-1", "c1", "c2", "c3", "tok_abc12345")
    assert report.unknown_fields == {}
    assert report.to_dict() == {
        "base_url": "https://form.argosidentity.com", "pid": "pid-1", "lang": "ko", "variant": "ecb-sha256",
        "params": report.params, "unknown_fields": {}, "percent_decoded": False, "spaces_as_plus": False,
        "whitespace_removed": False,
    }
    assert repr(report).startswith("Inspection(pid='pid-1', variant='ecb-sha256'")
    assert "abc123xyz" in repr(report)


def test_inspect_keeps_unknown_fields_exactly() -> None:
    payload = '{"sid":"s","extra":12345678901234567890123,"nested":{"a":[1,true,null]}}'
    encrypted = faceauth.Cipher(KEY).encrypt(payload)
    report = faceauth.inspect_url(f"pid=p&encrypted={quote(encrypted, safe='')}", KEY)
    assert report.unknown_fields == {"extra": 12345678901234567890123, "nested": {"a": [1, True, None]}}
    assert report.lang is None and report.base_url == ""


def test_inspect_errors() -> None:
    url = faceauth.UrlBuilder("pid-1", KEY).build("s")
    with pytest.raises(faceauth.CryptoError) as wrong:
        faceauth.inspect_url(url, "not-the-key-0000000000000000")
    assert wrong.value.kind == "bad_padding"
    with pytest.raises(faceauth.UrlError) as not_url:
        faceauth.inspect_url("https://example.com/?q=1", KEY)
    assert (not_url.value.kind, not_url.value.code) == ("invalid_url", 10)
    not_payload = faceauth.Cipher(KEY).encrypt('["not", "an", "object"]')
    with pytest.raises(faceauth.UrlError) as payload:
        faceauth.inspect_url(f"pid=p&encrypted={quote(not_payload, safe='')}", KEY)
    assert (payload.value.kind, payload.value.code) == ("invalid_payload", 11)
    with pytest.raises(TypeError):
        faceauth.inspect_url(None, KEY)  # type: ignore[arg-type]


def test_one_builder_in_8_threads() -> None:
    builder = faceauth.UrlBuilder("pid-1", KEY, lang="en")
    rows = [{"sid": f"s-{i}", "user_id": f"u-{i}", "token": f"tok_{i:012d}"} for i in range(300)]
    expected = [reference_url("pid-1", r, "en") for r in rows]
    results: dict[int, list[str]] = {}
    start = threading.Barrier(8)

    def work(n: int) -> None:
        start.wait()
        if n % 2:
            out = builder.build_many(rows)
        else:
            out = [builder.build(r["sid"], user_id=r["user_id"], token=r["token"]) for r in rows]
        results[n] = out

    run_on_threads(work)
    assert sorted(results) == list(range(8))
    for out in results.values():
        assert out == expected


def test_large_batches_split_over_threads_keep_order_and_the_first_failing_row() -> None:
    builder = faceauth.UrlBuilder("pid-1", KEY)
    rows: list[dict[str, Optional[str]]] = [{"sid": f"s-{i}", "user_id": f"u-{i}"} for i in range(20_000)]
    urls = builder.build_many(rows)
    assert len(urls) == 20_000
    for i in (0, 1, 4095, 4096, 9999, 10_000, 19_999):
        assert urls[i] == reference_url("pid-1", rows[i])
    bad = list(rows)
    bad[15_000] = {"sid": "x", "token": "bad"}
    bad[12_345] = {"sid": ""}
    with pytest.raises(faceauth.FaceAuthError) as info:
        builder.build_many(bad)
    assert info.value.row == 12_345 and isinstance(info.value, faceauth.InvalidArgument)


def test_build_many_odd_values_and_keys() -> None:
    builder = faceauth.UrlBuilder("pid-1", KEY)
    # U+001F is a control character: refused, and the row is named.
    with pytest.raises(faceauth.InvalidArgument, match="row 1: authCf2 contains a control character"):
        builder.build_many([{"sid": "a"}, {"sid": "b", "cf2": "x\x1fy"}])
    with pytest.raises(faceauth.InvalidArgument, match="row 0: 'user_id' is not valid Unicode text"):
        builder.build_many([{"sid": "a", "user_id": "\ud800"}])
    # Keys that are equal but not the interned literals (as csv.DictReader makes them).
    names = ["".join(["s", "id"]), "".join(["user", "_id"])]
    rows = [{names[0]: f"s-{i}", names[1]: "u"} for i in range(3)]
    assert builder.build_many(rows) == [builder.build(f"s-{i}", user_id="u") for i in range(3)]
    # Subclasses of dict and str take the general type check, not the exact-type one.
    import collections
    import enum

    class Kind(str, enum.Enum):
        GOLD = "gold"

    ordered = collections.OrderedDict([("user_id", Kind.GOLD), ("sid", "s-1")])
    assert builder.build_many([ordered]) == [builder.build("s-1", user_id="gold")]
    import csv
    import io
    reader = csv.DictReader(io.StringIO("sid,user_id,cf1\ns1,u1,c1\ns2,u2,c2\n"))
    assert builder.build_many(reader) == [builder.build("s1", user_id="u1", cf1="c1"),
                                          builder.build("s2", user_id="u2", cf1="c2")]


def test_build_many_runs_no_code_of_a_row_while_reading_it() -> None:
    """build_many reads a row's items as the dict's own (borrowed) references: it must never run
    Python code of the row's objects while it does, or that code could free them under it."""
    builder = faceauth.UrlBuilder("pid-1", KEY)

    class Key(str):
        """Clears its row when compared: a dict lookup by this key would run it."""
        __hash__ = str.__hash__

        def __eq__(self, other: object) -> bool:
            row.clear()
            return str.__eq__(self, other)

    row: dict[Any, Any] = {Key("sid"): "s-1", Key("user_id"): "u-1"}
    assert builder.build_many([row]) == [builder.build("s-1", user_id="u-1")]
    assert len(row) == 2

    class Meta(type):
        """Clears the row when the error message asks the value's type for its name."""
        def __getattribute__(cls, name: str) -> Any:
            if name in ("__name__", "__qualname__"):
                bad.clear()
            return super().__getattribute__(name)

    class Odd(metaclass=Meta):
        pass

    bad: dict[str, Any] = {"sid": "a", "cf2": Odd(), "cf3": "c"}
    with pytest.raises(TypeError, match="row 0: 'cf2' must be str or None, not Odd"):
        builder.build_many([bad])
    assert bad == {} and builder.build_many([{"sid": "a"}]) == [builder.build("a")]


def mixed_rows(n: int) -> list[dict[str, Optional[str]]]:
    """Rows of every key set, `None`s and non-ASCII text included, in a pattern that does not
    repeat on chunk boundaries (1,024 rows)."""
    rows: list[dict[str, Optional[str]]] = []
    for i in range(n):
        row: dict[str, Optional[str]] = {"sid": f"s-{i}"}
        if i % 3:
            row["user_id"] = f"u-{i}é" if i % 7 == 0 else f"u-{i}"
        if i % 5 == 1:
            row["cf1"] = None
        if i % 11 == 2:
            row["cf2"], row["cf3"] = "two", "three"
        if i % 4 == 3:
            row["token"] = f"tok_{i:012d}"
        rows.append(row)
    return rows


@pytest.mark.parametrize("n", [1, 1023, 1024, 1025, 2048, 3001])
def test_build_many_across_chunks_equals_build(n: int) -> None:
    # Beyond one chunk a second thread builds while the calling one reads: order and content
    # must not change, whatever the input's length against the chunk's.
    builder = faceauth.UrlBuilder("pid-1", KEY)
    rows = mixed_rows(n)
    expected = [reference_url("pid-1", r) for r in rows]
    assert builder.build_many(rows) == expected
    assert builder.build_many(r for r in rows) == expected
    gcm = faceauth.UrlBuilder("pid-1", KEY, "gcm").build_many(rows)
    assert [faceauth.inspect_url(u, KEY, "gcm").sid for u in gcm] == [r["sid"] for r in rows]


def test_build_many_a_very_large_row() -> None:
    builder = faceauth.UrlBuilder("pid-1", KEY)
    big: dict[str, Optional[str]] = {"sid": "s" * 100_000, "user_id": "ü" * 50_000, "cf3": "x" * 70_000}
    rows = mixed_rows(1500)
    rows[1200] = big
    urls = builder.build_many(rows)
    assert urls[1200] == reference_url("pid-1", big)
    assert urls[1199] == reference_url("pid-1", rows[1199]) and urls[1201] == reference_url("pid-1", rows[1201])


def test_build_many_errors_in_later_chunks_name_the_first_failing_row() -> None:
    builder = faceauth.UrlBuilder("pid-1", KEY)
    rows: list[Any] = mixed_rows(4000)
    # A row that cannot be read, two chunks on.
    not_read = list(rows)
    not_read[2100] = {"sid": "a", "cf2": 7}
    with pytest.raises(TypeError, match="row 2100: 'cf2' must be str or None, not int"):
        builder.build_many(not_read)
    not_read[1030] = ("not", "a", "dict")
    with pytest.raises(TypeError, match="row 1030: expected a dict, got tuple"):
        builder.build_many(not_read)
    # A row that fails to build comes first, even though the next chunk, read meanwhile, has a
    # row that cannot be read.
    both = list(rows)
    both[1500] = {"sid": "x", "token": "bad"}
    both[2100] = {"sid": "a", "cf2": 7}
    with pytest.raises(faceauth.TokenError) as info:
        builder.build_many(both)
    assert info.value.row == 1500
    with pytest.raises(faceauth.InvalidArgument, match="row 3000: 'user_id' is not valid Unicode text"):
        builder.build_many(rows[:3000] + [{"sid": "a", "user_id": "\ud800"}])
    with pytest.raises(TypeError, match="row 2050: missing key 'sid'"):
        builder.build_many(rows[:2050] + [{"user_id": "u"}])

    def failing() -> Any:
        yield from rows[:1500]
        raise KeyError("from the generator")

    with pytest.raises(KeyError, match="from the generator"):
        builder.build_many(failing())


def ticks_of_another_thread(work: Callable[[], object]) -> int:
    """How often another Python thread ran while `work()` did. With a switch interval of an hour
    the interpreter never takes the GIL from a thread, so the other thread runs only when `work`
    releases the GIL while it waits (and gives it back by sleeping)."""
    ticks = 0
    stop = False

    def count() -> None:
        nonlocal ticks
        while not stop:
            ticks += 1
            time.sleep(0.0001)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(3600)
    thread = threading.Thread(target=count)
    try:
        thread.start()
        time.sleep(0.01)
        before = ticks
        work()
        return ticks - before
    finally:
        stop = True
        sys.setswitchinterval(interval)
        thread.join()


def test_build_many_releases_the_gil() -> None:
    builder = faceauth.UrlBuilder("pid-1", KEY)
    # Rows whose URLs take long to build (10 kB each), so that the calling thread, quick to read
    # them, waits for the building with the GIL released long enough (milliseconds, even in a
    # release build) for the other thread to be woken and take it: in one chunk (1,000 rows) and
    # across two (1,100).
    rows: list[dict[str, Optional[str]]] = [{"sid": f"s-{i}", "cf3": "x" * 10_000} for i in range(1100)]
    # The control: `build` in a loop keeps the GIL, and the other thread is seen not to run.
    assert ticks_of_another_thread(lambda: [builder.build(r["sid"] or "", cf3=r["cf3"]) for r in rows]) == 0
    assert ticks_of_another_thread(lambda: builder.build_many(rows)) > 0
    assert ticks_of_another_thread(lambda: builder.build_many(rows[:1000])) > 0
