"""The volumes CSV: BorderFlow's interchange for crossing counts, what ``borderflow export
volumes`` writes and ingest reads back (any source's monthly or daily counts, through one file).

Header, exactly::

    port_code,site,period,period_start,measure,direction,value,source

Field rules (every row is checked; a bad row becomes a :class:`Rejected` with place
"line N" and a reason naming the value and the fix, and the good rows still land):

* ``port_code`` — the 4-digit CBP port code ("2304"), or empty when the source names no
  port;
* ``site`` — a bridge or sub-site when the count is finer than a port, empty for a port's
  count; printable, at most 120 characters;
* ``period`` — ``month`` or ``day``; ``period_start`` — ``YYYY-MM-DD``, the first of the
  month for ``month``;
* ``measure`` — what was counted, in BTS's words ("Trucks", "Personal Vehicles", ...):
  printable, at most 60 characters;
* ``direction`` — a word of :mod:`borderflow.vocabulary` (``northbound`` / ``southbound``);
* ``value`` — a count >= 0 (a whole number, or a decimal for sources that publish
  averages), at most 999,999,999,999, with at most 20 decimals (the rule of every volume,
  :data:`~borderflow.feeds.records.VOLUME_RULE`), written without an exponent, and a number
  that survives storage as a float (any of at most 15 significant digits does;
  :func:`~borderflow.feeds.records.survives_float`);
* ``source`` — required; printable text of at most 40 characters, without surrounding
  spaces (refused, as in the observations CSV).

``site``, ``measure`` and ``source`` may not contain ``|``: it joins the fields of a
record's key where the key is kept as text (clashes, adoptions), so two records could
read as one.

Every other field may have spaces around it, which are dropped. Empty columns after the
last named one (a spreadsheet's) are ignored, in the header and in every row; a value
under one refuses its row. Rows with the same key (every field but ``value``) and the same
value are read once (a note counts them); with different values every one of them is
refused with the competing values (:mod:`borderflow.feeds.same_key`): the parser never
picks one.

These are the columns of the archive's ``volumes`` table, so an export read back into a
new archive gives the same rows (``tests/feeds/test_volumes_csv.py``).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Hashable, Iterable
from typing import IO, cast

import numpy as np

from borderflow.errors import BadInputError
from borderflow.feeds.bts import (
    beyond_header,
    csv_rows,
    decode_text,
    header_mismatch,
    named_columns,
    sniff_text,
)
from borderflow.feeds.records import (
    VOLUME_RULE,
    Parsed,
    Rejected,
    Volume,
    float_refusal,
    is_volume,
    key_separator_problem,
    survives_float,
)
from borderflow.feeds.same_key import SameKey
from borderflow.vocabulary import DIRECTIONS

FORMAT = "volumes-csv"
COLUMNS = ("port_code", "site", "period", "period_start", "measure", "direction", "value", "source")
HEADER = ",".join(COLUMNS)
PERIODS = ("month", "day")

_PORT = re.compile(r"[0-9]{4}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NUMBER = re.compile(r"[0-9]{1,12}(\.[0-9]{1,20})?")


def sniff(head: bytes, name: str = "") -> bool:
    """True when the first line is the volumes CSV header (empty trailing columns allowed)."""
    return sniff_text(head).replace(" ", "").rstrip(",") == HEADER


def parse(data: bytes, name: str = "") -> Parsed:
    """Every good row as a Volume; every bad row as a Rejected with its reason."""
    parsed = Parsed(format=FORMAT)
    rows = csv_rows(decode_text(data, parsed.notes))
    first = next(rows, None)
    header = named_columns(first[1] if first else [])
    if tuple(header) != COLUMNS:
        raise BadInputError(header_mismatch(name, "a volumes CSV", f"'{HEADER}'", header))
    same_key: SameKey[Volume] = SameKey()
    for line, row in rows:
        if not any(c.strip() for c in row):
            continue
        raw = ",".join(row)
        try:
            volume = read_row(beyond_header(row, len(COLUMNS)))
        except ValueError as exc:
            parsed.rejected.append(Rejected(f"line {line}", str(exc), raw))
            continue
        key = (volume.port_code, volume.site, volume.period, volume.period_start, volume.measure,
               volume.direction, volume.source)
        same_key.add(key, (volume.value,), volume, f"line {line}", format_value(volume.value), raw)
    parsed.volumes = same_key.settle(parsed, key_text, "row(s)")
    return parsed


def key_text(key: Hashable) -> str:
    port_code, site, period, start, measure, direction, source = cast(
        tuple[str, str, str, dt.date, str, str, str], key)
    where = f"port {port_code or '(none)'}" + (f", site {site!r}" if site else "")
    return f"({where}, {period} {start.isoformat()}, {measure}, {direction}, source {source!r})"


def _text(value: str, name: str, limit: int, problems: list[str], required: bool) -> str:
    if (required and not value) or len(value) > limit or (value and not value.isprintable()):
        need = "is required and must be" if required else "must be"
        problems.append(f"{name} {need} printable text of at most {limit} characters; got {value[:80]!r}")
    elif problem := key_separator_problem(name, value):
        problems.append(problem)
    return value


def read_row(row: list[str]) -> Volume:
    """One CSV row as a Volume; ValueError naming every bad field otherwise."""
    if len(row) != len(COLUMNS):
        raise ValueError(f"expected {len(COLUMNS)} fields as in the header, got {len(row)}")
    port_code, site, period, start_text, measure, direction, value_text, source = (c.strip() for c in row)
    problems: list[str] = []
    if port_code and not _PORT.fullmatch(port_code):
        problems.append(f"port_code must be a 4-digit CBP port code like 2304, or empty; got {port_code!r}")
    _text(site, "site", 120, problems, required=False)
    if period not in PERIODS:
        problems.append(f"period must be one of {', '.join(PERIODS)}; got {period!r}")
    start = None
    try:
        if not _DATE.fullmatch(start_text):
            raise ValueError
        start = dt.date.fromisoformat(start_text)
    except ValueError:
        problems.append(f"period_start must be a date written YYYY-MM-DD; got {start_text!r}")
    if start is not None and period == "month" and start.day != 1:
        problems.append(f"a month's period_start is the first of the month; got {start_text!r}")
    _text(measure, "measure", 60, problems, required=True)
    if direction not in DIRECTIONS:
        problems.append(f"direction must be one of {', '.join(DIRECTIONS)}; got {direction!r}")
    value = math.nan
    if _NUMBER.fullmatch(value_text) and is_volume(float(value_text)):
        if survives_float(value_text):
            value = float(value_text)
        else:
            problems.append(float_refusal("value", value_text))
    else:
        problems.append(f"value must be {VOLUME_RULE}, written with digits and an optional decimal "
                        f"point; got {value_text[:40]!r}")
    if row[7] != source:
        problems.append(f"source may not have surrounding spaces; got {row[7][:60]!r}")
    _text(source, "source", 40, problems, required=True)
    if problems or start is None:
        raise ValueError("; ".join(problems))
    return Volume(port_code=port_code, period_start=start, measure=measure, value=value, source=source,
                  period=period, site=site, direction=direction)


def format_value(value: float) -> str:
    """A count as the CSV writes it: digits, a decimal point only when needed, never an
    exponent, and the shortest text that reads back as the same float."""
    return str(np.format_float_positional(float(value), trim="-"))


def write_volumes_csv(rows: Iterable[dict[str, object]], out: IO[str]) -> int:
    """Write the volumes CSV to ``out`` from mappings with the :data:`COLUMNS` keys; the
    row count. Every row is checked to read back unchanged before anything is written, so
    a row the CSV cannot hold (a count stored before ingest kept the volume rule) writes
    nothing, not a header alone, and the error names that row."""
    lines = []
    for item in rows:
        cells = [str(item[c]) if c not in ("value", "period_start") else "" for c in COLUMNS]
        cells[COLUMNS.index("period_start")] = str(item["period_start"])
        cells[COLUMNS.index("value")] = format_value(float(str(item["value"])))
        try:
            read_row(cells)
        except ValueError as exc:
            port, site, period, start, measure, direction, _, source = cells
            where = f"port {port or '(none)'}" + (f", site {site!r}" if site else "")
            raise BadInputError(
                f"the stored volume of {where}, {period} {start}, {measure}, {direction}, source "
                f"{source!r} cannot be written to the volumes CSV ({exc}); export with --format json "
                "or parquet, which hold any stored value, or leave it out with --port or --source"
            ) from exc
        lines.append(cells)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(lines)
    return len(lines)
