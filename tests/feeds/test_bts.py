"""BTS Border Crossing Entry Data, both schemas, against the real US-Mexico file."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import time
from pathlib import Path

import pandas as pd
import pytest

from borderflow.errors import BadInputError
from borderflow.feeds import bts
from borderflow.feeds.records import Parsed, Volume

US_MEXICO = Path(__file__).parent.parent / "data" / "bts" / (
    "border-crossing-entry-us-mexico-1996-01_2025-02.csv.gz")
OLD_HEADER = ["Port Name", "State", "Port Code", "Border", "Date", "Measure", "Value", "Location"]


@pytest.fixture(scope="module")
def raw() -> bytes:
    return US_MEXICO.read_bytes()


@pytest.fixture(scope="module")
def parsed(raw: bytes) -> Parsed:
    return bts.parse(raw, US_MEXICO.name)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.read_csv(US_MEXICO, dtype=str, keep_default_na=False)


def test_counts_match_an_independent_groupby(parsed: Parsed, frame: pd.DataFrame) -> None:
    groups = frame.groupby(["Port Code", "Date", "Measure"])["Value"]
    distinct = groups.nunique()
    sizes = groups.size()
    assert len(frame) == 94_234
    # one volume per key whose rows agree; every row of a key whose rows disagree rejected
    assert len(parsed.volumes) == int((distinct == 1).sum()) == 94_226
    assert len(parsed.rejected) == int(sizes[distinct > 1].sum()) == 2
    assert int((sizes[distinct == 1] - 1).sum()) == 6  # identical duplicates collapsed
    assert "6 duplicate row(s) with identical values collapsed" in parsed.notes[0]


def test_the_sasabe_conflict_is_rejected_whole(parsed: Parsed) -> None:
    # data/README.md: Sasabe, Feb 2021, Bus Passengers: 0 and 2175
    places = sorted(r.place for r in parsed.rejected)
    assert places == ["line 5241", "line 8770"]
    for rejected in parsed.rejected:
        assert "port 2606, Feb 2021, Bus Passengers" in rejected.reason
        assert "0 at line 5241" in rejected.reason and "2175 at line 8770" in rejected.reason
        assert rejected.raw.startswith("Sasabe,Arizona,2606,US-Mexico Border,Feb 2021,Bus Pass")
    assert not [v for v in parsed.volumes
                if (v.port_code, v.period_start, v.measure)
                == ("2606", dt.date(2021, 2, 1), "Bus Passengers")]


def test_values_read_by_hand(parsed: Parsed) -> None:
    by_key = {(v.port_code, v.period_start, v.measure): v for v in parsed.volumes}
    # line 2: San Luis,Arizona,2608,US-Mexico Border,Apr 2024,Buses,10,32.485,-114.782,
    #         POINT (-114.7822222 32.485)
    assert by_key["2608", dt.date(2024, 4, 1), "Buses"] == Volume(
        port_code="2608", period_start=dt.date(2024, 4, 1), measure="Buses", value=10.0,
        source="bts", period="month", port_name="San Luis", state="Arizona",
        border="US-Mexico Border", latitude=32.485, longitude=-114.7822222)
    # line 3: Ysleta,Texas,2401,...,Jan 2024,Personal Vehicle Passengers,521714
    assert by_key["2401", dt.date(2024, 1, 1), "Personal Vehicle Passengers"].value == 521714
    # line 9176 / 14276: Laredo Jun 2019 Rail Containers Loaded 24211, Empty 16303
    assert by_key["2304", dt.date(2019, 6, 1), "Rail Containers Loaded"].value == 24211
    assert by_key["2304", dt.date(2019, 6, 1), "Rail Containers Empty"].value == 16303
    # line 18810: Boquillas,Texas,2410,...,Apr 2015,Pedestrians,1374
    boquillas = by_key["2410", dt.date(2015, 4, 1), "Pedestrians"]
    assert (boquillas.value, boquillas.latitude, boquillas.longitude) == (
        1374, 29.190074, -102.946705)


def test_plain_and_gzip_input_agree(raw: bytes, parsed: Parsed) -> None:
    plain = gzip.decompress(raw)
    assert not plain.startswith(bts.GZIP_MAGIC)
    assert bts.parse(plain).volumes == parsed.volumes


def test_parses_quickly(raw: bytes) -> None:
    # The all-borders file (399,406 rows) was measured by hand: see the report.
    start = time.perf_counter()
    bts.parse(raw)
    assert time.perf_counter() - start < 10


def _old_schema(rows: list[dict[str, str]]) -> bytes:
    """Real newer-schema rows rewritten in BTS's older schema, as its docs describe it:
    one Location column holding the WKT point, dates '03/01/2019 12:00:00 AM', and
    'Full' where the newer schema says 'Loaded'."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(OLD_HEADER)
    for row in rows:
        month = dt.datetime.strptime(row["Date"], "%b %Y")
        measure = row["Measure"].replace("Containers Loaded", "Containers Full")
        writer.writerow([row["Port Name"], row["State"], row["Port Code"], row["Border"],
                         f"{month:%m}/01/{month:%Y} 12:00:00 AM", measure, row["Value"],
                         row["Point"]])
    return out.getvalue().encode()


