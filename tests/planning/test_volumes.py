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
    assert latest_complete_year(archive, "2506") == 2024
    with pytest.raises(NotFoundError, match="no BTS volumes for port 2506 in 2019"):
        port_year(archive, "2506", 2019)
    with pytest.raises(NotFoundError, match="no complete year"):
        latest_complete_year(archive, "2302")
    with pytest.raises(BadInputError, match="4-digit"):
        port_year(archive, "25", 2024)
