"""Staffing: booths per hour and lane group against a p95 wait target, and its baseline.

:func:`plan_staffing` validates the request, then

1. computes the classic baseline, SIPP with Erlang C (:mod:`.sipp`);
2. searches with the simulator from an Allen-Cunneen start (:mod:`.search`): trials
   screened on half of ``replications``, decided on three times as many;
3. checks the plan with **fresh seeds** (``check_seed``, never used by the search):
   CHECK_DECISION_FACTOR x ``check_replications`` fresh replications, of which the
   first ``check_replications`` are the reported check. Where an hour's p95 on all of
   them plus ``check_z`` standard errors *of a check-sized estimate* exceeds the target,
   it adds a booth (to the lanes sharing drivers with it when it is at its cap) and
   checks again with the next seed, up to ``check_rounds`` times. The search keeps the
   plans its own sample happens to favour, so its estimates are optimistic at the edge;
   the fresh check removes that bias, and deciding on four times the reported sample
   keeps it from adding booths on the chance high of one small sample. The p95
   reported is the last check's (no margin);
4. simulates the SIPP plan on those same fresh seeds, so both plans are judged alike;
5. explains every (group, hour) that cannot meet the target, or cannot be promised to
   (even every booth open leaves it within the search's margin of the target: reported
   with its reason and not counted as met), and optionally turns the booths into
   officer shifts (:mod:`.shifts`).

Booth caps: a lane group may open at most the most booths the scenario ever opens for
it (the booths it has), or ``max_booths`` when given.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from borderflow.errors import BadInputError, InfeasibleError
from borderflow.messages import Message
from borderflow.sim.clock import Clock, hour_labels
from borderflow.sim.scenario import MAX_REPLICATIONS, Scenario
from borderflow.staffing.evaluate import CommonRandomNumbers, Evaluation, booth_matrix
from borderflow.staffing.search import (
    DEFAULT_REMOVAL_PASSES,
    DEFAULT_Z,
    SearchResult,
    lane_choice_components,
    search_plan,
)
from borderflow.staffing.shifts import Roster, ShiftRules, roster
from borderflow.staffing.sipp import sipp_plan

DEFAULT_CHECK_ROUNDS = 3
#: Without ``replications``, the search uses enough replications for about this many
#: vehicles per simulation of the horizon (within MIN/MAX_AUTO_REPLICATIONS): a truck day
#: needs many replications for a steady p95, a San Ysidro-sized day fewer.
AUTO_VEHICLES = 1_600_000
MIN_AUTO_REPLICATIONS = 20
MAX_AUTO_REPLICATIONS = 200
#: The fresh-seed check's margin: standard errors of an estimate from the check's
#: replications (the search's own margin is z). It decides on CHECK_DECISION_FACTOR
#: times as many fresh replications, so its estimate is twice as precise as that.
DEFAULT_CHECK_Z = 3.5
CHECK_DECISION_FACTOR = 4


@dataclass(frozen=True)
class StaffingRequest:
    """What to staff. ``seed`` None: the scenario's; ``check_seed`` None: seed + 1;
    ``replications`` None: see AUTO_VEHICLES (the search screens on half of them and
    decides on three times as many); ``check_replications`` None: twice
    ``replications``; ``z``: the search's margin in standard errors of its decision
    sample; ``check_z`` None: DEFAULT_CHECK_Z."""

    target_p95_minutes: float
    lane_groups: tuple[str, ...] | None = None
    max_booths: int | None = None
    replications: int | None = None
    check_replications: int | None = None
    seed: int | None = None
    check_seed: int | None = None
    check_rounds: int = DEFAULT_CHECK_ROUNDS
    removal_passes: int = DEFAULT_REMOVAL_PASSES
    z: float = DEFAULT_Z
    check_z: float | None = None
    shifts: ShiftRules | None = None


@dataclass(frozen=True)
class HourIssue:
    """A (lane group, hour) that misses the target in the reported plan, and why.

    ``reason``: ``overload`` (more work arrives than every booth can do),
    ``backlog`` (the queue of earlier overloaded hours is still being served),
    ``tight`` (capacity suffices on average, but even every booth open leaves the p95
    above the target), ``check`` (met on the search's replications but not on the
    fresh check: the hour sits at the edge of the target).
    """

    lane_group: str
    hour: int
    reason: str
    message: str

    def to_json_dict(self) -> dict[str, Any]:
        return {"lane_group": self.lane_group, "hour": self.hour, "reason": self.reason,
                "message": self.message}


@dataclass(frozen=True)
class GroupPlan:
    """One lane group's booths per hour and their simulated p95 (fresh seeds)."""

    id: str
    mode: str
    program: str
    max_booths: int
    mean_service_seconds: float
    booths: tuple[int, ...]
    p95_minutes: tuple[float | None, ...]
    target_met: tuple[bool, ...]
    arrivals: tuple[float, ...]

    @property
    def booth_hours(self) -> int:
        return int(sum(self.booths))

    @property
    def work_booth_hours(self) -> float:
        """The booth-hours of work the arrivals bring: arrivals x mean service time."""
        return float(sum(self.arrivals)) * self.mean_service_seconds / 3600.0

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "program": self.program,
            "max_booths": self.max_booths,
            "booths": list(self.booths),
            "booth_hours": self.booth_hours,
            "p95_minutes": [None if v is None else round(v, 4) for v in self.p95_minutes],
            "target_met": list(self.target_met),
            "arrivals": [round(a, 3) for a in self.arrivals],
            "work_booth_hours": round(self.work_booth_hours, 3),
        }


