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

Algorithm, per component (T = target, cap = most booths a group may open):

1. **Feasibility map.** Simulate with every optimised group at its cap in every hour.
   A (group, hour) whose p95 still exceeds T cannot meet it (more booths earlier only
   shorten the queue it inherits, and all are already open); it is marked infeasible,
   kept at the cap (the least bad it can be) and left out of the acceptance rule below.
2. **Start** from a fast approximation (the caller's: Allen-Cunneen-adjusted Erlang C
   period by period, :mod:`borderflow.staffing.sipp`), capped.
3. **Forward pass**, hours in time order: while some feasible (group, hour) has
   p95 + z SE > T (SE: the estimate's standard error, see CommonRandomNumbers), add a
   booth there and re-simulate. If the group is at its cap, add one to the other
   optimised groups of its component instead (drivers with a lane choice move over);
   if all are at their caps, open every booth in the three hours before (the queue it
   inherits is the problem) and keep that only if it meets the target, else mark the
   cell infeasible.
4. **Removal passes**, hours in time order: try removing one booth at that hour from
   every optimised group at once, then (if that breaks the target anywhere) from each
   group alone; keep a removal only when every feasible (group, hour) of the whole
   horizon still has p95 + z SE <= T. Repeat until nothing can be removed or the pass limit.

What it guarantees, honestly: on the search's replications, every feasible (group,
hour) meets T with z standard errors to spare, and no single-booth removal at any (group, hour) tried in the last pass
keeps it so (a local minimum under one-booth moves). It does not prove the fewest
booth-hours: p95 is an estimate, it is not convex in the booths, and moving a booth
between hours is not a move the search makes. A fresh-seed check and repair follows
in :mod:`borderflow.staffing.planner`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from borderflow.sim.scenario import Scenario
from borderflow.staffing.evaluate import CommonRandomNumbers, Evaluation

#: Removal passes over the horizon (each pass stops early when nothing changes).
DEFAULT_REMOVAL_PASSES = 1
#: Standard errors added to each p95 estimate before comparing it with the target.
DEFAULT_Z = 1.0
#: Hours before a failing hour opened fully when its own booths are all open already.
RELIEF_HOURS = 3


@dataclass(frozen=True)
class SearchResult:
    """The searched plan for the whole scenario (groups in scenario order x hours).

    ``infeasible``: optimised (group, hour) cells whose p95 exceeds the target even with
    every booth open; ``cap_p95_minutes``: p95 with every optimised group at its cap;
    ``p95_minutes``: the plan's p95 on the search replications; ``evaluations``:
    simulations of the horizon run (all components).
    """

    booths: np.ndarray
    infeasible: np.ndarray
    cap_p95_minutes: np.ndarray
    p95_minutes: np.ndarray
    evaluations: int


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
) -> SearchResult:
    """Search booths for the groups ``optimise`` (scenario indexes); others keep the
    scenario's. ``caps`` (G,) and ``start`` (G, H) are in scenario order."""
    groups, hours = len(scenario.lane_groups), scenario.hours
    booths = np.array([g.booths for g in scenario.lane_groups], dtype=np.int64).reshape(groups, hours)
    infeasible = np.zeros((groups, hours), dtype=bool)
    cap_p95 = np.full((groups, hours), np.nan)
    p95 = np.full((groups, hours), np.nan)
    wanted = set(optimise)
    parts = [c for c in lane_choice_components(scenario) if wanted.intersection(c)]
    evaluations = 0
    for part, part_seed in zip(parts, component_seeds(seed, len(parts)), strict=True):
        crn = CommonRandomNumbers(sub_scenario(scenario, part), replications, part_seed)
        mask = np.array([i in wanted for i in part])
        found = _ComponentSearch(
            crn, mask, caps[part], start[part], target_minutes, removal_passes, z
        ).run()
        booths[part] = found.booths
        infeasible[part] = found.infeasible
        cap_p95[part] = found.cap_p95_minutes
        p95[part] = found.p95_minutes
        evaluations += crn.evaluations
    return SearchResult(booths, infeasible, cap_p95, p95, evaluations)


