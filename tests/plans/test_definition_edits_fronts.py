"""Edits of KPIs and meetings through the CLI and the API: written under the two-sides rule,
audited, listed (``plans edits --kpi/--meeting``, ``GET .../edits``), and a past report
asked for by the meeting's new name says what it said before."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from borderflow.cli.main import run
from borderflow.services import accounts, plans
from borderflow.services.accounts import User
from borderflow.store.accounts_schema import audit_log
from borderflow.store.db import make_engine
from tests.plans.conftest import EXAMPLE
from tests.plans.test_definition_edits import kpi_id, meeting_id

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from borderflow.api import create_app

SLUG = "21cbm-example"


@pytest.fixture
def db(tmp_path: Path) -> str:
    """The example plan: KPIs 1 laredo-trucks (INF-2, Mexico leads), 2 san-ysidro-p95 (INF-1,
    the US leads), 3, 4; meetings 1 Example plenary A, 2 Example plenary B."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert run(["--db", url, "plans", "import", str(EXAMPLE), "--json"]) == 0
    assert run(["--db", url, "users", "create", "ana.cbp", "--agency", "CBP", "--country", "US", "--role", "editor"]) == 0
    assert run(["--db", url, "users", "create", "luis.anam", "--agency", "ANAM", "--country", "MX",
                "--role", "editor"]) == 0
    return url


