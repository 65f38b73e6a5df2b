"""One replication: the scenario as arrays, its random inputs, and a run of the engine.

Random inputs are drawn from one ``numpy.random.Generator`` in a fixed order, so a
replication's numbers depend only on its seed:

1. per demand entry, in file order: the number of arrivals over the horizon,
   N ~ Poisson(sum of per_hour), then N + 1 standard exponential spacings (arrival
   times, see :func:`borderflow.sim.engine.arrival_times`);
2. per lane group, in file order: one service time for every arrival that could join
   it (the k-th vehicle to join takes the k-th);
3. per lane group with a secondary, in file order: one referral uniform per possible
   joiner, then one secondary service time per referral (the j-th referred takes the
   j-th).

Keeping a stream per group (common random numbers) also makes what-if comparisons
sharper: a change to one group leaves the others' service times alone.

The drawing is compiled (:func:`_draw`): one call per replication, NumPy's algorithms
on the replication's own ``Generator``, so the numbers are those of the same draws made
with NumPy's vector methods in the order above (``tests/sim`` checks this).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numba import njit

from borderflow.sim import engine
from borderflow.sim.engine import N_BINS
from borderflow.sim.scenario import Scenario, ServiceTime
from borderflow.sim.service_time import draw_one, packed


@dataclass(frozen=True)
class CompiledScenario:
    """A validated scenario as the arrays the engine reads."""

    hours: int
    group_ids: tuple[str, ...]
    booths: np.ndarray  # (groups, hours) int64
    tail: np.ndarray  # (groups,) booths open after the horizon, >= 1
    tree_size: int  # power of two >= most booths of any group
    choice_group: np.ndarray  # (groups,) bool: in some demand entry with several targets
    rates: np.ndarray  # (entries, hours) arrivals per hour
    expected_per_entry: tuple[float, ...]  # sum of each entry's rates
    entries_of_group: tuple[tuple[int, ...], ...]  # demand entries that may feed a group
    target_ptr: np.ndarray  # (entries + 1,) into target_group
    target_group: np.ndarray
    spacing: np.ndarray  # (groups,) queue metres per vehicle
    sec_prob: np.ndarray  # (groups,)
    sec_spaces: np.ndarray  # (groups,) int64, 1 where there is no secondary
    services: tuple[ServiceTime, ...]
    sec_services: tuple[ServiceTime | None, ...]
    # the same, packed for the compiled drawing: feeding entries of each group (CSR),
    # and per distribution (primary of each group, then secondary of each group; code
    # -1 = no secondary) its code, two parameters and empirical values (CSR)
    feed_ptr: np.ndarray
    feed_entry: np.ndarray
    dist_code: np.ndarray
    dist_p1: np.ndarray
    dist_p2: np.ndarray
    dist_values: np.ndarray
    dist_values_ptr: np.ndarray

    @property
    def n_groups(self) -> int:
        return len(self.group_ids)

    @cached_property
    def draw_arrays(self) -> tuple[np.ndarray, ...]:
        """The arrays the compiled drawing reads after the Generator, in its order."""
        return (
            self.rates,
            np.asarray(self.expected_per_entry, dtype=np.float64),
            self.feed_ptr,
            self.feed_entry,
            self.sec_prob,
            self.dist_code,
            self.dist_p1,
            self.dist_p2,
            self.dist_values,
            self.dist_values_ptr,
        )


@dataclass(frozen=True)
class ReplicationInputs:
    """Everything random about one replication (see the module doc for the order)."""

    entry_times: np.ndarray
    entry_ptr: np.ndarray
    svc: np.ndarray
    svc_ptr: np.ndarray
    refer_u: np.ndarray
    refer_ptr: np.ndarray
    sec_svc: np.ndarray
    sec_ptr: np.ndarray

    def entry_arrivals(self, entry: int) -> np.ndarray:
        return self.entry_times[self.entry_ptr[entry] : self.entry_ptr[entry + 1]]

    def group_services(self, group: int) -> np.ndarray:
        return self.svc[self.svc_ptr[group] : self.svc_ptr[group + 1]]

    def group_referral_uniforms(self, group: int) -> np.ndarray:
        return self.refer_u[self.refer_ptr[group] : self.refer_ptr[group + 1]]

    def group_secondary_services(self, group: int) -> np.ndarray:
        return self.sec_svc[self.sec_ptr[group] : self.sec_ptr[group + 1]]


@dataclass(frozen=True)
class ReplicationOutput:
    """The engine's per-vehicle arrays for one replication (join order per group)."""

    arrival: np.ndarray
    start: np.ndarray
    booth: np.ndarray
    entry: np.ndarray
    secondary_start: np.ndarray
    secondary_end: np.ndarray
    joined: np.ndarray