@dataclass(frozen=True)
class StaffingPlan:
    scenario: str
    hours: int
    target_p95_minutes: float
    seed: int
    check_seed: int
    replications: int
    check_replications: int
    lane_groups: dict[str, GroupPlan]
    baseline_sipp: dict[str, GroupPlan]
    issues: tuple[HourIssue, ...]
    evaluations: int
    seconds: float
    lower_bound_booth_hours: float = 0.0
    roster: Roster | None = None
    sipp_roster: Roster | None = None
    notes: tuple[str, ...] = field(default=())
    screen_replications: int = 0
    decision_replications: int = 0
    #: The scenario's clock (a real day's), which labels the hours; None: hours 00, 01, ...
    clock: Clock | None = None

    @property
    def hour_labels(self) -> tuple[str, ...]:
        """Each hour as shown: the local clock's ``01:00 CDT`` with a clock, else ``01``."""
        return hour_labels(self.clock, self.hours)

    @property
    def booth_hours(self) -> int:
        return sum(g.booth_hours for g in self.lane_groups.values())

    @property
    def sipp_booth_hours(self) -> int:
        return sum(g.booth_hours for g in self.baseline_sipp.values())

    @property
    def all_met(self) -> bool:
        return all(all(g.target_met) for g in self.lane_groups.values())

    @property
    def sipp_all_met(self) -> bool:
        return all(all(g.target_met) for g in self.baseline_sipp.values())

    def to_json_dict(self) -> dict[str, Any]:
        bound = self.lower_bound_booth_hours
        out: dict[str, Any] = {
            "scenario": self.scenario,
            "hours": self.hours,
            # a real day's hours as its local clock shows them (two 01:00 on the day the clocks go back)
            **({} if self.clock is None else {"clock": self.clock.to_mapping(), "hour_labels": list(self.hour_labels)}),
            "target_p95_minutes": self.target_p95_minutes,
            "seed": self.seed,
            "check_seed": self.check_seed,
            "replications": self.replications,
            "check_replications": self.check_replications,
            "booth_hours": self.booth_hours,
            "lower_bound_booth_hours": round(bound, 3),
            "ratio_to_lower_bound": _ratio(self.booth_hours, bound),
            "target_met_all_hours": self.all_met,
            "lane_groups": {gid: g.to_json_dict() for gid, g in self.lane_groups.items()},
            "issues": [i.to_json_dict() for i in self.issues],
            "baseline_sipp": {
                "booth_hours": self.sipp_booth_hours,
                "ratio_to_lower_bound": _ratio(self.sipp_booth_hours, bound),
                "target_met_all_hours": self.sipp_all_met,
                "lane_groups": {gid: g.to_json_dict() for gid, g in self.baseline_sipp.items()},
            },
            "search": {"evaluations": self.evaluations, "seconds": round(self.seconds, 3),
                       "screen_replications": self.screen_replications,
                       "decision_replications": self.decision_replications},
            "notes": list(self.notes),
        }
        if self.roster is not None:
            out["roster"] = self.roster.to_json_dict()
        if self.sipp_roster is not None:
            out["baseline_sipp"]["roster"] = self.sipp_roster.to_json_dict()
        return out


