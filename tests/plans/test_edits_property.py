"""Property: whatever edits and additions are made, in whatever order around a meeting, its
report computed afterwards is the report computed at the end of the meeting day."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from borderflow.errors import BorderFlowError
from borderflow.plans.model import parse_plan
from borderflow.plans.render import render
from borderflow.plans.report import build_report
from borderflow.services import accounts, plan_reports, plans
from borderflow.store.catalog import seed_catalog
from borderflow.store.db import make_engine, migrate
from tests.plans.conftest import EXAMPLE

MEETING, DAY = "Example plenary B", dt.date(2026, 9, 15)
_slugs = itertools.count()


@lru_cache(maxsize=1)
def _engine() -> Engine:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="plans-edits-prop-"))
    engine = make_engine(f"sqlite:///{folder / 'archive.sqlite3'}")
    migrate(engine)
    seed_catalog(engine)
    accounts.create_user(engine, "mx.editor", agency="SICT", country="MX", roles=["editor"])
    accounts.create_user(engine, "us.editor", agency="CBP", country="US", roles=["editor"])
    return engine


def _report(engine: Engine, slug: str) -> bytes:
    return render(build_report(plans.load_plan(engine, slug), MEETING, [], generated_on=DAY), "en", "md")


#: (what, field, value): an edit of INF-1 (led by the US), of its US milestone, or a new milestone.
WRITES = st.sampled_from([
    ("action", "title", "Title one"), ("action", "title", "Title two"), ("action", "kind", "study"),
    ("action", "subcommittee", "secure_flows"), ("action", "subcommittee", "infrastructure"),
    ("action", "next_steps_us", "Steps one"), ("action", "next_steps_us", ""), ("action", "lead_agency_us", "CBP"),
    ("milestone", "due_on", "2026-08-01"), ("milestone", "due_on", "2026-12-01"), ("milestone", "title", "Booths"),
    ("milestone", "done_on", "2026-09-10"), ("milestone", "done_on", "2026-09-20"), ("milestone", "done_on", ""),
    ("add", "due_on", "2026-07-01"), ("add", "due_on", "2027-01-01"),
])
#: Minutes from the start of the day before the meeting: that day, the meeting day, the day after.
MINUTES = st.integers(min_value=0, max_value=3 * 24 * 60 - 1)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(WRITES, MINUTES), max_size=8))
def test_a_report_computed_later_is_the_one_computed_on_the_meeting_day(writes: list[tuple[Any, int]]) -> None:
    engine = _engine()
    slug = f"p{next(_slugs)}"
    plans.import_plan(engine, parse_plan({**json.loads(EXAMPLE.read_text(encoding="utf-8")), "slug": slug}))
    inf1 = next(a for a in plans.load_plan(engine, slug).actions if a.code == "INF-1")
    assert inf1.id is not None
    booths = next(m.id for m in inf1.milestones if m.title.startswith("Additional northbound"))
    us = accounts.get_user(engine, "us.editor")
    start = dt.datetime.combine(DAY - dt.timedelta(days=1), dt.time(), dt.UTC)
    then = None
    for (what, field, value), minutes in sorted(writes, key=lambda w: w[1]):
        at = start + dt.timedelta(minutes=minutes)
        if then is None and at.date() > DAY:
            then = _report(engine, slug)  # as it stood at the end of the meeting day
        try:
            if what == "action":
                plans.update_action(engine, inf1.id, {field: value}, us, at=at)
            elif what == "milestone":
                plans.update_milestone(engine, booths, {field: value}, us, at=at)  # type: ignore[arg-type]
            else:
                plans.add_milestone(engine, inf1.id, {"side": "US", "title": "Added", field: value}, us, at=at)
        except BorderFlowError:
            pass
    if then is not None:
        assert _report(engine, slug) == then


def _meeting_report(engine: Engine, slug: str, meeting: int) -> bytes:
    """The report of the meeting with id ``meeting`` (asked for by its name now), KPIs measured."""
    name = next(m.name for m in plans.load_plan(engine, slug).meetings if m.id == meeting)
    return render(plan_reports.meeting_report(engine, slug, name, generated_on=DAY), "en", "md")


#: (what, changes): an edit of INF-1's KPI (the US's), of plenary A or B, or of INF-1's title.
DEFINITION_WRITES = st.sampled_from([
    ("kpi", {"name": "Name one"}), ("kpi", {"name": "Name two"}), ("kpi", {"spec": {"target": 45}}),
    ("kpi", {"spec": {"target": 60}}), ("kpi", {"spec": {"unit": "hours", "weekdays": None}}),
    ("kpi", {"spec": {"weekdays": [5, 6], "better": "higher"}}),
    ("kpi", {"spec": {"baseline": {"from": "2025-01", "to": "2025-06"}}}),
    ("B", {"name": "Plenary B, one"}), ("B", {"name": "Plenary B, two", "place": "Laredo"}), ("B", {"place": ""}),
    ("A", {"name": "Plenary A, one"}), ("A", {"name": "Plenary B, one"}), ("A", {"place": "Nuevo Laredo"}),
    ("action", {"title": "Title one"}),
])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(DEFINITION_WRITES, MINUTES), max_size=8))
def test_a_report_computed_later_reads_kpis_and_meetings_as_on_the_meeting_day(
        writes: list[tuple[Any, int]]) -> None:
    from borderflow.services import plan_definitions

    engine = _engine()
    slug = f"p{next(_slugs)}"
    plans.import_plan(engine, parse_plan({**json.loads(EXAMPLE.read_text(encoding="utf-8")), "slug": slug}))
    loaded = plans.load_plan(engine, slug)
    inf1 = next(a.id for a in loaded.actions if a.code == "INF-1")
    p95 = next(k.id for k in loaded.kpis if k.key == "san-ysidro-p95")
    plenary = {"A": loaded.meetings[0].id, "B": loaded.meetings[1].id}
    assert inf1 is not None and p95 is not None and None not in plenary.values()
    us = accounts.get_user(engine, "us.editor")
    start = dt.datetime.combine(DAY - dt.timedelta(days=1), dt.time(), dt.UTC)
    then = None
    for (what, changes), minutes in sorted(writes, key=lambda w: w[1]):
        at = start + dt.timedelta(minutes=minutes)
        if then is None and at.date() > DAY:
            then = _meeting_report(engine, slug, plenary["B"])  # as it stood at the end of the meeting day
        try:
            if what == "kpi":
                plan_definitions.update_kpi(engine, p95, changes, us, at=at)
            elif what == "action":
                plans.update_action(engine, inf1, changes, us, at=at)
            else:
                plan_definitions.update_meeting(engine, plenary[what], changes, us, at=at)  # type: ignore[arg-type]
        except BorderFlowError:
            pass  # a name the other plenary has
    if then is not None:
        assert _meeting_report(engine, slug, plenary["B"]) == then
