"""Forecast accuracy on real data, through the archive: the default model against both
baselines, with interval coverage and the time to ingest, train and backtest.

1. **Cascade, Peace Arch southbound cars** (hourly loop-detector delays 2013-01 .. 2018-08):
   the CSV is ingested into a fresh SQLite archive with ``borderflow``'s own ingest; the
   models are fitted on everything before 2017-07-01 (local time) and scored with rolling
   origins over the following year, 2017-07-01 .. 2018-07-01. ``--refit-every HOURS``
   refits every model (baselines too) on all the readings before each refit, as a scheduled
   ``borderflow forecast train`` would; by default each model is fitted once.
2. **Brownsville CBP RSS readings** (four crossings, 2026-08-11 .. 2026-08-22): the 424 RSS
   snapshots are ingested; every lane with >= 72 hours of readings before the split is
   backtested at once (one default model across all lanes), trained on the week before
   2026-08-19 (local) and scored on what follows; then B&M passenger/standard alone.

Nothing here is tuned on the test periods: the settings are GBMParams' defaults, chosen on
the Cascade training years only (``benchmarks/validate_forecast.py``; see docs/forecasting.md).

Usage: ``python benchmarks/bench_forecast.py [--every HOURS] [--refit-every HOURS]
[--skip-brownsville] [--json FILE]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CASCADE_CSV = ROOT / "tests" / "data" / "cascade" / "peace-arch-south-cars-hourly-2013-01_2018-08.csv"
RSS_DIR = ROOT / "tests" / "data" / "cbp-rss-brownsville" / "snapshots"
BASELINES = ("seasonal_naive", "historical_average")
GOAL_RATIO = 0.8
COVERAGE_TOLERANCE = 0.05


def _archive(tmp: Path, name: str, sources: list[str]) -> tuple[Any, float]:
    from borderflow.services.ingest import ingest
    from borderflow.store.catalog import seed_catalog
    from borderflow.store.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp / name}")
    migrate(engine)
    seed_catalog(engine)
    t0 = time.perf_counter()
    summary = ingest(engine, sources, None, lambda _f: None)
    seconds = time.perf_counter() - t0
    print(f"  ingested {summary.total('stored')} readings from {len(summary.files)} file(s) "
          f"in {seconds:.1f} s", file=sys.stderr)
    return engine, seconds


def _report(title: str, result: dict[str, Any], seconds: float) -> dict[str, Any]:
    metrics, by_h = result["metrics"], result["mae_by_horizon"]
    default = result["default_model"]
    print(f"\n## {title}")
    print(f"origins: {result['n_origins']} (every {result['every']} h), scored hours: {result['n_points']}, "
          f"lanes: {len(result['series'])}")
    print(f"{'model':<20}{'MAE min':>9}{'RMSE min':>10}{'cover 80%':>11}{'cover 95%':>11}{'fit s':>8}{'predict s':>11}")
    for name, m in metrics.items():
        print(f"{name:<20}{m['mae_minutes']:>9.3f}{m['rmse_minutes']:>10.3f}{m['coverage_80']:>11.3f}"
              f"{m['coverage_95']:>11.3f}{result['seconds']['fit'][name]:>8.1f}{result['seconds']['predict'][name]:>11.2f}")
    best_baseline = np.minimum(*(np.array(by_h[b], dtype=float) for b in BASELINES))
    mine = np.array(by_h[default], dtype=float)
    ratio = mine / best_baseline
    print(f"\n{'h':>3}{'seasonal_naive':>16}{'historical_avg':>16}{default:>9}{'ratio':>8}")
    for k in range(len(mine)):
        print(f"{k + 1:>3}{by_h['seasonal_naive'][k]:>16.3f}{by_h['historical_average'][k]:>16.3f}"
              f"{mine[k]:>9.3f}{ratio[k]:>8.3f}")
    beats_all = bool(np.all(mine < np.array(by_h["seasonal_naive"])) and np.all(mine < np.array(by_h["historical_average"])))
    cov = metrics[default]
    summary = {
        "beats_both_baselines_at_every_horizon": beats_all,
        "mean_ratio_to_better_baseline": float(ratio.mean()),
        "ratio_of_mean_mae": float(mine.mean() / best_baseline.mean()),
        "coverage_80_within_5_points": abs(cov["coverage_80"] - 0.80) <= COVERAGE_TOLERANCE,
        "coverage_95_within_5_points": abs(cov["coverage_95"] - 0.95) <= COVERAGE_TOLERANCE,
        "goal_ratio_met": float(ratio.mean()) <= GOAL_RATIO,
        "backtest_seconds": round(seconds, 1),
    }
    print(f"\n{default} beats both baselines at every horizon 1-{len(mine)}: {beats_all}")
    print(f"MAE ratio to the better baseline, mean over horizons: {summary['mean_ratio_to_better_baseline']:.3f} "
          f"(goal <= {GOAL_RATIO}: {'met' if summary['goal_ratio_met'] else 'NOT met'})")
    print(f"coverage 80%: {cov['coverage_80']:.3f}, 95%: {cov['coverage_95']:.3f} "
          f"(within 5 points: {summary['coverage_80_within_5_points'] and summary['coverage_95_within_5_points']})")
    fits = f" ({result['n_fits']} fits)" if result.get("refit_every") else ""
    print(f"time: fit {default} {result['seconds']['fit'][default]:.1f} s{fits}, whole backtest {seconds:.1f} s")
    return summary


def cascade(tmp: Path, every: int, refit_every: int | None) -> dict[str, Any]:
    from borderflow.feeds.cascade import SITES
    from borderflow.services.forecasting import backtest_lane

    crossing = SITES["peace arch"][0]
    engine, ingest_s = _archive(tmp, "cascade.sqlite3", [str(CASCADE_CSV)])
    t0 = time.perf_counter()
    result = backtest_lane(engine, crossing, "passenger", "standard", "2017-07-01", "2018-07-01",
                           horizon=24, every=every, source="cascade", refit_every=refit_every)
    seconds = time.perf_counter() - t0
    refits = f"refit every {refit_every} h" if refit_every else "fitted once"
    summary = _report(f"Cascade Peace Arch (crossing {crossing}) passenger/standard: train 2013-01-01 .. "
                      f"2017-06-30, test 2017-07-01 .. 2018-06-30 ({refits})", result, seconds)
    return {"ingest_seconds": round(ingest_s, 1), "summary": summary, "result": result}


def brownsville(tmp: Path) -> dict[str, Any]:
    from borderflow.services.forecasting import (
        archive_lanes,
        backtest_lane,
        backtest_lanes,
        lane_history,
    )

    engine, ingest_s = _archive(tmp, "brownsville.sqlite3", [str(RSS_DIR)])
    lanes = []
    for lane in archive_lanes(engine, ["535501", "535502", "535503", "535504"], source="cbp-rss"):
        hist = lane_history(engine, lane[0], lane[1], lane[2], direction=lane[3])
        if hist["y"].notna().sum() >= 72:
            lanes.append(lane)
    t0 = time.perf_counter()
    pooled = backtest_lanes(engine, lanes, "2026-08-19", "2026-08-23", horizon=24, every=1)
    pooled_s = time.perf_counter() - t0
    out = {"ingest_seconds": round(ingest_s, 1),
           "pooled": {"summary": _report(f"Brownsville RSS, {len(lanes)} lanes of 535501-535504 pooled: train "
                                         "2026-08-11 .. 08-18, test 2026-08-19 .. 08-22", pooled, pooled_s),
                      "result": pooled}}
    t0 = time.perf_counter()
    single = backtest_lane(engine, "535501", "passenger", "standard", "2026-08-19", "2026-08-23", horizon=24, every=1)
    out["bm_passenger"] = {"summary": _report("Brownsville B&M (535501) passenger/standard alone",
                                              single, time.perf_counter() - t0), "result": single}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=int, default=1, help="Hours between Cascade origins (default 1).")
    parser.add_argument("--refit-every", type=int, default=None,
                        help="Refit the Cascade models every this many hours (default: fit once).")
    parser.add_argument("--skip-brownsville", action="store_true")
    parser.add_argument("--json", type=Path, help="Also write every number to this file.")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["cascade"] = cascade(Path(tmp), args.every, args.refit_every)
        if not args.skip_brownsville:
            results["brownsville"] = brownsville(Path(tmp))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
