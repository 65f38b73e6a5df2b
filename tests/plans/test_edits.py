"""A report for a past meeting stays fixed: what was added or edited after the meeting is
kept (old and new value, who, when) and read back out of its report; on SQLite and
PostgreSQL, through the service, a plan file, the CLI and the API."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from borderflow.errors import BadInputError, BorderFlowError
from borderflow.plans.model import Meeting, parse_plan, plan_to_dict, today
from borderflow.plans.render import render
from borderflow.plans.report import ProgressReport, SubcommitteeSection, build_report
from borderflow.services import plans
from borderflow.services.accounts import User
from borderflow.store.catalog import seed_catalog
from borderflow.store.db import make_engine, migrate
from tests.plans.conftest import action_id, secretary
from tests.plans.test_meetings import blank_engine  # noqa: F401  (a fixture)

SLUG = "21cbm-example"
PAST = ("Example plenary A", "Example plenary B")  # 2025-03-15 and 2026-09-15
UTC = dt.UTC


def _reports(engine: Engine, slug: str = SLUG) -> dict[str, bytes]:
    """The past meetings' reports, in both languages, as Markdown."""
    plan = plans.load_plan(engine, slug)
    return {f"{name} {lang}": render(build_report(plan, name, [], generated_on=dt.date(2026, 11, 28)), lang, "md")
            for name in PAST for lang in ("en", "es")}


def _report(engine: Engine, meeting: str, slug: str = SLUG) -> ProgressReport:
    return build_report(plans.load_plan(engine, slug), meeting, [])


def _section(report: ProgressReport, key: str) -> SubcommitteeSection:
    return next(s for s in report.sections if s.key == key)


def _milestone_id(engine: Engine, title_start: str) -> int:
    found = [m.id for a in plans.load_plan(engine, SLUG).actions for m in a.milestones if m.title.startswith(title_start)]
    assert len(found) == 1 and found[0] is not None
    return found[0]


def _meeting_today(engine: Engine) -> str:
    plans.add_meeting(engine, SLUG, Meeting("Plenary today", today()), secretary(engine))
    return "Plenary today"


def test_a_milestone_added_after_a_meeting_is_not_in_its_report(plan_engine: Engine, us_editor: User) -> None:
    before = _reports(plan_engine)
    inf1 = action_id(plan_engine, "INF-1")
    # due before plenary B (it would read as late there), and due within a year of it (a next step)
    plans.add_milestone(plan_engine, inf1, {"side": "US", "title": "Permits filed", "due_on": "2026-08-01"}, us_editor)
    plans.add_milestone(plan_engine, inf1, {"side": "US", "title": "Ribbon cut", "due_on": "2027-02-01"}, us_editor)
    assert _reports(plan_engine) == before
    # a meeting held the day they were added counts them (the end of the day is the rule)
    now = _section(_report(plan_engine, _meeting_today(plan_engine)), "infrastructure")
    assert ("INF-1", "Permits filed") in {(i.action.code, i.milestone.title) for i in now.late if i.milestone}
    assert ("INF-1", "Ribbon cut") in {(i.action.code, i.text) for i in now.next_steps}


def _csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=plans.CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def test_an_action_added_by_csv_after_a_meeting_is_not_in_its_report(plan_engine: Engine) -> None:
    before = _reports(plan_engine)
    added = plans.import_csv(plan_engine, _csv([
        {"record": "action", "plan": SLUG, "code": "INF-9", "subcommittee": "infrastructure", "title": "New lane",
         "kind": "port_project", "lead_side": "US", "status": "delayed", "next_steps_us": "Tender the works"},
        {"record": "milestone", "plan": SLUG, "code": "INF-9", "title": "Design done", "side": "US",
         "due_on": "2026-05-01"},
        {"record": "milestone", "plan": SLUG, "code": "INF-9", "title": "Survey done", "side": "US",
         "due_on": "2025-06-01", "done_on": "2025-06-01"}]))
    assert added == {"added": 1, "skipped": 0}
    assert _reports(plan_engine) == before
    now = _report(plan_engine, _meeting_today(plan_engine))
    assert "INF-9" in {a.code for a in _section(now, "infrastructure").actions}
    assert ("INF-9", "Design done") in {(i.action.code, i.milestone.title) for i in _section(now, "infrastructure").late
                                        if i.milestone}


