"""Edits of KPI definitions and meetings are kept as an action's edits are (old and new
value, who, country, when), and a past meeting's report reads the KPIs and meeting names
as they stood then; on SQLite and PostgreSQL, through the service and a plan file."""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from borderflow.errors import BadInputError, BorderFlowError, ConflictError, ForbiddenError
from borderflow.plans.model import Meeting, parse_plan, plan_to_dict, spec_value_text, today
from borderflow.plans.render import render
from borderflow.services import accounts, plan_definitions, plan_reports, plans
from borderflow.services.accounts import User
from borderflow.store.catalog import seed_catalog
from borderflow.store.db import make_engine, migrate
from tests.plans.conftest import action_id, secretary
from tests.plans.test_meetings import blank_engine  # noqa: F401  (a fixture)

SLUG = "21cbm-example"
UTC = dt.UTC
#: When the reports below are said to be written: they must not depend on it.
WRITTEN = dt.date(2026, 11, 28)


def kpi_id(engine: Engine, key: str, slug: str = SLUG) -> int:
    found = [k.id for k in plans.load_plan(engine, slug).kpis if k.key == key]
    assert found and found[0] is not None
    return found[0]


def meeting_id(engine: Engine, name: str, slug: str = SLUG) -> int:
    found = [m.id for m in plans.load_plan(engine, slug).meetings if m.name == name]
    assert found and found[0] is not None
    return found[0]


def _past_reports(engine: Engine, slug: str = SLUG) -> dict[str, bytes]:
    """The reports of the plan's first two meetings (by date, whatever their names now), in
    both languages, as Markdown and HTML, with the KPIs measured."""
    plan = plans.load_plan(engine, slug)
    return {f"{i} {lang} {fmt}": render(plan_reports.meeting_report(engine, slug, m.name, generated_on=WRITTEN), lang, fmt)
            for i, m in enumerate(sorted(plan.meetings, key=lambda m: m.held_on)[:2])
            for lang in ("en", "es") for fmt in ("md", "html")}


def _report_today(engine: Engine, slug: str = SLUG) -> str:
    name = "Plenary today"
    if name not in {m.name for m in plans.load_plan(engine, slug).meetings}:
        plans.add_meeting(engine, slug, Meeting(name, today()), secretary(engine))
    return render(plan_reports.meeting_report(engine, slug, name, generated_on=WRITTEN), "en", "md").decode()


@pytest.fixture
def general_doc(example_doc: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """The example plan with a KPI of the whole plan, read from a results file (so its values
    show in a report without an archive of readings)."""
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"waits": {"mean": 38.6, "p95": 71.0}}), encoding="utf-8")
    doc = copy.deepcopy(example_doc)
    doc["kpis"].append({"key": "all-waits", "name": "Mean wait, all ports", "spec": {
        "source": "results", "period": "quarter", "better": "lower", "unit": "minutes", "target": 40,
        "results": [{"period": p, "file": str(results), "field": "waits.mean"} for p in ("2025Q1", "2025Q2")]}})
    return doc


@pytest.fixture
def general_engine(engine: Engine, general_doc: dict[str, Any]) -> Engine:
    plans.import_plan(engine, parse_plan(general_doc))
    return engine


# -- kept with old and new value, who and when ---------------------------------------------------


