"""What computing in a process of its own costs a small web request: staffing and appraisal.

Times, in turns of ten requests and in one process, a small staffing plan (four hours, 680 vehicles, 4
replications) and a small appraisal (that day as base and alternative, 1 replication)
computed as the web computed them before — in a worker thread of the server — and as it
computes them now: :func:`borderflow.services.isolation.call`, a child of the fork server
(started, and both paths warmed, before timing). Prints the median and quartiles of each
in milliseconds, the milliseconds a process adds, and their ratio. The answers are
checked equal. Not run in CI: ``python benchmarks/bench_isolation.py [--rounds 30]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from borderflow.planning.appraisal import Alternative, AppraisalOptions, appraise
from borderflow.services import isolation
from borderflow.sim import load_scenario
from borderflow.staffing import StaffingRequest, plan_staffing

DAY = load_scenario({
    "name": "burst", "hours": 4, "seed": 3,
    "lane_groups": {"lane": {"mode": "passenger", "program": "standard", "booths": 12,
                             "service": {"dist": "exponential", "mean_seconds": 60}}},
    "demand": [{"to": "lane", "per_hour": [600, 20, 20, 20]}],
})
#: Requests timed one way before the other way's turn.
BLOCK = 10
CASES: dict[str, tuple[Callable[..., Any], tuple[Any, ...], Callable[[Any], Any]]] = {
    "staffing": (plan_staffing, (DAY, StaffingRequest(target_p95_minutes=5, replications=4)),
                 lambda plan: {**plan.to_json_dict(), "search": None}),
    "appraisal": (appraise, (DAY, [Alternative(DAY)], None,
                             AppraisalOptions(replications=1, passengers_per_vehicle=1.5, workers=1)),
                  lambda result: result.to_json_dict()),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
    threads = ThreadPoolExecutor(1)
    ways: dict[str, Callable[..., Any]] = {
        "thread": lambda fn, *args: threads.submit(fn, *args).result(),
        "process": isolation.call,
    }
    for name, (fn, args, answer) in CASES.items():
        answers = {way: answer(run(fn, *args)) for way, run in ways.items()}  # warm both; start the fork server
        assert answers["thread"] == answers["process"], f"{name}: the answers differ"
        times: dict[str, list[float]] = {way: [] for way in ways}
        # in blocks, not request by request: after a computation here, OpenBLAS's threads
        # spin for a while, and on a small machine that slows a child computing just then
        for _ in range(max(1, rounds // BLOCK)):
            for way, run in ways.items():
                for _ in range(BLOCK):
                    started = time.perf_counter()
                    run(fn, *args)
                    times[way].append(1000 * (time.perf_counter() - started))
        q = {way: statistics.quantiles(values, n=4) for way, values in times.items()}
        for way in ways:
            print(f"{name:9s} {way:7s} median {q[way][1]:7.1f} ms  (quartiles {q[way][0]:.1f}-{q[way][2]:.1f})")
        added = q["process"][1] - q["thread"][1]
        print(f"{name:9s} a process adds {added:.1f} ms a request: {q['process'][1] / q['thread'][1]:.2f} x")
    threads.shutdown()


if __name__ == "__main__":
    main()