def plan_staffing(scenario: Scenario, request: StaffingRequest) -> StaffingPlan:
    """Staff ``scenario`` to ``request`` (see the module doc). Raises BadInputError for a
    bad request and InfeasibleError when no (group, hour) with arrivals can meet it."""
    started = time.perf_counter()
    chosen = _check(scenario, request)
    seed = scenario.seed if request.seed is None else int(request.seed)
    check_seed = seed + 1 if request.check_seed is None else int(request.check_seed)
    reps = request.replications or auto_replications(scenario)
    check_reps = request.check_replications or 2 * reps
    check_z = DEFAULT_CHECK_Z if request.check_z is None else request.check_z
    target = float(request.target_p95_minutes)
    given = booth_matrix(scenario)
    optimise = [i for i, gid in enumerate(scenario.group_ids) if gid in chosen]
    caps = _caps(given, request.max_booths, optimise)

    baseline = sipp_plan(scenario, target, caps, groups=chosen)
    scv = [g.service.cv**2 for g in scenario.lane_groups]
    start = sipp_plan(scenario, target, caps, groups=chosen, service_scv=scv, fastest=True).booths
    found = search_plan(
        scenario, target, optimise, caps, start, reps, seed,
        removal_passes=request.removal_passes, z=request.z,
    )
    feasible = np.zeros(given.shape, dtype=bool)
    feasible[optimise] = ~found.infeasible[optimise]
    has_arrivals = found.cap_p95_minutes == found.cap_p95_minutes  # not NaN
    if has_arrivals[optimise].any() and not (feasible & has_arrivals)[optimise].any():
        raise InfeasibleError(_nothing_message(scenario, optimise, caps, found, request.z, target))

    booths, checked, sipp_checked, last_seed = _fresh_check(
        scenario, found.booths, baseline.booths, feasible, caps, _siblings(scenario, optimise),
        target, check_z, check_reps, check_seed, request.check_rounds,
    )
    issues = _issues(scenario, optimise, caps, found, request.z, checked, target)
    plans = _group_plans(scenario, optimise, caps, booths, checked, target, found.infeasible)
    sipp = _group_plans(scenario, optimise, caps, baseline.booths, sipp_checked, target)
    rules = request.shifts
    total = [int(v) for v in booths[optimise].sum(axis=0)]
    sipp_total = [int(v) for v in baseline.booths[optimise].sum(axis=0)]
    return StaffingPlan(
        scenario=scenario.name,
        hours=scenario.hours,
        target_p95_minutes=target,
        seed=seed,
        check_seed=last_seed,
        replications=reps,
        check_replications=check_reps,
        lane_groups=plans,
        baseline_sipp=sipp,
        issues=tuple(issues),
        evaluations=found.evaluations,
        seconds=time.perf_counter() - started,
        screen_replications=found.screen_replications,
        decision_replications=found.decision_replications,
        lower_bound_booth_hours=work_lower_bound(scenario, chosen),
        roster=roster(total, rules) if rules is not None else None,
        sipp_roster=roster(sipp_total, rules) if rules is not None else None,
        notes=_notes(scenario, chosen, caps, request),
        clock=scenario.clock,
    )


def _fresh_check(
    scenario: Scenario,
    searched: np.ndarray,
    sipp_booths: np.ndarray,
    feasible: np.ndarray,
    caps: np.ndarray,
    siblings: dict[int, list[int]],
    target: float,
    z: float,
    replications: int,
    first_seed: int,
    rounds: int,
) -> tuple[np.ndarray, Evaluation, Evaluation, int]:
    """Check (and repair) the searched plan on seeds the search never used; then judge
    SIPP on the last check's seeds. Returns booths, both evaluations and that seed.

    Each round draws CHECK_DECISION_FACTOR x ``replications`` fresh replications: the
    first ``replications`` are the reported check (the numbers ``simulate`` gives with
    that seed); all of them decide where a booth is added: where the p95 plus ``z``
    standard errors of a ``replications``-sized estimate exceeds the target."""
    booths = searched.copy()
    margin = z * math.sqrt(CHECK_DECISION_FACTOR)  # in standard errors of the whole sample
    for round_ in range(rounds):
        seed = first_seed + round_
        fresh = CommonRandomNumbers(
            scenario, CHECK_DECISION_FACTOR * replications, seed, keep_inputs=False
        )
        decided, checked = fresh.evaluate_with_prefix(booths, replications)
        grow = _repairs(feasible & ~decided.meets(target, margin), booths, caps, siblings)
        if not grow.any() or round_ == rounds - 1:
            break
        booths[grow] += 1
    sipp = fresh.evaluate(sipp_booths, replications, standard_errors=False)
    return booths, checked, sipp, seed


