"""TxDOT bridge counts against the real 2008-2025 monthly file (a gzip copy)."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pandas as pd
import pytest

from borderflow.errors import BadInputError
from borderflow.feeds import bts, txdot
from borderflow.feeds.records import Parsed, Volume

DATA = Path(__file__).parent.parent / "data"
MONTHLY = DATA / "txdot" / "monthly_crossings_2008_2025.csv.gz"
BTS = DATA / "bts" / "border-crossing-entry-us-mexico-1996-01_2025-02.csv.gz"


@pytest.fixture(scope="module")
def parsed() -> Parsed:
    return txdot.parse(MONTHLY.read_bytes(), MONTHLY.name)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.read_csv(MONTHLY, dtype=str, keep_default_na=False)


def test_every_row_is_one_volume(parsed: Parsed, frame: pd.DataFrame) -> None:
    assert len(frame) == 34_090
    keys = frame.groupby(["POE", "Crossing", "Year", "Month", "Modes"]).ngroups
    assert len(parsed.volumes) == keys == len(frame)
    assert parsed.rejected == [] and parsed.notes == []
    assert sum(v.value for v in parsed.volumes) == frame["Northbound Crossing"].astype(int).sum()
    assert {v.site for v in parsed.volumes} == set(frame["Crossing"])
    assert len(set(frame["Crossing"])) == 33


def test_values_read_by_hand(parsed: Parsed) -> None:
    by_key = {(v.site, v.period_start, v.measure): v for v in parsed.volumes}
    # line 2: 2008-01-BRID-Buses,2008,1,El Paso,El Paso,Bridge of the Americas,Buses,1229
    assert by_key["Bridge of the Americas", dt.date(2008, 1, 1), "Buses"] == Volume(
        port_code="2402", period_start=dt.date(2008, 1, 1), measure="Buses", value=1229.0,
        source="txdot", period="month", site="Bridge of the Americas", direction="northbound",
        port_name="El Paso", state="Texas", border="US-Mexico Border")
    # line 3: ...,Bridge of the Americas,Commercial Trucks,34638
    assert by_key["Bridge of the Americas", dt.date(2008, 1, 1), "Trucks"].value == 34638
    # line 30569: 2023-12-EAGL-POVs,...,Eagle Pass International Bridge,Passenger Vehicles,551
    # (a suspected source error, kept as the source wrote it)
    eagle = by_key["Eagle Pass International Bridge", dt.date(2023, 12, 1), "Personal Vehicles"]
    assert (eagle.value, eagle.port_code) == (551, "2303")
    # line 12225: 2014-09-BOQU-Pedestrians,2014,9,El Paso,Presidio,Boquillas,
    #             Pedestrians/ Bicyclists,168 -> BTS port 2410, not Presidio's 2403
    boquillas = by_key["Boquillas", dt.date(2014, 9, 1), "Pedestrians"]
    assert (boquillas.value, boquillas.port_code, boquillas.port_name) == (168, "2410", "Presidio")
    # line 17: 2008-01-FORT-Buses,...,Marcelino Serna,Fort Hancock-El Porvenir Bridge,Buses,0
    fort_hancock = by_key["Fort Hancock-El Porvenir Bridge", dt.date(2008, 1, 1), "Buses"]
    assert fort_hancock.port_code == "2404"
    # line 21671: 2019-06-CANA-Railcars,...,Laredo,Canadian Pacific Kansas City Laredo
    #             Railroad Bridge,Railcars,40514
    rail = by_key["Canadian Pacific Kansas City Laredo Railroad Bridge", dt.date(2019, 6, 1),
                  "Railcars"]
    assert (rail.value, rail.port_code) == (40514, "2304")


def test_measures_and_port_codes(parsed: Parsed) -> None:
    assert {v.measure for v in parsed.volumes} == {
        "Buses", "Trucks", "Personal Vehicles", "Pedestrians", "Railcars"}
    assert {v.port_name: v.port_code for v in parsed.volumes if v.site != "Boquillas"} == (
        txdot.POE_PORT_CODES)


def test_mapping_agrees_with_bts_month_by_month(parsed: Parsed) -> None:
    """The measure and port mapping, checked on real numbers for Laredo (2304), Feb 2008
    to Feb 2025: TxDOT bridges summed by port equal BTS's count exactly in most months
    (BTS revises some months later), and Railcars track BTS Rail Containers Loaded +
    Empty (within 1%), not Loaded alone (about 1.8 times Loaded)."""
    official = {(v.period_start, v.measure): v.value
                for v in bts.parse(BTS.read_bytes()).volumes if v.port_code == "2304"}
    summed: dict[tuple[dt.date, str], float] = {}
    for v in parsed.volumes:
        if v.port_code == "2304" and (v.period_start, "Trucks") in official:
            key = (v.period_start, v.measure)
            summed[key] = summed.get(key, 0.0) + v.value
    months = {month for month, _ in summed}
    assert len(months) == 206
    for measure in ("Buses", "Trucks", "Personal Vehicles", "Pedestrians"):
        equal = sum(summed[m, measure] == official.get((m, measure)) for m in months)
        assert equal >= 0.9 * len(months), (measure, equal)
    both = sum(abs(summed[m, "Railcars"] - official.get((m, "Rail Containers Loaded"), 0)
                   - official.get((m, "Rail Containers Empty"), 0)) <= 0.01 * summed[m, "Railcars"]
               for m in months)
    loaded_only = sum(abs(summed[m, "Railcars"] - official.get((m, "Rail Containers Loaded"), 0))
                      <= 0.1 * summed[m, "Railcars"] for m in months)
    assert both >= 0.75 * len(months) and loaded_only <= 0.05 * len(months), (both, loaded_only)
    # 2019-06, by hand: TxDOT line 21671 (Laredo railroad bridge, Railcars, 40514) =
    # BTS line 9176 (Rail Containers Loaded 24211) + line 14276 (Empty 16303)
    assert summed[dt.date(2019, 6, 1), "Railcars"] == 24211 + 16303


def test_unknown_poe_and_mode_are_kept_with_a_note() -> None:
    text = (b"ID,Year,Month,Region,POE,Crossing,Modes,Northbound Crossing\n"
            b"x,2024,2,Somewhere,Nowhere,New Bridge,Horses,12\n"
            b"y,2024,13,El Paso,El Paso,Bridge of the Americas,Buses,1\n"
            b"z,2024,1,El Paso,El Paso,Bridge of the Americas,Buses,many\n")
    parsed = txdot.parse(text)
    assert [(v.port_code, v.measure, v.value) for v in parsed.volumes] == [("", "Horses", 12.0)]
    assert any("Nowhere" in n for n in parsed.notes) and any("Horses" in n for n in parsed.notes)
    assert [r.place for r in parsed.rejected] == ["line 3", "line 4"]
    assert "'13'" in parsed.rejected[0].reason and "'many'" in parsed.rejected[1].reason


def test_conflicting_rows_are_all_rejected() -> None:
    text = (b"ID,Year,Month,Region,POE,Crossing,Modes,Northbound Crossing\n"
            b"a,2024,2,El Paso,El Paso,Bridge of the Americas,Buses,12\n"
            b"b,2024,2,El Paso,El Paso,Bridge of the Americas,Buses,12\n"
            b"c,2024,3,El Paso,El Paso,Bridge of the Americas,Buses,5\n"
            b"d,2024,3,El Paso,El Paso,Bridge of the Americas,Buses,6\n")
    parsed = txdot.parse(text)
    assert [(v.period_start.month, v.value) for v in parsed.volumes] == [(2, 12.0)]
    assert [r.place for r in parsed.rejected] == ["line 4", "line 5"]
    assert "5 at line 4 and 6 at line 5" in parsed.rejected[0].reason
    assert parsed.notes == ["1 duplicate row(s) with identical values collapsed"]


def test_plain_input_and_sniff() -> None:
    raw = MONTHLY.read_bytes()
    plain = gzip.decompress(raw)
    assert txdot.sniff(raw[:4096], "") and txdot.sniff(plain[:4096], "")
    assert len(txdot.parse(plain[:20_000]).volumes) > 100
    assert not txdot.sniff(b"ID,Year,Region,POE,Crossing,Modes,Northbound Crossing\n", "")
    with pytest.raises(BadInputError, match="ID,Year,Month,Region,POE"):
        txdot.parse(b"ID,Year,Region\n1,2,3\n", "yearly.csv")


def test_a_line_saved_as_windows_1252_does_not_garble_the_utf8_file(parsed: Parsed) -> None:
    # the real file is UTF-8 ("Juárez-Lincoln International Bridge", line 72); its line 72
    # once more, saved as Windows-1252, used to turn the whole file into Windows-1252 and
    # every accented bridge into a new site ("JuÃ¡rez-...")
    plain = gzip.decompress(MONTHLY.read_bytes())
    lines = plain.decode("utf-8").splitlines()
    mixed = plain + lines[71].encode("cp1252") + b"\n"
    again = txdot.parse(mixed, MONTHLY.name)
    assert again.volumes == parsed.volumes and again.rejected == []
    assert len({v.site for v in again.volumes}) == 33
    assert again.notes == [
        (f"1 line(s) not UTF-8 like the rest of the file were read as Windows-1252 (line "
         f"{len(lines) + 1}); check the names on them, and save the file as UTF-8 to be sure"),
        "1 duplicate row(s) with identical values collapsed"]


def test_a_count_the_volumes_csv_cannot_hold_is_refused_alone() -> None:
    text = (b"ID,Year,Month,Region,POE,Crossing,Modes,Northbound Crossing\n"
            b"a,2024,2,El Paso,El Paso,Bridge of the Americas,Buses,10000000000000\n"
            b"b,2024,3,El Paso,El Paso,Bridge of the Americas,Buses,0.0000000000000000000000001\n"
            b"c,2024,4,El Paso,El Paso,Bridge of the Americas,Buses,\"1,234\"\n")
    parsed = txdot.parse(text)
    assert [v.value for v in parsed.volumes] == [1234.0]
    assert [r.place for r in parsed.rejected] == ["line 2", "line 3"]
    assert parsed.rejected[0].reason == (
        "Northbound Crossing must be a count >= 0 of at most 999,999,999,999, with at most 20 "
        "decimal places; got '10000000000000'")


def test_a_column_named_twice_is_refused() -> None:
    text = (b"ID,Year,Month,Region,POE,Crossing,Modes,Northbound Crossing,Northbound Crossing\n"
            b"a,2024,2,El Paso,El Paso,Bridge of the Americas,Buses,12,13\n")
    with pytest.raises(BadInputError, match=r"names column 'northbound crossing' 2 times \(columns 8, 9\)"):
        txdot.parse(text, "twice.csv")


def test_a_crossing_or_mode_holding_the_key_separator_is_refused_alone(parsed: Parsed) -> None:
    lines = gzip.decompress(MONTHLY.read_bytes()).decode().splitlines()
    # line 2 (Bridge of the Americas, Jan 2008, Buses) and line 3 (its trucks) made to hold a '|'
    altered = [lines[0], lines[1].replace(",Bridge of the Americas,", ",Bridge of the Americas|month|2008-02-01,"),
               lines[2].replace(",Commercial Trucks,", ",Commercial|Trucks,"), *lines[3:]]
    again = txdot.parse("\n".join(altered).encode(), "txdot.csv")
    assert len(again.volumes) == len(parsed.volumes) - 2
    assert not any("|" in v.site or "|" in v.measure for v in again.volumes)
    assert [(r.place, r.raw) for r in again.rejected] == [("line 2", altered[1]), ("line 3", altered[2])]
    assert again.rejected[0].reason == (
        "Crossing may not contain '|' (it separates the fields of a record's key, so two records could read as one); "
        "got 'Bridge of the Americas|month|2008-02-01'")
    assert again.rejected[1].reason.startswith("Modes may not contain '|'")