def test_kpi_and_meeting_edits_are_kept_with_old_and_new_value_who_and_when(plan_engine: Engine, us_editor: User,
                                                                           mx_editor: User) -> None:
    p95 = kpi_id(plan_engine, "san-ysidro-p95")  # of INF-1, led by the US
    _, original, lead = plan_definitions.get_kpi(plan_engine, p95)
    assert lead == "US" and original.edits == ()
    plan_definitions.update_kpi(plan_engine, p95, {"name": "p95 wait, San Ysidro",
                                                   "spec": {"target": 45, "unit": "minutes"}}, us_editor)  # unit as is
    stored = plan_definitions.update_kpi(plan_engine, p95, {"spec": {"target": 40.0, "weekdays": None}}, us_editor)
    plan_definitions.update_kpi(plan_engine, p95, {"name": "p95 wait, San Ysidro", "spec": {"target": 40}},
                                us_editor)  # as it is: no edit
    _, kpi, _ = plan_definitions.get_kpi(plan_engine, p95)
    assert [(e.field, e.old, e.new, e.username, e.country) for e in kpi.edits] == [
        ("name", original.name, "p95 wait, San Ysidro", "ana.cbp", "US"),
        ("spec.target", "60", "45", "ana.cbp", "US"),
        ("spec.target", "45", "40", "ana.cbp", "US"),
        ("spec.weekdays", "[0, 1, 2, 3, 4]", None, "ana.cbp", "US")]
    assert kpi.spec == stored["spec"] and kpi.spec["target"] == 40 and "weekdays" not in kpi.spec
    assert {k: v for k, v in kpi.spec.items() if k not in ("target", "weekdays")} == {
        k: v for k, v in original.spec.items() if k not in ("target", "weekdays")}
    plan_b = meeting_id(plan_engine, "Example plenary B")
    plan_definitions.update_meeting(plan_engine, plan_b, {"name": "Plenary B (Laredo)", "place": "Laredo"}, mx_editor)
    plan_definitions.update_meeting(plan_engine, plan_b, {"place": " Laredo "}, us_editor)  # trimmed: as it is
    _, meeting = plan_definitions.get_meeting(plan_engine, plan_b)
    assert (meeting.name, meeting.place, meeting.held_on) == ("Plenary B (Laredo)", "Laredo", dt.date(2026, 9, 15))
    assert [(e.field, e.old, e.new, e.username, e.country) for e in meeting.edits] == [
        ("name", "Example plenary B", "Plenary B (Laredo)", "luis.anam", "MX"),
        ("place", "illustrative date", "Laredo", "luis.anam", "MX")]
    assert all(e.at.tzinfo is not None and e.at.date() == today() for e in kpi.edits + meeting.edits)
    # the plan as loaded carries them too, and the lists the fronts show
    loaded = plans.load_plan(plan_engine, SLUG)
    assert next(k for k in loaded.kpis if k.id == p95).edits == kpi.edits
    assert next(m for m in loaded.meetings if m.id == plan_b).edits == meeting.edits
    assert plan_definitions.field_edit_rows(meeting.edits)[0] == {
        "at": meeting.edits[0].at.isoformat(), "field": "name", "old": "Example plenary B",
        "new": "Plenary B (Laredo)", "username": "luis.anam", "country": "MX"}


