"""The staffing and appraisal pages, in English and Spanish."""

from __future__ import annotations

import warnings

import pytest

from borderflow.api import create_app
from borderflow.sim import load_scenario
from borderflow.web import i18n, mount_web
from borderflow.web.pages_planning import PLANNING_STRINGS
from borderflow.web.pages_planning import router as planning_router

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def site(archive):
    app = create_app(engine=archive)
    mount_web(app)
    if not any(getattr(r, "path", "") == "/staffing" for r in app.routes):
        app.include_router(planning_router)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_every_string_has_both_languages_and_is_merged():
    for key, (english, spanish) in PLANNING_STRINGS.items():
        assert english and spanish, key
        assert i18n.STRINGS[key] == (english, spanish)


def test_staffing_form_then_results(site):
    form = site.get("/staffing")
    assert form.status_code == 200 and 'name="target"' in form.text and 'value="otay_mesa_trucks" selected' in form.text
    page = site.get("/staffing", params={"example": "otay_mesa_trucks", "target": "20",
                                                  "replications": "10"})
    assert page.status_code == 200, page.text
    assert 'id="staffing-summary"' in page.text and "lower bound" in page.text
    assert 'data-group="standard"' in page.text and 'data-group="fast"' in page.text
    assert "Officer roster" in page.text and "SIPP booths" in page.text


def test_staffing_in_spanish_and_bad_input(site):
    site.cookies.set(i18n.COOKIE, "es")
    page = site.get("/staffing", params={"example": "otay_mesa_trucks", "target": "-3"})
    assert page.status_code == 422 and "No se puede calcular" in page.text
    assert "Asignación de casetas" in page.text
    missing = site.get("/staffing", params={"example": "atlantis"})
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]


def test_staffing_a_coming_day_from_a_lanes_forecast(site, archive):
    import datetime as dt
    import re

    from borderflow.services.calibration import calibrate_forecast_day
    from borderflow.services.forecasting import train
    from borderflow.staffing import StaffingRequest, plan_staffing
    from borderflow.store.schema import observations
    from tests.services.test_forecasting import LAST, SMALL, readings

    assert "forecast:" not in site.get("/staffing").text  # no model, no forecast choice
    with archive.begin() as conn:
        conn.execute(observations.insert(), readings())
    train(archive, crossing_ids=["535501"], params=SMALL)
    form = site.get("/staffing").text
    assert '<option value="forecast:535501/passenger/standard">' in form and 'name="day"' in form
    page = site.get("/staffing", params={"example": "forecast:535501/passenger/standard", "target": "20",
                                         "max_booths": "8", "replications": "10"})
    assert page.status_code == 200, page.text
    # The day after the lane's newest reading (2026-07-05 23:00 CDT), forecast from that reading.
    basis = re.search(r'<p id="staffing-basis">(.*?)</p>', page.text).group(1)
    assert "forecast of 2026-07-06 (America/Chicago)" in basis and "readings up to 2026-07-05 23:00 CDT" in basis
    assert 'value="2026-07-06"' in page.text
    calibration = calibrate_forecast_day(archive, "535501", "passenger", "standard", dt.date(2026, 7, 6),
                                         as_of=LAST + dt.timedelta(minutes=1))
    plan = plan_staffing(load_scenario(calibration.scenario()),
                         StaffingRequest(target_p95_minutes=20, max_booths=8, replications=10))
    assert f"Plan: {plan.booth_hours} booth-hours" in page.text
    late = site.get("/staffing", params={"example": "forecast:535501/passenger/standard", "target": "20",
                                         "day": "2026-07-13"})
    assert late.status_code == 422 and "forecasts reach 168 hours" in late.text
    far = site.get("/staffing", params={"example": "forecast:535501/passenger/standard", "target": "20",
                                        "day": "2026-08-30"})
    assert far.status_code == 422 and "begins more than 168 hours after the forecast time" in far.text


def _hour_cells(html_text):
    import re

    return re.findall(r'<tr data-hour="\d+"><th scope="row">(.*?)</th>', html_text)


