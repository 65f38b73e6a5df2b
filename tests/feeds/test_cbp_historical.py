"""CBP historical averages, holiday waits, wait-time graph and historicalwaittimes JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from borderflow.errors import BadInputError
from borderflow.feeds import cbp_historical as ch
from borderflow.feeds.records import HistoricalAverage, Parsed
from borderflow.vocabulary import Observation

DATA = Path(__file__).parent.parent / "data"
AVERAGES = DATA / "cbp-historical" / "elpaso-2025-hourly-averages.csv"
HOLIDAY = DATA / "cbp-historical" / "elpaso-2025-holiday-waits.csv"
GRAPH = DATA / "cbp-feed" / "api-responses" / "Wait_Time_Graph.json"
CROSSINGS = DATA / "cbp-feed" / "crossingslist-2022-07-01.json"
UTC = dt.UTC


def _cells(path: Path, first_value_column: int) -> int:
    """Non-empty, non-NaN value cells, counted with nothing but the csv module."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    return sum(1 for r in rows for v in r[first_value_column:] if v.strip() and v != "NaN")


# --- names, lanes, hours, time zones ---------------------------------------------------


def test_el_paso_names_agree_with_cbp_crossings_list() -> None:
    listed = {c["portCrossingName"].casefold(): c["bwtId"][2:]
              for c in json.loads(CROSSINGS.read_text())["portCrossings"]}
    assert ch.EL_PASO == {name: listed[name] for name in ch.EL_PASO}
    assert ch.crossing_id_for("El Paso - Stanton DCL") == "240204"
    assert ch.crossing_id_for("El  Paso - Ysleta") == "240203"
    assert ch.crossing_id_for("Nowhere - Bridge") is None


def test_hours() -> None:
    words = ["Midnight"] + [f"{h}:00 AM" for h in range(1, 12)] + ["Noon"] + [
        f"{h}:00 PM" for h in range(1, 12)]
    assert [ch.hour_of(w) for w in words] == list(range(24))
    assert ch.hour_of("17") == 17 and ch.hour_of("7 pm") == 19
    # as spreadsheets write them
    assert ch.hour_of("1:00:00 PM") == 13 and ch.hour_of("12:00:00 AM") == 0 and ch.hour_of("13:00:00") == 13
    for bad in ("", "12:30 PM", "13:00 PM", "25", "soon", "1:00:30 PM", "24:00:00", "1:00:00:00 PM"):
        with pytest.raises(ValueError):
            ch.hour_of(bad)


@pytest.mark.parametrize(("lane", "sub", "expected"), [
    ("Commercial", "General", ("commercial", "standard")),
    ("Commercial", "FAST", ("commercial", "fast")),
    ("Passenger", "General", ("passenger", "standard")),
    ("Passenger", "Nexus/Sentri", ("passenger", "sentri")),
    ("Passenger", "SENTRI", ("passenger", "sentri")),
    ("Passenger", "Ready", ("passenger", "ready")),
    ("Pedestrian", "General", ("pedestrian", "standard")),
    ("Pedestrian", "Ready", ("pedestrian", "ready")),
])
def test_lanes(lane: str, sub: str, expected: tuple[str, str]) -> None:
    assert ch.lane_of(lane, sub) == expected


def test_lanes_outside_cbp_are_refused() -> None:
    for lane, sub in (("Pedestrian", "FAST"), ("Commercial", "Ready"), ("Boat", "General")):
        with pytest.raises(ValueError):
            ch.lane_of(lane, sub)


def test_wall_clock_rules() -> None:
    denver = "America/Denver"
    assert ch.wall_clock_to_utc(dt.datetime(2025, 1, 1, 6), denver) == dt.datetime(
        2025, 1, 1, 13, tzinfo=UTC)
    assert ch.wall_clock_to_utc(dt.datetime(2025, 7, 1, 6), denver) == dt.datetime(
        2025, 7, 1, 12, tzinfo=UTC)
    # spring forward: the message says what the hour would be and how to fix it
    with pytest.raises(ValueError, match=r"does not exist in America/Denver: the clocks skip it for "
                       r"daylight saving time; correct the time in the source \(02:00 MST is 03:00 MDT\) "
                       r"or remove the value"):
        ch.wall_clock_to_utc(dt.datetime(2025, 3, 9, 2), denver)
    first = ch.wall_clock_to_utc(dt.datetime(2025, 11, 2, 1), denver)  # fall back
    second = ch.wall_clock_to_utc(dt.datetime(2025, 11, 2, 1), denver, fold=1)
    assert (first.hour, second.hour) == (7, 8)
    assert ch.zone_of("240299") == "America/Denver"  # the El Paso fallback at least


