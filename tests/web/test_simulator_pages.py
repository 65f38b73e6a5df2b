"""The simulator pages without JavaScript: the form, its quick changes, results, comparison."""

from __future__ import annotations

import html as html_lib
import json
import re
import warnings
from pathlib import Path
from typing import Any

import yaml

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from borderflow.services import simulations
from borderflow.sim import load_scenario, simulate

EXAMPLES = Path(__file__).parents[2] / "examples" / "scenarios"
SMALL = json.loads((EXAMPLES / "small_crossing.json").read_text())


def store(client: TestClient) -> simulations.JobStore:
    return simulations.store_for(client.app.state)  # type: ignore[attr-defined]


def textarea_of(page: str) -> str:
    return html_lib.unescape(page.split('name="scenario"')[1].split(">", 1)[1].split("</textarea>")[0])


def job_id_of(location: str) -> str:
    match = re.fullmatch(r"/simulator/runs/([0-9a-f]{32})", location)
    assert match, location
    return match.group(1)


def test_simulator_page_opens_examples(sqlite_client: TestClient) -> None:
    page = sqlite_client.get("/simulator").text
    assert '<html lang="en">' in page and "<title>Port simulator · BorderFlow</title>" in page
    assert page.count('<option value="') >= 4 and 'value="small_crossing" selected' in page
    assert json.loads(textarea_of(page)) == SMALL
    assert 'name="booths.general"' in page and 'name="booths.ready"' in page
    san_ysidro = sqlite_client.get("/simulator", params={"example": "san_ysidro_day"}).text
    assert "PUBLIC FIGURES USED" in san_ysidro and 'name="booths.sentri"' in san_ysidro
    missing = sqlite_client.get("/simulator", params={"example": "atlantis"})
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]


def test_form_run_applies_the_quick_changes_and_shows_the_results(sqlite_client: TestClient) -> None:
    form = {"scenario": yaml.safe_dump(SMALL), "demand_multiplier": "1.5", "booths.general": "1",
            "booths.ready": "-1", "replications": "4", "seed": "3", "example": "small_crossing"}
    response = sqlite_client.post("/simulator/run", data=form, follow_redirects=False)
    assert response.status_code == 303
    job = store(sqlite_client).wait(job_id_of(response.headers["location"]))
    assert job.status == "done" and job.label == "×1.5 · general +1 · ready -1"
    expected_input = json.loads(json.dumps(SMALL))
    for entry in expected_input["demand"]:
        entry["per_hour"] = [v * 1.5 for v in entry["per_hour"]]
    expected_input["lane_groups"]["general"]["booths"] = [b + 1 for b in SMALL["lane_groups"]["general"]["booths"]]
    expected_input["lane_groups"]["ready"]["booths"] = [max(0, b - 1) for b in SMALL["lane_groups"]["ready"]["booths"]]
    expected = simulate(load_scenario(expected_input), replications=4, seed=3).to_json_dict()
    assert job.results is not None
    assert {k: v for k, v in job.results.items() if k != "engine"} == \
        {k: v for k, v in expected.items() if k != "engine"}
    page = sqlite_client.get(response.headers["location"]).text
    for group_id, group in expected["lane_groups"].items():
        table = page.split(f'<table class="data results" data-group="{group_id}">')[1].split("</table>")[0]
        p95 = re.findall(r'data-field="wait_p95_minutes" data-value="([^"]+)">([^<]*)<', table)
        values = [row["wait_p95_minutes"] for row in group["hourly"]] + [group["total"]["wait_p95_minutes"]]
        assert [json.loads(raw) for raw, _ in p95] == values
        assert [text for _, text in p95] == ["—" if v is None else f"{v:,.1f}" for v in values]
    assert page.count('role="img"') == 2 * len(expected["lane_groups"])


def test_form_compare_runs_both_and_shows_the_difference(sqlite_client: TestClient) -> None:
    form = {"scenario": json.dumps(SMALL), "demand_multiplier": "1", "booths.general": "-1",
            "replications": "3", "compare": "1"}
    response = sqlite_client.post("/simulator/run", data=form, follow_redirects=False)
    assert response.status_code == 303
    a, b = re.fullmatch(r"/simulator/compare\?a=([0-9a-f]{32})&b=([0-9a-f]{32})",
                        response.headers["location"]).groups()  # type: ignore[union-attr]
    job_a, job_b = store(sqlite_client).wait(a), store(sqlite_client).wait(b)
    assert (job_a.label, job_b.label) == ("", "general -1")
    page = sqlite_client.get(response.headers["location"]).text
    table = page.split('<table class="data compare" data-group="general">')[1].split("</table>")[0]
    assert job_a.results is not None and job_b.results is not None
    hourly_a = job_a.results["lane_groups"]["general"]["hourly"]
    hourly_b = job_b.results["lane_groups"]["general"]["hourly"]
    diffs = re.findall(r'<td data-value="([^"]+)" class="[a-z]*">([^<]*)</td>', table)
    assert len(diffs) == len(hourly_a)
    for (raw, text), ra, rb in zip(diffs, hourly_a, hourly_b):
        assert json.loads(raw) == round(rb["wait_p95_minutes"] - ra["wait_p95_minutes"], 6)
        assert text == f"{rb['wait_p95_minutes'] - ra['wait_p95_minutes']:+.1f}"


