"""Forecasting jobs over the archive, on SQLite and PostgreSQL: train, store, forecast, backtest."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from borderflow.errors import BadInputError, NotFoundError
from borderflow.forecast.gbm import GBMParams, GradientBoostedForecaster
from borderflow.services import forecasting
from borderflow.store.forecast_schema import forecast_models, forecasts
from borderflow.store.schema import observations

SMALL = GBMParams(max_horizon=24, max_train_rows=6_000, num_trees=30, num_leaves=15, learning_rate=0.15,
                  min_data_in_leaf=40, copies_per_target=2)
START = dt.datetime(2026, 6, 1, 5, tzinfo=dt.UTC)  # midnight at Brownsville (CDT)
WEEKS = 5
LAST = START + dt.timedelta(hours=WEEKS * 168 - 1)


def readings(start: dt.datetime = START, hours: int = WEEKS * 168, seed: int = 0) -> list[dict]:
    """Hourly readings of B&M passenger/standard with a daily shape, at :00 and some at :30,
    a few closed lanes (no wait) and a gap of six hours."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(hours):
        at = start + dt.timedelta(hours=i)
        local_hour = (at.hour - 5) % 24
        wait = int(max(0, 20 + 30 * np.exp(-((local_hour - 13) ** 2) / 10) + rng.normal(0, 5)))
        base = {"crossing_id": "535501", "mode": "passenger", "program": "standard", "direction": "northbound",
                "lanes_open": 2, "source": "cbp-rss", "status": None}
        if 100 <= i < 106:
            continue  # the feed went quiet
        if i % 97 == 0:
            rows.append({**base, "observed_at": at, "wait_minutes": None, "status": "closed"})
            continue
        rows.append({**base, "observed_at": at, "wait_minutes": wait})
        if i % 5 == 0:
            rows.append({**base, "observed_at": at + dt.timedelta(minutes=30), "wait_minutes": wait + 10})
    return rows


@pytest.fixture
def archive(engine: Engine) -> Engine:
    with engine.begin() as conn:
        conn.execute(observations.insert(), readings())
    return engine


def test_lane_history_applies_the_hourly_rule(archive):
    hist = forecasting.lane_history(archive, "535501", "passenger", "standard").set_index("ds")
    hour = lambda i: pd.Timestamp(START + dt.timedelta(hours=i))
    # Hour 0 had only a closed-lanes reading: the series starts at hour 1.
    assert hist.index[0] == hour(1) and hist.index[-1] == pd.Timestamp(LAST)
    assert hist.loc[hour(100):hour(105), "y"].isna().all()  # the gap stays missing, not zero
    assert np.isnan(hist.loc[hour(97), "y"])  # closed lanes: no wait
    at = {r["observed_at"]: r["wait_minutes"] for r in readings()}
    assert hist.loc[hour(1), "y"] == at[START + dt.timedelta(hours=1)]
    five = [at[START + dt.timedelta(hours=5)], at[START + dt.timedelta(hours=5, minutes=30)]]
    assert hist.loc[hour(5), "y"] == pytest.approx(np.mean(five)) and hist.loc[hour(5), "n_readings"] == 2


def test_train_stores_a_versioned_model(archive):
    summary = forecasting.train(archive, crossing_ids=["535501"], params=SMALL,
                                now=dt.datetime(2026, 7, 6, 12, tzinfo=dt.UTC))
    assert summary["series"] == ["535501/passenger/standard"]
    assert summary["version"].startswith("gbm-20260706T120000Z-")
    models = forecasting.list_models(archive)
    assert [m["version"] for m in models] == [summary["version"]]
    with archive.connect() as conn:
        blob = conn.execute(select(forecast_models.c.content)).scalar_one()
    assert isinstance(GradientBoostedForecaster.from_bytes(bytes(blob)), GradientBoostedForecaster)