def test_minutes_half_up() -> None:
    assert [ch.minutes_half_up(t) for t in ("0", "0.4", "0.5", "2.5", "17.5", "7.0")] == [
        0, 0, 1, 3, 18, 7]
    for bad in ("-1", "x", "nan", "inf"):
        with pytest.raises(ValueError):
            ch.minutes_half_up(bad)


# --- cbp-averages-csv ------------------------------------------------------------------


@pytest.fixture(scope="module")
def averages() -> Parsed:
    return ch.parse_averages(AVERAGES.read_bytes(), AVERAGES.name)


def test_averages_count_every_non_empty_cell(averages: Parsed) -> None:
    assert len(averages.averages) == _cells(AVERAGES, 6) == 26_865
    assert averages.rejected == []
    assert {a.year for a in averages.averages} == {2025}  # from the file name
    assert {a.kind for a in averages.averages} == {"mean"}
    assert {a.crossing_id for a in averages.averages} == {"240201", "240202", "240203", "240204"}
    keys = {(a.crossing_id, a.mode, a.program, a.month, a.weekday, a.hour)
            for a in averages.averages}
    assert len(keys) == len(averages.averages)


def test_averages_year_comes_from_the_file_name_not_its_folder() -> None:
    head = b"\n".join(AVERAGES.read_bytes().splitlines()[:30]) + b"\n"
    for name, year in [("archive/2024/elpaso-2025-hourly-averages.csv", 2025),
                       ("C:\\waits\\2019\\elpaso.csv", None), ("elpaso.csv", None)]:
        assert {a.year for a in ch.parse_averages(head, name).averages} == {year}, name


def test_averages_read_by_hand(averages: Parsed) -> None:
    got = {(a.crossing_id, a.mode, a.program, a.month, a.weekday, a.hour): a.wait_minutes
           for a in averages.averages}
    # line 8: BOTA,Commercial,General,January,All,6:00 AM,,7.0,5.0,3.0,6.0,6.0,
    assert [got.get(("240201", "commercial", "standard", 1, d, 6)) for d in range(7)] == [
        7.0, 5.0, 3.0, 6.0, 6.0, None, None]
    # line 3046: Stanton DCL,Passenger,General,May,All,7:00 PM,,1.0,,,,,
    assert got["240204", "passenger", "standard", 5, 0, 19] == 1.0
    # line 2889: PDN,Pedestrian,Ready,July,All,Noon,,,2.0,,,,38.0
    assert got["240202", "pedestrian", "ready", 7, 1, 12] == 2.0
    assert got["240202", "pedestrian", "ready", 7, 5, 12] == 38.0
    # line 4000: Ysleta,Passenger,Nexus/Sentri,December,All,11:00 PM,5.0,1.0,...
    assert got["240203", "passenger", "sentri", 12, 6, 23] == 5.0
    assert got["240203", "passenger", "sentri", 12, 0, 23] == 1.0


def test_averages_repeated_in_one_file_are_kept_once_or_refused(averages: Parsed) -> None:
    lines = AVERAGES.read_text().splitlines()
    # line 302: BOTA,Passenger,General,January,All,Midnight,79.0,30.0,20.0,5.0,7.0,19.0,34.0
    again = "\n".join([*lines, lines[301]]) + "\n"
    same = ch.parse_averages(again.encode(), AVERAGES.name)
    assert same.averages == averages.averages and same.rejected == []
    assert "7 duplicate cell(s) with identical values collapsed" in same.notes
    # the same hour once more with Monday 31.0: that Monday alone is refused, at both places
    other = lines[301].replace(",30.0,", ",31.0,")
    clash = ch.parse_averages(("\n".join([*lines, other]) + "\n").encode(), AVERAGES.name)
    assert len(clash.averages) == len(averages.averages) - 1
    assert [r.place for r in clash.rejected] == ["line 302, column 8", f"line {len(lines) + 1}, column 8"]
    assert clash.rejected[0].reason == (
        "conflicting values for the average wait at 240201 passenger/standard, Jan, Monday 00:00: "
        f"30.0 at line 302, column 8 and 31.0 at line {len(lines) + 1}, column 8; none kept, correct "
        "the source or remove the wrong one")