def compile_scenario(scenario: Scenario) -> CompiledScenario:
    ids = scenario.group_ids
    index = {gid: i for i, gid in enumerate(ids)}
    booths = np.array([g.booths for g in scenario.lane_groups], dtype=np.int64).reshape(
        len(ids), scenario.hours
    )
    tail = np.maximum(booths[:, -1], 1)
    most = int(max(booths.max(), tail.max()))
    tree_size = 1
    while tree_size < most:
        tree_size *= 2
    choice = np.zeros(len(ids), dtype=np.bool_)
    ptr = [0]
    targets: list[int] = []
    for d in scenario.demand:
        targets.extend(index[t] for t in d.to)
        ptr.append(len(targets))
        if len(d.to) > 1:
            for t in d.to:
                choice[index[t]] = True
    rates = np.array([d.per_hour for d in scenario.demand], dtype=np.float64).reshape(
        len(scenario.demand), scenario.hours
    )
    secs = [g.secondary for g in scenario.lane_groups]
    feeding = tuple(tuple(e for e, d in enumerate(scenario.demand) if gid in d.to) for gid in ids)
    dists = [packed(g.service) for g in scenario.lane_groups]
    dists += [packed(s.service) if s and s.probability > 0.0 else (-1, 0.0, 0.0, ()) for s in secs]
    return CompiledScenario(
        hours=scenario.hours,
        group_ids=ids,
        booths=booths,
        tail=tail.astype(np.int64),
        tree_size=tree_size,
        choice_group=choice,
        rates=rates,
        expected_per_entry=tuple(float(r.sum()) for r in rates),
        entries_of_group=feeding,
        target_ptr=np.array(ptr, dtype=np.int64),
        target_group=np.array(targets, dtype=np.int64),
        spacing=np.array([g.queue_spacing_metres for g in scenario.lane_groups]),
        sec_prob=np.array([s.probability if s else 0.0 for s in secs]),
        sec_spaces=np.array([s.spaces if s else 1 for s in secs], dtype=np.int64),
        services=tuple(g.service for g in scenario.lane_groups),
        sec_services=tuple(s.service if s else None for s in secs),
        feed_ptr=_offsets([len(f) for f in feeding]),
        feed_entry=np.array([e for f in feeding for e in f], dtype=np.int64),
        dist_code=np.array([d[0] for d in dists], dtype=np.int64),
        dist_p1=np.array([d[1] for d in dists], dtype=np.float64),
        dist_p2=np.array([d[2] for d in dists], dtype=np.float64),
        dist_values=np.array([v for d in dists for v in d[3]], dtype=np.float64),
        dist_values_ptr=_offsets([len(d[3]) for d in dists]),
    )


def draw_inputs(model: CompiledScenario, rng: np.random.Generator) -> ReplicationInputs:
    """Draw one replication's random inputs from ``rng`` (see the module doc)."""
    return ReplicationInputs(*_draw(rng, *model.draw_arrays))


