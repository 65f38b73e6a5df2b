"""Simulations over the API: examples, jobs with progress, results equal to the CLI's --json."""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from borderflow.cli.simulate import simulate_command
from borderflow.errors import BadInputError
from borderflow.services import simulations
from borderflow.sim import load_scenario, simulate
from tests.web.conftest import web_app

EXAMPLES = Path(__file__).parents[2] / "examples" / "scenarios"
SMALL = json.loads((EXAMPLES / "small_crossing.json").read_text())


@pytest.fixture
def api(sqlite_engine: Engine) -> Iterator[TestClient]:
    with TestClient(web_app(sqlite_engine), raise_server_exceptions=False) as client:
        yield client


def finished(api: TestClient, job_id: str, timeout_seconds: float = 60) -> tuple[dict[str, Any], list[float]]:
    """Poll until the job is done or failed; returns it and the progress values seen."""
    seen: list[float] = []
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        body = api.get(f"/api/v1/simulations/{job_id}").json()
        seen.append(body["progress"])
        if body["status"] in ("done", "failed"):
            return body, seen
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not finish in {timeout_seconds} s")


def without_engine(results: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in results.items() if k != "engine"}


def assert_envelope(body: dict[str, Any], code: str) -> None:
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert body["error"]["message"]


def test_examples_are_listed_and_served(api: TestClient) -> None:
    items = api.get("/api/v1/scenarios/examples").json()["items"]
    ids = {item["id"] for item in items}
    assert {"small_crossing", "san_ysidro_day", "commercial_fast", "mmc_check"} <= ids
    small = next(i for i in items if i["id"] == "small_crossing")
    assert small["hours"] == 8 and small["lane_groups"] == ["general", "ready"]
    one = api.get("/api/v1/scenarios/examples/san_ysidro_day").json()
    assert one["format"] == "yaml" and "PUBLIC FIGURES USED" in one["text"]
    assert load_scenario(one["scenario"]).name == one["name"]
    missing = api.get("/api/v1/scenarios/examples/atlantis")
    assert missing.status_code == 404
    assert_envelope(missing.json(), "not_found")


