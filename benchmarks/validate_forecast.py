"""Validation folds for the default model: the Cascade training years only.

Every design and setting of the default model is chosen on these folds, never on the test
year of ``bench_forecast.py`` (2017-07-01 .. 2018-07-01). Each fold trains on the Peace
Arch readings before its start and scores the following year, all inside the training
period of the benchmark:

* ``2015``: trained before 2015-07-01, scored 2015-07-01 .. 2016-07-01 (a year whose waits
  fell well below the two before it);
* ``2016``: trained before 2016-07-01, scored 2016-07-01 .. 2017-07-01.

The readings go through the archive as in the benchmark (whole minutes); only readings
before a fold's end are read. Each fold prints the same table as the benchmark.

Usage: ``python benchmarks/validate_forecast.py [--every HOURS] [--refit-every HOURS]
[--fold 2015 --fold 2016] [--json FILE]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_forecast import CASCADE_CSV, _archive, _report

FOLDS: dict[str, tuple[str, str]] = {
    "2015": ("2015-07-01", "2016-07-01"),
    "2016": ("2016-07-01", "2017-07-01"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=int, default=1, help="Hours between origins (default 1).")
    parser.add_argument("--refit-every", type=int, default=None,
                        help="Refit every model every this many hours (default: fit once, as the benchmark).")
    parser.add_argument("--fold", action="append", choices=sorted(FOLDS), help="Folds to run (default all).")
    parser.add_argument("--json", type=Path, help="Also write every number to this file.")
    args = parser.parse_args()

    from borderflow.feeds.cascade import SITES
    from borderflow.services.forecasting import backtest_lane

    crossing = SITES["peace arch"][0]
    refit = args.refit_every
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        engine, _ = _archive(Path(tmp), "cascade.sqlite3", [str(CASCADE_CSV)])
        for name in args.fold or sorted(FOLDS):
            start, end = FOLDS[name]
            t0 = time.perf_counter()
            result = backtest_lane(engine, crossing, "passenger", "standard", start, end, horizon=24,
                                   every=args.every, source="cascade", refit_every=refit)
            seconds = time.perf_counter() - t0
            refits = f"refit every {refit} h" if refit else "fitted once"
            title = f"Validation fold {name}: Peace Arch passenger/standard, trained before {start}, scored {start} .. {end} ({refits})"
            results[name] = {"summary": _report(title, result, seconds), "result": result}
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
