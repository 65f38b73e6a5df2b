"""CBP historical wait times (bwt.cbp.gov/historical and the wait-time graph API).

Four formats, all in minutes, all northbound (into the US):

* ``cbp-averages-csv`` — CBP's average wait by month x hour of day x day of week, one
  24-hour table per crossing x lane x month, each followed by a blank row; columns
  ``Port, Lane, Sub-Lane, Month, Day, Time, Sunday (min) .. Saturday (min)``. Each
  non-empty cell becomes a :class:`HistoricalAverage` (kind "mean", source
  "cbp-historical", weekday 0 = Monday). Empty or NaN cells mean *no data* and make no
  record (the parser skips them rather than storing None). ``year`` is taken from a
  four-digit year in the file name when there is one (CBP's tables cover one year). The
  same crossing x lane x month x weekday x hour twice (a table repeated) is read once
  when the waits agree; when they differ every one is rejected with the competing waits
  (:mod:`borderflow.feeds.same_key`). A header naming a weekday (or a required column)
  twice refuses the file: which column holds the waits cannot be told.
* ``cbp-holiday-csv`` — actual hourly waits on the dates around US holidays; columns
  ``Port, Lane, Sub-Lane, Holiday, Time, "Monday, Dec 30, 2024 (min)", ...``. These are
  real readings: each non-empty cell is an :class:`Observation` (source
  "cbp-historical") at the start of that local hour, converted to UTC. A date (or a
  required column) named twice in the header refuses the file.
* ``cbp-waitgraph`` — ``GET /api/bwtwaittimegraph/<bwtId>/<date>``: per hour of one
  date, today's wait and the average/min/max. Today's waits become Observations (source
  "cbp-waitgraph"; empty = hour not reached, no record); average/min/max become
  HistoricalAverages of kind mean/min/max with ``on_date``. The passenger block's
  ``fast_lane`` is read as NEXUS/SENTRI (program "sentri"), the only passenger lane
  besides general and Ready in CBP's feed.
* ``cbp-historical-json`` — ``GET /api/historicalwaittimes/<bwtId>/<POV|PED|COV>/GEN/
  <month>/<day>``: ``{"wait_times": [{"bwt_day", "time_slot", "cv_time_avg", ...}]}``.
  No real sample is archived and ``REST_schema.json`` is only the data.gov catalog
  record, so the shape is taken from public clients of the endpoint: ``bwt_day`` 0 =
  Monday .. 6 = Sunday, ``time_slot`` the hour 0-23, null = no figure. The payload does
  not carry the crossing or month: they come from the name (the URL or a file name such
  as ``historicalwaittimes_06240201_POV_GEN_1_7.json``) or from ``port_number`` /
  ``month_number`` keys in the rows.

Crossing names ("El Paso - Ysleta") map to CBP port numbers with :data:`EL_PASO`
(checked against bwtnew-2022-06-29.json and crossingslist-2022-07-01.json), then the
catalog. Local times are at the crossing's time zone from the catalog (America/Denver
for El Paso 2402xx when the catalog does not know). Daylight-saving rule: a wall-clock
hour the clocks skip is rejected; a repeated one means its first occurrence (fold 0).
Waits that are not whole minutes round half up.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Hashable, Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import cast
from zoneinfo import ZoneInfo

from borderflow.errors import BadInputError
from borderflow.feeds.bts import csv_rows, decode_text, repeated_columns, sniff_text
from borderflow.feeds.records import HistoricalAverage, Parsed, Rejected
from borderflow.feeds.same_key import SameKey
from borderflow.vocabulary import CBP_LANES, Observation

FORMAT_AVERAGES = "cbp-averages-csv"
FORMAT_HOLIDAY = "cbp-holiday-csv"
FORMAT_WAITGRAPH = "cbp-waitgraph"
FORMAT_HISTORICAL_JSON = "cbp-historical-json"
FORMATS = (FORMAT_AVERAGES, FORMAT_HOLIDAY, FORMAT_WAITGRAPH, FORMAT_HISTORICAL_JSON)

#: CBP "Port" text -> port_number, as bwtnew (port_name/crossing_name/port_number) and
#: crossingslist (portCrossingName/bwtId) both give them.
EL_PASO: dict[str, str] = {
    "el paso - bridge of the americas (bota)": "240201",
    "el paso - paso del norte (pdn)": "240202",
    "el paso - ysleta": "240203",
    "el paso - stanton dcl": "240204",
}
_MODES = {"commercial": "commercial", "cov": "commercial", "passenger": "passenger",
          "pov": "passenger", "pedestrian": "pedestrian", "ped": "pedestrian"}
_PROGRAMS = {"general": "standard", "standard": "standard", "fast": "fast", "sentri": "sentri",
             "nexus": "sentri", "nexus/sentri": "sentri", "sentri/nexus": "sentri",
             "ready": "ready", "ready lane": "ready"}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?(?::00)?\s*([AaPp])\.?\s*[Mm]\.?$")
_DATE_COLUMN = re.compile(r"^\s*(\w+),\s*([A-Za-z]+)\.?\s+(\d{1,2}),\s*(\d{4})")
_NO_DATA = {"", "nan", "null", "none", "n/a"}


# --- shared rules ----------------------------------------------------------------------


def crossing_id_for(port_text: str) -> str | None:
    """CBP's 6-digit port_number for a "Port - Crossing" name, or None when unknown."""
    key = " ".join(port_text.split()).casefold()
    if key in EL_PASO:
        return EL_PASO[key]
    port, _, crossing = port_text.partition(" - ")
    try:
        from borderflow.catalog import crossing_by_name
    except ImportError:
        return None
    return crossing_by_name(port.strip(), crossing.strip())