def test_who_may_edit_kpis_and_meetings(general_engine: Engine, us_editor: User, mx_editor: User,
                                        us_viewer: User) -> None:
    """A KPI of an action is its lead side's; a KPI of the whole plan and a meeting are both
    sides'; a viewer edits nothing; a refused edit leaves no trace."""
    p95 = kpi_id(general_engine, "san-ysidro-p95")  # INF-1: the US leads
    laredo = kpi_id(general_engine, "laredo-trucks")  # INF-2: Mexico leads
    general = kpi_id(general_engine, "all-waits")
    plan_a = meeting_id(general_engine, "Example plenary A")
    before = plans.load_plan(general_engine, SLUG)
    with pytest.raises(ForbiddenError, match="belongs to the US side; user 'luis.anam' is of MX"):
        plan_definitions.update_kpi(general_engine, p95, {"spec": {"target": 1}}, mx_editor)
    with pytest.raises(ForbiddenError, match="belongs to the MX side; user 'ana.cbp' is of US"):
        plan_definitions.update_kpi(general_engine, laredo, {"name": "Trucks"}, us_editor)
    for write in (lambda: plan_definitions.update_kpi(general_engine, general, {"name": "x"}, us_viewer),
                  lambda: plan_definitions.update_meeting(general_engine, plan_a, {"name": "x"}, us_viewer)):
        with pytest.raises(ForbiddenError, match="needs the role editor or admin; user 'vic.gsa' has viewer"):
            write()
    refusals: list[tuple[Callable[[], Any], type[BorderFlowError], str]] = [
        (lambda: plan_definitions.update_kpi(general_engine, p95, {"spec": {"target": "high"}}, us_editor),
         BadInputError, r"^kpi\.spec\.target must be a number; got 'high'$"),
        (lambda: plan_definitions.update_kpi(general_engine, p95, {"spec": {"targt": 45}}, us_editor),
         BadInputError, r"^kpi\.spec has no key 'targt'; a KPI's definition has source, .*target"),
        (lambda: plan_definitions.update_kpi(general_engine, p95, {"spec": {"crossings": None}}, us_editor),
         BadInputError, r"^kpi\.spec\.crossings must be a list"),
        (lambda: plan_definitions.update_kpi(general_engine, p95, {"key": "other"}, us_editor),
         BadInputError, r"^a KPI edit may change name and spec .*; got key; its key and its action are not edited"),
        (lambda: plan_definitions.update_kpi(general_engine, p95, {"name": " "}, us_editor),
         BadInputError, r"^kpi\.name is required and may not be empty"),
        (lambda: plan_definitions.update_kpi(general_engine, p95, {"spec": {}}, us_editor),
         BadInputError, r"^kpi\.spec names no key to change"),
        (lambda: plan_definitions.update_meeting(general_engine, plan_a, {"held_on": "2025-03-16"}, us_editor),
         BadInputError, r"^a meeting edit may change name, place; got held_on; its date \(held_on\) is not edited"),
        (lambda: plan_definitions.update_meeting(general_engine, plan_a, {"name": "  "}, us_editor),
         BadInputError, r"^meeting\.name is required"),
        (lambda: plan_definitions.update_meeting(general_engine, plan_a, {"name": "x" * 121}, us_editor),
         BadInputError, r"^meeting\.name may be at most 120 characters"),
        (lambda: plan_definitions.update_meeting(general_engine, plan_a, {"place": "a\u202eb"}, us_editor),
         BadInputError, r"^meeting\.place holds the character U\+202E at position 2"),
        (lambda: plan_definitions.update_meeting(general_engine, plan_a, {"name": "Example plenary B"}, mx_editor),
         ConflictError, r"^plan '21cbm-example' has a meeting named 'Example plenary B'; pick another name$"),
        (lambda: plan_definitions.update_kpi(general_engine, 999_999, {"name": "x"}, us_editor),
         BorderFlowError, r"^no KPI with id 999999"),
        (lambda: plan_definitions.update_meeting(general_engine, 999_999, {"name": "x"}, us_editor),
         BorderFlowError, r"^no meeting with id 999999"),
    ]
    for write, error, message in refusals:
        with pytest.raises(error, match=message):
            write()
    assert plans.load_plan(general_engine, SLUG) == before
    # the whole plan's KPI and a meeting: either side
    plan_definitions.update_kpi(general_engine, general, {"spec": {"target": 35}}, us_editor)
    plan_definitions.update_kpi(general_engine, general, {"spec": {"target": 30}}, mx_editor)
    plan_definitions.update_meeting(general_engine, plan_a, {"place": "Nuevo Laredo"}, mx_editor)
    plan_definitions.update_meeting(general_engine, plan_a, {"place": "Laredo"}, us_editor)
    loaded = plans.load_plan(general_engine, SLUG)
    assert [(e.new, e.country) for e in next(k for k in loaded.kpis if k.id == general).edits] == [
        ("35", "US"), ("30", "MX")]
    assert [(e.new, e.country) for e in next(m for m in loaded.meetings if m.id == plan_a).edits] == [
        ("Nuevo Laredo", "MX"), ("Laredo", "US")]


# -- past reports ----------------------------------------------------------------------------


