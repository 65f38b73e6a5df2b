"""Time-axis ticks: local-clock boundaries of the crossing's zone, 4 to 8 of them, right across clock changes."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from borderflow.web.time_axis import Step, choose_step, instants, time_ticks

LA, CHICAGO = "America/Los_Angeles", "America/Chicago"
UTC = dt.UTC


def local_midnight(day: dt.date, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), ZoneInfo(zone)).astimezone(UTC)


def clock(at: dt.datetime, zone: str) -> str:
    return at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def hours_between(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds() / 3600


def test_a_week_is_labelled_at_every_local_midnight_without_skipping_a_date() -> None:
    # /crossings/300402 (7 days ending at the hour after the newest reading) read
    # 06-24, 06-25, 06-27, ... before: evenly spread instants skipped 06-26 and 06-30.
    start = dt.datetime(2022, 6, 22, 17, 0, tzinfo=UTC)
    ticks = time_ticks(start, start + dt.timedelta(days=7), LA)
    assert [t.label for t in ticks] == ["Jun 23", "Jun 24", "Jun 25", "Jun 26", "Jun 27", "Jun 28", "Jun 29"]
    assert all(clock(t.at, LA).endswith("00:00") for t in ticks)


def test_a_day_is_labelled_at_whole_hours_that_divide_by_the_step() -> None:
    start = dt.datetime(2022, 6, 29, 8, 5, tzinfo=UTC)  # 01:05 PDT: the old axis wrote 01:05, 05:15, 09:25
    ticks = time_ticks(start, start + dt.timedelta(days=1), LA)
    assert [t.label for t in ticks] == ["03:00", "06:00", "09:00", "12:00", "15:00", "18:00", "21:00", "Jun 30"]
    assert [clock(t.at, LA)[-5:] for t in ticks][-1] == "00:00"  # a midnight is written as its date


def test_spanish_labels_write_the_day_before_the_month() -> None:
    start = dt.datetime(2024, 4, 1, tzinfo=UTC)
    labels = [t.label for t in time_ticks(start, start + dt.timedelta(days=7), LA, "es")]
    assert labels[:2] == ["1 abr", "2 abr"]


def test_thirty_days_are_labelled_on_mondays() -> None:
    start = dt.datetime(2022, 6, 1, tzinfo=UTC)
    ticks = time_ticks(start, start + dt.timedelta(days=30), LA)
    local = [t.at.astimezone(ZoneInfo(LA)) for t in ticks]
    assert 4 <= len(ticks) <= 8
    assert all(d.weekday() == 0 and (d.hour, d.minute) == (0, 0) for d in local)
    assert {(b - a).days for a, b in itertools.pairwise(local)} == {7}


def test_a_year_is_labelled_on_firsts_of_months_with_the_year_at_january() -> None:
    start = dt.datetime(2023, 6, 1, 7, tzinfo=UTC)
    ticks = time_ticks(start, start + dt.timedelta(days=366), LA, "es")
    assert [t.label for t in ticks] == ["jul 2023", "sep", "nov", "ene 2024", "mar", "may"]
    assert all(clock(t.at, LA).endswith("-01 00:00") for t in ticks)


@pytest.mark.parametrize(("years", "step"), [(5.6, 1), (12.5, 2), (36.6, 5)])
def test_years_are_labelled_on_new_years_days_every_n_years(years: float, step: int) -> None:
    start = dt.datetime(1990, 1, 1, 12, tzinfo=UTC)
    ticks = time_ticks(start, start + dt.timedelta(days=365.25 * years), CHICAGO)
    years_shown = [int(t.label) for t in ticks]
    assert {b - a for a, b in itertools.pairwise(years_shown)} == {step}
    assert all(y % step == 0 for y in years_shown)
    assert all(clock(t.at, CHICAGO).endswith("-01-01 00:00") for t in ticks)


@pytest.mark.parametrize("days", [0.25, 1, 2, 7, 8, 30, 31, 90, 91, 365, 366, 730, 2000])
@pytest.mark.parametrize("zone", [LA, CHICAGO, "America/Phoenix"])
def test_every_span_the_pages_draw_gets_four_to_eight_ticks(days: float, zone: str) -> None:
    for hour in range(0, 24 * 370, 97):
        start = dt.datetime(2021, 1, 1, tzinfo=UTC) + dt.timedelta(hours=hour, minutes=hour % 60)
        step, found = choose_step(start, start + dt.timedelta(days=days), zone)
        assert 4 <= len(found) <= 8, (days, zone, start, step)
        assert found == sorted(found) and len(set(found)) == len(found)


def test_a_25_hour_day_in_los_angeles() -> None:
    start, end = local_midnight(dt.date(2022, 11, 6), LA), local_midnight(dt.date(2022, 11, 7), LA)
    assert hours_between(start, end) == 25
    every_hour = instants(start, end, LA, Step("hour", 1, 3600))
    assert len(every_hour) == 26  # 00:00 .. 24:00 with 01:00 twice
    assert [clock(a, LA)[-5:] for a in every_hour[:4]] == ["00:00", "01:00", "01:00", "02:00"]
    ticks = time_ticks(start, end, LA)
    assert [t.label for t in ticks] == ["Nov 6", "06:00", "12:00", "18:00", "Nov 7"]
    assert [hours_between(a.at, b.at) for a, b in itertools.pairwise(ticks)] == [7, 6, 6, 6]


def test_a_23_hour_day_in_chicago() -> None:
    start, end = local_midnight(dt.date(2022, 3, 13), CHICAGO), local_midnight(dt.date(2022, 3, 14), CHICAGO)
    assert hours_between(start, end) == 23
    every_hour = instants(start, end, CHICAGO, Step("hour", 1, 3600))
    assert len(every_hour) == 24 and "02:00" not in [clock(a, CHICAGO)[-5:] for a in every_hour]
    every_3 = instants(start, end, CHICAGO, Step("hour", 3, 3 * 3600))
    assert [clock(a, CHICAGO)[-5:] for a in every_3] == ["00:00", "03:00", "06:00", "09:00", "12:00", "15:00",
                                                         "18:00", "21:00", "00:00"]
    assert hours_between(every_3[0], every_3[1]) == 2  # 02:00 never happened


@pytest.mark.parametrize(("zone", "first"), [(LA, dt.date(2022, 11, 2)), (CHICAGO, dt.date(2022, 3, 9))])
def test_a_week_across_a_clock_change_keeps_its_ticks_on_midnight(zone: str, first: dt.date) -> None:
    start = local_midnight(first, zone) + dt.timedelta(hours=5)
    ticks = time_ticks(start, start + dt.timedelta(days=7), zone)
    assert all(clock(t.at, zone).endswith("00:00") for t in ticks)
    lengths = sorted(hours_between(a.at, b.at) for a, b in itertools.pairwise(ticks))
    assert lengths[0] in (23, 24) and lengths[-1] in (24, 25) and lengths != [24] * len(lengths)


def test_an_empty_or_backward_span_has_no_ticks() -> None:
    at = dt.datetime(2022, 6, 29, tzinfo=UTC)
    assert time_ticks(at, at, LA) == [] and time_ticks(at, at - dt.timedelta(days=1), LA) == []
