"""BTS Border Crossing Entry Data: monthly inbound crossings by port, both CSV schemas.

Source: Bureau of Transportation Statistics, "Border Crossing Entry Data"
(data.bts.gov), monthly counts of inbound (northbound into the US from Mexico,
southbound into the US from Canada) vehicles, containers, passengers and pedestrians.

Two schemas are read:

* newer: ``Port Name, State, Port Code, Border, Date, Measure, Value, Latitude,
  Longitude, Point`` with dates like ``Jan 2024``;
* older: ``Port Name, State, Port Code, Border, Date, Measure, Value, Location`` with
  dates like ``03/01/2019 12:00:00 AM`` and "Full" where the newer says "Loaded"
  ("Truck Containers Full" -> "Truck Containers Loaded").

Rules:

* one :class:`Volume` per row, ``period`` "month", ``period_start`` the first of the
  month, ``measure`` in the newer names, ``value`` the count (a float, as BTS writes
  integers; one >= 0 of at most 999,999,999,999 with at most 20 decimals, the rule of
  every volume, :data:`~borderflow.feeds.records.VOLUME_RULE`), ``source`` "bts", ``direction`` "northbound" (BorderFlow's word for *into
  the US*; BTS counts inbound crossings only, on both borders);
* ``port_code`` is 4 digits; a shorter all-digit code (a spreadsheet dropped the leading
  zero) is zero-padded;
* latitude/longitude come from the ``Point``/``Location`` WKT (full precision, the same
  in both schemas); the rounded ``Latitude``/``Longitude`` columns are used only when
  there is no point;
* rows with the same (port_code, month, measure) and the same value collapse to one (a
  note says how many); rows with the same key and *different* values all go to
  ``Parsed.rejected`` with a reason naming the key and the competing values: the parser
  never picks one;
* a ``Measure`` holding ``|`` is refused (the row, with its reason): ``|`` joins the
  fields of a count's key where it is kept as text, so two counts could read as one
  (the port code is 4 digits, the other fields are BorderFlow's own);
* a header naming one of these columns twice is refused (which one holds the value
  cannot be told);
* gzip input is accepted (recognised by its magic bytes, not the file name).

This module also holds the small text helpers the other CSV parsers share
(:func:`gunzip_if_gzip`, :func:`decode_text`, :func:`sniff_text`, and the header rules:
:func:`named_columns`, :func:`beyond_header`, :func:`repeated_columns`).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
import zlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from borderflow.errors import BadInputError
from borderflow.feeds.records import Parsed, Rejected, Volume, key_separator_problem, volume_value

if TYPE_CHECKING:
    from _csv import Reader

FORMAT = "bts-csv"
SOURCE = "bts"

GZIP_MAGIC = b"\x1f\x8b"
_COMMON = ("port name", "state", "port code", "border", "date", "measure", "value")
_PLACE_COLUMNS = ("point", "location", "latitude", "longitude")
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
#: "jan"/"january" -> 1 ... (English names, not the locale's), plus "sept".
_MONTHS = {**{n[:3]: i for i, n in enumerate(_MONTH_NAMES, 1)},
           **{n: i for i, n in enumerate(_MONTH_NAMES, 1)}, "sept": 9}
_NEW_DATE = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{4})$")
_OLD_DATE = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AP]M)?)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_NUMBER = r"(-?[\d.]+(?:[eE]-?\d+)?)"
_POINT = re.compile(rf"^\s*POINT\s*\(\s*{_NUMBER}\s+{_NUMBER}\s*\)\s*$")
_MAX_NOTED = 10


# --- shared text helpers -------------------------------------------------------------


def gunzip_if_gzip(data: bytes) -> bytes:
    """``data`` decompressed when it starts with the gzip magic bytes, else unchanged."""
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise BadInputError(f"the data starts like gzip but does not decompress: {exc}") from exc


def gunzip_head(head: bytes) -> bytes:
    """As much of a (possibly truncated) gzip head as decompresses; plain heads unchanged."""
    if not head.startswith(GZIP_MAGIC):
        return head
    try:
        return zlib.decompressobj(wbits=31).decompress(head, 65536)
    except zlib.error:
        return b""


def decode_text(data: bytes, notes: list[str] | None = None) -> str:
    """Bytes (gzip or plain) as text: UTF-16 when it starts with its byte-order mark (as
    spreadsheets save "Unicode text"), else UTF-8 (BOM dropped), else line by line.

    Line by line: a line that is UTF-8 is read as UTF-8 and a line that is not as
    Windows-1252, so a UTF-8 file with one line pasted from a Windows-1252 one keeps its
    accented names on every other line (decoding the whole file as Windows-1252 would
    garble them all). When the file has UTF-8 lines beyond ASCII as well as lines read as
    Windows-1252, a note on ``notes`` names those lines. A file with no such UTF-8 line is
    a Windows-1252 file and reads as one, without a note. A line that is neither refuses
    the file (BadInputError naming the line)."""
    raw = gunzip_if_gzip(data)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise BadInputError(f"the text starts as UTF-16 but byte {exc.start} is not UTF-16 "
                                "(a truncated or mixed file); save it as UTF-8") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lines = raw.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    decoded: list[str] = []
    windows: list[int] = []
    utf8_beyond_ascii = False
    for number, line in enumerate(lines, 1):
        try:
            decoded.append(line.decode("utf-8"))
            utf8_beyond_ascii = utf8_beyond_ascii or not line.isascii()
            continue
        except UnicodeDecodeError:
            pass
        try:
            decoded.append(line.decode("cp1252"))
        except UnicodeDecodeError as exc:
            raise BadInputError(
                f"line {number} is neither UTF-8 nor Windows-1252 (byte {exc.start + 1} of the "
                "line); save the file as UTF-8") from exc
        windows.append(number)
    if utf8_beyond_ascii and notes is not None:
        shown = ", ".join(str(n) for n in windows[:_MAX_NOTED])
        more = f" and {len(windows) - _MAX_NOTED} more" if len(windows) > _MAX_NOTED else ""
        notes.append(
            f"{len(windows)} line(s) not UTF-8 like the rest of the file were read as "
            f"Windows-1252 (line {shown}{more}); check the names on them, and save the file "
            "as UTF-8 to be sure")
    return "\n".join(decoded)


def sniff_text(head: bytes) -> str:
    """The first line of a head (gzip allowed) as text, BOM and line end dropped."""
    text = gunzip_head(head).decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text else ""
    if '"' in first:  # a spreadsheet quoting every field: the fields themselves
        try:
            first = ",".join(next(csv.reader([first])))
        except (csv.Error, StopIteration):
            pass
    return first


#: The longest CSV field read (Python's default is 128 KiB): a longer one is not a reason to
#: refuse the rest of its file; the row's own checks then refuse that row alone.
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))


def csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(the physical line a record starts on, fields) for each CSV record (a quoted field
    may span lines: the record is named by its first); csv errors become BadInputError."""
    reader = csv.reader(io.StringIO(text, newline=""))
    ended = 0  # the last physical line of the record before
    try:
        for row in reader:
            yield ended + 1, row
            ended = reader.line_num
    except csv.Error as exc:
        raise BadInputError(f"CSV is malformed near line {reader.line_num}: {exc}") from exc


