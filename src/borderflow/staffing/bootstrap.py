"""Standard errors of pooled p95 waits, by resampling whole replications.

An hour's p95 pools the vehicles of every replication. Replications (simulated days)
are independent; the vehicles of one day are not (they share its queue). So the
estimate's uncertainty comes from resampling **replications** with replacement (a
cluster bootstrap): each resample weights replication ``r`` by how often it was drawn,
pools the weighted histograms, and takes its p95; the standard error is the standard
deviation of those p95s over the resamples.

Why not batch means (the p95 of each of ten batches of replications, ``sd / sqrt(10)``)?
With nine degrees of freedom that estimate is itself off by half either way for one
cell in five, and a p95 of a few busy days is pulled by the worst of them, so smaller
batches understate it. A margin of ``z`` standard errors is only as good as the error.

Each resample only needs the cumulative counts near the pooled p95: a window of
WINDOW_BINS bins either side of its bin (four minutes below ten minutes, about 40 %
above), so the cost is one small matrix product per evaluation. The weights are drawn
once per replication count from a fixed seed, so two plans are resampled alike (common
random numbers for the error too) and results repeat exactly.
"""

from __future__ import annotations

import warnings

import numpy as np

from borderflow.sim.histogram import N_BINS, bin_edges_seconds, percentile_rank

#: Resamples of the replications.
DEFAULT_RESAMPLES = 200
#: Histogram bins kept either side of the pooled p95's bin.
WINDOW_BINS = 40


def resample_weights(replications: int, resamples: int, seed: int) -> np.ndarray:
    """How often each replication is drawn in each resample: (resamples, replications)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, replications, resamples]))
    even = np.full(replications, 1.0 / replications)
    return rng.multinomial(replications, even, size=resamples).astype(np.float64)


def p95_standard_error_minutes(
    replication_hist: np.ndarray, weights: np.ndarray, quantile: float = 0.95
) -> np.ndarray:
    """Bootstrap standard error (minutes) of the pooled ``quantile`` of each cell.

    ``replication_hist``: wait histograms per replication, (replications, G, H, N_BINS);
    ``weights``: (resamples, replications) from :func:`resample_weights`. NaN where no
    vehicle arrived. A p95 is reported as the middle of its bin, as the simulator does.
    """
    per_rep = np.cumsum(replication_hist, axis=-1)
    pooled = per_rep.sum(axis=0)
    count = pooled[..., -1]
    centre = np.argmax(pooled >= percentile_rank(count, quantile)[..., None], axis=-1)
    width = min(2 * WINDOW_BINS + 1, N_BINS)
    low = np.clip(centre - WINDOW_BINS, 0, N_BINS - width)
    columns = low[..., None] + np.arange(width)
    window = np.take_along_axis(per_rep, columns[None], axis=-1).astype(np.float64)
    resampled = np.tensordot(weights, window, axes=(1, 0))  # (B, G, H, width)
    totals = np.tensordot(weights, per_rep[..., -1].astype(np.float64), axes=(1, 0))
    rank = np.ceil(np.round(quantile * totals, 9))
    reached = resampled >= np.maximum(rank, 1.0)[..., None]
    position = np.where(reached.any(axis=-1), reached.argmax(axis=-1), width - 1)
    value = _bin_middles_minutes()[low[None] + position]
    value = np.where(totals > 0, value, np.nan)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # cells nobody reached: NaN
        spread = np.nanstd(value, axis=0, ddof=1)
    return np.where(count > 0, spread, np.nan)


def _bin_middles_minutes() -> np.ndarray:
    lower, upper = bin_edges_seconds()
    middle = np.where(np.isfinite(upper), (lower + upper) / 2.0, lower)
    middle[0] = 0.0
    return middle / 60.0
