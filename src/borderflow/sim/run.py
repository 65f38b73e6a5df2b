"""Run a scenario: replications spread over a process pool, results gathered in order.

Replication ``r`` draws its randomness from child ``r`` of
``numpy.random.SeedSequence(seed).spawn(replications)``; chunks of replications are
run by workers and put back in replication order, and histograms are integer counts,
so the numbers do not depend on the machine's core count or on ``workers``.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from borderflow.errors import BadInputError
from borderflow.sim import engine
from borderflow.sim.replication import (
    CompiledScenario,
    compile_scenario,
    draw_and_run,
    draw_inputs,
    new_statistics,
    run_replication,
    vehicle_columns,
)
from borderflow.sim.results import EngineInfo, SimulationResult, VehicleRecords
from borderflow.sim.scenario import (
    MAX_BOOTHS,
    MAX_CV,
    MAX_RATE_PER_HOUR,
    MAX_SERVICE_SECONDS,
    Scenario,
    load_scenario,
)
from borderflow.sim.statistics import summarize

#: Below this many expected vehicles in all, ``workers=None`` runs in this process
#: (starting a pool would cost more than it saves).
IN_PROCESS_VEHICLES = 300_000
#: Chunks per worker, to even out the load.
CHUNKS_PER_WORKER = 4


@dataclass(frozen=True)
class _Chunk:
    istats: np.ndarray
    fstats: np.ndarray
    hist: np.ndarray
    records: dict[str, np.ndarray] | None


#: Most vehicles one replication may expect: its arrivals are drawn and held at once
#: (150 million took about 1 GB).
MAX_VEHICLES_PER_REPLICATION = 200_000_000


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    records: bool = False,
) -> SimulationResult:
    """Simulate ``scenario``; ``replications`` and ``seed`` override the scenario's.

    ``workers``: processes to use (None: one per core when the run is large enough to
    gain from it). ``records``: also return every vehicle's times as arrays.
    """
    scenario = scenario.with_run_options(replications, seed)
    _within_bounds(scenario)
    expected = scenario.expected_vehicles()
    if expected > MAX_VEHICLES_PER_REPLICATION:
        raise BadInputError(
            f"scenario {scenario.name!r} expects about {expected:,.0f} vehicles in one replication; at most "
            f"{MAX_VEHICLES_PER_REPLICATION:,} fit in memory (a replication's arrivals are held at once): "
            "lower the demand or simulate fewer hours")
    n_workers = _resolve_workers(scenario, workers)
    model = compile_scenario(scenario)
    reps = scenario.replications
    seeds = np.random.SeedSequence(scenario.seed).spawn(reps)
    warm_up()  # load the compiled engine before the clock starts (and before forking)
    started = time.perf_counter()
    n_chunks = 1 if n_workers == 1 else min(reps, n_workers * CHUNKS_PER_WORKER)
    bounds = np.linspace(0, reps, n_chunks + 1).round().astype(int)
    jobs = [
        (int(bounds[k]), seeds[bounds[k] : bounds[k + 1]])
        for k in range(n_chunks)
        if bounds[k] < bounds[k + 1]
    ]
    if n_workers == 1:
        chunks = [_run_chunk(model, first, chunk_seeds, records) for first, chunk_seeds in jobs]
    else:
        with ProcessPoolExecutor(max_workers=n_workers) as pool:
            futures = [
                pool.submit(_run_chunk, model, first, chunk_seeds, records)
                for first, chunk_seeds in jobs
            ]
            chunks = [f.result() for f in futures]
    istats = np.concatenate([c.istats for c in chunks])
    fstats = np.concatenate([c.fstats for c in chunks])
    hist = chunks[0].hist
    for c in chunks[1:]:
        hist += c.hist
    lane_groups = summarize(scenario, istats, fstats, hist)
    seconds = time.perf_counter() - started
    vehicle_records = _join_records(model, [c.records for c in chunks]) if records else None
    return SimulationResult(
        scenario=scenario.name,
        hours=scenario.hours,
        replications=reps,
        seed=scenario.seed,
        lane_groups=lane_groups,
        engine=EngineInfo(
            vehicles=int(istats[:, engine.ARRIVALS].sum()),
            seconds=seconds,
            replications=reps,
            workers=n_workers,
        ),
        records=vehicle_records,
        clock=scenario.clock,
    )


def _within_bounds(scenario: Scenario) -> None:
    """The scenario's numbers within the bounds a scenario file is checked against (one made
    by code may not have been): the compiled engine trusts them, and a time of 1e300 seconds
    would overflow its integer arithmetic and take the process down."""
    services = [(g.id, g.service) for g in scenario.lane_groups]
    services += [(f"{g.id}.secondary", g.secondary.service) for g in scenario.lane_groups if g.secondary]
    for where, service in services:
        longest = max((service.mean_seconds, *service.values_seconds))
        if not (0 < service.mean_seconds and longest <= MAX_SERVICE_SECONDS and 0 <= service.cv <= MAX_CV):
            raise BadInputError(f"lane group {where}: service times must be at most {MAX_SERVICE_SECONDS:,.0f} s "
                                f"(a day) with cv at most {MAX_CV:g}; got mean {service.mean_seconds:g} s, "
                                f"longest {longest:g} s, cv {service.cv:g}")
    for g in scenario.lane_groups:
        if max(g.booths, default=0) > MAX_BOOTHS or (g.secondary and g.secondary.spaces > MAX_BOOTHS):
            raise BadInputError(f"lane group {g.id}: at most {MAX_BOOTHS:,} booths or secondary spaces")
    for d in scenario.demand:
        if not all(0 <= r <= MAX_RATE_PER_HOUR for r in d.per_hour):  # NaN fails too
            raise BadInputError(f"demand to {', '.join(d.to)}: rates must be from 0 to "
                                f"{MAX_RATE_PER_HOUR:,.0f} vehicles an hour")


def warm_up() -> None:
    """Load (or compile, the first time on a machine) the engine in this process, so
    that forked workers inherit it compiled."""
    global _WARM
    if _WARM:
        return
    model = compile_scenario(_WARM_UP_SCENARIO)
    inputs = draw_inputs(model, np.random.SeedSequence(0))
    istats, fstats, hist = new_statistics(model, 1)
    run_replication(model, inputs, istats[0], fstats[0], hist, record=True)
    istats, fstats, hist = new_statistics(model, 1)
    draw_and_run(model, np.random.SeedSequence(0), istats[0], fstats[0], hist)
    _WARM = True


_WARM = False
_WARM_UP_SCENARIO = load_scenario(
    {
        "name": "warm-up",
        "hours": 1,
        "seed": 0,
        "replications": 1,
        "lane_groups": {
            "g": {
                "mode": "passenger",
                "program": "standard",
                "booths": 1,
                "service": {"dist": "exponential", "mean_seconds": 60},
                "secondary": {"probability": 0.5, "spaces": 1,
                              "service": {"dist": "exponential", "mean_seconds": 60}},
            }
        },
        "demand": [{"to": "g", "per_hour": 5}],
    }
)


def _run_chunk(
    model: CompiledScenario, first: int, seeds: list[np.random.SeedSequence], record: bool
) -> _Chunk:
    istats, fstats, hist = new_statistics(model, len(seeds))
    columns: list[dict[str, np.ndarray]] = []
    for r, seed_seq in enumerate(seeds):
        if not record:
            draw_and_run(model, seed_seq, istats[r], fstats[r], hist)
            continue
        inputs = draw_inputs(model, seed_seq)
        out = run_replication(model, inputs, istats[r], fstats[r], hist, record)
        columns.append(vehicle_columns(model, inputs, out, first + r))
    merged = None
    if record:
        merged = {k: np.concatenate([c[k] for c in columns]) for k in columns[0]}
    return _Chunk(istats, fstats, hist, merged)


def _join_records(
    model: CompiledScenario, parts: list[dict[str, np.ndarray] | None]
) -> VehicleRecords:
    present = [p for p in parts if p is not None]
    cols = {k: np.concatenate([p[k] for p in present]) for k in present[0]}
    return VehicleRecords(
        group_ids=model.group_ids,
        replication=cols["replication"],
        group=cols["group"],
        entry=cols["entry"],
        booth=cols["booth"],
        arrival_seconds=cols["arrival_seconds"],
        start_seconds=cols["start_seconds"],
        end_seconds=cols["end_seconds"],
        referred=cols["referred"],
        secondary_start_seconds=cols["secondary_start_seconds"],
        secondary_end_seconds=cols["secondary_end_seconds"],
    )


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _resolve_workers(scenario: Scenario, workers: int | None) -> int:
    if workers is not None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise BadInputError(f"workers must be a whole number >= 1; got {workers!r}")
        return min(workers, scenario.replications)
    expected = scenario.expected_vehicles() * scenario.replications
    if scenario.replications == 1 or expected < IN_PROCESS_VEHICLES:
        return 1
    return max(1, min(available_cores(), scenario.replications))
