"""Evaluate many booth plans on the same random inputs (common random numbers).

A replication's random inputs — arrival times, service times, referral draws — depend
on the scenario's demand and service distributions and on the seed, never on the booths
(see :mod:`borderflow.sim.replication`, "Random inputs are drawn ... in a fixed order").
So :class:`CommonRandomNumbers` draws them once, from child ``r`` of
``SeedSequence(seed).spawn(replications)`` exactly as :func:`borderflow.sim.simulate`
does, and runs the engine on them for each candidate plan. Two plans compared this way
differ only by their booths, which makes small differences visible with few
replications; and a plan evaluated here gives the same numbers as
``simulate(scenario_with_that_plan, replications, seed)`` (a test pins this).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from borderflow.sim.replication import (
    ReplicationInputs,
    compile_scenario,
    draw_inputs,
    new_statistics,
    run_replication,
)
from borderflow.sim.results import LaneGroupResult
from borderflow.sim.scenario import Scenario
from borderflow.sim.statistics import summarize
from borderflow.staffing.bootstrap import (
    DEFAULT_RESAMPLES,
    p95_standard_error_minutes,
    resample_weights,
)

#: The percentile the targets are stated in.
QUANTILE = 0.95
#: At most this many groups of replications are resampled for a standard error.
MAX_CLUSTERS = 120


@dataclass(frozen=True)
class Evaluation:
    """Per lane group (rows, in scenario order) and hour (columns), by arrival hour.

    ``p95_minutes`` and ``mean_minutes`` are NaN where no vehicle arrived; ``arrivals``
    is the mean per replication.
    """

    group_ids: tuple[str, ...]
    p95_minutes: np.ndarray
    mean_minutes: np.ndarray
    arrivals: np.ndarray
    p95_se_minutes: np.ndarray | None = None

    def meets(self, target_minutes: float, z: float = 0.0) -> np.ndarray:
        """True where the p95 (plus ``z`` standard errors, when known) is at most the
        target, or nobody arrived (G, H)."""
        value = self.p95_minutes
        if z and self.p95_se_minutes is not None:
            value = value + z * np.nan_to_num(self.p95_se_minutes)
        with np.errstate(invalid="ignore"):
            return np.isnan(value) | (value <= target_minutes + 1e-9)


def booth_matrix(scenario: Scenario) -> np.ndarray:
    """The scenario's booths as an int64 array (groups in scenario order, hours)."""
    return np.array([g.booths for g in scenario.lane_groups], dtype=np.int64).reshape(
        len(scenario.lane_groups), scenario.hours
    )


def with_booths(scenario: Scenario, booths: np.ndarray | Mapping[str, Sequence[int]]) -> Scenario:
    """The scenario with booths replaced: a (groups, hours) array in scenario order, or a
    mapping from group id to one whole number >= 0 per hour (groups left out keep theirs)."""
    if isinstance(booths, Mapping):
        rows = {gid: tuple(int(b) for b in row) for gid, row in booths.items()}
    else:
        matrix = np.asarray(booths)
        rows = {g.id: tuple(int(b) for b in matrix[i]) for i, g in enumerate(scenario.lane_groups)}
    groups = []
    for group in scenario.lane_groups:
        row = rows.get(group.id, group.booths)
        if len(row) != scenario.hours or min(row, default=0) < 0:
            raise ValueError(f"booths of {group.id} must be {scenario.hours} whole numbers >= 0")
        groups.append(replace(group, booths=tuple(row)))
    return replace(scenario, lane_groups=tuple(groups))


def evaluation_from_results(
    group_ids: Sequence[str], lane_groups: Mapping[str, LaneGroupResult]
) -> Evaluation:
    """An :class:`Evaluation` from simulation results (``SimulationResult.lane_groups``)."""

    def grid(field: str) -> np.ndarray:
        return np.array(
            [[_nan(getattr(row, field)) for row in lane_groups[gid].hourly] for gid in group_ids],
            dtype=np.float64,
        )

    return Evaluation(
        group_ids=tuple(group_ids),
        p95_minutes=grid("wait_p95_minutes"),
        mean_minutes=grid("wait_mean_minutes"),
        arrivals=grid("arrivals"),
    )


