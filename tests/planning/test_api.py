"""The planning API: staffing and appraisals, answers equal to the CLI's JSON, one envelope."""

from __future__ import annotations

import json
import os
import signal
import threading
import warnings
from typing import Any

import pytest

from borderflow.api import create_app
from borderflow.planning.appraisal import Alternative, AppraisalOptions, appraise
from borderflow.planning.volumes import port_year
from borderflow.sim import load_scenario
from borderflow.staffing import ShiftRules, StaffingRequest, plan_staffing

from .conftest import EXAMPLES

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

BURST = {
    "name": "burst", "hours": 4, "seed": 3,
    "lane_groups": {"lane": {"mode": "passenger", "program": "standard", "booths": 12,
                             "service": {"dist": "exponential", "mean_seconds": 60}}},
    "demand": [{"to": "lane", "per_hour": [600, 20, 20, 20]}],
}


@pytest.fixture
def api(archive):
    with TestClient(create_app(engine=archive), raise_server_exceptions=False) as client:
        yield client


def as_json(data: Any) -> Any:
    return json.loads(json.dumps(data))


def without_timing(plan: dict[str, Any]) -> dict[str, Any]:
    return {**plan, "search": {k: v for k, v in plan["search"].items() if k != "seconds"}}


def fault(*_args: Any, **_kwargs: Any) -> Any:
    """Dies as the compiled engine would on a fault: a segmentation fault, no Python error.
    Put in place of a computation, it runs where the server runs that computation."""
    os.kill(os.getpid(), signal.SIGSEGV)
    raise AssertionError("unreachable: the process is gone")


def test_staffing_answers_what_the_cli_writes(api):
    response = api.post("/api/v1/staffing", json={"scenario": BURST, "target_p95_minutes": 5, "replications": 20})
    assert response.status_code == 200, response.text
    body = response.json()
    expected = plan_staffing(load_scenario(BURST), StaffingRequest(
        target_p95_minutes=5, replications=20, shifts=ShiftRules())).to_json_dict()
    # computed in a process of its own, the plan is the one this process computes, number for number
    assert without_timing(body) == without_timing(as_json(expected))


def test_staffing_errors_come_in_the_envelope(api):
    infeasible = api.post("/api/v1/staffing", json={"scenario": BURST, "target_p95_minutes": 5, "max_booths": 0})
    assert infeasible.status_code == 422 and infeasible.json()["error"]["code"] == "infeasible"
    unknown = api.post("/api/v1/staffing", json={"example": "atlantis", "target_p95_minutes": 5})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    both = api.post("/api/v1/staffing", json={"target_p95_minutes": 5})
    assert both.status_code == 422 and "exactly one of scenario" in both.json()["error"]["message"]
    negative = api.post("/api/v1/staffing", json={"scenario": BURST, "target_p95_minutes": -1})
    assert negative.status_code == 422


def test_an_example_is_staffed_by_id(api):
    response = api.post("/api/v1/staffing", json={
        "example": "otay_mesa_trucks", "target_p95_minutes": 20, "replications": 10, "lane_groups": ["fast"],
        "shifts": None})
    assert response.status_code == 200, response.text
    assert list(response.json()["lane_groups"]) == ["fast"] and "roster" not in response.json()


def test_appraisal_with_archived_demand_equals_the_engine(api, archive):
    body = {
        "base": {"example": "otay_mesa_trucks_10_booths"},
        "alternatives": [
            {"example": "otay_mesa_trucks", "capital_cost_dollars": 134000000},
            {"name": "faster", "changes": [{"scale_service": {"group": "standard", "factor": 0.8}}]},
        ],
        "port_code": "2506", "replications": 2, "seed": 4,
    }
    response = api.post("/api/v1/appraisals", json=body)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["year"] == 2024 and len(data["alternatives"]) == 2
    assert data["alternatives"][1]["name"] == "faster"
    base = load_scenario(EXAMPLES / "otay_mesa_trucks_10_booths.yaml")
    direct = appraise(base, [Alternative(load_scenario(EXAMPLES / "otay_mesa_trucks.yaml"), 134000000.0)],
                      port_year(archive, "2506", 2024), AppraisalOptions(replications=2, seed=4, workers=1))
    assert data["alternatives"][0]["economics"] == direct.to_json_dict()["alternatives"][0]["economics"]
    alone = api.post("/api/v1/appraisals", json={**body, "alternatives": body["alternatives"][:1]})
    assert alone.status_code == 200, alone.text
    assert alone.json() == as_json(direct.to_json_dict())


