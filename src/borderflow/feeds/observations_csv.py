"""The observations CSV: BorderFlow's interchange for readings from any source.

Header, exactly::

    crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source[,direction]

Field rules (every row is checked; a bad row becomes a :class:`Rejected` with place
"line N" and a reason naming the value and the fix, and the good rows still land):

* ``crossing_id`` — CBP's 6-digit port_number ("250401");
* ``mode`` / ``program`` / ``status`` / ``direction`` — the words of
  :mod:`borderflow.vocabulary`; ``status`` empty = unknown; ``direction`` empty or the
  column absent = "northbound";
* ``observed_at`` — ISO 8601 with an offset or Z ("2024-05-01T08:00:00-07:00"); stored
  in UTC. A time without an offset is rejected: guessing a zone would shift readings;
* ``wait_minutes`` / ``lanes_open`` — whole numbers >= 0 (at most 9 digits); empty =
  unknown (None);
* ``source`` — required; printable text of at most 40 characters, without leading or
  trailing spaces (a source with them is refused, as in the volumes CSV: it would be
  another source than the same name without them, and the writer refuses it too); it may not contain ``|``, which joins
  the fields of a record's key kept as text.

Every other field may have spaces around it, which are dropped. Empty columns after the
last named one (a spreadsheet's) are ignored, in the header and in every row; a value
under one refuses its row.

Rows are not de-duplicated here (the store keeps one reading per key).

:func:`write_observations_csv` writes the same shape (always with ``direction``,
``observed_at`` in UTC with "Z", None as empty) and checks that every row it writes reads
back to the same Observation, so ``parse(write(x)) == x`` for every x it accepts with
``observed_at`` in UTC, as Observation requires (another zone comes back as the same
instant in UTC). ``reported_time`` is not part of the interchange and reads back as None.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from typing import IO

from borderflow.errors import BadInputError
from borderflow.feeds.bts import (
    beyond_header,
    csv_rows,
    decode_text,
    header_mismatch,
    named_columns,
    sniff_text,
)
from borderflow.feeds.records import Parsed, Rejected
from borderflow.vocabulary import DIRECTIONS, MODES, PROGRAMS, STATUSES, Observation

FORMAT = "observations-csv"
COLUMNS = ("crossing_id", "mode", "program", "observed_at", "wait_minutes", "lanes_open",
           "status", "source")
HEADER = ",".join(COLUMNS)
HEADER_WITH_DIRECTION = HEADER + ",direction"

_CROSSING = re.compile(r"[0-9]{6}")
_COUNT = re.compile(r"[0-9]{1,9}")
_NAIVE = "observed_at needs an offset or Z, e.g. 2024-05-01T08:00:00-07:00"


def sniff(head: bytes, name: str = "") -> bool:
    """True when the first line is the observations CSV header (empty trailing columns
    allowed)."""
    first = sniff_text(head).replace(" ", "").rstrip(",")
    return first in (HEADER, HEADER_WITH_DIRECTION)


def parse(data: bytes, name: str = "") -> Parsed:
    """Every good row as an Observation; every bad row as a Rejected with its reason."""
    parsed = Parsed(format=FORMAT)
    rows = csv_rows(decode_text(data, parsed.notes))
    first = next(rows, None)
    header = tuple(named_columns(first[1] if first else []))
    if header not in (COLUMNS, COLUMNS + ("direction",)):
        raise BadInputError(header_mismatch(
            name, "an observations CSV", f"'{HEADER}' (optionally followed by ',direction')", list(header)))
    for line, row in rows:
        if not any(c.strip() for c in row):
            continue
        try:
            parsed.observations.append(read_row(beyond_header(row, len(header)), len(header)))
        except ValueError as exc:
            parsed.rejected.append(Rejected(f"line {line}", str(exc), ",".join(row)))
    return parsed


def read_row(row: list[str], width: int = len(COLUMNS) + 1) -> Observation:
    """One CSV row as an Observation; ValueError naming every bad field otherwise."""
    if len(row) != width:
        raise ValueError(f"expected {width} fields as in the header, got {len(row)}")
    cells = [c.strip() for c in row]
    problems: list[str] = []

    def word(index: int, allowed: tuple[str, ...], default: str | None) -> str | None:
        text = cells[index] if index < len(cells) else ""
        if not text:
            if default is None and COLUMNS[index] in ("mode", "program"):
                problems.append(f"{COLUMNS[index]} is required, one of {', '.join(allowed)}")
            return default
        if text not in allowed:
            name = COLUMNS[index] if index < len(COLUMNS) else "direction"
            problems.append(f"{name} must be one of {', '.join(allowed)}; got {text!r}")
        return text

    def count(index: int) -> int | None:
        text = cells[index]
        if not text:
            return None
        if _COUNT.fullmatch(text):
            return int(text)
        problems.append(f"{COLUMNS[index]} must be a whole number >= 0 (at most 9 digits) or "
                        f"empty for unknown; got {text!r}")
        return None

    crossing_id = cells[0]
    if not _CROSSING.fullmatch(crossing_id):
        problems.append(f"crossing_id must be CBP's 6-digit port number like 250401; "
                        f"got {crossing_id!r}")
    mode = word(1, MODES, None)
    program = word(2, PROGRAMS, None)
    observed_at = _instant(cells[3], problems)
    wait_minutes, lanes_open = count(4), count(5)
    status = word(6, STATUSES, None)
    source = cells[7]
    if row[7] != source:
        problems.append(f"source may not have surrounding spaces; got {row[7][:60]!r}")
    if not source or not source.isprintable() or len(source) > 40:
        problems.append(f"source is required and must be printable text of at most 40 characters; got {row[7][:60]!r}")
    elif "|" in source:
        problems.append(f"source may not contain '|' (it separates the fields of a record's key, so two records "
                        f"could read as one); got {row[7][:60]!r}")
    direction = word(8, DIRECTIONS, "northbound") if width > len(COLUMNS) else "northbound"
    if problems or observed_at is None:
        raise ValueError("; ".join(problems))
    return Observation(
        crossing_id=crossing_id, mode=str(mode), program=str(program), observed_at=observed_at,
        wait_minutes=wait_minutes, lanes_open=lanes_open, status=status, source=source,
        direction=str(direction))


def _instant(text: str, problems: list[str]) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        problems.append(f"observed_at must be ISO 8601 with an offset or Z, e.g. "
                        f"2024-05-01T08:00:00-07:00; got {text!r}")
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        problems.append(f"{_NAIVE}; got {text!r}")
        return None
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        problems.append(f"observed_at is out of range in UTC; got {text!r}")
        return None


def format_instant(value: dt.datetime) -> str:
    """An aware datetime as ISO 8601 UTC with "Z" ("2024-05-01T15:00:00Z")."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise BadInputError(f"observed_at must be timezone-aware; got naive {value.isoformat()}")
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat() + "Z"


