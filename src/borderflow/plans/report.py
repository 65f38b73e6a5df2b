"""The progress report for a plenary: what it says, before any language or format.

For meeting M (held on day D) and the meeting before it (held on P, or none):

- **done**: actions whose status became ``done`` in (P, D], and milestones with
  ``done_on`` in (P, D];
- **late**: milestones due before D and not done by D, and actions ``delayed`` at D;
  the reason is the last status change's ``why`` (or "milestone past due");
- **KPIs**: every KPI of the plan with its baseline, target and measured values of
  the periods that had ended by D (a period still running at D, and any later one, is
  left out: its value would change with readings taken after the meeting);
- **cancelled**: actions whose status became ``cancelled`` in (P, D], with the reason;
- **next steps**: milestones due in (D, D + 1 year], not done, and the sides'
  ``next_steps`` text — only for actions still open at D (neither ``done`` nor
  ``cancelled``): a closed action has no next step.

Every action is read as it stood at the end of D (:func:`action_at`): its status then,
its history up to D, a milestone done after D as not done, evidence added after D left
out, and its fields (title, kind, lead side, subcommittee, lead agencies, notes, next
steps) and its milestones' title, due date and ``done_on`` as they were then — the value
the first edit after D replaced, when one was made. An action or milestone added after D
is left out (one stored without the time it was added, as everything imported with its
plan or stored before migration 0012, counts as always there), and so is a KPI of such
an action. The KPIs are measured from their definitions as they stood at the end of D
(:func:`kpi_definition_at`: name, target, baseline, ... then), and the meeting and the
one before it are named as they were then (:func:`meeting_at`). A KPI or a meeting retired
by the end of D is left out (a retired meeting has no report of its own); one retired after
D is in, as it stood. A meeting added after D (its ``added`` edit; one without, as every
meeting imported with its plan, counts as always there) is not the one before M, whatever
day it was recorded as held on. "After D" is the same
rule everywhere: a change, edit or addition made on D
(its UTC date) is before the end of D. So a report for a past meeting says the same
whatever is changed later.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import Any

from borderflow.errors import NotFoundError
from borderflow.plans.kpi import KpiSeries, baseline_of, period_months
from borderflow.plans.model import (
    ADDED,
    EDITABLE_FIELDS,
    MEETING_EDIT_FIELDS,
    MILESTONE_EDIT_FIELDS,
    Action,
    FieldEdit,
    KpiDefinition,
    Meeting,
    Milestone,
    Plan,
    lifecycle_edit,
    milestone_text,
    retired_by,
)

NEXT_WINDOW = dt.timedelta(days=365)


@dataclass(frozen=True)
class DoneItem:
    action: Action
    milestone: Milestone | None
    on: dt.date


@dataclass(frozen=True)
class LateItem:
    action: Action
    milestone: Milestone | None
    due_on: dt.date | None
    days_late: int | None
    why: str


@dataclass(frozen=True)
class NextItem:
    action: Action
    milestone: Milestone | None
    due_on: dt.date | None
    side: str
    text: str


@dataclass(frozen=True)
class CancelledItem:
    action: Action
    on: dt.date
    why: str


@dataclass(frozen=True)
class SubcommitteeSection:
    key: str
    name: str
    actions: tuple[Action, ...]
    done: tuple[DoneItem, ...]
    late: tuple[LateItem, ...]
    kpis: tuple[KpiSeries, ...]
    next_steps: tuple[NextItem, ...]
    cancelled: tuple[CancelledItem, ...] = ()


@dataclass(frozen=True)
class ProgressReport:
    plan: Plan
    meeting: Meeting
    previous: Meeting | None
    sections: tuple[SubcommitteeSection, ...]
    generated_on: dt.date
    #: KPIs of the whole plan (not tied to one action).
    kpis: tuple[KpiSeries, ...] = ()


def existed_at(added_at: dt.datetime | None, day: dt.date) -> bool:
    """Whether something added at ``added_at`` was there at the end of ``day`` (None: always)."""
    return added_at is None or added_at.date() <= day


def added_at(meeting: Meeting) -> dt.datetime | None:
    """When ``meeting`` was added (its :data:`ADDED` edit), or None when it has none
    (imported with its plan, or stored before additions were recorded: always there)."""
    added = lifecycle_edit(meeting.edits, ADDED)
    return added.at if added else None


def value_at(now: str | None, edits: tuple[FieldEdit, ...], name: str, day: dt.date) -> str | None:
    """Field ``name``'s value at the end of ``day``: the value the first edit of it after
    ``day`` replaced, or ``now`` when none was made since (an edit twice after ``day``
    still rolls back to the value before the first)."""
    later = sorted((e for e in edits if e.field == name and e.at.date() > day), key=lambda e: e.at)
    return later[0].old if later else now


def milestone_at(milestone: Milestone, day: dt.date) -> Milestone:
    """``milestone`` as it stood at the end of ``day``: its title, due date and ``done_on``
    then, a ``done_on`` after ``day`` read as not done, its edits up to ``day``."""
    then = {name: value_at(milestone_text(milestone, name), milestone.edits, name, day)
            for name in MILESTONE_EDIT_FIELDS}
    done_on = dt.date.fromisoformat(then["done_on"]) if then["done_on"] else None
    return replace(milestone, title=then["title"] or milestone.title,
                   due_on=dt.date.fromisoformat(then["due_on"] or milestone.due_on.isoformat()),
                   done_on=done_on if done_on is None or done_on <= day else None,
                   edits=tuple(e for e in milestone.edits if e.at.date() <= day))


def action_at(action: Action, day: dt.date) -> Action:
    """``action`` as it stood at the end of ``day``.

    Its status is the one the last change on or before ``day`` set; with no change by
    then, the status the first later change started from (an imported status stands until
    its first change; a history that starts later with no ``from_status`` gives that first
    status); with no history at all, the status it has. Its history and edits stop at
    ``day``; each field has the value it had then (:func:`value_at`); its milestones are
    those there then, as they stood (:func:`milestone_at`), and evidence added after
    ``day`` is left out. Whether the action itself was there is :func:`existed_at`'s.
    """
    history = sorted(action.history, key=lambda h: h.at)
    past = tuple(h for h in history if h.at.date() <= day)
    if past:
        status = past[-1].to_status
    elif history:
        status = history[0].from_status or history[0].to_status
    else:
        status = action.status
    # every action field holds text (an edit's old value of one is never None)
    fields: dict[str, Any] = {name: value_at(getattr(action, name), action.edits, name, day)
                              for name in EDITABLE_FIELDS}
    milestones = tuple(milestone_at(m, day) for m in action.milestones if existed_at(m.added_at, day))
    evidence = tuple(e for e in action.evidence if e.added_at is None or e.added_at.date() <= day)
    return replace(action, **fields, status=status, history=past, milestones=milestones, evidence=evidence,
                   edits=tuple(e for e in action.edits if e.at.date() <= day))


def meeting_at(meeting: Meeting, day: dt.date) -> Meeting:
    """``meeting`` as it stood at the end of ``day``: its name and place then (its date
    never changes), its edits up to ``day``."""
    then = {name: value_at(getattr(meeting, name), meeting.edits, name, day) for name in MEETING_EDIT_FIELDS}
    return replace(meeting, name=then["name"] or meeting.name, place=then["place"] or "",
                   edits=tuple(e for e in meeting.edits if e.at.date() <= day))


def kpi_definition_at(definition: KpiDefinition, day: dt.date) -> KpiDefinition:
    """``definition`` as it stood at the end of ``day``: its name and each key of its
    definition (target, baseline, unit, ...) then — the value the first edit of the key
    after ``day`` replaced (a key set since is left out, one removed since is back) — and
    its edits up to ``day``. A report measures this one."""
    spec = dict(definition.spec)
    rolled_back: set[str] = set()
    for e in sorted(definition.edits, key=lambda e: e.at):
        if e.at.date() > day and e.field.startswith("spec.") and e.field not in rolled_back:
            rolled_back.add(e.field)
            key = e.field.removeprefix("spec.")
            if e.old is None:
                spec.pop(key, None)
            else:
                spec[key] = json.loads(e.old)
    return replace(definition, name=value_at(definition.name, definition.edits, "name", day) or definition.name,
                   spec=spec, edits=tuple(e for e in definition.edits if e.at.date() <= day))


def definitions_at(plan: Plan, meeting_name: str) -> tuple[Meeting, tuple[KpiDefinition, ...]]:
    """The meeting named ``meeting_name`` (its name now) and the plan's KPI definitions as
    they stood at the end of its day: what its report measures (NotFoundError when unknown
    or retired). A KPI retired by the end of that day is not measured; one retired later is."""
    meeting = _meeting_named(plan, meeting_name)
    return meeting, tuple(kpi_definition_at(d, meeting.held_on) for d in plan.kpis
                          if not retired_by(d.edits, meeting.held_on))


def _meeting_named(plan: Plan, meeting_name: str) -> Meeting:
    """The meeting of that name that stands (a retired meeting has no report)."""
    found = [m for m in plan.meetings if m.name == meeting_name]
    standing = sorted((m for m in plan.meetings if m.retired is None), key=lambda m: m.held_on)
    if found and found[0].retired is not None:
        gone = found[0].retired
        raise NotFoundError(f"meeting {meeting_name!r} was retired on {gone.at.date().isoformat()} by "
                            f"{gone.username} ({gone.new}) and has no report; meetings that stand: "
                            f"{', '.join(m.name for m in standing) or 'none'}")
    if not found:
        names = ", ".join(m.name for m in standing) or "none"
        raise NotFoundError(f"no meeting {meeting_name!r}; known meetings: {names}")
    return found[0]


def _ended_by(label: str, day: dt.date) -> bool:
    """Whether period ``label`` ended on or before ``day`` (a label that names no period: no)."""
    months = period_months(label)
    if months is None:
        return False
    last = months[1]
    following = dt.date(last.year + last.month // 12, last.month % 12 + 1, 1)
    return following - dt.timedelta(days=1) <= day


def kpi_at(series: KpiSeries, day: dt.date) -> KpiSeries:
    """``series`` as a report for ``day`` shows it: the values of the periods ended by
    ``day``, and the baseline of those values."""
    values = tuple(v for v in series.values if _ended_by(v.period, day))
    if values == series.values:
        return series
    return replace(series, values=values, baseline=baseline_of(values, series.spec))


def build_report(plan: Plan, meeting_name: str, kpi_series: list[KpiSeries],
                 generated_on: dt.date | None = None) -> ProgressReport:
    """The report of ``plan`` for the meeting named ``meeting_name`` (its name now;
    NotFoundError when unknown). ``kpi_series`` are the plan's KPIs measured from their
    definitions as they stood at the meeting (:func:`definitions_at`); the report shows the
    meeting and the one before it with their names and places as they stood then."""
    target = _meeting_named(plan, meeting_name)
    # a meeting retired after the meeting day was still a meeting then (it may be the previous
    # one); one added after that day was not (whatever date it was recorded as held on)
    meetings = sorted((m for m in plan.meetings if m is target or (
        not retired_by(m.edits, target.held_on) and existed_at(added_at(m), target.held_on))),
        key=lambda m: m.held_on)
    index = meetings.index(target)
    day = meetings[index].held_on
    meeting = meeting_at(meetings[index], day)
    previous = meeting_at(meetings[index - 1], day) if index > 0 else None
    since = previous.held_on if previous else dt.date.min
    actions_then = tuple(action_at(a, day) for a in plan.actions if existed_at(a.added_at, day))
    by_action = {a.code: a for a in actions_then}
    codes = {a.code for a in plan.actions}
    sections = []
    cut = {s.key: kpi_at(s, day) for s in kpi_series}
    owners = {d.key: d.action for d in plan.kpis}
    for sub in plan.subcommittees:
        actions = tuple(a for a in actions_then if a.subcommittee == sub.key)
        done: list[DoneItem] = []
        late: list[LateItem] = []
        upcoming: list[NextItem] = []
        cancelled: list[CancelledItem] = []
        for a in actions:
            for h in a.history:
                if h.to_status == "done" and since < h.at.date() <= day:
                    done.append(DoneItem(a, None, h.at.date()))
                if h.to_status == "cancelled" and since < h.at.date() <= day:
                    cancelled.append(CancelledItem(a, h.at.date(), h.why))
            status, why = a.status, a.history[-1].why if a.history else ""
            still_open = status not in ("done", "cancelled")
            for m in a.milestones:
                if m.done_on and since < m.done_on <= day:
                    done.append(DoneItem(a, m, m.done_on))
                elif (m.done_on is None or m.done_on > day) and m.due_on < day and status != "cancelled":
                    late.append(LateItem(a, m, m.due_on, (day - m.due_on).days, why if status == "delayed" else ""))
                elif still_open and (m.done_on is None or m.done_on > day) and day < m.due_on <= day + NEXT_WINDOW:
                    upcoming.append(NextItem(a, m, m.due_on, m.side, m.title))
            if status == "delayed" and not any(i.action.code == a.code for i in late):
                late.append(LateItem(a, None, None, None, why))
            for side, text in (("US", a.next_steps_us), ("MX", a.next_steps_mx)):
                if text and still_open:
                    upcoming.append(NextItem(a, None, None, side, text))
        sub_kpis = [cut[k] for k, owner in owners.items()
                    if k in cut and owner in by_action and by_action[owner].subcommittee == sub.key]
        sections.append(SubcommitteeSection(
            sub.key, sub.name, actions, tuple(sorted(done, key=lambda i: i.on)),
            tuple(sorted(late, key=lambda i: (i.due_on or day, i.action.code))), tuple(sub_kpis),
            tuple(sorted(upcoming, key=lambda i: (i.due_on or dt.date.max, i.action.code, i.side))),
            tuple(sorted(cancelled, key=lambda i: (i.on, i.action.code)))))
    # a KPI of an action added after the meeting is left out with its action
    general = tuple(cut[k] for k, owner in owners.items() if k in cut and owner not in codes)
    return ProgressReport(plan, meeting, previous, tuple(sections), generated_on or dt.date.today(), general)
