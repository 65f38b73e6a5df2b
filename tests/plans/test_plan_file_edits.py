"""A plan file's edits follow the rules of what they edit: every KPI definition they pass
through is a valid one, and each edit is a well-formed change by an editor of US or MX."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from borderflow.errors import BadInputError
from borderflow.plans.model import parse_plan

AT = "2026-01-02T00:00:00+00:00"


def _edit(field: str, old: Any, new: Any, at: str = AT, **more: Any) -> dict[str, Any]:
    return {"field": field, "old": old, "new": new, "at": at, "username": "ana.cbp", "country": "US", **more}


def _with(doc: dict[str, Any], place: str, edits: Any) -> dict[str, Any]:
    """``doc`` with ``edits`` on ``place``: kpis[1] (san-ysidro-p95), meetings[0] or actions[0]."""
    changed = copy.deepcopy(doc)
    kind, index = place.split(":")
    changed[kind][int(index)]["edits"] = edits
    return changed


@pytest.mark.parametrize(("edits", "said"), [
    ([_edit("spec.target", '"abc"', "60")], "target must be a number; got 'abc'"),
    ([_edit("spec.target", "1e999", "60")], "target must be a number; got inf"),
    ([_edit("spec.target", "9" * 500, "60")], "got 'a whole number of 500 digits'"),
    ([_edit("spec.hours", "[10, 6]", "[6, 10]")], "hours must be [start, end)"),
    ([_edit("spec.period", '{"a": [1]}', '"quarter"')], "period must be one of month, quarter"),
    ([_edit("spec.source", '"volumes"', '"observations"')], "measure is required for volumes"),
    # an older edit: undone after the newer one, the definition before it breaks the rule
    ([_edit("spec.target", "1e999", "50", at="2025-01-01T00:00:00+00:00"), _edit("spec.target", "50", "60")],
     "edits[0] (spec.target) at 2025-01-01"),
])
def test_an_edit_passing_through_a_broken_definition_is_refused(example_doc: dict[str, Any],
                                                                 edits: list[dict[str, Any]], said: str) -> None:
    with pytest.raises(BadInputError) as caught:
        parse_plan(_with(example_doc, "kpis:1", edits))
    message = str(caught.value)
    assert "\n" not in message and "KPI 'san-ysidro-p95'" in message and said in message, message
    assert "plan.kpis[1].edits[" in message and "correct that edit's old value" in message


def test_edits_at_one_moment_are_undone_together(example_doc: dict[str, Any]) -> None:
    """One edit that turned a volumes KPI into a wait KPI changed several keys at once:
    the definition before it is the whole volumes one, valid."""
    edits = [_edit("spec.source", '"volumes"', '"observations"'), _edit("spec.measure", '"Trucks"', None),
             _edit("spec.ports", '["2304"]', None), _edit("spec.statistic", '"sum"', '"p95"'),
             _edit("spec.crossings", None, '["250401"]'), _edit("spec.mode", None, '"passenger"'),
             _edit("spec.program", None, '"standard"'), _edit("spec.weekdays", None, "[0, 1, 2, 3, 4]"),
             _edit("spec.hours", None, "[6, 10]")]
    plan = parse_plan(_with(example_doc, "kpis:1", edits))
    assert len(plan.kpis[1].edits) == len(edits)


@pytest.mark.parametrize(("place", "edits", "said"), [
    ("kpis:1", [_edit("spec.target", "50", "60", country="XX")], "plan.kpis[1].edits[0].country must be"),
    ("actions:0", [_edit("title", "Old", None, country="XX")], "plan.actions[0].edits[0].country must be"),
    ("meetings:0", {}, "plan.meetings[0].edits must be a list; got dict"),
    ("kpis:1", {}, "plan.kpis[1].edits must be a list; got dict"),
    ("kpis:1", [_edit("spec.target", "50", "60", why="typo")], "plan.kpis[1].edits[0] has no key 'why'"),
    ("kpis:1", [_edit("spec.target", "60", "60.0")], "plan.kpis[1].edits[0] of spec.target writes the value"),
    ("meetings:0", [_edit("place", "illustrative date", "illustrative date")],
     "plan.meetings[0].edits[0] of place writes the value it replaces"),
])
def test_a_malformed_edit_record_is_refused(example_doc: dict[str, Any], place: str, edits: Any, said: str) -> None:
    if place == "actions:0":
        edits = [dict(edits[0], new=example_doc["actions"][0]["title"])]
    with pytest.raises(BadInputError) as caught:
        parse_plan(_with(example_doc, place, edits))
    assert said in str(caught.value) and "\n" not in str(caught.value), str(caught.value)


def test_a_well_formed_history_still_imports(example_doc: dict[str, Any]) -> None:
    plan = parse_plan(_with(example_doc, "kpis:1", [_edit("spec.target", "50", "60", country="MX"),
                                                    _edit("spec.unit", None, '"minutes"', country="")]))
    assert [(e.field, e.country) for e in plan.kpis[1].edits] == [("spec.target", "MX"), ("spec.unit", "")]