def zone_of(crossing_id: str) -> str | None:
    """The crossing's IANA zone from the catalog; America/Denver for 2402xx as fallback."""
    zone: str | None = None
    try:
        from borderflow.catalog import timezone_of
    except ImportError:
        pass
    else:
        zone = timezone_of(crossing_id)
    if zone is None and crossing_id.startswith("2402"):
        zone = "America/Denver"
    return zone


def wall_clock_to_utc(local: dt.datetime, zone: str, fold: int = 0) -> dt.datetime:
    """A naive local wall-clock time at ``zone`` as an aware UTC datetime.

    ``fold`` 0 takes the first of a repeated hour, 1 the second. A time the clocks skip
    raises ValueError (there is no honest instant for it).
    """
    tz = ZoneInfo(zone)
    utc = local.replace(tzinfo=tz, fold=fold).astimezone(dt.UTC)
    shown = utc.astimezone(tz)
    if shown.replace(tzinfo=None) != local:
        before = local.replace(tzinfo=tz, fold=fold).tzname()
        raise ValueError(
            f"local time {local:%Y-%m-%d %H:%M} does not exist in {zone}: the clocks skip it "
            f"for daylight saving time; correct the time in the source ({local:%H:%M} {before} "
            f"is {shown:%H:%M} {shown.tzname()}) or remove the value")
    return utc


