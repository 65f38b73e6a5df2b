"""The default model: features before the origin, calibrated intervals, storage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from borderflow.errors import BadInputError
from borderflow.forecast.conformal import HORIZON_BUCKETS, conformal_quantile
from borderflow.forecast.gbm import GBMParams, GradientBoostedForecaster
from borderflow.forecast.lags import FEATURES, PairFeatures
from borderflow.forecast.models import origins_frame
from borderflow.forecast.series import SeriesInfo, to_dense

from .conftest import SMALL_GBM, synthetic_lane

UID = "535501/passenger/standard"


def small(**overrides: object) -> GradientBoostedForecaster:
    return GradientBoostedForecaster(GBMParams(**{**SMALL_GBM, **overrides}))


def test_pair_features_read_only_before_the_origin():
    ds = pd.date_range("2024-01-01T00:00Z", periods=400, freq="h", tz="UTC")
    y = np.arange(400, dtype=float)
    y[300:305] = np.nan
    dense = to_dense(pd.DataFrame({"unique_id": UID, "ds": ds, "y": y}))[UID]
    pf = PairFeatures(dense, SeriesInfo(UID))
    f = pf.features(np.array([306, 306, 306]), np.array([306, 329, 330]))
    assert f["horizon"].tolist() == [1.0, 24.0, 25.0]
    assert f["last_value"].tolist() == [305.0, 305.0, 305.0]
    assert f["last_age_hours"].tolist() == [1.0, 1.0, 1.0]
    assert f["lag_1w"].tolist() == [306.0 - 168, 329.0 - 168, 330.0 - 168]
    # The same hour a day earlier only while it lies before the origin (horizons <= 24).
    assert f["lag_24h"][:2].tolist() == [282.0, 305.0] and np.isnan(f["lag_24h"][2])
    assert f["mean_3h"][0] == 305.0  # hours 303-305, of which 303 and 304 are missing
    assert f["count_24h"][0] == 19.0  # hours 282-305 less the five missing ones
    assert set(f) == set(FEATURES)


def test_conformal_quantile_has_the_finite_sample_correction():
    scores = np.arange(1.0, 20.0)  # 19 scores; ceil(20 * 0.9) / 19 -> the 18th smallest
    assert conformal_quantile(scores, 0.1) == 18.0
    assert conformal_quantile(np.arange(1.0, 5.0), 0.05) == 4.0  # too few scores: the largest


def test_fit_predict_store_and_reload_give_identical_forecasts():
    history = synthetic_lane(weeks=6, seed=5)
    train = history.iloc[: 5 * 168]
    model = small().fit(train)
    origins = origins_frame([UID], list(history["ds"].iloc[5 * 168 :: 13][:5]))
    before = model.predict(history, origins, 24)
    again = GradientBoostedForecaster.from_bytes(model.to_bytes())
    pd.testing.assert_frame_equal(before, again.predict(history, origins, 24))
    assert again.info[UID] == model.info[UID]
    assert set(model.calibration.offsets) <= set(HORIZON_BUCKETS)


def test_same_seed_same_model():
    history = synthetic_lane(weeks=5, seed=6)
    a, b = small().fit(history), small().fit(history)
    assert a.to_bytes() == b.to_bytes()


def test_beats_the_baselines_and_covers_honestly_on_a_persistent_series():
    from borderflow.forecast.backtest import backtest
    from borderflow.forecast.models import HistoricalAverage, SeasonalNaive

    history = synthetic_lane(weeks=16, seed=7)
    start = history["ds"].iloc[12 * 168]
    end = history["ds"].iloc[-1] + pd.Timedelta(hours=1)
    report = backtest(history, [SeasonalNaive(), HistoricalAverage(), small(max_train_rows=15_000)],
                      start, end, horizon=24, every=5)
    m, by_h = report.metrics, report.mae_by_horizon
    # The recent readings make the coming hours better than either baseline can.
    for k in range(2):
        assert by_h["gbm"][k] < min(by_h["seasonal_naive"][k], by_h["historical_average"][k])
    assert abs(m["gbm"]["coverage_80"] - 0.80) <= 0.08
    assert abs(m["gbm"]["coverage_95"] - 0.95) <= 0.05


def test_a_lane_it_was_not_trained_on_uses_the_shared_model():
    a = synthetic_lane(weeks=5, seed=8, uid="535501/passenger/standard")
    b = synthetic_lane(weeks=5, seed=9, uid="535502/passenger/standard")
    info = {uid: SeriesInfo(uid, "America/Chicago", "passenger", "standard") for uid in (a.iloc[0, 0], b.iloc[0, 0])}
    model = small().fit(a, info)
    fc = model.predict(b, origins_frame([b.iloc[0, 0]], [b["ds"].iloc[-1] + pd.Timedelta(hours=1)]), 6, info)
    assert len(fc) == 6 and fc["point"].notna().all()


def test_limits_are_bad_input():
    history = synthetic_lane(weeks=5, seed=10)
    model = small().fit(history)
    with pytest.raises(BadInputError, match="at most 24 hours"):
        model.predict(history, origins_frame([UID], [history["ds"].iloc[-1]]), 25)
    with pytest.raises(BadInputError, match="needs more history"):
        small().fit(history.iloc[:40])
    with pytest.raises(BadInputError, match="max_horizon"):
        GBMParams(max_horizon=0).validate()
    for bad in ({"num_trees": 0}, {"learning_rate": 0.0}, {"num_leaves": 1}, {"min_data_in_leaf": 0},
                {"feature_fraction": 1.5}):
        with pytest.raises(BadInputError, match=next(iter(bad))):
            GBMParams(**bad).validate()  # type: ignore[arg-type]
    GBMParams().validate()
    with pytest.raises(BadInputError, match="not fitted"):
        small().to_bytes()


def test_rolling_offsets_use_only_the_window_before_each_epoch():
    from borderflow.forecast.conformal import Calibration, rolling_offsets

    targets = np.arange(100, 400)
    horizons = np.ones(targets.size, dtype=np.int64)
    # Misses grow with time: the score of target t is t (all four bounds alike).
    scores = np.tile(targets.astype(float), (4, 1))
    fixed = Calibration(pooled=[-1.0, -1.0, -1.0, -1.0])
    table = rolling_offsets(targets, horizons, scores, np.array([150, 300, 1000]), window=100,
                            min_points=60, fixed=fixed)
    assert table.shape == (3, 4, len(HORIZON_BUCKETS))
    assert (table[0, :, 0] == -1.0).all()  # only 50 scores before 150 -> fixed
    # Epoch 300: targets 200..299 (n=100); lo_95 rank ceil(101 * 0.975) = 99 -> 298.
    assert table[1, 0, 0] == 298.0 and table[1, 1, 0] == 200.0 + 91 - 1
    assert (table[2, :, 0] == -1.0).all()  # nothing resolved in [900, 1000)
    assert (table[1, :, 1:] == -1.0).all()  # other buckets had no scores


def test_rolling_corrections_follow_a_noisier_period_without_looking_ahead():
    calm = synthetic_lane(weeks=6, seed=11)
    wild = synthetic_lane(weeks=5, seed=12, start=str(calm["ds"].iloc[-1] + pd.Timedelta(hours=1)))
    rng = np.random.default_rng(13)
    wild["y"] = np.clip(wild["y"] + rng.normal(0, 12, len(wild)), 0, None).round(1)
    history = pd.concat([calm, wild], ignore_index=True)
    model = small(max_train_rows=15_000).fit(calm)
    origins = origins_frame([UID], list(wild["ds"].iloc[4 * 168 :: 5][:30]))
    rolling = model.predict(history, origins, 24)
    model.params = GBMParams(**{**SMALL_GBM, "max_train_rows": 15_000, "recalibration_hours": 0})
    fixed = model.predict(history, origins, 24)
    actual = history.set_index("ds")["y"]

    def coverage(fc: pd.DataFrame) -> float:
        y = actual.reindex(fc["ds"]).to_numpy()
        ok = ~np.isnan(y)
        return float(((y >= fc["lo_80"]) & (y <= fc["hi_80"]))[ok].mean())

    assert (rolling["hi_80"] - rolling["lo_80"]).mean() > 1.5 * (fixed["hi_80"] - fixed["lo_80"]).mean()
    assert coverage(rolling) - coverage(fixed) > 0.1 and abs(coverage(rolling) - 0.80) <= 0.1
    # Rewriting the readings at and after the last origin changes nothing before it.
    model.params = GBMParams(**{**SMALL_GBM, "max_train_rows": 15_000})
    last = origins["origin"].max()
    tampered = history.assign(y=np.where(history["ds"] >= last, 500.0, history["y"]))
    one = origins_frame([UID], [last])
    pd.testing.assert_frame_equal(model.predict(history, one, 24), model.predict(tampered, one, 24))


def test_a_stray_reading_years_before_the_rest_does_not_starve_the_fit():
    """One feed capture years before a regular source stretches the lane's hourly grid;
    the held-out part is still the last fifth of the *readings*."""
    history = synthetic_lane(weeks=5, seed=10)
    stray = pd.DataFrame({"unique_id": [UID], "ds": [history["ds"].iloc[0] - pd.Timedelta(days=3 * 365)],
                          "y": [12.0]})
    with_stray = pd.concat([stray, history], ignore_index=True)
    model = small().fit(with_stray)
    regular = small().fit(history)
    assert model.training["calibration_rows"] > 0.5 * regular.training["calibration_rows"]
    assert model.training["rows"] > 0.5 * regular.training["rows"]
