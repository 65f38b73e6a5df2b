"""One interface for every forecasting model, and the two baselines.

A model is fitted on history and then forecasts from any number of *origins*. An origin
is a whole UTC hour ``T``; a forecast from ``T`` may use only the hours before ``T``
(``ds < T``), and its horizon ``k`` (1, 2, ...) is the hour ``[T + (k-1)h, T + k h)`` — the
hour that ends ``k`` hours after the origin. Horizon 1 is "the coming hour".

Every model returns the same long frame (:data:`FORECAST_COLUMNS`): ``unique_id``,
``origin``, ``horizon``, ``ds`` (the target hour), ``point`` (minutes) and the bounds of
the central 80% and 95% intervals ``lo_95 <= lo_80 <= point <= hi_80 <= hi_95``, all >= 0.

Baselines (their intervals are empirical quantiles of their own residuals on the
training history, per local hour of day when each hour has at least
:data:`MIN_BAND_SAMPLES` residuals, else pooled):

* ``seasonal_naive`` — the same hour one week earlier; if that hour is missing, the same
  hour 2, 3 or 4 weeks earlier; if all are missing, the last reading before the origin.
* ``historical_average`` — the mean of the training history by local hour of week; an
  hour of week never seen falls back to the hour-of-day mean, then the overall mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from borderflow.errors import BadInputError
from borderflow.forecast.features import hour_of_week, local_times
from borderflow.forecast.series import HOUR, DenseSeries, SeriesInfo, ffill_index, to_dense

LEVELS: tuple[int, ...] = (80, 95)
#: Quantiles behind the intervals, in column order lo_95, lo_80, hi_80, hi_95.
BAND_QUANTILES: tuple[float, ...] = (0.025, 0.1, 0.9, 0.975)
BAND_COLUMNS: tuple[str, ...] = ("lo_95", "lo_80", "hi_80", "hi_95")
FORECAST_COLUMNS: tuple[str, ...] = ("unique_id", "origin", "horizon", "ds", "point", *BAND_COLUMNS)
WEEK_HOURS = 168
#: A local hour of day needs this many training residuals for bands of its own.
MIN_BAND_SAMPLES = 50
#: How many earlier weeks seasonal_naive looks back before falling back.
SEASONAL_NAIVE_WEEKS = 4


@runtime_checkable
class Forecaster(Protocol):
    """The interface every model implements (see the module docstring for the rules)."""

    name: str

    def fit(self, history: pd.DataFrame, info: Mapping[str, SeriesInfo] | None = None) -> Forecaster:
        """Learn from ``history`` (``unique_id``, ``ds``, ``y``[, ``lanes_open``]); returns self."""
        ...

    def predict(self, history: pd.DataFrame, origins: pd.DataFrame, horizon: int,
                info: Mapping[str, SeriesInfo] | None = None) -> pd.DataFrame:
        """Forecast ``horizon`` hours from each (``unique_id``, ``origin``) row of ``origins``,
        using only rows of ``history`` with ``ds < origin``. Returns :data:`FORECAST_COLUMNS`."""
        ...


@dataclass(frozen=True)
class SeriesForecast:
    """Forecasts of one series from n origins: ``point`` and ``bands`` (4 x n x horizon)."""

    point: np.ndarray
    bands: np.ndarray


def origins_frame(unique_ids: list[str], origins: list[pd.Timestamp] | pd.DatetimeIndex) -> pd.DataFrame:
    """Every series x every origin, as the ``origins`` frame :meth:`Forecaster.predict` takes."""
    times = pd.DatetimeIndex(pd.to_datetime(list(origins), utc=True))
    return pd.DataFrame(
        [(uid, t) for uid in unique_ids for t in times], columns=["unique_id", "origin"]
    ).astype({"origin": "datetime64[ns, UTC]"})


def validate_horizon(horizon: int, limit: int | None = None) -> None:
    if not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise BadInputError(f"horizon must be a whole number of hours >= 1; got {horizon!r}")
    if limit is not None and horizon > limit:
        raise BadInputError(f"this model forecasts at most {limit} hours ahead; got horizon {horizon}")


def series_info(info: Mapping[str, SeriesInfo] | None, uid: str) -> SeriesInfo:
    return (info or {}).get(uid) or SeriesInfo(uid)


def sort_bands(point: np.ndarray, bands: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative, ordered bounds: lo_95 <= lo_80 <= point <= hi_80 <= hi_95.

    The point stays as the model made it (clipped at 0). Quantile models fitted
    separately can cross, so the four bounds are sorted (the rearrangement of
    Chernozhukov et al., which keeps each a valid quantile estimate); a lower bound
    above the point is lowered to it and an upper bound below it raised to it.
    """
    point = np.clip(point, 0.0, None)
    ordered = np.sort(np.clip(bands, 0.0, None), axis=0)
    lows = np.minimum(ordered[:2], point)
    highs = np.maximum(ordered[2:], point)
    return point, np.concatenate([lows, highs])