def _new_schema(rows: list[dict[str, str]], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def test_old_and_new_schema_give_identical_volumes(frame: pd.DataFrame) -> None:
    keys = ["Port Code", "Date", "Measure"]
    sample = pd.concat([
        frame.iloc[::97],  # ~970 rows spread over the whole file
        frame[frame["Measure"].str.contains("Containers Loaded")].head(200),
        frame[frame.duplicated(keys, keep=False)],  # every duplicate and the conflict
    ]).drop_duplicates()
    rows = sample.to_dict("records")
    old = _old_schema(rows)
    assert b"Truck Containers Full" in old and b"Rail Containers Full" in old
    assert bts.sniff(old[:4096], "old.csv")
    from_old = bts.parse(old, "old.csv")
    from_new = bts.parse(_new_schema(rows, list(frame.columns)), "new.csv")
    assert from_new.volumes == from_old.volumes
    assert len(from_old.volumes) == sample.groupby(keys)["Value"].nunique().eq(1).sum()
    assert [r.reason for r in from_old.rejected] == [r.reason for r in from_new.rejected]
    assert len(from_old.rejected) == 2
    assert not any(v.measure.endswith("Full") for v in from_old.volumes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Jan 2024", dt.date(2024, 1, 1)), ("03/01/2019 12:00:00 AM", dt.date(2019, 3, 1)),
     ("12/01/1996 12:00:00 AM", dt.date(1996, 12, 1)), ("Sep 1999", dt.date(1999, 9, 1))],
)
def test_month_start(text: str, expected: dt.date) -> None:
    assert bts.month_start(text) == expected


def test_bad_rows_are_kept_aside_and_good_rows_land() -> None:
    text = (
        "Port Name,State,Port Code,Border,Date,Measure,Value,Latitude,Longitude,Point\n"
        "Jackman,Maine,104,US-Canada Border,Jan 2024,Trucks,6556,45.806,-70.397,"
        "POINT (-70.396722 45.805661)\n"
        "Jackman,Maine,0104,US-Canada Border,Janvier 2024,Trucks,1,45.8,-70.4,\n"
        "Jackman,Maine,0104,US-Canada Border,Feb 2024,Trucks,-5,45.8,-70.4,\n"
        "Jackman,Maine,0104,US-Canada Border,Mar 2024,Trucks,7,45.8,-70.4,\n"
    )
    parsed = bts.parse(text.encode())
    assert [(v.port_code, v.period_start, v.value, v.latitude) for v in parsed.volumes] == [
        ("0104", dt.date(2024, 1, 1), 6556.0, 45.805661),
        ("0104", dt.date(2024, 3, 1), 7.0, 45.8),  # no Point: the Latitude column
    ]
    assert [r.place for r in parsed.rejected] == ["line 3", "line 4"]
    assert "'Janvier 2024'" in parsed.rejected[0].reason
    assert "'-5'" in parsed.rejected[1].reason


