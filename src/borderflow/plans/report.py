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
out. So a report for a past meeting says the same whatever is changed later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from borderflow.errors import NotFoundError
from borderflow.plans.kpi import KpiSeries, baseline_of, period_months
from borderflow.plans.model import Action, Meeting, Milestone, Plan

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


def action_at(action: Action, day: dt.date) -> Action:
    """``action`` as it stood at the end of ``day``.

    Its status is the one the last change on or before ``day`` set; with no change by
    then, the status the first later change started from (an imported status stands until
    its first change; a history that starts later with no ``from_status`` gives that first
    status); with no history at all, the status it has. Its history stops at ``day``, a
    milestone done after ``day`` is not done yet, and evidence added after ``day`` is left out.
    """
    history = sorted(action.history, key=lambda h: h.at)
    past = tuple(h for h in history if h.at.date() <= day)
    if past:
        status = past[-1].to_status
    elif history:
        status = history[0].from_status or history[0].to_status
    else:
        status = action.status
    milestones = tuple(m if m.done_on is None or m.done_on <= day else replace(m, done_on=None)
                       for m in action.milestones)
    evidence = tuple(e for e in action.evidence if e.added_at is None or e.added_at.date() <= day)
    return replace(action, status=status, history=past, milestones=milestones, evidence=evidence)


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
    """The report of ``plan`` for the meeting named ``meeting_name`` (NotFoundError when unknown)."""
    meetings = sorted(plan.meetings, key=lambda m: m.held_on)
    found = [i for i, m in enumerate(meetings) if m.name == meeting_name]
    if not found:
        names = ", ".join(m.name for m in meetings) or "none"
        raise NotFoundError(f"no meeting {meeting_name!r}; known meetings: {names}")
    meeting = meetings[found[0]]
    previous = meetings[found[0] - 1] if found[0] > 0 else None
    day, since = meeting.held_on, previous.held_on if previous else dt.date.min
    actions_then = tuple(action_at(a, day) for a in plan.actions)
    by_action = {a.code: a for a in actions_then}
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
    general = tuple(cut[k] for k, owner in owners.items() if k in cut and owner not in by_action)
    return ProgressReport(plan, meeting, previous, tuple(sections), generated_on or dt.date.today(), general)