def test_edits_after_a_meeting_do_not_rewrite_its_report(plan_engine: Engine, us_editor: User,
                                                         mx_editor: User) -> None:
    before = _reports(plan_engine)
    inf1 = action_id(plan_engine, "INF-1")  # led by the US
    _, original = plans.get_action(plan_engine, inf1)
    plans.update_action(plan_engine, inf1, {"title": "Renamed", "kind": "study", "next_steps_us": "Other steps",
                                            "lead_agency_us": "CBP", "notes_us": "new note"}, us_editor)
    plans.update_action(plan_engine, inf1, {"next_steps_mx": "Otros pasos", "lead_agency_mx": "SICT",
                                            "notes_mx": "nota"}, mx_editor)
    plans.update_action(plan_engine, inf1, {"subcommittee": "secure_flows", "lead_side": "MX"}, us_editor)
    plans.update_action(plan_engine, inf1, {"title": "Renamed again"}, mx_editor)  # a second edit of the title
    plans.update_milestone(plan_engine, _milestone_id(plan_engine, "Southbound road"),
                           {"title": "Road deal", "due_on": "2026-10-01"}, mx_editor)
    plans.update_milestone(plan_engine, _milestone_id(plan_engine, "Additional northbound"), {"due_on": "2027-01-15"},
                           us_editor)
    assert _reports(plan_engine) == before
    b = _report(plan_engine, "Example plenary B")
    inf1_then = next(a for a in _section(b, "infrastructure").actions if a.code == "INF-1")
    fields = ("title", "kind", "subcommittee", "lead_side", "lead_agency_us", "lead_agency_mx", "notes_us", "notes_mx",
              "next_steps_us", "next_steps_mx")
    assert [getattr(inf1_then, f) for f in fields] == [getattr(original, f) for f in fields]
    # the report of a meeting held now shows the plan as it is
    now = _report(plan_engine, _meeting_today(plan_engine))
    moved = next(a for a in _section(now, "secure_flows").actions if a.code == "INF-1")
    assert (moved.title, moved.lead_side, moved.next_steps_mx) == ("Renamed again", "MX", "Otros pasos")
    assert {"Road deal"} <= {i.milestone.title for i in _section(now, "secure_flows").late if i.milestone}


def test_every_edit_is_kept_with_its_old_and_new_value_who_and_when(plan_engine: Engine, us_editor: User,
                                                                    mx_editor: User) -> None:
    inf1 = action_id(plan_engine, "INF-1")
    _, original = plans.get_action(plan_engine, inf1)
    plans.update_action(plan_engine, inf1, {"notes_us": "first"}, us_editor)
    plans.update_action(plan_engine, inf1, {"notes_us": "second", "title": original.title}, us_editor)  # title as is
    plans.update_action(plan_engine, inf1, {"subcommittee": "secure_flows"}, us_editor)
    booths = _milestone_id(plan_engine, "Additional northbound")
    plans.update_milestone(plan_engine, booths, {"done_on": "2026-11-20"}, us_editor)
    plans.update_milestone(plan_engine, booths, {"done_on": ""}, us_editor)
    _, action = plans.get_action(plan_engine, inf1)
    assert [(e.field, e.old, e.new, e.username, e.country) for e in action.edits] == [
        ("notes_us", original.notes_us, "first", "ana.cbp", "US"),
        ("notes_us", "first", "second", "ana.cbp", "US"),  # an unchanged value is no edit
        ("subcommittee", "infrastructure", "secure_flows", "ana.cbp", "US")]
    stone = next(m for m in action.milestones if m.id == booths)
    assert [(e.field, e.old, e.new) for e in stone.edits] == [("done_on", None, "2026-11-20"),
                                                              ("done_on", "2026-11-20", None)]
    assert all(e.at.tzinfo is not None and e.at.date() == today() for e in action.edits + stone.edits)
    # refused edits leave no trace
    with pytest.raises(BorderFlowError):
        plans.update_action(plan_engine, inf1, {"notes_mx": "not mine"}, us_editor)
    with pytest.raises(BorderFlowError):
        plans.update_milestone(plan_engine, booths, {"due_on": "someday"}, us_editor)
    _, again = plans.get_action(plan_engine, inf1)
    assert again.edits == action.edits and next(m for m in again.milestones if m.id == booths).edits == stone.edits
    assert mx_editor.country == "MX"