def test_a_column_named_twice_is_refused_not_read_from_one_of_them(raw: bytes) -> None:
    lines = gzip.decompress(raw).decode().splitlines()
    # the real header and its line 2 (San Luis, Apr 2024, Buses, 10) with a second Value
    text = f"{lines[0]},Value\n{lines[1]},999\n"
    with pytest.raises(BadInputError, match=r"^x.csv cannot be read as a BTS CSV: the header names column "
                       r"'value' 2 times \(columns 7, 11\); remove or rename all but one"):
        bts.parse(text.encode(), "x.csv")


def test_counts_the_volumes_csv_cannot_hold_are_refused(raw: bytes) -> None:
    lines = gzip.decompress(raw).decode().splitlines()
    # line 2: San Luis,...,Apr 2024,Buses,10,...; the same row with 1e13, 1e-25 and 13 digits
    rows = [lines[1].replace(",Buses,10,", f",{m},{v},") for m, v in (
        ("Buses", "1e13"), ("Trucks", "1e-25"), ("Pedestrians", "1000000000000"),
        ("Trains", "999999999999"))]
    parsed = bts.parse("\n".join([lines[0], *rows]).encode())
    assert [(v.measure, v.value) for v in parsed.volumes] == [("Trains", 999_999_999_999.0)]
    assert [r.place for r in parsed.rejected] == ["line 2", "line 3", "line 4"]
    assert all("at most 999,999,999,999, with at most 20 decimal places" in r.reason
               for r in parsed.rejected)


def test_decode_text_reads_line_by_line_when_the_file_is_not_all_utf8() -> None:
    notes: list[str] = []
    mixed = "Ciudad Juárez\n".encode() + "Niños Héroes\n".encode("cp1252") + b"plain\n"
    assert bts.decode_text(mixed, notes) == "Ciudad Juárez\nNiños Héroes\nplain\n"
    assert notes and "(line 2)" in notes[0]
    # a file with no UTF-8 beyond ASCII is a Windows-1252 file: read whole, no note
    notes.clear()
    assert bts.decode_text("a\nNiños\n".encode("cp1252"), notes) == "a\nNiños\n" and notes == []
    with pytest.raises(BadInputError, match="line 2 is neither UTF-8 nor Windows-1252"):
        bts.decode_text("é\n".encode() + b"\x81\xff\n")


def test_not_bts_is_bad_input() -> None:
    with pytest.raises(BadInputError, match="missing column"):
        bts.parse(b"a,b,c\n1,2,3\n", "x.csv")
    with pytest.raises(BadInputError, match="gzip"):
        bts.parse(bts.GZIP_MAGIC + b"not really", "x.csv.gz")


def test_sniff(raw: bytes) -> None:
    assert bts.sniff(raw[:4096], "")
    assert bts.sniff(gzip.decompress(raw)[:4096], "")
    assert not bts.sniff(b"ID,Year,Month,Region,POE,Crossing,Modes,Northbound Crossing\n", "")


def test_a_measure_holding_the_key_separator_is_refused_alone(raw: bytes, parsed: Parsed) -> None:
    lines = gzip.decompress(raw).decode().splitlines()
    # line 2 (San Luis, Apr 2024, Buses, 10) with a measure that reads as more fields of a key
    altered = [lines[0], lines[1].replace(",Buses,10,", ",Buses|month|2024-05-01|Trucks,10,"), *lines[2:]]
    assert altered[1] != lines[1]
    again = bts.parse("\n".join(altered).encode(), "bts.csv")
    assert len(again.volumes) == len(parsed.volumes) - 1
    assert not any("|" in v.measure for v in again.volumes)
    (refused,) = [r for r in again.rejected if r not in parsed.rejected]
    assert (refused.place, refused.raw) == ("line 2", altered[1])
    assert refused.reason == ("Measure may not contain '|' (it separates the fields of a record's key, so two records "
                              "could read as one); got 'Buses|month|2024-05-01|Trucks'")