def test_averages_nan_blank_rows_and_bad_cells() -> None:
    text = (
        "Port,Lane,Sub-Lane,Month,Day,Time,Sunday (min),Monday (min),Tuesday (min),"
        "Wednesday (min),Thursday (min),Friday (min),Saturday (min)\n"
        "El Paso - Ysleta,Pedestrian,General,March,All,Noon,NaN,4.5,NaN,,,,\n"
        "El Paso - Ysleta,Pedestrian,General,March,All,,,,,,,,\n"
        "El Paso - Ysleta,Pedestrian,General,March,All,1:00 PM,x,,,,,,\n"
        "Somewhere - Else,Pedestrian,General,March,All,Noon,1,,,,,,\n"
    )
    parsed = ch.parse_averages(text.encode(), "")
    assert parsed.averages == [HistoricalAverage(
        crossing_id="240203", mode="pedestrian", program="standard", kind="mean", hour=12,
        wait_minutes=4.5, source="cbp-historical", month=3, weekday=0, year=None)]
    assert [r.place for r in parsed.rejected] == ["line 4, column 7", "line 5"]
    assert "'Somewhere - Else'" in parsed.rejected[1].reason


# --- cbp-holiday-csv -------------------------------------------------------------------


@pytest.fixture(scope="module")
def holiday() -> Parsed:
    return ch.parse_holiday(HOLIDAY.read_bytes(), HOLIDAY.name)


def test_holiday_counts_every_non_empty_cell(holiday: Parsed) -> None:
    assert len(holiday.observations) == _cells(HOLIDAY, 5) == 20_721
    assert holiday.rejected == []
    assert len({o.key for o in holiday.observations}) == len(holiday.observations)
    assert {o.source for o in holiday.observations} == {"cbp-historical"}
    assert all(o.observed_at.tzinfo is UTC for o in holiday.observations)


def test_holiday_read_by_hand(holiday: Parsed) -> None:
    got = {(o.crossing_id, o.mode, o.program, o.observed_at): o for o in holiday.observations}
    # line 8: BOTA,Commercial,General,New Years Day,6:00 AM; "Monday, Dec 30, 2024" = 3.0
    # 06:00 MST = 13:00 UTC
    assert got["240201", "commercial", "standard", dt.datetime(2024, 12, 30, 13, tzinfo=UTC)] == (
        Observation("240201", "commercial", "standard",
                    dt.datetime(2024, 12, 30, 13, tzinfo=UTC), 3, None, None, "cbp-historical"))
    # line 2513: Stanton DCL,Passenger,General,New Years Day,11:00 AM; Dec 30, 2024 = 45.0
    assert got["240204", "passenger", "standard",
               dt.datetime(2024, 12, 30, 18, tzinfo=UTC)].wait_minutes == 45
    # line 3314: Ysleta,Passenger,Nexus/Sentri,Thanksgiving Day,Noon; Nov 25, 2025 = 15.0
    assert got["240203", "passenger", "sentri",
               dt.datetime(2025, 11, 25, 19, tzinfo=UTC)].wait_minutes == 15
    # line 2125: PDN,Pedestrian,General,Independence Day,11:00 PM; "Saturday, July 5,
    # 2025" = 5.0; 23:00 MDT = 05:00 UTC the next day
    assert got["240202", "pedestrian", "standard",
               dt.datetime(2025, 7, 6, 5, tzinfo=UTC)].wait_minutes == 5


