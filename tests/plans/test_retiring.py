"""Meetings added with who added them, and KPIs and meetings retired (never deleted): kept
with their edits, left out from then on, still in earlier reports; through the services,
the CLI, the API and the page; exported and imported back."""

from __future__ import annotations

import datetime as dt
import html
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from borderflow.cli.main import run
from borderflow.errors import BadInputError, ConflictError, ForbiddenError, NotFoundError
from borderflow.plans.model import ADDED, RETIRED, Meeting, parse_plan, plan_to_dict
from borderflow.plans.render import render
from borderflow.services import accounts, plan_definitions, plan_reports, plans
from borderflow.services.accounts import User
from borderflow.store.accounts_schema import audit_log
from tests.plans.conftest import EXAMPLE
from tests.plans.test_definition_edits import kpi_id, meeting_id

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from borderflow.api import create_app
from borderflow.web.pages_plans import router

SLUG = "21cbm-example"
#: Between the example's plenary A (2025-03-15) and plenary B (2026-09-15).
BETWEEN = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)


def _report(engine: Engine, meeting: str, lang: str = "en") -> str:
    return render(plan_reports.meeting_report(engine, SLUG, meeting, generated_on=dt.date(2027, 1, 1)), lang,
                  "md").decode()


def test_a_meeting_added_keeps_who_added_it(plan_engine: Engine, mx_editor: User, us_viewer: User) -> None:
    with pytest.raises(ForbiddenError, match="needs the role editor or admin"):
        plans.add_meeting(plan_engine, SLUG, Meeting("Plenary C", dt.date(2027, 3, 1)), us_viewer)
    at = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)
    new_id = plans.add_meeting(plan_engine, SLUG, Meeting("Plenary C", dt.date(2027, 3, 1), "Laredo"), mx_editor, at)
    _, held = plan_definitions.get_meeting(plan_engine, new_id)
    assert [(e.field, e.old, e.new, e.at, e.username, e.country) for e in held.edits] == [
        (ADDED, None, "Plenary C", at, "luis.anam", "MX")]
    plan_definitions.update_meeting(plan_engine, new_id, {"place": "Nuevo Laredo"}, mx_editor)
    assert [e.field for e in plan_definitions.get_meeting(plan_engine, new_id)[1].edits] == [ADDED, "place"]


def test_a_retired_kpi_is_in_earlier_reports_only(plan_engine: Engine, us_editor: User, mx_editor: User) -> None:
    p95 = kpi_id(plan_engine, "san-ysidro-p95")  # of INF-1, led by the US
    with pytest.raises(ForbiddenError):
        plan_definitions.retire_kpi(plan_engine, p95, "wrong crossing", mx_editor)
    with pytest.raises(BadInputError, match="needs a reason"):
        plan_definitions.retire_kpi(plan_engine, p95, "  ", us_editor)
    assert "San Ysidro" in _report(plan_engine, "Example plenary A") + _report(plan_engine, "Example plenary B")
    retired = plan_definitions.retire_kpi(plan_engine, p95, "measured the wrong lanes", us_editor, BETWEEN)
    assert retired.retired is not None and (retired.retired.new, retired.retired.username) == (
        "measured the wrong lanes", "ana.cbp")
    # plenary A was held before it was retired: its report still measures it; B's does not
    name = retired.name
    assert name in _report(plan_engine, "Example plenary A") and name not in _report(plan_engine, "Example plenary B")
    assert "san-ysidro-p95" not in {s.key for s in plan_reports.plan_kpis_computed(plan_engine, SLUG)}
    # kept, not deleted; and not edited or retired again
    assert "san-ysidro-p95" in {k.key for k in plans.load_plan(plan_engine, SLUG).kpis}
    with pytest.raises(ConflictError, match="was retired on 2025-06-01 by ana.cbp"):
        plan_definitions.update_kpi(plan_engine, p95, {"spec": {"target": 30}}, us_editor)
    with pytest.raises(ConflictError, match="was retired"):
        plan_definitions.retire_kpi(plan_engine, p95, "again", us_editor)
    assert [e.field for e in plan_definitions.get_kpi(plan_engine, p95)[1].edits] == [RETIRED]