def test_a_field_edited_twice_after_a_meeting_reads_as_before_the_first(plan_engine: Engine, us_editor: User) -> None:
    """Edits on the meeting day count as before it (UTC day, as status changes); every later
    edit is rolled back to the value the first of them replaced."""
    inf1 = action_id(plan_engine, "INF-1")
    booths = _milestone_id(plan_engine, "Additional northbound")  # due 2026-06-30: late at plenary B
    on_the_day = dt.datetime(2026, 9, 15, 23, 59, tzinfo=UTC)
    plans.update_action(plan_engine, inf1, {"title": "Title on the day"}, us_editor, at=on_the_day)
    plans.update_milestone(plan_engine, booths, {"due_on": "2026-10-31"}, us_editor, at=on_the_day)
    before = _reports(plan_engine)
    plans.update_action(plan_engine, inf1, {"title": "Title after"}, us_editor, at=dt.datetime(2026, 9, 16, tzinfo=UTC))
    plans.update_action(plan_engine, inf1, {"title": "Title later"}, us_editor, at=dt.datetime(2026, 10, 1, tzinfo=UTC))
    plans.update_milestone(plan_engine, booths, {"due_on": "2026-07-01", "title": "Booths"}, us_editor,
                           at=dt.datetime(2026, 9, 16, 0, 0, 1, tzinfo=UTC))
    plans.update_milestone(plan_engine, booths, {"due_on": "2026-08-01"}, us_editor,
                           at=dt.datetime(2026, 10, 2, tzinfo=UTC))
    assert _reports(plan_engine) == before
    infra = _section(_report(plan_engine, "Example plenary B"), "infrastructure")
    assert next(a.title for a in infra.actions if a.code == "INF-1") == "Title on the day"
    assert ("INF-1", dt.date(2026, 10, 31)) in {(i.action.code, i.due_on) for i in infra.next_steps}
    assert ("INF-1", dt.date(2026, 6, 30)) not in {(i.action.code, i.due_on) for i in infra.late}
    # plenary A (2025-03-15) came before all of them
    a = _section(_report(plan_engine, "Example plenary A"), "infrastructure")
    assert next(x.title for x in a.actions if x.code == "INF-1").startswith("Modernize")


def test_done_on_recorded_after_a_meeting_does_not_change_its_report(plan_engine: Engine, us_editor: User,
                                                                     mx_editor: User) -> None:
    """A milestone marked done after the meeting is not done in its report, even with a day
    before the meeting; one done by then and cleared later still is."""
    before = _reports(plan_engine)
    booths = _milestone_id(plan_engine, "Additional northbound")  # not done, due 2026-06-30
    design = _milestone_id(plan_engine, "Data sharing agreement")  # done 2025-08-01: done at plenary B
    plans.update_milestone(plan_engine, booths, {"done_on": "2026-06-20"}, us_editor)
    plans.update_milestone(plan_engine, design, {"done_on": ""}, us_editor)
    plans.update_milestone(plan_engine, _milestone_id(plan_engine, "Pilot guidelines"), {"done_on": "2026-11-21"},
                           mx_editor)
    assert _reports(plan_engine) == before
    now = _section(_report(plan_engine, _meeting_today(plan_engine)), "infrastructure")
    assert ("INF-1", dt.date(2026, 6, 30)) not in {(i.action.code, i.due_on) for i in now.late}


def _race_writes(monkeypatch: pytest.MonkeyPatch, name: str, *calls: Any) -> list[Any]:
    """Run ``calls`` in threads; each waits, after the check named ``name`` of the
    service (which comes after its first read), until all have made it, then writes."""
    barrier = threading.Barrier(len(calls), timeout=30)
    check = getattr(plans, name)
    waited: set[int] = set()

    def check_then_wait(*args: Any, **kwargs: Any) -> Any:
        result = check(*args, **kwargs)
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            barrier.wait()
        return result

    monkeypatch.setattr(plans, name, check_then_wait)
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            results[i] = calls[i]()
        except BorderFlowError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.setattr(plans, name, check)
    return results