def minutes_half_up(text: str) -> int:
    """A wait in minutes as a whole number, halves rounded up ("2.5" -> 3); >= 0."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"a wait must be a number of minutes; got {text!r}") from None
    if not value.is_finite() or not 0 <= value < 1_000_000:
        raise ValueError(f"a wait must be a number of minutes >= 0 and below 1,000,000; got {text!r}")
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def average_minutes(text: str) -> float:
    """A statistic in minutes as CBP wrote it ("7", "41.5"); ValueError unless 0 <= x < 1e6."""
    try:
        wait = float(text)
    except ValueError:
        wait = -1.0
    if not 0 <= wait < 1e6:
        raise ValueError(f"a wait statistic must be a number of minutes >= 0 and below 1,000,000; got {text!r}")
    return wait


def hour_of(text: str) -> int:
    """"Midnight" -> 0, "1:00 AM" -> 1, "Noon" -> 12, "11:00 PM" -> 23, "13" -> 13; with
    seconds as spreadsheets write them ("1:00:00 PM", "13:00:00")."""
    t = text.strip().lower()
    if t == "midnight":
        return 0
    if t == "noon":
        return 12
    if m := _CLOCK.match(t):
        hour = int(m.group(1))
        if 1 <= hour <= 12 and (m.group(2) or "00") == "00":
            return hour % 12 + (12 if m.group(3).lower() == "p" else 0)
    elif t.isascii() and t.isdigit() and int(t) < 24:
        return int(t)
    elif re.fullmatch(r"\d{1,2}:00(?::00)?", t) and int(t.split(":")[0]) < 24:
        return int(t.split(":")[0])
    raise ValueError(f"Time must be an hour like 'Midnight', '1:00 AM' or 'Noon'; got {text!r}")


def lane_of(lane: str, sub_lane: str) -> tuple[str, str]:
    """CBP's Lane/Sub-Lane words as a BorderFlow (mode, program) lane."""
    mode = _MODES.get(lane.strip().lower().removesuffix(" vehicles").removesuffix("s"))
    program = _PROGRAMS.get(sub_lane.strip().lower().removesuffix(" lanes"))
    if mode is None or program is None or (mode, program) not in CBP_LANES:
        raise ValueError(f"unknown lane {lane!r}/{sub_lane!r}; expected Commercial, Passenger "
                         "or Pedestrian with General, FAST, Nexus/Sentri or Ready")
    return mode, program


# --- cbp-averages-csv ------------------------------------------------------------------


def sniff_averages(head: bytes, name: str = "") -> bool:
    return sniff_text(head).lower().replace(" ", "").startswith("port,lane,sub-lane,month,")


def parse_averages(data: bytes, name: str = "") -> Parsed:
    """CBP's month x weekday x hour average tables as HistoricalAverage records."""
    parsed = Parsed(format=FORMAT_AVERAGES)
    rows, col, header = _table(data, name, ("port", "lane", "sub-lane", "month", "time"),
                               FORMAT_AVERAGES, parsed.notes)
    days = [h.split("(")[0].strip().lower() for h in header]
    weekdays = {i: _WEEKDAYS.index(d) for i, d in enumerate(days) if d in _WEEKDAYS}
    _refuse_repeated(name, FORMAT_AVERAGES, header, dict(weekdays), "weekday")
    year_match = re.search(r"(?<!\d)((?:19|20)\d\d)(?!\d)", re.split(r"[/\\]", name)[-1])
    year = int(year_match.group(1)) if year_match else None
    same_key: SameKey[HistoricalAverage] = SameKey()
    for line, row in rows:
        cells = {i: row[i].strip() for i in weekdays if i < len(row)}
        if all(v.lower() in _NO_DATA for v in cells.values()):
            continue  # the blank row closing a table, or an hour with no data at all
        try:
            crossing_id, mode, program = _lane_row(row, col)
            hour = hour_of(row[col["time"]])
            month = _month(row[col["month"]])
        except ValueError as exc:
            parsed.rejected.append(Rejected(f"line {line}", str(exc), ",".join(row)))
            continue
        for index, text in cells.items():
            if text.lower() in _NO_DATA:
                continue
            try:
                wait = average_minutes(text)
            except ValueError as exc:
                parsed.rejected.append(Rejected(f"line {line}, column {index + 1}", str(exc), text))
                continue
            average = HistoricalAverage(
                crossing_id=crossing_id, mode=mode, program=program, kind="mean", hour=hour,
                wait_minutes=wait, source="cbp-historical", month=month,
                weekday=weekdays[index], year=year)
            key = (crossing_id, mode, program, month, average.weekday, hour)
            same_key.add(key, (wait,), average, f"line {line}, column {index + 1}", text, text)
    parsed.averages = same_key.settle(parsed, _average_key_text, "cell(s)")
    return parsed


def _average_key_text(key: Hashable) -> str:
    crossing_id, mode, program, month, weekday, hour = cast(
        tuple[str, str, str, int | None, int, int], key)
    month_text = _MONTHS[month - 1].title() if month else "all months"
    return (f"the average wait at {crossing_id} {mode}/{program}, {month_text}, "
            f"{_WEEKDAYS[weekday].title()} {hour:02d}:00")


# --- cbp-holiday-csv -------------------------------------------------------------------