def test_staffing_the_day_the_clocks_go_back_shows_one_oclock_twice(site, archive, monkeypatch):
    import datetime as dt
    import re

    from borderflow.services.calibration import calibrate_forecast_day
    from borderflow.staffing import StaffingRequest, plan_staffing

    from .clock_change_days import EVE_OF_FALL_BACK, load_until, use_small_fit

    load_until(archive, EVE_OF_FALL_BACK)
    options = use_small_fit(monkeypatch)
    params = {"example": "forecast:535501/passenger/standard", "target": "20", "max_booths": "8",
              "replications": "10"}
    page = site.get("/staffing", params=params)
    assert page.status_code == 200, page.text
    assert 'value="2026-11-01"' in page.text  # the day after the newest reading, 2026-10-31 23:00 CDT
    hours = _hour_cells(page.text)
    assert len(hours) == 25 and hours[:4] == ["00:00 CDT", "01:00 CDT", "01:00 CST", "02:00 CST"]
    assert hours[-1] == "23:00 CST"
    change = re.search(r'<p id="staffing-clock-change">(.*?)</p>', page.text).group(1)
    assert change.startswith("2026-11-01 is 25 hours long here: the clocks go back, so 01:00 comes twice "
                             "(01:00 CDT and 01:00 CST)")
    calibration = calibrate_forecast_day(archive, "535501", "passenger", "standard", dt.date(2026, 11, 1),
                                         as_of=EVE_OF_FALL_BACK + dt.timedelta(minutes=1), options=options)
    plan = plan_staffing(load_scenario(calibration.scenario()),
                         StaffingRequest(target_p95_minutes=20, max_booths=8, replications=10))
    assert f"Plan: {plan.booth_hours} booth-hours" in page.text
    assert "On duty / needed: 00:00 CDT " in page.text and " · 01:00 CST " in page.text
    site.cookies.set(i18n.COOKIE, "es")
    spanish = site.get("/staffing", params=params)
    assert _hour_cells(spanish.text) == hours
    assert "se atrasan los relojes, así que las 01:00 se repiten (01:00 CDT y 01:00 CST)" in spanish.text
    site.cookies.delete(i18n.COOKIE)


def test_staffing_the_day_the_clocks_go_forward_has_no_two_oclock(site, archive, monkeypatch):
    from .clock_change_days import EVE_OF_SPRING_FORWARD, load_until, use_small_fit

    load_until(archive, EVE_OF_SPRING_FORWARD)
    use_small_fit(monkeypatch)
    page = site.get("/staffing", params={"example": "forecast:535501/passenger/standard", "target": "20",
                                         "max_booths": "8", "replications": "10"})
    assert page.status_code == 200, page.text
    hours = _hour_cells(page.text)
    assert len(hours) == 23 and hours[:3] == ["00:00 CST", "01:00 CST", "03:00 CDT"]
    assert not any(h.startswith("02:") for h in hours)
    assert "the clocks go forward, so there is no 02:00" in page.text


def test_appraisal_page(site):
    form = site.get("/appraisal")
    assert form.status_code == 200 and 'name="capital"' in form.text
    page = site.get("/appraisal", params={
        "run": "1", "base": "otay_mesa_trucks_10_booths", "alternative": "otay_mesa_trucks", "port": "2506",
        "capital": "134000000", "replications": "2"})
    assert page.status_code == 200, page.text
    assert "Representative days" in page.text and 'data-field="bcr"' in page.text
    assert "OMB Circular A-94" in page.text
    mixed = site.get("/appraisal", params={"run": "1", "base": "otay_mesa_trucks",
                                                    "alternative": "san_ysidro_expansion_62_booths"})
    assert mixed.status_code == 422 and "mode the base does not" in mixed.text
    for name, words in (("yearly", "yearly cost"), ("capital", "capital cost")):  # the API's bounds
        huge = site.get("/appraisal", params={"run": "1", "base": "otay_mesa_trucks_10_booths",
                                              "alternative": "otay_mesa_trucks", name: "1e308"})
        assert huge.status_code == 422 and f"{words} must be &lt;= 1e+15; got 1e308" in huge.text.lower()
        assert 'data-field="bcr"' not in huge.text


def test_runs_past_the_page_limit_are_answered_busy_not_queued(site):
    from borderflow.web import pages_planning

    taken = [pages_planning._RUNS.acquire(blocking=False) for _ in range(pages_planning.MAX_PAGE_RUNS)]
    assert all(taken)
    try:
        busy = site.get("/staffing", params={"target": "15"})
        assert busy.status_code == 503 and "try again in a minute" in busy.text
        appraisal = site.get("/appraisal", params={"run": "1"})
        assert appraisal.status_code == 503
    finally:
        for _ in taken:
            pages_planning._RUNS.release()
    assert site.get("/staffing", params={"target": "15"}).status_code == 200


