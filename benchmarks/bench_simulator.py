"""Simulator benchmark: BorderFlow against the SimPy reference, then a year of traffic.

    python benchmarks/bench_simulator.py            # everything (about a minute)
    python benchmarks/bench_simulator.py --quick    # fewer replications

1. The same scenarios run by BorderFlow (one core, ``workers=1``, the whole
   ``simulate()`` call: drawing inputs, engine, statistics) and by the SimPy reference
   of ``tests/sim/simpy_reference.py`` (only its event loop is timed, on inputs drawn
   beforehand); vehicles per second for each and the ratio.
2. A year of San Ysidro-like traffic (``examples/scenarios/san_ysidro_day.yaml``, 365
   replications of a day, about 25.8 million vehicles and pedestrians) on every core,
   in a fresh process, with its peak memory (the process and its workers).
3. The same year as one 8760-hour replication (one core), with its peak memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
try:
    import borderflow  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(0, str(ROOT / "src"))

import numpy as np
from tests.sim.simpy_reference import inputs_from_engine, run_reference

from borderflow.sim import load_scenario, simulate
from borderflow.sim.replication import compile_scenario, draw_inputs
from borderflow.sim.run import available_cores, warm_up
from borderflow.sim.scenario import Demand, Scenario

EXAMPLES = ROOT / "examples" / "scenarios"
SAN_YSIDRO = EXAMPLES / "san_ysidro_day.yaml"
#: The simulator's examples (docs/simulator.md); other work may add more to the folder.
EXAMPLE_NAMES = (
    "commercial_fast.yaml",
    "mmc_check.yaml",
    "san_ysidro_day.yaml",
    "small_crossing.json",
)


def comparison_scenarios() -> list[tuple[str, Scenario]]:
    out = [(name, load_scenario(EXAMPLES / name)) for name in EXAMPLE_NAMES]
    heavy = load_scenario(
        {
            "name": "one lane group, 40 booths, 90 % busy",
            "hours": 24,
            "seed": 3,
            "replications": 20,
            "lane_groups": {
                "g": {
                    "mode": "passenger",
                    "program": "standard",
                    "booths": 40,
                    "service": {"dist": "lognormal", "mean_seconds": 60, "cv": 0.6},
                }
            },
            "demand": [{"to": "g", "per_hour": 2160}],
        }
    )
    out.append(("one_group_40_booths", heavy))
    return out


def time_borderflow(scenario: Scenario, reps: int) -> tuple[int, float]:
    started = time.process_time()
    res = simulate(scenario, replications=reps, workers=1)
    return res.engine.vehicles, time.process_time() - started


def time_simpy(scenario: Scenario, reps: int) -> tuple[int, float]:
    model = compile_scenario(scenario)
    seeds = np.random.SeedSequence(scenario.seed).spawn(reps)
    vehicles, seconds = 0, 0.0
    for seed_seq in seeds:
        inputs = inputs_from_engine(model, draw_inputs(model, seed_seq))
        started = time.process_time()
        vehicles += len(run_reference(scenario, inputs))
        seconds += time.process_time() - started
    return vehicles, seconds


def compare(quick: bool) -> None:
    warm_up()
    print("BorderFlow (1 core, whole simulate()) vs SimPy reference (event loop only),")
    print("vehicles per CPU-second of this process (steady under other load on the machine)")
    header = f"{'scenario':<28} {'BorderFlow veh/s':>17} {'SimPy veh/s':>12} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    ratios = []
    for name, s in comparison_scenarios():
        expected = max(1.0, s.expected_vehicles())
        reps_bf = max(2, int(2_000_000 / expected)) if not quick else 2
        reps_sp = max(1, min(5, int(60_000 / expected)))
        n_bf, t_bf = time_borderflow(s, reps_bf)
        n_sp, t_sp = time_simpy(s, reps_sp)
        ratio = (n_bf / t_bf) / (n_sp / t_sp)
        ratios.append(ratio)
        print(f"{name:<28} {n_bf / t_bf:>17,.0f} {n_sp / t_sp:>12,.0f} {ratio:>6.0f}x")
    geo = float(np.exp(np.mean(np.log(ratios))))
    print(f"{'geometric mean ratio':<28} {'':>17} {'':>12} {geo:>6.0f}x   (goal >= 100x)")


def year_scenario(kind: str) -> Scenario:
    day = load_scenario(SAN_YSIDRO)
    if kind == "replications":
        return day.with_run_options(replications=365)
    groups = tuple(replace(g, booths=g.booths * 365) for g in day.lane_groups)
    demand = tuple(Demand(d.to, d.per_hour * 365) for d in day.demand)
    return replace(day, hours=24 * 365, replications=1, lane_groups=groups, demand=demand)


def run_year(kind: str) -> None:
    """Child-process body: simulate the year and print one JSON line."""
    warm_up()
    s = year_scenario(kind)
    workers = available_cores() if kind == "replications" else 1
    started = time.perf_counter()
    res = simulate(s, workers=workers)
    seconds = time.perf_counter() - started
    usage_self = resource.getrusage(resource.RUSAGE_SELF)
    usage_kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = usage_self.ru_maxrss / 1024
    kids = usage_kids.ru_maxrss / 1024
    cpu = usage_self.ru_utime + usage_self.ru_stime + usage_kids.ru_utime + usage_kids.ru_stime
    print(
        json.dumps(
            {
                "vehicles": res.engine.vehicles,
                "seconds": seconds,
                "workers": res.engine.workers,
                "peak_mib_main": own,
                "peak_mib_largest_worker": kids,
                "cpu_seconds": cpu,
            }
        )
    )


def year(kind: str, label: str, goal: str) -> None:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--year-child", kind],
        capture_output=True,
        text=True,
        check=True,
    )
    process_seconds = time.perf_counter() - started
    r = json.loads(out.stdout.strip().splitlines()[-1])
    # workers are forked children: main + each worker's peak bounds the total from above
    workers = r["workers"] if r["peak_mib_largest_worker"] > 0 else 0
    peak_total = r["peak_mib_main"] + r["peak_mib_largest_worker"] * workers
    print(f"{label} ({goal}):")
    print(
        f"  {r['vehicles']:,} vehicles in {r['seconds']:.2f} s on {r['workers']} worker(s) "
        f"= {r['vehicles'] / r['seconds']:,.0f} veh/s "
        f"({process_seconds:.2f} s for the whole process, Python and numba start-up included;"
        f" {r['cpu_seconds']:.2f} CPU-seconds in all, start-up included)"
    )
    print(
        f"  peak memory: {r['peak_mib_main']:.0f} MiB main process, "
        f"{r['peak_mib_largest_worker']:.0f} MiB largest worker, <= {peak_total:.0f} MiB in all"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer replications")
    parser.add_argument("--year-child", choices=("replications", "horizon"), help=argparse.SUPPRESS)
    parser.add_argument("--skip-horizon", action="store_true", help="skip the 8760-hour run")
    args = parser.parse_args()
    if args.year_child:
        run_year(args.year_child)
        return
    compare(args.quick)
    print()
    print(f"cores available: {available_cores()}")
    year(
        "replications",
        "Year, 365 replications of a San Ysidro-like day",
        "goal: < 10 s, < 2048 MiB",
    )
    if not args.skip_horizon:
        year(
            "horizon",
            "Year as one 8760-hour replication",
            "one replication runs on one core; goal: < 2048 MiB",
        )


if __name__ == "__main__":
    main()