def sniff_holiday(head: bytes, name: str = "") -> bool:
    return sniff_text(head).lower().replace(" ", "").startswith("port,lane,sub-lane,holiday,")


def parse_holiday(data: bytes, name: str = "") -> Parsed:
    """Actual hourly waits on holiday dates as Observations (source "cbp-historical")."""
    parsed = Parsed(format=FORMAT_HOLIDAY)
    table, col, header = _table(data, name, ("port", "lane", "sub-lane", "time"), FORMAT_HOLIDAY,
                                parsed.notes)
    rows = list(table)
    dates: dict[int, dt.date] = {}
    for index, text in enumerate(header):
        if index > col["time"] and not text.strip():
            filled = [line for line, row in rows if index < len(row) and row[index].strip()]
            if filled:  # a blank column (a spreadsheet's trailing one) is skipped silently
                parsed.rejected.append(Rejected(
                    f"column {index + 1}", f"{len(filled)} value(s) under a column with no date "
                    f"(first on line {filled[0]}); put the date in the header", ""))
        elif index > col["time"]:
            try:
                dates[index] = _date_column(text)
            except ValueError as exc:
                parsed.rejected.append(Rejected(f"column {index + 1}", str(exc), text))
    _refuse_repeated(name, FORMAT_HOLIDAY, header, dict(dates), "date")
    seen: dict[tuple[object, ...], list[object]] = {}
    for line, row in rows:
        cells = {i: row[i].strip() for i in dates if i < len(row) and row[i].strip()}
        cells = {i: v for i, v in cells.items() if v.lower() not in _NO_DATA}
        if not cells:
            continue
        try:
            crossing_id, mode, program = _lane_row(row, col)
            hour = hour_of(row[col["time"]])
            zone = _zone_or_fail(crossing_id)
        except ValueError as exc:
            parsed.rejected.append(Rejected(f"line {line}", str(exc), ",".join(row)))
            continue
        for index, text in cells.items():
            place = f"line {line}, column {index + 1}"
            try:
                local = dt.datetime.combine(dates[index], dt.time(hour))
                obs = Observation(crossing_id, mode, program, wall_clock_to_utc(local, zone),
                                  minutes_half_up(text), None, None, "cbp-historical")
            except ValueError as exc:
                parsed.rejected.append(Rejected(place, str(exc), text))
                continue
            _keep_once(parsed, seen, obs, place)
    return parsed


# --- cbp-waitgraph ---------------------------------------------------------------------

#: block ("<block>_time_slots" / "<block>_slot") -> [(field prefix, mode, program)]
_GRAPH_BLOCKS = {
    "commercial": [("standard_lane", "commercial", "standard"),
                   ("fast_lane", "commercial", "fast")],
    "private": [("standard_lane", "passenger", "standard"), ("fast_lane", "passenger", "sentri"),
                ("nexus_sentri_lane", "passenger", "sentri"), ("ready_lane", "passenger", "ready")],
    "pedestrain": [("standard_lane", "pedestrian", "standard"),
                   ("ready_lane", "pedestrian", "ready")],
}
_GRAPH_KINDS = (("average", "mean"), ("min", "min"), ("max", "max"))


def sniff_waitgraph(head: bytes, name: str = "") -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return text in (b"[", b"{") and (b"_time_slots" in head or b"_lane_today_wait" in head)


def parse_waitgraph(data: bytes, name: str = "") -> Parsed:
    """One day's hourly graph per crossing: today's waits and the mean/min/max."""
    parsed = Parsed(format=FORMAT_WAITGRAPH)
    payload = _json(data, name, parsed.notes)
    ports = payload if isinstance(payload, list) else [payload]
    for n, port in enumerate(ports):
        if not isinstance(port, dict):
            parsed.rejected.append(Rejected(f"item {n}", "each item must be an object with "
                                            "port_number, date and *_time_slots", repr(port)[:500]))
            continue
        try:
            crossing_id = _port_number(port.get("port_number"))
            on_date = dt.date.fromisoformat(_text(port.get("date")) or "missing")
        except (ValueError, BadInputError) as exc:
            parsed.rejected.append(Rejected(f"item {n}", f"{exc} (port_number must be 6 "
                                            "digits, date YYYY-MM-DD)", json.dumps(port)[:500]))
            continue
        zone = zone_of(crossing_id)
        seen: dict[tuple[object, ...], list[object]] = {}
        for block, lanes in _GRAPH_BLOCKS.items():
            for slot in _graph_slots(parsed, port, block, f"{crossing_id} {on_date}"):
                _graph_slot(parsed, seen, slot, lanes, crossing_id, on_date, zone, block)
    return parsed