def named_columns(header: list[str]) -> list[str]:
    """The header's names, spaces around each dropped, without the empty columns a
    spreadsheet leaves at the end (``a,b,,`` -> ``[a, b]``)."""
    names = [h.strip() for h in header]
    while names and not names[-1]:
        names.pop()
    return names


def beyond_header(row: list[str], width: int) -> list[str]:
    """``row`` without the empty fields past the ``width`` named columns (a spreadsheet's
    trailing ones); ValueError when such a field holds a value."""
    if len(row) <= width:
        return row
    filled = [str(width + 1 + i) for i, c in enumerate(row[width:]) if c.strip()]
    if filled:
        raise ValueError(f"value(s) in column(s) {', '.join(filled)}, past the {width} named "
                         "in the header; remove them or name the column")
    return row[:width]


def repeated_columns(names: list[str], wanted: Iterable[str]) -> str | None:
    """A one-line refusal when a wanted column (compared lower-cased) is named more than
    once: the reader cannot tell which one holds the values. None otherwise."""
    places: dict[str, list[int]] = {}
    for i, h in enumerate(names, 1):
        places.setdefault(h.strip().lower(), []).append(i)
    for name in wanted:
        found = places.get(name.lower(), [])
        if len(found) > 1:
            return (f"the header names column {name!r} {len(found)} times (columns "
                    f"{', '.join(map(str, found))}); remove or rename all but one, the reader "
                    "does not pick one")
    return None


def header_mismatch(name: str, what: str, expected: str, got: list[str]) -> str:
    """The refusal of a header that is not ``expected`` (as the message shows it, quoted):
    a repeated column said as such."""
    text = f"{name or 'the file'} is not {what}"
    if got and (repeat := repeated_columns(got, dict.fromkeys(c.lower() for c in got))):
        return f"{text}: {repeat}"
    shown = ",".join(got) if got else "an empty file"
    return f"{text}: expected the header {expected}; got {shown!r:.200}"


