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
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from borderflow.sim import engine
from borderflow.sim.histogram import histogram_percentile_seconds
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

#: Batches for the standard error of the p95 (see CommonRandomNumbers).
DEFAULT_BATCHES = 10
#: The percentile the targets are stated in.
QUANTILE = 0.95


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
    """A scenario's random inputs for ``replications`` runs, drawn once from ``seed``.

    ``evaluate(booths)`` runs every replication with that booth plan. Memory grows with
    vehicles x replications (about 30 bytes a vehicle).

    The standard error of each p95 comes from batch means: the replications are cut
    into ``batches`` runs of consecutive replications (at most one per replication),
    the p95 of each batch is taken from its own histogram, and
    ``SE = sd(batch p95) / sqrt(batches)`` — the usual estimate for a statistic of
    pooled independent batches.
    """

    def __init__(
        self, scenario: Scenario, replications: int, seed: int, batches: int = DEFAULT_BATCHES
    ) -> None:
        if replications < 1:
            raise ValueError("replications must be >= 1")
        self.scenario = scenario
        self.replications = int(replications)
        self.seed = int(seed)
        edges = np.linspace(0, self.replications, min(batches, self.replications) + 1)
        self._batches = [
            (int(a), int(b)) for a, b in zip(edges[:-1].round(), edges[1:].round(), strict=True)
        ]
        model = compile_scenario(scenario)
        children = np.random.SeedSequence(self.seed).spawn(self.replications)
        self._inputs: list[ReplicationInputs] = [
            draw_inputs(model, np.random.default_rng(child)) for child in children
        ]
        self.evaluations = 0

    def evaluate(self, booths: np.ndarray) -> Evaluation:
        """Simulate every replication with ``booths`` (groups x hours, scenario order)."""
        planned = with_booths(self.scenario, booths)
        model = compile_scenario(planned)
        istats, fstats, hist = new_statistics(model, self.replications)
        batch_hist = np.zeros((len(self._batches), *hist.shape), dtype=hist.dtype)
        for b, (first, last) in enumerate(self._batches):
            for r in range(first, last):
                run_replication(
                    model, self._inputs[r], istats[r], fstats[r], batch_hist[b], record=False
                )
        hist += batch_hist.sum(axis=0)
        self.evaluations += 1
        rows = summarize(planned, istats, fstats, hist)
        found = evaluation_from_results(planned.group_ids, rows)
        return replace(found, p95_se_minutes=self._batch_se(batch_hist, fstats))

    def _batch_se(self, batch_hist: np.ndarray, fstats: np.ndarray) -> np.ndarray | None:
        if len(self._batches) < 2:
            return None
        values = []
        for b, (first, last) in enumerate(self._batches):
            top = fstats[first:last, engine.WAIT_MAX].max(axis=0)
            values.append(histogram_percentile_seconds(batch_hist[b], QUANTILE, top))
        stacked = np.array(values) / 60.0  # (batches, G, H)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # hours nobody reached: NaN
            return np.nanstd(stacked, axis=0, ddof=1) / math.sqrt(len(self._batches))


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)