def _out(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out


def test_cli_edits_kpis_and_meetings_and_lists_their_edits(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert run(["--db", db, "plans", "show", SLUG]) == 0
    shown = _out(capsys)
    assert "KPIs" in shown and "san-ysidro-p95" in shown and "Meetings" in shown and "Example plenary B" in shown
    assert run(["--db", db, "plans", "show", SLUG, "--json"]) == 0
    data = json.loads(_out(capsys))
    assert [(k["id"], k["key"]) for k in data["kpis"]][:2] == [(1, "laredo-trucks"), (2, "san-ysidro-p95")]
    assert [(m["id"], m["name"], m["edits"]) for m in data["meetings"]] == [
        (1, "Example plenary A", []), (2, "Example plenary B", [])]
    assert run(["--db", db, "report", "--meeting", "Example plenary B", "--format", "md"]) == 0
    before = _out(capsys)
    # INF-1 is the US's: its KPI too; text that is not JSON is taken as text
    assert run(["--db", db, "plans", "edit-kpi", "2", "--name", "p95 wait", "--set", "target=45",
                "--set", "unit=hours", "--set", "weekdays=null", "--as", "ana.cbp", "--json"]) == 0
    changed = json.loads(_out(capsys))["changed"]
    assert changed["name"] == "p95 wait" and changed["spec"]["target"] == 45 and changed["spec"]["unit"] == "hours"
    assert "weekdays" not in changed["spec"]
    assert run(["--db", db, "plans", "edit-kpi", "2", "--set", "target=40", "--as", "luis.anam"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error:") and "belongs to the US side" in err
    assert run(["--db", db, "plans", "edit-kpi", "2", "--set", "hours=[10, 6]", "--as", "ana.cbp"]) == 1
    assert "kpi.spec.hours must be [start, end)" in capsys.readouterr().err
    assert run(["--db", db, "plans", "edit-kpi", "2", "--set", "target", "--as", "ana.cbp"]) == 1
    assert "--set takes KEY=VALUE" in capsys.readouterr().err
    assert run(["--db", db, "plans", "edit-meeting", "2", "--name", "Plenary B (Laredo)", "--place", "Laredo",
                "--as", "luis.anam"]) == 0
    assert _out(capsys).strip() == "meeting 2: name Plenary B (Laredo), place Laredo"
    assert run(["--db", db, "plans", "edit-meeting", "1", "--name", "Plenary B (Laredo)", "--as", "ana.cbp"]) == 1
    assert "has a meeting named 'Plenary B (Laredo)'" in capsys.readouterr().err
    assert run(["--db", db, "plans", "edit-meeting", "1", "--place", "", "--as", "ana.cbp", "--json"]) == 0
    assert json.loads(_out(capsys)) == {"id": 1, "changed": {"place": ""}}
    # the history of each
    assert run(["--db", db, "plans", "edits", "--kpi", "2", "--json"]) == 0
    rows = json.loads(_out(capsys))
    assert [(r["field"], r["old"], r["new"], r["username"], r["country"]) for r in rows] == [
        ("name", "p95 wait, standard passenger lanes, San Ysidro, weekdays 6-10 am", "p95 wait", "ana.cbp", "US"),
        ("spec.unit", '"minutes"', '"hours"', "ana.cbp", "US"),
        ("spec.target", "60", "45", "ana.cbp", "US"),
        ("spec.weekdays", "[0, 1, 2, 3, 4]", None, "ana.cbp", "US")]
    assert set(rows[0]) == {"at", "field", "old", "new", "username", "country"}
    assert run(["--db", db, "plans", "edits", "--meeting", "2"]) == 0
    table = _out(capsys)
    assert "meeting Plenary B (Laredo) (2026-09-15)" in table and "illustrative date" in table
    assert "luis.anam (MX)" in table and "mile-" not in table
    assert run(["--db", db, "plans", "edits", "--meeting", "1", "--json"]) == 0
    assert [(r["field"], r["old"], r["new"]) for r in json.loads(_out(capsys))] == [
        ("place", "illustrative date", "")]
    for args in ([], ["1", "--kpi", "2"], ["--kpi", "1", "--meeting", "1"]):
        assert run(["--db", db, "plans", "edits", *args]) == 2, args
        assert "name one action id, or --kpi KPI_ID, or --meeting MEETING_ID" in capsys.readouterr().err
    assert run(["--db", db, "plans", "edits", "--kpi", "999"]) == 1
    assert "no KPI with id 999" in capsys.readouterr().err
    assert run(["--db", db, "plans", "edits", "1", "--json"]) == 0  # an action's, as before
    assert json.loads(_out(capsys)) == []
    # the past report, asked for by the meeting's name now, says what it said
    assert run(["--db", db, "report", "--meeting", "Plenary B (Laredo)", "--format", "md"]) == 0
    assert _out(capsys) == before
    assert run(["--db", db, "users", "audit", "--json"]) == 0
    audit = json.loads(_out(capsys))
    assert [(r["action"], r["outcome"]) for r in audit][:6][::-1] == [
        ("plans.edit-kpi", "ok"), ("plans.edit-kpi", "denied"), ("plans.edit-kpi", "refused"),
        ("plans.edit-meeting", "ok"), ("plans.edit-meeting", "refused"), ("plans.edit-meeting", "ok")]


@pytest.fixture
def api(plan_engine: Engine, us_editor: User, mx_editor: User):  # type: ignore[no-untyped-def]
    with TestClient(create_app(engine=plan_engine), raise_server_exceptions=False) as client:
        us = accounts.create_token(plan_engine, us_editor.username).text
        mx = accounts.create_token(plan_engine, mx_editor.username).text
        yield client, {"Authorization": f"Bearer {us}"}, {"Authorization": f"Bearer {mx}"}


def test_api_edits_kpis_and_meetings_and_lists_their_edits(api: Any, plan_engine: Engine) -> None:
    client, us, mx = api
    p95, laredo = kpi_id(plan_engine, "san-ysidro-p95"), kpi_id(plan_engine, "laredo-trucks")
    plan_a, plan_b = meeting_id(plan_engine, "Example plenary A"), meeting_id(plan_engine, "Example plenary B")
    plan = client.get(f"/api/v1/plans/{SLUG}").json()
    assert {k["key"]: k["id"] for k in plan["kpis"]}["san-ysidro-p95"] == p95
    assert [(m["id"], m["edits"]) for m in plan["meetings"]] == [(plan_a, []), (plan_b, [])]
    report = {"meeting": "Example plenary B", "format": "md", "lang": "es"}
    before = client.get(f"/api/v1/plans/{SLUG}/report", params=report).text
    answers = [
        (client.patch(f"/api/v1/plan-kpis/{p95}", json={"spec": {"target": 45}}, headers=mx), 403, "forbidden"),
        (client.patch(f"/api/v1/plan-kpis/{laredo}", json={"name": "Trucks"}, headers=us), 403, "forbidden"),
        (client.patch(f"/api/v1/plan-kpis/{p95}", json={"spec": {"target": "high"}}, headers=us), 422, "bad_input"),
        (client.patch(f"/api/v1/plan-kpis/{p95}", json={"spec": {"target": 10**400}}, headers=us), 422, "bad_input"),
        (client.patch(f"/api/v1/plan-kpis/{p95}", json={"spec": None}, headers=us), 422, "bad_input"),
        (client.patch(f"/api/v1/plan-kpis/{p95}", json={"name": None}, headers=us), 422, "bad_input"),
        (client.patch(f"/api/v1/plan-kpis/{p95}", json={"key": "x"}, headers=us), 422, "bad_input"),
        (client.patch(f"/api/v1/plan-meetings/{plan_a}", json={"name": "Example plenary B"}, headers=us), 409,
         "conflict"),
        (client.patch(f"/api/v1/plan-meetings/{plan_a}", json={"held_on": "2025-03-16"}, headers=us), 422,
         "bad_input"),
        (client.patch("/api/v1/plan-meetings/999999", json={"name": "x"}, headers=us), 404, "not_found"),
        (client.patch(f"/api/v1/plan-meetings/{plan_a}", json={"name": "x"}), 401, "unauthorized"),
    ]
    for answer, status, code in answers:
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text
    ok = client.patch(f"/api/v1/plan-kpis/{p95}", json={"name": "p95 wait", "spec": {"target": 45.0}}, headers=us)
    assert ok.status_code == 200 and ok.json()["changed"]["name"] == "p95 wait"
    assert ok.json()["changed"]["spec"]["target"] == 45 and ok.json()["id"] == p95
    renamed = client.patch(f"/api/v1/plan-meetings/{plan_b}", json={"name": "  Plenaria B  ", "place": None},
                           headers=mx)
    assert renamed.status_code == 200 and renamed.json() == {"id": plan_b, "changed": {"name": "Plenaria B",
                                                                                      "place": ""}}
    kpi_rows = client.get(f"/api/v1/plan-kpis/{p95}/edits").json()
    assert [(r["field"], r["old"], r["new"], r["username"], r["country"]) for r in kpi_rows] == [
        ("name", "p95 wait, standard passenger lanes, San Ysidro, weekdays 6-10 am", "p95 wait", "ana.cbp", "US"),
        ("spec.target", "60", "45", "ana.cbp", "US")]
    meeting_rows = client.get(f"/api/v1/plan-meetings/{plan_b}/edits").json()
    assert [(r["field"], r["old"], r["new"], r["country"]) for r in meeting_rows] == [
        ("name", "Example plenary B", "Plenaria B", "MX"), ("place", "illustrative date", "", "MX")]
    assert client.get(f"/api/v1/plan-meetings/{plan_a}/edits").json() == []
    for path in ("/api/v1/plan-kpis/999999/edits", "/api/v1/plan-meetings/999999/edits"):
        missing = client.get(path)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    again = client.get(f"/api/v1/plans/{SLUG}").json()
    assert next(m for m in again["meetings"] if m["id"] == plan_b)["edits"] == meeting_rows
    assert client.get(f"/api/v1/plans/{SLUG}/report", params={**report, "meeting": "Plenaria B"}).text == before
    assert client.get(f"/api/v1/plans/{SLUG}/report", params=report).status_code == 404
    with plan_engine.connect() as conn:
        audit = [(r.username, r.action, r.outcome, r.status_code)
                 for r in conn.execute(select(audit_log).order_by(audit_log.c.id))]
    assert audit == [
        ("luis.anam", "plans.kpi.edit", "denied", 403), ("ana.cbp", "plans.kpi.edit", "denied", 403),
        *[("ana.cbp", "plans.kpi.edit", "refused", 422)] * 5,
        ("ana.cbp", "plans.meeting.edit", "refused", 409), ("ana.cbp", "plans.meeting.edit", "refused", 422),
        ("ana.cbp", "plans.meeting.edit", "refused", 404),
        ("ana.cbp", "plans.kpi.edit", "ok", 200), ("luis.anam", "plans.meeting.edit", "ok", 200)]


def test_the_api_documents_the_edit_lists_and_the_new_writes(api: Any) -> None:
    client, _, _ = api
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/plan-actions/{action_id}/edits", "/api/v1/plan-kpis/{kpi_id}/edits",
                 "/api/v1/plan-meetings/{meeting_id}/edits"):
        listed = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert listed["type"] == "array", path
    assert "patch" in paths["/api/v1/plan-kpis/{kpi_id}"] and "patch" in paths["/api/v1/plan-meetings/{meeting_id}"]
    edit = schema["components"]["schemas"]["FieldEditOut"]
    assert set(edit["properties"]) == {"at", "field", "old", "new", "username", "country"}
    assert set(schema["components"]["schemas"]["ActionEdit"]["properties"]) == {*edit["properties"], "milestone_id"}


def test_the_cli_and_the_api_list_the_same_edits(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--db", db, "plans", "edit-kpi", "1", "--set", "target=900000", "--as", "luis.anam"]) == 0
    assert run(["--db", db, "plans", "edit-meeting", "1", "--place", "Laredo", "--as", "ana.cbp"]) == 0
    capsys.readouterr()
    rows = {}
    for flag in ("--kpi", "--meeting"):
        assert run(["--db", db, "plans", "edits", flag, "1", "--json"]) == 0
        rows[flag] = json.loads(capsys.readouterr().out)
    engine = make_engine(db)
    try:
        with TestClient(create_app(engine=engine), raise_server_exceptions=False) as client:
            assert client.get("/api/v1/plan-kpis/1/edits").json() == rows["--kpi"]
            assert client.get("/api/v1/plan-meetings/1/edits").json() == rows["--meeting"]
        assert [e.new for e in plans.load_plan(engine, SLUG).kpis[0].edits] == ["900000"]
    finally:
        engine.dispose()


def test_an_edit_naming_a_key_it_does_not_edit_is_refused(api: Any, plan_engine: Engine) -> None:
    """A body's unknown key is refused (422, the envelope) naming it, never dropped."""
    client, us, _ = api
    p95, plan_b = kpi_id(plan_engine, "san-ysidro-p95"), meeting_id(plan_engine, "Example plenary B")
    before = client.get(f"/api/v1/plans/{SLUG}").json()
    stone = before["actions"][0]["milestones"][0]
    cases = [
        (f"/api/v1/plan-meetings/{plan_b}", {"name": "B", "held_on": "2026-09-16"},
         "got held_on; its date (held_on) is not edited: it dates the meeting's report"),
        (f"/api/v1/plan-meetings/{plan_b}", {"held_on": "2026-09-16"}, "got held_on; its date (held_on)"),
        (f"/api/v1/plan-kpis/{p95}", {"key": "x", "name": "PW"}, "got key; its key and its action are not edited"),
        (f"/api/v1/plan-kpis/{p95}", {"name": "PW", "targt": 4}, "got targt"),
        (f"/api/v1/plan-milestones/{stone['id']}", {"title": "T", "side": "MX"}, "got side, title"),
    ]
    for path, body, said in cases:
        answer = client.patch(path, json=body, headers=us)
        assert answer.status_code == 422, (body, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "bad_input" and said in error["message"], (body, error)
    assert client.get(f"/api/v1/plans/{SLUG}").json() == before
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert all(schema[name]["additionalProperties"] is False for name in ("KpiPatch", "MeetingPatch", "MilestonePatch"))


HUGE = "99999999999999999999"


@pytest.mark.parametrize("args", [
    ["edit-meeting", HUGE, "--name", "x", "--as", "ana.cbp"], ["edit-kpi", HUGE, "--name", "x", "--as", "ana.cbp"],
    ["edits", "--kpi", HUGE], ["edits", "--meeting", HUGE], ["edits", HUGE], ["edits", "--kpi", "0"],
    ["edit", HUGE, "--set", "notes_us=x", "--as", "ana.cbp"], ["history", HUGE],
    ["milestone", HUGE, "--done-on", "2026-01-01", "--as", "ana.cbp"],
    ["status", HUGE, "--to", "done", "--why", "x", "--as", "ana.cbp"],
])
def test_the_cli_refuses_an_id_out_of_range_in_one_line(db: str, capsys: pytest.CaptureFixture[str],
                                                         args: list[str]) -> None:
    capsys.readouterr()
    assert run(["--db", db, "plans", *args]) == 2
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and "must be a whole number from 1 to 2147483647" in said, said
    assert "unexpected" not in said


@pytest.mark.parametrize("args", [["plans", "show", HUGE], ["plans", "kpis", "--plan", HUGE],
                                  ["report", "--plan", HUGE, "--meeting", "x"]])
def test_a_plan_id_out_of_range_names_no_plan(db: str, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    capsys.readouterr()
    assert run(["--db", db, *args]) == 1
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and f"no plan '{HUGE}'" in said, said