def test_holiday_bad_column_and_conflicting_cells() -> None:
    text = (
        'Port,Lane,Sub-Lane,Holiday,Time,"Monday, Dec 30, 2024 (min)",'
        '"Monday, Dec 31, 2024 (min)"\n'
        "El Paso - Ysleta,Passenger,General,X,Noon,5.0,1.0\n"
        "El Paso - Ysleta,Passenger,General,X,1:00 PM,2.5,\n"
        "El Paso - Ysleta,Passenger,General,X,Noon,6.0,\n"
        "El Paso - Ysleta,Passenger,General,X,1:00 PM,2.5,\n"
    )
    parsed = ch.parse_holiday(text.encode())
    assert [(o.observed_at.hour, o.wait_minutes) for o in parsed.observations] == [(20, 3)]
    places = [r.place for r in parsed.rejected]
    assert places == ["column 7", "line 2, column 6", "line 4, column 6"]
    assert "is a Tuesday" in parsed.rejected[0].reason
    assert "none kept" in parsed.rejected[1].reason


def test_a_date_or_a_weekday_named_twice_refuses_the_table() -> None:
    # which of the two columns holds that day's waits cannot be told: the file is refused
    # with the columns named, never read from one of them
    holiday = ('Port,Lane,Sub-Lane,Holiday,Time,"Monday, Dec 30, 2024 (min)",'
               '"Monday, Dec 30, 2024 (min)"\nEl Paso - Ysleta,Passenger,General,X,Noon,5.0,6.0\n')
    with pytest.raises(BadInputError, match=r"columns 6 .* and 7 .* are the same date; remove or rename one"):
        ch.parse_holiday(holiday.encode())
    averages = ("Port,Lane,Sub-Lane,Month,Day,Time,Sunday (min),Monday (min),Monday (min)\n"
                "El Paso - Ysleta,Passenger,General,July,All,Midnight,5,10,20\n")
    with pytest.raises(BadInputError, match=r"columns 8 \('Monday \(min\)'\) and 9 .* same weekday"):
        ch.parse_averages(averages.encode())
    port_twice = ("Port,Lane,Sub-Lane,Month,Day,Time,Sunday (min),Port\n"
                  "El Paso - Ysleta,Passenger,General,July,All,Midnight,5,Foo\n")
    with pytest.raises(BadInputError, match=r"names column 'port' 2 times \(columns 1, 8\); remove or rename"):
        ch.parse_averages(port_twice.encode())


def test_holiday_spreadsheet_columns_without_a_date() -> None:
    text = ('Port,Lane,Sub-Lane,Holiday,Time,"Monday, Dec 30, 2024 (min)",,\n'
            "El Paso - Ysleta,Passenger,General,X,Noon,5.0,,\n")
    parsed = ch.parse_holiday(text.encode())
    assert [o.wait_minutes for o in parsed.observations] == [5] and parsed.rejected == []
    filled = ch.parse_holiday(text.replace("Noon,5.0,,", "Noon,5.0,,4").encode())
    (bad,) = filled.rejected
    assert bad.place == "column 8" and "no date" in bad.reason
    assert [o.wait_minutes for o in filled.observations] == [5]


# --- cbp-waitgraph ---------------------------------------------------------------------


def test_waitgraph_counts_and_values() -> None:
    parsed = ch.parse_waitgraph(GRAPH.read_bytes(), GRAPH.name)
    port = json.loads(GRAPH.read_text())[0]
    slots = [s for block in ("commercial", "private", "pedestrain")
             for s in port[f"{block}_time_slots"][f"{block}_slot"]]
    fields = [(k, v) for s in slots for k, v in s.items() if k != "time" and v != ""]
    assert len(parsed.observations) == sum(k.endswith("_today_wait") for k, _ in fields) == 119
    assert len(parsed.averages) == len(fields) - 119 == 504
    assert parsed.rejected == []
    obs = {(o.mode, o.program, o.observed_at.hour): o.wait_minutes for o in parsed.observations}
    avg = {(a.mode, a.program, a.kind, a.hour): a.wait_minutes for a in parsed.averages}
    # commercial_slot time "15": standard today 10, average 16, min 5, max 70;
    # 2022-06-30 15:00 PDT = 22:00 UTC at Blaine (America/Los_Angeles)
    assert obs["commercial", "standard", 22] == 10
    assert [avg["commercial", "standard", k, 15] for k in ("mean", "min", "max")] == [16, 5, 70]
    # private_slot time "15": standard today 45, fast (NEXUS/SENTRI) today 5
    assert (obs["passenger", "standard", 22], obs["passenger", "sentri", 22]) == (45, 5)
    # commercial_slot time "17": standard today 20; time "18": today "" -> no reading
    assert obs["commercial", "standard", 0] == 20 and ("commercial", "standard", 1) not in obs
    first = parsed.observations[0]
    assert (first.crossing_id, first.source, first.observed_at) == (
        "300401", "cbp-waitgraph", dt.datetime(2022, 6, 30, 7, tzinfo=UTC))
    assert {a.on_date for a in parsed.averages} == {dt.date(2022, 6, 30)}


