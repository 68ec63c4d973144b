"""faceauth.Client against the in-process simulator: every method, results, arguments."""

from __future__ import annotations

import datetime as dt
import pathlib
import traceback
from collections.abc import Iterator

import pytest

import faceauth
from faceauth.testing import Simulator

JPEG = b"\xff\xd8\xff\xe0" + b"selfie" * 10
KEY = "client-test-key-7f3a9c"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(api_key=KEY, submissions=["sub-1"]) as s:
        yield s


@pytest.fixture
def client(sim: Simulator) -> Iterator[faceauth.Client]:
    with sim.client(max_retries=0) as c:
        yield c


def test_submit_bytes_returns_a_typed_approved_result(client: faceauth.Client) -> None:
    result = client.submit("sub-1", JPEG, user_id="u-1", cf1="a", cf2="b", cf3="c")
    assert isinstance(result, faceauth.AuthResult)
    assert result.status == "approved" and result.approved
    assert result.auth_id
    assert result.fail_codes == [] and result.rejected_comments == []
    assert isinstance(result.create_time, dt.datetime)
    assert result.create_time.tzinfo is not None and result.create_time.utcoffset() == dt.timedelta(0)
    assert isinstance(result.scores, faceauth.Scores)
    assert result.scores.face_similarity is not None
    assert set(result.scores.to_dict()) == {"face_similarity", "occluded", "face_cover", "head_cover"}
    # to_dict is the response, as `faceauth auth submit` prints it.
    d = result.to_dict()
    assert d["authentication_id"] == result.auth_id and d["auth_status"] == "approved"
    assert repr(result).startswith("AuthResult(auth_id=") and repr(result).endswith("fail_codes=[])")


def test_submit_a_rejected_face_is_a_result_not_an_error(client: faceauth.Client) -> None:
    result = client.submit("sub-1", JPEG + b"REJECT")
    assert result.status == "rejected" and not result.approved
    assert result.fail_codes == ["face_compare_underscore"]
    assert repr(result).endswith("fail_codes=['face_compare_underscore'])")
    assert result.rejected_comments


def test_submit_reads_a_path_str_or_pathlike(client: faceauth.Client, tmp_path: pathlib.Path) -> None:
    face = tmp_path / "face.png"
    face.write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 20)
    by_path = client.submit("sub-1", face)
    by_str = client.submit("sub-1", str(face))
    image = client.image(by_path.auth_id)
    assert image.data == face.read_bytes()
    assert image.content_type == "image/png"
    assert client.get(by_str.auth_id).status == "approved"