class GridForecaster:
    """Shared machinery: turn frames into dense per-series grids and back.

    Subclasses implement :meth:`_forecast_series`, which receives a series padded to
    cover every target hour and the grid indices of its origins; it must read ``y`` only
    at indices below each origin's index.
    """

    name = "grid"
    max_horizon: int | None = None

    def __init__(self) -> None:
        self.info: dict[str, SeriesInfo] = {}

    def _remember(self, history: pd.DataFrame, info: Mapping[str, SeriesInfo] | None) -> dict[str, DenseSeries]:
        dense = to_dense(history)
        if not dense:
            raise BadInputError(f"{self.name}: the training history has no readings")
        self.info = {uid: series_info(info, uid) for uid in dense}
        return dense

    def fit(self, history: pd.DataFrame, info: Mapping[str, SeriesInfo] | None = None) -> GridForecaster:
        raise NotImplementedError

    def _forecast_series(self, series: DenseSeries, info: SeriesInfo, origin_idx: np.ndarray,
                         horizon: int) -> SeriesForecast:
        raise NotImplementedError

    def predict(self, history: pd.DataFrame, origins: pd.DataFrame, horizon: int,
                info: Mapping[str, SeriesInfo] | None = None) -> pd.DataFrame:
        validate_horizon(horizon, self.max_horizon)
        dense = to_dense(history)
        frames = []
        for uid, group in origins.groupby("unique_id", sort=True):
            uid = str(uid)
            times = pd.DatetimeIndex(pd.to_datetime(group["origin"], utc=True)).unique().sort_values()
            if uid not in dense:
                raise BadInputError(f"{self.name}: no readings of series {uid!r} before its origins")
            last = times.max() + horizon * HOUR
            series = dense[uid].padded(last)
            origin_idx = series.index_of(times)
            if (origin_idx < 1).any():
                raise BadInputError(f"{self.name}: series {uid!r} has no readings before origin {times.min()}")
            meta = (info or {}).get(uid) or self.info.get(uid) or SeriesInfo(uid)
            result = self._forecast_series(series, meta, origin_idx, horizon)
            point, bands = sort_bands(result.point, result.bands)
            ks = np.arange(1, horizon + 1)
            n = len(times)
            frame = pd.DataFrame({
                "unique_id": uid,
                "origin": np.repeat(times.to_numpy(), horizon),
                "horizon": np.tile(ks, n),
                "point": point.ravel(),
                **{col: bands[i].ravel() for i, col in enumerate(BAND_COLUMNS)},
            })
            frame["origin"] = pd.to_datetime(frame["origin"], utc=True)
            frame["ds"] = frame["origin"] + pd.to_timedelta(frame["horizon"] - 1, unit="h")
            frames.append(frame[list(FORECAST_COLUMNS)])
        if not frames:
            return pd.DataFrame(columns=list(FORECAST_COLUMNS))
        return pd.concat(frames, ignore_index=True)


# -- residual bands of the baselines ---------------------------------------------------

