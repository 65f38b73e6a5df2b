"""The shipped catalog against the real files it is built from: BTS links and time zones."""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from borderflow import catalog
from borderflow.catalog import build
from borderflow.errors import BadInputError

DATA = Path(__file__).parents[1] / "data"
HERE = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out as catalog-build expects: cbp-feed/, bts/ and txdot/, real files."""
    root = tmp_path_factory.mktemp("catalog-sources")
    (root / "cbp-feed").symlink_to((DATA / "cbp-feed").resolve())
    (root / "bts").mkdir()
    for path in [DATA / "bts" / "border-crossing-entry-us-mexico-1996-01_2025-02.csv.gz", *(HERE / "bts").iterdir()]:
        (root / "bts" / path.name).symlink_to(path.resolve())
    (root / "txdot").symlink_to((HERE / "txdot").resolve())
    return root


@pytest.fixture(scope="module")
def bts_ports(data_dir: Path) -> dict[str, dict[str, Any]]:
    return build._bts_ports(data_dir)


def shipped() -> dict[str, Any]:
    return json.loads(resources.files("borderflow.catalog").joinpath("crossings.json").read_text("utf-8"))


def test_the_shipped_catalog_is_what_the_build_makes_of_the_real_files(data_dir: Path) -> None:
    built = build.build_catalog(data_dir)
    assert built["crossings"] == shipped()["crossings"]
    ports = {p["port_code"]: p for p in shipped()["ports"]}
    assert len(built["ports"]) >= 28 + 70
    for port in built["ports"]:  # these files list fewer ports (only those counted in Feb 2025 on the north)
        assert port == ports[port["port_code"]]


def test_crossings_counted_as_ports_of_their_own_link_those_ports(bts_ports: dict[str, dict[str, Any]]) -> None:
    links = {c.crossing_id: c.bts_port_code for c in catalog.crossings()}
    assert links["240203"] == "2401" and bts_ports["2401"]["name"] == "Ysleta"
    assert links["300403"] == "3017" and bts_ports["3017"]["name"] == "Point Roberts"
    assert links["250301"] == "2507" and bts_ports["2507"]["name"] == "Calexico East"
    assert links["250409"] == links["250603"] == "2582" and bts_ports["2582"]["name"] == "Cross Border Xpress"
    # the crossings BTS counts within their CBP port keep it
    assert links["240201"] == links["240202"] == links["240204"] == "2402"
    assert links["300401"] == links["300402"] == "3004" and links["250302"] == "2503"
    assert links["535501"] == "2301" and links["380001"] == "3801" and links["240501"] == "2404"


def test_every_link_names_a_bts_port_of_the_crossings_name_and_state(bts_ports: dict[str, dict[str, Any]]) -> None:
    crossings = shipped()["crossings"]
    assert build.link_problems(crossings, bts_ports) == []
    assert all(c["bts_port_code"] in bts_ports for c in crossings)


def test_a_crossing_left_in_its_cbp_ports_count_is_refused(bts_ports: dict[str, dict[str, Any]]) -> None:
    ysleta = next(c for c in shipped()["crossings"] if c["crossing_id"] == "240203")
    problems = build.link_problems([dict(ysleta, bts_port_code="2402")], bts_ports)
    assert problems == [("crossing 240203 (El Paso - Ysleta) links BTS port 2402 (El Paso), but BTS counts 2401 "
                         "(Ysleta) on its own; add 240203 to BTS_CROSSING_PORTS")]
    wrong_name = build.link_problems([dict(ysleta, bts_port_code="2403")], bts_ports)
    assert len(wrong_name) == 1 and "2403 (Presidio, Texas), whose name or state is not the crossing's" in wrong_name[0]
    unknown = build.link_problems([dict(ysleta, bts_port_code="2499")], bts_ports)
    assert unknown == [("crossing 240203 (El Paso - Ysleta) links BTS port 2499, which no BTS file lists; "
                        "fix BTS_CROSSING_PORTS")]


def test_before_march_2020_el_pasos_count_held_ysleta() -> None:
    import datetime as dt

    ysleta = catalog.port("2401")
    assert ysleta is not None and (ysleta.counted_within, ysleta.counted_alone_from) == ("2402", "2020-03")
    assert catalog.counted_in("2401", dt.date(2020, 2, 1)) == "2402"
    assert catalog.counted_in("2401", dt.date(2020, 3, 1)) == "2401"
    assert catalog.ports_counted_in("2402", dt.date(2019, 12, 1)) == {"2401", "2402"}
    assert catalog.ports_counted_in("2402", dt.date(2025, 2, 1)) == {"2402"}
    assert catalog.ports_counted_in("2504", dt.date(2019, 12, 1)) == {"2504"}


def texas_county_zones() -> dict[str, str]:
    """TxDOT bridge name -> the tz database's zone for its county (TxDOT's own county column)."""
    with (HERE / "txdot" / "TX-MX-Border-Crossings-Coordinates.csv").open(encoding="utf-8-sig") as fh:
        return {row["Border Crossing Name"].strip(): ("America/Denver" if row["County"] in ("El Paso", "Hudspeth")
                                                      else "America/Chicago")
                for row in csv.DictReader(fh)}


def test_texas_crossings_and_their_ports_keep_their_countys_time() -> None:
    zones = texas_county_zones()
    ports = {p.port_code: p for p in catalog.ports()}
    checked = 0
    for crossing_id, bridge in build.TXDOT_BRIDGES.items():
        crossing = catalog.crossing(crossing_id)
        assert crossing is not None
        assert crossing.timezone == zones[bridge], crossing_id
        assert ports[crossing.bts_port_code].timezone == zones[bridge], crossing.bts_port_code
        checked += 1
    assert checked == len(build.TXDOT_BRIDGES) and ports["2401"].timezone == "America/Denver"


def test_every_port_keeps_its_states_time_or_its_countys_in_texas() -> None:
    for port in catalog.ports():
        if port.state == "Texas":
            county = build.TEXAS_PORT_COUNTIES[port.port_code]
            expected = "America/Denver" if county in ("El Paso", "Hudspeth") else "America/Chicago"
        else:
            expected = build.STATE_ZONES[port.state]
        assert port.timezone == expected, port.port_code
    zones = {p.port_code: p.timezone for p in catalog.ports()}
    for crossing in catalog.crossings():
        if crossing.bts_port_code:
            assert crossing.timezone == zones[crossing.bts_port_code], crossing.crossing_id


def test_a_texas_port_without_a_county_stops_the_build() -> None:
    with pytest.raises(BadInputError, match="Texas port 2499 has no county in TEXAS_PORT_COUNTIES; add it"):
        build.zone_for("2499", "Texas")
