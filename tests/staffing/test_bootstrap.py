"""Bootstrap standard errors of pooled p95s, against the spread of independent samples."""

from __future__ import annotations

import numpy as np
import pytest

from borderflow.sim.histogram import N_BINS, bin_edges_seconds, histogram_percentile_seconds
from borderflow.staffing.bootstrap import p95_standard_error_minutes, resample_weights


def day_histograms(rng: np.random.Generator, days: int, vehicles: int = 400) -> np.ndarray:
    """Wait histograms (days, 1, 1, N_BINS) of days that differ: each day's waits are
    exponential with a mean drawn for that day (a busy day queues longer), so vehicles of
    one day are not independent of each other."""
    _, upper = bin_edges_seconds()
    out = np.zeros((days, 1, 1, N_BINS), dtype=np.int64)
    for d in range(days):
        waits = rng.exponential(60.0 * rng.lognormal(0.0, 0.4), vehicles)
        out[d, 0, 0] = np.bincount(np.searchsorted(upper, waits), minlength=N_BINS)
    return out


def pooled_p95_minutes(hist: np.ndarray) -> float:
    pooled = hist.sum(axis=0)
    return float(histogram_percentile_seconds(pooled, 0.95, np.full(pooled.shape[:-1], 1e9))[0, 0]) / 60


def test_the_standard_error_matches_the_spread_of_independent_samples():
    rng = np.random.default_rng(7)
    days = 40
    estimates = [pooled_p95_minutes(day_histograms(rng, days)) for _ in range(400)]
    spread = float(np.std(estimates, ddof=1))
    weights = resample_weights(days, 200, seed=1)
    errors = [float(p95_standard_error_minutes(day_histograms(rng, days), weights)[0, 0]) for _ in range(40)]
    assert np.mean(errors) == pytest.approx(spread, rel=0.15)


def test_identical_days_have_no_error_and_empty_cells_none():
    rng = np.random.default_rng(3)
    one = day_histograms(rng, 1)
    same = np.repeat(one, 10, axis=0)
    hist = np.concatenate([same, np.zeros_like(same)], axis=2)  # a second, empty hour
    error = p95_standard_error_minutes(hist, resample_weights(10, 50, seed=2))
    assert error.shape == (1, 2)
    assert error[0, 0] == pytest.approx(0.0, abs=1e-9) and np.isnan(error[0, 1])


def test_the_resamples_repeat_and_draw_every_replication_count_times():
    weights = resample_weights(30, 20, seed=5)
    assert weights.shape == (20, 30) and np.all(weights.sum(axis=1) == 30)
    np.testing.assert_array_equal(weights, resample_weights(30, 20, seed=5))
    assert not np.array_equal(weights, resample_weights(30, 20, seed=6))
