"""Messages that come from the services, on the pages in the reader's language: a forecast's
reason, the errors of a link or a form, a run that failed."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re
import warnings

import pytest
from sqlalchemy import Engine

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from borderflow.services import simulations
from borderflow.services.ingest import Ingestor
from borderflow.sim import load_scenario
from tests.web.conftest import CASCADE, RSS, load, train_small_model
from tests.web.test_pages import in_spanish
from tests.web.test_simulator_pages import SMALL, store


def notices(page: str) -> list[str]:
    """The text of the page's notices (forecast reasons, errors), unescaped."""
    found = re.findall(r'<p class="notice[^"]*"[^>]*>(.*?)</p>', page, re.DOTALL)
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", text)).strip() for text in found]


def forecast_notice(page: str) -> str:
    return next(n for n in notices(page) if n.startswith(("No forecast", "No hay pronóstico")))


def test_a_crossing_without_a_model_says_why_in_the_readers_language(client: TestClient, engine: Engine) -> None:
    # the 2022 feed gives San Ysidro one reading: too few hours for training to take the lane
    spanish = forecast_notice(in_spanish(client, "/crossings/250401").text)
    assert spanish == ("No hay pronóstico para este carril: ningún modelo de pronóstico entrenado cubre este "
                       "carril: tiene 1 de las 72 horas con lectura que el entrenamiento necesita, así que el "
                       "carril espera más lecturas")
    english = forecast_notice(client.get("/crossings/250401").text)
    assert english.startswith("No forecast for this lane: no trained forecast model covers this lane: it has 1 of the 72 hours")
    # Brownsville's ten days of RSS readings: enough hours, but no model trained yet
    load(engine, *RSS)
    spanish = forecast_notice(in_spanish(client, "/crossings/535501").text)
    assert spanish == ("No hay pronóstico para este carril: aún no hay un modelo de pronóstico entrenado para este "
                       "carril; primero hay que entrenar uno (borderflow forecast train)")
    english = forecast_notice(client.get("/crossings/535501").text)
    assert english.startswith("No forecast for this lane: no trained forecast model covers this lane yet")
    assert "--crossing" not in english


def test_a_stale_lane_and_a_failed_forecast_say_why_in_spanish(sqlite_client: TestClient, sqlite_engine: Engine,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A closed lane read two hours ago: the lane is live, but its newest wait is from 2018."""
    load(sqlite_engine, CASCADE)
    train_small_model(sqlite_engine)
    recent = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).replace(microsecond=0).isoformat()
    csv = ("crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
           f"300402,passenger,standard,{recent},,0,closed,loops\n")
    assert Ingestor(sqlite_engine).ingest_bytes(csv.encode(), "recent.csv", "observations-csv").stored == 1
    stale = forecast_notice(in_spanish(sqlite_client, "/crossings/300402").text)
    # on the crossing's clock (Peace Arch: Pacific time), as the page's other times
    assert re.fullmatch(r"No hay pronóstico para este carril: la lectura más reciente del carril antes del "
                        r"\d{4}-\d\d-\d\d \d\d:\d\d P[SD]T es del 2018-\d\d-\d\d \d\d:\d\d P[SD]T, más de 168 "
                        r"horas antes; un pronóstico necesita lecturas recientes", stale)
    english = forecast_notice(sqlite_client.get("/crossings/300402").text)
    assert re.search(r"is from 2018-\d\d-\d\d \d\d:\d\d P[SD]T, more than 168 hours earlier", english)
    assert "--at" not in english

    from borderflow.services import forecasting

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(forecasting, "forecast_for", broken)
    failed = forecast_notice(in_spanish(sqlite_client, "/crossings/300402").text)
    assert failed == "No hay pronóstico para este carril: no se pudo calcular el pronóstico"


def test_error_pages_give_the_services_message_in_the_readers_language(client: TestClient) -> None:
    cases = [("/crossings/999999", {}, 404, "no existe el cruce «999999»; la página de resumen (/) muestra todos"),
             ("/crossings/250401", {"days": "3"}, 422, "el periodo (days) debe ser de 1, 7, 30, 90, 365 días"),
             ("/crossings/250401", {"lane": "car-x"}, 422, "el carril (lane) debe escribirse MODO-PROGRAMA"),
             ("/crossings/250401", {"until": "2017-13-01"}, 422, "la fecha final (until) debe escribirse AAAA-MM-DD"),
             ("/simulator", {"example": "atlantis"}, 404, "no existe el escenario de ejemplo «atlantis»"),
             ("/simulator/runs/nope", {}, 404, "no existe la simulación «nope»"),
             ("/staffing", {"example": "atlantis"}, 404, "no existe el escenario de ejemplo ni el carril"),
             ("/appraisal", {"base": "atlantis"}, 404, "no existe el escenario de ejemplo «atlantis»"),
             ("/plans/nope", {}, 404, "no existe el plan «nope»; la página de planes (/plans) muestra todos")]
    for path, params, status, words in cases:
        response = in_spanish(client, path, params=params)
        assert response.status_code == status, path
        detail = next(n for n in notices(response.text) if n.startswith("Detalles:"))
        assert words in detail and "must be" not in detail and " no such " not in detail, detail
    english = client.get("/crossings/999999").text
    assert "Details: no crossing &#39;999999&#39;; the overview page (/) lists every crossing" in english


def test_the_simulator_form_names_its_fields(sqlite_client: TestClient) -> None:
    form = {"scenario": json.dumps(SMALL), "booths.general": "two"}
    english = sqlite_client.post("/simulator/run", data=form)
    assert english.status_code == 422
    assert "The scenario cannot run: Booths added each hour: general must be a whole number; got &#39;two&#39;" \
        in english.text
    spanish = sqlite_client.post("/simulator/run", data=form, headers={"Accept-Language": "es"})
    assert ("El escenario no puede ejecutarse: «Casetas añadidas cada hora: general» debe ser un número entero; "
            "se recibió «two»") in html_lib.unescape(spanish.text)
    unknown = {"scenario": json.dumps({**SMALL, "demand": [{"to": "nowhere", "per_hour": 10}]})}
    page = html_lib.unescape(sqlite_client.post("/simulator/run", data=unknown, headers={"Accept-Language": "es"}).text)
    assert "el escenario no es válido: demand[0].to nombra grupos de carriles que no existen: nowhere" in page


def test_a_run_that_stopped_says_so_in_spanish(sqlite_client: TestClient) -> None:
    sqlite_client.app.state.simulations = simulations.JobStore(sqlite_client.app.state.engine, threads=0)  # type: ignore[attr-defined]
    job = store(sqlite_client).submit(load_scenario(SMALL))
    store(sqlite_client)._update(job.id, status="failed", error=simulations.INTERRUPTED)
    page = in_spanish(sqlite_client, f"/simulator/runs/{job.id}").text
    assert ("La simulación falló: interrumpida: el servidor se detuvo antes de que terminara esta simulación; "
            "envíela de nuevo") in notices(page)
    assert simulations.INTERRUPTED in html_lib.unescape(sqlite_client.get(f"/simulator/runs/{job.id}").text)
    api = sqlite_client.get(f"/api/v1/simulations/{job.id}").json()
    assert api["error"] == simulations.INTERRUPTED  # the API keeps the stored English