def _edit_definitions(engine: Engine, us_editor: User, mx_editor: User, at: dt.datetime | None = None) -> None:
    """Edits of every kind of KPI field and of both past meetings (INF-1's KPI is the US's)."""
    p95, laredo = kpi_id(engine, "san-ysidro-p95"), kpi_id(engine, "laredo-trucks")
    plan_definitions.update_kpi(engine, p95, {"name": "Renamed p95", "spec": {
        "target": 30, "unit": "hours", "better": "higher", "baseline": {"from": "2025-01", "to": "2025-12"}}},
        us_editor, at=at)
    plan_definitions.update_kpi(engine, p95, {"name": "Renamed again", "spec": {"target": 20}}, us_editor, at=at)
    plan_definitions.update_kpi(engine, laredo, {"spec": {"target": None, "start": None}}, mx_editor, at=at)
    for name, new in (("Example plenary A", "Plenary A, renamed"), ("Example plenary B", "Plenary B, renamed")):
        plan_definitions.update_meeting(engine, meeting_id(engine, name), {"name": new, "place": "Monterrey"},
                                        mx_editor, at=at)


def test_kpi_and_meeting_edits_after_a_meeting_do_not_rewrite_its_report(plan_engine: Engine, us_editor: User,
                                                                         mx_editor: User) -> None:
    before = _past_reports(plan_engine)
    assert "Example plenary A" in before["1 en md"].decode()  # plenary B's report names the one before it
    _edit_definitions(plan_engine, us_editor, mx_editor)
    assert _past_reports(plan_engine) == before
    # the report of a meeting held today reads them as they are
    now = _report_today(plan_engine)
    assert "**Renamed again** (hours; higher is better)" in now and "Target 20" in now
    assert "Northbound trucks per quarter, Laredo (BTS)** (trucks; higher is better): no baseline, no target" in now
    assert "since the previous meeting (Plenary B, renamed" in now


def test_a_past_report_measures_a_kpi_by_its_definition_then(general_engine: Engine, us_editor: User,
                                                             tmp_path: Path) -> None:
    """The KPI is measured from its definition as it stood: another field of its results
    file chosen later does not change the values a past report shows."""
    general = kpi_id(general_engine, "all-waits")
    _, kpi, _ = plan_definitions.get_kpi(general_engine, general)
    before = _past_reports(general_engine)
    assert "| Q1 2025 | 38.6 |" in before["1 en md"].decode()
    plan_definitions.update_kpi(general_engine, general, {"spec": {"results": [
        {**r, "field": "waits.p95"} for r in kpi.spec["results"]], "target": 70}}, us_editor)
    assert _past_reports(general_engine) == before
    now = _report_today(general_engine)
    assert "| Q1 2025 | 71 |" in now and "Target 70" in now and "38.6" not in now


def test_edits_on_the_meeting_day_count_and_later_ones_do_not(plan_engine: Engine, us_editor: User,
                                                             mx_editor: User) -> None:
    p95, plan_b = kpi_id(plan_engine, "san-ysidro-p95"), meeting_id(plan_engine, "Example plenary B")
    on_the_day = dt.datetime(2026, 9, 15, 23, 59, tzinfo=UTC)
    plan_definitions.update_kpi(plan_engine, p95, {"name": "Name on the day", "spec": {"target": 50}}, us_editor,
                                at=on_the_day)
    plan_definitions.update_meeting(plan_engine, plan_b, {"name": "Plenary B, as held"}, mx_editor, at=on_the_day)
    before = _past_reports(plan_engine)
    assert "**Name on the day**" in before["1 en md"].decode() and "Target 50" in before["1 en md"].decode()
    assert "**Plenary B, as held**" in before["1 en md"].decode()
    after = dt.datetime(2026, 9, 16, tzinfo=UTC)
    plan_definitions.update_kpi(plan_engine, p95, {"name": "Name after", "spec": {"target": 10, "hours": [5, 9]}},
                                us_editor, at=after)
    plan_definitions.update_kpi(plan_engine, p95, {"spec": {"target": 5}}, us_editor, at=after + dt.timedelta(days=9))
    plan_definitions.update_meeting(plan_engine, plan_b, {"name": "Plenary B, later"}, mx_editor, at=after)
    assert _past_reports(plan_engine) == before
    # plenary A (2025-03-15) came before all of them
    assert "Modernize" in before["0 en md"].decode() and "**Name on the day**" not in before["0 en md"].decode()


# -- at the same time ------------------------------------------------------------------------