def test_waitgraph_without_a_time_zone_keeps_the_averages(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ch, "zone_of", lambda crossing_id: None)
    parsed = ch.parse_waitgraph(GRAPH.read_bytes())
    assert parsed.observations == [] and len(parsed.averages) == 504
    assert len(parsed.rejected) == 119 and "no time zone" in parsed.rejected[0].reason


def test_waitgraph_bad_items_are_kept_aside() -> None:
    good = json.loads(GRAPH.read_text())[0]
    payload = [{"port_number": "300401", "date": "June 30"}, good,
               {"port_number": "30040x", "date": "2022-06-30"}, 7]
    parsed = ch.parse_waitgraph(json.dumps(payload).encode())
    assert len(parsed.averages) == 504
    reasons = {r.place: r.reason for r in parsed.rejected}
    assert set(reasons) == {"item 0", "item 2", "item 3"}
    assert "'June 30'" in reasons["item 0"] and "'30040x'" in reasons["item 2"]
    with pytest.raises(BadInputError, match="not valid JSON"):
        ch.parse_waitgraph(b'[{"port_number": ')
    # a block of the wrong shape is kept aside, not dropped; places name the block
    whole = ch.parse_waitgraph(json.dumps([good]).encode())
    broken = {**good, "private_time_slots": "oops"}
    parsed = ch.parse_waitgraph(json.dumps([broken]).encode())
    (bad,) = parsed.rejected
    assert bad.place.endswith("private_time_slots") and "not an object" in bad.reason
    assert {a.mode for a in parsed.averages} == {a.mode for a in whole.averages} - {"passenger"}
    first = good["commercial_time_slots"]["commercial_slot"][0]
    edited = {**good, "commercial_time_slots": {"commercial_slot": [{**first, "time": "25:00"}]}}
    (late,) = ch.parse_waitgraph(json.dumps([edited]).encode()).rejected
    assert " commercial time '25:00'" in late.place


# --- cbp-historical-json ---------------------------------------------------------------
# No real /api/historicalwaittimes response is archived, and REST_schema.json is only the
# data.gov catalog record. This payload is built from the shape public clients of the
# endpoint read: {"wait_times": [{"bwt_day", "time_slot", "cv_time_avg", "xcv_time_avg",
# "pv_time_avg", "xpv_time_avg", "pv_ready_lanes_time_avg", "ped_time_avg",
# "ped_ready_lanes_time_avg"}]}, strings or null, bwt_day 0 = Monday.

HISTORICAL = {"wait_times": [
    {"bwt_day": "0", "time_slot": "8", "cv_time_avg": "0", "xcv_time_avg": "0",
     "pv_time_avg": "35", "xpv_time_avg": "12", "pv_ready_lanes_time_avg": "20",
     "ped_time_avg": "9", "ped_ready_lanes_time_avg": None},
    {"bwt_day": "6", "time_slot": "23", "cv_time_avg": None, "xcv_time_avg": None,
     "pv_time_avg": "41.5", "xpv_time_avg": None, "pv_ready_lanes_time_avg": "",
     "ped_time_avg": "3", "ped_ready_lanes_time_avg": "2"},
    {"bwt_day": "9", "time_slot": "8", "pv_time_avg": "1"},
]}


