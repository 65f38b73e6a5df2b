"""TxDOT Texas-Mexico northbound crossings by bridge, monthly (2008 onwards).

Source: Texas Department of Transportation border crossing counts as compiled by
unt-clscm/CBP-Border-Crossings (``monthly_crossings_2008_2025.csv``), columns
``ID, Year, Month, Region, POE, Crossing, Modes, Northbound Crossing``; one row per
bridge x month x mode, the value a count of northbound (into the US) crossings.

Rules:

* one :class:`Volume` per row: ``period`` "month", ``period_start`` the first of the
  month, ``site`` the bridge name as TxDOT writes it, ``direction`` "northbound",
  ``source`` "txdot", ``port_name`` the POE, ``state`` "Texas", ``border``
  "US-Mexico Border" (BTS's wording); ``value`` the count, >= 0, at most
  999,999,999,999, at most 20 decimals (:data:`~borderflow.feeds.records.VOLUME_RULE`);
* ``measure``: TxDOT's mode mapped to the BTS measure that counts the same thing, found
  by comparing the two sources port by port, 2008-2025 (bridges summed by port equal
  BTS's monthly count exactly in about 90% of months, median ratio 1.0; BTS revises
  some months later): Buses -> "Buses", Commercial Trucks -> "Trucks", Passenger
  Vehicles -> "Personal Vehicles", "Pedestrians/ Bicyclists" -> "Pedestrians".
  Railcars has no single BTS equivalent: it tracks BTS "Rail Containers Loaded" +
  "Rail Containers Empty" (Laredo: within 1% in 166 of 206 months; median ratio 1.0),
  while Loaded alone is about 1.8 times smaller, so it is kept as "Railcars". Any
  other mode keeps its TxDOT name (and a note says so);
* ``port_code``: the BTS port code of the POE (:data:`POE_PORT_CODES`, checked against
  the BTS US-Mexico file by name and by equal monthly counts; El Paso, 2402, matches by
  name only, as BTS counted Ysleta inside it until 2020). The Boquillas crossing,
  which TxDOT files under POE Presidio, is BTS port 2410 (Boquillas) — its pedestrian
  counts equal BTS 2410's month by month — so it gets 2410, not Presidio's 2403. POE
  "Marcelino Serna" (both its bridges) is BTS 2404, which BTS names "Tornillo". BTS
  reports Ysleta (2401) separately only from Mar 2020; before that BTS counted it
  within El Paso (2402), so a join on port code before 2020 should add the two.
  An unknown POE gets port_code "" and a note;
* rows with the same (port_code, site, month, measure) and the same value collapse to
  one; different values all go to ``rejected`` (none is chosen);
* a ``Crossing`` or ``Modes`` holding ``|`` is refused (the row, with its reason): they
  are the count's site and measure, and ``|`` joins the fields of its key where it is
  kept as text, so two counts could read as one;
* the eight columns come first, in this order; a later column repeating one of their
  names is refused (which one holds the count cannot be told);
* gzip input is accepted.
"""

from __future__ import annotations

import datetime as dt

from borderflow.errors import BadInputError
from borderflow.feeds.bts import csv_rows, decode_text, month_text, repeated_columns, sniff_text
from borderflow.feeds.records import Parsed, Rejected, Volume, key_separator_problem, volume_value

FORMAT = "txdot-csv"
SOURCE = "txdot"

HEADER = ("id", "year", "month", "region", "poe", "crossing", "modes", "northbound crossing")

#: TxDOT POE -> BTS port code (BTS port name in the comment where it differs).
POE_PORT_CODES: dict[str, str] = {
    "Brownsville": "2301",
    "Del Rio": "2302",
    "Eagle Pass": "2303",
    "Laredo": "2304",
    "Hidalgo": "2305",
    "Rio Grande City": "2307",
    "Progreso": "2309",
    "Roma": "2310",
    "Ysleta": "2401",
    "El Paso": "2402",
    "Presidio": "2403",
    "Marcelino Serna": "2404",  # BTS "Tornillo"
}

#: Crossings whose BTS port is not their TxDOT POE's.
CROSSING_PORT_CODES: dict[str, str] = {"Boquillas": "2410"}

#: TxDOT mode -> BTS measure (see the module docstring for how each was checked).
MODE_MEASURES: dict[str, str] = {
    "Buses": "Buses",
    "Commercial Trucks": "Trucks",
    "Passenger Vehicles": "Personal Vehicles",
    "Pedestrians/ Bicyclists": "Pedestrians",
    "Railcars": "Railcars",
}