def test_submit_a_missing_file_raises_filenotfounderror(client: faceauth.Client, tmp_path: pathlib.Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.jpg"):
        client.submit("sub-1", tmp_path / "nope.jpg")


def test_submit_wrong_types_raise_typeerror(client: faceauth.Client) -> None:
    with pytest.raises(TypeError, match="image must be bytes or a path"):
        client.submit("sub-1", 42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.submit(None, JPEG)  # type: ignore[arg-type]


def test_submit_empty_arguments_are_invalid(client: faceauth.Client) -> None:
    with pytest.raises(faceauth.InvalidArgument) as info:
        client.submit("sub-1", b"")
    assert isinstance(info.value, ValueError) and info.value.kind == "invalid_argument"
    with pytest.raises(faceauth.InvalidArgument):
        client.submit("  ", JPEG)


def test_get_image_delete(client: faceauth.Client) -> None:
    result = client.submit("sub-1", JPEG, user_id="u-9")
    record = client.get(result.auth_id)
    assert isinstance(record, faceauth.AuthRecord)
    assert (record.auth_id, record.status, record.submission_id) == (result.auth_id, "approved", "sub-1")
    assert record.submit_type == "api" and not record.deleted
    assert record.project_id == "mock-project"
    assert record.create_time == result.create_time
    row = record.to_dict()
    assert row["auth_id"] == result.auth_id and row["faceAuth_projectId"] == "mock-project"
    assert "AuthRecord(auth_id=" in repr(record)

    image = client.image(result.auth_id)
    assert isinstance(image, faceauth.Image)
    assert image.data == JPEG and image.content_type == "image/jpeg" and len(image) == len(JPEG)
    assert "image/jpeg" in repr(image)

    client.delete(result.auth_id)
    assert client.get(result.auth_id).deleted
    with pytest.raises(faceauth.InvalidRequest):
        client.delete(result.auth_id)


def test_list_iterates_every_page_lazily(sim: Simulator, client: faceauth.Client) -> None:
    assert sim.add_results(7, submission_id="sub-1", start=dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)) == 7
    records = client.list(count=3)
    assert isinstance(records, faceauth.Records)
    assert records.pages == 0  # nothing fetched before the first next()
    first = next(records)
    assert records.pages == 1
    rest = list(records)
    ids = [first.auth_id] + [r.auth_id for r in rest]
    assert len(ids) == 7 and len(set(ids)) == 7
    assert records.pages == 3
    assert records.incomplete is None
    assert list(records) == []  # exhausted stays exhausted


def test_list_filters_by_dates(sim: Simulator, client: faceauth.Client) -> None:
    day = dt.datetime(2025, 3, 1, 12, tzinfo=dt.timezone.utc)
    sim.add_results(2, start=day)
    sim.add_results(3, start=day + dt.timedelta(days=2))
    assert len(list(client.list(start_date="2025-03-01", end_date="2025-03-01"))) == 2
    assert len(list(client.list(start_date=dt.date(2025, 3, 3), end_date=dt.date(2025, 3, 3)))) == 3
    aware = dt.datetime(2025, 3, 3, 23, tzinfo=dt.timezone(dt.timedelta(hours=-5)))  # 04:00 UTC on the 4th
    assert len(list(client.list(start_date=aware, end_date=aware))) == 0
    assert len(list(client.list())) == 5


def test_list_arguments_are_checked_before_sending(sim: Simulator, client: faceauth.Client) -> None:
    with pytest.raises(faceauth.InvalidArgument, match="go together"):
        client.list(start_date="2025-01-01")
    with pytest.raises(faceauth.InvalidArgument):
        client.list(start_date="2025-02-30", end_date="2025-03-01")
    with pytest.raises(faceauth.InvalidArgument):
        client.list(start_date="2025-03-02", end_date="2025-03-01")
    for count in (0, 2001, -1):
        with pytest.raises(faceauth.InvalidArgument):
            client.list(count=count)
    with pytest.raises(TypeError):
        client.list(start_date=20250101, end_date=20250102)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        client.list(start_date=dt.datetime(2025, 1, 1), end_date=dt.datetime(2025, 1, 2))
    assert sim.requests()["received"] == {}


def test_constructor_arguments(sim: Simulator) -> None:
    for timeout in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(faceauth.InvalidArgument, match="timeout"):
            faceauth.Client(KEY, base_url=sim.base_url, timeout=timeout)
    with pytest.raises(faceauth.InvalidArgument, match="max_retries"):
        faceauth.Client(KEY, base_url=sim.base_url, max_retries=-1)
    with pytest.raises(faceauth.InvalidArgument, match="base URL"):
        faceauth.Client(KEY, base_url="ftp://example.com")
    with pytest.raises(faceauth.InvalidArgument, match="API key"):
        faceauth.Client(" padded-key ")
    with pytest.raises(TypeError):
        faceauth.Client(1234)  # type: ignore[arg-type]
    c = faceauth.Client(KEY, base_url=sim.base_url + "/", timeout=5, max_retries=3)
    assert (c.base_url, c.timeout, c.max_retries) == (sim.base_url, 5.0, 3)
    assert "python" in c.user_agent
    assert repr(c) == f"Client(base_url='{sim.base_url}', timeout=5.0, max_retries=3)"
    assert faceauth.Client(KEY).base_url == "https://rest-api.argosidentity.com/v3"


def test_close_and_context_manager(sim: Simulator) -> None:
    with sim.client() as c:
        assert not c.closed
        c.submit("sub-1", JPEG)
    assert c.closed
    assert "closed" in repr(c)
    with pytest.raises(ValueError, match="closed"):
        c.get("anything")
    c.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        with c:
            pass


def test_the_api_key_never_shows(sim: Simulator) -> None:
    secret = "s3cret-Key-that-must-not-leak"
    client = faceauth.Client(secret, base_url=sim.base_url.replace("http://", "http://user:pw@"), max_retries=0)
    assert secret not in repr(client) and "pw" not in repr(client) and "pw" not in client.base_url
    with pytest.raises(faceauth.AuthenticationError) as info:
        client.get("fa-1")
    err = info.value
    texts = [str(err), repr(err), repr(err.args), str(err.body), str(err.message)]
    texts.append("".join(traceback.format_exception(type(err), err, err.__traceback__)))
    for text in texts:
        assert secret not in text
    with pytest.raises(faceauth.InvalidArgument) as bad:
        faceauth.Client(secret + "\n")
    assert secret not in str(bad.value) and secret not in repr(bad.value)
