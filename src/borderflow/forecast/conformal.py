"""Conformal calibration of the default model's intervals, fixed and rolling.

The quantile trees give raw bounds (2.5%, 10%, 90%, 97.5%) in log space. A bound is
moved by the conformal quantile of its own misses — for a lower bound the scores
``lo - y``, for an upper bound ``y - hi`` — so that each tail holds its share of outcomes
(2.5% or 10%): ``lo' = lo - c_lo``, ``hi' = hi + c_hi``. Corrections are kept per horizon
bucket (:data:`HORIZON_BUCKETS`), since a forecast 20 hours out misses by more than one
for the coming hour.

* **Fixed** (:class:`Calibration`): scores from a held-out, later part of the training
  history (the model fitted without it), computed once at training time.
* **Rolling** (:func:`rolling_offsets`): at each origin, the scores of the model's own
  forecasts whose target hours lie in the ``window`` hours before the origin (so all
  resolved before it) and after the end of its training data (so none is in-sample). When
  a bucket has fewer than ``min_points`` such scores the fixed correction is used. Waits
  drift from year to year (Peace Arch's hourly changes were almost 40% larger in 2017-18
  than in 2016-17); rolling corrections follow the drift using only readings before the origin.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

#: Lower edges of the horizon buckets that get their own corrections.
HORIZON_BUCKETS: tuple[int, ...] = (1, 2, 4, 7, 13, 25, 49, 97)
#: Tail share of each bound, in the order lo_95, lo_80, hi_80, hi_95.
MISS_SHARES: tuple[float, ...] = (0.025, 0.1, 0.1, 0.025)
#: A bucket needs this many held-out scores for a fixed correction of its own.
MIN_CALIBRATION_POINTS = 30
#: Scores per bucket in a rolling window use at most this many distinct horizons.
HORIZONS_PER_BUCKET = 6


def conformal_quantile(scores: np.ndarray, miss_share: float) -> float:
    """The ``ceil((n+1)(1-a))``-th smallest of n scores (the largest if that exceeds n):
    the split-conformal quantile, so that a new score exceeds it with chance <= a."""
    n = scores.size
    rank = min(n, math.ceil((n + 1) * (1.0 - miss_share)))
    return float(np.partition(scores, rank - 1)[rank - 1])


def bucket_of(horizons: np.ndarray) -> np.ndarray:
    """The bucket (its lower edge) of each horizon."""
    edges = np.asarray(HORIZON_BUCKETS)
    return edges[np.searchsorted(edges, horizons, side="right") - 1]


def interval_scores(bounds: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(4 x n) misses of raw bounds (lo_95, lo_80, hi_80, hi_95) against outcomes y."""
    return np.stack([bounds[0] - y, bounds[1] - y, y - bounds[2], y - bounds[3]])


def _offsets(scores: np.ndarray) -> list[float]:
    return [conformal_quantile(scores[i], MISS_SHARES[i]) for i in range(4)]


@dataclass
class Calibration:
    """Fixed corrections: ``offsets[bucket] = [lo95, lo80, hi80, hi95]``, pooled fallback."""

    offsets: dict[int, list[float]] = field(default_factory=dict)
    pooled: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0])
    points: int = 0

    @classmethod
    def from_scores(cls, scores: np.ndarray, horizons: np.ndarray) -> Calibration:
        cal = cls(pooled=_offsets(scores), points=int(scores.shape[1]))
        buckets = bucket_of(horizons)
        for b in HORIZON_BUCKETS:
            mask = buckets == b
            if mask.sum() >= MIN_CALIBRATION_POINTS:
                cal.offsets[b] = _offsets(scores[:, mask])
        return cal

    def table(self) -> np.ndarray:
        """(4 x number of buckets) corrections, pooled where a bucket has none."""
        return np.array([self.offsets.get(b, self.pooled) for b in HORIZON_BUCKETS]).T

    def for_horizons(self, horizons: np.ndarray) -> np.ndarray:
        """(4 x len(horizons)) corrections."""
        index = np.searchsorted(HORIZON_BUCKETS, horizons, side="right") - 1
        return self.table()[:, index]


def representative_horizons(horizon: int, most: int | None = None) -> np.ndarray:
    """Up to :data:`HORIZONS_PER_BUCKET` evenly spread horizons of each bucket that
    starts at or below ``horizon``, over the whole bucket (up to ``most``, the model's
    longest horizon): the horizons whose recent misses are scored. A bucket is scored
    the same whatever part of it is asked for, so an hour's band does not depend on how
    many hours are forecast."""
    edges = [*HORIZON_BUCKETS, 10**9]
    chosen: list[int] = []
    for lo, hi in itertools.pairwise(edges):
        if lo > horizon:
            break
        top = min(hi - 1, max(most if most is not None else horizon, horizon, lo))
        span = np.arange(lo, top + 1)
        if span.size > HORIZONS_PER_BUCKET:
            span = span[np.linspace(0, span.size - 1, HORIZONS_PER_BUCKET).round().astype(int)]
        chosen.extend(int(k) for k in np.unique(span))
    return np.array(chosen, dtype=np.int64)


def rolling_offsets(score_targets: np.ndarray, score_horizons: np.ndarray, scores: np.ndarray,
                    epochs: np.ndarray, window: int, min_points: int, fixed: Calibration) -> np.ndarray:
    """Corrections per epoch: (len(epochs) x 4 x number of buckets).

    ``score_targets`` are the grid indices of scored target hours, ``score_horizons`` their
    horizons, ``scores`` (4 x n) their misses; every score must come from a forecast made
    after training. An epoch ``e`` (a grid index <= the origins it serves) uses the scores
    with targets in ``[e - window, e)``; a bucket with fewer than ``min_points`` of them
    keeps the fixed correction.
    """
    order = np.argsort(score_targets, kind="stable")
    targets, buckets, scores = score_targets[order], bucket_of(score_horizons[order]), scores[:, order]
    fixed_table = fixed.table()
    out = np.repeat(fixed_table[None, :, :], len(epochs), axis=0)
    for i, epoch in enumerate(epochs):
        lo, hi = np.searchsorted(targets, [epoch - window, epoch], side="left")
        if hi - lo < min_points:
            continue
        window_buckets = buckets[lo:hi]
        for j, b in enumerate(HORIZON_BUCKETS):
            mask = window_buckets == b
            if mask.sum() >= min_points:
                out[i, :, j] = _offsets(scores[:, lo:hi][:, mask])
    return out