def test_form_errors_come_back_in_the_form_in_the_readers_language(sqlite_client: TestClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"scenario": "name: [oops"}, "el escenario no es YAML ni JSON válido en la línea 1"),
        ({"scenario": "# only a comment"}, ("un escenario debe ser un mapeo con name, hours, lane_groups y demand; "
                                          "se recibió nada (el texto está vacío)")),
        ({"scenario": "- a\n- b"}, "se recibió una lista de 2 elementos"),
        ({"scenario": json.dumps(SMALL), "demand_multiplier": "lots"},
         "«Multiplicador de demanda» debe ser un número; se recibió «lots»"),
        ({"scenario": json.dumps({**SMALL, "hours": -2})}, "hours debe ser un número entero de 1 a"),
        ({"scenario": json.dumps(SMALL), "demand_multiplier": "30", "replications": "1000"},
         "reduzca las réplicas o las horas, o ejecútelo con «borderflow simulate ARCHIVO»"),
    ]
    sqlite_client.cookies.set("borderflow_lang", "es")
    for form, words in cases:
        response = sqlite_client.post("/simulator/run", data=form)
        assert response.status_code == 422, form
        page = response.text
        assert '<html lang="es">' in page and "El escenario no puede ejecutarse:" in page
        assert words in html_lib.unescape(page) and "must be" not in page
        assert textarea_of(page) == form["scenario"]  # the text is kept for fixing
    sqlite_client.cookies.delete("borderflow_lang")


def test_run_and_compare_pages_for_missing_or_unfinished_runs(sqlite_client: TestClient) -> None:
    assert sqlite_client.get("/simulator/runs/nope").status_code == 404
    sqlite_client.app.state.simulations = simulations.JobStore(sqlite_client.app.state.engine, threads=0)  # type: ignore[attr-defined]
    job = store(sqlite_client).submit(load_scenario(SMALL), label="waiting")
    page = sqlite_client.get(f"/simulator/runs/{job.id}").text
    assert f'data-job="{job.id}"' in page and "<progress" in page and 'http-equiv="refresh"' in page
    other = store(sqlite_client).submit(load_scenario(SMALL))
    compare = sqlite_client.get("/simulator/compare", params={"a": job.id, "b": other.id}).text
    assert compare.count("<progress") == 2
    same = sqlite_client.get("/simulator/compare", params={"a": job.id, "b": job.id})
    assert same.status_code == 422 and "Choose two different runs." in same.text
    assert sqlite_client.get("/simulator/compare", params={"a": job.id, "b": "x"}).status_code == 404
    listing = sqlite_client.get("/simulator").text
    assert f'href="/simulator/runs/{job.id}"' in listing and "queued" in listing


def clock_day(hours: int, start: str) -> dict[str, Any]:
    """SMALL as one day of Brownsville (America/Chicago) from ``start``, ``hours`` long."""
    return {**SMALL, "hours": hours, "clock": {"start": start, "timezone": "America/Chicago"},
            "lane_groups": {gid: {**g, "booths": 2} for gid, g in SMALL["lane_groups"].items()},
            "demand": [{**d, "per_hour": 40} for d in SMALL["demand"]]}


FALL_BACK = clock_day(25, "2026-11-01T00:00:00-05:00")
SPRING_FORWARD = clock_day(23, "2026-03-08T00:00:00-06:00")
#: The x axis's tick labels (drawn 20 px below the plot) of each chart on a page, in order.
X_TICK = re.compile(r'<text class="tick" x="([0-9.]+)" y="250\.0" text-anchor="[a-z]+">([^<]*)</text>')


def run_page_of(client: TestClient, scenario: dict[str, Any], lang: str = "en") -> tuple[str, dict[str, Any]]:
    response = client.post("/simulator/run", data={"scenario": json.dumps(scenario), "replications": "2"},
                           follow_redirects=False)
    job = store(client).wait(job_id_of(response.headers["location"]))
    assert job.status == "done" and job.results is not None
    client.cookies.set("borderflow_lang", lang)
    try:
        return client.get(response.headers["location"]).text, job.results
    finally:
        client.cookies.delete("borderflow_lang")


