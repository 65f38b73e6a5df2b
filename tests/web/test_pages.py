"""The overview and crossing pages over HTTP: numbers equal the services', both languages, errors as HTML."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from borderflow.services import queries
from borderflow.services.ingest import Ingestor
from borderflow.web import overview
from borderflow.web.crossing import window
from borderflow.web.severity import severity
from tests.web.conftest import (
    BTS_EL_PASO_YSLETA,
    BTS_SAN_YSIDRO,
    CASCADE,
    RSS,
    load,
    train_small_model,
    web_app,
)

ROW = r'<tr data-search="[^"]*" data-crossing="(\d{6})">'


def in_spanish(client: TestClient, path: str, **kwargs: Any) -> Any:
    """GET with the language cookie set to Spanish (and cleared after)."""
    client.cookies.set("borderflow_lang", "es")
    try:
        return client.get(path, **kwargs)
    finally:
        client.cookies.delete("borderflow_lang")


def row_of(html: str, crossing_id: str) -> str:
    match = re.search(rf'<tr data-search="[^"]*" data-crossing="{crossing_id}">(.*?)</tr>', html, re.DOTALL)
    assert match, crossing_id
    return match.group(1)


def test_overview_shows_every_crossing_and_its_current_waits(client: TestClient, engine: Engine) -> None:
    response = client.get("/")
    assert response.status_code == 200 and response.headers["content-language"] == "en"
    html = response.text
    assert '<html lang="en">' in html and "<title>Border wait times · BorderFlow</title>" in html
    crossings = overview.all_crossings(engine)
    assert html.count('<tr data-search=') == len(crossings) >= 77
    current = {(w["crossing_id"], w["mode"], w["program"]): w for w in queries.current_waits(engine)
               if w["direction"] == "northbound"}
    checked = 0
    for c in crossings:
        cells = re.findall(r'<td class="(sev[^"]*)"(?: data-wait="(\d*)")?>', row_of(html, c["crossing_id"]))
        assert len(cells) == len(overview.LANE_COLUMNS)
        for (css, wait), (mode, program) in zip(cells, overview.LANE_COLUMNS):
            reading = current.get((c["crossing_id"], mode, program))
            if reading is None:
                assert css == "sev-none"
                continue
            # a reading more than a day old keeps its number and age but is not coloured as current
            current_colour = severity(reading["wait_minutes"]) if reading["age_minutes"] <= 24 * 60 else "grey"
            assert css == f"sev sev-{current_colour}"
            assert wait == ("" if reading["wait_minutes"] is None else str(reading["wait_minutes"]))
            checked += 1
    assert checked == len(current) > 200


def test_overview_search_and_border_filter(client: TestClient) -> None:
    html = client.get("/", params={"q": "BRÓWNSVILLE texas"}).text
    assert set(re.findall(ROW, html)) == {"535501", "535502", "535503", "535504"}
    canada = client.get("/", params={"border": "canada"}).text
    rows = re.findall(ROW, canada)
    assert rows and all(r in {c.crossing_id for c in _catalog("canada")} for r in rows)
    none = client.get("/", params={"q": "atlantis"}).text
    assert "No crossing matches this search." in none


def _catalog(border: str) -> list:  # type: ignore[type-arg]
    from borderflow.catalog import crossings

    return [c for c in crossings() if c.border == border]


def test_maps_link_every_located_crossing_coloured_by_its_longest_wait(client: TestClient, engine: Engine) -> None:
    """Coloured by the longest wait of the readings from the last 24 hours: a crossing whose
    newest reading is older is grey ("no current wait reported"), its age in the table."""
    from borderflow.services.ingest import Ingestor

    recent = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).replace(microsecond=0).isoformat()
    csv = ("crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
           f"250401,passenger,standard,{recent},50,20,delay,loops\n")
    assert Ingestor(engine).ingest_bytes(csv.encode(), "recent.csv", "observations-csv").stored == 1
    html = client.get("/").text
    points = re.findall(r'<a href="/crossings/(\d{6})" aria-label="([^"]+)" class="crossing-link".*?'
                        r'class="pt sev-(\w+)"', html)
    assert len({p[0] for p in points}) == sum(1 for c in overview.all_crossings(engine)
                                            if c["latitude"] is not None)
    longest: dict[str, int] = {}
    for w in queries.current_waits(engine):
        if w["direction"] == "northbound" and w["wait_minutes"] is not None and w["age_minutes"] <= 24 * 60:
            longest[w["crossing_id"]] = max(longest.get(w["crossing_id"], 0), w["wait_minutes"])
    assert longest == {"250401": 50}  # the 2022 capture is years old: only the new reading is current
    for crossing_id, label, css in points:
        assert css == severity(longest.get(crossing_id))
        assert label.endswith(f"{longest[crossing_id]} min" if crossing_id in longest else "no current wait reported")
    assert html.count('role="img" aria-labelledby="map-') == 2


def test_language_cookie_header_and_switch(client: TestClient) -> None:
    spanish = in_spanish(client, "/").text
    assert '<html lang="es">' in spanish and "Tiempos de espera en la frontera" in spanish
    assert "Frontera México–Estados Unidos" in spanish and "hace " in spanish
    assert '<html lang="es">' in client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}).text
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "fr, en;q=0.8"}).text
    response = client.get("/lang/es", params={"next": "/crossings/250401?days=30"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/crossings/250401?days=30"
    cookie = response.headers["set-cookie"]
    assert "borderflow_lang=es" in cookie and "Max-Age=31536000" in cookie and "samesite=lax" in cookie.lower()
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        assert client.get("/lang/en", params={"next": evil}, follow_redirects=False).headers["location"] == "/"
    unknown = client.get("/lang/fr")
    assert unknown.status_code == 404 and "text/html" in unknown.headers["content-type"]
    # a page only a posted form reaches goes back to the form, which answers a GET
    back = client.get("/lang/es", params={"next": "/simulator/run"}, follow_redirects=False)
    assert back.headers["location"] == "/simulator"
    assert client.get("/lang/es", params={"next": "/simulator/run"}).status_code == 200
    # a shareable link names its language, and the switch replaces it
    assert '<html lang="es">' in client.get("/", params={"lang": "es"}, headers={"Accept-Language": "en"}).text
    switched = client.get("/lang/en", params={"next": "/crossings/250401?days=30&lang=es"}, follow_redirects=False)
    assert switched.headers["location"] == "/crossings/250401?days=30"


def test_crossing_page_history_and_heat_map_match_the_services(client: TestClient, engine: Engine) -> None:
    load(engine, *RSS[:60])
    response = client.get("/crossings/535502", params={"lane": "passenger-standard", "days": "7"})
    assert response.status_code == 200
    html = response.text
    newest = max(r["observed_at"] for r in queries.latest_readings(engine, crossing_id="535502")
                 if (r["mode"], r["program"]) == ("passenger", "standard"))
    start, end = window(newest, 7, dt.datetime.now(dt.UTC))
    expected = queries.history_aggregated(engine, "535502", "passenger", "standard", start=start, end=end)
    table = html.split('id="history-table"')[1].split("</table>")[0]
    shown = [float(v) for v in re.findall(r'<td data-value="([0-9.]+)">', table)]
    assert shown == [h["mean_wait_minutes"] for h in expected] and len(shown) > 10
    heat = html.split('class="chart heat"')[1].split("</svg>")[0]
    assert heat.count("<rect class=\"cell") == 168
    profile = queries.hour_of_week_profile(engine, "535502", "passenger", "standard", start=start, end=end)
    busiest = max((c for c in profile if c["count"]), key=lambda c: c["mean_wait_minutes"])
    day = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[busiest["weekday"]]
    assert (f"{day} {busiest['hour']:02d}:00 — mean {busiest['mean_wait_minutes']:.1f} min, "
            f"{busiest['count']} readings") in heat
    assert 'role="img"' in html and "<title" in html
    assert "No forecast for this lane" in html


def test_crossing_page_volumes_match_monthly_counts(client: TestClient, engine: Engine) -> None:
    load(engine, BTS_SAN_YSIDRO)
    html = client.get("/crossings/250401").text
    rows = queries.monthly_volumes(engine, port_code="2504", measure="Personal Vehicles", level="port").items
    expected = [(r["month"], r["value"]) for r in rows if r["direction"] == "northbound"][-24:]
    table = html.split('id="volumes-table"')[1].split("</table>")[0]
    shown = [float(v) for v in re.findall(r'<td data-value="([0-9.]+)">', table)]
    assert shown == [v for _, v in expected] and len(shown) == 12
    assert "Jan 2024" in table
    assert "Ene 2024".lower() in in_spanish(client, "/crossings/250401").text


def volume_rows(html: str) -> list[tuple[str, str, str]]:
    """(month, count, source) of the crossing page's monthly volume table, as written."""
    table = html.split('id="volumes-table"')[1].split("</table>")[0]
    return re.findall(r'<tr><th scope="row">([^<]+)</th><td data-value="[0-9.]+">([^<]+)</td><td>([^<]+)</td></tr>',
                      table)