def test_train_if_stale_repeats_nothing_until_a_reading_arrives(archive):
    first = forecasting.train(archive, crossing_ids=["535501"], params=SMALL, if_stale=True,
                              now=dt.datetime(2026, 7, 6, 12, tzinfo=dt.UTC))
    assert first["up_to_date"] is False
    again = forecasting.train(archive, crossing_ids=["535501"], params=SMALL, if_stale=True)
    assert again["up_to_date"] is True and again["version"] == first["version"]
    assert len(forecasting.list_models(archive)) == 1
    # Other settings are another model.
    other = GBMParams(**{**SMALL.__dict__, "seed": 7})
    assert forecasting.train(archive, crossing_ids=["535501"], params=other, if_stale=True,
                             now=dt.datetime(2026, 7, 6, 13, tzinfo=dt.UTC))["up_to_date"] is False
    # Back to the first settings: a newer model now serves the lane, so this one is no longer current.
    assert forecasting.train(archive, crossing_ids=["535501"], params=SMALL, if_stale=True,
                             now=dt.datetime(2026, 7, 6, 14, tzinfo=dt.UTC))["up_to_date"] is False
    latest = forecasting.list_models(archive)[0]["version"]
    assert forecasting.train(archive, crossing_ids=["535501"], params=SMALL, if_stale=True)["version"] == latest
    # Models of other lanes, however many, change nothing.
    with archive.begin() as conn:
        conn.execute(observations.insert(), [{**r, "crossing_id": "535502"} for r in readings()])
    for hour in (16, 17):
        forecasting.train(archive, crossing_ids=["535502"], params=SMALL,
                          now=dt.datetime(2026, 7, 6, hour, tzinfo=dt.UTC))
    assert forecasting.train(archive, crossing_ids=["535501"], params=SMALL, if_stale=True)["version"] == latest
    # A reading a day later extends the lane's hours: trained again.
    with archive.begin() as conn:
        conn.execute(observations.insert(), [{**readings()[5], "observed_at": LAST + dt.timedelta(days=1),
                                              "wait_minutes": 30}])
    fresh = forecasting.train(archive, crossing_ids=["535501"], params=SMALL, if_stale=True,
                              now=dt.datetime(2026, 7, 6, 18, tzinfo=dt.UTC))
    assert fresh["up_to_date"] is False and fresh["version"] != latest
    assert len(forecasting.list_models(archive)) == 6


def test_forecast_has_bands_the_best_hour_and_is_stored_once(archive):
    forecasting.train(archive, crossing_ids=["535501"], params=SMALL)
    as_of = LAST + dt.timedelta(minutes=20)
    result = forecasting.forecast_for(archive, "535501", "passenger", "standard", 24, as_of=as_of)
    assert result["origin"] == "2026-07-06T05:00:00Z"  # the hour after the one as_of falls in
    assert result["last_reading_at"] == "2026-07-06T04:00:00Z"
    assert result["timezone"] == "America/Chicago" and result["levels"] == [80, 95]
    hours = result["forecast"]
    assert [h["horizon"] for h in hours] == list(range(1, 25))
    assert hours[0]["local_hour"] == "2026-07-06T00:00:00-05:00"
    for h in hours:
        assert 0 <= h["lo95"] <= h["lo80"] <= h["wait_minutes"] <= h["hi80"] <= h["hi95"]
    lowest = min(h["wait_minutes"] for h in hours)
    assert result["best_hour"] == next(h for h in hours if h["wait_minutes"] == lowest)
    with archive.connect() as conn:
        assert conn.execute(select(func.count()).select_from(forecasts)).scalar() == 24
        row = conn.execute(select(forecasts.c.model_version, forecasts.c.last_reading_at)).first()
    assert row[0] == result["model_version"] and row[1] == dt.datetime(2026, 7, 6, 4, tzinfo=dt.UTC)
    # Asked again before a new reading: the stored forecast, nothing new written.
    again = forecasting.forecast_for(archive, "535501", "passenger", "standard", 12, as_of=as_of)
    assert again["made_at"] == result["made_at"] and again["forecast"] == hours[:12]
    # A new reading arrives: a new forecast that saw it.
    with archive.begin() as conn:
        conn.execute(observations.insert(), [{**readings()[5], "observed_at": LAST + dt.timedelta(minutes=10),
                                              "wait_minutes": 90}])
    fresh = forecasting.forecast_for(archive, "535501", "passenger", "standard", 24, as_of=as_of)
    assert fresh["last_reading_at"] == "2026-07-06T04:10:00Z"
    with archive.connect() as conn:
        assert conn.execute(select(func.count()).select_from(forecasts)).scalar() == 48


