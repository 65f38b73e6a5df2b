"""The hourly rule: irregular readings -> one value per lane per UTC hour."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderflow.errors import BadInputError
from borderflow.forecast.series import (
    ffill_index,
    hourly_from_observations,
    hourly_series,
    parse_series_id,
    series_id,
    to_dense,
)
from borderflow.vocabulary import Observation

UTC = dt.UTC
LANE = "535501/passenger/standard"


def obs(minute_offset: int, wait: int | None, *, source: str = "cbp-rss", lanes: int | None = None,
        status: str | None = None, mode: str = "passenger") -> Observation:
    at = dt.datetime(2026, 8, 12, 13, 0, tzinfo=UTC) + dt.timedelta(minutes=minute_offset)
    return Observation("535501", mode, "standard", at, wait, lanes, status, source)


def test_one_reading_an_hour_is_that_hour():
    hourly = hourly_from_observations([obs(0, 40, lanes=2), obs(60, 50, lanes=3)])
    assert list(hourly["y"]) == [40.0, 50.0]
    assert list(hourly["lanes_open"]) == [2.0, 3.0]
    assert list(hourly["ds"]) == [pd.Timestamp("2026-08-12T13:00Z"), pd.Timestamp("2026-08-12T14:00Z")]


def test_readings_in_one_hour_are_averaged_and_lanes_are_the_latest():
    hourly = hourly_from_observations([obs(0, 10, lanes=1), obs(10, 20, lanes=2), obs(59, 60, lanes=None)])
    assert len(hourly) == 1
    assert hourly["y"].iloc[0] == pytest.approx(30.0)
    assert hourly["lanes_open"].iloc[0] == 2.0
    assert hourly["n_readings"].iloc[0] == 3


def test_missing_hours_stay_missing_never_zero():
    hourly = hourly_from_observations([obs(0, 40), obs(180, 20)])
    assert len(hourly) == 4
    assert hourly["y"].isna().tolist() == [False, True, True, False]
    assert (hourly["n_readings"] == [1, 0, 0, 1]).all()
    assert not (hourly["y"] == 0).any()


def test_readings_without_a_wait_do_not_make_an_hour():
    hourly = hourly_from_observations([
        obs(0, 40), obs(60, None, status="closed"), obs(120, None, status="update_pending"), obs(180, 0),
    ])
    assert hourly["y"].tolist()[0] == 40 and np.isnan(hourly["y"].tolist()[1])
    assert np.isnan(hourly["y"].tolist()[2]) and hourly["y"].tolist()[3] == 0.0  # a real zero stays


def test_same_instant_from_two_sources_is_one_reading():
    hourly = hourly_from_observations([obs(0, 40, source="cbp-rss"), obs(0, 50, source="cbp-json")])
    assert hourly["y"].iloc[0] == 45.0
    assert hourly["n_readings"].iloc[0] == 1


def test_a_stale_repeat_adds_nothing_to_later_hours():
    # A scrape every 10 minutes for three hours that kept showing the 13:00 update:
    # the reading is the same Observation each time (its update time did not change).
    repeats = [obs(0, 40) for _ in range(18)]
    hourly = hourly_from_observations(repeats + [obs(180, 10)])
    assert hourly["y"].tolist()[0] == 40.0
    assert hourly["y"].isna().tolist() == [False, True, True, False]


def test_daily_means_are_not_hourly_readings():
    hourly = hourly_from_observations([obs(0, 40, source="cascade"), obs(60, 5, source="cascade-daily-mean")])
    assert hourly["y"].tolist() == [40.0]


def test_lanes_are_separate_series():
    hourly = hourly_from_observations([obs(0, 40), obs(0, 7, mode="pedestrian")])
    assert sorted(hourly["unique_id"]) == ["535501/passenger/standard", "535501/pedestrian/standard"]


def test_reading_times_are_floored_to_the_utc_hour():
    frame = pd.DataFrame({"unique_id": LANE, "observed_at": ["2026-03-08T07:59:59Z", "2026-03-08T08:00:00Z"],
                          "wait_minutes": [1, 2]})
    hourly = hourly_series(frame)
    assert hourly["ds"].tolist() == [pd.Timestamp("2026-03-08T07:00Z"), pd.Timestamp("2026-03-08T08:00Z")]


def test_series_ids_round_trip():
    assert series_id("300402", "passenger", "standard") == "300402/passenger/standard"
    assert parse_series_id(series_id("300402", "passenger", "standard", "southbound")) == (
        "300402", "passenger", "standard", "southbound")
    with pytest.raises(BadInputError):
        parse_series_id("300402")


def test_dense_grid_keeps_gaps_and_rejects_unruly_frames():
    frame = pd.DataFrame({"unique_id": LANE, "ds": pd.to_datetime(["2024-01-01T00:00Z", "2024-01-01T03:00Z"]),
                          "y": [1.0, 4.0]})
    dense = to_dense(frame)[LANE]
    assert np.isnan(dense.y[1]) and np.isnan(dense.y[2]) and dense.y[3] == 4.0
    assert ffill_index(dense.y).tolist() == [0, 0, 0, 3]
    with pytest.raises(BadInputError, match="whole UTC hours"):
        to_dense(frame.assign(ds=frame["ds"] + pd.Timedelta(minutes=5)))
    with pytest.raises(BadInputError, match="two rows for one hour"):
        to_dense(pd.concat([frame, frame]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 600), st.one_of(st.none(), st.integers(0, 300)),
                          st.sampled_from(["cbp-json", "cbp-rss"])), min_size=1, max_size=60))
def test_hourly_rule_invariants(readings):
    observations = {obs(m, w, source=s) for m, w, s in readings}
    hourly = hourly_from_observations(observations)
    with_wait = [(m, w) for m, w, _ in readings if w is not None]
    if not with_wait:
        assert hourly.empty
        return
    by_hour: dict[int, list[int]] = {}
    for m, w in with_wait:
        by_hour.setdefault(m // 60, []).append(w)
    first, last = min(by_hour), max(by_hour)
    assert len(hourly) == last - first + 1  # a full grid from first to last reading
    for row in hourly.itertuples():
        hour = first + int((row.ds - hourly["ds"].iloc[0]) / pd.Timedelta(hours=1))
        if hour in by_hour:
            assert min(by_hour[hour]) - 1e-9 <= row.y <= max(by_hour[hour]) + 1e-9
            assert row.n_readings >= 1
        else:
            assert np.isnan(row.y) and row.n_readings == 0
