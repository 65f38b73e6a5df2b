"""The charts as the pages draw them: clipped to their frames, with a visible title and keys."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
import warnings
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import Engine

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette asks for httpx2; httpx works
    from fastapi.testclient import TestClient

from borderflow.services import simulations
from borderflow.services.ingest import Ingestor
from borderflow.sim import load_scenario
from tests.web.conftest import CASCADE, load, train_small_model
from tests.web.test_simulator_pages import SMALL


def svgs(html: str, css: str) -> list[ET.Element]:
    """Every ``<svg class="chart {css}...">`` of a page, parsed."""
    return [ET.fromstring(m) for m in re.findall(rf'<svg class="chart {css}[ "].*?</svg>', html, re.DOTALL)]


def test_a_forecast_that_starts_before_the_window_is_clipped_to_the_plot(sqlite_client: TestClient,
                                                                          sqlite_engine: Engine) -> None:
    """The newest reading is at 11:00 on 1 September: its forecast runs into the 2nd, the
    day shown, from 12 hours before it. The chart's lines and band are drawn inside a
    clip of the plot frame, so whatever a caller passes from before the window stays off
    the y labels (the page also keeps only the forecast hours inside the window)."""
    load(sqlite_engine, CASCADE)
    train_small_model(sqlite_engine)
    csv = ("crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
           "300402,passenger,standard,2018-09-01T18:00:00Z,12,4,delay,loops\n")
    assert Ingestor(sqlite_engine).ingest_bytes(csv.encode(), "late.csv", "observations-csv").stored == 1
    html = sqlite_client.get("/crossings/300402", params={"days": "1", "until": "2018-09-02"}).text
    hours = [dt.datetime.fromisoformat(h) for h in
             re.findall(r'<time datetime="([^"]+)">', html.split('id="forecast-table"')[1].split("</table>")[0])]
    window_start = dt.datetime(2018, 9, 2, 7, tzinfo=dt.UTC)  # local midnight, PDT
    assert hours[0] < window_start < hours[-1]  # a window that starts inside the forecast
    (chart,) = svgs(html, "lines")
    (clip,) = chart.findall("./defs/clipPath")
    grid = chart.find("line[@class='grid']")
    rect = clip.find("rect")
    assert grid is not None and rect is not None
    assert float(rect.get("x", "")) == float(grid.get("x1", ""))
    plot = chart.find("g[@class='plot']")
    assert plot is not None and plot.get("clip-path") == f"url(#{clip.get('id')})"
    inside = {el.get("class") for el in plot}
    assert {"band b-forecast", "line s-forecast"} <= inside
    assert not [el for el in chart if el.tag in ("polygon", "polyline", "circle")]


def x_labels(chart: ET.Element) -> list[str]:
    marks = {el.get("x1") for el in chart if el.get("class") == "tick-mark"}
    return [el.text or "" for el in chart if el.tag == "text" and el.get("class") == "tick" and el.get("x") in marks]


def test_the_history_axis_is_labelled_at_every_local_midnight_in_the_pages_language(
        sqlite_client: TestClient, sqlite_engine: Engine) -> None:
    load(sqlite_engine, CASCADE)  # the newest reading: 2018-08-31 23:00 PDT
    html = sqlite_client.get("/crossings/300402", params={"days": "7"}).text
    (chart,) = svgs(html, "lines")
    assert x_labels(chart) == ["Aug 25", "Aug 26", "Aug 27", "Aug 28", "Aug 29", "Aug 30", "Aug 31", "Sep 1"]
    sqlite_client.cookies.set("borderflow_lang", "es")
    html = sqlite_client.get("/crossings/300402", params={"days": "365"}).text
    sqlite_client.cookies.delete("borderflow_lang")
    (chart,) = svgs(html, "lines")
    assert x_labels(chart) == ["sep 2017", "nov", "ene 2018", "mar", "may", "jul", "sep"]


def test_the_hour_of_week_map_has_a_colour_key_in_both_languages(sqlite_client: TestClient,
                                                                 sqlite_engine: Engine) -> None:
    load(sqlite_engine, CASCADE)
    for lang, title, empty in (("en", "Mean wait (minutes)", "No readings"),
                               ("es", "Espera media (minutos)", "Sin lecturas")):
        sqlite_client.cookies.set("borderflow_lang", lang)
        html = sqlite_client.get("/crossings/300402", params={"days": "30"}).text
        (heat,) = svgs(html, "heat")
        key = heat.find("g[@class='heat-key']")
        assert key is not None
        texts = [t.text or "" for t in key.iter("text")]
        assert texts[0] == title and texts[-1] == empty
        shown = [float(v) for v in re.findall(r'<td data-value="([0-9.]+)">',
                                              html.split('id="heat-table"')[1].split("</table>")[0])]
        assert texts[1] == "0" and float(texts[-2]) == round(max(shown))  # the key runs to the darkest cell
    sqlite_client.cookies.delete("borderflow_lang")


def captions_and_titles(html: str) -> list[tuple[str, str]]:
    """(visible caption, the SVG's own title) of every chart figure of a page."""
    found = re.findall(r'<figure[^>]*>\s*<figcaption[^>]*>(.*?)</figcaption>\s*<svg class="chart[^>]*>'
                       r'<title id="[^"]+">(.*?)</title>', html, re.DOTALL)
    return [(html_lib.unescape(a).strip(), html_lib.unescape(b)) for a, b in found]


def test_every_simulator_chart_has_a_visible_title_and_the_queue_column_says_what_it_measures(
        sqlite_client: TestClient) -> None:
    jobs = simulations.store_for(sqlite_client.app.state)  # type: ignore[attr-defined]
    scenario = load_scenario(SMALL)
    a, b = (jobs.wait(jobs.submit(scenario, label=label).id) for label in ("a", "b"))
    assert a.results is not None
    for lang, queue_title, header in (
            ("en", "Longest queue per hour (vehicles), lane group general", "Longest queue per open booth (m)"),
            ("es", "Cola más larga por hora (vehículos), grupo general", "Cola máxima por caseta abierta (m)")):
        sqlite_client.cookies.set("borderflow_lang", lang)
        run = sqlite_client.get(f"/simulator/runs/{a.id}").text
        shown = captions_and_titles(run)
        assert len(shown) == run.count('<svg class="chart') == 2 * len(a.results["lane_groups"])
        assert all(caption == title for caption, title in shown)
        assert (queue_title, queue_title) in shown
        assert f'aria-describedby="queue-m-note">{header}</th>' in html_lib.unescape(run)
        compare = sqlite_client.get("/simulator/compare", params={"a": a.id, "b": b.id}).text
        shown = captions_and_titles(compare)
        assert len(shown) == compare.count('<svg class="chart') == len(a.results["lane_groups"])
        assert all(caption == title for caption, title in shown)
    sqlite_client.cookies.delete("borderflow_lang")
    # what the column holds: the longest queue's vehicles x spacing / booths open that hour
    spacing = {g.id: g.queue_spacing_metres for g in scenario.lane_groups}
    booths = {g.id: g.booths for g in scenario.lane_groups}
    for group_id, group in a.results["lane_groups"].items():
        for row in group["hourly"]:
            per_booth = row["queue_max_vehicles"] * spacing[group_id] / max(booths[group_id][row["hour"]], 1)
            assert row["queue_max_metres"] == pytest.approx(per_booth), (group_id, row["hour"])