def _race(monkeypatch: pytest.MonkeyPatch, name: str, *calls: Callable[[], Any]) -> list[Any]:
    """Run ``calls`` in threads; each waits, after plan_definitions' check ``name`` (which
    comes after its first read), until all have made it, then writes."""
    barrier = threading.Barrier(len(calls), timeout=30)
    check = getattr(plan_definitions, name)
    waited: set[int] = set()

    def check_then_wait(*args: Any, **kwargs: Any) -> Any:
        result = check(*args, **kwargs)
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            barrier.wait()
        return result

    monkeypatch.setattr(plan_definitions, name, check_then_wait)
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
    monkeypatch.setattr(plan_definitions, name, check)
    return results


def test_kpi_edits_made_at_once_all_land_each_with_the_value_it_replaced(plan_engine: Engine, us_editor: User,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    p95 = kpi_id(plan_engine, "san-ysidro-p95")
    # two keys of one definition at once: each merges into the definition as locked, neither is lost
    results = _race(monkeypatch, "_kpi_changes",
                    lambda: plan_definitions.update_kpi(plan_engine, p95, {"spec": {"target": 45}}, us_editor),
                    lambda: plan_definitions.update_kpi(plan_engine, p95, {"spec": {"unit": "hours"}}, us_editor))
    assert not [r for r in results if isinstance(r, BorderFlowError)], results
    _, kpi, _ = plan_definitions.get_kpi(plan_engine, p95)
    assert (kpi.spec["target"], kpi.spec["unit"]) == (45, "hours")
    assert sorted((e.field, e.old, e.new) for e in kpi.edits) == [("spec.target", "60", "45"),
                                                                  ("spec.unit", '"minutes"', '"hours"')]
    # one key twice at once: the second records the first's value as the one it replaced
    results = _race(monkeypatch, "_kpi_changes",
                    lambda: plan_definitions.update_kpi(plan_engine, p95, {"spec": {"target": 1}}, us_editor),
                    lambda: plan_definitions.update_kpi(plan_engine, p95, {"spec": {"target": 2}}, us_editor))
    assert not [r for r in results if isinstance(r, BorderFlowError)], results
    _, kpi, _ = plan_definitions.get_kpi(plan_engine, p95)
    first, second = kpi.edits[-2:]
    assert first.old == "45" and second.old == first.new and second.new == spec_value_text(kpi.spec["target"])


def test_meeting_renames_made_at_once(plan_engine: Engine, us_editor: User, mx_editor: User,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    plan_a, plan_b = meeting_id(plan_engine, "Example plenary A"), meeting_id(plan_engine, "Example plenary B")
    # two meetings to one name at once: one lands, the other is a conflict
    results = _race(monkeypatch, "meeting_edit_value",
                    lambda: plan_definitions.update_meeting(plan_engine, plan_a, {"name": "Plenary"}, us_editor),
                    lambda: plan_definitions.update_meeting(plan_engine, plan_b, {"name": "Plenary"}, mx_editor))
    refused = [r for r in results if isinstance(r, ConflictError)]
    assert len(refused) == 1 and str(refused[0]).endswith("has a meeting named 'Plenary'; pick another name"), results
    names = [m.name for m in plans.load_plan(plan_engine, SLUG).meetings]
    assert names.count("Plenary") == 1 and len(set(names)) == 2
    # one meeting twice at once: both land, one after the other
    results = _race(monkeypatch, "meeting_edit_value",
                    lambda: plan_definitions.update_meeting(plan_engine, plan_a, {"place": "Laredo"}, us_editor),
                    lambda: plan_definitions.update_meeting(plan_engine, plan_a, {"place": "Nuevo Laredo"}, mx_editor))
    assert not [r for r in results if isinstance(r, BorderFlowError)], results
    _, meeting = plan_definitions.get_meeting(plan_engine, plan_a)
    first, second = [e for e in meeting.edits if e.field == "place"]
    assert first.old == "illustrative date" and second.old == first.new and second.new == meeting.place


def test_a_kpi_edit_is_refused_when_its_actions_lead_side_changed_since_it_was_read(
        plan_engine: Engine, us_editor: User, monkeypatch: pytest.MonkeyPatch) -> None:
    p95, inf1 = kpi_id(plan_engine, "san-ysidro-p95"), action_id(plan_engine, "INF-1")  # led by the US
    check = plan_definitions._kpi_changes

    def check_then_hand_over(changes: Any) -> Any:
        monkeypatch.setattr(plan_definitions, "_kpi_changes", check)
        plans.update_action(plan_engine, inf1, {"lead_side": "MX"}, us_editor)  # lands between the read and the write
        return check(changes)

    monkeypatch.setattr(plan_definitions, "_kpi_changes", check_then_hand_over)
    with pytest.raises(ConflictError, match=r"^the lead side of action INF-1 became MX while this edit of KPI "
                                            r"'san-ysidro-p95' of plan '21cbm-example' was made \(it was US\)"):
        plan_definitions.update_kpi(plan_engine, p95, {"spec": {"target": 1}}, us_editor)
    _, kpi, lead = plan_definitions.get_kpi(plan_engine, p95)
    assert lead == "MX" and kpi.spec["target"] == 60 and kpi.edits == ()


def test_a_meeting_name_taken_meanwhile_by_a_rename_is_a_conflict(pg_engine: Engine, us_editor: User,
                                                                  example_doc: dict[str, Any]) -> None:
    """PostgreSQL lets another writer add a meeting between the rename's check and its write;
    the unique key then refuses the write, which is a conflict, not a database failure."""
    from tests.conftest import _empty

    _empty(pg_engine)
    plans.import_plan(pg_engine, parse_plan(example_doc))
    user = accounts.create_user(pg_engine, "ana.pg", agency="CBP", country="US", roles=["editor"])
    other = pg_engine.connect()
    taken = []

    def take_the_name(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().startswith("UPDATE plan_meetings") and not taken:
            taken.append(True)
            with other.begin():
                other.execute(text("INSERT INTO plan_meetings (plan_id, name, held_on, place) "
                                   "SELECT id, 'Plenary C', DATE '2027-01-01', '' FROM plans"))

    event.listen(pg_engine, "before_cursor_execute", take_the_name)
    try:
        with pytest.raises(ConflictError, match="has a meeting named 'Plenary C'; pick another name"):
            plan_definitions.update_meeting(pg_engine, meeting_id(pg_engine, "Example plenary B"),
                                            {"name": "Plenary C"}, user)
    finally:
        event.remove(pg_engine, "before_cursor_execute", take_the_name)
        other.close()
    loaded = plans.load_plan(pg_engine, SLUG)
    assert taken and [m.name for m in loaded.meetings].count("Plenary C") == 1
    assert all(m.edits == () for m in loaded.meetings)
    assert us_editor.country == "US"


# -- plan files --------------------------------------------------------------------------------


def test_kpi_and_meeting_edits_survive_export_and_import_into_a_fresh_archive(
        general_engine: Engine, us_editor: User, mx_editor: User, tmp_path: Path) -> None:
    before = _past_reports(general_engine)
    _edit_definitions(general_engine, us_editor, mx_editor)
    general = kpi_id(general_engine, "all-waits")
    plan_definitions.update_kpi(general_engine, general, {"spec": {"target": 35.5}}, us_editor)
    exported = plan_to_dict(plans.load_plan(general_engine, SLUG))
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        migrate(fresh)
        seed_catalog(fresh)
        plans.import_plan(fresh, parse_plan(json.loads(json.dumps(exported))))
        assert _past_reports(fresh) == before
        assert plan_to_dict(plans.load_plan(fresh, SLUG)) == exported  # and it exports the same again
    finally:
        fresh.dispose()
    p95 = next(k for k in exported["kpis"] if k["key"] == "san-ysidro-p95")
    assert [(e["field"], e["old"], e["new"], e["username"], e["country"]) for e in p95["edits"]
            if e["field"] in ("name", "spec.target")][:2] == [
        ("name", "p95 wait, standard passenger lanes, San Ysidro, weekdays 6-10 am", "Renamed p95", "ana.cbp", "US"),
        ("spec.target", "60", "30", "ana.cbp", "US")]
    assert [e["new"] for e in next(k for k in exported["kpis"] if k["key"] == "all-waits")["edits"]] == ["35.5"]
    plan_b = exported["meetings"][1]
    assert plan_b["name"] == "Plenary B, renamed" and [(e["field"], e["old"]) for e in plan_b["edits"]] == [
        ("name", "Example plenary B"), ("place", "illustrative date")]


def test_a_plan_file_whose_kpi_or_meeting_edits_do_not_lead_to_its_values_is_refused(
        example_doc: dict[str, Any]) -> None:
    edit = {"at": "2026-10-01T00:00:00Z", "username": "ana", "country": "US"}

    def with_kpi_edits(*edits: dict[str, Any]) -> dict[str, Any]:
        doc = copy.deepcopy(example_doc)
        doc["kpis"][1]["edits"] = list(edits)  # san-ysidro-p95: target 60
        return doc

    def with_meeting_edits(*edits: dict[str, Any]) -> dict[str, Any]:
        doc = copy.deepcopy(example_doc)
        doc["meetings"][0]["edits"] = list(edits)
        return doc

    refused = [
        (with_kpi_edits({**edit, "field": "spec.target", "old": "50", "new": "55"}),
         (r"^plan\.kpis\[1\]\.spec\.target is '60' but its latest edit \(plan\.kpis\[1\]\.edits\[0\], "
         r"2026-10-01T00:00:00\+00:00\) wrote '55'; set spec\.target to '55' or correct the edits$")),
        (with_kpi_edits({**edit, "field": "spec.target", "old": "50", "new": "sixty"}),
         r"^plan\.kpis\[1\]\.edits\[0\]\.new must be the value of spec\.target as JSON text"),
        (with_kpi_edits({**edit, "field": "spec.target", "old": "NaN", "new": "60"}),
         r"^plan\.kpis\[1\]\.edits\[0\]\.old must be the value of spec\.target as JSON text"),
        (with_kpi_edits({**edit, "field": "spec.key", "old": None, "new": '"x"'}),
         r"^plan\.kpis\[1\]\.edits\[0\]\.field must be one of name, spec\.source, "),
        (with_kpi_edits({**edit, "field": "name", "old": "A", "new": "B"}),
         r"^plan\.kpis\[1\]\.name is 'p95 wait, .*' but its latest edit .* wrote 'B'"),
        (with_meeting_edits({**edit, "field": "held_on", "old": "2025-03-14", "new": "2025-03-15"}),
         r"^plan\.meetings\[0\]\.edits\[0\]\.field must be one of name, place, added, retired; got .held_on.$"),
        (with_meeting_edits({**edit, "field": "name", "old": "A", "new": "Example plenary A"},
                            {**edit, "field": "name", "old": "B", "new": "Example plenary A",
                             "at": "2026-10-02T00:00:00Z"}),
         (r"^plan\.meetings\[0\]\.edits\[1\] of name starts from 'B' but the edit before it "
         r"\(plan\.meetings\[0\]\.edits\[0\], 2026-10-01T00:00:00\+00:00\) wrote 'Example plenary A'")),
        (with_meeting_edits({**edit, "field": "name", "old": " ", "new": "Example plenary A"}),
         r"^plan\.meetings\[0\]\.edits\[0\]\.old is required"),
    ]
    for doc, message in refused:
        with pytest.raises(BadInputError, match=message):
            parse_plan(doc)
    # a whole number and its decimal form are one value; edits are read in time order
    accepted = parse_plan(with_kpi_edits({**edit, "field": "spec.target", "old": "50.0", "new": "60.0",
                                          "at": "2026-10-02T00:00:00Z"},
                                         {**edit, "field": "spec.target", "old": None, "new": "50"}))
    assert [(e.old, e.new) for e in accepted.kpis[1].edits] == [(None, "50"), ("50", "60")]
    assert "edits" not in json.dumps(example_doc)  # a file from before edits were kept imports as ever
    assert all(k.edits == () for k in parse_plan(example_doc).kpis)


# -- the migration -----------------------------------------------------------------------------


def test_migration_0014_keeps_the_edits_stored_before_it(blank_engine: Engine) -> None:  # noqa: F811
    """An archive at 0013 (the revision before), with an edited action, a KPI and a meeting:
    the edit stays as it was, the KPI and the meeting have none, and edits of both are kept
    from then on."""
    from alembic import command

    from borderflow.plans.report import build_report
    from borderflow.store.db import _alembic_config

    command.upgrade(_alembic_config(blank_engine), "0013")
    at, edited_at = dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2026, 4, 1, tzinfo=UTC)
    spec = {"source": "observations", "crossings": ["250401"], "mode": "passenger", "program": "standard",
            "statistic": "mean", "period": "quarter", "better": "lower", "target": 30.0, "unit": "minutes"}
    with blank_engine.begin() as conn:
        conn.execute(text("INSERT INTO plans (slug, strategy, year, title, is_example, sources, created_at) "
                          "VALUES ('old', '', 2026, 'Old plan', false, '[]', :at)"), {"at": at})
        conn.execute(text("INSERT INTO plan_subcommittees (plan_id, key, name) SELECT id, 'infra', 'Infra' FROM plans"))
        conn.execute(text("INSERT INTO plan_actions (plan_id, subcommittee_id, code, title, kind, lead_side, "
                          "lead_agency_us, lead_agency_mx, status, notes_us, notes_mx, next_steps_us, next_steps_mx, "
                          "updated_at) SELECT plan_id, id, 'A-1', 'New title', 'study', 'US', '', '', 'planned', "
                          "'', '', '', '', :at FROM plan_subcommittees"), {"at": at})
        conn.execute(text("INSERT INTO plan_edits (action_id, field, old_value, new_value, at, username, country) "
                          "SELECT id, 'title', 'Old title', 'New title', :at, 'ana', 'US' FROM plan_actions"),
                     {"at": edited_at})
        conn.execute(text("INSERT INTO plan_kpis (plan_id, action_id, key, name, spec) "
                          "SELECT plan_id, id, 'waits', 'Waits', :spec FROM plan_actions"), {"spec": json.dumps(spec)})
        conn.execute(text("INSERT INTO plan_meetings (plan_id, name, held_on, place) "
                          "SELECT id, 'Plenary', '2026-03-01', 'Laredo' FROM plans"))
    migrate(blank_engine)
    seed_catalog(blank_engine)
    plan = plans.load_plan(blank_engine, "old")
    (action,), (kpi,), (meeting,) = plan.actions, plan.kpis, plan.meetings
    assert [(e.field, e.old, e.new, e.at) for e in action.edits] == [("title", "Old title", "New title", edited_at)]
    assert kpi.edits == () and meeting.edits == () and kpi.spec == spec
    assert build_report(plan, "Plenary", []).sections[0].actions[0].title == "Old title"
    before = render(plan_reports.meeting_report(blank_engine, "old", "Plenary", generated_on=WRITTEN), "en", "md")
    user = accounts.create_user(blank_engine, "ana", agency="CBP", country="US", roles=["editor"])
    assert kpi.id is not None and meeting.id is not None
    plan_definitions.update_kpi(blank_engine, kpi.id, {"name": "Waits, renamed", "spec": {"target": 20}}, user)
    plan_definitions.update_meeting(blank_engine, meeting.id, {"name": "Plenary, renamed", "place": ""}, user)
    after = render(plan_reports.meeting_report(blank_engine, "old", "Plenary, renamed", generated_on=WRITTEN), "en", "md")
    assert after == before and b"**Waits** (minutes; lower is better)" in after and b"**Plenary**, held on March 1, 2026 (Laredo)" in after
    edited = plans.load_plan(blank_engine, "old")
    assert [e.field for e in edited.kpis[0].edits] == ["name", "spec.target"]
    assert [e.field for e in edited.meetings[0].edits] == ["name", "place"]
    assert [e.field for e in edited.actions[0].edits] == ["title"]