def test_forecast_sees_only_readings_before_as_of(archive):
    forecasting.train(archive, crossing_ids=["535501"], params=SMALL)
    early = LAST - dt.timedelta(days=3)
    result = forecasting.forecast_for(archive, "535501", "passenger", "standard", 6, as_of=early, store=False)
    assert pd.Timestamp(result["last_reading_at"]) < pd.Timestamp(early)
    assert result["origin"] == "2026-07-03T04:00:00Z"  # a whole hour is its own origin
    # The only model saw the hours it forecasts: served, but flagged in-sample.
    assert result["out_of_sample"] is False
    # A model trained before the origin is preferred, though older than the newest one.
    honest = forecasting.train(archive, crossing_ids=["535501"], params=SMALL, until=early - dt.timedelta(hours=1),
                               now=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    again = forecasting.forecast_for(archive, "535501", "passenger", "standard", 6, as_of=early, store=False)
    assert again["out_of_sample"] is True and again["model_version"] == honest["version"]
    latest = forecasting.forecast_for(archive, "535501", "passenger", "standard", 6,
                                      as_of=LAST + dt.timedelta(minutes=20), store=False)
    assert latest["model_version"] != honest["version"] and latest["out_of_sample"] is True


def test_a_reading_stored_late_for_an_earlier_hour_is_seen(archive):
    """The feed went quiet for six hours; a reading for one of them arrives afterwards.
    The stored forecast and the stored model both read the old history: neither is reused."""
    forecasting.train(archive, crossing_ids=["535501"], params=SMALL, now=dt.datetime(2026, 7, 6, 12, tzinfo=dt.UTC))
    as_of = LAST + dt.timedelta(minutes=20)
    first = forecasting.forecast_for(archive, "535501", "passenger", "standard", 24, as_of=as_of)
    assert forecasting.forecast_for(archive, "535501", "passenger", "standard", 24, as_of=as_of)["made_at"] == \
        first["made_at"]
    assert forecasting.train(archive, crossing_ids=["535501"], params=SMALL, if_stale=True)["up_to_date"] is True
    with archive.begin() as conn:
        conn.execute(observations.insert(), [{**readings()[5], "observed_at": START + dt.timedelta(hours=102),
                                              "wait_minutes": 40}])
    later = forecasting.forecast_for(archive, "535501", "passenger", "standard", 24, as_of=as_of)
    assert later["last_reading_at"] == first["last_reading_at"] and later["made_at"] != first["made_at"]
    with archive.connect() as conn:
        assert conn.execute(select(func.count()).select_from(forecasts)).scalar() == 48
    retrained = forecasting.train(archive, crossing_ids=["535501"], params=SMALL, if_stale=True,
                                  now=dt.datetime(2026, 7, 6, 13, tzinfo=dt.UTC))
    assert retrained["up_to_date"] is False


def test_best_hour_ties_go_to_the_earliest():
    hours = [{"horizon": k, "wait_minutes": w} for k, w in ((1, 30.0), (2, 10.0), (3, 10.0), (4, 12.0))]
    assert forecasting.best_hour_to_cross(hours)["horizon"] == 2


def test_refusals(archive):
    with pytest.raises(NotFoundError, match="forecast train"):
        forecasting.forecast_for(archive, "535501", "passenger", "standard", 24, as_of=LAST)
    forecasting.train(archive, crossing_ids=["535501"], params=SMALL)
    with pytest.raises(NotFoundError, match="no trained forecast model covers crossing 535501 pedestrian"):
        forecasting.forecast_for(archive, "535501", "pedestrian", "standard", as_of=LAST)
    with pytest.raises(NotFoundError, match="not in the archive"):
        forecasting.forecast_for(archive, "999999", as_of=LAST)
    with pytest.raises(BadInputError, match="hours must be"):
        forecasting.forecast_for(archive, "535501", hours=0, as_of=LAST)
    with pytest.raises(BadInputError, match="at most 24 hours"):
        forecasting.forecast_for(archive, "535501", hours=48, as_of=LAST)
    with pytest.raises(BadInputError, match="mode must be"):
        forecasting.forecast_for(archive, "535501", "car", as_of=LAST)
    with pytest.raises(BadInputError, match="time zone"):
        forecasting.forecast_for(archive, "535501", as_of="2026-07-06T04:00:00")
    with pytest.raises(NotFoundError, match="more than 168 hours earlier"):
        forecasting.forecast_for(archive, "535501", as_of=LAST + dt.timedelta(days=30))
    with pytest.raises(NotFoundError, match="no lane has 72"):
        forecasting.train(archive, crossing_ids=["535502"], params=SMALL)
    with pytest.raises(BadInputError, match="seed"):
        forecasting.train(archive, crossing_ids=["535501"], params=GBMParams(**{**SMALL.__dict__, "seed": -1}))
    for every in (0, 10**20):
        with pytest.raises(BadInputError, match="--every must be"):
            forecasting.backtest_lane(archive, "535501", "passenger", "standard", "2026-06-29", "2026-07-06",
                                      every=every, params=SMALL)


def test_backtest_scores_only_hours_from_start(archive):
    """A start within an hour begins at the next whole hour: every scored hour lies in [start, end)."""
    start = dt.datetime(2026, 6, 29, 5, 30, tzinfo=dt.UTC)
    result = forecasting.backtest_lane(archive, "535501", "passenger", "standard", start, "2026-07-06",
                                       horizon=6, every=24, params=SMALL)
    assert pd.Timestamp(result["start"]) == pd.Timestamp("2026-06-29T06:00:00Z")


def test_backtest_lane_reports_every_model(archive):
    result = forecasting.backtest_lane(archive, "535501", "passenger", "standard", "2026-06-29", "2026-07-06",
                                       horizon=12, every=13, params=SMALL)
    assert result["default_model"] == "gbm"
    assert set(result["metrics"]) == {"seasonal_naive", "historical_average", "gbm"}
    for name, m in result["metrics"].items():
        assert {"mae_minutes", "rmse_minutes", "coverage_80", "coverage_95"} <= set(m)
        assert len(result["mae_by_horizon"][name]) == 12
    assert result["start"] == "2026-06-29T05:00:00+00:00"  # a date is midnight at the crossing
    assert result["n_origins"] == 13 and 0 < result["n_points"] <= 13 * 12  # origins 0, 13, .., 156 h


def test_backtest_lane_refits_on_schedule(archive):
    result = forecasting.backtest_lane(archive, "535501", "passenger", "standard", "2026-06-22", "2026-07-06",
                                       horizon=12, every=13, params=SMALL, refit_every=168)
    assert result["refit_every"] == 168 and result["n_fits"] == 2  # at 06-22 and 06-29
    once = forecasting.backtest_lane(archive, "535501", "passenger", "standard", "2026-06-22", "2026-07-06",
                                     horizon=12, every=13, params=SMALL)
    assert once["refit_every"] is None and once["n_fits"] == 1
    assert once["n_points"] == result["n_points"]
    # The refit at 06-29 sees a week more: the second week's forecasts change.
    assert result["metrics"]["historical_average"] != once["metrics"]["historical_average"]
    with pytest.raises(BadInputError, match="refit-every"):
        forecasting.backtest_lane(archive, "535501", "passenger", "standard", "2026-06-22", "2026-07-06",
                                  params=SMALL, refit_every=5)


def test_out_of_sample_is_judged_by_the_lane_own_readings(archive):
    """A model trained across lanes read 535502 two days longer than 535501: a forecast of
    535501 from just after its own last reading is still out of sample."""
    longer = readings(hours=WEEKS * 168 + 48, seed=3)
    with archive.begin() as conn:
        conn.execute(observations.insert(), [{**r, "crossing_id": "535502"} for r in longer])
    trained = forecasting.train(archive, crossing_ids=["535501", "535502"], params=SMALL)
    assert len(trained["series"]) == 2
    result = forecasting.forecast_for(archive, "535501", "passenger", "standard", 6,
                                      as_of=LAST + dt.timedelta(minutes=20), store=False)
    assert result["model_version"] == trained["version"] and result["out_of_sample"] is True
    inside = forecasting.forecast_for(archive, "535502", "passenger", "standard", 6,
                                      as_of=LAST + dt.timedelta(minutes=20), store=False)
    assert inside["out_of_sample"] is False


def test_hours_a_lane_is_closed_are_never_the_best_hour(engine):
    """Los Indios and Veterans close at night: CBP says "lanes closed" (no wait) then. The
    model, never shown a wait at those hours, forecasts them near zero; they are marked
    and the best hour is chosen among the hours the lane reports waits at."""
    rows = []
    for r in readings():
        local_hour = (r["observed_at"].hour - 5) % 24  # CDT
        if 0 <= local_hour < 6:
            r = {**r, "wait_minutes": None, "status": "closed"}
        rows.append(r)
    with engine.begin() as conn:
        conn.execute(observations.insert(), rows)
    forecasting.train(engine, crossing_ids=["535501"], params=SMALL)
    result = forecasting.forecast_for(engine, "535501", "passenger", "standard", 24,
                                      as_of=LAST + dt.timedelta(minutes=20))
    closed = [h for h in result["forecast"] if not h["reported_recently"]]
    assert sorted(pd.Timestamp(h["local_hour"]).hour for h in closed) == [0, 1, 2, 3, 4, 5]
    assert result["best_hour"]["reported_recently"] and pd.Timestamp(result["best_hour"]["local_hour"]).hour >= 6
    shown = [h for h in result["forecast"] if h["reported_recently"]]
    assert result["best_hour"] == min(shown, key=lambda h: (h["wait_minutes"], h["horizon"]))
    assert forecasting.best_hour_to_cross(closed) in closed  # all closed: the lowest still answers


def test_a_forecast_does_not_wait_for_a_writer_to_store_itself(archive, tmp_path):
    """Storing a forecast only spares computing it again: while an ingest holds the
    archive's write lock the forecast is answered at once (on SQLite, stored next time)."""
    import threading
    import time

    forecasting.train(archive, crossing_ids=["535501"], params=SMALL)
    as_of = LAST + dt.timedelta(minutes=20)
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        from borderflow.store.db import writing

        with writing(archive) as conn:  # what an ingest holds, on SQLite and PostgreSQL alike
            conn.execute(select(1))
            holding.set()
            release.wait(60)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(30)
        t0 = time.perf_counter()
        answer = forecasting.forecast_for(archive, "535501", "passenger", "standard", 24, as_of=as_of)
        assert time.perf_counter() - t0 < 10 and len(answer["forecast"]) == 24
    finally:
        release.set()
        thread.join(30)
    with archive.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(forecasts)).scalar()
    # SQLite has one write lock: the forecast was not stored rather than waited for.
    # PostgreSQL stores it beside the writer (the archive-wide lock is for ingests).
    assert stored == (0 if archive.dialect.name == "sqlite" else 24)
    forecasting.forecast_for(archive, "535501", "passenger", "standard", 24, as_of=as_of)
    with archive.connect() as conn:
        assert conn.execute(select(func.count()).select_from(forecasts)).scalar() == 24


