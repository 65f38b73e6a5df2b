"""One replication: the scenario as arrays, its random inputs, and a run of the engine.

Random inputs come from separate streams, one per demand entry, per lane group and per
lane group's secondary. Each is a PCG64 stream whose state is the hash of the
replication's ``SeedSequence`` and a key naming what the stream is for (a group by its
id, an entry by the groups it feeds), never by its place in the file (:class:`Streams`). So a replication's
numbers depend only on its seed and on what the scenario says, not on the order it says
it in, and a change to one group or entry leaves the other streams' draws alone (common
random numbers: what-if comparisons see the change, not a reshuffle of chance).

1. an entry's stream: the number of arrivals over the horizon, N ~ Poisson(sum of
   per_hour), then N + 1 standard exponential spacings (arrival times, see
   :func:`borderflow.sim.engine.arrival_times`);
2. a lane group's stream: one service time for every arrival that could join it (the
   k-th vehicle to join takes the k-th);
3. a secondary's stream: one referral uniform per possible joiner of its group, then one
   secondary service time per referral (the j-th referred takes the j-th).

Entries that feed the same groups are told apart by their order among themselves. The
drawing is compiled (one call per stream) and uses NumPy's algorithms on the stream's own
``Generator``, so the numbers are those of the same draws made with NumPy's vector methods
(``tests/sim`` checks this).
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from dataclasses import dataclass

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
    # the spawn-key words of each stream: entries, groups, secondaries (module doc)
    entry_keys: tuple[bytes, ...] = ()
    group_keys: tuple[bytes, ...] = ()
    secondary_keys: tuple[bytes, ...] = ()

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
    dists = [packed(g.service) for g in scenario.lane_groups]
    dists += [packed(s.service) if s and s.probability > 0.0 else (-1, 0.0, 0.0, ()) for s in secs]
    seen: dict[tuple[str, ...], int] = {}
    entry_keys = []
    for d in scenario.demand:
        fed = tuple(sorted(d.to))
        seen[fed] = seen.get(fed, -1) + 1
        entry_keys.append(_stream_key("entry", *fed, str(seen[fed])))
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
        entry_keys=tuple(entry_keys),
        group_keys=tuple(_stream_key("group", gid) for gid in ids),
        secondary_keys=tuple(_stream_key("secondary", gid) for gid in ids),
    )


def _stream_key(*parts: str) -> bytes:
    """16 bytes naming a stream (the start of the SHA-256 of its parts)."""
    return hashlib.sha256("\x1f".join(parts).encode()).digest()[:16]


_LOCAL = threading.local()


class Streams:
    """The streams of one replication: a PCG64 generator per key, its state and increment
    the BLAKE2b hash of the replication's seed words and the key.

    One Generator object is re-seeded for each stream in turn (draw a stream whole before
    asking for the next): setting a state costs about a microsecond where building a
    Generator from a SeedSequence costs ten, and a small crossing's replication draws in
    about a hundred.
    """

    def __init__(self, seed: np.random.SeedSequence) -> None:
        self.base = seed.generate_state(4, np.uint64).tobytes()
        if not hasattr(_LOCAL, "rng"):  # one per thread: jobs may draw side by side
            _LOCAL.bits = np.random.PCG64(0)
            _LOCAL.rng = np.random.Generator(_LOCAL.bits)
        self.bits: np.random.PCG64 = _LOCAL.bits
        self.rng: np.random.Generator = _LOCAL.rng

    def at(self, key: bytes) -> np.random.Generator:
        """The generator, set to the start of the stream ``key``."""
        digest = hashlib.blake2b(self.base + key, digest_size=32).digest()
        self.bits.state = {"bit_generator": "PCG64", "has_uint32": 0, "uinteger": 0,
                           "state": {"state": int.from_bytes(digest[:16], "little"),
                                     "inc": int.from_bytes(digest[16:], "little") | 1}}
        return self.rng


def draw_inputs(model: CompiledScenario, seed: np.random.SeedSequence) -> ReplicationInputs:
    """Draw one replication's random inputs from the streams of ``seed`` (module doc)."""
    empty = np.empty(0, dtype=np.float64)
    streams = Streams(seed)
    times = [
        _draw_arrivals(streams.at(model.entry_keys[e]), model.rates[e], expected) if expected > 0.0 else empty
        for e, expected in enumerate(model.expected_per_entry)
    ]
    counts = [len(t) for t in times]
    n_groups = model.n_groups
    svc, refer_u, sec_svc = [], [], []
    for g in range(n_groups):
        possible = sum(counts[e] for e in model.entries_of_group[g])
        lo, hi = model.dist_values_ptr[g], model.dist_values_ptr[g + 1]
        svc.append(_draw_services(streams.at(model.group_keys[g]), possible, model.dist_code[g],
                                  model.dist_p1[g], model.dist_p2[g], model.dist_values[lo:hi])
                   if possible else empty)
        s = n_groups + g
        if model.dist_code[s] < 0 or not possible:
            refer_u.append(empty)
            sec_svc.append(empty)
            continue
        lo, hi = model.dist_values_ptr[s], model.dist_values_ptr[s + 1]
        u, sec = _draw_secondary(streams.at(model.secondary_keys[g]), possible, model.sec_prob[g],
                                 model.dist_code[s], model.dist_p1[s], model.dist_p2[s], model.dist_values[lo:hi])
        refer_u.append(u)
        sec_svc.append(sec)
    return ReplicationInputs(
        _join(times), _offsets(counts), _join(svc), _offsets([len(a) for a in svc]),
        _join(refer_u), _offsets([len(a) for a in refer_u]), _join(sec_svc), _offsets([len(a) for a in sec_svc]),
    )


def _join(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.float64)


@njit(cache=True, error_model="numpy")
def _draw_arrivals(rng, rates, expected):  # type: ignore[no-untyped-def]
    """An entry's arrival times: N ~ Poisson(expected), then N + 1 spacings."""
    n = rng.poisson(expected)
    spacings = np.empty(n + 1, dtype=np.float64)
    for i in range(n + 1):
        spacings[i] = rng.standard_exponential()
    return engine.arrival_times(rates, spacings)


@njit(cache=True, error_model="numpy")
def _draw_services(rng, n, code, p1, p2, values):  # type: ignore[no-untyped-def]
    """``n`` service times of one distribution."""
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        out[i] = draw_one(rng, code, p1, p2, values)
    return out


@njit(cache=True, error_model="numpy")
def _draw_secondary(rng, n, probability, code, p1, p2, values):  # type: ignore[no-untyped-def]
    """``n`` referral uniforms, then a secondary service time per referral."""
    u = np.empty(n, dtype=np.float64)
    referred = 0
    for i in range(n):
        u[i] = rng.random()
        if u[i] < probability:
            referred += 1
    sec = np.empty(referred, dtype=np.float64)
    for i in range(referred):
        sec[i] = draw_one(rng, code, p1, p2, values)
    return u, sec


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
    seed: np.random.SeedSequence,
    istats: np.ndarray,
    fstats: np.ndarray,
    hist: np.ndarray,
) -> None:
    """``run_replication(model, draw_inputs(model, seed), ...)`` without records."""
    run_replication(model, draw_inputs(model, seed), istats, fstats, hist, record=False)


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