def test_a_job_reports_progress_and_gives_the_cli_results(api: TestClient, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    response = api.post("/api/v1/simulations", json=SMALL, params={"replications": 6, "seed": 11})
    assert response.status_code == 202
    job = response.json()
    assert response.headers["location"] == f"/api/v1/simulations/{job['id']}"
    assert job["status"] in ("queued", "running", "done") and 0 <= job["progress"] <= 1
    body, seen = finished(api, job["id"])
    assert body["status"] == "done" and body["progress"] == 1.0 and body["replications_done"] == 6
    assert seen == sorted(seen) and all(0 <= p <= 1 for p in seen)
    path = tmp_path / "small.json"
    path.write_text(json.dumps(SMALL))
    simulate_command(path, replications=6, seed=11, json_out=True, workers=1)
    cli = json.loads(capsys.readouterr().out)
    assert without_engine(body["results"]) == without_engine(cli)
    assert body["results"]["engine"]["vehicles"] == cli["engine"]["vehicles"]


def test_yaml_body_and_the_shipped_examples_match_simulate(api: TestClient) -> None:
    text = (EXAMPLES / "mmc_check.yaml").read_text()
    response = api.post("/api/v1/simulations?replications=3", content=text.encode(),
                        headers={"Content-Type": "application/yaml"})
    assert response.status_code == 202, response.text
    body, _ = finished(api, response.json()["id"])
    expected = simulate(load_scenario(EXAMPLES / "mmc_check.yaml"), replications=3).to_json_dict()
    assert without_engine(body["results"]) == without_engine(expected)


@pytest.mark.parametrize(("body", "headers", "status", "code", "words"), [
    (b'{"hours": 0}', {}, 422, "bad_input", "hours"),
    (b"{not json", {}, 422, "bad_input", "JSON"),
    (b"[1, 2]", {}, 422, "bad_input", "scenario object"),
    (b"name: [unclosed", {"Content-Type": "application/yaml"}, 422, "bad_input", "YAML"),
    (b"hello", {"Content-Type": "text/plain"}, 415, "unsupported_media_type", "application/json"),
    (b"\xff\xfe", {}, 422, "bad_input", "UTF-8"),
])
def test_bad_scenarios_get_the_envelope(api: TestClient, body: bytes, headers: dict[str, str], status: int,
                                        code: str, words: str) -> None:
    response = api.post("/api/v1/simulations", content=body,
                        headers={"Content-Type": "application/json", **headers})
    assert response.status_code == status, response.text
    assert_envelope(response.json(), code)
    assert words in response.json()["error"]["message"]


def test_every_problem_of_a_scenario_is_named(api: TestClient) -> None:
    bad = json.loads(json.dumps(SMALL))
    bad["lane_groups"]["general"]["booths"][3] = -1
    bad["demand"][0]["to"] = "nowhere"
    message = api.post("/api/v1/simulations", json=bad).json()["error"]["message"]
    assert "booths" in message and "hour 3" in message and "nowhere" in message


def test_run_options_and_size_limits(api: TestClient) -> None:
    for params in ({"replications": 0}, {"replications": "x"}, {"seed": -1}):
        response = api.post("/api/v1/simulations", json=SMALL, params=params)
        assert response.status_code == 422, params
        assert_envelope(response.json(), "bad_input")
    huge = {**SMALL, "hours": 2000, "replications": 1000,
            "lane_groups": {"g": {"mode": "passenger", "program": "standard", "booths": 40,
                                  "service": {"dist": "exponential", "mean_seconds": 60}}},
            "demand": [{"to": "g", "per_hour": 1000}]}
    response = api.post("/api/v1/simulations", json=huge)
    assert response.status_code == 422
    assert "borderflow simulate" in response.json()["error"]["message"]
    # few vehicles, but a year of hours x 2,000 replications: 1.7 GB of statistics
    sparse = {**huge, "hours": 8784, "replications": 2000, "demand": [{"to": "g", "per_hour": 0.05}]}
    response = api.post("/api/v1/simulations", json=sparse)
    assert response.status_code == 422
    assert "statistics would take about 1,662 MiB" in response.json()["error"]["message"]
    assert simulations.statistics_bytes(load_scenario({**sparse, "replications": 200})) < (
        simulations.MAX_JOB_STATISTICS_BYTES)  # a year of 200 replications still runs
    too_long = b'{"name": "' + b"x" * 2_100_000 + b'"}'
    response = api.post("/api/v1/simulations", content=too_long, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert_envelope(response.json(), "payload_too_large")


def test_unknown_job_and_a_full_queue(api: TestClient) -> None:
    missing = api.get("/api/v1/simulations/0123456789abcdef")
    assert missing.status_code == 404
    assert_envelope(missing.json(), "not_found")
    api.app.state.simulations = simulations.JobStore(api.app.state.engine, threads=0, max_queued=1)  # type: ignore[attr-defined]
    first = api.post("/api/v1/simulations", json=SMALL)
    assert first.status_code == 202 and first.json()["status"] == "queued"
    second = api.post("/api/v1/simulations", json=SMALL)
    assert second.status_code == 429
    assert_envelope(second.json(), "too_many_requests")
    listed = api.get("/api/v1/simulations").json()["items"]
    assert [j["id"] for j in listed] == [first.json()["id"]] and listed[0]["results"] is None


def test_a_scenario_with_a_clock_gives_its_clock_and_hour_labels_as_the_cli_does(
        api: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The day the clocks go back at Brownsville: 25 hours, 01:00 twice; a scenario without
    a clock answers without either key, as before."""
    clock = {"start": "2026-11-01T00:00:00-05:00", "timezone": "America/Chicago"}
    day = {**SMALL, "hours": 25, "clock": clock,
           "lane_groups": {gid: {**g, "booths": 2} for gid, g in SMALL["lane_groups"].items()},
           "demand": [{**d, "per_hour": 40} for d in SMALL["demand"]]}
    body, _ = finished(api, api.post("/api/v1/simulations", json=day, params={"replications": 2}).json()["id"])
    results = body["results"]
    assert list(results)[:6] == ["scenario", "hours", "replications", "seed", "clock", "hour_labels"]
    assert results["clock"] == clock and len(results["hour_labels"]) == 25
    assert results["hour_labels"][1:3] == ["01:00 CDT", "01:00 CST"]
    path = tmp_path / "day.json"
    path.write_text(json.dumps(day))
    simulate_command(path, replications=2, seed=None, json_out=True, workers=1)
    assert without_engine(results) == without_engine(json.loads(capsys.readouterr().out))
    plain, _ = finished(api, api.post("/api/v1/simulations", json=SMALL, params={"replications": 2}).json()["id"])
    assert list(plain["results"]) == ["scenario", "hours", "replications", "seed", "lane_groups", "engine"]
    schema = api.get("/openapi.json").json()["components"]["schemas"]
    job_results = schema["SimulationJob"]["properties"]["results"]["anyOf"][0]["$ref"]
    assert job_results == "#/components/schemas/SimulationResults"
    described = schema["SimulationResults"]["properties"]
    assert {"clock", "hour_labels", "lane_groups", "engine"} <= set(described)
    assert set(schema["SimulationClock"]["properties"]) == {"start", "timezone"}


def test_openapi_describes_the_simulation_routes(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/api/v1/scenarios/examples", "/api/v1/scenarios/examples/{example_id}", "/api/v1/simulations",
            "/api/v1/simulations/{job_id}"} <= set(paths)
    assert "application/yaml" in paths["/api/v1/simulations"]["post"]["requestBody"]["content"]
    assert not any(p == "/" or p.startswith(("/simulator", "/crossings/", "/lang/")) for p in paths)


# -- the service --------------------------------------------------------------------------------


@pytest.mark.parametrize("example_id", ["small_crossing", "commercial_fast"])
def test_run_with_progress_equals_simulate(example_id: str) -> None:
    scenario = load_scenario(simulations.example(example_id)["scenario"]).with_run_options(replications=4)
    seen: list[tuple[int, int]] = []
    ours = simulations.run_with_progress(scenario, lambda done, total: seen.append((done, total)))
    assert seen == [(k, 4) for k in range(1, 5)]
    assert without_engine(ours.to_json_dict()) == without_engine(simulate(scenario).to_json_dict())


def test_apply_edits_scales_demand_moves_booths_and_keeps_the_original() -> None:
    data = {"hours": 2, "lane_groups": {"a": {"booths": [1, 3]}, "b": {"booths": 2}},
            "demand": [{"to": "a", "per_hour": [10, 20]}, {"to": "b", "per_hour": 5}]}
    before = json.dumps(data)
    edited = simulations.apply_edits(data, demand_multiplier=1.5, booth_changes={"a": -2, "b": 1, "zz": 4},
                                     replications=7, seed=9)
    assert edited["demand"] == [{"to": "a", "per_hour": [15.0, 30.0]}, {"to": "b", "per_hour": 7.5}]
    assert edited["lane_groups"] == {"a": {"booths": [0, 1]}, "b": {"booths": 3}}
    assert (edited["replications"], edited["seed"]) == (7, 9)
    assert json.dumps(data) == before
    for bad in (-1, 101, float("nan"), float("inf")):
        with pytest.raises(BadInputError, match="multiplier"):
            simulations.apply_edits(data, demand_multiplier=bad)


def test_scenario_text_must_be_a_mapping() -> None:
    assert simulations.parse_scenario_text(yaml.safe_dump(SMALL)) == SMALL
    for text in ("- 1\n- 2\n", "just words", "a: [b"):
        with pytest.raises(BadInputError):
            simulations.parse_scenario_text(text)
    # an alias that refers to itself, an alias at all, and nesting no scenario has: one-line 422s, not 500s
    for text, says in (("a: &a [*a]", "alias"), ("x: &v 1\ny: *v", "alias"), ("[" * 50_000, "nested too deeply"),
                       ('{"a":' * 50_000, "nested too deeply")):
        with pytest.raises(BadInputError, match=says):
            simulations.parse_scenario_text(text)