def test_ysleta_shows_its_own_bts_count_and_el_paso_says_when_it_held_ysleta(client: TestClient,
                                                                             engine: Engine) -> None:
    load(engine, BTS_EL_PASO_YSLETA)
    ysleta = client.get("/crossings/240203").text
    # BTS port 2401 (Ysleta) counted 294,173 personal vehicles in Feb 2025; El Paso (2402), 592,235
    assert ("Feb 2025", "294,173", "BTS") in volume_rows(ysleta)
    assert [month for month, _, _ in volume_rows(ysleta)] == ["Mar 2020", "Apr 2020", "Jan 2025", "Feb 2025"]
    assert "at port 2401. Source: BTS." in ysleta
    assert ("BTS counted port 2401 within port 2402 until Feb 2020: earlier months are in port 2402&#39;s count, "
            "not here.") in ysleta
    bota = client.get("/crossings/240201").text
    assert ("Feb 2025", "592,235", "BTS") in volume_rows(bota) and ("Jan 2020", "924,114", "BTS") in volume_rows(bota)
    assert "BTS counts of port 2402 up to Feb 2020 also hold port 2401." in bota
    assert "hasta feb 2020 incluyen también el puerto 2401" in in_spanish(client, "/crossings/240201").text


def test_counts_from_another_source_are_labelled_and_credited_as_theirs(client: TestClient, engine: Engine,
                                                                        tmp_path: Path) -> None:
    load(engine, BTS_EL_PASO_YSLETA)
    city = tmp_path / "city.csv"
    city.write_text("port_code,site,period,period_start,measure,direction,value,source\n"
                    "2402,,month,2025-03-01,Personal Vehicles,northbound,123456,city-of-el-paso\n")
    load(engine, city)
    html = client.get("/crossings/240201").text
    rows = volume_rows(html)
    assert rows[-2:] == [("Feb 2025", "592,235", "BTS"), ("Mar 2025", "123,456", "city-of-el-paso")]
    assert "(BTS counts)" not in html
    assert "at port 2402. Sources: BTS, city-of-el-paso; the table gives each month&#39;s." in html
    assert "Mar 2025: 123,456 (city-of-el-paso)" in html  # the chart's bar says it too
    footer = html.split('<footer class="site">')[1]
    assert "Volumes: U.S. Bureau of Transportation Statistics (BTS); city-of-el-paso." in footer
    spanish = in_spanish(client, "/crossings/240201").text
    assert "Fuentes: BTS, city-of-el-paso; la tabla indica la de cada mes." in spanish
    assert "Volúmenes: Oficina de Estadísticas de Transporte de EE. UU. (BTS); city-of-el-paso." in spanish
    # a port counted by BTS alone keeps one source, named once
    only_bts = client.get("/crossings/240203").text
    assert "Source: BTS." in only_bts and "city-of-el-paso" not in only_bts
    assert "Volumes: U.S. Bureau of Transportation Statistics (BTS). Map" in only_bts