def write_observations_csv(observations: Iterable[Observation], out: IO[str]) -> int:
    """Write the observations CSV (with ``direction``) to ``out``; return the row count.

    Order is the caller's. Raises BadInputError, before writing that row, for an
    observation that would not read back unchanged (a naive time, a word outside the
    vocabulary, a negative count, a source with surrounding spaces, ...).
    """
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS + ("direction",))
    written = 0
    for n, obs in enumerate(observations):
        try:
            row = [obs.crossing_id, obs.mode, obs.program, format_instant(obs.observed_at),
                   _count_text(obs.wait_minutes), _count_text(obs.lanes_open),
                   obs.status or "", obs.source, obs.direction]
            back = read_row(row)
        except (ValueError, BadInputError) as exc:
            raise BadInputError(f"observation {n} cannot be written: {exc}") from exc
        # compare the instant in UTC: an aware time in a DST fold or gap never compares
        # equal to another zone's, even when it is the same instant
        if back != dataclasses.replace(obs, reported_time=None,
                                       observed_at=obs.observed_at.astimezone(dt.UTC)):
            raise BadInputError(
                f"observation {n} would not read back unchanged (surrounding spaces, a "
                f"non-int count or an empty status written as ''?): {obs!r:.300}")
        writer.writerow(row)
        written += 1
    return written


def _count_text(value: int | None) -> str:
    return "" if value is None else str(value) if type(value) is int else repr(value)
