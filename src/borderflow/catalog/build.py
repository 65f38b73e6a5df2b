"""Build the shipped catalog of ports and crossings from real public files.

Run once by a maintainer (``borderflow catalog-build DATA_DIR``); the result,
``crossings.json``, ships as package data. Inputs, all public:

- CBP ``/api/bwtmodern/crossingslist`` (bwtId, maximum lanes per mode),
- CBP ``bwt.xml`` / ``/api/bwtnew`` feed captures (port and crossing names as CBP spells them),
- BTS Border Crossing Entry Data (port code, port name, state, coordinates),
- TxDOT's Texas-Mexico bridge coordinates (crossing-level coordinates in Texas).

Each crossing is linked to the BTS port whose count holds its traffic
(``bts_port_code``): its CBP port (the first four digits of its number), unless BTS
counts the crossing as a port of its own (:data:`BTS_CROSSING_PORTS`: Ysleta, Point
Roberts, Calexico East, Cross Border Xpress) or numbers its CBP port otherwise
(:data:`BTS_PORT_OVERRIDES`). The build checks every link against the BTS files
(:func:`link_problems`) and refuses a catalog it cannot vouch for.

Time zones follow the state, with the exceptions the tz database itself draws:
El Paso and Hudspeth counties in Texas keep Mountain time (every Texas port's county is
in :data:`TEXAS_PORT_COUNTIES`); Arizona keeps no daylight time (America/Phoenix);
Michigan is America/Detroit. The other states the tz database splits have their border
ports on one side: Idaho's two (Eastport, Porthill) are in Boundary County, Pacific
time; North Dakota's are all in counties on Central time; Michigan's four are on
Eastern time; Alaska's zones have all kept Alaska time since 1983.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

from borderflow.errors import BadInputError

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

#: Texas port (BTS/CBP code) -> county. Its county decides its time zone
#: (:data:`MOUNTAIN_TEXAS_COUNTIES`); a Texas port missing here stops the build.
TEXAS_PORT_COUNTIES = {
    "2301": "Cameron",  # Brownsville
    "2302": "Val Verde",  # Del Rio
    "2303": "Maverick",  # Eagle Pass
    "2304": "Webb",  # Laredo
    "2305": "Hidalgo",  # Hidalgo/Pharr
    "2307": "Starr",  # Rio Grande City
    "2309": "Hidalgo",  # Progreso
    "2310": "Starr",  # Roma
    "2401": "El Paso",  # Ysleta
    "2402": "El Paso",  # El Paso
    "2403": "Presidio",  # Presidio
    "2404": "El Paso",  # Tornillo (CBP's Fabens)
    "2405": "Hudspeth",  # Fort Hancock
    "2410": "Brewster",  # Boquillas
}

#: Texas counties the tz database puts in Mountain time (America/Denver).
MOUNTAIN_TEXAS_COUNTIES = {"El Paso", "Hudspeth"}

#: CBP crossings whose 4-digit prefix is not the BTS port code (CBP numbers the
#: Brownsville crossings 5355xx and Detroit 3800xx in its wait-time feed). BTS lists no
#: Fort Hancock (2405): TxDOT, whose bridge counts sum to BTS's, files the Fort Hancock
#: bridge under POE "Marcelino Serna", which is BTS 2404 ("Tornillo"); CBP itself
#: numbered the crossing 240403 in its 2022 crossings list.
BTS_PORT_OVERRIDES = {
    "5355": "2301",
    "3800": "3801",
    "2405": "2404",
}

#: CBP crossings that BTS counts as a port of their own, not within their CBP port.
BTS_CROSSING_PORTS = {
    "240203": "2401",  # El Paso - Ysleta: BTS "Ysleta" from Mar 2020 (in El Paso, 2402, before)
    "250301": "2507",  # Calexico - East: BTS "Calexico East"; BTS 2503 "Calexico" is the West crossing
    "250409": "2582",  # San Ysidro - Cross Border Express: BTS "Cross Border Xpress" from Oct 2017
    "250603": "2582",  # Otay Mesa - Pedestrian Cross Border Xpress (CBP's 2017 number, same bridge)
    "300403": "3017",  # Blaine - Point Roberts: BTS "Point Roberts"
}

#: BTS port -> the port whose count held its traffic before BTS counted it alone (from
#: the port's first month in the BTS files): BTS counted Ysleta within El Paso until
#: Feb 2020 (El Paso's personal vehicles fall from 891,337 in Feb 2020 to 479,447 in
#: Mar 2020, when Ysleta's 248,433 appear on their own).
BTS_COUNTED_WITHIN = {"2401": "2402"}

#: Other names of a BTS port, for the link check: CBP's port name where BTS uses another.
BTS_PORT_ALSO_NAMED = {
    "2404": ("Fabens", "Fort Hancock"),  # see BTS_PORT_OVERRIDES
    "2301": ("Gateway",),  # Gateway International Bridge, Brownsville (TxDOT POE Brownsville)
    "3023": ("Lynden",),  # BTS names port 3023 after its station, Kenneth G. Ward
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
    """BTS ports of every file in ``bts/`` (name, state, coordinates from a port's first
    row; ``first_month`` the earliest month any file counts it, YYYY-MM)."""
    ports: dict[str, dict[str, Any]] = {}
    files = sorted(data_dir.glob("bts/*.csv.gz"))
    if not files:
        raise BadInputError(f"{data_dir / 'bts'}: no BTS file (*.csv.gz); add the BTS Border Crossing Entry Data")
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                code = row["Port Code"].zfill(4)
                month = dt.datetime.strptime(row["Date"], "%b %Y").strftime("%Y-%m")
                if code in ports:
                    ports[code]["first_month"] = min(ports[code]["first_month"], month)
                    continue
                ports[code] = {
                    "port_code": code,
                    "name": row["Port Name"],
                    "state": row["State"],
                    "border": "canada" if "Canada" in row["Border"] else "mexico",
                    "latitude": float(row["Latitude"]) if row["Latitude"] else None,
                    "longitude": float(row["Longitude"]) if row["Longitude"] else None,
                    "first_month": month,
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
    """The IANA zone of a port: its state's, or for Texas its county's."""
    if state == "Texas":
        county = TEXAS_PORT_COUNTIES.get(port_code)
        if county is None:
            raise BadInputError(f"Texas port {port_code} has no county in TEXAS_PORT_COUNTIES; add it "
                                "(El Paso and Hudspeth counties keep Mountain time, the rest Central)")
        return "America/Denver" if county in MOUNTAIN_TEXAS_COUNTIES else "America/Chicago"
    return STATE_ZONES.get(state, "America/Chicago")


_NAME_SYNONYMS = {"ft": "fort", "ste": "sainte", "xpress": "express"}
_NAME_FILLER = {"bridge", "international", "port", "of", "entry", "the", "and"}


def _name_words(text: str) -> frozenset[str]:
    """The words of a place name that tell it apart: lower case, accents and parenthesised
    parts dropped, "Ft" read as "Fort", filler ("bridge", "port of entry") left out."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"\(.*?\)", " ", text)
    words = (_NAME_SYNONYMS.get(w, w) for w in re.findall(r"[a-z0-9]+", text))
    return frozenset(w for w in words if w not in _NAME_FILLER)