def _siblings(scenario: Scenario, optimise: Sequence[int]) -> dict[int, list[int]]:
    """For each optimised group, the other optimised groups sharing drivers with it."""
    wanted = set(optimise)
    out: dict[int, list[int]] = {}
    for part in lane_choice_components(scenario):
        for g in part:
            if g in wanted:
                out[g] = [o for o in part if o in wanted and o != g]
    return out


def _repairs(failing: np.ndarray, booths: np.ndarray, caps: np.ndarray, siblings: dict[int, list[int]]) -> np.ndarray:
    """Cells to get one more booth: each failing cell below its cap, else (at its cap) the
    cells of the same hour of the groups sharing drivers with it that are below theirs."""
    below = booths < caps[:, None]
    grow = failing & below
    for g, h in zip(*np.nonzero(failing & ~below), strict=True):
        for other in siblings.get(int(g), []):
            if below[other, h]:
                grow[other, h] = True
    return grow


def work_lower_bound(scenario: Scenario, groups: set[str]) -> float:
    """Booth-hours of work the demand brings: expected arrivals x mean service time.

    No plan can use fewer booth-hours (a booth does at most one hour of inspection an
    hour). A demand entry choosing among lanes counts at its fastest lane's service
    time; entries that lanes outside ``groups`` may serve are left out.
    """
    service = {g.id: g.service.mean_seconds for g in scenario.lane_groups}
    total = 0.0
    for entry in scenario.demand:
        if all(t in groups for t in entry.to):
            total += sum(entry.per_hour) * min(service[t] for t in entry.to) / 3600.0
    return total


def auto_replications(scenario: Scenario) -> int:
    """Replications giving about AUTO_VEHICLES vehicles per simulation of the horizon."""
    per_run = max(scenario.expected_vehicles(), 1.0)
    return int(min(MAX_AUTO_REPLICATIONS, max(MIN_AUTO_REPLICATIONS, math.ceil(AUTO_VEHICLES / per_run))))


def _check(scenario: Scenario, request: StaffingRequest) -> set[str]:
    problems: list[str] = []
    target = request.target_p95_minutes
    if not (isinstance(target, (int, float)) and math.isfinite(target) and target > 0):
        problems.append(Message(f"the target p95 must be a number of minutes > 0; got {target!r}", "staff.target",
                                {"got": target}))
    chosen = set(scenario.group_ids)
    if request.lane_groups:
        unknown = [g for g in request.lane_groups if g not in chosen]
        if unknown:
            problems.append(
                f"unknown lane group {', '.join(unknown)}; the scenario has "
                f"{', '.join(scenario.group_ids)}"
            )
        chosen = set(request.lane_groups)
    if request.max_booths is not None and (
        isinstance(request.max_booths, bool) or not isinstance(request.max_booths, int)
        or request.max_booths < 0
    ):
        problems.append(f"max booths must be a whole number >= 0; got {request.max_booths!r}")
    for name in ("replications", "check_replications"):
        value = getattr(request, name)
        if value is not None and not (isinstance(value, int) and 1 <= value <= MAX_REPLICATIONS):
            problems.append(f"{name} must be a whole number from 1 to {MAX_REPLICATIONS}; got {value!r}")
    for name in ("z", "check_z"):
        value = getattr(request, name)
        if value is not None and not (
            isinstance(value, (int, float)) and math.isfinite(value) and value >= 0
        ):
            problems.append(f"{name} must be a number >= 0; got {value!r}")
    if not (isinstance(request.check_rounds, int) and request.check_rounds >= 1):
        problems.append(f"check rounds must be a whole number >= 1; got {request.check_rounds!r}")
    for name in ("seed", "check_seed"):
        value = getattr(request, name)
        if value is not None and not (isinstance(value, int) and value >= 0):
            problems.append(f"{name} must be a whole number >= 0; got {value!r}")
    if problems:
        raise BadInputError("; ".join(problems), key="problems", fields={"problems": problems})
    if request.shifts is not None:
        request.shifts.check(scenario.hours)
        clock = scenario.clock
        if request.shifts.circular and clock is not None and clock.changes(scenario.hours):
            labels = scenario.hour_labels()
            raise BadInputError(
                f"a circular roster repeats the horizon, a day after the same day, but the clocks change within "
                f"{scenario.name!r} ({scenario.hours} hours, {labels[0]} to {labels[-1]}), so the day after it is "
                "not the same: make the roster without circular shifts (a late shift then runs past the day's end)")
    return chosen