_Key = tuple[str, str, dt.date, str]


def sniff(head: bytes, name: str = "") -> bool:
    """True for the TxDOT monthly crossings CSV (plain or gzip)."""
    first = tuple(c.strip().lower() for c in sniff_text(head).split(","))
    return first[:8] == HEADER


def parse(data: bytes, name: str = "") -> Parsed:
    """Every row as a monthly bridge-level :class:`Volume`; see the module rules."""
    parsed = Parsed(format=FORMAT)
    rows = csv_rows(decode_text(data, parsed.notes))
    header = next(rows, None)
    if header is None or tuple(c.strip().lower() for c in header[1])[:8] != HEADER:
        raise BadInputError(
            f"{name or 'the file'} is not a TxDOT crossings CSV; expected the header "
            "ID,Year,Month,Region,POE,Crossing,Modes,Northbound Crossing"
        )
    if repeat := repeated_columns(header[1], HEADER):
        raise BadInputError(f"{name or 'the file'} cannot be read as a TxDOT crossings CSV: {repeat}")
    kept: dict[_Key, tuple[Volume, int, str]] = {}
    clashes: dict[_Key, list[tuple[int, float, str]]] = {}
    unknown_poes: set[str] = set()
    unknown_modes: set[str] = set()
    for line, row in rows:
        if not any(c.strip() for c in row):
            continue
        raw = ",".join(row)
        try:
            volume = _volume(row)
        except ValueError as exc:
            parsed.rejected.append(Rejected(f"line {line}", str(exc), raw))
            continue
        if not volume.port_code:
            unknown_poes.add(volume.port_name)
        if volume.measure not in MODE_MEASURES.values():
            unknown_modes.add(volume.measure)
        key = (volume.port_code, volume.site, volume.period_start, volume.measure)
        if key not in kept:
            kept[key] = (volume, line, raw)
        else:
            first = kept[key]
            clashes.setdefault(key, [(first[1], first[0].value, first[2])]).append(
                (line, volume.value, raw))
    _settle(parsed, kept, clashes)
    parsed.volumes = [v for v, _, _ in kept.values()]
    if unknown_poes:
        parsed.notes.append(
            f"POE(s) with no known BTS port code, port_code left empty: {sorted(unknown_poes)}")
    if unknown_modes:
        parsed.notes.append(
            f"mode(s) with no BTS measure, TxDOT name kept: {sorted(unknown_modes)}")
    return parsed


def _volume(row: list[str]) -> Volume:
    if len(row) < 8:
        raise ValueError(f"expected 8 fields (ID..Northbound Crossing), got {len(row)}")
    _, year, month, _, poe, crossing, mode, count = (c.strip() for c in row[:8])
    if not ((year.isascii() and year.isdigit()) and (month.isascii() and month.isdigit()) and 1 <= int(month) <= 12 and int(year) >= 1):
        raise ValueError(f"Year and Month must be a year and 1-12; got {year!r} and {month!r}")
    value = volume_value(count, "Northbound Crossing")
    if not crossing or not mode:
        raise ValueError("Crossing and Modes must not be empty")
    for name, text in (("Crossing", crossing), ("Modes", mode)):  # the count's site and measure
        if problem := key_separator_problem(name, text):
            raise ValueError(problem)
    port_code = CROSSING_PORT_CODES.get(crossing) or POE_PORT_CODES.get(poe, "")
    return Volume(
        port_code=port_code, period_start=dt.date(int(year), int(month), 1),
        measure=MODE_MEASURES.get(mode, mode), value=value, source=SOURCE, period="month",
        site=crossing, direction="northbound", port_name=poe, state="Texas",
        border="US-Mexico Border",
    )


def _settle(
    parsed: Parsed,
    kept: dict[_Key, tuple[Volume, int, str]],
    clashes: dict[_Key, list[tuple[int, float, str]]],
) -> None:
    collapsed = 0
    for key, seen in clashes.items():
        if len({value for _, value, _ in seen}) == 1:
            collapsed += len(seen) - 1
            continue
        del kept[key]
        competing = " and ".join(f"{value:.15g} at line {line}" for line, value, _ in seen)
        reason = (f"conflicting values for ({key[1]}, {month_text(key[2])}, {key[3]}): "
                  f"{competing}; "
                  "none kept, correct the source or remove the wrong row")
        parsed.rejected.extend(Rejected(f"line {line}", reason, raw) for line, _, raw in seen)
    if collapsed:
        parsed.notes.append(f"{collapsed} duplicate row(s) with identical values collapsed")
