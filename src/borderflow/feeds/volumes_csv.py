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
  averages), at most 999,999,999,999;
* ``source`` — required; printable text of at most 40 characters, without surrounding spaces.

These are the columns of the archive's ``volumes`` table, so an export read back into a
new archive gives the same rows (``tests/feeds/test_volumes_csv.py``).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterable
from typing import IO

import numpy as np

from borderflow.errors import BadInputError
from borderflow.feeds.bts import csv_rows, decode_text, sniff_text
from borderflow.feeds.records import Parsed, Rejected, Volume
from borderflow.vocabulary import DIRECTIONS

FORMAT = "volumes-csv"
COLUMNS = ("port_code", "site", "period", "period_start", "measure", "direction", "value", "source")
HEADER = ",".join(COLUMNS)
PERIODS = ("month", "day")
MAX_VALUE = 999_999_999_999

_PORT = re.compile(r"[0-9]{4}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NUMBER = re.compile(r"[0-9]{1,12}(\.[0-9]{1,20})?")


def sniff(head: bytes, name: str = "") -> bool:
    """True when the first line is the volumes CSV header."""
    return sniff_text(head).replace(" ", "") == HEADER


def parse(data: bytes, name: str = "") -> Parsed:
    """Every good row as a Volume; every bad row as a Rejected with its reason."""
    rows = csv_rows(decode_text(data))
    first = next(rows, None)
    header = tuple(c.strip() for c in first[1]) if first else ()
    if header != COLUMNS:
        got = ",".join(header) if header else "an empty file"
        raise BadInputError(f"{name or 'the file'} is not a volumes CSV: expected the header '{HEADER}'; "
                            f"got {got!r:.200}")
    parsed = Parsed(format=FORMAT)
    for line, row in rows:
        if not any(c.strip() for c in row):
            continue
        try:
            parsed.volumes.append(read_row(row))
        except ValueError as exc:
            parsed.rejected.append(Rejected(f"line {line}", str(exc), ",".join(row)))
    return parsed


def _text(value: str, name: str, limit: int, problems: list[str], required: bool) -> str:
    if (required and not value) or len(value) > limit or (value and not value.isprintable()):
        need = "is required and must be" if required else "must be"
        problems.append(f"{name} {need} printable text of at most {limit} characters; got {value[:80]!r}")
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
    if _NUMBER.fullmatch(value_text) and float(value_text) <= MAX_VALUE:
        value = float(value_text)
    else:
        problems.append(f"value must be a count >= 0 written with digits and an optional decimal point "
                        f"(at most {MAX_VALUE:,}); got {value_text[:40]!r}")
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
    row count. Each row is checked to read back unchanged before it is written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    written = 0
    for n, item in enumerate(rows):
        cells = [str(item[c]) if c not in ("value", "period_start") else "" for c in COLUMNS]
        cells[COLUMNS.index("period_start")] = str(item["period_start"])
        cells[COLUMNS.index("value")] = format_value(float(str(item["value"])))
        try:
            read_row(cells)
        except ValueError as exc:
            raise BadInputError(f"volume row {n} cannot be written: {exc}") from exc
        writer.writerow(cells)
        written += 1
    return written
