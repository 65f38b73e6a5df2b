"""The model interface and the two baselines, against hand-computed answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from borderflow.errors import BadInputError
from borderflow.forecast import MODEL_NAMES, make_model
from borderflow.forecast.models import (
    BAND_COLUMNS,
    FORECAST_COLUMNS,
    Forecaster,
    HistoricalAverage,
    ResidualBands,
    SeasonalNaive,
    origins_frame,
)
from borderflow.forecast.series import SeriesInfo

from .conftest import SMALL_GBM, synthetic_lane

UID = "535501/passenger/standard"


def ramp(hours: int, start: str = "2024-01-01T00:00Z") -> pd.DataFrame:
    """y = the hour index, so every forecast says exactly which hour it copied."""
    ds = pd.date_range(start, periods=hours, freq="h", tz="UTC")
    return pd.DataFrame({"unique_id": UID, "ds": ds, "y": np.arange(hours, dtype=float)})


def test_every_model_implements_the_protocol():
    for name in MODEL_NAMES:
        model = make_model(name) if name != "gbm" else make_model(name, **SMALL_GBM)
        assert isinstance(model, Forecaster) and model.name == name
    with pytest.raises(BadInputError, match="model must be one of"):
        make_model("prophet")


def test_seasonal_naive_copies_the_same_hour_a_week_earlier():
    history = ramp(3 * 168)
    model = SeasonalNaive().fit(history)
    origin = history["ds"].iloc[2 * 168 + 5]
    fc = model.predict(history, origins_frame([UID], [origin]), 24)
    assert list(fc.columns) == list(FORECAST_COLUMNS)
    expected = np.arange(24) + (2 * 168 + 5) - 168
    assert fc["point"].tolist() == expected.astype(float).tolist()
    assert fc["horizon"].tolist() == list(range(1, 25))
    assert (fc["ds"] == origin + pd.to_timedelta(np.arange(24), unit="h")).all()


def test_seasonal_naive_falls_back_to_earlier_weeks_then_the_last_reading():
    history = ramp(3 * 168)
    t = 2 * 168 + 10
    history.loc[t - 168, "y"] = np.nan  # last week's hour is missing -> two weeks back
    model = SeasonalNaive().fit(history)
    fc = model.predict(history, origins_frame([UID], [history["ds"].iloc[t]]), 1)
    assert fc["point"].iloc[0] == t - 336
    # A series with only two days of history: no earlier week -> the last reading.
    short = ramp(48)
    fc = SeasonalNaive().fit(short).predict(short, origins_frame([UID], [short["ds"].iloc[40]]), 3)
    assert fc["point"].tolist() == [39.0, 39.0, 39.0]


def test_historical_average_is_the_mean_by_local_hour_of_week():
    history = ramp(3 * 168)
    model = HistoricalAverage().fit(history)
    fc = model.predict(history, origins_frame([UID], [history["ds"].iloc[-1] + pd.Timedelta(hours=1)]), 2)
    # Hour of week 0 (Monday 00:00 UTC; 2024-01-01 is a Monday) holds hours 0, 168, 336.
    assert fc["point"].tolist() == [168.0, 169.0]


def test_historical_average_uses_local_time():
    ds = pd.date_range("2024-01-01T00:00Z", periods=2 * 168, freq="h", tz="UTC")
    local_hour = ds.tz_convert("America/Chicago").hour
    history = pd.DataFrame({"unique_id": UID, "ds": ds, "y": (local_hour == 8).astype(float) * 30})
    info = {UID: SeriesInfo(UID, "America/Chicago")}
    model = HistoricalAverage().fit(history, info)
    fc = model.predict(history, origins_frame([UID], [ds[-1] + pd.Timedelta(hours=1)]), 24, info)
    peak = fc.loc[fc["point"].idxmax(), "ds"]
    assert peak.tz_convert("America/Chicago").hour == 8 and fc["point"].max() == 30.0


def test_residual_bands_are_empirical_quantiles_per_hour():
    rng = np.random.default_rng(1)
    residuals = np.concatenate([rng.normal(0, 1, 1000), rng.normal(0, 10, 1000)])
    hours = np.concatenate([np.zeros(1000, int), np.ones(1000, int)])
    bands = ResidualBands.from_residuals(residuals, hours)
    assert bands.by_hour[0, 3] == pytest.approx(1.96, abs=0.2)
    assert bands.by_hour[1, 3] == pytest.approx(19.6, abs=2.0)
    assert (bands.by_hour[5] == bands.pooled).all()  # an hour without samples -> pooled


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_forecasts_never_see_the_origin_or_later(name):
    """Rewriting every reading at and after the origin changes nothing."""
    history = synthetic_lane(weeks=5, seed=3)
    train = history.iloc[: 4 * 168]
    model = make_model(name, **SMALL_GBM) if name == "gbm" else make_model(name)
    model.fit(train)
    origin = history["ds"].iloc[4 * 168 + 30]
    origins = origins_frame([UID], [origin])
    before = model.predict(history, origins, 24)
    tampered = history.copy()
    tampered.loc[tampered["ds"] >= origin, "y"] = 999.0
    after = model.predict(tampered, origins, 24)
    pd.testing.assert_frame_equal(before, after)
    cut = model.predict(history[history["ds"] < origin], origins, 24)
    pd.testing.assert_frame_equal(before, cut)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_intervals_are_ordered_and_non_negative(name):
    history = synthetic_lane(weeks=5, seed=4)
    model = make_model(name, **SMALL_GBM) if name == "gbm" else make_model(name)
    model.fit(history.iloc[: 4 * 168])
    times = history["ds"].iloc[4 * 168 :: 7]
    fc = model.predict(history, origins_frame([UID], list(times[:10])), 24)
    cols = ["lo_95", "lo_80", "point", "hi_80", "hi_95"]
    values = fc[cols].to_numpy()
    assert (values >= 0).all()
    assert (np.diff(values, axis=1) >= 0).all()
    assert fc[list(BAND_COLUMNS)].notna().all().all()


def test_bad_origins_and_horizons_are_refused():
    history = ramp(2 * 168)
    model = SeasonalNaive().fit(history)
    with pytest.raises(BadInputError, match="horizon"):
        model.predict(history, origins_frame([UID], [history["ds"].iloc[-1]]), 0)
    with pytest.raises(BadInputError, match="whole UTC hours"):
        model.predict(history, origins_frame([UID], [history["ds"].iloc[-1] + pd.Timedelta(minutes=30)]), 1)
    with pytest.raises(BadInputError, match="no readings"):
        model.predict(history, origins_frame([UID], [history["ds"].iloc[0]]), 1)
    with pytest.raises(BadInputError, match="no readings of series"):
        model.predict(history, origins_frame(["999999/passenger/standard"], [history["ds"].iloc[-1]]), 1)
