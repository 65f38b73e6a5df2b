"""The backtest protocol: origins, scoring and scheduled refits that never see the future."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest

from borderflow.errors import BadInputError
from borderflow.forecast.backtest import backtest, fit_schedule, rolling_origins
from borderflow.forecast.models import HistoricalAverage, SeasonalNaive, origins_frame
from borderflow.forecast.series import HOUR, SeriesInfo

from .conftest import synthetic_lane

UID = "535501/passenger/standard"


class RecordingAverage(HistoricalAverage):
    """historical_average that records the newest hour of every fit and what each predict asked."""

    name = "recording_average"

    def __init__(self) -> None:
        super().__init__()
        self.fits: list[pd.Timestamp] = []
        self.predicts: list[tuple[int, pd.Timestamp, pd.Timestamp]] = []

    def fit(self, history: pd.DataFrame, info: Mapping[str, SeriesInfo] | None = None) -> RecordingAverage:
        self.fits.append(pd.to_datetime(history["ds"], utc=True).max())
        super().fit(history, info)
        return self

    def predict(self, history: pd.DataFrame, origins: pd.DataFrame, horizon: int,
                info: Mapping[str, SeriesInfo] | None = None) -> pd.DataFrame:
        times = pd.to_datetime(origins["origin"], utc=True)
        self.predicts.append((len(self.fits), times.min(), times.max()))
        return super().predict(history, origins, horizon, info)


def test_fit_schedule_splits_the_origins_at_each_refit():
    start = pd.Timestamp("2024-01-01T00:00Z")
    origins = rolling_origins(start, start + 100 * HOUR, 4, 7)  # 0, 7, .., 91 h
    once = fit_schedule(start, origins, None)
    assert len(once) == 1 and once[0][0] == start and once[0][1].equals(origins)
    schedule = fit_schedule(start, origins, 30)
    assert [t for t, _ in schedule] == [start + k * 30 * HOUR for k in range(4)]
    assert [len(served) for _, served in schedule] == [5, 4, 4, 1]  # 0-28, 35-56, 63-84, 91
    for fit_time, served in schedule:
        assert (served >= fit_time).all() and (served < fit_time + 30 * HOUR).all()
    with pytest.raises(BadInputError, match="refit_every"):
        fit_schedule(start, origins, 0)


def test_refits_use_every_reading_before_their_time_and_none_after():
    history = synthetic_lane(weeks=8, seed=21)
    start = history["ds"].iloc[5 * 168]
    end = history["ds"].iloc[-1] + HOUR
    recorder = RecordingAverage()
    report = backtest(history, [SeasonalNaive(), recorder], start, end, horizon=24, every=5,
                      refit_every=168, default_model="recording_average")
    fit_times = [start + k * 168 * HOUR for k in range(3)]
    assert report.fit_times == fit_times and report.as_dict()["n_fits"] == 3
    assert len(recorder.fits) == 3
    observed = history.dropna(subset=["y"])
    for fit_time, newest, (fit_number, first, last) in zip(fit_times, recorder.fits, recorder.predicts):
        # Each fit sees all readings before its time and none at or after it ...
        assert newest == observed.loc[observed["ds"] < fit_time, "ds"].max()
        # ... and serves only origins from its time until the next fit.
        assert first >= fit_time and last < fit_time + 168 * HOUR
    assert [p[0] for p in recorder.predicts] == [1, 2, 3]


def test_a_refit_forecasts_like_a_fresh_model_fitted_at_its_time():
    history = synthetic_lane(weeks=8, seed=22)
    start = history["ds"].iloc[5 * 168]
    end = history["ds"].iloc[-1] + HOUR
    report = backtest(history, [SeasonalNaive(), HistoricalAverage()], start, end, horizon=24,
                      every=24, refit_every=168, default_model="historical_average")
    second = start + 168 * HOUR
    fresh = HistoricalAverage().fit(history[history["ds"] < second])
    origins = [second + 24 * k * HOUR for k in range(7)]
    expected = fresh.predict(history, origins_frame([UID], origins), 24)
    points = report.points[(report.points["model"] == "historical_average")
                           & report.points["origin"].isin(origins)]
    merged = points.merge(expected, on=["origin", "horizon"], suffixes=("", "_fresh"))
    assert len(merged) == len(points) > 100
    np.testing.assert_allclose(merged["point"], merged["point_fresh"])
    # The fit made at start would have forecast differently: the refit mattered.
    stale = HistoricalAverage().fit(history[history["ds"] < start]).predict(history, origins_frame([UID], origins), 24)
    assert not np.allclose(stale["point"].to_numpy(), expected["point"].to_numpy())


def test_readings_at_or_after_a_fit_time_change_no_forecast_made_before_it():
    history = synthetic_lane(weeks=8, seed=23)
    start = history["ds"].iloc[5 * 168]
    end = history["ds"].iloc[-1] + HOUR
    cut = start + 100 * HOUR  # the second fit's time

    def forecasts(frame: pd.DataFrame) -> pd.DataFrame:
        report = backtest(frame, [SeasonalNaive(), HistoricalAverage()], start, end, horizon=24, every=7,
                          refit_every=100, default_model="historical_average")
        points = report.points[report.points["origin"] < cut]
        return points.drop(columns="y").sort_values(["model", "origin", "horizon"]).reset_index(drop=True)

    tampered = history.copy()
    tampered.loc[(tampered["ds"] >= cut) & tampered["y"].notna(), "y"] = 999.0
    before, after = forecasts(history), forecasts(tampered)
    assert len(before) > 100
    pd.testing.assert_frame_equal(before, after)
