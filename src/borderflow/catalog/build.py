"""Build the shipped catalog of ports and crossings from real public files.

Run once by a maintainer (``borderflow catalog-build DATA_DIR``); the result,
``crossings.json``, ships as package data. Inputs, all public:

- CBP ``/api/bwtmodern/crossingslist`` (bwtId, maximum lanes per mode),
- CBP ``bwt.xml`` / ``/api/bwtnew`` feed captures (port and crossing names as CBP spells them),
- BTS Border Crossing Entry Data (port code, port name, state, coordinates),
- TxDOT's Texas-Mexico bridge coordinates (crossing-level coordinates in Texas).

Time zones follow the state, with the exceptions the tz database itself draws:
El Paso and Hudspeth counties in Texas keep Mountain time; Arizona keeps no daylight
time (America/Phoenix); Michigan is America/Detroit.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from pathlib import Path
from typing import Any

#: State -> IANA zone for the ports on both borders.
STATE_ZONES = {
    "California": "America/Los_Angeles",
    "Arizona": "America/Phoenix",
    "New Mexico": "America/Denver",
    "Texas": "America/Chicago",
    "Washington": "America/Los_Angeles",
    "Idaho": "America/Los_Angeles",
    "Montana": "America/Denver",
    "North Dakota": "America/Chicago",
    "Minnesota": "America/Chicago",
    "Michigan": "America/Detroit",
    "New York": "America/New_York",
    "Vermont": "America/New_York",
    "New Hampshire": "America/New_York",
    "Maine": "America/New_York",
    "Alaska": "America/Anchorage",
}

#: Texas ports in Mountain time (El Paso and Hudspeth counties): BTS/CBP port codes.
MOUNTAIN_TEXAS_PORTS = {"2402", "2404", "2405"}

#: CBP crossings whose 4-digit prefix is not the BTS port code (CBP numbers the
#: Brownsville crossings 5355xx and Detroit 3800xx in its wait-time feed).
BTS_PORT_OVERRIDES = {
    "5355": "2301",
    "3800": "3801",
    "2405": "2404",
}

#: District (first two digits of a CBP port code) -> state, used only for ports
#: that BTS does not list.
DISTRICT_STATES = {
    "01": "Maine", "02": "Vermont", "07": "New York", "09": "New York",
    "23": "Texas", "24": "Texas", "25": "California", "26": "Arizona",
    "30": "Washington", "33": "Montana", "34": "North Dakota", "35": "Minnesota",
    "36": "Minnesota", "38": "Michigan", "53": "Texas", "31": "Alaska",
}

#: CBP crossing -> TxDOT bridge name (TX-MX-Border-Crossings-Coordinates.csv).
TXDOT_BRIDGES = {
    "240201": "Bridge of the Americas",
    "240202": "Paso del Norte Bridge",
    "240203": "Ysleta Bridge",
    "240204": "Good Neighbor Bridge",
    "240301": "Presidio-Ojinaga International Bridge",
    "240401": "Marcelino Serna Bridge",
    "240403": "Fort Hancock-El Porvenir Bridge",
    "240501": "Fort Hancock-El Porvenir Bridge",
    "230201": "Del Rio International Bridge",
    "230301": "Eagle Pass International Bridge",
    "230302": "Camino Real International Bridge",
    "230401": "Gateway to the Americas Bridge",
    "230402": "Juárez-Lincoln International Bridge",
    "230403": "Colombia Solidarity Bridge",
    "230404": "World Trade Bridge",
    "230501": "McAllen-Hidalgo International Bridge",
    "230502": "Pharr International Bridge",
    "230503": "Anzalduas International Bridge",
    "230701": "Starr-Camargo Bridge",
    "230901": "Progreso International Bridge",
    "230902": "Donna-Rio Bravo International Bridge",
    "231001": "Roma-Ciudad Miguel Alemán International Bridge",
    "535501": "Brownsville & Matamoros Express Bridge",
    "535502": "Veterans International Bridge at Los Tomates",
    "535503": "Free Trade International Bridge (Los Indios)",
    "535504": "Gateway International Bridge",
    "230103": "Gateway International Bridge",
}

_MODE_KEYS = {
    "commercial_vehicle_lanes": "commercial",
    "passenger_vehicle_lanes": "passenger",
    "pedestrian_lanes": "pedestrian",
}


#: Port numbers CBP has published mistyped, and what they stand for.
CROSSING_ALIASES = {"l24501": "240501"}


def normalize_crossing_id(raw: str) -> str:
    """CBP's port_number as 6 digits: known typos mapped, short numbers zero-padded.

    CBP's feed and crossings list have carried ``l24501`` (a lowercase L) for Fort
    Hancock, 240501. Anything that is still not 6 digits is returned as it is, for the
    caller to reject.
    """
    text = raw.strip()
    text = CROSSING_ALIASES.get(text, text)
    if text.isascii() and text.isdigit() and len(text) < 6:
        text = text.zfill(6)
    return text


def _lanes(value: Any) -> int | None:
    try:
        n = int(str(value).strip())
    except ValueError:
        return None
    return n if n > 0 else None


def _feed_ports(data_dir: Path) -> list[dict[str, Any]]:
    """Port blocks of every feed capture, newest last, as plain dicts."""
    import xml.etree.ElementTree as ET

    blocks: list[dict[str, Any]] = []
    for path in sorted(data_dir.glob("cbp-feed/bwt-*.xml")):
        root = ET.fromstring(path.read_bytes())
        for port in root.iter("port"):
            block: dict[str, Any] = {c.tag: (c.text or "").strip() for c in port if len(c) == 0}
            for key in _MODE_KEYS:
                el = port.find(key)
                block[key] = {"maximum_lanes": (el.findtext("maximum_lanes") or "")} if el is not None else {}
            blocks.append(block)
    for path in sorted(data_dir.glob("cbp-feed/bwtnew-*.json")):
        blocks.extend(json.loads(path.read_text()))
    return blocks


def _bts_ports(data_dir: Path) -> dict[str, dict[str, Any]]:
    ports: dict[str, dict[str, Any]] = {}
    files = sorted(data_dir.glob("bts/*.csv.gz"))
    with gzip.open(files[0], "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["Port Code"].zfill(4)
            if code in ports:
                continue
            ports[code] = {
                "port_code": code,
                "name": row["Port Name"],
                "state": row["State"],
                "border": "canada" if "Canada" in row["Border"] else "mexico",
                "latitude": float(row["Latitude"]) if row["Latitude"] else None,
                "longitude": float(row["Longitude"]) if row["Longitude"] else None,
            }
    return ports


def _txdot_coordinates(data_dir: Path) -> dict[str, tuple[float, float]]:
    text = (data_dir / "txdot" / "TX-MX-Border-Crossings-Coordinates.csv").read_text(encoding="utf-8-sig")
    coords = {}
    for row in csv.DictReader(io.StringIO(text)):
        try:
            coords[row["Border Crossing Name"].strip()] = (float(row["Lat"]), float(row["Lon"]))
        except (KeyError, ValueError):
            continue
    return coords


def zone_for(port_code: str, state: str) -> str:
    if state == "Texas" and port_code in MOUNTAIN_TEXAS_PORTS:
        return "America/Denver"
    return STATE_ZONES.get(state, "America/Chicago")


def build_catalog(data_dir: Path) -> dict[str, Any]:
    """Everything the shipped catalog holds, built from the real files in ``data_dir``."""
    bts = _bts_ports(data_dir)
    coords = _txdot_coordinates(data_dir)
    crossings: dict[str, dict[str, Any]] = {}
    for block in _feed_ports(data_dir):
        cid = normalize_crossing_id(block.get("port_number", ""))
        if not re.fullmatch(r"\d{6}", cid):
            continue
        entry = crossings.setdefault(cid, {"crossing_id": cid})
        entry["port_name"] = block.get("port_name", "").strip()
        entry["crossing_name"] = (block.get("crossing_name") or "").strip()
        entry["border"] = "canada" if "Canad" in block.get("border", "") else "mexico"
        entry["hours"] = block.get("hours", "")
        entry["max_lanes"] = {
            mode: _lanes((block.get(key) or {}).get("maximum_lanes", ""))
            for key, mode in _MODE_KEYS.items()
        }
    listing = json.loads((data_dir / "cbp-feed" / "crossingslist-2022-07-01.json").read_text())
    for item in listing["portCrossings"]:
        cid = normalize_crossing_id(item["bwtId"][2:])
        entry = crossings.setdefault(cid, {"crossing_id": cid})
        entry["bwt_id"] = item["bwtId"][:2] + cid
        entry.setdefault("port_name", item["portName"])
        entry.setdefault("crossing_name", item["crossingName"])
        entry.setdefault("border", "canada" if item["border"] == "C" else "mexico")
        entry["max_lanes"] = {
            "commercial": _lanes(item["covMaximumLanes"]),
            "passenger": _lanes(item["povMaximumLanes"]),
            "pedestrian": _lanes(item["pedMaximumLanes"]),
        }
    for cid, entry in crossings.items():
        prefix = cid[:4]
        bts_code = BTS_PORT_OVERRIDES.get(prefix, prefix)
        port = bts.get(bts_code)
        entry["port_code"] = prefix
        entry["bts_port_code"] = bts_code if port else ""
        state = port["state"] if port else DISTRICT_STATES.get(prefix[:2], "")
        entry["state"] = state
        entry["timezone"] = zone_for(bts_code, state)
        lat_lon = coords.get(TXDOT_BRIDGES.get(cid, ""))
        if lat_lon is None and port is not None:
            lat_lon = (port["latitude"], port["longitude"])
        entry["latitude"], entry["longitude"] = lat_lon if lat_lon else (None, None)
        entry.setdefault("bwt_id", "")
        entry.setdefault("hours", "")
    ports = {}
    for code, port in bts.items():
        ports[code] = dict(port, timezone=zone_for(code, port["state"]))
    return {
        "sources": [
            "CBP Border Wait Times feed and crossings list (bwt.cbp.gov)",
            "BTS Border Crossing Entry Data (data.bts.gov)",
            "TxDOT Texas-Mexico border crossing coordinates",
        ],
        "crossings": [crossings[k] for k in sorted(crossings)],
        "ports": [ports[k] for k in sorted(ports)],
    }


def write_catalog(data_dir: Path, out: Path) -> int:
    catalog = build_catalog(data_dir)
    out.write_text(json.dumps(catalog, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(catalog["crossings"])
