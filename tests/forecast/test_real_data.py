"""On real data, the default model beats both baselines at every horizon and its intervals
cover what they promise (within 5 points). The full-size runs are in
benchmarks/bench_forecast.py; these use fewer origins and the default model settings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from borderflow.forecast import make_model
from borderflow.forecast.backtest import BacktestReport, backtest

from .conftest import cascade_info

HORIZON = 24


def assert_default_wins(report: BacktestReport) -> None:
    by_h = {name: np.array(values, dtype=float) for name, values in report.mae_by_horizon.items()}
    better_baseline = np.minimum(by_h["seasonal_naive"], by_h["historical_average"])
    losses = [k + 1 for k in range(HORIZON) if not by_h["gbm"][k] < better_baseline[k]]
    assert not losses, f"gbm does not beat both baselines at horizons {losses}: {report.mae_by_horizon}"
    gbm = report.metrics["gbm"]
    assert abs(gbm["coverage_80"] - 0.80) <= 0.05, gbm
    assert abs(gbm["coverage_95"] - 0.95) <= 0.05, gbm


@pytest.mark.slow
def test_peace_arch_train_2013_to_mid_2017_test_the_following_year(cascade_hourly):
    start = pd.Timestamp("2017-07-01", tz="America/Los_Angeles").tz_convert("UTC")
    end = pd.Timestamp("2018-07-01", tz="America/Los_Angeles").tz_convert("UTC")
    models = [make_model("seasonal_naive"), make_model("historical_average"), make_model("gbm")]
    # Every 25 hours: origins rotate through the hours of the day.
    report = backtest(cascade_hourly, models, start, end, horizon=HORIZON, every=25, info=cascade_info())
    assert report.n_origins >= 340 and report.n_points > 8000
    assert_default_wins(report)


@pytest.mark.slow
def test_brownsville_rss_lanes_pooled(brownsville_hourly):
    hourly, info = brownsville_hourly
    observed = hourly.groupby("unique_id")["y"].count()
    hourly = hourly[hourly["unique_id"].isin(observed[observed >= 72].index)]
    start = pd.Timestamp("2026-08-19", tz="America/Chicago").tz_convert("UTC")
    end = hourly["ds"].max() + pd.Timedelta(hours=1)
    models = [make_model("seasonal_naive"), make_model("historical_average"), make_model("gbm")]
    report = backtest(hourly, models, start, end, horizon=HORIZON, every=1, info=info)
    assert len(report.series) == 16 and report.n_points > 10000
    assert_default_wins(report)
