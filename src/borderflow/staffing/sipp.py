"""Stationary independent period-by-period (SIPP) staffing with Erlang C.

The classic rule: treat every hour as a steady-state M/M/c queue of its own — Poisson
arrivals at that hour's rate, exponential service with the lane's mean, ``c`` booths —
and open the fewest booths whose Erlang-C 95th-percentile wait is at most the target.
It ignores the queue an hour inherits from the one before (and leaves to the next), and
it assumes exponential service; both are what the simulation-based search in
:mod:`borderflow.staffing.search` corrects.

The same function with ``service_scv`` < 1 is the search's fast starting point: the
Allen-Cunneen approximation for G/G/c scales the wait of a waiting vehicle by
``(ca² + cs²) / 2`` with ``ca² = 1`` (Poisson arrivals) and ``cs²`` the squared
coefficient of variation of service, so the 95th percentile becomes
``ln(C / 0.05) * s / (c - a) * (1 + cs²) / 2``.

Arrival rates per lane group: a demand entry with one target sends all of its rate
there; an entry with several (drivers choosing the shorter line) is split in
proportion to the service capacity the scenario's own schedule gives each target in
that hour (booths / mean service seconds), evenly when none has a booth. This is an
assumption of the baseline (the simulator's drivers choose per vehicle); it is exact
for lanes without a choice.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from borderflow.sim.erlang import offered_load, wait_quantile_seconds
from borderflow.sim.scenario import Scenario
from borderflow.staffing.evaluate import QUANTILE


@dataclass(frozen=True)
class SippPlan:
    """Booths per lane group (scenario order) and hour, and where Erlang C says the
    target is met (False where even ``max_booths`` cannot meet it in steady state)."""

    group_ids: tuple[str, ...]
    booths: np.ndarray  # (G, H) int64
    formula_met: np.ndarray  # (G, H) bool


def group_arrivals_per_hour(scenario: Scenario, fastest: bool = False) -> np.ndarray:
    """Expected arrivals per hour to each lane group (G, H), splitting lane choices as
    the module doc says, or (``fastest``) sending them all to the lane among their
    choices with the shortest mean inspection time (the first listed on a tie)."""
    index = {gid: i for i, gid in enumerate(scenario.group_ids)}
    hours = scenario.hours
    rates = np.zeros((len(index), hours))
    capacity = np.array(
        [np.asarray(g.booths, dtype=np.float64) / g.service.mean_seconds for g in scenario.lane_groups]
    ).reshape(len(index), hours)
    for entry in scenario.demand:
        per_hour = np.asarray(entry.per_hour, dtype=np.float64)
        targets = [index[t] for t in entry.to]
        if fastest:
            targets = [min(targets, key=lambda i: scenario.lane_groups[i].service.mean_seconds)]
        if len(targets) == 1:
            rates[targets[0]] += per_hour
            continue
        weights = capacity[targets]  # (k, H)
        total = weights.sum(axis=0)
        even = np.full_like(weights, 1.0 / len(targets))
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0, weights / np.where(total > 0, total, 1.0), even)
        rates[targets] += share * per_hour
    return rates


def erlang_c_booths(
    arrivals_per_hour: float,
    service_seconds: float,
    target_seconds: float,
    max_booths: int,
    service_scv: float = 1.0,
) -> tuple[int, bool]:
    """The fewest booths (0..max_booths) whose steady-state 95th-percentile wait is at
    most ``target_seconds``, and whether that is met; ``(max_booths, False)`` if none is.

    ``service_scv`` (squared coefficient of variation of service, 1 for exponential)
    scales the Erlang-C quantile by ``(1 + scv) / 2`` (Allen-Cunneen).
    """
    if arrivals_per_hour <= 0:
        return 0, True
    factor = (1.0 + service_scv) / 2.0
    load = offered_load(arrivals_per_hour, service_seconds)
    for c in range(max(1, math.floor(load) + 1), max_booths + 1):
        quantile = wait_quantile_seconds(QUANTILE, arrivals_per_hour, service_seconds, c)
        if quantile * factor <= target_seconds:
            return c, True
    return max_booths, False


def sipp_plan(
    scenario: Scenario,
    target_minutes: float,
    max_booths: Sequence[int] | np.ndarray,
    groups: Collection[str] | None = None,
    service_scv: Sequence[float] | None = None,
    fastest: bool = False,
) -> SippPlan:
    """SIPP booths for ``groups`` (default all); other groups keep the scenario's.

    ``max_booths[g]`` caps group g (scenario order). ``service_scv``: per group, for the
    Allen-Cunneen variant; default 1 (pure Erlang C, the classic baseline).
    ``fastest``: drivers with a lane choice all counted at their fastest lane (the
    search's start; the baseline splits them by capacity).
    """
    chosen = set(scenario.group_ids if groups is None else groups)
    rates = group_arrivals_per_hour(scenario, fastest)
    hours = scenario.hours
    booths = np.array([g.booths for g in scenario.lane_groups], dtype=np.int64).reshape(
        len(scenario.lane_groups), hours
    )
    met = np.ones(booths.shape, dtype=bool)
    target_seconds = target_minutes * 60.0
    for gi, group in enumerate(scenario.lane_groups):
        if group.id not in chosen:
            continue
        scv = 1.0 if service_scv is None else float(service_scv[gi])
        for h in range(hours):
            c, ok = erlang_c_booths(
                float(rates[gi, h]), group.service.mean_seconds, target_seconds,
                int(max_booths[gi]), scv,
            )
            booths[gi, h] = c
            met[gi, h] = ok
    return SippPlan(scenario.group_ids, booths, met)