def _names_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a) and bool(b) and (a <= b or b <= a)


def link_problems(crossings: list[dict[str, Any]], bts: dict[str, dict[str, Any]]) -> list[str]:
    """What is wrong with the crossings' BTS links, checked against the BTS ports ``bts``.

    A link must name a port the BTS files hold, in the crossing's state, whose name agrees
    with the crossing's port or crossing name (or one of :data:`BTS_PORT_ALSO_NAMED`);
    and when BTS counts a port named as the crossing itself ("Ysleta", "Point Roberts",
    "Calexico East"), the link must be that port, not its CBP port's count.
    """
    problems = []
    for entry in crossings:
        cid, code = entry["crossing_id"], entry.get("bts_port_code", "")
        label = f"crossing {cid} ({entry.get('port_name', '')} - {entry.get('crossing_name', '')})"
        if not code:
            continue
        port = bts.get(code)
        if port is None:
            problems.append(f"{label} links BTS port {code}, which no BTS file lists; fix BTS_CROSSING_PORTS")
            continue
        port_words = _name_words(entry.get("port_name", ""))
        crossing_words = _name_words(entry.get("crossing_name", ""))
        names = [_name_words(port["name"]), *(_name_words(n) for n in BTS_PORT_ALSO_NAMED.get(code, ()))]
        if port["state"] != entry.get("state") or not any(
                _names_agree(n, port_words) or _names_agree(n, crossing_words) for n in names):
            problems.append(f"{label} links BTS port {code} ({port['name']}, {port['state']}), whose name or "
                            "state is not the crossing's; fix BTS_CROSSING_PORTS or BTS_PORT_ALSO_NAMED")
            continue
        own = sorted(other for other, p in bts.items()
                     if other != code and p["state"] == port["state"]
                     and ((crossing_words and _name_words(p["name"]) <= crossing_words)
                          or _name_words(p["name"]) == port_words | crossing_words))
        if own:
            problems.append(f"{label} links BTS port {code} ({port['name']}), but BTS counts "
                            f"{own[0]} ({bts[own[0]]['name']}) on its own; add {cid} to BTS_CROSSING_PORTS")
    return problems


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
        bts_code = BTS_CROSSING_PORTS.get(cid) or BTS_PORT_OVERRIDES.get(prefix, prefix)
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
    problems = link_problems(list(crossings.values()), bts)
    if problems:
        raise BadInputError("; ".join(problems))
    ports = {}
    for code, port in bts.items():
        ports[code] = {key: value for key, value in port.items() if key != "first_month"}
        ports[code]["timezone"] = zone_for(code, port["state"])
        within = BTS_COUNTED_WITHIN.get(code)
        if within:
            # months before the port's first in BTS: its traffic is in ``within``'s count
            ports[code].update(counted_within=within, counted_alone_from=port["first_month"])
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
