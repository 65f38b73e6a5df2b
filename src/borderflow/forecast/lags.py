"""Features of (origin, target hour) pairs built from readings strictly before the origin.

A pair is an origin index ``o`` and a target index ``t >= o`` on a series' dense hourly
grid (:class:`~borderflow.forecast.series.DenseSeries`). Every feature here reads ``y``
only at indices ``< o``: the model at an origin sees the last reading before it and
nothing in between the origin and the target (a *direct* multi-horizon forecast; the
horizon ``t - o + 1`` is itself a feature). Calendar and holiday features of the target
hour come from :mod:`borderflow.forecast.features`.

Features (minutes unless named otherwise):

* ``horizon`` — hours from the origin to the end of the target hour (1 = coming hour);
* ``last_value``, ``last_age_hours`` — the last reading before the origin and how old it is;
* ``mean_3h``, ``mean_24h``, ``mean_168h``, ``count_24h`` — mean of the readings in the
  3, 24, 168 hours before the origin, and how many hours of the last 24 had one;
* ``last_lanes_open`` — lanes open at the last reading that said (NaN if none did);
* ``last_anomaly`` — the last reading minus the mean of the same hour 1-4 weeks before it;
* ``lag_24h`` — the target hour one day earlier, when that is before the origin;
* ``lag_1w``, ``lag_2w``, ``week_mean_4w`` — the target hour 1 and 2 weeks earlier, and
  the mean over 1-4 weeks earlier (only hours before the origin);
* ``lag_1y`` — the mean of the target hour 51, 52 and 53 weeks earlier (the same weekday
  a year before, and its neighbours);
* ``profile_52w`` — the mean of the target's local hour of week over the 52 weeks before
  the origin (a year's profile: steadier than the lags, closer to the present than an
  all-time mean);
* ``anomaly_3h``, ``anomaly_24h``, ``anomaly_168h`` — how far the readings of the last 3,
  24, 168 hours were above their own hours' 52-week profile, as the mean of
  ``log1p(reading) - log1p(profile)`` (each profile from the 52 weeks before that reading);
* ``expected_3h``, ``expected_24h``, ``expected_168h`` — the target's profile moved by
  that anomaly, ``expm1(log1p(profile_52w) + anomaly)``: "this hour as usual, at today's
  level". Trees split on one number instead of building the product from many splits;
* ``mode``, ``program`` — the lane, as category codes (so one model serves many lanes);
* the calendar and holiday features of the target hour.
"""

from __future__ import annotations

import numpy as np

from borderflow.forecast.features import CALENDAR_FEATURES, calendar_features
from borderflow.forecast.series import DenseSeries, SeriesInfo, ffill_index
from borderflow.vocabulary import MODES, PROGRAMS

WEEK = 168
YEAR_WEEKS = 52
#: Windows (hours before the origin) of the level anomalies.
ANOMALY_WINDOWS: tuple[int, ...] = (3, 24, 168)
LAG_FEATURES: tuple[str, ...] = (
    "horizon", "last_value", "last_age_hours", "mean_3h", "mean_24h", "mean_168h", "count_24h",
    "last_lanes_open", "last_anomaly", "lag_24h", "lag_1w", "lag_2w", "week_mean_4w", "lag_1y",
    "profile_52w", *(f"anomaly_{h}h" for h in ANOMALY_WINDOWS), *(f"expected_{h}h" for h in ANOMALY_WINDOWS),
)
CATEGORICAL_FEATURES: tuple[str, ...] = ("mode", "program")
FEATURES: tuple[str, ...] = (*LAG_FEATURES, *CALENDAR_FEATURES, *CATEGORICAL_FEATURES)