def test_appraisal_errors(api):
    no_people = api.post("/api/v1/appraisals", json={
        "base": {"scenario": BURST}, "alternatives": [{"scenario": BURST}], "replications": 2})
    assert no_people.status_code == 422 and "people per personal vehicle" in no_people.json()["error"]["message"]
    no_alternative = api.post("/api/v1/appraisals", json={"base": {"scenario": BURST}, "alternatives": []})
    assert no_alternative.status_code == 422
    bad_edit = api.post("/api/v1/appraisals", json={
        "base": {"scenario": BURST}, "alternatives": [{"changes": [{"paint": {}}]}], "passengers_per_vehicle": 1.5})
    assert bad_edit.status_code == 422 and "not an edit" in bad_edit.json()["error"]["message"]
    no_port = api.post("/api/v1/appraisals", json={
        "base": {"scenario": BURST}, "alternatives": [{"scenario": BURST}], "port_code": "2302", "replications": 1})
    assert no_port.status_code == 404
    for extra, words in (({"weekend_factors": {"zzz": 1}}, "weekend_factors.zzz"),
                         ({"weekend_factors": {"passenger": -1}}, "weekend_factors.passenger"),
                         ({"port_code": "abc"}, "port_code"),
                         ({"all_months": True}, "all_months needs port_code"),
                         ({"weekend_factors": {"passenger": 0.9}}, "weekend_factors needs port_code"),
                         ({"valuation": {"truck_hour_dollars": 1e305}}, "valuation.truck_hour_dollars"),
                         ({"alternatives": [{"scenario": BURST, "yearly_cost_dollars": 1e308}]}, "yearly_cost_dollars")):
        bad = api.post("/api/v1/appraisals", json={
            "base": {"scenario": BURST}, "alternatives": [{"scenario": BURST}], "replications": 1,
            "passengers_per_vehicle": 1.5, **extra})
        assert bad.status_code == 422 and words in bad.json()["error"]["message"], bad.text


def test_a_coming_day_is_calibrated_from_its_forecast_and_staffed(api, archive):
    import datetime as dt

    from borderflow.services.calibration import calibrate_forecast_day
    from borderflow.services.forecasting import train
    from borderflow.store.schema import observations
    from tests.services.test_forecasting import LAST, SMALL, readings

    with archive.begin() as conn:
        conn.execute(observations.insert(), readings())
    train(archive, crossing_ids=["535501"], params=SMALL)
    at = LAST + dt.timedelta(minutes=20)  # 2026-07-05 23:20 CDT: the forecast starts at midnight
    body = {"crossing_id": "535501", "mode": "passenger", "program": "standard",
            "forecast_day": "2026-07-06", "at": at.isoformat()}
    response = api.post("/api/v1/calibrations", json=body)
    assert response.status_code == 200, response.text
    got = response.json()
    expected = calibrate_forecast_day(archive, "535501", "passenger", "standard", dt.date(2026, 7, 6),
                                      as_of=at).to_json_dict()
    assert got["hours"] == expected["hours"] and got["forecast"] == expected["forecast"]
    assert got == as_json(expected)
    assert got["scenario"]["name"] == "forecast 535501 passenger standard 2026-07-06"
    plan = api.post("/api/v1/staffing", json={"scenario": got["scenario"], "target_p95_minutes": 20, "max_booths": 8,
                                              "replications": 10})
    assert plan.status_code == 200, plan.text
    assert plan.json()["hours"] == 24 and plan.json()["booth_hours"] > 0


