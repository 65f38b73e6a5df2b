"""Rolling-origin backtests: every model, the same origins, the same scored hours.

Protocol:

1. Every model is fitted **once**, on the hours before ``start`` (the training history).
   Nothing from ``start`` on reaches a fit, so nothing is tuned on the test period.
2. Origins are ``start``, ``start + every``, ... while ``origin + horizon`` hours ``<= end``,
   so every scored hour lies in ``[start, end)``.
3. At each origin each model forecasts the ``horizon`` coming hours using only the
   hours before the origin (models are not refitted; their features roll forward).
4. A (series, origin, horizon) point is scored when the target hour has a reading and
   every model gave a forecast; all models are scored on exactly the same points.
5. Metrics per model: ``mae_minutes``, ``rmse_minutes``, ``coverage_80`` and
   ``coverage_95`` (the share of actual waits inside the interval, 0-1; bounds
   inclusive), and the MAE per horizon (horizon 1 first). ``n_origins`` counts origins
   that scored at least one point.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from borderflow.errors import BadInputError
from borderflow.forecast.models import Forecaster, origins_frame
from borderflow.forecast.series import HOUR, SeriesInfo


def _whole_hour(value: pd.Timestamp | str, label: str) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    if stamp != stamp.floor("h"):
        raise BadInputError(f"{label} must be a whole hour; got {stamp.isoformat()}")
    return stamp


def rolling_origins(start: pd.Timestamp, end: pd.Timestamp, horizon: int, every: int) -> pd.DatetimeIndex:
    """Origins ``start + i * every`` hours whose ``horizon`` hours end by ``end``."""
    if every < 1:
        raise BadInputError(f"every must be a whole number of hours >= 1; got {every}")
    if horizon < 1:
        raise BadInputError(f"horizon must be a whole number of hours >= 1; got {horizon}")
    last = end - horizon * HOUR
    if last < start:
        raise BadInputError(
            f"no origin fits: from {start.isoformat()} to {end.isoformat()} is shorter than the "
            f"horizon of {horizon} hours; widen the window or shorten the horizon")
    return pd.date_range(start, last, freq=f"{every}h", tz="UTC")


@dataclass
class BacktestReport:
    """Results of :func:`backtest`; :meth:`as_dict` is the CLI's JSON."""

    start: pd.Timestamp
    end: pd.Timestamp
    horizon: int
    every: int
    default_model: str
    metrics: dict[str, dict[str, float | int | None]]
    mae_by_horizon: dict[str, list[float | None]]
    n_origins: int
    n_points: int
    fit_seconds: dict[str, float]
    predict_seconds: dict[str, float]
    series: list[str]
    points: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(), "end": self.end.isoformat(),
            "horizon": self.horizon, "every": self.every, "series": self.series,
            "default_model": self.default_model, "models": list(self.metrics),
            "n_origins": self.n_origins, "n_points": self.n_points,
            "metrics": self.metrics, "mae_by_horizon": self.mae_by_horizon,
            "seconds": {"fit": self.fit_seconds, "predict": self.predict_seconds},
        }


def _metrics(frame: pd.DataFrame, horizon: int) -> tuple[dict[str, float | int | None], list[float | None]]:
    err = frame["point"] - frame["y"]
    out: dict[str, float | int | None] = {
        "mae_minutes": float(err.abs().mean()),
        "rmse_minutes": float(np.sqrt((err ** 2).mean())),
        "coverage_80": float(((frame["y"] >= frame["lo_80"]) & (frame["y"] <= frame["hi_80"])).mean()),
        "coverage_95": float(((frame["y"] >= frame["lo_95"]) & (frame["y"] <= frame["hi_95"])).mean()),
        "mean_width_80_minutes": float((frame["hi_80"] - frame["lo_80"]).mean()),
        "n_points": len(frame),
    }
    by_h = err.abs().groupby(frame["horizon"]).mean()
    return out, [float(by_h[k]) if k in by_h.index else None for k in range(1, horizon + 1)]


def backtest(history: pd.DataFrame, models: Sequence[Forecaster], start: pd.Timestamp | str,
             end: pd.Timestamp | str, *, horizon: int = 24, every: int = 24,
             info: Mapping[str, SeriesInfo] | None = None, default_model: str = "gbm") -> BacktestReport:
    """Run the protocol of the module docstring on a long hourly frame (``unique_id``,
    ``ds``, ``y``[, ``lanes_open``]) for every series in it that has readings before ``start``."""
    start_ts, end_ts = _whole_hour(start, "start"), _whole_hour(end, "end")
    if start_ts >= end_ts:
        raise BadInputError(f"start {start_ts.isoformat()} must be before end {end_ts.isoformat()}")
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise BadInputError(f"model names must differ; got {names}")
    origins = rolling_origins(start_ts, end_ts, horizon, every)
    ds = pd.to_datetime(history["ds"], utc=True)
    history = history.assign(ds=ds)
    train = history[(ds < start_ts) & history["y"].notna()]
    series = sorted(train["unique_id"].astype(str).unique())
    if not series:
        raise BadInputError(f"no readings before start {start_ts.isoformat()}: nothing to train on")
    known = history[ds < end_ts]
    fit_seconds: dict[str, float] = {}
    predict_seconds: dict[str, float] = {}
    forecasts = []
    for model in models:
        t0 = time.perf_counter()
        model.fit(train, info)
        fit_seconds[model.name] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        frame = model.predict(known, origins_frame(series, origins), horizon, info)
        predict_seconds[model.name] = round(time.perf_counter() - t0, 3)
        forecasts.append(frame.assign(model=model.name))
    actual = known[["unique_id", "ds", "y"]].dropna(subset=["y"])
    scored = pd.concat(forecasts, ignore_index=True).merge(actual, on=["unique_id", "ds"], how="inner")
    key = ["unique_id", "origin", "horizon"]
    scored = scored[scored["point"].notna()]
    complete = scored.groupby(key)["model"].transform("nunique") == len(models)
    scored = scored[complete]
    if scored.empty:
        raise BadInputError("no forecast hour between start and end has a reading; nothing to score")
    metrics, by_horizon = {}, {}
    for name in names:
        metrics[name], by_horizon[name] = _metrics(scored[scored["model"] == name], horizon)
    first = scored[scored["model"] == names[0]]
    return BacktestReport(
        start=start_ts, end=end_ts, horizon=horizon, every=every, default_model=default_model,
        metrics=metrics, mae_by_horizon=by_horizon,
        n_origins=int(first[["unique_id", "origin"]].drop_duplicates().shape[0]),
        n_points=len(first), fit_seconds=fit_seconds, predict_seconds=predict_seconds,
        series=series, points=scored.reset_index(drop=True),
    )