@dataclass(frozen=True)
class ResidualBands:
    """Quantiles (:data:`BAND_QUANTILES`) of a model's training residuals (actual - point),
    per local hour of day (24 x 4) with a pooled fallback (4,)."""

    by_hour: np.ndarray
    pooled: np.ndarray

    @classmethod
    def from_residuals(cls, residuals: np.ndarray, hours: np.ndarray) -> ResidualBands:
        ok = np.isfinite(residuals)
        residuals, hours = residuals[ok], hours[ok]
        if residuals.size == 0:
            zeros = np.zeros(len(BAND_QUANTILES))
            return cls(np.tile(zeros, (24, 1)), zeros)
        pooled = np.quantile(residuals, BAND_QUANTILES)
        by_hour = np.tile(pooled, (24, 1))
        for h in range(24):
            sample = residuals[hours == h]
            if sample.size >= MIN_BAND_SAMPLES:
                by_hour[h] = np.quantile(sample, BAND_QUANTILES)
        return cls(by_hour, pooled)

    def around(self, point: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """Bounds (4 x shape of point) = point + residual quantile of the target's hour."""
        q = self.by_hour[hours.astype(np.int64)]  # (..., 4)
        return np.moveaxis(point[..., None] + q, -1, 0)


def local_hours(series: DenseSeries, index: np.ndarray, timezone: str) -> np.ndarray:
    """Local hour of day (0-23) of grid indices (any shape)."""
    flat = np.asarray(index).ravel()
    local = local_times(series.time_of(flat), timezone)
    return local.hour.to_numpy().reshape(np.shape(index))


def local_hours_of_week(series: DenseSeries, index: np.ndarray, timezone: str) -> np.ndarray:
    flat = np.asarray(index).ravel()
    return hour_of_week(local_times(series.time_of(flat), timezone)).reshape(np.shape(index))


def target_index(origin_idx: np.ndarray, horizon: int) -> np.ndarray:
    """(n origins x horizon) grid indices of the target hours."""
    return origin_idx[:, None] + np.arange(horizon)[None, :]


# -- the baselines ---------------------------------------------------------------------

class SeasonalNaive(GridForecaster):
    """The same hour one week earlier (see the module docstring for the fallbacks)."""

    name = "seasonal_naive"

    def __init__(self) -> None:
        super().__init__()
        self.bands: dict[str, ResidualBands] = {}

    def fit(self, history: pd.DataFrame, info: Mapping[str, SeriesInfo] | None = None) -> SeasonalNaive:
        dense = self._remember(history, info)
        for uid, s in dense.items():
            idx = np.arange(WEEK_HOURS, len(s.y))
            residuals = s.y[idx] - s.y[idx - WEEK_HOURS]
            hours = local_hours(s, idx, self.info[uid].timezone)
            self.bands[uid] = ResidualBands.from_residuals(residuals, hours)
        return self

    def _forecast_series(self, series: DenseSeries, info: SeriesInfo, origin_idx: np.ndarray,
                         horizon: int) -> SeriesForecast:
        targets = target_index(origin_idx, horizon)
        before = origin_idx[:, None]
        point = np.full(targets.shape, np.nan)
        weeks = (horizon - 1) // WEEK_HOURS + SEASONAL_NAIVE_WEEKS
        for m in range(1, weeks + 1):
            lag = targets - m * WEEK_HOURS
            usable = (lag >= 0) & (lag < before)
            values = np.where(usable, series.y[np.clip(lag, 0, None)], np.nan)
            point = np.where(np.isnan(point), values, point)
        last = ffill_index(series.y)[origin_idx - 1]
        fallback = np.where(last >= 0, series.y[np.clip(last, 0, None)], np.nan)
        point = np.where(np.isnan(point), fallback[:, None], point)
        bands = self.bands.get(series.unique_id) or _pooled_bands(self.bands)
        return SeriesForecast(point, bands.around(point, local_hours(series, targets, info.timezone)))


class HistoricalAverage(GridForecaster):
    """The training mean by local hour of week (see the module docstring for fallbacks)."""

    name = "historical_average"

    def __init__(self) -> None:
        super().__init__()
        self.profiles: dict[str, np.ndarray] = {}
        self.bands: dict[str, ResidualBands] = {}

    def fit(self, history: pd.DataFrame, info: Mapping[str, SeriesInfo] | None = None) -> HistoricalAverage:
        dense = self._remember(history, info)
        for uid, s in dense.items():
            idx = np.arange(len(s.y))
            ok = ~np.isnan(s.y)
            how = local_hours_of_week(s, idx, self.info[uid].timezone)
            profile = _group_mean(how[ok], s.y[ok], WEEK_HOURS)
            by_hour = _group_mean(how[ok] % 24, s.y[ok], 24)
            overall = float(np.mean(s.y[ok]))
            profile = np.where(np.isnan(profile), np.tile(by_hour, 7), profile)
            profile = np.where(np.isnan(profile), overall, profile)
            self.profiles[uid] = profile
            self.bands[uid] = ResidualBands.from_residuals(s.y[ok] - profile[how[ok]], how[ok] % 24)
        return self

    def _forecast_series(self, series: DenseSeries, info: SeriesInfo, origin_idx: np.ndarray,
                         horizon: int) -> SeriesForecast:
        if series.unique_id not in self.profiles:
            raise BadInputError(f"historical_average was not fitted on series {series.unique_id!r}")
        targets = target_index(origin_idx, horizon)
        how = local_hours_of_week(series, targets, info.timezone)
        point = self.profiles[series.unique_id][how]
        return SeriesForecast(point, self.bands[series.unique_id].around(point, how % 24))


def _group_mean(groups: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    sums = np.bincount(groups, weights=values, minlength=size)
    counts = np.bincount(groups, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _pooled_bands(bands: Mapping[str, ResidualBands]) -> ResidualBands:
    """For a series the model was not fitted on: the median bands of the fitted ones."""
    if not bands:
        zeros = np.zeros(len(BAND_QUANTILES))
        return ResidualBands(np.tile(zeros, (24, 1)), zeros)
    by_hour = np.median(np.stack([b.by_hour for b in bands.values()]), axis=0)
    return ResidualBands(by_hour, np.median(np.stack([b.pooled for b in bands.values()]), axis=0))


BASELINES: tuple[str, ...] = ("seasonal_naive", "historical_average")