def test_the_days_the_clocks_change_are_calibrated_and_staffed_hour_by_elapsed_hour(api, archive, monkeypatch):
    import datetime as dt

    from borderflow.services.calibration import calibrate_forecast_day

    from .clock_change_days import (
        EVE_OF_FALL_BACK,
        EVE_OF_SPRING_FORWARD,
        load_until,
        use_small_fit,
    )

    load_until(archive, EVE_OF_SPRING_FORWARD, EVE_OF_FALL_BACK)
    options = use_small_fit(monkeypatch)
    lane = {"crossing_id": "535501", "mode": "passenger", "program": "standard"}
    for day, eve, hours, labels in (
            ("2026-11-01", EVE_OF_FALL_BACK, 25, ["00:00 CDT", "01:00 CDT", "01:00 CST", "02:00 CST"]),
            ("2026-03-08", EVE_OF_SPRING_FORWARD, 23, ["00:00 CST", "01:00 CST", "03:00 CDT", "04:00 CDT"])):
        at = eve + dt.timedelta(minutes=20)  # the forecast starts at the day's midnight
        response = api.post("/api/v1/calibrations", json={**lane, "forecast_day": day, "at": at.isoformat()})
        assert response.status_code == 200, response.text
        got = response.json()
        if hours == 25:  # the numbers of borderflow calibrate, both 01:00 hours included
            expected = calibrate_forecast_day(archive, *lane.values(), dt.date.fromisoformat(day), as_of=at,
                                              options=options).to_json_dict()
            assert got == as_json(expected)
        assert len(got["hours"]) == hours and [h["label"] for h in got["hours"][:4]] == labels
        assert got["scenario"]["hours"] == hours and got["scenario"]["clock"]["timezone"] == "America/Chicago"
        plan = api.post("/api/v1/staffing", json={"scenario": got["scenario"], "target_p95_minutes": 20,
                                                  "max_booths": 8, "replications": 10})
        assert plan.status_code == 200, plan.text
        body = plan.json()
        assert body["hours"] == hours and body["hour_labels"][:4] == labels
        assert body["clock"] == got["scenario"]["clock"] and len(body["roster"]["on_duty"]) == hours
        assert len(body["lane_groups"]["lane"]["booths"]) == hours
    circular = api.post("/api/v1/staffing", json={"scenario": got["scenario"], "target_p95_minutes": 20,
                                                  "replications": 10, "shifts": {"circular": True}})
    assert circular.status_code == 422 and "the clocks change within" in circular.json()["error"]["message"]


