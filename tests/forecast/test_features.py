"""Calendar and holiday features, on the crossing's wall clock, for both sides of the border."""

from __future__ import annotations

import pandas as pd

from borderflow.forecast.features import (
    CALENDAR_FEATURES,
    HOLIDAY_HORIZON_DAYS,
    HolidayRegions,
    calendar_features,
    regions_for,
)


def features_at(local_times: list[str], timezone: str, regions: HolidayRegions) -> pd.DataFrame:
    ds = pd.DatetimeIndex([pd.Timestamp(t, tz=timezone).tz_convert("UTC") for t in local_times])
    return pd.DataFrame(calendar_features(ds, timezone, regions), index=local_times)


def test_local_hours_follow_daylight_saving():
    # 08:00 local at Peace Arch is 16:00 UTC in winter and 15:00 UTC in summer.
    ds = pd.DatetimeIndex(["2017-01-10T16:00Z", "2017-07-10T15:00Z"])
    f = calendar_features(ds, "America/Los_Angeles")
    assert f["hour"].tolist() == [8.0, 8.0]
    assert f["weekday"].tolist() == [1.0, 0.0]  # Tuesday, Monday
    assert f["hour_of_week"].tolist() == [24 + 8.0, 8.0]
    assert set(f) == set(CALENDAR_FEATURES)


def test_bc_day_and_victoria_day_count_for_peace_arch():
    regions = regions_for("Washington")
    assert regions == HolidayRegions(us_subdiv="WA", ca_subdiv="BC")
    f = features_at(["2017-08-07 12:00", "2017-08-04 12:00", "2017-08-08 09:00", "2017-05-22 10:00"],
                    "America/Los_Angeles", regions)
    assert f["ca_days_to_holiday"].tolist() == [0.0, 3.0, HOLIDAY_HORIZON_DAYS, 0.0]  # Friday before BC Day: 3
    assert f["ca_days_since_holiday"].tolist()[2] == 1.0
    assert f["us_days_to_holiday"].iloc[0] == HOLIDAY_HORIZON_DAYS  # BC Day is no US holiday


def test_us_thanksgiving_and_mexican_holidays_at_brownsville():
    regions = regions_for("Texas")
    f = features_at(["2017-11-23 12:00", "2017-11-20 12:00", "2017-09-16 08:00"], "America/Chicago", regions)
    assert f["us_days_to_holiday"].iloc[0] == 0.0  # Thanksgiving
    assert f["mx_days_to_holiday"].tolist()[1:] == [0.0, 0.0]  # Revolution Day, Independence Day


def test_local_date_decides_the_holiday_not_the_utc_date():
    # 23:30 local on Canada Day is already July 2 in UTC.
    ds = pd.DatetimeIndex([pd.Timestamp("2017-07-01 23:00", tz="America/Los_Angeles").tz_convert("UTC")])
    f = calendar_features(ds, "America/Los_Angeles", regions_for("Washington"))
    assert f["ca_days_to_holiday"][0] == 0.0


def test_unknown_state_gets_national_holidays():
    assert regions_for("") == HolidayRegions()
    f = features_at(["2017-12-25 12:00"], "America/New_York", regions_for(""))
    assert f["us_days_to_holiday"].iloc[0] == 0.0 and f["ca_days_to_holiday"].iloc[0] == 0.0