def _graph_slots(parsed: Parsed, port: dict[str, object], block: str, where: str) -> list[dict[str, object]]:
    """The hour slots of one block; a block or slot of the wrong shape is kept aside."""
    names = [block] + (["pedestrian"] if block == "pedestrain" else [])
    for b in names:
        key = f"{b}_time_slots"
        if key not in port or port[key] in (None, ""):
            continue
        holder = port[key]
        slots = holder.get(f"{b}_slot", []) if isinstance(holder, dict) else None
        if isinstance(slots, dict):
            slots = [slots]
        if not isinstance(slots, list):
            parsed.rejected.append(Rejected(f"{where} {key}", f"{key} is not an object holding a list "
                                            f"{b}_slot of hours", json.dumps(holder, default=str)[:500]))
            return []
        bad = [s for s in slots if not isinstance(s, dict)]
        for s in bad:
            parsed.rejected.append(Rejected(f"{where} {key}", "an hour slot is not an object",
                                            json.dumps(s, default=str)[:500]))
        return [s for s in slots if isinstance(s, dict)]
    return []


def _graph_slot(parsed: Parsed, seen: dict[tuple[object, ...], list[object]],
                slot: dict[str, object], lanes: list[tuple[str, str, str]], crossing_id: str,
                on_date: dt.date, zone: str | None, block: str = "") -> None:
    place = f"{crossing_id} {on_date} {block.replace('pedestrain', 'pedestrian')} time {slot.get('time')!r}"
    try:
        hour = hour_of(str(slot.get("time", "")))
    except ValueError as exc:
        parsed.rejected.append(Rejected(place, str(exc), json.dumps(slot)[:500]))
        return
    for prefix, mode, program in lanes:
        for field_name, kind in _GRAPH_KINDS:
            text = _text(slot.get(f"{prefix}_{field_name}_wait"))
            if text.lower() in _NO_DATA:
                continue
            try:
                wait = average_minutes(text)
            except ValueError as exc:
                parsed.rejected.append(
                    Rejected(f"{place} {prefix}_{field_name}_wait", str(exc), text))
                continue
            parsed.averages.append(HistoricalAverage(
                crossing_id=crossing_id, mode=mode, program=program, kind=kind, hour=hour,
                wait_minutes=wait, source="cbp-waitgraph", on_date=on_date))
        today = _text(slot.get(f"{prefix}_today_wait"))
        if today.lower() in _NO_DATA:
            continue
        try:
            if zone is None:
                raise ValueError(f"no time zone is known for crossing {crossing_id}; "
                                 "add it to the catalog")
            observed_at = wall_clock_to_utc(dt.datetime.combine(on_date, dt.time(hour)), zone)
            obs = Observation(crossing_id, mode, program, observed_at, minutes_half_up(today),
                              None, None, "cbp-waitgraph")
        except ValueError as exc:
            parsed.rejected.append(Rejected(f"{place} {prefix}_today_wait", str(exc), today))
            continue
        _keep_once(parsed, seen, obs, place)


# --- cbp-historical-json ---------------------------------------------------------------

#: column -> (mode, program); the URL's lane code picks the mode whose columns are read.
_HISTORICAL_COLUMNS = {
    "cv_time_avg": ("commercial", "standard"), "xcv_time_avg": ("commercial", "fast"),
    "pv_time_avg": ("passenger", "standard"), "xpv_time_avg": ("passenger", "sentri"),
    "pv_ready_lanes_time_avg": ("passenger", "ready"),
    "ped_time_avg": ("pedestrian", "standard"),
    "ped_ready_lanes_time_avg": ("pedestrian", "ready"),
}
_LANE_CODES = {"POV": "passenger", "PED": "pedestrian", "COV": "commercial"}
_HISTORICAL_NAME = re.compile(
    r"(\d{8}|\d{6})[/_\-.](POV|PED|COV)[/_\-.]\w+?[/_\-.](\d{1,2})[/_\-.](\d)", re.IGNORECASE)


def sniff_historical_json(head: bytes, name: str = "") -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{" and b'"wait_times"' in head and (
        b'"time_slot"' in head or b'"bwt_day"' in head or b"_time_avg" in head)


def parse_historical_json(data: bytes, name: str = "") -> Parsed:
    """A ``historicalwaittimes`` response as mean HistoricalAverages by weekday and hour."""
    notes: list[str] = []
    payload = _json(data, name, notes)
    rows = payload.get("wait_times") if isinstance(payload, dict) else None
    if not isinstance(rows, list):
        raise BadInputError(f"{name or 'the payload'} has no 'wait_times' list; expected "
                            "the /api/historicalwaittimes response")
    m = _HISTORICAL_NAME.search(name)
    url_crossing = _port_number(m.group(1)[-6:]) if m else ""
    url_mode = _LANE_CODES[m.group(2).upper()] if m else None
    url_month = int(m.group(3)) if m else None
    parsed = Parsed(format=FORMAT_HISTORICAL_JSON, notes=notes)
    for n, row in enumerate(rows):
        place = f"wait_times[{n}]"
        if not isinstance(row, dict):
            parsed.rejected.append(Rejected(place, "each wait_times item must be an object",
                                            json.dumps(row)[:500]))
            continue
        try:
            crossing_id = _port_number(row["port_number"]) if row.get("port_number") else ""
            month = _int_in(row.get("month_number", url_month), 1, 12, "month")
            weekday = _int_in(row.get("bwt_day"), 0, 6, "bwt_day (0 = Monday)")
            hour = _int_in(row.get("time_slot"), 0, 23, "time_slot")
            if not (crossing_id := crossing_id or url_crossing):
                raise ValueError("the crossing is unknown: name the file like "
                                 "historicalwaittimes_<bwtId>_<POV|PED|COV>_GEN_<month>_<day>.json")
        except (ValueError, BadInputError) as exc:
            parsed.rejected.append(Rejected(place, str(exc), json.dumps(row)[:500]))
            continue
        for column, (mode, program) in _HISTORICAL_COLUMNS.items():
            text = _text(row.get(column))
            if (url_mode and mode != url_mode) or text.lower() in _NO_DATA:
                continue
            try:
                wait = average_minutes(text)
            except ValueError as exc:
                parsed.rejected.append(Rejected(f"{place}.{column}", str(exc), text))
                continue
            parsed.averages.append(HistoricalAverage(
                crossing_id=crossing_id, mode=mode, program=program, kind="mean", hour=hour,
                wait_minutes=wait, source="cbp-historical", month=month, weekday=weekday))
    return parsed


# --- helpers ---------------------------------------------------------------------------


def _table(data: bytes, name: str, required: tuple[str, ...], fmt: str, notes: list[str]
           ) -> tuple[Iterator[tuple[int, list[str]]], dict[str, int], list[str]]:
    """The rows after the header, the index of each lower-cased column name, and the
    header as written; BadInputError when a required column is missing or named twice."""
    rows = csv_rows(decode_text(data, notes))
    first = next(rows, None)
    header = first[1] if first else []
    col: dict[str, int] = {}
    for i, h in enumerate(header):
        col.setdefault(h.strip().lower(), i)
    missing = [c for c in required if c not in col]
    if missing:
        raise BadInputError(f"{name or 'the file'} is not a {fmt} table: missing column(s) "
                            f"{', '.join(missing)}; expected {', '.join(required)}, ...")
    if repeat := repeated_columns(header, required):
        raise BadInputError(f"{name or 'the file'} cannot be read as a {fmt} table: {repeat}")
    return rows, col, header