# --- BTS ------------------------------------------------------------------------------


def sniff(head: bytes, name: str = "") -> bool:
    """True for a BTS CSV (either schema, plain or gzip)."""
    first = [c.strip().lower() for c in sniff_text(head).split(",")]
    return set(_COMMON) <= set(first) and (
        "point" in first or "location" in first or "latitude" in first
    )


def parse(data: bytes, name: str = "") -> Parsed:
    """Every row of a BTS CSV as a monthly :class:`Volume`; see the module rules."""
    parsed = Parsed(format=FORMAT)
    text = decode_text(data, parsed.notes)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise BadInputError(f"{name or 'the file'} is empty; expected a BTS CSV header") from None
    except csv.Error as exc:
        raise BadInputError(f"CSV is malformed near line 1: {exc}") from exc
    read = _RowReader(header, name)
    kept: dict[tuple[str, dt.date, str], tuple[Volume, int]] = {}
    duplicates: dict[tuple[str, dt.date, str], list[tuple[int, float]]] = {}
    try:
        _read_rows(reader, read, len(header), parsed, kept, duplicates)
    except csv.Error as exc:
        raise BadInputError(f"CSV is malformed near line {reader.line_num}: {exc}") from exc
    _settle_duplicates(parsed, kept, duplicates, text)
    parsed.volumes = [volume for volume, _ in kept.values()]
    return parsed


def _read_rows(
    reader: Reader,
    read: _RowReader,
    width: int,
    parsed: Parsed,
    kept: dict[tuple[str, dt.date, str], tuple[Volume, int]],
    duplicates: dict[tuple[str, dt.date, str], list[tuple[int, float]]],
) -> None:
    """The hot loop (csv.reader used directly: 399,406 rows in the all-borders file)."""
    ended = reader.line_num  # the header's last line
    for row in reader:
        line, ended = ended + 1, reader.line_num  # a record is named by its first line
        if len(row) != width:
            if row and any(c.strip() for c in row):
                parsed.rejected.append(Rejected(
                    f"line {line}", f"expected {width} fields as in the header, got {len(row)}",
                    ",".join(row)))
            continue
        try:
            volume = read(row)
        except ValueError as exc:
            parsed.rejected.append(Rejected(f"line {line}", str(exc), ",".join(row)))
            continue
        key = (volume.port_code, volume.period_start, volume.measure)
        first = kept.get(key)
        if first is None:
            kept[key] = (volume, line)
        else:
            duplicates.setdefault(key, [(first[1], first[0].value)]).append((line, volume.value))


_Place = tuple[str, str, str, str, float | None, float | None]


class _RowReader:
    """Turns one BTS row into a Volume, caching what repeats (ports, dates, measures):
    the all-borders file has 399,406 rows but a few hundred ports and months."""

    def __init__(self, header: list[str], name: str) -> None:
        col = {h.strip().lower(): i for i, h in enumerate(header)}
        missing = [c for c in _COMMON if c not in col]
        if missing:
            raise BadInputError(
                f"{name or 'the file'} is not a BTS CSV: missing column(s) "
                f"{', '.join(missing)}; expected Port Name,State,Port Code,Border,Date,"
                "Measure,Value and Point or Location")
        if repeat := repeated_columns(header, (*_COMMON, *_PLACE_COLUMNS)):
            raise BadInputError(f"{name or 'the file'} cannot be read as a BTS CSV: {repeat}")
        self.col = col
        self.place_columns = [col[c] for c in ("port name", "state", "port code", "border")] + [
            col[c] for c in _PLACE_COLUMNS if c in col]
        self.date_at, self.measure_at, self.value_at = col["date"], col["measure"], col["value"]
        self.places: dict[tuple[str, ...], _Place] = {}
        self.dates: dict[str, dt.date] = {}
        self.measures: dict[str, str] = {}

    def __call__(self, row: list[str]) -> Volume:
        raw_place = tuple([row[i] for i in self.place_columns])
        place = self.places.get(raw_place)
        if place is None:
            place = self.places[raw_place] = self._place(row)
        text = row[self.date_at]
        start = self.dates.get(text)
        if start is None:
            start = self.dates[text] = month_start(text)
        text = row[self.measure_at]
        measure = self.measures.get(text)
        if measure is None:
            measure = text.strip()
            if problem := key_separator_problem("Measure", measure):
                raise ValueError(problem)  # not remembered: each row holding it is refused
            if measure.endswith(" Full"):
                measure = measure[:-5] + " Loaded"
            self.measures[text] = measure
        code, port_name, state, border, lat, lon = place
        return Volume(code, start, measure, _count(row[self.value_at]), SOURCE, "month", "",
                      "northbound", port_name, state, border, lat, lon)

    def _place(self, row: list[str]) -> _Place:
        col = self.col
        code = row[col["port code"]].strip()
        if code.isascii() and code.isdigit() and len(code) < 4:
            code = code.zfill(4)
        if len(code) != 4 or not (code.isascii() and code.isdigit()):
            raise ValueError(f"Port Code must be 4 digits; got {code!r}")
        lat, lon = _coordinates(row, col)
        return (code, row[col["port name"]].strip(), row[col["state"]].strip(),
                row[col["border"]].strip(), lat, lon)