def test_training_reads_no_reading_dated_after_now_and_says_its_hours_as_the_models_list(engine):
    """CBP stamps some updates with the coming hour: trained now, a model that read such a
    reading would have read past the hour a forecast made now starts from."""
    now = pd.Timestamp.now(tz="UTC").floor("h")
    start = (now - pd.Timedelta(hours=5 * 168)).to_pydatetime()
    rows = readings(start=start)
    ahead = {**rows[-1], "observed_at": (now + pd.Timedelta(minutes=50)).to_pydatetime(), "wait_minutes": 33}
    with engine.begin() as conn:
        conn.execute(observations.insert(), [r for r in rows if r["observed_at"] < now.to_pydatetime()] + [ahead])
    summary = forecasting.train(engine, crossing_ids=["535501"], params=SMALL)
    assert pd.Timestamp(summary["train_end"]) <= now + pd.Timedelta(hours=1)
    (listed,) = forecasting.list_models(engine)
    assert (listed["train_start"], listed["train_end"]) == (summary["train_start"], summary["train_end"])
    live = forecasting.forecast_for(engine, "535501", "passenger", "standard", 2)
    assert live["out_of_sample"] is True and live["model_version"] == summary["version"]
    with pytest.raises(BadInputError, match="--end .* is not after --start"):
        forecasting.backtest_lane(engine, "535501", "passenger", "standard", "2026-07-06", "2026-06-29",
                                  params=SMALL)


