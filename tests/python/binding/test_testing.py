"""faceauth.testing: the Simulator's lifecycle and controls, and the pytest fixture."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import subprocess
import sys

import pytest

import faceauth
from faceauth.testing import PageVisit, Simulator
from faceauth.testing import simulator  # noqa: F401 (the fixture, as a user's conftest.py imports it)

UTC = dt.timezone.utc


def test_the_fixture_gives_a_started_simulator_with_defaults(simulator: Simulator) -> None:
    assert simulator.running
    assert simulator.base_url.startswith("http://127.0.0.1:")
    assert (simulator.api_key, simulator.project_id, simulator.token_rule) == ("mock-api-key", "mock-project", "count")
    with simulator.client() as client, pytest.raises(faceauth.InvalidRequest):
        client.submit("sub-1", b"\xff\xd8\xff")  # no submission until one is added
    simulator.add_submission("sub-1")
    with simulator.client() as client:
        assert client.submit("sub-1", b"\xff\xd8\xff").approved


def test_lifecycle() -> None:
    sim = Simulator()
    assert not sim.running and "stopped" in repr(sim)
    with pytest.raises(RuntimeError, match="not running"):
        sim.base_url
    assert sim.start() is sim
    assert sim.start() is sim  # idempotent
    base = sim.base_url
    assert base in repr(sim)
    sim.stop()
    sim.stop()  # idempotent
    assert not sim.running
    with sim as same:
        assert same is sim and isinstance(same, Simulator)
        assert sim.running
    assert not sim.running


def test_the_api_key_is_not_in_the_repr() -> None:
    with Simulator(api_key="s3cret-sim-key", project_id="p-1", token_rule="time:30") as sim:
        text = repr(sim)
    assert "s3cret" not in text and "p-1" in text and "time:30" in text


def test_bad_settings_raise_valueerror() -> None:
    with pytest.raises(faceauth.InvalidArgument, match="token_rule"):
        Simulator(token_rule="sometimes")
    with pytest.raises(ValueError, match="webhook_shape"):
        Simulator(webhook_shape="square")
    with pytest.raises(ValueError, match="allowed_ips"):
        Simulator(allowed_ips=["not-an-ip"]).start()
    with pytest.raises(ValueError, match="timezone-aware"):
        Simulator(now=dt.datetime(2025, 1, 1))
    assert Simulator(token_rule=None).token_rule is None


def test_the_clock(simulator: Simulator) -> None:
    # The mock clock runs at the real pace from where it is set: compare with margins of an hour.
    hour = dt.timedelta(hours=1)
    start = dt.datetime(2025, 6, 1, 12, tzinfo=UTC)
    set_to = simulator.set_clock(start)
    assert start <= set_to < start + hour and set_to.tzinfo is not None
    assert start <= simulator.now < start + hour
    before = simulator.now
    after = simulator.advance_clock(2 * 86400)
    assert before + dt.timedelta(days=2) <= after < before + dt.timedelta(days=2) + hour
    assert simulator.advance_clock(-86400) < after
    with Simulator(now=start) as sim:
        assert start <= sim.now < start + hour
    assert simulator.now.year == 2025


def test_faults_are_set_and_read_back(simulator: Simulator) -> None:
    settings = simulator.faults()
    assert settings["fail_next"] == 0 and settings["fail_status"] == 502
    settings = simulator.faults(fail_next=2, fail_status=500, latency_ms=0)
    assert (settings["fail_next"], settings["fail_status"]) == (2, 500)
    with pytest.raises(ValueError, match="fail_status"):
        simulator.faults(fail_status=200)
    with pytest.raises(ValueError, match="error_rate"):
        simulator.faults(error_rate=1.5)


def test_requests_and_state(simulator: Simulator) -> None:
    simulator.add_submission("sub-1", user_id="u-1")
    simulator.add_submission("sub-2", "rejected")
    with simulator.client() as client:
        client.submit("sub-1", b"\xff\xd8\xff")
    assert simulator.requests()["received"] == {"POST /faceauth": 1}
    state = simulator.state()
    assert {s["id"]: s["status"] for s in state["submissions"]} == {"sub-1": "approved", "sub-2": "rejected"}
    assert len(state["results"]) == 1
    assert "mock-api-key" not in json.dumps(state)


def test_open_visits_only_this_simulator(simulator: Simulator) -> None:
    with pytest.raises(ValueError, match="only this simulator"):
        simulator.open("https://form.argosidentity.com/face-auth?pid=x&encrypted=y")
    with pytest.raises(ValueError, match="only this simulator"):
        simulator.open(simulator.base_url + ".evil.example/face-auth")
    with pytest.raises(ValueError, match="result"):
        simulator.open(simulator.base_url + "/face-auth", result="maybe")  # type: ignore[arg-type]
    visit = simulator.open(simulator.base_url + "/face-auth?pid=other&encrypted=x")
    assert isinstance(visit, PageVisit)
    assert (visit.status, visit.ok, visit.error) == (400, False, "unknown project")
    assert visit.to_dict() == {"status": 400, "json": {"error": "unknown project"}}
    assert "400" in repr(visit)


def test_open_a_link_records_a_result_and_sends_webhooks(simulator: Simulator) -> None:
    simulator.add_submission("sub-1")
    url = simulator.url_builder().build("sub-1", user_id="u-1", token=faceauth.generate_token())
    visit = simulator.open(url, result="rejected")
    assert visit.ok and visit.auth_status == "rejected" and visit.auth_id
    assert visit.json == {"auth_id": visit.auth_id, "auth_status": "rejected"}
    again = simulator.open(url)
    assert (again.status, again.error) == (410, "token expired")  # count rule: one use
    hooks = simulator.webhooks()
    assert [h["webhook_trigger"] for h in hooks] == ["faceAuth", "token_expired"]
    assert hooks[0]["data"]["Authentication_id"] == visit.auth_id
    raw = simulator.webhooks(raw=True)
    assert [json.loads(body) for body in raw] == hooks
    with simulator.client() as client:
        record = client.get(visit.auth_id or "")
    assert record.submit_type == "form" and record.status == "rejected"


def test_add_results_pages(simulator: Simulator) -> None:
    assert simulator.add_results(5, auth_status="rejected") == 5
    with simulator.client() as client:
        assert [r.status for r in client.list(count=2)] == ["rejected"] * 5
    with pytest.raises(ValueError, match="start"):
        simulator.add_results(1, start=dt.datetime(2025, 1, 1))


def test_controls_need_a_running_simulator() -> None:
    sim = Simulator()
    for call in (sim.webhooks, sim.faults, sim.requests, sim.state, lambda: sim.add_submission("s")):
        with pytest.raises(RuntimeError, match="not running"):
            call()


@pytest.mark.parametrize(
    "conftest",
    ["from faceauth.testing import simulator  # noqa: F401\n", 'pytest_plugins = ["faceauth.testing"]\n'],
)
def test_a_users_conftest_gets_the_fixture_both_documented_ways(tmp_path: pathlib.Path, conftest: str) -> None:
    (tmp_path / "conftest.py").write_text(conftest)
    (tmp_path / "test_user.py").write_text(
        "import faceauth\n"
        "from faceauth.testing import Simulator\n\n"
        "def test_flow(simulator: Simulator) -> None:\n"
        "    simulator.add_submission('sub-1')\n"
        "    link = faceauth.Ledger().issue_url(simulator.url_builder(), 'sub-1')\n"
        "    assert simulator.open(link.url).ok\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout
