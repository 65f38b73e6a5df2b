"""Why a stored KPI definition cannot be measured, said in the reader's language: each rule
of a definition (target, baseline, hours, weekdays, codes, measure, ...) has its Spanish text."""

from __future__ import annotations

import html
import json
import warnings
from typing import Any

import pytest
from sqlalchemy import Engine, select

from borderflow.errors import BadInputError
from borderflow.messages import say
from borderflow.plans import kpi
from borderflow.store.plans_schema import plan_kpis, plans

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from borderflow.api import create_app
from borderflow.web.pages_plans import router

WAITS: dict[str, Any] = {"source": "observations", "crossings": ["250401"], "mode": "passenger",
                         "statistic": "p95", "better": "lower"}
COUNTS: dict[str, Any] = {"source": "volumes", "ports": ["2304"], "measure": "Trucks", "better": "higher"}
#: A definition breaking one rule, and the Spanish reason a page gives for it.
BROKEN: dict[str, tuple[dict[str, Any], str]] = {
    "target": ({**WAITS, "target": "45"}, "KPI 'target'.target debe ser un número; se recibió '45'"),
    "hours": ({**WAITS, "hours": [10, 6]}, "KPI 'hours'.hours debe ser [inicio, fin) en horas locales enteras"),
    "weekdays": ({**WAITS, "weekdays": [7]}, "KPI 'weekdays'.weekdays debe ser una lista de 0 (lunes) a 6 (domingo)"),
    "codes": ({**WAITS, "crossings": ["2504"]}, "KPI 'codes'.crossings debe ser una lista de códigos de CBP de 6 dígitos"),
    "measure": ({**COUNTS, "measure": "trucks"}, ("KPI 'measure'.measure 'trucks' no es una medida que el archivo "
                                                 "guarde; ¿quiso decir 'Trucks'? use una de estas")),
    "baseline": ({**WAITS, "baseline": {"from": "2025-06", "to": "2025-01"}},
                 "KPI 'baseline'.baseline necesita from y to (inicio y fin), con from anterior o igual a to"),
    "month": ({**WAITS, "baseline": {"from": "2025-13", "to": "2026-01"}},
              "KPI 'month'.baseline.from debe ser un mes AAAA-MM de 1990 a 2100; se recibió '2025-13'"),
    "start": ({**WAITS, "start": "2026-02-30"}, "KPI 'start'.start debe ser una fecha AAAA-MM-DD; se recibió"),
    "unit": ({**WAITS, "unit": 5}, "KPI 'unit'.unit debe ser texto; se recibió int"),
    "volumes_from": ({**COUNTS, "volumes_from": ["bts"]},
                     "KPI 'volumes_from'.volumes_from debe ser el nombre de una fuente del archivo"),
    "results": ({"source": "results", "better": "higher", "results": []},
                "KPI 'results'.results debe ser una lista de entradas"),
}


def _store_broken(engine: Engine) -> None:
    """Definitions written to the database as they are (as one stored before a rule was added)."""
    with engine.begin() as conn:
        plan_id = conn.execute(select(plans.c.id)).scalar_one()
        conn.execute(plan_kpis.insert(), [{"plan_id": plan_id, "key": key, "name": f"Broken {key}",
                                           "spec": json.dumps(spec)} for key, (spec, _) in BROKEN.items()])


def test_a_stored_definition_breaking_a_rule_says_why_in_spanish_on_the_page_and_in_the_report(
        plan_engine: Engine) -> None:
    _store_broken(plan_engine)
    app = create_app(engine=plan_engine)
    app.include_router(router)
    lead = "no se puede medir: la definición guardada del indicador no es válida: "
    with TestClient(app, raise_server_exceptions=False) as client:
        page = html.unescape(client.get("/plans/21cbm-example", headers={"Accept-Language": "es"}).text)
        report = html.unescape(client.get("/api/v1/plans/21cbm-example/report", params={
            "meeting": "Example plenary B", "format": "md", "lang": "es"}).text)
        english = client.get("/api/v1/plans/21cbm-example/report", params={
            "meeting": "Example plenary B", "format": "md", "lang": "en"}).text
    for key, (_, spanish) in BROKEN.items():
        assert lead + spanish in page, key
        assert lead + spanish in report, key
    for text in (page, report):
        assert "must be" not in text and " got " not in text and "is not a measure" not in text
    assert "cannot be measured: KPI 'target'.target must be a number; got '45'" in english


@pytest.mark.parametrize("key", sorted(BROKEN))
def test_each_rule_says_in_english_what_the_cli_says(key: str) -> None:
    spec, _ = BROKEN[key]
    with pytest.raises(BadInputError) as caught:
        kpi.parse_spec(spec, f"KPI {key!r}")
    assert caught.value.key is not None
    assert say(caught.value, "en") == str(caught.value)
    assert say(caught.value, "es") != str(caught.value)