class _ComponentSearch:
    def __init__(
        self,
        crn: CommonRandomNumbers,
        optimised: np.ndarray,
        caps: np.ndarray,
        start: np.ndarray,
        target_minutes: float,
        removal_passes: int,
        z: float,
    ) -> None:
        self.crn = crn
        self.opt = np.flatnonzero(optimised)
        self.optimised = optimised
        self.caps = np.asarray(caps, dtype=np.int64)
        self.start = np.asarray(start, dtype=np.int64)
        self.target = float(target_minutes)
        self.removal_passes = removal_passes
        self.z = float(z)
        self.hours = start.shape[1]

    def run(self) -> SearchResult:
        cap_plan = self.start.copy()
        cap_plan[self.opt] = self.caps[self.opt, None]
        at_cap = self.crn.evaluate(cap_plan)
        self.infeasible = self.optimised[:, None] & ~at_cap.meets(self.target)
        booths = np.minimum(self.start, self.caps[:, None])
        booths[self.infeasible] = np.broadcast_to(self.caps[:, None], booths.shape)[self.infeasible]
        booths, evaluation = self._forward(booths)
        booths, evaluation = self._remove(booths, evaluation)
        return SearchResult(
            booths, self.infeasible, at_cap.p95_minutes, evaluation.p95_minutes, self.crn.evaluations
        )

    def _failing(self, evaluation: Evaluation) -> np.ndarray:
        """Optimised, feasible cells whose p95 exceeds the target (G, H)."""
        return self.optimised[:, None] & ~self.infeasible & ~evaluation.meets(self.target, self.z)

    def _forward(self, booths: np.ndarray) -> tuple[np.ndarray, Evaluation]:
        evaluation = self.crn.evaluate(booths)
        for h in range(self.hours):
            while True:
                bad = np.flatnonzero(self._failing(evaluation)[:, h])
                if bad.size == 0:
                    break
                grow = [g for g in bad if booths[g, h] < self.caps[g]]
                if not grow:
                    # at their caps: lanes sharing drivers with them may take some (lane
                    # choice), else the queue they inherit is the problem
                    grow = [g for g in self.opt if booths[g, h] < self.caps[g]] if len(self.opt) > 1 else []
                if grow:
                    booths[grow, h] += 1
                    evaluation = self.crn.evaluate(booths)
                    continue
                booths, evaluation = self._relieve(booths, evaluation, bad, h)
        return booths, evaluation

    def _relieve(
        self, booths: np.ndarray, evaluation: Evaluation, bad: np.ndarray, h: int
    ) -> tuple[np.ndarray, Evaluation]:
        """Every booth open in the RELIEF_HOURS before h; kept if that meets the target at
        h (removal trims the excess), else undone and the cells marked infeasible."""
        trial = booths.copy()
        first = max(0, h - RELIEF_HOURS)
        trial[self.opt, first:h] = self.caps[self.opt, None]
        if h > 0 and not np.array_equal(trial, booths):
            result = self.crn.evaluate(trial)
            if not self._failing(result)[:, h].any():
                return trial, result
        self.infeasible[bad, h] = True
        return booths, evaluation

    def _accepts(self, evaluation: Evaluation) -> bool:
        return not self._failing(evaluation).any()

    def _remove(self, booths: np.ndarray, evaluation: Evaluation) -> tuple[np.ndarray, Evaluation]:
        for _ in range(self.removal_passes):
            changed = False
            for h in range(self.hours):
                candidates = [g for g in self.opt if booths[g, h] > 0 and not self.infeasible[g, h]]
                while candidates:
                    trial = booths.copy()
                    trial[candidates, h] -= 1
                    result = self.crn.evaluate(trial)
                    if self._accepts(result):
                        booths, evaluation, changed = trial, result, True
                        candidates = [g for g in candidates if booths[g, h] > 0]
                        continue
                    if len(candidates) == 1:
                        break
                    kept = []
                    for g in candidates:
                        trial = booths.copy()
                        trial[g, h] -= 1
                        result = self.crn.evaluate(trial)
                        if self._accepts(result):
                            booths, evaluation, changed = trial, result, True
                            if booths[g, h] > 0:
                                kept.append(g)
                    candidates = kept
            if not changed:
                break
        return booths, evaluation