@njit(cache=True, error_model="numpy")
def _draw(  # type: ignore[no-untyped-def]
    rng,
    rates: np.ndarray,
    expected: np.ndarray,
    feed_ptr: np.ndarray,
    feed_entry: np.ndarray,
    sec_prob: np.ndarray,
    dist_code: np.ndarray,
    dist_p1: np.ndarray,
    dist_p2: np.ndarray,
    dist_values: np.ndarray,
    dist_values_ptr: np.ndarray,
):
    """The compiled body of :func:`draw_inputs`: the arrays of ``ReplicationInputs``."""
    n_entries = rates.shape[0]
    n_groups = feed_ptr.shape[0] - 1
    # 1. arrivals, entry by entry: the count, then count + 1 spacings
    entry_ptr = np.zeros(n_entries + 1, dtype=np.int64)
    times = np.empty(int(expected.sum() * 1.1) + 64, dtype=np.float64)
    spacings = np.empty(times.shape[0] + 1, dtype=np.float64)
    for e in range(n_entries):
        n = rng.poisson(expected[e]) if expected[e] > 0.0 else 0
        lo = entry_ptr[e]
        if lo + n > times.shape[0]:
            grown = np.empty(2 * (lo + n), dtype=np.float64)
            grown[:lo] = times[:lo]
            times = grown
        if n + 1 > spacings.shape[0]:
            spacings = np.empty(2 * (n + 1), dtype=np.float64)
        for i in range(n + 1):
            spacings[i] = rng.standard_exponential()
        times[lo : lo + n] = engine.arrival_times(rates[e], spacings[: n + 1])
        entry_ptr[e + 1] = lo + n
    # 2. service times, group by group: one for every arrival that could join
    svc_ptr = np.zeros(n_groups + 1, dtype=np.int64)
    for g in range(n_groups):
        possible = 0
        for j in range(feed_ptr[g], feed_ptr[g + 1]):
            e = feed_entry[j]
            possible += entry_ptr[e + 1] - entry_ptr[e]
        svc_ptr[g + 1] = svc_ptr[g] + possible
    svc = np.empty(svc_ptr[n_groups], dtype=np.float64)
    for g in range(n_groups):
        values = dist_values[dist_values_ptr[g] : dist_values_ptr[g + 1]]
        code, p1, p2 = dist_code[g], dist_p1[g], dist_p2[g]
        for i in range(svc_ptr[g], svc_ptr[g + 1]):
            svc[i] = draw_one(rng, code, p1, p2, values)
    # 3. secondary, group by group: a referral uniform per possible joiner, then a
    # secondary service time per referral
    refer_ptr = np.zeros(n_groups + 1, dtype=np.int64)
    for g in range(n_groups):
        has = dist_code[n_groups + g] >= 0
        refer_ptr[g + 1] = refer_ptr[g] + (svc_ptr[g + 1] - svc_ptr[g] if has else 0)
    refer_u = np.empty(refer_ptr[n_groups], dtype=np.float64)
    sec_svc = np.empty(refer_ptr[n_groups], dtype=np.float64)
    sec_ptr = np.zeros(n_groups + 1, dtype=np.int64)
    for g in range(n_groups):
        s = n_groups + g
        referred = 0
        for i in range(refer_ptr[g], refer_ptr[g + 1]):
            refer_u[i] = rng.random()
            if refer_u[i] < sec_prob[g]:
                referred += 1
        lo = sec_ptr[g]
        values = dist_values[dist_values_ptr[s] : dist_values_ptr[s + 1]]
        for i in range(lo, lo + referred):
            sec_svc[i] = draw_one(rng, dist_code[s], dist_p1[s], dist_p2[s], values)
        sec_ptr[g + 1] = lo + referred
    return (
        times[: entry_ptr[n_entries]].copy(),
        entry_ptr,
        svc,
        svc_ptr,
        refer_u,
        refer_ptr,
        sec_svc[: sec_ptr[n_groups]].copy(),
        sec_ptr,
    )