def _caps(given: np.ndarray, max_booths: int | None, staffed: Sequence[int]) -> np.ndarray:
    """Most booths per group: ``max_booths`` for the staffed groups when given, else (and
    always for the groups kept as they are) the most the scenario opens in an hour."""
    caps = given.max(axis=1).astype(np.int64)
    if max_booths is not None:
        caps[list(staffed)] = int(max_booths)
    return caps


def _group_plans(
    scenario: Scenario,
    optimise: Sequence[int],
    caps: np.ndarray,
    booths: np.ndarray,
    evaluation: Evaluation,
    target: float,
    infeasible: np.ndarray | None = None,
) -> dict[str, GroupPlan]:
    """Per staffed group; ``infeasible`` cells (cannot be promised) are not counted as
    met, whatever the check measured."""
    met = evaluation.meets(target)
    if infeasible is not None:
        met = met & ~infeasible
    out = {}
    for i in optimise:
        group = scenario.lane_groups[i]
        out[group.id] = GroupPlan(
            id=group.id,
            mode=group.mode,
            program=group.program,
            max_booths=int(caps[i]),
            mean_service_seconds=group.service.mean_seconds,
            booths=tuple(int(b) for b in booths[i]),
            p95_minutes=tuple(None if math.isnan(v) else float(v) for v in evaluation.p95_minutes[i]),
            target_met=tuple(bool(v) for v in met[i]),
            arrivals=tuple(float(a) for a in evaluation.arrivals[i]),
        )
    return out


def _issues(
    scenario: Scenario,
    optimise: Sequence[int],
    caps: np.ndarray,
    found: SearchResult,
    z: float,
    checked: Evaluation,
    target: float,
) -> list[HourIssue]:
    """Every (group, hour) of the plan that misses the target on the check, or that
    cannot be promised to meet it (infeasible: even every booth open leaves its p95
    plus the search's margin above the target), with the reason."""
    met = checked.meets(target)
    infeasible = found.infeasible
    cap_p95 = found.cap_p95_minutes
    cap_se = np.nan_to_num(
        found.cap_p95_se_minutes if found.cap_p95_se_minutes is not None else np.zeros_like(cap_p95)
    )
    issues = []
    labels = scenario.hour_labels()
    for i in optimise:
        group = scenario.lane_groups[i]
        service = group.service.mean_seconds
        for h in range(scenario.hours):
            p95 = checked.p95_minutes[i, h]
            shown = "-" if math.isnan(p95) else f"{p95:.1f}"
            if not infeasible[i, h]:
                if not met[i, h]:
                    issues.append(HourIssue(group.id, h, "check", Message(
                        f"{group.id} hour {labels[h]}: p95 {shown} min on the fresh-seed check, above "
                        f"the {target:g} min target that the search's replications met; the hour "
                        "sits at the edge of the target (more replications settle it)",
                        "staff.issue_check", {"group": group.id, "hour": labels[h], "p95": shown,
                                              "target": target})))
                continue
            overloaded = checked.arrivals[i] * service / 3600.0 >= caps[i]
            issues.append(_missed_hour(group.id, h, target, service, int(caps[i]), float(checked.arrivals[i, h]),
                                       float(cap_p95[i, h]), float(cap_se[i, h]), z, infeasible[i], overloaded,
                                       shown if met[i, h] else None, labels))
    return issues


