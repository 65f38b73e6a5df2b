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
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from borderflow.sim import engine
from borderflow.sim.engine import N_BINS
from borderflow.sim.scenario import Scenario, ServiceTime
from borderflow.sim.service_time import draw_service_seconds


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

    @property
    def n_groups(self) -> int:
        return len(self.group_ids)


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
    )


def draw_inputs(model: CompiledScenario, rng: np.random.Generator) -> ReplicationInputs:
    """Draw one replication's random inputs from ``rng`` (see the module doc)."""
    times = []
    for e, expected in enumerate(model.expected_per_entry):
        n = int(rng.poisson(expected)) if expected > 0 else 0
        spacings = rng.standard_exponential(n + 1)
        times.append(engine.arrival_times(model.rates[e], spacings))
    counts = [len(t) for t in times]
    possible = [sum(counts[e] for e in entries) for entries in model.entries_of_group]
    svc = [draw_service_seconds(model.services[g], possible[g], rng) for g in range(model.n_groups)]
    refer: list[np.ndarray] = []
    sec: list[np.ndarray] = []
    for g in range(model.n_groups):
        service = model.sec_services[g]
        if service is None or model.sec_prob[g] <= 0.0:
            refer.append(_EMPTY)
            sec.append(_EMPTY)
            continue
        u = rng.random(possible[g])
        refer.append(u)
        sec.append(draw_service_seconds(service, int(np.count_nonzero(u < model.sec_prob[g])), rng))
    return ReplicationInputs(
        entry_times=_concat(times),
        entry_ptr=_offsets(counts),
        svc=_concat(svc),
        svc_ptr=_offsets(possible),
        refer_u=_concat(refer),
        refer_ptr=_offsets([len(u) for u in refer]),
        sec_svc=_concat(sec),
        sec_ptr=_offsets([len(x) for x in sec]),
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


_EMPTY = np.empty(0, dtype=np.float64)


def _offsets(lengths: list[int]) -> np.ndarray:
    return np.array([0, *itertools.accumulate(lengths)], dtype=np.int64)


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    if not parts:
        return _EMPTY
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts)