def test_calibration_request_errors(api):
    lane = {"crossing_id": "535501", "mode": "passenger", "program": "standard"}
    cases = [
        ({**lane, "forecast_day": "2026-07-06", "start": "2026-07-01T00:00:00Z"}, 422, "not both"),
        (lane, 422, "forecast_day"),
        ({**lane, "start": "2024-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, 422, "at most 400 days"),
        ({**lane, "forecast_day": "2026-07-06", "smooth_hours": 2}, 422, "odd"),
        ({**lane, "start": "2026-07-01T00:00:00", "end": "2026-07-02T00:00:00Z"}, 422, "UTC offset"),
        ({**lane, "start": "2026-07-01T00:00:00Z", "end": "2026-07-02T00:00:00Z", "at": "2026-07-01T00:00:00Z"},
         422, "forecast_day"),
        # instants beyond UTC's range, a direction that is none, a window the wrong way round
        ({**lane, "start": "0001-01-01T00:00:00+14:00", "end": "0001-02-01T00:00:00Z"}, 422, "outside the years"),
        ({**lane, "start": "9999-12-01T00:00:00Z", "end": "9999-12-31T23:59:59-14:00"}, 422, "outside the years"),
        ({**lane, "direction": "sideways", "start": "2026-07-01T00:00:00Z", "end": "2026-07-02T00:00:00Z"},
         422, "direction must be one of northbound, southbound"),
        ({**lane, "start": "2026-07-02T00:00:00Z", "end": "2026-07-01T00:00:00Z"}, 422, "must be before its end"),
        # a number out of a field's range names the field and the range
        ({**lane, "start": "2026-07-01T00:00:00Z", "end": "2026-07-02T00:00:00Z", "booths": 20000}, 422,
         "booths: Input should be less than or equal to 1000"),
        # the fit's work grows with the booths: the web fits at most 40 in an hour
        ({**lane, "start": "2026-07-01T00:00:00Z", "end": "2026-07-02T00:00:00Z", "booths": 1000}, 422,
         "the web calibrates at most 40"),
    ]
    for body, status, words in cases:
        response = api.post("/api/v1/calibrations", json=body)
        assert response.status_code == status, (body, response.text)
        error = response.json()["error"]
        assert words in error["message"], (body, error)
        assert "--" not in error["message"], (body, error)  # no command-line options named to API users


@pytest.mark.parametrize("where", ["staffing", "appraisal", "calibration"])
def test_a_computation_whose_process_faults_is_one_clean_500_and_the_server_goes_on(api, archive, monkeypatch,
                                                                                   caplog, where):
    import datetime as dt

    from borderflow.api import routes_planning
    from borderflow.services import calibration
    from borderflow.store.schema import observations
    from tests.services.test_forecasting import START, readings

    if where == "staffing":
        monkeypatch.setattr(routes_planning, "plan_staffing", fault)
        path, body = "/api/v1/staffing", {"scenario": BURST, "target_p95_minutes": 5, "replications": 4}
    elif where == "appraisal":
        monkeypatch.setattr(routes_planning, "appraise", fault)
        path, body = "/api/v1/appraisals", {"base": {"scenario": BURST}, "alternatives": [{"scenario": BURST}],
                                            "replications": 1, "passengers_per_vehicle": 1.5}
    else:
        with archive.begin() as conn:
            conn.execute(observations.insert(), readings(hours=24 * 7))
        monkeypatch.setattr(calibration, "fit_calibration", fault)
        path, body = "/api/v1/calibrations", {
            "crossing_id": "535501", "mode": "passenger", "program": "standard",
            "start": START.isoformat(), "end": (START + dt.timedelta(days=7)).isoformat()}
    with caplog.at_level("ERROR"):
        response = api.post(path, json=body)
    assert response.status_code == 500, response.text
    assert response.json() == {"error": {
        "code": "internal_error",
        "message": "the computation's process stopped (SIGSEGV) before it answered; it has been logged"}}
    assert "Traceback" not in response.text and "its process stopped (SIGSEGV)" in caplog.text
    monkeypatch.undo()
    following = api.post("/api/v1/staffing", json={"scenario": BURST, "target_p95_minutes": 5, "replications": 4})
    assert following.status_code == 200, following.text


def test_computations_past_the_apis_slots_are_answered_busy_at_once(api, monkeypatch):
    from borderflow.api import routes_planning

    taken = threading.BoundedSemaphore(1)
    taken.acquire()  # every slot computing
    monkeypatch.setattr(routes_planning, "_COMPUTING", taken)
    body = {"scenario": BURST, "target_p95_minutes": 5, "replications": 4}
    busy = api.post("/api/v1/staffing", json=body)
    assert busy.status_code == 503 and busy.json()["error"]["code"] == "busy"
    assert busy.headers["Retry-After"] == "10" and "try again in 10 seconds" in busy.json()["error"]["message"]
    taken.release()
    assert api.post("/api/v1/staffing", json=body).status_code == 200
    # the slot is given back after an answer and after an error alike
    assert api.post("/api/v1/staffing", json={**body, "max_booths": 0}).status_code == 422
    assert taken.acquire(blocking=False)


def sleep_instead_of_staffing(*_args: Any) -> Any:
    """A computation that is still running when the server is told to stop."""
    import time
    from pathlib import Path

    Path(os.environ["BORDERFLOW_TEST_PID_FILE"]).write_text(str(os.getpid()))
    time.sleep(300)


SERVER = """
import sys

import uvicorn

from borderflow.api import create_app, routes_planning
from tests.planning.test_api import sleep_instead_of_staffing

if __name__ == "__main__":
    routes_planning.plan_staffing = sleep_instead_of_staffing
    uvicorn.run(create_app(database_url=sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def test_a_server_told_to_stop_does_not_wait_for_a_computation(tmp_path):
    """Ctrl-C twice (uvicorn's "force quit") while a staffing plan computes: the server
    stops within seconds, not when the computation would have ended, and its process goes too."""
    import socket
    import subprocess
    import sys
    import threading
    import time
    from pathlib import Path

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    script, pid_file = tmp_path / "server.py", tmp_path / "computing.pid"
    script.write_text(SERVER)
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "BORDERFLOW_TEST_PID_FILE": str(pid_file),
           "PYTHONPATH": os.pathsep.join([str(root / "src"), str(root), os.environ.get("PYTHONPATH", "")])}
    server = subprocess.Popen([sys.executable, str(script), f"sqlite:///{tmp_path / 'archive.sqlite3'}", str(port)],
                              env=env, cwd=tmp_path)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
            try:
                httpx.get(f"{url}/api/v1/ping", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        asked = threading.Thread(target=lambda: httpx.post(
            f"{url}/api/v1/staffing", json={"scenario": BURST, "target_p95_minutes": 5}, timeout=None), daemon=True)
        asked.start()
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the computation did not start"
            time.sleep(0.05)
        computing = int(pid_file.read_text())
        assert computing != server.pid  # it runs in a process of its own
        server.send_signal(signal.SIGINT)
        time.sleep(0.5)
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        with pytest.raises(ProcessLookupError):
            for _ in range(100):
                os.kill(computing, 0)
                time.sleep(0.05)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_requests_past_the_webs_work_budget_are_refused_before_any_simulation(api):
    """A small body must not buy gigabytes or an hour of a core: the budgets are checked
    before anything is simulated (each would otherwise take minutes here)."""
    def scenario(groups: int, hours: int, per_hour: float, booths: int = 1) -> dict[str, Any]:
        return {"name": "big", "hours": hours,
                "lane_groups": {f"g{i}": {"mode": "passenger", "program": "standard", "booths": booths,
                                          "service": {"dist": "exponential", "mean_seconds": 60}}
                                for i in range(groups)},
                "demand": [{"to": f"g{i}", "per_hour": per_hour} for i in range(groups)]}

    many = api.post("/api/v1/staffing", json={"scenario": scenario(60, 48, 1), "target_p95_minutes": 30})
    assert many.status_code == 422 and "at most 240 lane-group hours" in many.json()["error"]["message"]
    heavy = api.post("/api/v1/staffing", json={"scenario": scenario(1, 24, 4150, booths=80),
                                               "target_p95_minutes": 5, "replications": 400})
    assert heavy.status_code == 422 and "400 replications of 99,600 vehicles" in heavy.json()["error"]["message"]
    flood = scenario(2, 24, 1_000_000, booths=5000)
    big = api.post("/api/v1/appraisals", json={
        "base": {"scenario": flood}, "alternatives": [{"changes": [{"add_booths": {"group": "g0", "booths": 1}}]}],
        "replications": 1, "passengers_per_vehicle": 1.5})
    assert big.status_code == 422 and "48,000,000 vehicles a day" in big.json()["error"]["message"]
    huge = api.post("/api/v1/appraisals", json={
        "base": {"scenario": BURST}, "alternatives": [{"changes": [{"scale_booths": {"group": "lane", "factor": 1e308}}]}],
        "replications": 1, "passengers_per_vehicle": 1.5})
    assert huge.status_code == 422 and "too large or not finite" in huge.json()["error"]["message"]


def test_appraise_refusals_name_the_range_and_the_address(archive, capsys):
    from borderflow.cli.main import run

    base, alt = str(EXAMPLES / "otay_mesa_trucks_10_booths.yaml"), str(EXAMPLES / "otay_mesa_trucks.yaml")
    assert run(["appraise", base, alt, "-r", "1", "--passengers-per-vehicle", "101"]) == 1
    assert "must be a number > 0 and at most 100; got 101" in capsys.readouterr().err
    assert run(["appraise", base, alt, "-r", "1", "--scheduler", "nonsense"]) == 1
    err = capsys.readouterr().err
    assert "could not reach the Dask scheduler at nonsense" in err and "unexpected" not in err
    db = ["--db", archive.url.render_as_string(hide_password=False)]
    assert run([*db, "appraise", base, alt, "-r", "1", "--port", "2506", "--year", "0"]) == 1
    assert "the year of volumes must be a year like 2024 (1900-2199); got 0" in capsys.readouterr().err


def test_planning_bodies_are_held_to_the_scenario_limit(api):
    """A planning request is a scenario and settings: over 2 MB it is refused before it is
    read (a 14 MB scenario took the server 2 s to parse before it could be refused)."""
    big = b'{"scenario": {"name": "' + b"x" * 2_100_000 + b'"}, "target_p95_minutes": 5}'
    for path in ("/api/v1/staffing", "/api/v1/appraisals", "/api/v1/calibrations"):
        refused = api.post(path, content=big, headers={"content-type": "application/json"})
        assert refused.status_code == 413, path
        assert refused.json()["error"]["message"] == f"a request to {path} may be at most 2000000 bytes; send less"
    edits = api.post("/api/v1/appraisals", json={
        "base": {"scenario": BURST}, "passengers_per_vehicle": 1.5,
        "alternatives": [{"changes": [{"add_booths": {"group": "lane", "booths": 0}}] * 1001}]})
    assert edits.status_code == 422 and "at most 1000 items" in edits.json()["error"]["message"]
    # the archive's own upload keeps the server's larger limit
    upload = api.post("/api/v1/observations", content=b"x" * 2_100_000, headers={"content-type": "text/csv"})
    assert upload.status_code in (401, 403)