def test_staffing_messages_in_spanish_name_the_form_fields(site):
    import html

    site.cookies.set(i18n.COOKIE, "es")
    cases = [({"target": "abc"}, "No se puede calcular: «Meta» debe ser un número; se recibió «abc»"),
             ({"target": "15", "max_booths": "-1"},
              "«Máximo de casetas por grupo de carriles» debe ser mayor o igual que 0; se recibió -1"),
             ({"target": "15", "replications": "99"}, "la página ejecuta como máximo 40 réplicas; se recibió 99"),
             ({"target": "-3"}, "la meta del percentil 95 debe ser un número de minutos mayor que 0"),
             ({"target": "15", "max_booths": "0"},
              ("no puede cumplirse en ninguna hora de standard, fast: pueden abrir como máximo 0 casetas; aumente "
               "«Máximo de casetas por grupo de carriles»"))]
    for params, words in cases:
        page = site.get("/staffing", params=params)
        assert page.status_code == 422 and words in html.unescape(page.text), params
        assert "must be" not in page.text and "--max-booths" not in page.text
    site.cookies.delete(i18n.COOKIE)
    english = html.unescape(site.get("/staffing", params={"target": "15", "max_booths": "0"}).text)
    assert "at most 0 booths may open; raise Most booths per lane group" in english and "--max-booths" not in english


def test_hours_that_miss_the_target_are_explained_in_spanish(site):
    import html
    import re

    site.cookies.set(i18n.COOKIE, "es")
    page = site.get("/staffing", params={"example": "otay_mesa_trucks", "target": "0.5", "replications": "2"})
    site.cookies.delete(i18n.COOKIE)
    assert page.status_code == 200, page.text
    issues = re.findall(r"<li>(.*?)</li>", page.text.split('<ul class="issues">')[1].split("</ul>")[0])
    said = [html.unescape(i) for i in issues]
    assert said and all(i.startswith("grupo ") for i in said)
    assert all("no se cumple la meta de 0.5 min" in i or "verificación con semillas nuevas" in i for i in said)
    assert not [i for i in said if "not met" in i or "booths open" in i]


def test_appraisal_messages_and_days_in_spanish(site):
    import html
    import re

    site.cookies.set(i18n.COOKIE, "es")
    bad = site.get("/appraisal", params={"run": "1", "passengers": "0"})
    assert bad.status_code == 422
    assert ("las personas por vehículo deben ser un número mayor que 0 y de a lo sumo 100; se recibió 0.0"
            in html.unescape(bad.text))
    port = site.get("/appraisal", params={"run": "1", "port": "25"})
    assert "el puerto debe ser un código de puerto de CBP de 4 dígitos, como 2504; se recibió «25»" in \
        html.unescape(port.text)
    page = site.get("/appraisal", params={"run": "1", "replications": "2"})
    site.cookies.delete(i18n.COOKIE)
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    assert "sin puerto: el día del propio escenario representa cada uno de los 365 días del año" in text
    assert re.search(r'<tr data-day="scenario_day"><th scope="row">El día del propio escenario</th>', text)
    assert "no port given" not in text


def test_a_page_whose_computation_faults_says_so_and_the_next_page_computes(site, monkeypatch, caplog):
    import html

    from borderflow.web import pages_planning
    from tests.planning.test_api import fault

    monkeypatch.setattr(pages_planning, "plan_staffing", fault)
    monkeypatch.setattr(pages_planning, "appraise", fault)
    with caplog.at_level("ERROR"):
        staffing = site.get("/staffing", params={"example": "otay_mesa_trucks", "target": "20", "replications": "2"})
        site.cookies.set(i18n.COOKIE, "es")
        appraisal = site.get("/appraisal", params={"run": "1", "replications": "1"})
        site.cookies.delete(i18n.COOKIE)
    assert staffing.status_code == 500 and "text/html" in staffing.headers["content-type"]
    assert ("The request cannot be computed: the computation's process stopped (SIGSEGV) before it answered; "
            "it has been logged") in html.unescape(staffing.text)
    assert appraisal.status_code == 500
    assert ("No se puede calcular: el proceso del cálculo se detuvo (SIGSEGV) antes de responder; quedó "
            "registrado") in html.unescape(appraisal.text)
    assert "Traceback" not in staffing.text + appraisal.text and caplog.text.count("(SIGSEGV)") == 2
    monkeypatch.undo()
    page = site.get("/staffing", params={"example": "otay_mesa_trucks", "target": "20", "replications": "2"})
    assert page.status_code == 200 and 'id="staffing-summary"' in page.text
