"""Simulation-based booth search with common random numbers.

Why not hour-by-hour formulas: a queue that builds in one hour is still there in the
next, so an hour's waits depend on the booths of the hours before it (and, for vehicles
still waiting at the top of the hour, on the next hour's). The search therefore judges
every candidate plan by simulating the whole horizon, on the same random inputs each
time (:class:`~borderflow.staffing.evaluate.CommonRandomNumbers`), so that two plans
differ only by their booths.

Lane groups linked by lane choice (a demand entry listing several groups) form one
*component*; components do not interact, so each is searched on its own (a
sub-scenario holding only its groups and demand), with its own seed derived from the
caller's.

**Two sample sizes.** Every trial plan is first *screened* on a prefix of the
replications (half the caller's ``replications``) and, only if every feasible cell's
p95 is within the target there, *decided* on all of them (DEFAULT_DECISION_FACTOR
times ``replications``: the same seeds, more of them). A plan is accepted when every
feasible (group, hour) has p95 + z SE <= T on the decision sample (SE: the bootstrap
standard error, :mod:`borderflow.staffing.bootstrap`). Most trials fail plainly and
cost a screen; the few close ones get the precision they need.

Algorithm, per component (T = target, cap = most booths a group may open):

1. **Feasibility map.** Simulate with every optimised group at its cap in every hour.
   A (group, hour) whose p95 + z SE still exceeds T cannot be promised to meet it
   (more booths earlier only shorten the queue it inherits, and all are already
   open); it is marked infeasible, kept at the cap (the least bad it can be) and left
   out of the acceptance rule below.
2. **Start** from a fast approximation (the caller's: Allen-Cunneen-adjusted Erlang C
   period by period, drivers with a lane choice counted at their fastest lane,
   :mod:`borderflow.staffing.sipp`), capped.
3. **Forward pass**, hours in time order, on the screen and then on the decision
   sample: while some feasible (group, hour) has p95 + z SE > T, add a booth there and
   re-simulate. If the group is at its cap, add one to the other optimised groups of
   its component instead (drivers with a lane choice move over); if all are at their
   caps, open every booth in the three hours before (the queue it inherits is the
   problem) and keep that only if it meets the target, else mark the cell infeasible.
4. **Removal passes**, hours in time order: try removing one booth at that hour from
   every optimised group at once, then (if that breaks the target anywhere) from each
   group alone; keep a removal only when every feasible (group, hour) of the whole
   horizon is still accepted. A cell whose p95 is already HOPELESS x T keeps its
   booths (one fewer always pushed such a cell over), and a removal that failed is not
   tried again until an hour near it changed.
5. **Swap pass**, where drivers choose between lanes of different speeds (general or
   Ready, standard or FAST): hour by hour, move a booth from the slower lane to the
   faster while the plan is still accepted — the same booth-hours, less inspection
   work — then removal passes again.

Why this beats SIPP: SIPP sizes every hour for a steady state it never reaches. Here
an hour may run a booth short while its queue stays short enough (the p95 is over the
vehicles that *arrive* in the hour, and the next hour drains what is left), so the
rounding up SIPP does in every hour is paid only where the simulation needs it; and
inspection times less variable than exponential queue less than Erlang C says.

A demand entry's lanes keep at least one booth in its last hour with arrivals: with
none, those vehicles would be served after the horizon by the booth the simulator keeps
open to drain the queue, a booth no plan pays for.

What it guarantees, honestly: on the decision sample, every feasible (group, hour)
meets T with z standard errors to spare, and no single-booth removal tried in the last
pass keeps it so (a local minimum under one-booth removals and swaps). It does not
prove the fewest booth-hours: p95 is an estimate and not convex in the booths. Because
the search keeps the plans its own sample happens to favour, its estimates are
optimistic at the edge: a fresh-seed check and repair follows in
:mod:`borderflow.staffing.planner`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from borderflow.sim.scenario import Scenario
from borderflow.staffing.evaluate import CommonRandomNumbers, Evaluation

#: Removal passes over the horizon (each pass stops early when nothing changes).
DEFAULT_REMOVAL_PASSES = 2
#: Standard errors (of the p95 estimated on all the decision's replications) added to
#: each p95 before comparing it with the target.
DEFAULT_Z = 3.0
#: The decision sample is this many times the caller's replications (the same seeds,
#: more of them); trials are screened on the first half of the caller's.
DEFAULT_DECISION_FACTOR = 3
#: Hours before a failing hour opened fully when its own booths are all open already.
RELIEF_HOURS = 3
#: A booth is not taken from a cell whose p95 is already this share of the target: with
#: a queue that long, one booth less pushes it over (on the benchmark days no such
#: removal was ever accepted, and they were about 40 % of the trials).
HOPELESS = 0.6
#: A removal that failed is tried again once an hour from this many before it to two
#: after it has changed (a queue carries over a few hours at most).
RECHECK_HOURS = 3


@dataclass(frozen=True)
class SearchResult:
    """The searched plan for the whole scenario (groups in scenario order x hours).

    ``infeasible``: optimised (group, hour) cells whose p95 exceeds the target (with the
    margin) even with every booth open; ``cap_p95_minutes`` and ``cap_p95_se_minutes``:
    p95 and its standard error with every optimised group at its cap; ``p95_minutes``:
    the plan's p95 on the decision's replications; ``evaluations``: simulations of the
    horizon run (all components, screens and decisions); ``screen_replications`` and
    ``decision_replications``: the two sample sizes.
    """

    booths: np.ndarray
    infeasible: np.ndarray
    cap_p95_minutes: np.ndarray
    p95_minutes: np.ndarray
    evaluations: int
    cap_p95_se_minutes: np.ndarray | None = None
    screen_replications: int = 0
    decision_replications: int = 0


def lane_choice_components(scenario: Scenario) -> list[list[int]]:
    """Groups (scenario indexes) linked through demand entries listing several groups."""
    index = {gid: i for i, gid in enumerate(scenario.group_ids)}
    parent = list(range(len(index)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for entry in scenario.demand:
        first = root(index[entry.to[0]])
        for other in entry.to[1:]:
            parent[root(index[other])] = first
    found: dict[int, list[int]] = {}
    for i in range(len(index)):
        found.setdefault(root(i), []).append(i)
    return sorted(found.values())


def sub_scenario(scenario: Scenario, groups: Sequence[int]) -> Scenario:
    """The scenario restricted to ``groups`` and the demand entries feeding them."""
    keep = {scenario.lane_groups[i].id for i in groups}
    return replace(
        scenario,
        lane_groups=tuple(g for g in scenario.lane_groups if g.id in keep),
        demand=tuple(d for d in scenario.demand if d.to[0] in keep),
    )


def component_seeds(seed: int, count: int) -> list[int]:
    """Independent integer seeds for ``count`` components, from one seed."""
    children = np.random.SeedSequence(seed).spawn(count)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def search_plan(
    scenario: Scenario,
    target_minutes: float,
    optimise: Sequence[int],
    caps: np.ndarray,
    start: np.ndarray,
    replications: int,
    seed: int,
    removal_passes: int = DEFAULT_REMOVAL_PASSES,
    z: float = DEFAULT_Z,
    decision_replications: int | None = None,
) -> SearchResult:
    """Search booths for the groups ``optimise`` (scenario indexes); others keep the
    scenario's. ``caps`` (G,) and ``start`` (G, H) are in scenario order. Trials are
    screened on ``replications // 2`` replications and decided on
    ``decision_replications`` (default DEFAULT_DECISION_FACTOR x ``replications``)."""
    groups, hours = len(scenario.lane_groups), scenario.hours
    decide = max(1, decision_replications or DEFAULT_DECISION_FACTOR * replications)
    screen = min(decide, max(1, replications // 2))
    booths = np.array([g.booths for g in scenario.lane_groups], dtype=np.int64).reshape(groups, hours)
    infeasible = np.zeros((groups, hours), dtype=bool)
    cap_p95 = np.full((groups, hours), np.nan)
    cap_se = np.full((groups, hours), np.nan)
    p95 = np.full((groups, hours), np.nan)
    wanted = set(optimise)
    parts = [c for c in lane_choice_components(scenario) if wanted.intersection(c)]
    evaluations = 0
    for part, part_seed in zip(parts, component_seeds(seed, len(parts)), strict=True):
        crn = CommonRandomNumbers(sub_scenario(scenario, part), decide, part_seed)
        mask = np.array([i in wanted for i in part])
        found = _ComponentSearch(
            crn, screen, mask, caps[part], start[part], target_minutes, removal_passes, z
        ).run()
        booths[part] = found.booths
        infeasible[part] = found.infeasible
        cap_p95[part] = found.cap_p95_minutes
        if found.cap_p95_se_minutes is not None:
            cap_se[part] = found.cap_p95_se_minutes
        p95[part] = found.p95_minutes
        evaluations += crn.evaluations
    return SearchResult(booths, infeasible, cap_p95, p95, evaluations, cap_se, screen, decide)


class _ComponentSearch:
    """One component's search (see the module doc). ``screen`` replications are a
    prefix of the ``crn``'s, which are all used to decide."""

    def __init__(
        self,
        crn: CommonRandomNumbers,
        screen: int,
        optimised: np.ndarray,
        caps: np.ndarray,
        start: np.ndarray,
        target_minutes: float,
        removal_passes: int,
        z: float,
    ) -> None:
        self.crn = crn
        self.screen = min(int(screen), crn.replications)
        self.opt = np.flatnonzero(optimised)
        self.optimised = optimised
        self.caps = np.asarray(caps, dtype=np.int64)
        self.start = np.asarray(start, dtype=np.int64)
        self.target = float(target_minutes)
        self.removal_passes = removal_passes
        self.z = float(z)
        # the decision's margin, z standard errors of the whole set, read off the prefix
        # (a standard error shrinks as one over the root of the replications)
        self.screen_z = self.z * math.sqrt(self.screen / crn.replications)
        self.hours = start.shape[1]
        self.faster = _faster_lanes(crn.scenario, set(self.opt.tolist()))
        # when each hour last changed, and when a removal last failed there: a removal
        # is not tried again until an hour near it has changed since
        self._stamp = 0
        self._changed = np.zeros(self.hours, dtype=np.int64)
        self._failed: dict[tuple[tuple[int, ...], int], int] = {}
        self._current: Evaluation | None = None  # the plan's evaluation on all replications
        # each demand entry's last hour with arrivals: its lanes keep a booth open then.
        # With none, its last vehicles would be served after the horizon by the booth the
        # simulator keeps open to drain the queue, which no plan pays for (booth-hours
        # could fall below the work the demand brings).
        index = {gid: i for i, gid in enumerate(crn.scenario.group_ids)}
        self.last_open: list[tuple[list[int], int]] = []
        for entry in crn.scenario.demand:
            busy = [h for h, rate in enumerate(entry.per_hour) if rate > 0]
            if busy:
                self.last_open.append(([index[t] for t in entry.to], busy[-1]))

    def run(self) -> SearchResult:
        cap_plan = self.start.copy()
        cap_plan[self.opt] = self.caps[self.opt, None]
        at_cap = self.crn.evaluate(cap_plan)
        self.infeasible = self.optimised[:, None] & ~at_cap.meets(self.target, self.z)
        # Groups kept as they are that share drivers with staffed ones: where they meet the
        # target with every staffed booth open, the plan may not push drivers onto them
        # past it (else closing a lane would "meet" its target by emptying it).
        self.protect = ~self.optimised[:, None] & at_cap.meets(self.target, self.z)
        booths = np.minimum(self.start, self.caps[:, None])
        booths[self.infeasible] = np.broadcast_to(self.caps[:, None], booths.shape)[self.infeasible]
        for groups, h in self.last_open:
            if booths[groups, h].sum() == 0:
                open_one = [g for g in groups if self.optimised[g] and self.caps[g] > 0]
                if open_one:
                    booths[open_one[0], h] = 1
        booths, _ = self._forward(booths, self.screen, self.screen_z)
        booths, evaluation = self._forward(booths, self.crn.replications, self.z)
        self._current = evaluation
        booths, evaluation = self._remove(booths, evaluation)
        if self.faster:
            booths, evaluation = self._swap(booths, evaluation)
            booths, evaluation = self._remove(booths, evaluation)
        return SearchResult(
            booths, self.infeasible, at_cap.p95_minutes, evaluation.p95_minutes,
            self.crn.evaluations, at_cap.p95_se_minutes,
        )

    def _failing(self, evaluation: Evaluation, z: float | None = None) -> np.ndarray:
        """Optimised (or protected), feasible cells whose p95 plus z SE exceeds the target (G, H)."""
        margin = self.z if z is None else z
        watched = self.optimised[:, None] | self.protect
        return watched & ~self.infeasible & ~evaluation.meets(self.target, margin)

    def _forward(self, booths: np.ndarray, reps: int, z: float) -> tuple[np.ndarray, Evaluation]:
        evaluation = self.crn.evaluate(booths, reps)
        for h in range(self.hours):
            while True:
                bad = np.flatnonzero(self._failing(evaluation, z)[:, h])
                if bad.size == 0:
                    break
                grow = [g for g in bad if self.optimised[g] and booths[g, h] < self.caps[g]]
                if not grow:
                    # at their caps, or kept as they are: lanes sharing drivers with them
                    # may take some (lane choice), else the queue they inherit is the problem
                    shared = len(self.opt) > 1 or not self.optimised[bad].all()
                    grow = [g for g in self.opt if booths[g, h] < self.caps[g]] if shared else []
                if grow:
                    booths = booths.copy()
                    booths[grow, h] += 1
                    evaluation = self.crn.evaluate(booths, reps)
                    continue
                relieved = self._relieve(booths, h, reps, z)
                if relieved is None:
                    # only the decision sample may call a cell infeasible; the screen
                    # leaves it to the decision pass
                    if reps == self.crn.replications:
                        self.infeasible[bad, h] = True
                    break
                booths, evaluation = relieved
        return booths, evaluation

    def _relieve(
        self, booths: np.ndarray, h: int, reps: int, z: float
    ) -> tuple[np.ndarray, Evaluation] | None:
        """Every booth open in the RELIEF_HOURS before h, if that meets the target at h
        (removal trims the excess); None if it does not."""
        trial = booths.copy()
        first = max(0, h - RELIEF_HOURS)
        trial[self.opt, first:h] = self.caps[self.opt, None]
        if h > 0 and not np.array_equal(trial, booths):
            result = self.crn.evaluate(trial, reps)
            if not self._failing(result, z)[:, h].any():
                return trial, result
        return None

    def _try(self, trial: np.ndarray) -> Evaluation | None:
        """The trial's evaluation on all replications if it keeps every feasible cell
        within the target with the margin, else None. The prefix screens first: a trial
        whose p95 exceeds the target there, even without a margin, is not run in full."""
        if self.screen < self.crn.replications:
            screened = self.crn.evaluate(trial, self.screen, standard_errors=False)
            if self._failing(screened, 0.0).any():
                return None
        result = self.crn.evaluate(trial)
        return None if self._failing(result).any() else result

    def _attempt(self, booths: np.ndarray, groups: list[int], h: int, change: np.ndarray) -> Evaluation | None:
        """_try ``booths + change`` unless the same move at ``h`` failed and no hour near
        it (RECHECK_HOURS before, 2 after) has changed since; record the outcome."""
        key = (tuple(groups), h)
        near = self._changed[max(0, h - RECHECK_HOURS) : h + 3].max()
        if key in self._failed and near <= self._failed[key]:
            return None
        if (change < 0).any() and not self._keeps_last_booths(booths + change):
            return None
        if self._current is not None and (change < 0).any():
            fewer = np.flatnonzero((change < 0).any(axis=1))
            if np.nan_to_num(self._current.p95_minutes[fewer, h]).max() >= HOPELESS * self.target:
                return None
        result = self._try(booths + change)
        if result is None:
            self._failed[key] = self._stamp
        else:
            self._current = result
            self._stamp += 1
            self._changed[np.flatnonzero(change.any(axis=0))] = self._stamp
        return result

    def _keeps_last_booths(self, booths: np.ndarray) -> bool:
        """Whether every demand entry has a booth open in its last hour with arrivals."""
        return all(booths[groups, h].sum() > 0 for groups, h in self.last_open)

    def _remove(self, booths: np.ndarray, evaluation: Evaluation) -> tuple[np.ndarray, Evaluation]:
        for _ in range(self.removal_passes):
            changed = False
            for h in range(self.hours):
                if self.infeasible[:, h].any():
                    # a lane that cannot meet the target even at its cap: the lanes its
                    # drivers may choose instead keep every booth of that hour (a booth
                    # taken from them would only lengthen the queue that already fails)
                    continue
                candidates = [int(g) for g in self.opt if booths[g, h] > 0]
                while candidates:
                    change = np.zeros_like(booths)
                    change[candidates, h] = -1
                    result = self._attempt(booths, candidates, h, change)
                    if result is not None:
                        booths, evaluation, changed = booths + change, result, True
                        candidates = [g for g in candidates if booths[g, h] > 0]
                        continue
                    if len(candidates) == 1:
                        break
                    kept = []
                    for g in candidates:
                        change = np.zeros_like(booths)
                        change[g, h] = -1
                        result = self._attempt(booths, [g], h, change)
                        if result is not None:
                            booths, evaluation, changed = booths + change, result, True
                            if booths[g, h] > 0:
                                kept.append(g)
                    candidates = kept
            if not changed:
                break
        return booths, evaluation

    def _swap(self, booths: np.ndarray, evaluation: Evaluation) -> tuple[np.ndarray, Evaluation]:
        """Hour by hour, move a booth from a lane to a faster one that drivers may choose
        instead (general to Ready, standard to FAST), while every feasible cell still
        meets the target: the same booth-hours, less inspection work (the drivers who
        move are inspected faster), so the next removal pass may find more to take."""
        for slow, fast in self.faster:
            for h in range(self.hours):
                while (booths[slow, h] > 0 and booths[fast, h] < self.caps[fast]
                       and not (self.infeasible[slow, h] or self.infeasible[fast, h])):
                    change = np.zeros_like(booths)
                    change[slow, h], change[fast, h] = -1, 1
                    result = self._attempt(booths, [slow, -1 - fast], h, change)
                    if result is None:
                        break
                    booths, evaluation = booths + change, result
        return booths, evaluation


def _faster_lanes(scenario: Scenario, optimised: set[int]) -> list[tuple[int, int]]:
    """(slower, faster) pairs of optimised groups that some drivers choose between,
    by mean inspection time."""
    index = {gid: i for i, gid in enumerate(scenario.group_ids)}
    pairs = set()
    for entry in scenario.demand:
        targets = [index[t] for t in entry.to if index[t] in optimised]
        for a, b in itertools.permutations(targets, 2):
            if scenario.lane_groups[b].service.mean_seconds < scenario.lane_groups[a].service.mean_seconds:
                pairs.add((a, b))
    return sorted(pairs)
