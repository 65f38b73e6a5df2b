"""Streaming wait percentiles: a fixed-bin histogram of waits in seconds.

Bins (802 in all):

- bin 0 holds waits of exactly 0 (served on arrival), so a percentile of 0 is exact;
- bins 1-100 are 6 seconds (0.1 minute) wide and cover (0, 10 min);
- bins 101-800 are 1 % wide (each edge 1.01 times the one before) from 10 minutes to
  600 s x 1.01**700, about 7.4 days;
- bin 801 holds anything longer.

A percentile is the inverted-CDF order statistic: the ``ceil(p n)``-th smallest of ``n``
waits. The histogram finds the bin holding it and reports the middle of that bin (the
top of the bin capped at the exact maximum). The reported value is therefore within
half a bin of the exact one: **3 seconds (0.05 minutes) below 10 minutes, 0.5 % above**,
and exactly 0 when that order statistic is 0. Past 7.4 days the exact maximum is
reported instead.
"""

from __future__ import annotations

import numpy as np

# The bin layout is compiled into the engine (numba caches do not notice changes in
# other modules), so it is defined there and re-exported here.
from borderflow.sim.engine import (
    FIRST_LOG_BIN,
    LINEAR_BINS,
    LINEAR_LIMIT_SECONDS,
    LINEAR_WIDTH_SECONDS,
    LOG_BINS,
    LOG_GROWTH,
    N_BINS,
    OVERFLOW_BIN,
    wait_bin,
)

__all__ = [
    "FIRST_LOG_BIN",
    "LINEAR_BINS",
    "LINEAR_LIMIT_SECONDS",
    "LINEAR_WIDTH_SECONDS",
    "LOG_BINS",
    "LOG_GROWTH",
    "N_BINS",
    "OVERFLOW_BIN",
    "bin_edges_seconds",
    "histogram_percentile_seconds",
    "percentile_rank",
    "wait_bin",
]


def bin_edges_seconds() -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper edge of every bin, seconds (the last upper edge is infinite)."""
    lower = np.empty(N_BINS)
    upper = np.empty(N_BINS)
    lower[0] = upper[0] = 0.0
    lin = np.arange(LINEAR_BINS, dtype=np.float64)
    lower[1:FIRST_LOG_BIN] = lin * LINEAR_WIDTH_SECONDS
    upper[1:FIRST_LOG_BIN] = (lin + 1.0) * LINEAR_WIDTH_SECONDS
    k = np.arange(LOG_BINS + 1, dtype=np.float64)
    edges = LINEAR_LIMIT_SECONDS * LOG_GROWTH**k
    lower[FIRST_LOG_BIN:OVERFLOW_BIN] = edges[:-1]
    upper[FIRST_LOG_BIN:OVERFLOW_BIN] = edges[1:]
    lower[OVERFLOW_BIN] = edges[-1]
    upper[OVERFLOW_BIN] = np.inf
    return lower, upper


def percentile_rank(n: np.ndarray | int, p: float) -> np.ndarray:
    """1-based rank of the inverted-CDF ``p`` quantile among ``n`` values (0 when n is 0)."""
    n_arr = np.asarray(n, dtype=np.int64)
    rank = np.ceil(np.round(p * n_arr, 9)).astype(np.int64)
    return np.where(n_arr > 0, np.maximum(rank, 1), 0)


def histogram_percentile_seconds(hist: np.ndarray, p: float, max_seconds: np.ndarray) -> np.ndarray:
    """The ``p`` percentile (0 < p <= 1) from histograms along the last axis, seconds.

    ``hist`` has shape ``(..., N_BINS)``; ``max_seconds`` holds the exact maximum wait of
    each histogram (shape ``hist.shape[:-1]``). Empty histograms give NaN.
    """
    counts = np.asarray(hist, dtype=np.int64)
    n = counts.sum(axis=-1)
    rank = percentile_rank(n, p)
    cum = np.cumsum(counts, axis=-1)
    idx = np.argmax(cum >= rank[..., None], axis=-1)
    lower, upper = bin_edges_seconds()
    top = np.minimum(upper[idx], max_seconds)
    value = np.where(idx == 0, 0.0, (lower[idx] + top) / 2.0)
    value = np.where(idx == OVERFLOW_BIN, max_seconds, value)
    return np.where(n > 0, value, np.nan)