def test_edits_made_at_once_each_record_the_value_they_replaced(plan_engine: Engine, us_editor: User,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    inf1 = action_id(plan_engine, "INF-1")
    _, original = plans.get_action(plan_engine, inf1)
    results = _race_writes(monkeypatch, "_edited_text",
                           lambda: plans.update_action(plan_engine, inf1, {"notes_us": "from one"}, us_editor),
                           lambda: plans.update_action(plan_engine, inf1, {"notes_us": "from two"}, us_editor))
    assert not [r for r in results if isinstance(r, BorderFlowError)], results
    _, action = plans.get_action(plan_engine, inf1)
    first, second = action.edits
    assert first.old == original.notes_us and second.old == first.new and second.new == action.notes_us
    booths = _milestone_id(plan_engine, "Additional northbound")
    results = _race_writes(monkeypatch, "milestone_field",
                           lambda: plans.update_milestone(plan_engine, booths, {"title": "Booths one"}, us_editor),
                           lambda: plans.update_milestone(plan_engine, booths, {"title": "Booths two"}, us_editor))
    assert not [r for r in results if isinstance(r, BorderFlowError)], results
    _, action = plans.get_action(plan_engine, inf1)
    stone = next(m for m in action.milestones if m.id == booths)
    first, second = stone.edits
    assert first.old.startswith("Additional northbound") and second.old == first.new  # type: ignore[union-attr]
    assert second.new == stone.title


def _edited_plan(engine: Engine, us_editor: User, mx_editor: User) -> None:
    """Additions and edits after both past meetings, of every kind."""
    inf1 = action_id(engine, "INF-1")
    plans.add_milestone(engine, inf1, {"side": "US", "title": "Permits filed", "due_on": "2026-08-01"}, us_editor)
    plans.import_csv(engine, _csv([{"record": "action", "plan": SLUG, "code": "INF-9", "subcommittee": "infrastructure",
                                    "title": "New lane", "kind": "study", "lead_side": "US", "status": "delayed"}]))
    plans.update_action(engine, inf1, {"title": "Renamed", "next_steps_us": "Other\nsteps"}, us_editor)
    plans.update_action(engine, inf1, {"title": "Renamed again", "subcommittee": "secure_flows"}, us_editor)
    plans.update_milestone(engine, _milestone_id(engine, "Southbound road"), {"title": "Road deal",
                                                                              "due_on": "2026-08-01"}, mx_editor)
    plans.update_milestone(engine, _milestone_id(engine, "Data sharing agreement"), {"done_on": ""}, us_editor)


def test_a_past_report_survives_export_and_import_into_a_fresh_archive(plan_engine: Engine, us_editor: User,
                                                                       mx_editor: User, tmp_path: Path) -> None:
    before = _reports(plan_engine)
    _edited_plan(plan_engine, us_editor, mx_editor)
    exported = plan_to_dict(plans.load_plan(plan_engine, SLUG))
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        migrate(fresh)
        seed_catalog(fresh)
        plans.import_plan(fresh, parse_plan(json.loads(json.dumps(exported))))
        assert _reports(fresh) == before
        assert plan_to_dict(plans.load_plan(fresh, SLUG)) == exported  # and it exports the same again
    finally:
        fresh.dispose()
    inf1 = next(a for a in exported["actions"] if a["code"] == "INF-1")
    assert [(e["field"], e["old"], e["new"]) for e in inf1["edits"]][-2:] == [
        ("subcommittee", "infrastructure", "secure_flows"), ("title", "Renamed", "Renamed again")]
    assert next(a for a in exported["actions"] if a["code"] == "INF-9")["added_at"] is not None
    assert inf1["added_at"] is None  # it came with the plan


def test_a_plan_file_whose_edits_do_not_lead_to_its_values_is_refused(example_doc: dict[str, Any]) -> None:
    action = example_doc["actions"][0]
    edit = {"field": "title", "old": "Before", "new": "Not the title", "at": "2026-10-01T00:00:00Z",
            "username": "ana", "country": "US"}
    with pytest.raises(BadInputError, match=r"^plan\.actions\[0\]\.title is 'Modernize.*' but its latest edit "
                                            r"\(plan\.actions\[0\]\.edits\[0\], 2026-10-01T00:00:00\+00:00\) wrote "
                                            r"'Not the title'; set title to 'Not the title' or correct the edits$"):
        parse_plan({**example_doc, "actions": [{**action, "edits": [edit]}, *example_doc["actions"][1:]]})
    later = {**edit, "old": "Other", "new": action["title"], "at": "2026-10-02T00:00:00Z"}
    with pytest.raises(BadInputError, match=r"edits\[1\] of title starts from 'Other' but the edit before it"):
        parse_plan({**example_doc, "actions": [{**action, "edits": [edit, later]}, *example_doc["actions"][1:]]})
    stone = {**action["milestones"][0], "edits": [{**edit, "field": "side", "old": "US", "new": "MX"}]}
    with pytest.raises(BadInputError, match=r"milestones\[0\]\.edits\[0\]\.field must be one of title, due_on, "
                                            "done_on; got 'side'"):
        parse_plan({**example_doc, "actions": [{**action, "milestones": [stone]}, *example_doc["actions"][1:]]})
    assert "edits" not in json.dumps(example_doc)  # a file from before edits were kept imports as ever
    parse_plan(example_doc)


def test_migration_0012_keeps_stored_actions_and_milestones_in_every_report(blank_engine: Engine) -> None:  # noqa: F811
    from alembic import command

    from borderflow.services import accounts
    from borderflow.store.db import _alembic_config

    command.upgrade(_alembic_config(blank_engine), "0011")
    at = dt.datetime(2026, 1, 1, tzinfo=UTC)
    with blank_engine.begin() as conn:
        conn.execute(text("INSERT INTO plans (slug, strategy, year, title, is_example, sources, created_at) "
                          "VALUES ('old', '', 2026, 'Old plan', false, '[]', :at)"), {"at": at})
        conn.execute(text("INSERT INTO plan_subcommittees (plan_id, key, name) SELECT id, 'infra', 'Infra' FROM plans"))
        conn.execute(text("INSERT INTO plan_actions (plan_id, subcommittee_id, code, title, kind, lead_side, "
                          "lead_agency_us, lead_agency_mx, status, notes_us, notes_mx, next_steps_us, next_steps_mx, "
                          "updated_at) SELECT plan_id, id, 'A-1', 'Old action', 'study', 'US', '', '', 'planned', "
                          "'', '', 'Old steps', '', :at FROM plan_subcommittees"), {"at": at})
        conn.execute(text("INSERT INTO plan_milestones (action_id, side, title, due_on) "
                          "SELECT id, 'US', 'Old milestone', '2026-02-01' FROM plan_actions"))
        conn.execute(text("INSERT INTO plan_meetings (plan_id, name, held_on, place) "
                          "SELECT id, 'Plenary', '2026-03-01', '' FROM plans"))
    migrate(blank_engine)
    plan = plans.load_plan(blank_engine, "old")
    (action,) = plan.actions
    assert action.added_at is None and action.edits == () and action.milestones[0].added_at is None
    report = build_report(plan, "Plenary", [])
    assert [(i.action.code, i.due_on) for i in report.sections[0].late] == [("A-1", dt.date(2026, 2, 1))]
    seed_catalog(blank_engine)
    user = accounts.create_user(blank_engine, "ana", agency="CBP", country="US", roles=["editor"])
    assert action.id is not None
    plans.update_action(blank_engine, action.id, {"title": "New title", "next_steps_us": "New steps"}, user)
    then = build_report(plans.load_plan(blank_engine, "old"), "Plenary", [])
    assert then.sections[0].actions[0].title == "Old action"
    assert [i.text for i in then.sections[0].next_steps] == ["Old steps"]
    assert render(then, "en", "md") == render(report, "en", "md")


def test_cli_and_api_show_an_actions_edits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import warnings

    from borderflow.cli.main import run
    from tests.plans.conftest import EXAMPLE

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from borderflow.api import create_app

    db = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert run(["--db", db, "plans", "import", str(EXAMPLE)]) == 0
    assert run(["--db", db, "users", "create", "ana.cbp", "--agency", "CBP", "--country", "US", "--role", "editor"]) == 0
    assert run(["--db", db, "plans", "edit", "1", "--set", "notes_us=Phase 2", "--as", "ana.cbp"]) == 0
    assert run(["--db", db, "plans", "milestone", "2", "--due-on", "2027-01-31", "--as", "ana.cbp"]) == 0
    capsys.readouterr()
    assert run(["--db", db, "plans", "edits", "1", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["milestone_id"], r["field"], r["old"], r["new"], r["username"], r["country"]) for r in rows] == [
        (None, "notes_us", "Illustrative entry.", "Phase 2", "ana.cbp", "US"),
        (2, "due_on", "2026-06-30", "2027-01-31", "ana.cbp", "US")]
    assert run(["--db", db, "plans", "edits", "1"]) == 0
    shown = capsys.readouterr().out
    assert "notes_us" in shown and "2027-01-31" in shown and "ana.cbp" in shown
    assert run(["--db", db, "plans", "edits", "999"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no action with id 999" in err
    engine = make_engine(db)
    try:
        with TestClient(create_app(engine=engine), raise_server_exceptions=False) as client:
            assert client.get("/api/v1/plan-actions/1/edits").json() == rows
            plan = client.get(f"/api/v1/plans/{SLUG}").json()
            assert plan["actions"][0]["edits"][0]["new"] == "Phase 2"
            stone = next(m for m in plan["actions"][0]["milestones"] if m["id"] == 2)
            assert stone["edits"][0]["old"] == "2026-06-30" and stone["added_at"] is None
            missing = client.get("/api/v1/plan-actions/999/edits")
            assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    finally:
        engine.dispose()
