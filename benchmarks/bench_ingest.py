"""Ingest a year of 5-minute CBP feed snapshots (~80 crossings) and compare with parsing alone.

The snapshots replay the real 2022 ``bwtnew`` capture with shifted times (see
``feed_replay.py``). Printed: readings per second, the wall time, the ratio of the whole
ingest to parsing alone, rows stored against the rows expected (rows lost), and the
resident memory at checkpoints, to show it stays flat. Goal: the year in under
2 minutes on a 2-core machine, memory under 1 GB.

    python benchmarks/bench_ingest.py [--days 365] [--workers 2] [--parse-sample 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import feed_replay  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from borderflow.feeds.cbp_feed import parse_json  # noqa: E402
from borderflow.services.ingest import Ingestor  # noqa: E402
from borderflow.services.sources import Source  # noqa: E402
from borderflow.store.db import open_database  # noqa: E402
from borderflow.store.schema import observations, payloads  # noqa: E402
from borderflow.store.writes import STATE_CONTINUES  # noqa: E402

START = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--parse-sample", type=int, default=2000,
                        help="payloads parsed alone (spread over the year) to estimate parsing alone")
    parser.add_argument("--db", default=None, help="database URL (default: a new SQLite file)")
    args = parser.parse_args()

    count = args.days * 24 * 12
    workdir = tempfile.mkdtemp(prefix="bench-ingest-")
    url = args.db or f"sqlite:///{workdir}/archive.sqlite3"
    engine = open_database(url)
    lanes_timed = feed_replay.lane_count(json.loads(feed_replay.SAMPLE.read_text()))
    sources = (
        Source(f"replay#{k}", functools.partial(feed_replay.snapshot_bytes, k, START)) for k in range(count)
    )
    checkpoints = {int(count * f) for f in (0.01, 0.1, 0.25, 0.5, 0.75)} | {count}
    memory: list[tuple[int, float]] = []
    done = 0
    totals = {"read": 0, "stored": 0, "duplicates": 0, "conflicts": 0, "errors": 0}

    def progress(summary) -> None:  # type: ignore[no-untyped-def]
        nonlocal done
        done += 1
        for key in ("read", "stored", "duplicates", "conflicts"):
            totals[key] += getattr(summary, key)
        totals["errors"] += summary.error is not None
        if done in checkpoints:
            memory.append((done, rss_mb()))

    t0 = time.perf_counter()
    cpu0 = time.process_time()
    Ingestor(engine).ingest_sources(sources, "cbp-json", progress, workers=args.workers)
    ingest_seconds = time.perf_counter() - t0
    main_cpu = time.process_time() - cpu0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = kids.ru_utime + kids.ru_stime

    with engine.connect() as conn:
        stored_rows = conn.execute(select(func.count()).select_from(observations)).scalar_one()
        timed_rows = conn.execute(select(func.count()).select_from(observations)
                                  .where(observations.c.reported_time.is_not(None))).scalar_one()
        stored_payloads = conn.execute(select(func.count()).select_from(payloads)).scalar_one()

    # Parsing alone: the same payloads, parsed in full, one process; sampled over the year.
    sample = max(1, min(args.parse_sample, count))
    step = count / sample
    replay = feed_replay.Replay(START)
    parse_seconds = 0.0
    gen_readings = 0
    for i in range(sample):
        _, data = replay.at(int(i * step))
        t = time.perf_counter()
        parsed = parse_json(data)
        parse_seconds += time.perf_counter() - t
        gen_readings += len(parsed.observations)
    parse_alone_year = parse_seconds / sample * count

    hours = count // 12
    untimed = gen_readings // sample - lanes_timed
    # Every timed lane has one reading an hour. An untimed lane state (dated by its payload's
    # clock) is stored once, then again when a payload parsed in full shows it more than
    # STATE_CONTINUES after the stored one: a clock-only repeat is not parsed, so that is
    # between a day and a day plus an hour later.
    span = (count - 1) * dt.timedelta(minutes=5)
    per_state = (span // (STATE_CONTINUES + dt.timedelta(hours=1)) + 1, span // STATE_CONTINUES + 1)
    expected = lanes_timed * hours
    untimed_rows = stored_rows - timed_rows
    print(f"snapshots            {count:,} ({args.days} days x 288), {args.workers} worker process(es)")
    print(f"lane readings read   {totals['read']:,}")
    within = untimed * per_state[0] <= untimed_rows <= untimed * per_state[1]
    print(f"rows stored          {stored_rows:,}: timed {timed_rows:,} (expected {expected:,}: {lanes_timed} timed lanes"
          f" x {hours:,} hours; rows lost {max(0, expected - timed_rows):,}), untimed {untimed_rows:,} ({untimed} lane"
          f" states x {per_state[0]}-{per_state[1]}: {'as expected' if within else 'NOT AS EXPECTED'})")
    print(f"payloads kept        {stored_payloads:,}; errors {totals['errors']}, conflicts {totals['conflicts']}")
    print(f"ingest wall time     {ingest_seconds:,.1f} s  ({totals['read'] / ingest_seconds:,.0f} readings/s,"
          f" {count / ingest_seconds:,.0f} snapshots/s)")
    print(f"CPU time             main process {main_cpu:,.1f} s ({main_cpu / count * 1000:.2f} ms a snapshot), "
          f"workers {worker_cpu:,.1f} s ({worker_cpu / count * 1000:.2f} ms a snapshot); "
          f"on {os.cpu_count()} cores the wall time cannot go below "
          f"{max(main_cpu, (main_cpu + worker_cpu) / (os.cpu_count() or 1)):,.1f} s")
    print(f"parse alone          {parse_alone_year:,.1f} s for the same year in one process"
          f" (estimated from {sample:,} sampled snapshots, {parse_seconds / sample * 1000:.2f} ms each)")
    print(f"ratio ingest / parse alone  {ingest_seconds / parse_alone_year:.2f}")
    print("resident memory (main process) at checkpoints: "
          + ", ".join(f"{n:,}: {mb:.0f} MB" for n, mb in memory))
    print(f"peak memory          main {peak_mb(resource.RUSAGE_SELF):.0f} MB, largest worker {peak_mb(resource.RUSAGE_CHILDREN):.0f} MB")
    goal = "met" if ingest_seconds < 120 and args.days >= 365 else ("not met" if args.days >= 365 else "n/a (shorter run)")
    print(f"goal: a year in under 120 s -> {goal}")


if __name__ == "__main__":
    main()
