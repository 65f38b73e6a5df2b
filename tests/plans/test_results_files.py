"""A KPI's results files are the server's: only its operator names them, and a file that
cannot be read makes that KPI "cannot be measured", never the plan's page or report."""

from __future__ import annotations

import html
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from borderflow.cli.main import run
from borderflow.plans import kpi as kpis
from borderflow.services import accounts, plan_definitions
from borderflow.services.accounts import User
from tests.plans.conftest import EXAMPLE
from tests.plans.test_definition_edits import kpi_id

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from borderflow.api import create_app
from borderflow.web.pages_plans import router

SLUG = "21cbm-example"
PEEK = {"source": "results", "results": [{"period": "2026Q3", "file": "/etc/hostname", "field": "x"}]}


@pytest.fixture
def client(plan_engine: Engine, us_editor: User, mx_editor: User) -> Any:
    app = create_app(engine=plan_engine)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        token = accounts.create_token(plan_engine, us_editor.username).text
        yield test_client, {"Authorization": f"Bearer {token}"}


def test_the_api_does_not_set_or_change_results_files(client: Any, plan_engine: Engine, us_editor: User,
                                                      tmp_path: Path) -> None:
    test_client, us = client
    p95 = kpi_id(plan_engine, "san-ysidro-p95")
    before = test_client.get(f"/api/v1/plans/{SLUG}").json()["kpis"]
    for body in ({"spec": PEEK}, {"spec": {"source": "results", "results": PEEK["results"], "statistic": None,
                                           "crossings": None, "mode": None, "program": None}}):
        answer = test_client.patch(f"/api/v1/plan-kpis/{p95}", json=body, headers=us)
        assert answer.status_code == 422, answer.text
        message = answer.json()["error"]["message"]
        assert "\n" not in message and "kpi.spec.results" in message and "borderflow plans edit-kpi" in message
        assert "plan file imported on the server" in message
    assert test_client.get(f"/api/v1/plans/{SLUG}").json()["kpis"] == before
    # a KPI whose files the operator named: the API edits its other keys, never its files
    good = tmp_path / "appraisal.json"
    good.write_text(json.dumps({"x": 5}), encoding="utf-8")
    files = [{"period": "2026Q3", "file": str(good), "field": "x"}]
    plan_definitions.update_kpi(plan_engine, p95, {"spec": {**PEEK, "results": files, "statistic": None,
                                                            "crossings": None, "mode": None, "program": None,
                                                            "weekdays": None, "hours": None}}, us_editor)
    assert test_client.patch(f"/api/v1/plan-kpis/{p95}", json={"spec": {"target": 4}}, headers=us).status_code == 200
    for change in ({"results": PEEK["results"]}, {"results": None},
                   {"results": [*files, {"period": "2026Q4", "file": "/etc/hostname", "field": "x"}]}):
        answer = test_client.patch(f"/api/v1/plan-kpis/{p95}", json={"spec": change}, headers=us)
        assert answer.status_code == 422 and "kpi.spec.results" in answer.json()["error"]["message"], change
    series = {k["key"]: k for k in test_client.get(f"/api/v1/plans/{SLUG}/kpis").json()}
    assert series["san-ysidro-p95"]["values"] == [{"period": "2026Q3", "value": 5.0, "n": 1}]


