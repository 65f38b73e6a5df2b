"""Cascade Gateway exports: Peace Arch hourly and daily delays, daily volumes, trucks."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from borderflow.errors import BadInputError
from borderflow.feeds import cascade
from borderflow.feeds.records import Parsed, Volume
from borderflow.vocabulary import Observation

DATA = Path(__file__).parent.parent / "data" / "cascade"
HOURLY = DATA / "peace-arch-south-cars-hourly-2013-01_2018-08.csv"
DAILY = DATA / "peace-arch-north-cars-daily-2018-01_2020-03.csv"
TRUCKS = DATA / "trucks-daily-volume-2018-01_2020-03.csv"
CROSSINGS = Path(__file__).parent.parent / "data" / "cbp-feed" / "crossingslist-2022-07-01.json"
UTC = dt.UTC


def _filled(path: Path) -> dict[str, int]:
    """Non-empty cells per column, counted with nothing but the csv module."""
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    return {h: sum(1 for r in rows[1:] if r[i].strip()) for i, h in enumerate(rows[0]) if i}


@pytest.fixture(scope="module")
def hourly() -> Parsed:
    return cascade.parse(HOURLY.read_bytes(), HOURLY.name)


def test_sites_agree_with_cbp() -> None:
    import json

    # crossingslist-2022-07-01.json: bwtId = 2-digit office + port_number
    listed = {c["bwtId"][2:]: (c["portName"], c["crossingName"])
              for c in json.loads(CROSSINGS.read_text())["portCrossings"]}
    assert listed["300402"] == ("Blaine", "Peace Arch")
    assert listed["300401"] == ("Blaine", "Pacific Highway")
    assert listed["302301"] == ("Lynden", "") and listed["300901"] == ("Sumas", "")
    assert cascade.SITES["peace arch"] == ("300402", "3004")
    assert cascade.SITES["pacific highway"] == ("300401", "3004")
    assert cascade.SITES["lynden/aldergrove"] == ("302301", "3023")
    assert cascade.SITES["sumas/huntingdon"] == ("300901", "3009")


def test_hourly_counts(hourly: Parsed) -> None:
    filled = _filled(HOURLY)["Avg - Delay (Peace Arch South Cars)"]
    assert len(hourly.observations) == filled == 49_656 - 693
    assert hourly.rejected == [] and hourly.volumes == []
    assert hourly.notes == [
        "693 empty cell(s) in 'Avg - Delay (Peace Arch South Cars)': no reading made"]
    assert len({o.key for o in hourly.observations}) == len(hourly.observations)
    assert {(o.crossing_id, o.mode, o.program, o.direction, o.source)
            for o in hourly.observations} == {
        ("300402", "passenger", "standard", "northbound", "cascade")}


def test_hourly_read_by_hand(hourly: Parsed) -> None:
    waits = {o.observed_at: o.wait_minutes for o in hourly.observations}
    # line 2: 2013-01-01 00:00:00,0.0 -> 08:00 UTC (PST)
    assert hourly.observations[0] == Observation(
        "300402", "passenger", "standard", dt.datetime(2013, 1, 1, 8, tzinfo=UTC), 0, None,
        None, "cascade", "northbound")
    # line 41: 2013-01-02 15:00:00,17.5 -> 18 (half up), 23:00 UTC
    assert waits[dt.datetime(2013, 1, 2, 23, tzinfo=UTC)] == 18
    # line 105: 2013-01-05 07:00:00,0.5 -> 1
    assert waits[dt.datetime(2013, 1, 5, 15, tzinfo=UTC)] == 1
    # line 49021: 2018-08-05 11:00:00,91.0 (PDT) -> 18:00 UTC
    assert waits[dt.datetime(2018, 8, 5, 18, tzinfo=UTC)] == 91


def test_hourly_daylight_saving(hourly: Parsed) -> None:
    waits = {o.observed_at: o.wait_minutes for o in hourly.observations}
    # spring forward: line 1634 00:00 1.5 (PST), 1635 01:00 0.4, 1636 02:00 empty (the hour
    # that does not exist), 1637 03:00 0.0 (PDT)
    assert [waits.get(dt.datetime(2013, 3, 10, h, tzinfo=UTC)) for h in (8, 9, 10)] == [2, 0, 0]
    # fall back: line 7347 01:00 0.1 is the first (PDT) 01:00 = 08:00 UTC; line 7348
    # 02:00 0.0 is PST = 10:00 UTC; 09:00 UTC (the second 01:00) is not in the file
    assert waits[dt.datetime(2013, 11, 3, 8, tzinfo=UTC)] == 0
    assert waits[dt.datetime(2013, 11, 3, 10, tzinfo=UTC)] == 0
    assert dt.datetime(2013, 11, 3, 9, tzinfo=UTC) not in waits


def test_repeated_and_skipped_hours_are_deterministic() -> None:
    text = ("Group Starts,Avg - Delay (Peace Arch South Cars)\n"
            "2017-11-05 00:00:00,1.0\n2017-11-05 01:00:00,2.0\n2017-11-05 01:00:00,3.0\n"
            "2017-11-05 02:00:00,4.0\n2018-03-11 02:00:00,5.0\n")
    parsed = cascade.parse(text.encode())
    assert [(o.observed_at.hour, o.wait_minutes) for o in parsed.observations] == [
        (7, 1), (8, 2), (9, 3), (10, 4)]
    assert parsed == cascade.parse(text.encode())
    assert [r.place for r in parsed.rejected] == ["line 6, column 2"]
    assert "does not exist" in parsed.rejected[0].reason


def test_repeated_hour_is_read_in_time_order_whichever_way_the_file_is_sorted() -> None:
    rows = ["2013-11-03 00:00:00,5", "2013-11-03 01:00:00,10", "2013-11-03 01:00:00,30", "2013-11-03 02:00:00,7"]
    header = "Group Starts,Avg - Delay (Peace Arch South Cars)\n"
    oldest_first = cascade.parse((header + "\n".join(rows) + "\n").encode())
    newest_first = cascade.parse((header + "\n".join(reversed(rows)) + "\n").encode())
    # 01:00 PDT (08:00 UTC) is the first 01:00 in time, 01:00 PST (09:00 UTC) the second
    assert sorted((o.observed_at.hour, o.wait_minutes) for o in oldest_first.observations) == [
        (7, 5), (8, 10), (9, 30), (10, 7)]
    assert sorted(oldest_first.observations, key=lambda o: o.observed_at) == sorted(
        newest_first.observations, key=lambda o: o.observed_at)


def test_spreadsheet_columns_without_a_name() -> None:
    text = ("Group Starts,Avg - Delay (Peace Arch South Cars),,\n"
            "2017-06-01 08:00:00,4,,\n2017-06-01 09:00:00,6,,\n")
    parsed = cascade.parse(text.encode())
    assert [o.wait_minutes for o in parsed.observations] == [4, 6] and parsed.rejected == []
    filled = cascade.parse(text.replace("09:00:00,6,,", "09:00:00,6,,8").encode())
    (bad,) = filled.rejected
    assert bad.place == "column 4" and "no name" in bad.reason and "line 3" in bad.reason
    assert [o.wait_minutes for o in filled.observations] == [4, 6]


def test_one_row_at_midnight_is_not_guessed_hourly_or_daily() -> None:
    header = "Group Starts,Avg - Delay (Peace Arch South Cars)\n"
    parsed = cascade.parse((header + "2018-08-31 00:00:00,1.2\n").encode())
    (bad,) = parsed.rejected
    assert parsed.observations == [] and "hourly" in bad.reason and bad.place == "line 2"
    (one,) = cascade.parse((header + "2018-08-31 13:00:00,1.2\n").encode()).observations
    assert one.source == "cascade"


def test_daily_peace_arch_north() -> None:
    parsed = cascade.parse(DAILY.read_bytes(), DAILY.name)
    filled = _filled(DAILY)
    assert len(parsed.observations) == (filled["Avg - Delay (Peace Arch North Cars)"]
                                        + filled["Avg - Delay (Peace Arch North NEXUS)"]) == 1614
    assert len(parsed.volumes) == (filled["Sum - Volume (Peace Arch North Cars)"]
                                   + filled["Sum - Volume (Peace Arch North NEXUS)"]) == 1616
    assert parsed.rejected == [] and len(parsed.notes) == 4
    assert {o.source for o in parsed.observations} == {"cascade-daily-mean"}
    assert {o.direction for o in parsed.observations} == {"southbound"}
    obs = {(o.program, o.observed_at): o.wait_minutes for o in parsed.observations}
    vol = {(v.measure, v.period_start): v for v in parsed.volumes}
    # line 2: 2018-01-01 00:00:00,14.8,2659.0,2.1,2196.0; local midnight PST = 08:00 UTC
    assert obs["standard", dt.datetime(2018, 1, 1, 8, tzinfo=UTC)] == 15
    assert obs["sentri", dt.datetime(2018, 1, 1, 8, tzinfo=UTC)] == 2
    assert vol["Personal Vehicles", dt.date(2018, 1, 1)] == Volume(
        port_code="3004", period_start=dt.date(2018, 1, 1), measure="Personal Vehicles",
        value=2659.0, source="cascade", period="day", site="Peace Arch",
        direction="southbound", state="Washington", border="US-Canada Border")
    assert vol["Personal Vehicles (NEXUS)", dt.date(2018, 1, 1)].value == 2196
    # line 183: 2018-07-01 00:00:00,12.6,...; midnight PDT = 07:00 UTC
    assert obs["standard", dt.datetime(2018, 7, 1, 7, tzinfo=UTC)] == 13
    # line 61: 2018-03-01,0.0,232.0,,5.0 -> no NEXUS delay that day, NEXUS volume 5
    assert ("sentri", dt.datetime(2018, 3, 1, 8, tzinfo=UTC)) not in obs
    assert vol["Personal Vehicles (NEXUS)", dt.date(2018, 3, 1)].value == 5


def test_trucks_daily() -> None:
    parsed = cascade.parse(TRUCKS.read_bytes(), TRUCKS.name)
    assert len(parsed.volumes) == sum(_filled(TRUCKS).values()) == 4024
    assert parsed.observations == [] and parsed.rejected == []
    got = {(v.site, v.direction, v.period_start): (v.port_code, v.value) for v in parsed.volumes}
    # line 3: 2018-01-02,51.0,116.0,110.0,1561.0,158.0 (Lynden N, Lynden S, Pacific
    # Highway N, Pacific Highway S, Sumas N); North = into Canada = southbound
    day = dt.date(2018, 1, 2)
    assert got["Lynden/Aldergrove", "southbound", day] == ("3023", 51)
    assert got["Lynden/Aldergrove", "northbound", day] == ("3023", 116)
    assert got["Pacific Highway", "southbound", day] == ("3004", 110)
    assert got["Pacific Highway", "northbound", day] == ("3004", 1561)
    assert got["Sumas/Huntingdon", "southbound", day] == ("3009", 158)
    # line 2: 2018-01-01,,83.0,,948.0,48.0 -> no Lynden North volume that day
    assert ("Lynden/Aldergrove", "southbound", dt.date(2018, 1, 1)) not in got
    assert {v.measure for v in parsed.volumes} == {"Trucks"}


def test_unknown_columns_and_bad_cells() -> None:
    text = ("Group Starts,Avg - Delay (Nowhere South Cars),Sum - Volume (Peace Arch South Cars),"
            "Avg - Delay (Sumas South Buses)\n"
            "2018-01-01 01:00:00,1.0,5.0,2\n2018-01-01 02:00:00,x,6.0,\nlater,1,2,3\n")
    parsed = cascade.parse(text.encode())
    assert parsed.observations == [] and parsed.volumes == []
    reasons = {r.place: r.reason for r in parsed.rejected}
    assert "unknown series" in reasons["column 2"]
    assert "hourly volumes" in reasons["line 2, column 3"]
    assert "bus delays" in reasons["line 2, column 4"]
    assert "Group Starts" in reasons["line 4"]
    with pytest.raises(BadInputError, match="Group Starts"):
        cascade.parse(b"When,Delay\n2018-01-01,1\n")


def test_sniff() -> None:
    for path in (HOURLY, DAILY, TRUCKS):
        assert cascade.sniff(path.read_bytes()[:4096], "")
    assert not cascade.sniff(b"Group Starts,Something\n", "")


def test_other_time_styles_and_point_roberts() -> None:
    text = ("Group Starts,Sum - Volume (Point Roberts South Cars)\n"
            "1/1/2018 0:00,120.0\n1/2/2018 0:00,95.0\n")
    parsed = cascade.parse(text.encode())
    assert [(v.port_code, v.site, v.period_start, v.value, v.direction)
            for v in parsed.volumes] == [
        ("3017", "Point Roberts", dt.date(2018, 1, 1), 120.0, "northbound"),
        ("3017", "Point Roberts", dt.date(2018, 1, 2), 95.0, "northbound")]


def _reordered(path: Path, body: list[str]) -> bytes:
    return ("\n".join([path.read_text().splitlines()[0], *body]) + "\n").encode()


def test_daily_file_sorted_newest_first_reads_as_the_original() -> None:
    # the module's rules read either order; days are told by midnights, not by their order
    lines = DAILY.read_text().splitlines()
    parsed = cascade.parse(_reordered(DAILY, lines[:0:-1]), DAILY.name)
    original = cascade.parse(DAILY.read_bytes(), DAILY.name)
    assert parsed.rejected == [] and len(parsed.volumes) == 1616
    assert sorted(parsed.volumes, key=repr) == sorted(original.volumes, key=repr)
    assert sorted(parsed.observations, key=repr) == sorted(original.observations, key=repr)
    assert {o.source for o in parsed.observations} == {"cascade-daily-mean"}


def test_a_repeated_day_is_collapsed_or_refused_alone() -> None:
    lines = TRUCKS.read_text().splitlines()
    # line 3 (2018-01-02,51.0,116.0,110.0,1561.0,158.0) once more at the end: one copy kept
    again = cascade.parse(_reordered(TRUCKS, [*lines[1:], lines[2]]), TRUCKS.name)
    assert len(again.volumes) == 4024 and again.rejected == []
    assert "5 duplicate cell(s) with identical values collapsed" in again.notes
    # the same day with another Sumas count: that count alone is refused, at both places
    other = lines[2].rsplit(",", 1)[0] + ",999.0"
    clash = cascade.parse(_reordered(TRUCKS, [*lines[1:], other]), TRUCKS.name)
    assert len(clash.volumes) == 4024 - 1
    assert [r.place for r in clash.rejected] == ["line 3, column 6", f"line {len(lines) + 1}, column 6"]
    assert "158.0 at line 3, column 6 and 999.0 at line" in clash.rejected[0].reason
    assert "none kept" in clash.rejected[0].reason
    got = {(v.site, v.direction, v.period_start) for v in clash.volumes}
    assert ("Sumas/Huntingdon", "southbound", dt.date(2018, 1, 2)) not in got
    assert ("Pacific Highway", "northbound", dt.date(2018, 1, 2)) in got


def test_hourly_volumes_say_how_to_get_them_read() -> None:
    text = "Group Starts,Sum - Volume (Peace Arch South Cars)\n2018-01-01 01:00:00,5\n2018-01-01 02:00:00,6\n"
    parsed = cascade.parse(text.encode())
    assert parsed.volumes == [] and len(parsed.rejected) == 2
    assert "grouped by day" in parsed.rejected[0].reason


def test_huge_or_too_fine_volumes_are_refused_alone() -> None:
    text = ("Group Starts,Sum - Volume (Peace Arch South Cars)\n2018-01-01,1e13\n2018-01-02,1e-25\n"
            "2018-01-03,7\n")
    parsed = cascade.parse(text.encode())
    assert [v.value for v in parsed.volumes] == [7.0]
    assert [r.place for r in parsed.rejected] == ["line 2, column 2", "line 3, column 2"]
    assert "at most 999,999,999,999" in parsed.rejected[0].reason


def test_two_columns_of_one_series_refuse_the_file() -> None:
    # the real daily header with its Cars delay column once more, under another name of the
    # same site: which column holds that day's delay cannot be told
    lines = DAILY.read_text().splitlines()
    text = "\n".join([lines[0] + ",Avg - Delay (Peace Arch Northbound Cars)",
                      *(line + ",99.0" for line in lines[1:3])]) + "\n"
    with pytest.raises(BadInputError, match=r"columns 2 \('Avg - Delay \(Peace Arch North Cars\)'\) and 6 "
                                            r".* hold the same series; remove or rename one"):
        cascade.parse(text.encode(), DAILY.name)
