"""The observations CSV interchange: reader, writer and their lossless round trip."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderflow.errors import BadInputError
from borderflow.feeds import observations_csv as oc
from borderflow.feeds.cascade import parse as parse_cascade
from borderflow.feeds.records import Parsed
from borderflow.vocabulary import DIRECTIONS, MODES, PROGRAMS, STATUSES, Observation

UTC = dt.UTC
HEADER = "crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source"


def _parse(text: str) -> Parsed:
    return oc.parse(text.encode(), "test.csv")


def test_reads_good_rows_with_and_without_direction() -> None:
    parsed = _parse(
        HEADER + "\n"
        "250401,passenger,standard,2024-05-01T08:00:00-07:00,45,6,delay,wsdot\n"
        "250401,pedestrian,ready,2024-05-01T15:05:00Z,,,,my source\n")
    assert parsed.rejected == []
    assert parsed.observations == [
        Observation("250401", "passenger", "standard", dt.datetime(2024, 5, 1, 15, tzinfo=UTC),
                    45, 6, "delay", "wsdot", "northbound"),
        Observation("250401", "pedestrian", "ready",
                    dt.datetime(2024, 5, 1, 15, 5, tzinfo=UTC), None, None, None, "my source"),
    ]
    assert parsed.observations[0].observed_at.tzinfo is UTC
    with_direction = _parse(
        HEADER + ",direction\n"
        "230401,commercial,fast,2024-05-01T08:00:00+00:00,0,1,no_delay,x,southbound\n"
        "230401,commercial,fast,2024-05-01T09:00:00+00:00,0,1,no_delay,x,\n")
    assert [o.direction for o in with_direction.observations] == ["southbound", "northbound"]


@pytest.mark.parametrize(("row", "needle"), [
    ("2504,passenger,standard,2024-05-01T08:00:00Z,1,1,delay,s", "crossing_id"),
    ("250401,car,standard,2024-05-01T08:00:00Z,1,1,delay,s", "mode must be one of"),
    ("250401,passenger,nexus,2024-05-01T08:00:00Z,1,1,delay,s", "'nexus'"),
    ("250401,passenger,standard,2024-05-01T08:00:00,1,1,delay,s",
     "observed_at needs an offset or Z, e.g. 2024-05-01T08:00:00-07:00"),
    ("250401,passenger,standard,yesterday,1,1,delay,s", "ISO 8601"),
    ("250401,passenger,standard,2024-05-01T08:00:00Z,-3,1,delay,s", "'-3'"),
    ("250401,passenger,standard,2024-05-01T08:00:00Z,12.5,1,delay,s", "wait_minutes"),
    ("250401,passenger,standard,2024-05-01T08:00:00Z,1,two,delay,s", "lanes_open"),
    ("250401,passenger,standard,2024-05-01T08:00:00Z,1,1,slow,s", "status must be one of"),
    ("250401,passenger,standard,2024-05-01T08:00:00Z,1,1,delay,", "source is required"),
    ("250401,passenger,standard,2024-05-01T08:00:00Z,1,1,delay", "expected 8 fields"),
    (",,,,,,,x", "crossing_id"),
])
def test_bad_rows_are_rejected_and_good_rows_still_land(row: str, needle: str) -> None:
    good = "250401,passenger,standard,2024-05-01T08:00:00Z,1,1,delay,s"
    parsed = _parse(f"{HEADER}\n{good}\n{row}\n{good}\n")
    assert len(parsed.observations) == 2
    assert len(parsed.rejected) == 1
    rejected = parsed.rejected[0]
    assert rejected.place == "line 3" and needle in rejected.reason and rejected.raw == row
    assert "\n" not in rejected.reason


def test_spaces_around_the_source_are_refused_as_in_the_volumes_csv() -> None:
    # " city" and "city" would be two sources; the writer refuses such a source, so the
    # reader does too (and the volumes CSV reads its source the same way)
    parsed = _parse(HEADER + "\n250401,passenger,standard,2026-08-01T12:00:00Z,30,5,delay, city\n"
                    "250401,passenger,standard,2026-08-01T13:00:00Z,30,5,delay,city\n")
    assert [o.source for o in parsed.observations] == ["city"]
    (bad,) = parsed.rejected
    assert bad.place == "line 2" and "source may not have surrounding spaces; got ' city'" in bad.reason


def test_a_bad_direction_is_rejected() -> None:
    parsed = _parse(HEADER + ",direction\n"
                    "250401,passenger,standard,2024-05-01T08:00:00Z,1,1,delay,s,eastbound\n")
    assert "direction must be one of northbound, southbound; got 'eastbound'" in (
        parsed.rejected[0].reason)


@pytest.mark.parametrize("text", [
    "", "crossing_id,mode,program\n", HEADER.replace("source", "src") + "\n",
    HEADER + ",direction,extra\n"])
def test_wrong_header_names_the_expected_one(text: str) -> None:
    with pytest.raises(BadInputError, match="expected the header 'crossing_id,mode,program,"
                                            "observed_at,wait_minutes,lanes_open,status,source'"):
        _parse(text)


def test_writer_output() -> None:
    out = io.StringIO()
    observations = [
        Observation("250401", "passenger", "sentri",
                    dt.datetime(2024, 5, 1, 8, 30, tzinfo=ZoneInfo("America/Los_Angeles")),
                    15, 2, "delay", "cbp-json", reported_time="At 8:30 am PDT"),
        Observation("300402", "passenger", "standard",
                    dt.datetime(2013, 1, 1, 8, 0, 0, 250, tzinfo=UTC), None, None, None,
                    "needs, quoting", "southbound"),
    ]
    assert oc.write_observations_csv(observations, out) == 2
    assert out.getvalue() == (
        HEADER + ",direction\n"
        "250401,passenger,sentri,2024-05-01T15:30:00Z,15,2,delay,cbp-json,northbound\n"
        '300402,passenger,standard,2013-01-01T08:00:00.000250Z,,,,"needs, quoting",southbound\n')
    back = oc.parse(out.getvalue().encode())
    assert back.observations == [dataclasses.replace(o, reported_time=None) for o in observations]


@pytest.mark.parametrize("change", [
    {"observed_at": dt.datetime(2024, 5, 1, 8)},  # naive
    {"mode": "car"}, {"wait_minutes": -1}, {"lanes_open": True}, {"status": ""},
    {"source": " padded"}, {"source": ""}, {"crossing_id": "2504"}, {"direction": "up"},
])
def test_writer_refuses_what_would_not_read_back(change: dict[str, object]) -> None:
    good = Observation("250401", "passenger", "standard", dt.datetime(2024, 5, 1, tzinfo=UTC),
                       1, 1, "delay", "s")
    with pytest.raises(BadInputError, match="observation 0"):
        oc.write_observations_csv([dataclasses.replace(good, **change)], io.StringIO())


def test_real_cascade_readings_round_trip() -> None:
    from pathlib import Path

    path = Path(__file__).parent.parent / "data" / "cascade" / (
        "peace-arch-north-cars-daily-2018-01_2020-03.csv")
    readings = parse_cascade(path.read_bytes()).observations
    out = io.StringIO()
    assert oc.write_observations_csv(readings, out) == len(readings) == 1614
    assert oc.parse(out.getvalue().encode()).observations == readings


# --- properties ------------------------------------------------------------------------

_sources = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp")),
    min_size=1, max_size=30,
).filter(lambda s: s == s.strip() and s.isprintable() and "|" not in s)  # "|" joins a key: refused

_instants = st.datetimes(
    min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2200, 1, 1),
    timezones=st.sampled_from([UTC, ZoneInfo("America/Denver"), ZoneInfo("Asia/Kolkata"),
                               dt.timezone(dt.timedelta(hours=-7))]))

_counts = st.none() | st.integers(min_value=0, max_value=999_999_999)

observations = st.builds(
    Observation,
    crossing_id=st.from_regex(r"\A[0-9]{6}\Z"),
    mode=st.sampled_from(MODES), program=st.sampled_from(PROGRAMS),
    observed_at=_instants, wait_minutes=_counts, lanes_open=_counts,
    status=st.none() | st.sampled_from(STATUSES), source=_sources,
    direction=st.sampled_from(DIRECTIONS),
    reported_time=st.none() | st.text(max_size=20),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(observations.map(
    lambda o: dataclasses.replace(o, observed_at=o.observed_at.astimezone(UTC))), max_size=20))
def test_write_then_parse_is_exactly_the_identity_for_utc_times(items: list[Observation]) -> None:
    out = io.StringIO()
    oc.write_observations_csv(items, out)
    parsed = oc.parse(out.getvalue().encode("utf-8"))
    assert parsed.observations == [dataclasses.replace(o, reported_time=None) for o in items]


def test_times_in_a_daylight_saving_fold_keep_their_instant() -> None:
    second = dt.datetime(2024, 11, 3, 1, 30, tzinfo=ZoneInfo("America/Denver"), fold=1)
    obs = Observation("240201", "passenger", "standard", second, 5, None, None, "s")
    out = io.StringIO()
    oc.write_observations_csv([obs], out)
    assert "2024-11-03T08:30:00Z" in out.getvalue()
    assert oc.parse(out.getvalue().encode()).observations[0].observed_at == dt.datetime(
        2024, 11, 3, 8, 30, tzinfo=UTC)


@settings(max_examples=200, deadline=None)
@given(st.lists(observations, max_size=20))
def test_write_then_parse_is_the_identity(items: list[Observation]) -> None:
    out = io.StringIO()
    assert oc.write_observations_csv(items, out) == len(items)
    parsed = oc.parse(out.getvalue().encode("utf-8"), "round-trip.csv")
    assert parsed.rejected == []
    assert parsed.observations == [
        dataclasses.replace(o, reported_time=None, observed_at=o.observed_at.astimezone(UTC))
        for o in items]
    assert all(o.observed_at.tzinfo is UTC for o in parsed.observations)
    again = io.StringIO()
    oc.write_observations_csv(parsed.observations, again)
    assert again.getvalue() == out.getvalue()


def test_a_utf16_file_reads_as_its_utf8_twin() -> None:
    text = (HEADER + "\r\n250401,passenger,standard,2024-05-01T08:00:00-07:00,45,6,delay,Tijuana – Señal\r\n")
    for encoding in ("utf-16", "utf-16-be", "utf-16-le"):
        data = text.encode(encoding)
        if encoding != "utf-16":  # the explicit-endian codecs write no byte-order mark
            data = ("\ufeff" + text).encode(encoding)
        assert oc.parse(data, "u16.csv") == oc.parse(text.encode("utf-8"), "u8.csv"), encoding
    with pytest.raises(BadInputError, match="starts as UTF-16 .* save it as UTF-8"):
        oc.parse(text.encode("utf-16") + b"\x00", "odd.csv")


def test_an_oversized_field_refuses_its_row_alone() -> None:
    huge = "x" * 200_000
    parsed = _parse(f"{HEADER}\n"
                    "250401,passenger,standard,2024-05-01T08:00:00-07:00,30,5,delay,test\n"
                    f'250401,passenger,standard,2024-05-01T09:00:00-07:00,30,5,delay,"{huge}"\n'
                    "250401,passenger,standard,2024-05-01T10:00:00-07:00,30,5,delay,test\n")
    assert [o.observed_at.hour for o in parsed.observations] == [15, 17]
    assert [r.place for r in parsed.rejected] == ["line 3"]
