"""The plans pages render the shared plan in the reader's language."""

from __future__ import annotations

import warnings

from sqlalchemy import Engine

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from borderflow.api import create_app
from borderflow.web.pages_plans import router


def test_plan_pages_in_both_languages(plan_engine: Engine) -> None:
    app = create_app(engine=plan_engine)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        listing = client.get("/plans", headers={"Accept-Language": "en"})
        assert listing.status_code == 200 and "/plans/21cbm-example" in listing.text
        es = client.get("/plans/21cbm-example", headers={"Accept-Language": "es"})
        assert es.status_code == 200
        assert "Historial de estado" in es.text and "Status history" not in es.text
        assert "Joint study of truck crossing capacity" in es.text  # names as entered
        en = client.get("/plans/21cbm-example", headers={"Accept-Language": "en"})
        assert "Status history" in en.text and "EXAMPLE" in en.text
        assert client.get("/plans/nope").status_code == 404


def add_unmeasurable_kpis(engine: Engine) -> None:
    """A results file missing, and a definition stored before results periods were checked."""
    import json

    from sqlalchemy import select

    from borderflow.store.plans_schema import plan_kpis, plans

    results = {"source": "results", "better": "higher", "unit": "trucks", "target": 800000}
    with engine.begin() as conn:
        plan_id = conn.execute(select(plans.c.id)).scalar_one()
        conn.execute(plan_kpis.insert(), [
            {"plan_id": plan_id, "key": "missing-file", "name": "Missing file", "spec": json.dumps(
                {**results, "results": [{"period": "2026Q1", "file": "/tmp/nonexistent.json", "field": "x"}]})},
            {"plan_id": plan_id, "key": "fiscal-year", "name": "Fiscal year", "spec": json.dumps(
                {**results, "results": [{"period": "FY2026", "file": "/tmp/nonexistent.json", "field": "x"}]})}])


def test_a_kpi_that_cannot_be_measured_does_not_hide_the_plan(plan_engine: Engine) -> None:
    """Each KPI that cannot be measured says why; the page, the KPIs and the report still answer."""
    add_unmeasurable_kpis(plan_engine)
    app = create_app(engine=plan_engine)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/plans/21cbm-example", headers={"Accept-Language": "es"})
        assert page.status_code == 200 and "no se puede medir" in page.text and "/tmp/nonexistent.json" in page.text
        assert "Meta 800,000" in page.text and "800000.0" not in page.text and "(camiones)" in page.text
        assert "Joint study of truck crossing capacity" in page.text
        kpis = client.get("/api/v1/plans/21cbm-example/kpis")
        assert kpis.status_code == 200
        errors = {k["key"]: k.get("error", "") for k in kpis.json()}
        assert "does not exist" in errors["missing-file"] and "'2026Q1'" in errors["fiscal-year"]
        assert errors["laredo-trucks"] == ""
        for fmt in ("html", "md", "pdf"):
            report = client.get("/api/v1/plans/21cbm-example/report",
                                params={"meeting": "Example plenary B", "format": fmt, "lang": "en"})
            assert report.status_code == 200, report.text
        md = client.get("/api/v1/plans/21cbm-example/report", params={"meeting": "Example plenary B", "format": "md"})
        assert "cannot be measured" in md.text and "FY2026" in md.text and "Fiscal year" in md.text


def test_the_spanish_page_and_report_say_in_spanish_why_a_kpi_cannot_be_measured(plan_engine: Engine) -> None:
    import html

    add_unmeasurable_kpis(plan_engine)
    missing = "el archivo de resultados del indicador '/tmp/nonexistent.json' no existe; ejecute la evaluación"
    stored = ("la definición guardada del indicador no es válida: KPI 'fiscal-year'.results[0].period debe ser una "
              "etiqueta de trimestre como '2026Q1' (el periodo del indicador es 'quarter'); se recibió 'FY2026'")
    app = create_app(engine=plan_engine)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        page = html.unescape(client.get("/plans/21cbm-example", headers={"Accept-Language": "es"}).text)
        assert f"no se puede medir: {missing}" in page and f"no se puede medir: {stored}" in page
        assert "does not exist" not in page and "must be a" not in page
        for fmt in ("md", "html"):
            report = client.get("/api/v1/plans/21cbm-example/report",
                                params={"meeting": "Example plenary B", "format": fmt, "lang": "es"})
            assert report.status_code == 200, report.text
            text = html.unescape(report.text)
            assert f"no se puede medir: {missing}" in text and f"no se puede medir: {stored}" in text, fmt
            assert "does not exist" not in text and "must be a" not in text
        english = client.get("/api/v1/plans/21cbm-example/report",
                             params={"meeting": "Example plenary B", "format": "md", "lang": "en"}).text
        assert "cannot be measured: KPI results file '/tmp/nonexistent.json' does not exist" in english


def test_the_spanish_page_writes_periods_targets_and_notes_in_spanish(plan_engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import html
    import json

    from sqlalchemy import select

    from borderflow.store.plans_schema import plan_kpis, plans

    (tmp_path / "q.json").write_text(json.dumps({"x": 38.6}))
    results = [{"period": p, "file": str(tmp_path / "q.json"), "field": "x"} for p in ("2026Q1", "2026Q2")]
    with plan_engine.begin() as conn:
        plan_id = conn.execute(select(plans.c.id)).scalar_one()
        conn.execute(plan_kpis.insert(), [
            {"plan_id": plan_id, "key": "open", "name": "Open-ended", "spec": json.dumps(
                {"source": "results", "better": "higher", "unit": "readings", "results": results})},
            {"plan_id": plan_id, "key": "hold", "name": "Hold the line", "spec": json.dumps(
                {"source": "results", "better": "lower", "target": 100, "baseline": {"from": "2026-01", "to": "2026-03"},
                 "results": results})}])
    app = create_app(engine=plan_engine)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        spanish = html.unescape(client.get("/plans/21cbm-example", headers={"Accept-Language": "es"}).text)
        english = html.unescape(client.get("/plans/21cbm-example", headers={"Accept-Language": "en"}).text)
    assert "Open-ended</strong> (lecturas) — sin meta<" in spanish
    assert "Open-ended</strong> (readings) — no target<" in english
    assert ">T1 2026<" in spanish and ">Q1 2026<" in english and "2026Q1" not in spanish + english
    assert "T1 2026: 38.6" in spanish  # the chart's tooltip
    assert "Hold the line</strong> — Meta 100 — la línea base ya cumple la meta" in spanish
    assert "Meta — —" not in spanish