def test_a_southbound_lane_is_forecast_and_a_past_question_is_not_computed_twice(archive):
    """Lanes into Mexico are trained with the rest; they are asked for by direction (CLI
    --direction, API direction=). A forecast as of another instant than now is not stored,
    but the same question is answered from memory until a reading or a model changes it."""
    from borderflow.cli.main import run

    with archive.begin() as conn:
        conn.execute(observations.insert(), [{**r, "direction": "southbound", "wait_minutes": (r["wait_minutes"] or 0) + 7}
                                             for r in readings(seed=3) if r["wait_minutes"] is not None])
    summary = forecasting.train(archive, crossing_ids=["535501"], params=SMALL)
    assert "535501/passenger/standard/southbound" in summary["series"]
    as_of = LAST - dt.timedelta(hours=30)
    south = forecasting.forecast_for(archive, "535501", "passenger", "standard", 6, as_of=as_of,
                                     direction="southbound", store=False)
    north = forecasting.forecast_for(archive, "535501", "passenger", "standard", 6, as_of=as_of, store=False)
    assert south["direction"] == "southbound" and south["forecast"] != north["forecast"]
    again = forecasting.forecast_for(archive, "535501", "passenger", "standard", 6, as_of=as_of,
                                     direction="southbound", store=False)
    assert again == south  # remembered: the same made_at, nothing computed
    with archive.connect() as conn:
        assert conn.execute(select(func.count()).select_from(forecasts)).scalar() == 0  # and nothing stored
    with archive.begin() as conn:  # a late reading for an hour before as_of: computed anew
        conn.execute(observations.insert(), [{**readings()[5], "direction": "southbound", "wait_minutes": 70,
                                              "observed_at": START + dt.timedelta(hours=103)}])
    fresh = forecasting.forecast_for(archive, "535501", "passenger", "standard", 6, as_of=as_of,
                                     direction="southbound", store=False)
    assert fresh["made_at"] != south["made_at"]
    url = archive.url.render_as_string(hide_password=False)
    assert run(["--db", url, "forecast", "--crossing", "535501", "--direction", "southbound",
                "--at", as_of.isoformat(), "--hours", "3", "--json"]) == 0