def test_crossing_page_errors_are_html_in_the_readers_language(client: TestClient) -> None:
    for params, status in (({}, 404), ({"days": "3"}, 422), ({"lane": "car-fast"}, 422)):
        path = "/crossings/999999" if status == 404 else "/crossings/250401"
        response = in_spanish(client, path, params=params)
        assert response.status_code == status
        assert "text/html" in response.headers["content-type"] and '<html lang="es">' in response.text
        assert "Traceback" not in response.text
    assert "Página no encontrada" in in_spanish(client, "/crossings/999999").text
    assert "days must be one of 1, 7, 30, 90, 365" in client.get("/crossings/250401?days=3").text


def test_errors_elsewhere_html_for_browsers_json_for_the_api(client: TestClient) -> None:
    page = client.get("/no-such-page", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404 and "Page not found" in page.text
    for path, accept in (("/no-such-page", "application/json"), ("/api/v1/nope", "text/html")):
        response = client.get(path, headers={"Accept": accept})
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    api_error = client.get("/api/v1/crossings/999999", headers={"Accept": "text/html"})
    assert api_error.status_code == 404 and api_error.json()["error"]["code"] == "not_found"


def test_database_and_overflow_errors_on_pages_are_html(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    def down(*_args: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("no such table: observations"))

    def overflow(*_args: object) -> None:
        raise OverflowError("Python int too large to convert to C int")

    with TestClient(web_app(sqlite_engine), raise_server_exceptions=False) as client:
        for params in ({"max_booths": "9" * 30}, {"min_crew": "999999"}, {"shift_hours": "25"}, {"seed": "9" * 12}):
            huge = in_spanish(client, "/staffing", params={"target": "15", **params})
            assert huge.status_code == 422 and "text/html" in huge.headers["content-type"], params
            assert '<html lang="es">' in huge.text and "debe ser" in huge.text and "must be" not in huge.text
            assert "officers" not in huge.text
        monkeypatch.setattr(overview, "build_rows", overflow)
        too_big = in_spanish(client, "/")
        assert too_big.status_code == 422 and "text/html" in too_big.headers["content-type"]
        assert "C int" not in too_big.text
        monkeypatch.setattr(overview, "build_rows", down)
        broken = in_spanish(client, "/")
        assert broken.status_code == 503 and "text/html" in broken.headers["content-type"]
        assert "no such table" not in broken.text
        assert client.get("/api/v1/waits/current").status_code in (200, 503)  # the API keeps its envelope


def test_an_unexpected_page_error_is_a_500_page_without_internals(sqlite_engine: Engine,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(overview, "build_rows", broken)
    with TestClient(web_app(sqlite_engine), raise_server_exceptions=False) as client:
        response = in_spanish(client, "/")
    assert response.status_code == 500 and "text/html" in response.headers["content-type"]
    assert "Algo salió mal" in response.text
    assert "secret internals" not in response.text and "Traceback" not in response.text


def test_crossing_page_shows_the_forecast_band(sqlite_client: TestClient, sqlite_engine: Engine) -> None:
    from borderflow.services.forecasting import forecast_for

    load(sqlite_engine, CASCADE)
    train_small_model(sqlite_engine)
    html = sqlite_client.get("/crossings/300402").text
    newest = queries.latest_readings(sqlite_engine, crossing_id="300402")[0]["observed_at"]
    expected = forecast_for(sqlite_engine, "300402", "passenger", "standard", 24,
                            as_of=newest + dt.timedelta(minutes=1))
    table = html.split('id="forecast-table"')[1].split("</table>")[0]
    shown = [float(v) for v in re.findall(r'<td data-value="([0-9.]+)">', table)]
    assert shown == [f["wait_minutes"] for f in expected["forecast"]] and len(shown) == 24
    assert '<polygon class="band b-forecast"' in html and "80% band" in html


def test_a_live_lane_is_forecast_as_of_now_like_the_api(sqlite_client: TestClient, sqlite_engine: Engine) -> None:
    """With a reading from the last hours, the page forecasts from now (the API's and the
    overview's answer), not from an hour that has passed."""
    from borderflow.services.forecasting import forecast_for
    from borderflow.services.ingest import Ingestor

    load(sqlite_engine, CASCADE)
    train_small_model(sqlite_engine)
    recent = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).replace(microsecond=0).isoformat()
    csv = ("crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
           f"300402,passenger,standard,{recent},25,4,delay,loops\n")
    assert Ingestor(sqlite_engine).ingest_bytes(csv.encode(), "recent.csv", "observations-csv").stored == 1
    before = forecast_for(sqlite_engine, "300402", "passenger", "standard", 24, store=False)
    html = sqlite_client.get("/crossings/300402").text
    after = forecast_for(sqlite_engine, "300402", "passenger", "standard", 24, store=False)
    table = html.split('id="forecast-table"')[1].split("</table>")[0]
    shown = [float(v) for v in re.findall(r'<td data-value="([0-9.]+)">', table)]
    assert shown in ([f["wait_minutes"] for f in before["forecast"]], [f["wait_minutes"] for f in after["forecast"]])


def test_overview_shows_the_next_hours_forecast_where_a_model_covers_the_lane(
        sqlite_client: TestClient, sqlite_engine: Engine) -> None:
    from sqlalchemy import select

    from borderflow.services.forecasting import train
    from borderflow.store.forecast_schema import forecasts
    from borderflow.store.schema import observations
    from tests.services.test_forecasting import SMALL, WEEKS, readings

    now = dt.datetime.now(dt.UTC)
    start = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=WEEKS * 168)
    with sqlite_engine.begin() as conn:  # B&M passenger/standard: five weeks up to the last hour
        conn.execute(observations.insert(), readings(start=start))
    html = sqlite_client.get("/").text
    assert "next hour" not in html  # no model yet
    train(sqlite_engine, crossing_ids=["535501"], params=SMALL)
    html = sqlite_client.get("/").text
    cells = re.findall(r'<span class="next-hour" data-forecast="([0-9.]+)"[^>]*>next hour (\d+) min \((\d+)–(\d+)\)',
                       row_of(html, "535501"))
    assert len(cells) == 1  # only the lane the model covers
    with sqlite_engine.connect() as conn:
        stored = conn.execute(select(forecasts.c.point, forecasts.c.lo80, forecasts.c.hi80, forecasts.c.target_at)
                              .where(forecasts.c.crossing_id == "535501", forecasts.c.horizon == 1)).all()
    assert len(stored) == 1
    point, lo80, hi80, target = stored[0]
    assert float(cells[0][0]) == pytest.approx(point, abs=0.05)
    # the page rounds the forecast's tenths of a minute (as the API gives them) to whole
    # minutes: a stored 15.46 is 15.5 in the API and 16 on the page
    def shown(x: float) -> int:
        return round(round(x, 1))

    assert (int(cells[0][1]), int(cells[0][2]), int(cells[0][3])) == (shown(point), shown(lo80), shown(hi80))
    assert now < target.replace(tzinfo=dt.UTC) + dt.timedelta(hours=1) <= now + dt.timedelta(hours=2)
    sqlite_client.cookies.set("borderflow_lang", "es")
    assert "próxima hora" in row_of(sqlite_client.get("/").text, "535501")
    sqlite_client.cookies.delete("borderflow_lang")


def test_static_files_and_pages_stay_out_of_the_api_schema(sqlite_client: TestClient) -> None:
    for path, kind in (("/static/borderflow.css", "text/css"), ("/static/borderflow.js", "javascript"),
                       ("/static/favicon.svg", "image/svg+xml"), ("/static/map/border-region.geojson", "")):
        response = sqlite_client.get(path)
        assert response.status_code == 200 and kind in response.headers["content-type"], path
    assert sqlite_client.get("/static/nope.css").json()["error"]["code"] == "not_found"
    paths = sqlite_client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and not any(p.startswith(("/simulator", "/crossings", "/lang")) for p in paths)


def test_any_part_of_a_long_archive_can_be_shown(sqlite_client: TestClient, sqlite_engine: Engine) -> None:
    """Peace Arch's Cascade years end in 2018: a window ending on a chosen local day reaches them."""
    load(sqlite_engine, CASCADE)
    html = sqlite_client.get("/crossings/300402", params={"days": "365", "until": "2017-06-30"}).text
    assert 'value="2017-06-30"' in html
    history = queries.history_aggregated(
        sqlite_engine, "300402", "passenger", "standard", interval="day",
        start=dt.datetime(2016, 7, 1, 7, tzinfo=dt.UTC), end=dt.datetime(2017, 7, 1, 7, tzinfo=dt.UTC))
    assert sum(h["mean_wait_minutes"] is not None for h in history) > 300  # the year the page now covers
    assert "2016" in html.split('class="window"')[1].split("</p>")[0]
    for bad in ("2017-13-01", "20170630", "1800-01-01"):
        response = sqlite_client.get("/crossings/300402", params={"until": bad})
        assert response.status_code == 422 and "until must be" in response.text


def test_small_page_wordings(sqlite_client: TestClient, sqlite_engine: Engine) -> None:
    load(sqlite_engine, CASCADE)
    # a window ending on a chosen day does not claim to end at the lane's latest reading
    chosen = sqlite_client.get("/crossings/300402", params={"until": "2017-06-30"}).text
    assert "ending at the lane&#39;s latest reading" not in chosen.split('class="window"')[1].split("</p>")[0]
    latest = sqlite_client.get("/crossings/300402").text
    assert "ending at the lane&#39;s latest reading" in latest.split('class="window"')[1].split("</p>")[0]
    # a lane without readings says so of the lane, not of the crossing
    empty_lane = sqlite_client.get("/crossings/300402", params={"lane": "commercial-fast"}).text
    assert "This lane has no readings" in empty_lane
    # the form's target reopened by GET goes back to the form
    reopened = sqlite_client.get("/simulator/run", follow_redirects=False)
    assert reopened.status_code == 303 and reopened.headers["location"] == "/simulator"


def _chart_span(html: str) -> str:
    """The history chart's description: '... points from FIRST to LAST; highest ...'."""
    return re.search(r"points from (.*?); highest", html_lib.unescape(html)).group(1)


def test_a_window_far_back_keeps_its_chart_and_counts_its_local_days(sqlite_client: TestClient,
                                                                     sqlite_engine: Engine) -> None:
    load(sqlite_engine, CASCADE)
    train_small_model(sqlite_engine)
    # 2015-11-01 is 25 hours long at Peace Arch: the window is that whole local day
    html = sqlite_client.get("/crossings/300402", params={"days": "1", "until": "2015-11-01"}).text
    assert _chart_span(html) == "2015-11-01 00:00 PDT to 2015-11-02 00:00 PST"
    # the lane's forecast (after its 2018 readings) is in its table, not stretching this chart
    assert 'id="forecast-table"' in html and "2018" not in _chart_span(html)
    # the newest window draws it, and the chart reaches the forecast's last hour
    latest = sqlite_client.get("/crossings/300402", params={"days": "1"}).text
    assert 'id="forecast-table"' in latest and "· Forecast</h2>" in latest
    assert _chart_span(latest).endswith(re.findall(r'<time datetime="[^"]+">([^<]+)</time>',
                                                   latest.split('id="forecast-table"')[1])[-1])
    # a window after the lane's data (and its forecast) has nothing to draw, and says so
    ahead = sqlite_client.get("/crossings/300402", params={"until": "2099-01-01"}).text
    assert "No waits in this range." in ahead and "· Forecast</h2>" not in ahead
    # readings years old are shown with their age, not coloured as current waits
    current = latest.split('class="current"')[1].split("</table>")[0]
    assert "sev-grey" in current and not re.search(r"sev-(green|yellow|orange|red)", current)


def test_a_link_in_spanish_keeps_the_reader_in_spanish(sqlite_client: TestClient) -> None:
    try:
        first = sqlite_client.get("/simulator", params={"lang": "es"})
        assert first.headers["content-language"] == "es" and "borderflow_lang=es" in first.headers["set-cookie"]
        # the next page, by a link or a form that does not carry ?lang=, is Spanish too
        assert sqlite_client.get("/staffing").headers["content-language"] == "es"
        again = sqlite_client.get("/simulator", params={"lang": "es"})
        assert "set-cookie" not in again.headers  # already remembered
        assert sqlite_client.get("/lang/en", follow_redirects=False).status_code == 303
        assert sqlite_client.get("/staffing").headers["content-language"] == "en"
    finally:
        sqlite_client.cookies.delete("borderflow_lang")


def test_a_mean_over_a_day_is_no_current_wait_nor_an_hour_of_history(sqlite_client: TestClient,
                                                                      sqlite_engine: Engine) -> None:
    """Daily means dated after the lane's hourly readings: the page still forecasts from those."""
    load(sqlite_engine, CASCADE)
    train_small_model(sqlite_engine)
    daily = ("Group Starts,Avg - Delay (Peace Arch South Cars),Sum - Volume (Peace Arch South Cars)\n"
             "2018-09-20 00:00:00,6,5000\n2018-09-22 00:00:00,8,5200\n")
    assert Ingestor(sqlite_engine).ingest_bytes(daily.encode(), "daily.csv").stored == 4  # 2 delays, 2 volumes
    current = queries.current_waits(sqlite_engine, crossing_id="300402")
    assert [w["source"] for w in current] == ["cascade"]
    html = sqlite_client.get("/crossings/300402").text
    assert 'id="forecast-table"' in html and "No forecast" not in html
    window = {"start": dt.datetime(2018, 9, 19, tzinfo=dt.UTC), "end": dt.datetime(2018, 9, 23, tzinfo=dt.UTC)}
    assert queries.history_aggregated(sqlite_engine, "300402", "passenger", "standard", **window) == []
    named = queries.history_aggregated(sqlite_engine, "300402", "passenger", "standard",
                                       source="cascade-daily-mean", interval="day", **window)
    assert [h["mean_wait_minutes"] for h in named] == [6.0, 8.0]
    raw = queries.history_raw(sqlite_engine, "300402", "passenger", "standard", **window)
    assert len(raw.items) == 2  # every stored reading is still served as stored


def test_a_crossing_names_its_port_by_the_cbp_port_code(sqlite_client: TestClient) -> None:
    """Brownsville B&M's wait-time number is 535501, its port of entry 2301 (as BTS counts it)."""
    facts = sqlite_client.get("/crossings/535501").text.split('class="facts">')[1].split("</p>")[0]
    assert "port 2301" in facts and "5355" not in facts.replace("535501", "")