class PairFeatures:
    """Precomputed arrays of one series, from which features of any pairs are read fast."""

    def __init__(self, series: DenseSeries, info: SeriesInfo) -> None:
        self.series = series
        self.info = info
        y = series.y
        self.y = y
        self.n = len(y)
        self.last = ffill_index(y)
        self.last_lanes = ffill_index(series.lanes)
        present = ~np.isnan(y)
        # cumsum[i] = sum of readings at indices < i (so window [a, b) = cumsum[b] - cumsum[a]).
        self.cum_sum = np.concatenate([[0.0], np.cumsum(np.where(present, y, 0.0))])
        self.cum_count = np.concatenate([[0], np.cumsum(present.astype(np.int64))])
        # Same hour 1-4 weeks before every grid hour (all strictly before that hour).
        self.week_mean = self._lag_mean(np.arange(self.n), np.full(self.n, self.n), range(1, 5))
        self._calendar: dict[str, np.ndarray] | None = None
        # Readings sorted by (local hour of week, index), with running sums, so the mean of
        # one hour of week over any index window [a, b) is two binary searches.
        self.hour_of_week = self.calendar(np.arange(self.n))["hour_of_week"].astype(np.int64)
        observed = np.flatnonzero(present)
        self._how_stride = self.n + 1
        keys = self.hour_of_week[observed] * self._how_stride + observed
        order = np.argsort(keys, kind="stable")
        self._how_keys = keys[order]
        self._how_sum = np.concatenate([[0.0], np.cumsum(y[observed][order])])
        every_hour = np.arange(self.n)
        profile = self._hour_of_week_mean(self.hour_of_week, every_hour - YEAR_WEEKS * WEEK, every_hour)
        anomaly = np.log1p(y) - np.log1p(profile)
        known = ~np.isnan(anomaly)
        self.anomaly_sum = np.concatenate([[0.0], np.cumsum(np.where(known, anomaly, 0.0))])
        self.anomaly_count = np.concatenate([[0], np.cumsum(known.astype(np.int64))])

    # -- helpers ---------------------------------------------------------------------
    def _value(self, index: np.ndarray, usable: np.ndarray) -> np.ndarray:
        ok = usable & (index >= 0) & (index < self.n)
        return np.where(ok, self.y[np.clip(index, 0, self.n - 1)], np.nan)

    def _lag_mean(self, targets: np.ndarray, origins: np.ndarray, weeks: range) -> np.ndarray:
        total = np.zeros(len(targets))
        count = np.zeros(len(targets))
        for m in weeks:
            lag = targets - m * WEEK
            v = self._value(lag, lag < origins)
            ok = ~np.isnan(v)
            total += np.where(ok, v, 0.0)
            count += ok
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan)

    def _window_mean(self, origins: np.ndarray, hours: int) -> tuple[np.ndarray, np.ndarray]:
        lo = np.clip(origins - hours, 0, None)
        hi = np.clip(origins, 0, self.n)
        total = self.cum_sum[hi] - self.cum_sum[lo]
        count = self.cum_count[hi] - self.cum_count[lo]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan), count.astype(np.float64)

    def _hour_of_week_mean(self, hours_of_week: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Mean of the readings at indices in ``[lo, hi)`` whose local hour of week is the given one."""
        base = hours_of_week * self._how_stride
        first = np.searchsorted(self._how_keys, base + np.clip(lo, 0, None))
        last = np.searchsorted(self._how_keys, base + np.clip(hi, 0, None))
        count = last - first
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, (self._how_sum[last] - self._how_sum[first]) / np.maximum(count, 1), np.nan)

    def _anomaly_mean(self, origins: np.ndarray, hours: int) -> np.ndarray:
        lo = np.clip(origins - hours, 0, None)
        count = self.anomaly_count[origins] - self.anomaly_count[lo]
        total = self.anomaly_sum[origins] - self.anomaly_sum[lo]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan)

    def calendar(self, targets: np.ndarray) -> dict[str, np.ndarray]:
        """Calendar features of grid indices (computed once for the whole grid)."""
        if self._calendar is None or len(next(iter(self._calendar.values()))) < self.n:
            all_times = self.series.time_of(np.arange(self.n))
            self._calendar = calendar_features(all_times, self.info.timezone, self.info.regions)
        return {name: values[targets] for name, values in self._calendar.items()}

    # -- the features ----------------------------------------------------------------
    def features(self, origins: np.ndarray, targets: np.ndarray) -> dict[str, np.ndarray]:
        """All :data:`FEATURES` of the pairs (``origins[i]``, ``targets[i]``), flat float arrays.

        Requires ``1 <= origins <= targets < n`` (pad the series to cover the targets).
        """
        origins = np.asarray(origins, dtype=np.int64)
        targets = np.asarray(targets, dtype=np.int64)
        last = self.last[origins - 1]
        has_last = last >= 0
        last_safe = np.clip(last, 0, None)
        last_value = np.where(has_last, self.y[last_safe], np.nan)
        lanes_idx = self.last_lanes[origins - 1]
        out: dict[str, np.ndarray] = {
            "horizon": (targets - origins + 1).astype(np.float64),
            "last_value": last_value,
            "last_age_hours": np.where(has_last, origins - last, np.nan).astype(np.float64),
            "last_lanes_open": np.where(lanes_idx >= 0, self.series.lanes[np.clip(lanes_idx, 0, None)], np.nan),
            "last_anomaly": last_value - np.where(has_last, self.week_mean[last_safe], np.nan),
            "lag_24h": self._value(targets - 24, targets - 24 < origins),
            "lag_1w": self._value(targets - WEEK, targets - WEEK < origins),
            "lag_2w": self._value(targets - 2 * WEEK, targets - 2 * WEEK < origins),
            "week_mean_4w": self._lag_mean(targets, origins, range(1, 5)),
            "lag_1y": self._lag_mean(targets, origins, range(YEAR_WEEKS - 1, YEAR_WEEKS + 2)),
        }
        out["mean_3h"], _ = self._window_mean(origins, 3)
        out["mean_24h"], out["count_24h"] = self._window_mean(origins, 24)
        out["mean_168h"], _ = self._window_mean(origins, WEEK)
        profile = self._hour_of_week_mean(self.hour_of_week[targets], origins - YEAR_WEEKS * WEEK, origins)
        out["profile_52w"] = profile
        for hours in ANOMALY_WINDOWS:
            anomaly = self._anomaly_mean(origins, hours)
            out[f"anomaly_{hours}h"] = anomaly
            out[f"expected_{hours}h"] = np.expm1(np.log1p(profile) + anomaly)
        out.update(self.calendar(targets))
        size = len(origins)
        out["mode"] = np.full(size, float(MODES.index(self.info.mode)) if self.info.mode in MODES else np.nan)
        out["program"] = np.full(
            size, float(PROGRAMS.index(self.info.program)) if self.info.program in PROGRAMS else np.nan)
        return out


def feature_matrix(columns: dict[str, np.ndarray]) -> np.ndarray:
    """Stack features in :data:`FEATURES` order into an (n x features) float32 matrix."""
    return np.column_stack([columns[name] for name in FEATURES]).astype(np.float32)
