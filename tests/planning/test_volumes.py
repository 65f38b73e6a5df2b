"""A port's year of BTS counts read back from the archive (real rows, SQLite)."""

from __future__ import annotations

import csv

import pytest

from borderflow.errors import BadInputError, NotFoundError
from borderflow.planning.volumes import latest_complete_year, port_year

from .conftest import BTS


def counts(port: str, measure: str, year: int) -> dict[int, float]:
    """Month -> value straight from the CSV (an independent reading)."""
    out = {}
    with BTS.open(newline="") as f:
        for row in csv.DictReader(f):
            if row["Port Code"] == port and row["Measure"] == measure and row["Date"].endswith(str(year)):
                month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                         "Dec"].index(row["Date"][:3]) + 1
                out[month] = float(row["Value"])
    return out


def test_san_ysidro_2024(archive):
    year = port_year(archive, "2504", 2024)
    vehicles = counts("2504", "Personal Vehicles", 2024)
    assert year.monthly["passenger"] == tuple(vehicles[m] for m in range(1, 13))
    assert year.monthly["passenger"][0] == 1240727.0
    passengers = counts("2504", "Personal Vehicle Passengers", 2024)
    assert year.passengers_per_vehicle == pytest.approx(sum(passengers.values()) / sum(vehicles.values()))
    assert year.monthly["pedestrian"][0] is None  # no January count in the source
    assert year.notes == ("Pedestrians: no BTS count for Jan 2024",)
    assert "commercial" not in year.monthly


def test_latest_year_and_what_is_missing(archive):
    assert latest_complete_year(archive, "2506", ("commercial",)) == 2024
    with pytest.raises(NotFoundError, match="no BTS volumes for port 2506 in 2019"):
        port_year(archive, "2506", 2019)
    with pytest.raises(NotFoundError, match="no year with BTS Personal Vehicles counts in all 12 months"):
        latest_complete_year(archive, "2302", ("passenger",))
    with pytest.raises(BadInputError, match="4-digit"):
        port_year(archive, "25", 2024)


def ingest_counts(engine, rows: list[tuple[str, str, str, str, int, str]]) -> None:
    """Monthly counts through the volumes CSV: (port, month YYYY-MM, measure, direction, value, source)."""
    from borderflow.services.ingest import Ingestor

    lines = ["port_code,site,period,period_start,measure,direction,value,source"]
    lines += [f"{port},,month,{month}-01,{measure},{direction},{value},{source}"
              for port, month, measure, direction, value, source in rows]
    summary = Ingestor(engine).ingest_bytes(("\n".join(lines) + "\n").encode(), "counts.csv")
    assert summary.error is None, summary.error


def test_the_default_year_is_the_latest_with_every_month_of_btss_counts_of_the_modes(archive):
    assert latest_complete_year(archive, "2506", ("commercial",)) == 2024
    # San Ysidro: BTS has no Pedestrians count for January 2024
    assert latest_complete_year(archive, "2504", ("passenger",)) == 2024
    assert latest_complete_year(archive, "2504", ("passenger", "pedestrian")) == 2023
    with pytest.raises(NotFoundError, match="no year with BTS Trucks counts in all 12 months for port 2504"):
        latest_complete_year(archive, "2504", ("commercial",))
    # a year of Trucks from another source, of another measure, or southbound does not make 2025 BTS's
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    ingest_counts(archive, [("2506", m, "Trucks", "northbound", 90000, "mycount") for m in months]
                  + [("2506", m, "Buses", "northbound", 10, "bts") for m in months]
                  + [("2506", m, "Trucks", "southbound", 80000, "bts") for m in months]
                  + [("2506", "2025-01", "Trucks", "northbound", 95000, "bts")])
    assert latest_complete_year(archive, "2506", ("commercial",)) == 2024
    assert port_year(archive, "2506", 2025).monthly["commercial"] == (95000.0,) + (None,) * 11


def test_southbound_rows_stored_as_bts_are_not_counted(archive):
    before = port_year(archive, "2504", 2024)
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    ingest_counts(archive, [("2504", m, measure, "southbound", 1, "bts") for m in months
                            for measure in ("Personal Vehicles", "Personal Vehicle Passengers", "Pedestrians")])
    assert port_year(archive, "2504", 2024) == before


def test_a_year_of_zero_counts_is_no_year_of_that_mode(archive):
    """BTS wrote Trucks 0 for San Ysidro every month until mid-2016 (it has no cargo
    lanes): such a year counts nothing and is never the default, and a year given whose
    counts of a mode are all zero holds none of that mode, so appraising its trucks is refused."""
    months = [f"2015-{m:02d}" for m in range(1, 13)]
    ingest_counts(archive, [("2504", m, "Trucks", "northbound", 0, "bts") for m in months]
                  + [("2504", m, "Personal Vehicles", "northbound", 1_000_000, "bts") for m in months])
    with pytest.raises(NotFoundError, match=r"Trucks counts in all 12 months for port 2504 \(a year of zeros"):
        latest_complete_year(archive, "2504", ("commercial",))
    assert latest_complete_year(archive, "2504", ("passenger",)) == 2024
    volumes = port_year(archive, "2504", 2015)
    assert "commercial" not in volumes.monthly and volumes.monthly["passenger"] == (1_000_000.0,) * 12
    from borderflow.planning.days import representative_days
    with pytest.raises(BadInputError, match="port 2504 has no BTS commercial volumes in 2015"):
        representative_days(volumes, ("commercial",), None, False)
