"""The plan file: validation, JSON and CSV round trips through the store, i18n completeness."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import Engine

from borderflow.errors import BadInputError, ConflictError
from borderflow.plans.i18n import STRINGS
from borderflow.plans.model import parse_plan, plan_to_dict
from borderflow.services import plans


def test_the_example_is_marked_and_sourced(example_doc: dict[str, Any]) -> None:
    plan = parse_plan(example_doc)
    assert plan.is_example and "EXAMPLE" in plan.title
    assert any("May 19, 2010" in s.title for s in plan.sources)
    assert {s.key for s in plan.subcommittees} == {"infrastructure", "secure_flows", "corridor_security"}


def test_json_export_imports_back_unchanged(plan_engine: Engine, example_doc: dict[str, Any]) -> None:
    exported = plan_to_dict(plans.load_plan(plan_engine, "21cbm-example"))
    assert parse_plan(exported) == parse_plan(plan_to_dict(parse_plan(exported)))
    again = copy.deepcopy(exported)
    again["slug"] = "copy"
    plans.import_plan(plan_engine, parse_plan(again))
    copied = plan_to_dict(plans.load_plan(plan_engine, "copy"))
    assert {**copied, "slug": "21cbm-example"} == exported
    # Nothing is lost from the original file (its history, milestones, evidence, KPIs).
    original = plan_to_dict(parse_plan(example_doc))
    assert [a["history"] for a in exported["actions"]][:4] == [a["history"] for a in original["actions"]][:4]
    assert exported["kpis"] == original["kpis"]
    with pytest.raises(ConflictError):
        plans.import_plan(plan_engine, parse_plan(exported))


def test_csv_export_imports_into_an_empty_plan(plan_engine: Engine, example_doc: dict[str, Any]) -> None:
    loaded = plans.load_plan(plan_engine, "21cbm-example")
    text = plans.export_csv(loaded)
    empty = {**copy.deepcopy(example_doc), "slug": "empty", "actions": [], "kpis": []}
    plans.import_plan(plan_engine, parse_plan(empty))
    assert plans.import_csv(plan_engine, text.replace(",21cbm-example,", ",empty,")) == {"added": 5, "skipped": 0}
    assert plans.import_csv(plan_engine, text.replace(",21cbm-example,", ",empty,")) == {"added": 0, "skipped": 5}
    copied = plans.load_plan(plan_engine, "empty")
    assert [(a.code, a.status, a.lead_agency_mx, [(m.side, m.due_on, m.done_on) for m in a.milestones])
            for a in copied.actions] == \
        [(a.code, a.status, a.lead_agency_mx, [(m.side, m.due_on, m.done_on) for m in a.milestones])
         for a in loaded.actions]


def test_a_bad_csv_row_changes_nothing(plan_engine: Engine) -> None:
    text = plans.export_csv(plans.load_plan(plan_engine, "21cbm-example"))
    bad = text.replace(",21cbm-example,", ",21cbm-example,", 1).replace("in_progress", "almost", 1)
    bad = bad.replace("INF-1", "NEW-1")
    with pytest.raises(BadInputError, match="status"):
        plans.import_csv(plan_engine, bad)
    assert len(plans.load_plan(plan_engine, "21cbm-example").actions) == 5


@pytest.mark.parametrize("path, value, message", [
    (("format",), "other", "format"),
    (("year",), 1850, "year"),
    (("actions", 0, "status"), "finished", "status"),
    (("actions", 0, "lead_side"), "CA", "lead_side"),
    (("actions", 0, "subcommittee"), "trade", "subcommittee"),
    (("actions", 0, "milestones", 0, "due_on"), "31/12/2024", "due_on"),
    (("actions", 1, "code"), "INF-1", r"actions\[1\].code 'INF-1' is a repeated code \(plan.actions\[0\] has it\)"),
    (("kpis", 0, "action"), "NOPE", "names no action"),
    (("subcommittees", 2, "key"), "infrastructure", r"subcommittees\[2\].key 'infrastructure' is a repeated key"),
])
def test_bad_plan_files_name_the_place(example_doc: dict[str, Any], path: tuple[Any, ...], value: Any,
                                       message: str) -> None:
    doc = copy.deepcopy(example_doc)
    node: Any = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    with pytest.raises(BadInputError, match=message):
        parse_plan(doc)


def test_every_report_string_exists_in_both_languages() -> None:
    assert set(STRINGS["en"]) == set(STRINGS["es"])
    same = [k for k in STRINGS["en"] if STRINGS["en"][k] == STRINGS["es"][k]]
    assert same == []


def _with_second_kpi_key(doc: dict[str, Any]) -> None:
    doc["kpis"][1]["key"] = doc["kpis"][0]["key"]


@pytest.mark.parametrize("change, message", [
    (_with_second_kpi_key, "kpis\\[1\\].key 'laredo-trucks' is used by another KPI"),
    (lambda d: d["actions"][0]["milestones"][0].update(due_on="0001-01-01"), "due_on must be a date from 1990-01-01"),
    (lambda d: d["actions"][0]["milestones"][0].update(due_on="9999-12-31"), "to 2100-12-31; got 9999-12-31"),
    (lambda d: d["actions"][0]["milestones"][0].update(done_on=20260101), "done_on must be a date YYYY-MM-DD"),
    (lambda d: d["meetings"][0].update(name="  "), "meetings\\[0\\].name is required"),
    (lambda d: d["meetings"][1].update(name=d["meetings"][0]["name"]), "repeats the name 'Example plenary A'"),
    (lambda d: d["kpis"][0]["spec"].update(start="2026-13-01"), "kpis\\[0\\].spec.start must be a date"),
])
def test_bad_plan_files_are_refused_with_the_reason(example_doc: dict[str, Any], change: Any, message: str) -> None:
    doc = copy.deepcopy(example_doc)
    change(doc)
    with pytest.raises(BadInputError, match=message):
        parse_plan(doc)


def test_a_bad_csv_milestone_row_cites_its_own_line(plan_engine: Engine) -> None:
    text = plans.export_csv(plans.load_plan(plan_engine, "21cbm-example")).replace("INF-1", "NEW-1")
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("milestone,21cbm-example,NEW-1"))
    lines[first] = lines[first].replace(",2024-12-31", ",2024-13-31", 1)
    with pytest.raises(BadInputError, match=f"^line {first + 1}\\.due_on must be a date"):
        plans.import_csv(plan_engine, "\n".join(lines) + "\n")


def test_importing_an_action_without_history_is_not_a_status_change(engine: Engine) -> None:
    import datetime as dt

    from borderflow.plans.report import build_report

    doc = {"format": "borderflow-plan/1", "slug": "p", "year": 2026, "title": "P",
           "meetings": [{"name": "A", "held_on": "2026-01-10"}, {"name": "B", "held_on": dt.date.today().isoformat()}],
           "actions": [{"code": "X-1", "subcommittee": "infrastructure", "title": "Done before", "kind": "study",
                        "lead_side": "US", "status": "done"}]}
    plans.import_plan(engine, parse_plan(doc))
    loaded = plans.load_plan(engine, "p")
    assert loaded.actions[0].history == () and loaded.actions[0].status == "done"
    report = build_report(loaded, "B", [])
    assert [i.action.code for s in report.sections for i in s.done] == []
    assert plan_to_dict(loaded)["actions"][0]["history"] == []


def _change(before: str | None, after: str, at: str) -> dict[str, Any]:
    return {"from_status": before, "to_status": after, "at": at, "username": "ana", "country": "US", "why": "x"}


def _one_action_plan(status: str, history: list[dict[str, Any]], slug: str = "order") -> dict[str, Any]:
    return {"format": "borderflow-plan/1", "slug": slug, "year": 2026, "title": "Order",
            "actions": [{"code": "A-1", "subcommittee": "infrastructure", "title": "A", "kind": "study",
                         "lead_side": "US", "status": status, "history": history}]}


def test_a_history_out_of_time_order_is_judged_and_kept_in_time_order(engine: Engine) -> None:
    # listed newest first: the status is the latest change's, not the last line's
    listed = [_change("planned", "in_progress", "2025-06-01T00:00:00Z"), _change(None, "planned", "2025-01-01T00:00:00Z")]
    with pytest.raises(BadInputError, match=r"actions\[0\].status is 'planned' but its latest change "
                                            r"\(2025-06-01T00:00:00\+00:00\) is to 'in_progress'; set the status"):
        parse_plan(_one_action_plan("planned", listed))
    plans.import_plan(engine, parse_plan(_one_action_plan("in_progress", listed)))
    exported = plan_to_dict(plans.load_plan(engine, "order"))
    assert [h["to_status"] for h in exported["actions"][0]["history"]] == ["planned", "in_progress"]
    plans.import_plan(engine, parse_plan({**exported, "slug": "again"}))  # what imports exports and imports back
    assert plan_to_dict(plans.load_plan(engine, "again"))["actions"] == exported["actions"]


def test_changes_at_the_same_moment_keep_their_file_order(engine: Engine) -> None:
    same = "2025-06-01T00:00:00Z"
    listed = [_change(None, "planned", "2025-01-01T00:00:00Z"), _change("planned", "in_progress", same),
              _change("in_progress", "delayed", same)]
    plans.import_plan(engine, parse_plan(_one_action_plan("delayed", listed)))
    exported = plan_to_dict(plans.load_plan(engine, "order"))
    assert [h["to_status"] for h in exported["actions"][0]["history"]] == ["planned", "in_progress", "delayed"]
    plans.import_plan(engine, parse_plan({**exported, "slug": "again"}))
    assert plan_to_dict(plans.load_plan(engine, "again"))["actions"] == exported["actions"]


def test_a_csv_action_given_twice_is_refused_naming_both_lines(plan_engine: Engine) -> None:
    text = plans.export_csv(plans.load_plan(plan_engine, "21cbm-example")).replace("INF-1", "NEW-1")
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("action,21cbm-example,NEW-1,"))
    again = lines[first].replace("Modernize", "Modernise")
    lines.append(again)
    with pytest.raises(BadInputError, match=f"^line {len(lines)}: action 'NEW-1' of plan '21cbm-example' was already "
                                            f"given on line {first + 1}; give each action one row"):
        plans.import_csv(plan_engine, "\n".join(lines) + "\n")
    assert [a.code for a in plans.load_plan(plan_engine, "21cbm-example").actions] == [
        "INF-1", "INF-2", "SF-1", "SF-2", "CS-1"]
