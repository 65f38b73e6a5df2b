"""Cascade Gateway Border Data Warehouse exports (Washington - British Columbia).

Source: the Whatcom Council of Governments' Cascade Gateway Border Data Warehouse,
loop-detector measurements exported as CSV: a ``Group Starts`` column (local wall-clock
time, America/Los_Angeles, ``2018-01-01 00:00:00``) and one column per series, named
``Avg - Delay (<site> <North|South> <class>)`` (minutes) or ``Sum - Volume (<site>
<North|South> <class>)`` (vehicles). One format, ``cascade-csv``, reads any mix of them.

Directions: "South" is into the US = BorderFlow "northbound"; "North" is into Canada =
"southbound" (BorderFlow's word for out of the US).

Sites (checked against CBP's bwtnew-2022-06-29.json and the BTS all-borders file):
Peace Arch = CBP crossing 300402 in port 3004 (Blaine; 300401 is Pacific Highway);
Pacific Highway = 300401 / 3004; Lynden/Aldergrove = 302301 / 3023 (BTS calls port
3023 "Kenneth G Ward"); Sumas/Huntingdon = 300901 / 3009; Point Roberts = 300403 /
3017 (BTS counts it as its own port).

Rules:

* ``Group Starts`` is read as ``YYYY-MM-DD HH:MM:SS`` (also without seconds or time,
  or US style ``M/D/YYYY H:MM``); the period is read from the times themselves, not
  their order: days when every row is a midnight and there are at least two dates (sorted
  either way, a date repeated or out of place), else hours; rows at midnight of a single
  date could be either and are rejected;
* hourly delays -> Observations, source "cascade", at the start of the hour;
* daily delays are daily *means* -> Observations, source "cascade-daily-mean",
  observed_at the local midnight starting the day;
* delays are rounded half up to whole minutes (Observation.wait_minutes is an int):
  0.5 -> 1, 2.5 -> 3;
* daily volumes -> Volumes, period "day", ``site`` the source's site name, measure
  "Personal Vehicles" (Cars), "Personal Vehicles (NEXUS)" (NEXUS lanes; BTS has no
  such measure), "Trucks", "Trucks (FAST)", "Buses"; a count is a number >= 0 of at most
  999,999,999,999 with at most 20 decimals (:data:`~borderflow.feeds.records.VOLUME_RULE`);
  hourly volumes are rejected (the Volume vocabulary has no hourly period: export the
  series grouped by day);
* a day or hour read twice (a repeated row): the same value is kept once (a note counts
  them), different values are all rejected with the competing values, that cell alone
  (:mod:`borderflow.feeds.same_key`);
* every field of a record's key is BorderFlow's own or a site named in :data:`SITES`
  (any other series is refused), so none holds ``|``, which joins them where a key is
  kept as text;
* class -> lane: Cars = passenger/standard, NEXUS = passenger/sentri, Trucks =
  commercial/standard, FAST = commercial/fast; buses have no lane of their own in
  BorderFlow, so bus delays are rejected (bus volumes are read);
* two columns of the same series (the same header twice, or two names of one site)
  refuse the file: which one holds its values cannot be told;
* an empty cell is no reading: nothing is made, a note counts them per column; a column
  with no name (a spreadsheet's trailing one) is skipped, or rejected if it holds values;
* local -> UTC: a wall-clock hour the clocks skip (spring forward) is rejected if it
  holds a value; a wall-clock hour seen twice in the file (fall back) is read in time
  order, the first (daylight) hour first: in a file sorted oldest first that is its first
  row, in one sorted newest first its second; a single occurrence is the daylight hour
  (oldest-first files) or the standard one (newest-first files).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable
from dataclasses import dataclass
from typing import cast

from borderflow.errors import BadInputError
from borderflow.feeds.bts import csv_rows, decode_text, sniff_text
from borderflow.feeds.cbp_historical import minutes_half_up, wall_clock_to_utc
from borderflow.feeds.records import Parsed, Rejected, Volume, volume_value
from borderflow.feeds.same_key import SameKey
from borderflow.vocabulary import Observation

FORMAT = "cascade-csv"
ZONE = "America/Los_Angeles"

#: site -> (CBP crossing id, BTS/CBP port code)
SITES: dict[str, tuple[str, str]] = {
    "peace arch": ("300402", "3004"),
    "pacific highway": ("300401", "3004"),
    "lynden/aldergrove": ("302301", "3023"),
    "lynden": ("302301", "3023"),
    "sumas/huntingdon": ("300901", "3009"),
    "sumas": ("300901", "3009"),
    "point roberts": ("300403", "3017"),  # a Blaine crossing for CBP, its own port for BTS
}
#: class -> (mode, program, volume measure)
CLASSES: dict[str, tuple[str, str, str]] = {
    "cars": ("passenger", "standard", "Personal Vehicles"),
    "nexus": ("passenger", "sentri", "Personal Vehicles (NEXUS)"),
    "trucks": ("commercial", "standard", "Trucks"),
    "fast": ("commercial", "fast", "Trucks (FAST)"),
    "buses": ("", "", "Buses"),
}
_COLUMN = re.compile(
    r"^\s*(Avg|Sum)\s*-\s*(Delay|Volume)\s*\(\s*(.+?)\s+(North|South)(?:bound)?\s+(\w+)\s*\)\s*$",
    re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Series:
    """One data column: what it measures, where and which way."""

    index: int
    header: str
    quantity: str  # "delay" | "volume"
    site: str
    direction: str
    crossing_id: str
    port_code: str
    mode: str
    program: str
    measure: str


def sniff(head: bytes, name: str = "") -> bool:
    """True for a Cascade export: ``Group Starts`` then Delay/Volume columns."""
    first = sniff_text(head)
    return first.lower().startswith("group starts,") and bool(
        re.search(r"(Avg|Sum) - (Delay|Volume) \(", first, re.IGNORECASE))


def parse(data: bytes, name: str = "") -> Parsed:
    """Delays as Observations, daily volumes as Volumes; see the module rules."""
    parsed = Parsed(format=FORMAT)
    rows = list(csv_rows(decode_text(data, parsed.notes)))
    if not rows or not rows[0][1] or rows[0][1][0].strip().lower() != "group starts":
        raise BadInputError(f"{name or 'the file'} is not a Cascade export; expected a first "
                            "column 'Group Starts' then 'Avg - Delay (...)'/'Sum - Volume (...)'")
    series = _series(rows[0][1], parsed)
    _refuse_repeated_series(series, name)
    body = [(line, row) for line, row in rows[1:] if any(c.strip() for c in row)]
    times: list[tuple[int, list[str], dt.datetime]] = []
    for line, row in body:
        try:
            times.append((line, row, _local_time(row[0])))
        except ValueError:
            parsed.rejected.append(Rejected(
                f"line {line}", f"Group Starts must be 'YYYY-MM-DD HH:MM:SS'; got {row[0]!r}",
                ",".join(row)))
    unnamed = [i for i, text in enumerate(rows[0][1]) if i and not text.strip()]
    for index in unnamed:
        filled = [line for line, row in body if index < len(row) and row[index].strip()]
        if filled:
            parsed.rejected.append(Rejected(
                f"column {index + 1}", f"{len(filled)} value(s) under a column with no name "
                f"(first on line {filled[0]}); name the series in the header", ""))
    daily = _is_daily([t for _, _, t in times])
    if daily is None:  # every row at midnight of one day: hours or a day?
        for line, row, _ in times:
            parsed.rejected.append(Rejected(
                f"line {line}", "rows only at midnight of a single day cannot tell an hourly "
                "export from a daily one; ingest them together with the neighbouring days or "
                "hours", ",".join(row)))
        times = []
    # A wall-clock hour repeated when the clocks go back: the earlier instant (fold 0) is
    # the first in time order, whichever way the file is sorted.
    newest_first = len(times) > 1 and times[-1][2] < times[0][2]
    empty = dict.fromkeys((s.header for s in series), 0)
    seen_local: set[dt.datetime] = set()
    volumes: SameKey[Volume] = SameKey()
    observations: SameKey[Observation] = SameKey()
    for line, row, local in times:
        fold = int((local in seen_local) != newest_first)
        seen_local.add(local)
        for s in series:
            text = row[s.index].strip() if s.index < len(row) else ""
            if not text:
                empty[s.header] += 1
                continue
            place = f"line {line}, column {s.index + 1}"
            try:
                made = _read_cell(s, text, local, fold, bool(daily))
            except ValueError as exc:
                parsed.rejected.append(Rejected(place, f"{s.header}: {exc}", text))
                continue
            if isinstance(made, Volume):
                volumes.add((s.crossing_id, made.measure, made.direction, made.period_start),
                            (made.value,), made, place, text, text)
            else:
                observations.add(made.key, made.values, made, place, text, text)
    parsed.volumes = volumes.settle(parsed, _volume_key_text, "cell(s)")
    parsed.observations = observations.settle(parsed, _observation_key_text, "cell(s)")
    parsed.notes += [f"{count} empty cell(s) in {header!r}: no reading made"
                     for header, count in empty.items() if count]
    return parsed


def _volume_key_text(key: Hashable) -> str:
    crossing_id, measure, direction, day = cast(tuple[str, str, str, dt.date], key)
    return f"{measure} {direction} at crossing {crossing_id} on {day.isoformat()}"


def _observation_key_text(key: Hashable) -> str:
    crossing_id, mode, program, direction, at, source = cast(
        tuple[str, str, str, str, dt.datetime, str], key)
    return f"{source} {mode}/{program} {direction} at crossing {crossing_id}, {at:%Y-%m-%dT%H:%MZ}"


def _series(header: list[str], parsed: Parsed) -> list[Series]:
    found = []
    for index, text in enumerate(header[1:], 1):
        if not text.strip():
            continue  # a spreadsheet's trailing empty column (values under it: see parse)
        m = _COLUMN.match(text)
        site = SITES.get(m.group(3).lower()) if m else None
        cls = CLASSES.get(m.group(5).lower()) if m else None
        if not m or site is None or cls is None:
            parsed.rejected.append(Rejected(
                f"column {index + 1}", f"unknown series {text!r}; expected e.g. "
                "'Avg - Delay (Peace Arch South Cars)' at Peace Arch, Pacific Highway, "
                "Lynden/Aldergrove or Sumas/Huntingdon", text))
            continue
        found.append(Series(
            index=index, header=text, quantity=m.group(2).lower(), site=m.group(3),
            direction="northbound" if m.group(4).lower() == "south" else "southbound",
            crossing_id=site[0], port_code=site[1], mode=cls[0], program=cls[1],
            measure=cls[2]))
    return found


def _refuse_repeated_series(series: list[Series], name: str) -> None:
    """BadInputError when two columns hold the same series (the same header twice, or
    "Lynden" and "Lynden/Aldergrove"): which one holds its values cannot be told."""
    first: dict[tuple[str, str, str, str], Series] = {}
    for s in series:
        key = (s.quantity, s.crossing_id, s.direction, s.measure)
        if (other := first.setdefault(key, s)) is not s:
            raise BadInputError(
                f"{name or 'the file'} cannot be read as a Cascade export: columns "
                f"{other.index + 1} ({other.header!r}) and {s.index + 1} ({s.header!r}) hold "
                "the same series; remove or rename one, the reader does not pick one")


_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%m/%d/%Y %H:%M:%S",
                 "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y")


def _local_time(text: str) -> dt.datetime:
    for fmt in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    raise ValueError(text)


def _is_daily(times: list[dt.datetime]) -> bool | None:
    """True when the rows are days: every time is a midnight and there are at least two
    dates (in any order, repeats allowed); None when every row is a midnight of one date
    (hours or a day, nothing tells); False otherwise (hours)."""
    if not times or any(t.time() != dt.time(0) for t in times):
        return False
    return True if len({t.date() for t in times}) > 1 else None


def _read_cell(s: Series, text: str, local: dt.datetime, fold: int,
               daily: bool) -> Volume | Observation:
    if s.quantity == "volume":
        if not daily:
            raise ValueError("hourly volumes are not read: the archive keeps volumes per day "
                             "or month; export this series from the Cascade warehouse grouped "
                             "by day and ingest that file")
        value = volume_value(text, "a volume")
        return Volume(
            port_code=s.port_code, period_start=local.date(), measure=s.measure, value=value,
            source="cascade", period="day", site=s.site, direction=s.direction,
            state="Washington", border="US-Canada Border")
    if not s.mode:
        raise ValueError("bus delays have no BorderFlow lane")
    return Observation(
        crossing_id=s.crossing_id, mode=s.mode, program=s.program,
        observed_at=wall_clock_to_utc(local, ZONE, fold), wait_minutes=minutes_half_up(text),
        lanes_open=None, status=None, source="cascade-daily-mean" if daily else "cascade",
        direction=s.direction)