def test_a_retired_meeting_has_no_report_and_no_longer_comes_before_another(
        plan_engine: Engine, us_editor: User, us_viewer: User) -> None:
    plenary_a = meeting_id(plan_engine, "Example plenary A")
    before_b = _report(plan_engine, "Example plenary B")
    with pytest.raises(ForbiddenError):
        plan_definitions.retire_meeting(plan_engine, plenary_a, "entered by mistake", us_viewer)
    # retired after plenary B was held: B's report stays as it was (A was its previous meeting then)
    plan_definitions.retire_meeting(plan_engine, plenary_a, "entered by mistake", us_editor,
                                    dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
    assert _report(plan_engine, "Example plenary B") == before_b
    with pytest.raises(NotFoundError, match="was retired on 2026-10-01 by ana.cbp .entered by mistake. and has no report"):
        plan_reports.meeting_report(plan_engine, SLUG, "Example plenary A")
    with pytest.raises(ConflictError, match="was retired"):
        plan_definitions.update_meeting(plan_engine, plenary_a, {"place": "Laredo"}, us_editor)
    # a meeting held after the retirement does not look back to it
    plans.add_meeting(plan_engine, SLUG, Meeting("Plenary C", dt.date(2027, 3, 1)), us_editor)
    plenary_b = meeting_id(plan_engine, "Example plenary B")
    plan_definitions.retire_meeting(plan_engine, plenary_b, "duplicate", us_editor,
                                    dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    report = plan_reports.meeting_report(plan_engine, SLUG, "Plenary C")
    assert report.previous is None  # both earlier meetings were retired by then
    with pytest.raises(ConflictError, match="has a meeting named 'Example plenary A'"):
        plans.add_meeting(plan_engine, SLUG, Meeting("Example plenary A", dt.date(2027, 4, 1)), us_editor)


def test_a_meeting_added_after_a_past_meeting_does_not_rewrite_its_report(
        plan_engine: Engine, mx_editor: User) -> None:
    before_b = _report(plan_engine, "Example plenary B")
    assert "since the previous meeting (Example plenary A, March 15, 2025)" in before_b
    # recorded after plenary B (2026-09-15) as held before it, then retired
    later = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)
    plans.add_meeting(plan_engine, SLUG, Meeting("Plenary C", dt.date(2025, 6, 1)), mx_editor, later)
    assert _report(plan_engine, "Example plenary B") == before_b
    plan_definitions.retire_meeting(plan_engine, meeting_id(plan_engine, "Plenary C"), "wrong date", mx_editor,
                                    later + dt.timedelta(hours=1))
    assert _report(plan_engine, "Example plenary B") == before_b
    # one added by plenary B's day, held before it, was B's previous meeting then
    plans.add_meeting(plan_engine, SLUG, Meeting("Plenary D", dt.date(2025, 7, 1)), mx_editor,
                      dt.datetime(2026, 9, 15, 23, tzinfo=dt.UTC))
    assert "since the previous meeting (Plenary D, July 1, 2025)" in _report(plan_engine, "Example plenary B")


def test_cli_report_of_a_past_meeting_ignores_a_meeting_recorded_later(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The example's plenary B (2026-09-15) is past: a meeting recorded today as held
    before it, then retired, leaves its report as it was."""
    assert run(["--db", db, "users", "create", "luis", "--agency", "ANAM", "--country", "MX", "--role", "editor"]) == 0
    capsys.readouterr()
    report = ["--db", db, "report", "--meeting", "Example plenary B", "--format", "md"]
    assert run(report) == 0
    before = capsys.readouterr().out
    assert "since the previous meeting (Example plenary A, March 15, 2025)" in before
    assert run(["--db", db, "plans", "meeting", "Plenary C", "--on", "2025-06-01", "--as", "luis", "--json"]) == 0
    new_id = json.loads(capsys.readouterr().out)["id"]
    assert run(["--db", db, "plans", "retire-meeting", str(new_id), "--why", "wrong date", "--as", "luis"]) == 0
    capsys.readouterr()
    assert run(report) == 0
    after = capsys.readouterr().out
    assert "since the previous meeting (Example plenary A, March 15, 2025)" in after and "Plenary C" not in after


def test_export_and_import_keep_additions_and_retirements(plan_engine: Engine, us_editor: User) -> None:
    plans.add_meeting(plan_engine, SLUG, Meeting("Plenary C", dt.date(2027, 3, 1)), us_editor, BETWEEN)
    plan_definitions.retire_meeting(plan_engine, meeting_id(plan_engine, "Plenary C"), "wrong date", us_editor,
                                    BETWEEN + dt.timedelta(hours=1))
    plan_definitions.retire_kpi(plan_engine, kpi_id(plan_engine, "san-ysidro-p95"), "wrong lanes", us_editor, BETWEEN)
    exported = plan_to_dict(plans.load_plan(plan_engine, SLUG))
    again = json.loads(json.dumps({**exported, "slug": "copy"}))
    plans.import_plan(plan_engine, parse_plan(again))
    copy = plans.load_plan(plan_engine, "copy")
    assert plan_to_dict(copy) == {**exported, "slug": "copy"}
    assert [m.name for m in copy.meetings if m.retired] == ["Plenary C"]
    assert [k.key for k in copy.kpis if k.retired] == ["san-ysidro-p95"]
    # a file with an edit after the retirement, or a second retirement, is refused
    kpis = again["kpis"]
    p95 = next(k for k in kpis if k["key"] == "san-ysidro-p95")
    late = {"field": "name", "old": p95["name"], "new": "x", "at": "2025-07-01T00:00:00+00:00",
            "username": "ana.cbp", "country": "US"}
    for edits, message in (([*p95["edits"], late], "after its retirement"),
                           ([*p95["edits"], {**p95["edits"][0], "at": "2025-07-01T00:00:00+00:00"}],
                            "second 'retired' edit")):
        broken = json.loads(json.dumps({**again, "slug": "broken"}))
        next(k for k in broken["kpis"] if k["key"] == "san-ysidro-p95")["edits"] = edits
        with pytest.raises(BadInputError, match=message):
            parse_plan(broken)


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert run(["--db", url, "plans", "import", str(EXAMPLE), "--json"]) == 0
    assert run(["--db", url, "users", "create", "ana.cbp", "--agency", "CBP", "--country", "US", "--role", "editor"]) == 0
    assert run(["--db", url, "users", "create", "vic.gsa", "--agency", "GSA", "--country", "US", "--role", "viewer"]) == 0
    return url


def test_cli_adds_as_a_user_and_retires(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    # --as is required, and a viewer refused in one line
    assert run(["--db", db, "plans", "meeting", "Plenary C", "--on", "2027-03-01"]) == 2
    capsys.readouterr()
    assert run(["--db", db, "plans", "meeting", "Plenary C", "--on", "2027-03-01", "--as", "vic.gsa"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs the role editor or admin" in err
    assert run(["--db", db, "plans", "meeting", "Plenary C", "--on", "2027-03-01", "--as", "ana.cbp", "--json"]) == 0
    new_id = json.loads(capsys.readouterr().out)["id"]
    assert run(["--db", db, "plans", "edits", "--meeting", str(new_id), "--json"]) == 0
    [added] = json.loads(capsys.readouterr().out)
    assert (added["field"], added["new"], added["username"], added["country"]) == ("added", "Plenary C", "ana.cbp", "US")
    assert run(["--db", db, "plans", "retire-meeting", str(new_id), "--why", "wrong date", "--as", "ana.cbp",
                "--json"]) == 0
    retired = json.loads(capsys.readouterr().out)
    assert (retired["name"], retired["retired"]["why"], retired["retired"]["username"]) == (
        "Plenary C", "wrong date", "ana.cbp")
    assert run(["--db", db, "plans", "retire-meeting", str(new_id), "--why", "again", "--as", "ana.cbp"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "was retired on" in err and "Traceback" not in err
    assert run(["--db", db, "plans", "retire-kpi", "2", "--why", "wrong lanes", "--as", "ana.cbp"]) == 0
    assert "KPI 2 (san-ysidro-p95) retired by ana.cbp" in capsys.readouterr().out
    assert run(["--db", db, "plans", "kpis", "--plan", SLUG, "--json"]) == 0
    assert "san-ysidro-p95" not in {k["key"] for k in json.loads(capsys.readouterr().out)}
    assert run(["--db", db, "plans", "show", SLUG]) == 0
    shown = capsys.readouterr().out
    assert "Retired (kept with their edits)" in shown and "wrong date" in shown and "wrong lanes" in shown
    assert run(["--db", db, "users", "audit", "--json"]) == 0
    audit = json.loads(capsys.readouterr().out)
    actions = [(r["action"], r["outcome"]) for r in audit]
    assert ("plans.meeting", "denied") in actions and ("plans.meeting", "ok") in actions
    assert ("plans.retire-meeting", "refused") in actions and ("plans.retire-kpi", "ok") in actions


@pytest.fixture
def api(plan_engine: Engine, us_editor: User, mx_editor: User):  # type: ignore[no-untyped-def]
    app = create_app(engine=plan_engine)
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, *({"Authorization": f"Bearer {accounts.create_token(plan_engine, u.username).text}"}
                        for u in (us_editor, mx_editor))


def test_api_retires_and_the_page_folds_them(api: Any, plan_engine: Engine) -> None:
    client, us, mx = api
    p95, plenary_a = kpi_id(plan_engine, "san-ysidro-p95"), meeting_id(plan_engine, "Example plenary A")
    for answer, status in (
            (client.request("DELETE", f"/api/v1/plan-kpis/{p95}", json={"why": "wrong lanes"}, headers=mx), 403),
            (client.request("DELETE", f"/api/v1/plan-kpis/{p95}", json={}, headers=us), 422),
            (client.request("DELETE", f"/api/v1/plan-kpis/{p95}", json={"why": " "}, headers=us), 422),
            (client.request("DELETE", "/api/v1/plan-meetings/999999", json={"why": "x"}, headers=us), 404),
            (client.request("DELETE", f"/api/v1/plan-meetings/{plenary_a}", json={"why": "x"}), 401)):
        assert answer.status_code == status and set(answer.json()) == {"error"}, answer.text
    kpi = client.request("DELETE", f"/api/v1/plan-kpis/{p95}", json={"why": "wrong lanes"}, headers=us)
    assert kpi.status_code == 200, kpi.text
    assert kpi.json()["key"] == "san-ysidro-p95" and kpi.json()["retired"]["why"] == "wrong lanes"
    held = client.request("DELETE", f"/api/v1/plan-meetings/{plenary_a}", json={"why": "entered twice"}, headers=mx)
    assert held.status_code == 200, held.text
    assert held.json() == {"id": plenary_a, "name": "Example plenary A", "held_on": "2025-03-15",
                           "place": "illustrative date", "retired": held.json()["retired"]}
    assert held.json()["retired"]["country"] == "MX"
    again = client.request("DELETE", f"/api/v1/plan-meetings/{plenary_a}", json={"why": "x"}, headers=us)
    assert again.status_code == 409
    plan = client.get(f"/api/v1/plans/{SLUG}").json()
    assert next(m for m in plan["meetings"] if m["id"] == plenary_a)["retired"]["why"] == "entered twice"
    assert next(k for k in plan["kpis"] if k["id"] == p95)["retired"]["username"] == "ana.cbp"
    assert client.get(f"/api/v1/plans/{SLUG}/report", params={"meeting": "Example plenary A"}).status_code == 404
    with plan_engine.connect() as conn:
        rows = {(r.action, r.outcome) for r in conn.execute(select(audit_log.c.action, audit_log.c.outcome))}
    assert {("plans.kpi.retire", "ok"), ("plans.kpi.retire", "denied"), ("plans.meeting.retire", "ok"),
            ("plans.meeting.retire", "refused")} <= rows
    for lang, folded, label in (("es", "Reuniones retiradas (1)", "Indicadores retirados (1)"),
                                ("en", "Retired meetings (1)", "Retired indicators (1)")):
        page = html.unescape(client.get(f"/plans/{SLUG}", headers={"Accept-Language": lang}).text)
        assert folded in page and label in page
        live, _, gone = page.partition(folded)
        assert "Example plenary A" not in live.split('class="meetings"', 1)[1]  # not among the meetings that stand
        assert "entered twice" in gone and "luis.anam (" + ("México" if lang == "es" else "Mexico") + ")" in gone
        assert ("Retiro (motivo)" if lang == "es" else "Retired (why)") in gone


def test_the_page_shows_who_added_a_meeting(api: Any, plan_engine: Engine, mx_editor: User) -> None:
    client, _, _ = api
    plans.add_meeting(plan_engine, SLUG, Meeting("Plenary C", dt.date(2027, 3, 1)), mx_editor)
    page = html.unescape(client.get(f"/plans/{SLUG}", headers={"Accept-Language": "es"}).text)
    entry = page.split("<strong>Plenary C</strong>", 1)[1].split("</li>", 1)[0]
    assert "luis.anam (México)" in entry and "Registro" in entry and "Plenary C" in entry