class CommonRandomNumbers:
    """A scenario's random inputs for ``replications`` runs, from ``seed``.

    ``evaluate(booths)`` runs every replication (or a prefix) with that booth plan.
    With ``keep_inputs`` (the default) the inputs are drawn once and kept — memory
    grows with vehicles x replications, about 30 bytes a vehicle; without, they are
    drawn again for every evaluation (the same numbers, for a large sample judged once).

    The standard error of each p95 comes from resampling whole replications
    (:mod:`borderflow.staffing.bootstrap`), with the same resamples for every plan; past
    MAX_CLUSTERS replications, runs of consecutive replications are resampled instead
    (each run is as independent of the others as a single day is).
    """

    def __init__(
        self, scenario: Scenario, replications: int, seed: int,
        resamples: int = DEFAULT_RESAMPLES, keep_inputs: bool = True,
    ) -> None:
        if replications < 1:
            raise ValueError("replications must be >= 1")
        self.scenario = scenario
        self.replications = int(replications)
        self.seed = int(seed)
        self.resamples = int(resamples)
        self._model = compile_scenario(scenario)
        self._children = np.random.SeedSequence(self.seed).spawn(self.replications)
        self._inputs: list[ReplicationInputs] | None = (
            [self._draw(r) for r in range(self.replications)] if keep_inputs else None
        )
        self._weights: dict[int, np.ndarray] = {}
        self.evaluations = 0
        self.replications_run = 0

    def evaluate(
        self, booths: np.ndarray, replications: int | None = None, standard_errors: bool = True
    ) -> Evaluation:
        """Simulate with ``booths`` (groups x hours, scenario order) on the first
        ``replications`` replications (default all); ``standard_errors`` False skips
        them (``p95_se_minutes`` None, as with a single replication).

        ``SeedSequence(seed).spawn`` gives child ``r`` whatever the count, so the first
        ``k`` replications are exactly those of ``CommonRandomNumbers(scenario, k, seed)``:
        a prefix screens a plan cheaply, the whole set decides.
        """
        reps = self.replications if replications is None else int(replications)
        return self._run(booths, reps, standard_errors, 0)[0]

    def evaluate_with_prefix(self, booths: np.ndarray, prefix: int) -> tuple[Evaluation, Evaluation]:
        """In one run: the evaluation on all replications (with standard errors) and
        the one on the first ``prefix`` (without)."""
        found, first = self._run(booths, self.replications, True, prefix)
        assert first is not None
        return found, first

    def _run(
        self, booths: np.ndarray, reps: int, standard_errors: bool, prefix: int
    ) -> tuple[Evaluation, Evaluation | None]:
        if not 1 <= reps <= self.replications or not 0 <= prefix <= reps:
            raise ValueError(f"replications must be from 1 to {self.replications}; got {reps}")
        planned = with_booths(self.scenario, booths)
        model = compile_scenario(planned)
        istats, fstats, hist = new_statistics(model, reps)
        clusters = min(reps, MAX_CLUSTERS) if standard_errors and reps > 1 else 0
        per_cluster = np.zeros((clusters, *hist.shape), dtype=hist.dtype) if clusters else None
        first = np.zeros_like(hist) if prefix else None
        scratch = np.zeros_like(hist)
        for r in range(reps):
            inputs = self._inputs[r] if self._inputs is not None else self._draw(r)
            if per_cluster is None and r >= prefix:
                run_replication(model, inputs, istats[r], fstats[r], hist, record=False)
                continue
            scratch.fill(0)
            run_replication(model, inputs, istats[r], fstats[r], scratch, record=False)
            hist += scratch
            if per_cluster is not None:
                per_cluster[r * clusters // reps] += scratch
            if first is not None and r < prefix:
                first += scratch
        self.evaluations += 1
        self.replications_run += reps
        found = evaluation_from_results(planned.group_ids, summarize(planned, istats, fstats, hist))
        early = None
        if first is not None:
            early = evaluation_from_results(
                planned.group_ids, summarize(planned, istats[:prefix], fstats[:prefix], first)
            )
        if per_cluster is None:
            return found, early
        se = p95_standard_error_minutes(per_cluster, self._resample_weights(clusters), QUANTILE)
        return replace(found, p95_se_minutes=se), early

    def _draw(self, replication: int) -> ReplicationInputs:
        return draw_inputs(self._model, self._children[replication])

    def _resample_weights(self, clusters: int) -> np.ndarray:
        if clusters not in self._weights:
            self._weights[clusters] = resample_weights(clusters, self.resamples, self.seed)
        return self._weights[clusters]


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)
