"""Rolling-origin backtests: every model, the same origins, the same scored hours.

Protocol:

1. Every model is fitted on the hours before ``start`` (the training history). With
   ``refit_every`` (hours) every model is fitted again at ``start + refit_every``,
   ``start + 2 * refit_every``, ..., each time on all the hours before that time, as a
   scheduled ``forecast train`` job would; without it the first fit serves the whole test
   period. A fit never sees an hour at or after the first origin it forecasts from.
2. Origins are ``start``, ``start + every``, ... while ``origin + horizon`` hours ``<= end``,
   so every scored hour lies in ``[start, end)``.
3. At each origin each model forecasts the ``horizon`` coming hours using only the
   hours before the origin, with its latest fit made at or before the origin (between
   fits the features roll forward).
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
    refit_every: int | None = None
    fit_times: list[pd.Timestamp] = field(default_factory=list)
    points: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(), "end": self.end.isoformat(),
            "horizon": self.horizon, "every": self.every, "series": self.series,
            "refit_every": self.refit_every, "n_fits": len(self.fit_times),
            "default_model": self.default_model, "models": list(self.metrics),
            "n_origins": self.n_origins, "n_points": self.n_points,
            "metrics": self.metrics, "mae_by_horizon": self.mae_by_horizon,
            "seconds": {"fit": self.fit_seconds, "predict": self.predict_seconds},
        }


def fit_schedule(start: pd.Timestamp, origins: pd.DatetimeIndex,
                 refit_every: int | None) -> list[tuple[pd.Timestamp, pd.DatetimeIndex]]:
    """(fit time, the origins that fit serves) pairs: fits at ``start + i * refit_every``
    hours, each serving the origins from its own time up to the next fit's."""
    if refit_every is None:
        return [(start, origins)]
    if refit_every < 1:
        raise BadInputError(f"refit_every must be a whole number of hours >= 1; got {refit_every}")
    slot = ((origins - start) // (refit_every * HOUR)).to_numpy()
    return [(start + int(k) * refit_every * HOUR, origins[slot == k]) for k in np.unique(slot)]


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
             info: Mapping[str, SeriesInfo] | None = None, default_model: str = "gbm",
             refit_every: int | None = None) -> BacktestReport:
    """Run the protocol of the module docstring on a long hourly frame (``unique_id``,
    ``ds``, ``y``[, ``lanes_open``]) for every series in it that has readings before ``start``;
    ``refit_every`` (hours, default never) schedules the refits."""
    start_ts, end_ts = _whole_hour(start, "start"), _whole_hour(end, "end")
    if start_ts >= end_ts:
        raise BadInputError(f"start {start_ts.isoformat()} must be before end {end_ts.isoformat()}")
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise BadInputError(f"model names must differ; got {names}")
    origins = rolling_origins(start_ts, end_ts, horizon, every)
    schedule = fit_schedule(start_ts, origins, refit_every)
    ds = pd.to_datetime(history["ds"], utc=True)
    history = history.assign(ds=ds)
    observed = history[history["y"].notna()]
    series = sorted(observed.loc[observed["ds"] < start_ts, "unique_id"].astype(str).unique())
    if not series:
        raise BadInputError(f"no readings before start {start_ts.isoformat()}: nothing to train on")
    known = history[ds < end_ts]
    fit_seconds: dict[str, float] = {}
    predict_seconds: dict[str, float] = {}
    forecasts = []
    observed = observed[observed["unique_id"].astype(str).isin(series)]
    for model in models:
        fit_s = predict_s = 0.0
        for fit_time, served in schedule:
            t0 = time.perf_counter()
            model.fit(observed[observed["ds"] < fit_time], info)
            t1 = time.perf_counter()
            frame = model.predict(known, origins_frame(series, served), horizon, info)
            predict_s += time.perf_counter() - t1
            fit_s += t1 - t0
            forecasts.append(frame.assign(model=model.name))
        fit_seconds[model.name] = round(fit_s, 3)
        predict_seconds[model.name] = round(predict_s, 3)
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
        refit_every=refit_every, fit_times=[t for t, _ in schedule],
    )