def _missed_hour(group_id: str, h: int, target: float, service: float, cap: int, arrivals: float,
                 cap_p95: float, cap_se: float, z: float, infeasible: np.ndarray, overloaded: np.ndarray,
                 measured: str | None, labels: Sequence[str] | None = None) -> HourIssue:
    """The issue of an hour that cannot be promised to meet the target, with its reason;
    ``measured``: the fresh check's p95 when that met the target after all; ``labels``:
    the hours as shown (default ``02``; ``01:00 CST`` with a clock). Backlog: the
    hours missed since the last one met include an overloaded hour (whose queue is still
    being served); else an hour under capacity is tight."""
    labels = labels if labels is not None else [f"{k:02d}" for k in range(len(infeasible))]
    work = arrivals * service / 3600.0
    fields: dict[str, Any] = {"cap": cap, "p95": cap_p95, "z": z, "se": cap_se}
    at_cap = Message(f"even with all {cap} booths open the p95 is {cap_p95:.1f} min", "staff.at_cap", fields)
    if not cap_p95 > target:
        at_cap = Message(f"{at_cap}, within {z:g} standard errors ({cap_se:.2f} min) of the target: too close "
                         "to promise", "staff.at_cap_close", fields)
    text: Message
    if work >= cap:
        reason, text = "overload", Message(
            f"{arrivals:.0f} arrivals x {service:g} s = {work:.1f} booth-hours of work in "
            f"one hour, more than the {cap} booths available can do",
            "staff.overload", {"arrivals": arrivals, "seconds": service, "work": work, "cap": cap})
    elif (first := _overloaded_before(h, infeasible, overloaded)) is not None:
        reason, text = "backlog", Message(
            f"the queue built up from hour {labels[first]} is still being served: {at_cap}",
            "staff.backlog", {"first": labels[first], "at_cap": at_cap})
    else:
        below = (Message(f"; the target is below the mean inspection time of {service / 60:.1f} min", "staff.below",
                         {"minutes": service / 60}) if target * 60 < service else "")
        reason, text = "tight", Message(f"{at_cap} (load {work:.1f} of {cap} booths){below}", "staff.tight",
                                        {"at_cap": at_cap, "work": work, "cap": cap, "below": below})
    checked = (Message(f" (the fresh-seed check measured {measured} min)", "staff.measured", {"p95": measured})
               if measured is not None else "")
    return HourIssue(group_id, h, reason, Message(
        f"{group_id} hour {labels[h]}: target {target:g} min not met: {text}{checked}", "staff.issue",
        {"group": group_id, "hour": labels[h], "target": target, "why": text, "measured": checked}))


def _overloaded_before(h: int, infeasible: np.ndarray, overloaded: np.ndarray) -> int | None:
    """The first overloaded hour of the run of missed hours just before ``h``, if any."""
    start = h
    while start > 0 and infeasible[start - 1]:
        start -= 1
    hits = [k for k in range(start, h) if overloaded[k]]
    return hits[0] if hits else None


def _nothing_message(
    scenario: Scenario, optimise: Sequence[int], caps: np.ndarray, found: SearchResult,
    z: float, target: float,
) -> Message:
    names = ", ".join(scenario.lane_groups[i].id for i in optimise)
    if all(caps[i] == 0 for i in optimise):
        return Message(f"a p95 of {target:g} min cannot be met in any hour of {names}: at most 0 booths "
                       "may open; raise --max-booths", "staff.none_closed", {"target": target, "groups": names})
    cap_p95 = found.cap_p95_minutes[optimise]
    se = found.cap_p95_se_minutes
    with_margin = cap_p95 + z * np.nan_to_num(se[optimise] if se is not None else 0.0)
    if np.isfinite(with_margin).any():
        k = int(np.nanargmin(with_margin))
        best, margin = float(cap_p95.flat[k]), float(with_margin.flat[k])
    else:
        best = margin = math.nan
    close = (Message(f" (p95 + {z:g} standard errors = {margin:.1f} min: too close to promise)",
                     "staff.none_close", {"z": z, "margin": margin}) if best <= target else "")
    slowest = max(scenario.lane_groups[i].service.mean_seconds for i in optimise)
    hint = (Message(f" (below the mean inspection time of {slowest / 60:.1f} min)", "staff.none_hint",
                    {"minutes": slowest / 60}) if target * 60 < slowest else "")
    most = ", ".join(str(int(caps[i])) for i in optimise)
    return Message(f"a p95 of {target:g} min{hint} cannot be met in any hour of {names}: even with every "
                   f"booth open (at most {most}) the best hour's p95 is {best:.1f} min{close}; raise the target "
                   "or --max-booths", "staff.none_met",
                   {"target": target, "hint": hint, "groups": names, "caps": most, "best": best, "close": close})


def _notes(scenario: Scenario, chosen: set[str], caps: np.ndarray, request: StaffingRequest) -> tuple[str, ...]:
    notes = []
    if request.max_booths is None:
        notes.append("caps: the most booths the scenario opens for each lane group in any hour")
    fixed = [g for g in scenario.group_ids if g not in chosen]
    if fixed:
        notes.append(f"not staffed here (scenario booths kept): {', '.join(fixed)}")
    return tuple(notes)


def _ratio(value: float, bound: float) -> float | None:
    return round(value / bound, 4) if bound > 0 else None