def test_the_cli_names_results_files_as_the_operator(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert run(["--db", db, "plans", "import", str(EXAMPLE), "--json"]) == 0
    assert run(["--db", db, "users", "create", "ana.cbp", "--agency", "CBP", "--country", "US", "--role", "editor"]) == 0
    saved = tmp_path / "appraisal.json"
    saved.write_text('{"x": 7}', encoding="utf-8")
    files = json.dumps([{"period": "2026Q3", "file": str(saved), "field": "x"}])
    assert run(["--db", db, "plans", "edit-kpi", "2", "--set", "source=results", "--set", f"results={files}",
                *[a for k in ("statistic", "crossings", "mode", "program", "weekdays", "hours")
                  for a in ("--set", f"{k}=null")], "--as", "ana.cbp"]) == 0
    capsys.readouterr()
    assert run(["--db", db, "plans", "kpis", "--plan", SLUG, "--json"]) == 0
    series = {k["key"]: k for k in json.loads(capsys.readouterr().out)}
    assert series["san-ysidro-p95"]["values"] == [{"period": "2026Q3", "value": 7.0, "n": 1}]


def _unreadable_files(tmp_path: Path) -> dict[str, tuple[Path, str, str]]:
    """key -> (file, English reason, Spanish reason)."""
    folder = tmp_path / "a-folder"
    folder.mkdir()
    prose = tmp_path / "notes.txt"
    prose.write_text("not json at all", encoding="utf-8")
    latin = tmp_path / "latin1.json"
    latin.write_bytes('{"x": "año"}'.encode("latin-1"))
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    endless = tmp_path / "endless.json"
    endless.write_text('{"x": 1e999}', encoding="utf-8")
    big = tmp_path / "big.json"
    big.write_text('{"x": 1}' + " " * 300_000, encoding="utf-8")
    return {"folder": (folder, "not a regular file", "no es un archivo común"),
            "prose": (prose, "it is not JSON", "no es JSON"),
            "latin": (latin, "it is not UTF-8 text", "no es texto UTF-8"),
            "deep": (deep, "it is not JSON", "no es JSON"),
            "endless": (endless, "must be a number; got inf", "debe ser un número; se recibió inf"),
            "big": (big, "more than 250,000", "más de 250,000")}


def test_an_unreadable_results_file_leaves_the_plan_shown(client: Any, plan_engine: Engine, us_editor: User,
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    test_client, _ = client
    monkeypatch.setattr(kpis, "RESULTS_FILE_LIMIT", 250_000)
    cases = _unreadable_files(tmp_path)
    from sqlalchemy import select

    from borderflow.store.plans_schema import plan_kpis, plans

    with plan_engine.begin() as conn:
        plan_id = conn.execute(select(plans.c.id)).scalar_one()
        conn.execute(plan_kpis.insert(), [
            {"plan_id": plan_id, "key": key, "name": f"Read {key}", "spec": json.dumps(
                {"source": "results", "better": "higher", "unit": "trucks", "target": 1,
                 "results": [{"period": "2026Q1", "file": str(path), "field": "x"}]})}
            for key, (path, _, _) in cases.items()])
    answer = test_client.get(f"/api/v1/plans/{SLUG}/kpis")
    assert answer.status_code == 200, answer.text
    errors = {k["key"]: k.get("error", "") for k in answer.json()}
    assert errors["laredo-trucks"] == ""
    for key, (path, english, _) in cases.items():
        assert english in errors[key] and str(path) in errors[key] and "\n" not in errors[key], key
    page = test_client.get(f"/plans/{SLUG}", headers={"Accept-Language": "es"})
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Joint study of truck crossing capacity" in text
    for key, (_, _, spanish) in cases.items():
        assert spanish in text, key
    assert "cannot be read" not in text and "not JSON" not in text
    for fmt in ("html", "md", "pdf"):
        report = test_client.get(f"/api/v1/plans/{SLUG}/report",
                                 params={"meeting": "Example plenary B", "format": fmt, "lang": "es"})
        assert report.status_code == 200, (fmt, report.text)
    md = test_client.get(f"/api/v1/plans/{SLUG}/report",
                         params={"meeting": "Example plenary B", "format": "md", "lang": "es"}).text
    assert "no se puede leer el archivo de resultados" in md and "no es JSON" in md


def test_results_series_says_why_a_file_cannot_be_read(tmp_path: Path) -> None:
    prose = tmp_path / "notes.txt"
    prose.write_text("plain", encoding="utf-8")
    spec = kpis.parse_spec({"source": "results", "better": "higher",
                            "results": [{"period": "2026Q1", "file": str(prose), "field": "x"}]})
    with pytest.raises(kpis.BadInputError) as caught:
        kpis.results_series(spec)
    assert caught.value.message.key == "kpi.results_unreadable"
    assert str(caught.value) == (f"KPI results file {str(prose)!r} cannot be read: it is not JSON; save the "
                                 "appraisal's --json output there")
