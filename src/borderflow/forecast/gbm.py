"""The default model: gradient-boosted quantile trees, direct multi-horizon, many lanes.

**What it learns.** One LightGBM model per quantile (0.025, 0.1, 0.5, 0.9, 0.975) on rows
that are (origin, target hour) pairs sampled from the training history of every lane it
is given. A row's features (:mod:`borderflow.forecast.lags`) use readings strictly before
its origin; the horizon is a feature, so one model forecasts every horizon directly
(no recursion, no feeding forecasts back as readings). The median is the point forecast.
The target is ``log1p(wait_minutes)``: waits are skewed and multiplicative (a Saturday
doubles a 10-minute wait and a 60-minute one), and quantiles survive any increasing
transform, so ``expm1`` of a quantile of the log is the same quantile of the wait.

**Rows.** Every training hour with a reading is a target. It enters the rows
``copies_per_target`` times at most, each time paired with an origin 1..``max_horizon``
hours before it (``short_horizon_share`` of the weight on horizons up to 24 hours, the
ones travellers ask about most) that has a reading before it; the rows are then sampled
down to ``max_train_rows``. One row per horizon would repeat each hour ``max_horizon``
times, and trees memorise repeated hours by their calendar features. Day of year, month
and the yearly lag are blanked when the training span is under ``min_days_for_yearly``
(they would only say *when* an hour was). ``seed`` makes the sample reproducible.

**Regularisation.** Hourly waits are noisy (at Peace Arch the hour-to-hour change is about
as large as the error of a good forecast), so the trees are kept from chasing noise: every
leaf holds at least ``min_data_in_leaf`` rows and every tree is grown on a fresh random
half of the rows (``bagging_fraction``), with a smaller learning rate and more trees.

**Intervals: conformalised quantile regression** (:mod:`borderflow.forecast.conformal`).
Quantile trees scored on the rows they were fitted on are over-confident. So each lane's
training history is split in time: the first ``1 - calibration_fraction`` of its readings
(not of its hours: a lane may have long gaps) fits the models;
on the last part (origins after the split, never seen by the fit) the 2.5/97.5% and
10/90% bounds are compared with what happened, per bound and horizon bucket, and each
bound is moved (in log space) by the conformal quantile of its misses. With ``refit``
(default) the models are then fitted again on the whole training history, keeping those
*fixed* corrections. At forecast time, once the model has forecasts whose target hours
are known — after its training data and within ``recalibration_hours`` before the
origin — the corrections are recomputed from those recent misses instead (*rolling*
corrections), so the bands widen when waits become more erratic than in training and
narrow when they calm down; only readings before the origin are used.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from borderflow.errors import BadInputError
from borderflow.forecast.conformal import (
    HORIZON_BUCKETS,
    MIN_CALIBRATION_POINTS,
    Calibration,
    interval_scores,
    representative_horizons,
    rolling_offsets,
)
from borderflow.forecast.lags import CATEGORICAL_FEATURES, FEATURES, PairFeatures, feature_matrix
from borderflow.forecast.models import (
    BAND_QUANTILES,
    GridForecaster,
    SeriesForecast,
    target_index,
)
from borderflow.forecast.series import DenseSeries, SeriesInfo

#: Features that describe the time of year; blanked for short training spans.
YEARLY_FEATURES: tuple[str, ...] = ("day_of_year", "month", "lag_1y")
QUANTILES: tuple[float, ...] = (0.025, 0.1, 0.5, 0.9, 0.975)
FORMAT_VERSION = 1


@dataclass(frozen=True)
class GBMParams:
    """Settings of :class:`GradientBoostedForecaster`; stored with every trained model."""

    max_horizon: int = 168
    max_train_rows: int = 150_000
    copies_per_target: int = 4
    short_horizon_share: float = 0.6
    num_trees: int = 300
    learning_rate: float = 0.06
    num_leaves: int = 31
    min_data_in_leaf: int = 300
    feature_fraction: float = 0.9
    #: Share of the rows each tree is grown on (a fresh draw per tree); 1 = all rows.
    bagging_fraction: float = 0.5
    calibration_fraction: float = 0.2
    refit: bool = True
    #: "log": learn log1p(wait); "log_vs_profile": learn log1p(wait) - log1p(base), base
    #: the target hour's mean 1-4 weeks earlier (else the last week's mean, else the last reading).
    target: str = "log"
    #: Rolling conformal window (hours of resolved forecasts before each origin); 0 = fixed only.
    recalibration_hours: int = 672
    #: Scores a horizon bucket needs in the window before its rolling correction is used.
    min_recalibration_points: int = 100
    #: Use day of year and month only when the training history spans this many days:
    #: over a shorter span they only tell the trees *when* an hour was, and trees fitted
    #: on "when" memorise the training period instead of learning the week's shape.
    min_days_for_yearly: int = 730
    seed: int = 0
    num_threads: int = 1

    def validate(self) -> None:
        if not 1 <= self.max_horizon <= 24 * 28:
            raise BadInputError(f"max_horizon must be 1..672 hours; got {self.max_horizon}")
        if self.max_train_rows < 100:
            raise BadInputError(f"max_train_rows must be >= 100; got {self.max_train_rows}")
        if not 0.0 < self.calibration_fraction < 0.9:
            raise BadInputError(f"calibration_fraction must be in (0, 0.9); got {self.calibration_fraction}")
        if self.target not in ("log", "log_vs_profile"):
            raise BadInputError(f"target must be 'log' or 'log_vs_profile'; got {self.target!r}")
        if self.copies_per_target < 1:
            raise BadInputError(f"copies_per_target must be >= 1; got {self.copies_per_target}")
        if not 0.0 < self.bagging_fraction <= 1.0:
            raise BadInputError(f"bagging_fraction must be in (0, 1]; got {self.bagging_fraction}")
        if not 0.0 <= self.short_horizon_share <= 1.0:
            raise BadInputError(f"short_horizon_share must be in [0, 1]; got {self.short_horizon_share}")
        if not 1 <= self.num_trees <= 10_000:
            raise BadInputError(f"num_trees (--num-trees) must be 1..10000; got {self.num_trees}")
        if not 0.0 < self.learning_rate <= 1.0:
            raise BadInputError(f"learning_rate must be in (0, 1]; got {self.learning_rate}")
        if not 2 <= self.num_leaves <= 4096:
            raise BadInputError(f"num_leaves must be 2..4096; got {self.num_leaves}")
        if self.min_data_in_leaf < 1:
            raise BadInputError(f"min_data_in_leaf must be >= 1; got {self.min_data_in_leaf}")
        if not 0.0 < self.feature_fraction <= 1.0:
            raise BadInputError(f"feature_fraction must be in (0, 1]; got {self.feature_fraction}")
        if not 0 <= self.seed < 2**32:
            raise BadInputError(f"seed (--seed) must be a whole number from 0 to {2**32 - 1}; got {self.seed}")

    def lightgbm(self, alpha: float, rows: int) -> dict[str, Any]:
        # Small training sets get smaller leaves (else no split is allowed), but never
        # fewer than 5 distinct target hours per leaf.
        leaf = min(self.min_data_in_leaf, max(5 * self.copies_per_target, rows // 100))
        return {
            "objective": "quantile", "alpha": alpha, "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves, "min_data_in_leaf": leaf,
            "feature_fraction": self.feature_fraction, "seed": self.seed,
            "bagging_fraction": self.bagging_fraction, "bagging_freq": int(self.bagging_fraction < 1.0),
            "deterministic": True, "force_row_wise": True, "verbosity": -1,
            "num_threads": self.num_threads,
        }


def _base(cols: dict[str, np.ndarray], target: str) -> np.ndarray:
    """The log-space offset the trees learn around (0 for the plain log target)."""
    if target == "log":
        return np.zeros(len(cols["horizon"]))
    base = cols["week_mean_4w"]
    for fallback in ("mean_168h", "last_value"):
        base = np.where(np.isnan(base), cols[fallback], base)
    return np.log1p(np.nan_to_num(base, nan=0.0))


def readings_digest(series: DenseSeries) -> str:
    """SHA-256 of a lane's hourly series (its first hour and every hour's wait): equal
    digests mean a fit saw the same readings."""
    digest = hashlib.sha256(series.start.isoformat().encode())
    digest.update(np.ascontiguousarray(np.nan_to_num(series.y, nan=-1.0), dtype="<f8").tobytes())
    return digest.hexdigest()


def _calibration_split(y: np.ndarray, fraction: float) -> int:
    """The grid index where a lane's held-out calibration part starts: the last
    ``fraction`` of its *readings*, not of its hours. A lane whose grid reaches far back
    to a stray old reading (one feed capture years before a regular source) would
    otherwise hold out almost nothing, or almost everything."""
    observed = np.flatnonzero(~np.isnan(y))
    k = int(len(observed) * (1 - fraction))
    return int(observed[k]) if k < len(observed) else len(y)


class GradientBoostedForecaster(GridForecaster):
    """The default model (see the module docstring)."""

    name = "gbm"

    def __init__(self, params: GBMParams | None = None) -> None:
        super().__init__()
        self.params = params or GBMParams()
        self.params.validate()
        self.max_horizon = self.params.max_horizon
        self.boosters: dict[float, Any] = {}
        self.calibration = Calibration()
        self.training: dict[str, Any] = {}
        self.yearly = True

    # -- training rows -----------------------------------------------------------------
    def _pairs(self, pf: PairFeatures, first_target: int, end_target: int, min_origin: int,
               budget: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Sampled (origin, target) pairs with targets in [first_target, end_target) and
        origins >= min_origin that have a reading before them.

        Each observed target hour is used ``copies_per_target`` times at most, each time
        with a horizon drawn from the horizon weights: many copies of one hour (one per
        horizon) would let the trees memorise it by its calendar features.
        """
        p = self.params
        targets = np.flatnonzero(~np.isnan(pf.y[:end_target]))
        targets = targets[targets >= first_target]
        if targets.size == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        first_reading = int(np.flatnonzero(~np.isnan(pf.y))[0])
        horizons = np.arange(1, p.max_horizon + 1)
        short = horizons <= 24
        if short.all():
            weights = np.full(len(horizons), 1.0 / len(horizons))
        else:
            weights = np.where(short, p.short_horizon_share / short.sum(),
                               (1 - p.short_horizon_share) / (~short).sum())
        copies = min(p.copies_per_target, len(horizons))
        drawn = rng.choice(horizons, size=(targets.size, copies), p=weights)
        t = np.repeat(targets, copies)
        o = t - drawn.ravel() + 1
        pairs = np.unique(np.stack([o, t], axis=1), axis=0)
        o, t = pairs[:, 0], pairs[:, 1]
        keep = (o >= max(min_origin, first_reading + 1))
        o, t = o[keep], t[keep]
        if o.size > budget:
            pick = np.sort(rng.choice(o.size, size=budget, replace=False))
            o, t = o[pick], t[pick]
        return o, t

    def _rows(self, parts: list[tuple[PairFeatures, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        xs, ys, hs = [], [], []
        for pf, o, t in parts:
            if o.size == 0:
                continue
            cols = self._without_unusable(pf.features(o, t))
            xs.append(feature_matrix(cols))
            ys.append(np.log1p(pf.y[t]) - _base(cols, self.params.target))
            hs.append(cols["horizon"])
        if not xs:
            return np.empty((0, len(FEATURES)), np.float32), np.empty(0), np.empty(0)
        return np.concatenate(xs), np.concatenate(ys), np.concatenate(hs)

    def _without_unusable(self, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Blank the yearly features when the training span is too short for them."""
        if not self.yearly:
            for name in YEARLY_FEATURES:
                cols[name] = np.full(len(cols[name]), np.nan)
        return cols

    def _train(self, x: np.ndarray, y: np.ndarray) -> dict[float, Any]:
        import lightgbm as lgb

        cats = [FEATURES.index(c) for c in CATEGORICAL_FEATURES]
        data = lgb.Dataset(x, label=y, feature_name=list(FEATURES), categorical_feature=cats,
                           free_raw_data=False, params={"verbosity": -1, "max_bin": 255})
        return {q: lgb.train(self.params.lightgbm(q, len(y)), data, num_boost_round=self.params.num_trees)
                for q in QUANTILES}

    def fit(self, history: pd.DataFrame, info: Mapping[str, SeriesInfo] | None = None) -> GradientBoostedForecaster:
        dense = self._remember(history, info)
        p = self.params
        rng = np.random.default_rng(p.seed)
        observed = {uid: int((~np.isnan(s.y)).sum()) for uid, s in dense.items()}
        total = max(sum(observed.values()), 1)
        span_days = max((s.end - s.start) / pd.Timedelta(days=1) for s in dense.values())
        self.yearly = span_days >= p.min_days_for_yearly
        fit_parts, cal_parts, all_parts = [], [], []
        for uid, s in dense.items():
            pf = PairFeatures(s, self.info[uid])
            budget = max(1, int(p.max_train_rows * observed[uid] / total))
            split = _calibration_split(s.y, p.calibration_fraction)
            fit_parts.append((pf, *self._pairs(pf, 0, split, 1, budget, rng)))
            cal_parts.append((pf, *self._pairs(pf, split, len(s.y), split, budget, rng)))
            if p.refit:
                all_parts.append((pf, *self._pairs(pf, 0, len(s.y), 1, budget, rng)))
        x_fit, y_fit, _ = self._rows(fit_parts)
        x_cal, y_cal, h_cal = self._rows(cal_parts)
        if len(y_fit) < 100 or len(y_cal) < MIN_CALIBRATION_POINTS:
            raise BadInputError(
                f"gbm needs more history: {len(y_fit)} training and {len(y_cal)} calibration pairs "
                "(at least 100 and 30); give it a longer training window")
        self.boosters = self._train(x_fit, y_fit)
        self.calibration = self._calibrate(x_cal, y_cal, h_cal)
        if p.refit:
            x_all, y_all, _ = self._rows(all_parts)
            self.boosters = self._train(x_all, y_all)
        self.training = {
            "rows": len(y_fit), "calibration_rows": len(y_cal),
            "series": {uid: {"start": s.start.isoformat(), "end": s.end.isoformat(),
                             "observed_hours": observed[uid], "readings_sha256": readings_digest(s)}
                       for uid, s in dense.items()},
        }
        return self

    def _raw_quantiles(self, x: np.ndarray) -> np.ndarray:
        """(5 x n) quantile predictions in log space, in :data:`QUANTILES` order."""
        return np.stack([self.boosters[q].predict(x, num_threads=self.params.num_threads) for q in QUANTILES])

    def _calibrate(self, x: np.ndarray, y: np.ndarray, horizons: np.ndarray) -> Calibration:
        """Fixed corrections from held-out rows (``y`` in the model's target space)."""
        q = self._raw_quantiles(x)
        return Calibration.from_scores(interval_scores(q[[0, 1, 3, 4]], y), horizons)

    # -- forecasting -------------------------------------------------------------------
    def _log_quantiles(self, pf: PairFeatures, origins: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """(5 x n) quantiles of log1p(wait) for (origin, target) pairs."""
        cols = self._without_unusable(pf.features(origins, targets))
        return self._raw_quantiles(feature_matrix(cols)) + _base(cols, self.params.target)

    def _forecast_series(self, series: DenseSeries, info: SeriesInfo, origin_idx: np.ndarray,
                         horizon: int) -> SeriesForecast:
        if not self.boosters:
            raise BadInputError("gbm is not fitted; train it first (borderflow forecast train)")
        targets = target_index(origin_idx, horizon)
        pf = PairFeatures(series, info)
        q = self._log_quantiles(pf, np.repeat(origin_idx, horizon), targets.ravel())
        c = self._corrections(pf, origin_idx, horizon)  # (n origins x 4 x horizon)
        c = np.moveaxis(c, 1, 0).reshape(4, -1)
        bounds = np.stack([q[0] - c[0], q[1] - c[1], q[3] + c[2], q[4] + c[3]])
        shape = targets.shape
        point = np.expm1(q[2]).reshape(shape)
        bands = np.expm1(bounds).reshape((len(BAND_QUANTILES), *shape))
        return SeriesForecast(point, bands)

    def _corrections(self, pf: PairFeatures, origin_idx: np.ndarray, horizon: int) -> np.ndarray:
        """Interval corrections (n origins x 4 x horizon): rolling where recent out-of-sample
        misses are known (:func:`~borderflow.forecast.conformal.rolling_offsets`), else fixed."""
        p = self.params
        bucket_index = np.searchsorted(HORIZON_BUCKETS, np.arange(1, horizon + 1), side="right") - 1
        fixed = self.calibration.table()[:, bucket_index]
        out = np.repeat(fixed[None], len(origin_idx), axis=0)
        if p.recalibration_hours <= 0:
            return out
        # One epoch per day of origins: every origin of the day uses the misses resolved
        # before the day's first origin (all before the origin itself).
        epochs = origin_idx - (origin_idx - origin_idx.min()) % 24
        unique_epochs, which = np.unique(epochs, return_inverse=True)
        window = p.recalibration_hours
        first = max(1, int(unique_epochs.min()) - window, self._train_end_index(pf))
        last = int(unique_epochs.max())
        scored = np.flatnonzero(~np.isnan(pf.y[first:last])) + first
        if scored.size == 0:
            return out
        ks = representative_horizons(horizon, p.max_horizon)
        t = np.repeat(scored, len(ks))
        k = np.tile(ks, scored.size)
        o = t - k + 1
        # Only forecasts made after training (o >= training end) with a reading before them.
        ok = (o >= max(1, self._train_end_index(pf))) & (pf.last[np.clip(o - 1, 0, None)] >= 0)
        t, k, o = t[ok], k[ok], o[ok]
        if t.size < p.min_recalibration_points:
            return out
        q = self._log_quantiles(pf, o, t)
        scores = interval_scores(q[[0, 1, 3, 4]], np.log1p(pf.y[t]))
        table = rolling_offsets(t, k, scores, unique_epochs, window, p.min_recalibration_points, self.calibration)
        return table[which][:, :, bucket_index]

    def _train_end_index(self, pf: PairFeatures) -> int:
        """Grid index of the end of this lane's training data (0 if not trained on it)."""
        window = self.training.get("series", {}).get(pf.series.unique_id)
        if window is None:
            return 0
        return int(pf.series.index_of(pd.DatetimeIndex([pd.Timestamp(window["end"])]))[0])

    # -- storage -----------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """The fitted model as gzip-compressed JSON (LightGBM's own text model format inside)."""
        if not self.boosters:
            raise BadInputError("gbm is not fitted; nothing to store")
        doc = {
            "format_version": FORMAT_VERSION, "name": self.name, "params": asdict(self.params),
            "features": list(FEATURES),
            "boosters": {str(q): b.model_to_string() for q, b in self.boosters.items()},
            "calibration": {"offsets": {str(k): v for k, v in self.calibration.offsets.items()},
                            "pooled": self.calibration.pooled, "points": self.calibration.points},
            "info": [i.as_dict() for i in self.info.values()], "yearly": self.yearly,
            "training": self.training,
        }
        return gzip.compress(json.dumps(doc).encode("utf-8"), mtime=0)

    @classmethod
    def from_bytes(cls, blob: bytes) -> GradientBoostedForecaster:
        import lightgbm as lgb

        doc = json.loads(gzip.decompress(blob).decode("utf-8"))
        if doc.get("format_version") != FORMAT_VERSION or doc.get("features") != list(FEATURES):
            raise BadInputError("the stored model was made by another version of BorderFlow; "
                                "retrain it with 'borderflow forecast train'")
        model = cls(GBMParams(**doc["params"]))
        model.boosters = {float(q): lgb.Booster(model_str=s) for q, s in doc["boosters"].items()}
        cal = doc["calibration"]
        model.calibration = Calibration({int(k): v for k, v in cal["offsets"].items()}, cal["pooled"], cal["points"])
        model.info = {d["unique_id"]: SeriesInfo.from_dict(d) for d in doc["info"]}
        model.training = doc["training"]
        model.yearly = bool(doc["yearly"])
        return model
