"""The volumes CSV: every field checked, bad rows kept aside with their reason, exact round trip."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from borderflow.errors import BadInputError
from borderflow.feeds.detect import detect_format
from borderflow.feeds.volumes_csv import HEADER, format_value, parse, write_volumes_csv


def test_good_rows_land_and_bad_rows_are_kept_aside_with_the_reason() -> None:
    lines = [
        HEADER,
        "2304,,month,2024-04-01,Trucks,northbound,150321,bts",
        "2304,World Trade Bridge,month,2024-04-01,Trucks,northbound,98000,txdot",
        ",,day,2019-02-03,Trucks,southbound,1234.5,cascade",
        "23O4,,month,2024-04-01,Trucks,northbound,1,bts",          # letter O in the port code
        "2304,,month,2024-04-15,Trucks,northbound,1,bts",          # a month starting mid-month
        "2304,,week,2024-04-01,Trucks,northbound,1,bts",           # no such period
        "2304,,month,2024-04-01,Trucks,eastbound,1,bts",           # no such direction
        "2304,,month,2024-04-01,Trucks,northbound,-3,bts",         # negative count
        "2304,,month,2024-04-01,Trucks,northbound,1e5,bts",        # exponent
        "2304,,month,2024-04-01,,northbound,1,bts",                # no measure
        "2304,,month,2024-04-01,Trucks,northbound,1, bts",         # spaces around the source
        "2304,,month,2024-04-01,Trucks,northbound,1",              # a field short
    ]
    text = "\n".join(lines).encode()
    assert detect_format(text[:4096], "counts.csv") == "volumes-csv"
    parsed = parse(text, "counts.csv")
    assert [(v.port_code, v.site, v.period, v.period_start, v.direction, v.value, v.source)
            for v in parsed.volumes] == [
        ("2304", "", "month", dt.date(2024, 4, 1), "northbound", 150321.0, "bts"),
        ("2304", "World Trade Bridge", "month", dt.date(2024, 4, 1), "northbound", 98000.0, "txdot"),
        ("", "", "day", dt.date(2019, 2, 3), "southbound", 1234.5, "cascade"),
    ]
    reasons = {r.place: r.reason for r in parsed.rejected}
    assert list(reasons) == [f"line {n}" for n in range(5, 14)]
    assert "port_code must be a 4-digit" in reasons["line 5"]
    assert "first of the month" in reasons["line 6"]
    assert "period must be one of month, day" in reasons["line 7"]
    assert "direction must be one of" in reasons["line 8"]
    assert "value must be a count >= 0" in reasons["line 9"] and "value" in reasons["line 10"]
    assert "measure is required" in reasons["line 11"]
    assert "surrounding spaces" in reasons["line 12"]
    assert "expected 8 fields" in reasons["line 13"]


def test_another_header_is_named_in_one_line() -> None:
    with pytest.raises(BadInputError, match="not a volumes CSV: expected the header"):
        parse(b"port,month,value\n2304,2024-04,1\n", "x.csv")


@pytest.mark.parametrize("value", [0.0, 10.0, 0.1, 1e-7, 123456789012.0, 2.5, 1 / 3])
def test_values_are_written_to_read_back_as_the_same_float(value: float) -> None:
    out = io.StringIO()
    write_volumes_csv([{"port_code": "2304", "site": "", "period": "day", "period_start": "2024-04-02",
                        "measure": "Trucks", "direction": "northbound", "value": value, "source": "x"}], out)
    assert "e" not in format_value(value)
    [volume] = parse(out.getvalue().encode()).volumes
    assert volume.value == value


def test_rows_with_the_same_key_are_kept_once_or_all_refused() -> None:
    rows = [
        "2304,,month,2024-01-01,Trucks,northbound,100,mine",
        "2304,,month,2024-01-01,Trucks,northbound,200,mine",     # the same key, another count
        "2304,,month,2024-02-01,Trucks,northbound,5,mine",
        "2304,,month,2024-02-01,Trucks,northbound,5.0,mine",     # the same count again
        "2304,,month,2024-01-01,Trucks,northbound,100,other",    # another source: another key
    ]
    parsed = parse("\n".join([HEADER, *rows]).encode(), "counts.csv")
    assert [(v.period_start.month, v.value, v.source) for v in parsed.volumes] == [
        (2, 5.0, "mine"), (1, 100.0, "other")]
    assert [r.place for r in parsed.rejected] == ["line 2", "line 3"]
    assert parsed.rejected[0].reason == (
        "conflicting values for (port 2304, month 2024-01-01, Trucks, northbound, source 'mine'): "
        "100 at line 2 and 200 at line 3; none kept, correct the source or remove the wrong one")
    assert parsed.notes == ["1 duplicate row(s) with identical values collapsed"]


def test_a_column_named_twice_is_said_so() -> None:
    with pytest.raises(BadInputError, match=r"not a volumes CSV: the header names column 'value' 2 times "
                                            r"\(columns 7, 9\); remove or rename all but one"):
        parse((HEADER + ",value\n2304,,month,2024-01-01,Trucks,northbound,1,x,2\n").encode(), "v.csv")


@pytest.mark.parametrize("value", [1e13, 1e-25, float("nan")])
def test_a_stored_count_the_csv_cannot_hold_writes_nothing_and_is_named(value: float) -> None:
    # counts stored before ingest kept the volume rule: the export names the row and the way out
    good = {"port_code": "2304", "site": "", "period": "month", "period_start": "2024-01-01",
            "measure": "Buses", "direction": "northbound", "value": 3, "source": "bts"}
    bad = {**good, "port_code": "2301", "measure": "Trucks", "value": value}
    out = io.StringIO()
    with pytest.raises(BadInputError, match=r"^the stored volume of port 2301, month 2024-01-01, Trucks, "
                                            r"northbound, source 'bts' cannot be written .*--format json"):
        write_volumes_csv([good, bad], out)
    assert out.getvalue() == ""