def month_start(text: str) -> dt.date:
    """The first of the month a BTS date names ("Jan 2024", "03/01/2019 12:00:00 AM")."""
    t = text.strip()
    if m := _NEW_DATE.match(t):
        month = _MONTHS.get(m.group(1).lower())
        if month and int(m.group(2)) >= 1:
            return dt.date(int(m.group(2)), month, 1)
    elif m := _OLD_DATE.match(t):
        month, year = int(m.group(1)), int(m.group(3))
        if 1 <= month <= 12 and 1 <= year <= 9999:
            return dt.date(year, month, 1)
    elif m := _ISO_DATE.match(t):
        month, year = int(m.group(2)), int(m.group(1))
        if 1 <= month <= 12 and year >= 1:
            return dt.date(year, month, 1)
    raise ValueError(f"Date must look like 'Jan 2024' or '03/01/2019 12:00:00 AM'; got {text!r}")


def _count(text: str) -> float:
    if text.isdigit() and text.isascii() and len(text) <= 12:  # the common case, fast
        return float(int(text))
    return volume_value(text, "Value")


def _coordinates(row: list[str], col: dict[str, int]) -> tuple[float | None, float | None]:
    """(latitude, longitude) from the WKT point, else the Latitude/Longitude columns."""
    for name in ("point", "location"):
        if name in col and (m := _POINT.match(row[col[name]])):
            try:
                return float(m.group(2)), float(m.group(1))
            except ValueError:
                pass
    if "latitude" in col and "longitude" in col:
        try:
            return float(row[col["latitude"]]), float(row[col["longitude"]])
        except ValueError:
            pass
    return None, None


def _settle_duplicates(
    parsed: Parsed,
    kept: dict[tuple[str, dt.date, str], tuple[Volume, int]],
    duplicates: dict[tuple[str, dt.date, str], list[tuple[int, float]]],
    text: str,
) -> None:
    """Collapse identical duplicates; move every row of a conflicting key to rejected."""
    collapsed = [key for key, seen in duplicates.items() if len({v for _, v in seen}) == 1]
    if collapsed:
        extra = sum(len(duplicates[k]) - 1 for k in collapsed)
        shown = "; ".join(_key_text(k) for k in collapsed[:_MAX_NOTED])
        more = f" and {len(collapsed) - _MAX_NOTED} more" if len(collapsed) > _MAX_NOTED else ""
        parsed.notes.append(
            f"{extra} duplicate row(s) with identical values collapsed: {shown}{more}")
    conflicts = {k: seen for k, seen in duplicates.items() if k not in set(collapsed)}
    if not conflicts:
        return
    lines = text.split("\n")
    raw = {line: lines[line - 1].rstrip("\r") for seen in conflicts.values() for line, _ in seen
           if line <= len(lines)}
    for key, seen in conflicts.items():
        del kept[key]
        competing = " and ".join(f"{_number(v)} at line {line}" for line, v in seen)
        reason = (f"conflicting values for {_key_text(key)}: {competing}; none kept, "
                  "correct the source or remove the wrong row")
        for line, _ in seen:
            parsed.rejected.append(Rejected(f"line {line}", reason, raw.get(line, "")))


def _key_text(key: tuple[str, dt.date, str]) -> str:
    return f"(port {key[0]}, {month_text(key[1])}, {key[2]})"


def month_text(day: dt.date) -> str:
    """A month as BTS writes it ("Feb 2021"), independent of the locale."""
    return f"{_MONTH_NAMES[day.month - 1][:3].title()} {day.year}"


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)