def new_statistics(
    model: CompiledScenario, replications: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Zeroed (int stats, float stats, histogram) arrays for ``replications`` runs."""
    g, h = model.n_groups, model.hours
    return (
        np.zeros((replications, engine.N_INT_STATS, g, h), dtype=np.int64),
        np.zeros((replications, engine.N_FLOAT_STATS, g, h), dtype=np.float64),
        np.zeros((g, h, N_BINS), dtype=np.int64),
    )


def run_replication(
    model: CompiledScenario,
    inputs: ReplicationInputs,
    istats: np.ndarray,
    fstats: np.ndarray,
    hist: np.ndarray,
    record: bool = False,
) -> ReplicationOutput:
    """Run the engine on given inputs; adds into ``istats``/``fstats`` (zeroed, this
    replication's rows) and ``hist`` (accumulated)."""
    out = engine.simulate_replication(
        model.hours,
        inputs.entry_times,
        inputs.entry_ptr,
        model.target_ptr,
        model.target_group,
        model.booths,
        model.tail,
        model.tree_size,
        model.choice_group,
        inputs.svc,
        inputs.svc_ptr,
        model.sec_prob,
        model.sec_spaces,
        inputs.refer_u,
        inputs.refer_ptr,
        inputs.sec_svc,
        inputs.sec_ptr,
        model.spacing,
        record,
        istats,
        fstats,
        hist,
    )
    return ReplicationOutput(*out)


def draw_and_run(
    model: CompiledScenario,
    rng: np.random.Generator,
    istats: np.ndarray,
    fstats: np.ndarray,
    hist: np.ndarray,
) -> None:
    """``run_replication(model, draw_inputs(model, rng), ...)`` without records, as one
    compiled call (the same numbers, less overhead per replication)."""
    _draw_and_run(
        rng,
        model.draw_arrays,
        model.hours,
        model.target_ptr,
        model.target_group,
        model.booths,
        model.tail,
        model.tree_size,
        model.choice_group,
        model.sec_spaces,
        model.spacing,
        istats,
        fstats,
        hist,
    )


@njit(cache=True, error_model="numpy")
def _draw_and_run(  # type: ignore[no-untyped-def]
    rng,
    draw_arrays,
    hours,
    target_ptr,
    target_group,
    booths,
    tail,
    tree_size,
    choice_group,
    sec_spaces,
    spacing,
    istats,
    fstats,
    hist,
) -> None:
    entry_times, entry_ptr, svc, svc_ptr, refer_u, refer_ptr, sec_svc, sec_ptr = _draw(rng, *draw_arrays)
    sec_prob = draw_arrays[4]
    engine.simulate_replication(
        hours,
        entry_times,
        entry_ptr,
        target_ptr,
        target_group,
        booths,
        tail,
        tree_size,
        choice_group,
        svc,
        svc_ptr,
        sec_prob,
        sec_spaces,
        refer_u,
        refer_ptr,
        sec_svc,
        sec_ptr,
        spacing,
        False,
        istats,
        fstats,
        hist,
    )


def vehicle_columns(
    model: CompiledScenario, inputs: ReplicationInputs, out: ReplicationOutput, replication: int
) -> dict[str, np.ndarray]:
    """Per-vehicle columns of one recorded replication, sorted by arrival time."""
    keep = np.zeros(len(inputs.svc), dtype=np.bool_)
    group = np.empty(len(inputs.svc), dtype=np.int16)
    referred = np.zeros(len(inputs.svc), dtype=np.bool_)
    for g in range(model.n_groups):
        lo = int(inputs.svc_ptr[g])
        n = int(out.joined[g])
        keep[lo : lo + n] = True
        group[lo : lo + n] = g
        u = inputs.group_referral_uniforms(g)
        if len(u):
            referred[lo : lo + n] = u[:n] < model.sec_prob[g]
    order = np.argsort(out.arrival[keep], kind="stable")

    def pick(a: np.ndarray) -> np.ndarray:
        return a[keep][order]

    start = pick(out.start)
    return {
        "replication": np.full(len(order), replication, dtype=np.int32),
        "group": pick(group),
        "entry": pick(out.entry).astype(np.int16),
        "booth": pick(out.booth),
        "arrival_seconds": pick(out.arrival),
        "start_seconds": start,
        "end_seconds": start + pick(inputs.svc),
        "referred": pick(referred),
        "secondary_start_seconds": pick(out.secondary_start),
        "secondary_end_seconds": pick(out.secondary_end),
    }


def _offsets(lengths: list[int]) -> np.ndarray:
    return np.array([0, *itertools.accumulate(lengths)], dtype=np.int64)