def _refuse_repeated(name: str, fmt: str, header: list[str], columns: dict[int, object],
                     what: str) -> None:
    """BadInputError when two data columns name the same ``what`` (weekday, date)."""
    first: dict[object, int] = {}
    for index, value in columns.items():
        other = first.setdefault(value, index)
        if other != index:
            raise BadInputError(
                f"{name or 'the file'} cannot be read as a {fmt} table: columns {other + 1} "
                f"({header[other].strip()!r}) and {index + 1} ({header[index].strip()!r}) are the "
                f"same {what}; remove or rename one, the reader does not pick one")


def _lane_row(row: list[str], col: dict[str, int]) -> tuple[str, str, str]:
    if len(row) < len(col):
        raise ValueError(f"expected {len(col)} fields as in the header, got {len(row)}")
    port = row[col["port"]]
    crossing_id = crossing_id_for(port)
    if crossing_id is None:
        raise ValueError(f"unknown CBP crossing {port!r}; write it as CBP does, e.g. "
                         "'El Paso - Ysleta', or add it to the catalog")
    mode, program = lane_of(row[col["lane"]], row[col["sub-lane"]])
    return crossing_id, mode, program


def _month(text: str) -> int | None:
    t = text.strip().lower()
    if t in ("all", ""):
        return None
    if t[:3] in _MONTHS and t.isalpha():
        return _MONTHS.index(t[:3]) + 1
    if (t.isascii() and t.isdigit()) and 1 <= int(t) <= 12:
        return int(t)
    raise ValueError(f"Month must be a month name like 'January'; got {text!r}")


def _date_column(header: str) -> dt.date:
    m = _DATE_COLUMN.match(header)
    if not m or m.group(2)[:3].lower() not in _MONTHS:
        raise ValueError(f"a date column must look like 'Monday, Dec 30, 2024 (min)'; "
                         f"got {header!r}")
    day = dt.date(int(m.group(4)), _MONTHS.index(m.group(2)[:3].lower()) + 1, int(m.group(3)))
    if m.group(1).lower() in _WEEKDAYS and _WEEKDAYS[day.weekday()] != m.group(1).lower():
        raise ValueError(f"column {header!r}: {day} is a {_WEEKDAYS[day.weekday()].title()}")
    return day


def _zone_or_fail(crossing_id: str) -> str:
    zone = zone_of(crossing_id)
    if zone is None:
        raise ValueError(f"no time zone is known for crossing {crossing_id}; add it to the catalog")
    return zone


def _keep_once(parsed: Parsed, seen: dict[tuple[object, ...], list[object]],
               obs: Observation, place: str) -> None:
    """Same reading twice: kept once; the same key with another wait: all rejected."""
    first = seen.get(obs.key)
    if first is None:
        seen[obs.key] = [obs, place, True]
        parsed.observations.append(obs)
        return
    kept, first_place, alive = first
    assert isinstance(kept, Observation)
    if alive and kept.values == obs.values:
        return
    reason = (f"conflicting waits for {obs.crossing_id} {obs.mode}/{obs.program} at "
              f"{obs.observed_at:%Y-%m-%dT%H:%MZ}: {kept.wait_minutes} at {first_place} and "
              f"{obs.wait_minutes} at {place}; none kept")
    if alive:
        parsed.observations.remove(kept)
        parsed.rejected.append(Rejected(str(first_place), reason))
        first[2] = False
    parsed.rejected.append(Rejected(place, reason))


def _json(data: bytes, name: str, notes: list[str]) -> object:
    try:
        return json.loads(decode_text(data, notes))
    except (ValueError, RecursionError) as exc:
        raise BadInputError(f"{name or 'the payload'} is not valid JSON: {exc}") from exc


def _port_number(value: object) -> str:
    text = _text(value)
    text = {"l24501": "240501"}.get(text, text)
    if (text.isascii() and text.isdigit()) and len(text) < 6:
        text = text.zfill(6)
    if len(text) != 6 or not (text.isascii() and text.isdigit()):
        raise BadInputError(f"port_number must be CBP's 6 digits; got {value!r}")
    return text


def _int_in(value: object, low: int, high: int, what: str) -> int:
    text = _text(value)
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise ValueError(f"{what} must be a whole number {low}-{high}; got {value!r}")
    return int(text)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()