def charts_of(page: str) -> list[str]:
    return [svg.split("</svg>")[0] for svg in page.split("<svg")[1:]]


def test_a_run_of_the_day_the_clocks_go_back_is_labelled_by_its_clock(sqlite_client: TestClient) -> None:
    page, results = run_page_of(sqlite_client, FALL_BACK)
    labels = results["hour_labels"]
    assert labels[:4] == ["00:00 CDT", "01:00 CDT", "01:00 CST", "02:00 CST"] and labels[-1] == "23:00 CST"
    for group_id in results["lane_groups"]:
        table = page.split(f'<table class="data results" data-group="{group_id}">')[1].split("</table>")[0]
        assert re.findall(r'<tr data-hour="(\d+)"><th scope="row">([^<]*)</th>', table) == \
            [(str(h), label) for h, label in enumerate(labels)]
    clock_note = html_lib.unescape(page.split('<p id="run-clock">')[1].split("</p>")[0])
    assert clock_note == ("The hours are those of the clock in America/Chicago, from 00:00 CDT to 23:00 CST (25 hours "
                          "as they elapse). The clocks go back within them, so 01:00 comes twice (01:00 CDT and "
                          "01:00 CST).")
    waits, queue = charts_of(page)[:2]
    # the time axis is the local clock's: 03:00 CST is four hours after midnight CDT, and
    # the last hour (hour 24, 23:00 CST) is not a second midnight "00"
    ticks = [label for _, label in X_TICK.findall(waits)]
    assert ticks == ["Nov 1", "03:00", "06:00", "09:00", "12:00", "15:00", "18:00", "21:00"]
    x = {label: float(at) for at, label in X_TICK.findall(waits)}
    hour_width = (x["06:00"] - x["03:00"]) / 3
    assert abs((x["03:00"] - x["Nov 1"]) - 4 * hour_width) < 0.2
    assert [label for _, label in X_TICK.findall(queue)] == ticks
    bar_titles = re.findall(r"<title>([^<]*)</title></rect>", queue)
    assert [title.rsplit(":", 1)[0] for title in bar_titles] == labels
    spanish, _ = run_page_of(sqlite_client, FALL_BACK, "es")
    assert "así que las 01:00 se repiten (01:00 CDT y 01:00 CST)" in html_lib.unescape(spanish)
    assert [label for _, label in X_TICK.findall(charts_of(spanish)[0])][:2] == ["1 nov", "03:00"]


def test_a_run_of_the_day_the_clocks_go_forward_has_no_two_oclock(sqlite_client: TestClient) -> None:
    page, results = run_page_of(sqlite_client, SPRING_FORWARD)
    rows = re.findall(r'<tr data-hour="\d+"><th scope="row">([^<]*)</th>', page)
    assert rows[:23] == results["hour_labels"] and rows[:3] == ["00:00 CST", "01:00 CST", "03:00 CDT"]
    assert not any(row.startswith("02:") for row in rows)
    assert "The clocks go forward within them, so there is no 02:00." in page.split('<p id="run-clock">')[1]
    assert "Mar 8" in [label for _, label in X_TICK.findall(charts_of(page)[0])]


def test_two_runs_of_one_clock_are_compared_by_it_and_of_two_clocks_by_hour_number(sqlite_client: TestClient) -> None:
    def compare(a: dict[str, Any], b: dict[str, Any]) -> str:
        jobs = [store(sqlite_client).submit(load_scenario(s).with_run_options(2, 1)) for s in (a, b)]
        for job in jobs:
            assert store(sqlite_client).wait(job.id).status == "done"
        return sqlite_client.get("/simulator/compare", params={"a": jobs[0].id, "b": jobs[1].id}).text

    busier = {**FALL_BACK, "demand": [{**d, "per_hour": 50} for d in FALL_BACK["demand"]]}
    page = compare(FALL_BACK, busier)
    table = page.split('<table class="data compare" data-group="general">')[1].split("</table>")[0]
    rows = re.findall(r'<th scope="row">([^<]*)</th>', table)
    assert rows[1:3] == ["01:00 CDT", "01:00 CST"] and len(rows) == 26  # 25 hours and the total
    assert "01:00 comes twice" in page.split('<p id="run-clock">')[1]
    other_day = clock_day(25, "2026-11-02T00:00:00-06:00")
    page = compare(FALL_BACK, other_day)
    table = page.split('<table class="data compare" data-group="general">')[1].split("</table>")[0]
    assert re.findall(r'<th scope="row">([^<]*)</th>', table)[:3] == ["00", "01", "02"]
    assert 'id="run-clock"' not in page