def test_an_hours_band_does_not_depend_on_how_many_hours_are_asked(archive):
    """The rolling interval corrections score whole horizon buckets: asking 14 hours or 24
    gives the first 14 the same numbers (they once differed by a few tenths of a minute)."""
    # trained on three weeks, asked two weeks later: the corrections come from the
    # model's own resolved forecasts of those two weeks
    forecasting.train(archive, crossing_ids=["535501"], params=SMALL, until=START + dt.timedelta(weeks=3))
    as_of = LAST - dt.timedelta(hours=3, minutes=5)
    short = forecasting.forecast_for(archive, "535501", "passenger", "standard", 14, as_of=as_of, store=False)
    long = forecasting.forecast_for(archive, "535501", "passenger", "standard", 24, as_of=as_of, store=False)
    assert short["forecast"] == long["forecast"][:14]
    # stored piecewise (12 hours, then 24), the stored hours are those of one computation
    stored = forecasting.forecast_for(archive, "535501", "passenger", "standard", 12, as_of=as_of)
    more = forecasting.forecast_for(archive, "535501", "passenger", "standard", 24, as_of=as_of)
    assert stored["forecast"] == more["forecast"][:12] == long["forecast"][:12]


def test_a_refusal_names_a_southbound_lane_as_southbound(archive):
    forecasting.train(archive, crossing_ids=["535501"], params=SMALL)
    with pytest.raises(NotFoundError, match="covers crossing 535501 passenger/standard southbound: the lane has 0"):
        forecasting.forecast_for(archive, "535501", "passenger", "standard", as_of=LAST, direction="southbound")