def test_historical_json_from_the_url_name() -> None:
    name = "https://bwt.cbp.gov/api/historicalwaittimes/06240201/POV/GEN/3/7"
    data = json.dumps(HISTORICAL).encode()
    assert ch.sniff_historical_json(data, name)
    parsed = ch.parse_historical_json(data, name)
    got = [(a.crossing_id, a.mode, a.program, a.month, a.weekday, a.hour, a.wait_minutes)
           for a in parsed.averages]
    assert got == [
        ("240201", "passenger", "standard", 3, 0, 8, 35.0),
        ("240201", "passenger", "sentri", 3, 0, 8, 12.0),
        ("240201", "passenger", "ready", 3, 0, 8, 20.0),
        ("240201", "passenger", "standard", 3, 6, 23, 41.5),
    ]
    assert [r.place for r in parsed.rejected] == ["wait_times[2]"]
    assert "bwt_day" in parsed.rejected[0].reason


def test_historical_json_rows_may_carry_port_and_month() -> None:
    rows = [dict(r, port_number="240203", month_number="11") for r in HISTORICAL["wait_times"]]
    parsed = ch.parse_historical_json(json.dumps({"wait_times": rows[:1]}).encode(), "x.json")
    assert {(a.crossing_id, a.month) for a in parsed.averages} == {("240203", 11)}
    # no lane code in the name: every non-null column is read (6 of 7 in this row)
    assert len(parsed.averages) == 6


def test_historical_json_without_a_crossing_is_rejected() -> None:
    parsed = ch.parse_historical_json(json.dumps(HISTORICAL).encode(), "")
    assert parsed.averages == [] and len(parsed.rejected) == 3
    with pytest.raises(BadInputError, match="wait_times"):
        ch.parse_historical_json(b'{"waits": []}')


def test_sniffers_tell_the_four_apart() -> None:
    heads = {
        ch.FORMAT_AVERAGES: AVERAGES.read_bytes()[:4096],
        ch.FORMAT_HOLIDAY: HOLIDAY.read_bytes()[:4096],
        ch.FORMAT_WAITGRAPH: GRAPH.read_bytes()[:4096],
        ch.FORMAT_HISTORICAL_JSON: json.dumps(HISTORICAL).encode(),
    }
    sniffers = {ch.FORMAT_AVERAGES: ch.sniff_averages, ch.FORMAT_HOLIDAY: ch.sniff_holiday,
                ch.FORMAT_WAITGRAPH: ch.sniff_waitgraph,
                ch.FORMAT_HISTORICAL_JSON: ch.sniff_historical_json}
    for fmt, head in heads.items():
        assert [f for f, sniff in sniffers.items() if sniff(head, "")] == [fmt]


def test_gzip_and_bom_are_accepted() -> None:
    import gzip

    raw = AVERAGES.read_bytes()[:3000]
    text = raw[: raw.rindex(b"\n") + 1]
    plain = ch.parse_averages(text)
    assert ch.parse_averages(gzip.compress(b"\xef\xbb\xbf" + text)).averages == plain.averages
    assert len(plain.averages) == _cells_text(text.decode(), 6)


def _cells_text(text: str, first: int) -> int:
    rows = list(csv.reader(io.StringIO(text)))[1:]
    return sum(1 for r in rows for v in r[first:] if v.strip())


def test_a_huge_statistic_is_refused_naming_the_real_rule_and_a_record_by_its_first_line() -> None:
    text = (
        "Port,Lane,Sub-Lane,Month,Day,Time,Sunday (min),Monday (min),Tuesday (min),"
        "Wednesday (min),Thursday (min),Friday (min),Saturday (min)\n"
        "El Paso - Ysleta,Pedestrian,General,March,All,Noon,99999999,4.5,,,,,\n"
        "El Paso - Ysleta,Pedestrian,General,March,All,1:00 PM,2,,,,,,\n"
        '"El Paso -\nNowhere",Pedestrian,General,March,All,2:00 PM,2,,,,,,\n'
        "El Paso - Ysleta,Pedestrian,General,March,All,3:00 PM,x,,,,,,\n"
    )
    parsed = ch.parse_averages(text.encode(), "")
    places = {r.place: r.reason for r in parsed.rejected}
    assert "below 1,000,000" in places["line 2, column 7"] and "99999999" in places["line 2, column 7"]
    assert "line 4" in places  # the quoted name spans lines 4-5: named by its first
    assert "line 6, column 7" in places
