"""CBP update-time text -> UTC: the time rule, by hand-worked examples and properties."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderflow.errors import BadInputError
from borderflow.feeds import cbp_time
from borderflow.feeds.cbp_time import (
    ClockReading,
    crossing_zone,
    parse_clock,
    parse_feed_date,
    parse_rss_pubdate,
    resolve_update_time,
    to_utc,
)

UTC = dt.UTC
CHICAGO = ZoneInfo("America/Chicago")
PHOENIX = ZoneInfo("America/Phoenix")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("At 3:00 pm EDT", ClockReading(dt.time(15), "EDT")),
        ("At Noon PDT", ClockReading(dt.time(12), "PDT")),
        ("At Midnight EDT", ClockReading(dt.time(0), "EDT")),
        ("At 12:00 am CDT", ClockReading(dt.time(0), "CDT")),
        ("At 12:30 pm MST", ClockReading(dt.time(12, 30), "MST")),
        ("At 0:31 am EDT", ClockReading(dt.time(0, 31), "EDT")),  # bwt-2017-03-17.xml
        ("At 10:00 am", ClockReading(dt.time(10), "")),
        ("13:40", ClockReading(dt.time(13, 40), "")),
    ],
)
def test_parse_clock_reads_cbp_forms(text: str, expected: ClockReading) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["", "At", "At 13:00 pm EDT", "At 3:75 pm", "At 7", "soon", "am"])
def test_parse_clock_rejects_non_times(text: str) -> None:
    with pytest.raises(BadInputError):
        parse_clock(text)


def test_feed_dates_in_both_cbp_spellings() -> None:
    assert parse_feed_date("3/15/2014") == dt.date(2014, 3, 15)
    assert parse_feed_date("2014-3-15") == dt.date(2014, 3, 15)
    with pytest.raises(BadInputError):
        parse_feed_date("2/30/2022")


def test_catalog_zone_beats_a_wrong_label() -> None:
    # Douglas, Arizona (260101) says "PST"; the catalog says America/Phoenix.
    assert crossing_zone("260101", "PST") == PHOENIX
    # In January, 8:00 am in Phoenix is UTC-7 -> 15:00 UTC; had the "PDT" label been
    # followed (America/Los_Angeles, PST UTC-8 in January) it would be 16:00 UTC.
    reading = parse_clock("At 8:00 am PDT")
    zone = crossing_zone("260101", reading.label)
    assert zone is not None
    observed = resolve_update_time(reading, dt.date(2026, 1, 15), zone, utc(2026, 1, 15, 16))
    assert observed == utc(2026, 1, 15, 15)


def test_label_zone_only_when_catalog_does_not_know() -> None:
    assert cbp_time.catalog_zone_name("999999") is None
    assert crossing_zone("999999", "MST") == PHOENIX
    assert crossing_zone("999999", "MDT") == ZoneInfo("America/Denver")
    assert crossing_zone("999999", "cdt") == CHICAGO
    assert crossing_zone("999999", "") is None
    assert crossing_zone("999999", "XYZ") is None
    # The catalog zones the brief names.
    assert crossing_zone("535501") == CHICAGO
    assert crossing_zone("240201") == ZoneInfo("America/Denver")
    assert crossing_zone("260801") == PHOENIX
    assert crossing_zone("250401") == ZoneInfo("America/Los_Angeles")
    assert crossing_zone("300401") == ZoneInfo("America/Los_Angeles")


def test_later_than_feed_time_by_more_than_the_lead_is_the_day_before() -> None:
    # Port date 6/29/2022, feed 12:25:16 CDT = 17:25:16 UTC. "At 11:00 pm CDT" on 6/29
    # would be 23:00 CDT = 04:00 UTC 6/30, 10.6 h ahead -> 6/28 23:00 CDT = 04:00 UTC 6/29.
    feed = utc(2022, 6, 29, 17, 25, 16)
    reading = parse_clock("At 11:00 pm CDT")
    assert resolve_update_time(reading, dt.date(2022, 6, 29), CHICAGO, feed) == utc(2022, 6, 29, 4)


def test_a_reading_up_to_two_hours_ahead_stays_on_the_feed_day() -> None:
    # International Falls in bwtnew-2022-06-29.json: feed 12:25:16 CDT, "At 2:00 pm CDT".
    # 14:00 CDT = 19:00 UTC, 95 minutes after 17:25:16 UTC: same day.
    feed = utc(2022, 6, 29, 17, 25, 16)
    reading = parse_clock("At 2:00 pm CDT")
    assert resolve_update_time(reading, dt.date(2022, 6, 29), CHICAGO, feed) == utc(2022, 6, 29, 19)
    # The boundary: exactly 2 h ahead stays, one second more moves a day back.
    day = dt.date(2022, 6, 29)
    assert resolve_update_time(reading, day, CHICAGO, utc(2022, 6, 29, 17)) == utc(2022, 6, 29, 19)
    assert resolve_update_time(reading, day, CHICAGO, utc(2022, 6, 29, 16, 59, 59)) == utc(
        2022, 6, 28, 19
    )


def test_without_feed_time_no_day_moves() -> None:
    reading = parse_clock("At 11:00 pm CDT")
    # 23:00 CDT 6/29 = 04:00 UTC 6/30
    assert resolve_update_time(reading, dt.date(2022, 6, 29), CHICAGO, None) == utc(2022, 6, 30, 4)


def test_day_before_is_a_calendar_day_across_dst() -> None:
    # Chicago falls back at 2:00 CDT on Sunday 2026-11-01. Port date 11/1, feed noon
    # CST = 18:00 UTC, reading "At 11:00 pm": 23:00 CST 11/1 = 05:00 UTC 11/2 is ahead,
    # so the day before: 23:00 CDT on 10/31 = 04:00 UTC 11/1 (24 h earlier would be 05:00).
    reading = parse_clock("At 11:00 pm CDT")
    observed = resolve_update_time(reading, dt.date(2026, 11, 1), CHICAGO, utc(2026, 11, 1, 18))
    assert observed == utc(2026, 11, 1, 4)


def test_fold_takes_the_labelled_occurrence_else_the_earlier() -> None:
    # 1:30 on 2026-11-01 in Chicago happens twice: 1:30 CDT = 06:30 UTC, 1:30 CST = 07:30 UTC.
    day, clock = dt.date(2026, 11, 1), dt.time(1, 30)
    assert to_utc(day, clock, CHICAGO, "CDT") == utc(2026, 11, 1, 6, 30)
    assert to_utc(day, clock, CHICAGO, "CST") == utc(2026, 11, 1, 7, 30)
    assert to_utc(day, clock, CHICAGO, "") == utc(2026, 11, 1, 6, 30)


def test_gap_is_read_with_the_offset_before_the_change() -> None:
    # 2:30 on 2026-03-08 never happens in Chicago (2:00 CST -> 3:00 CDT); read as
    # CST (UTC-6): 08:30 UTC, which is 3:30 CDT.
    assert to_utc(dt.date(2026, 3, 8), dt.time(2, 30), CHICAGO, "CDT") == utc(2026, 3, 8, 8, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "EST" all year but Eastern wall time with DST: 00:14:34 EDT (UTC-4) = 04:14:34 UTC
        ("Wed, 12 Aug 2026 00:14:34 EST", utc(2026, 8, 12, 4, 14, 34)),
        # in January it really is EST (UTC-5)
        ("Mon, 12 Jan 2026 00:14:34 EST", utc(2026, 1, 12, 5, 14, 34)),
        ("Wed, 12 Aug 2026 00:14:34 GMT", utc(2026, 8, 12, 0, 14, 34)),
        ("Wed, 12 Aug 2026 00:14:34 -0500", utc(2026, 8, 12, 5, 14, 34)),
        ("12 Aug 2026 00:14 EST", utc(2026, 8, 12, 4, 14)),
    ],
)
def test_rss_pubdate(text: str, expected: dt.datetime) -> None:
    assert parse_rss_pubdate(text) == expected


@pytest.mark.parametrize("text", ["", "Wed, 32 Aug 2026 00:14:34 EST", "Wed, 12 Foo 2026 1:00 EST",
                                  "Wed, 12 Aug 2026 25:00:00 EST", "Wed, 12 Aug 2026 01:00 XST"])
def test_rss_pubdate_rejects(text: str) -> None:
    with pytest.raises(BadInputError):
        parse_rss_pubdate(text)


@given(st.text(max_size=40))
def test_text_readers_raise_only_bad_input(text: str) -> None:
    for reader in (parse_clock, parse_feed_date, parse_rss_pubdate, cbp_time.parse_feed_clock):
        try:
            reader(text)
        except BadInputError:
            pass


ZONES = [ZoneInfo(z) for z in ("America/Chicago", "America/Phoenix", "America/New_York",
                               "America/Los_Angeles", "America/Denver", "America/Anchorage")]


@settings(max_examples=300)
@given(
    day=st.dates(min_value=dt.date(2000, 1, 2), max_value=dt.date(2035, 12, 31)),
    clock=st.times(),
    zone=st.sampled_from(ZONES),
    feed_offset_minutes=st.integers(min_value=-36 * 60, max_value=36 * 60),
)
def test_resolved_time_is_that_day_or_the_day_before(
    day: dt.date, clock: dt.time, zone: ZoneInfo, feed_offset_minutes: int
) -> None:
    clock = clock.replace(microsecond=0)
    feed = to_utc(day, dt.time(12), zone) + dt.timedelta(minutes=feed_offset_minutes)
    observed = resolve_update_time(ClockReading(clock, ""), day, zone, feed)
    same_day = to_utc(day, clock, zone)
    day_before = to_utc(day - dt.timedelta(days=1), clock, zone)
    if same_day <= feed + cbp_time.READING_LEAD:
        assert observed == same_day
    else:
        assert observed == day_before
    assert observed.tzinfo is UTC
    # The wall time survives unless it fell in a spring-forward gap.
    local = observed.astimezone(zone)
    gap = to_utc(local.date(), clock, zone).astimezone(zone).time() != clock
    assert gap or local.time() == clock
