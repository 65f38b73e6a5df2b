"""Records whose text the archive cannot store are refused before they are written.

SQLite keeps any text in any column; PostgreSQL refuses a NUL (U+0000) in text and a
value longer than its column's declared width (``String(40)``), and neither takes a lone
surrogate (:mod:`borderflow.text_rules`). A parser passes on what a file's fields hold,
so a reading, count or average whose text breaks either rule is refused here, on both
databases alike, and kept in quarantine with the reason, while the rest of its file
lands: one bad field never costs the file, and never depends on the database that ran
the ingest.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any, TypeVar

from sqlalchemy import Table

from borderflow.feeds.records import CrossingSeen, Parsed, Rejected
from borderflow.store.schema import crossings, historical_averages, observations, volumes
from borderflow.text_rules import unstorable_character

_FIX = "fix it in the source file (or ask its publisher to)"
T = TypeVar("T")


def _columns(table: Table, names: Sequence[str]) -> tuple[tuple[str, int | None], ...]:
    """(field, the width of the column of that name: None for unbounded text)."""
    return tuple((n, getattr(table.c[n].type, "length", None)) for n in names)


#: The text fields of each kind of record, named as the columns they are stored in.
_OBSERVATION = _columns(observations, ("crossing_id", "mode", "program", "direction", "status", "source",
                                       "reported_time"))
_VOLUME = _columns(volumes, ("port_code", "site", "period", "measure", "direction", "source"))
#: (Their natural key, these fields and its numbers joined, then fits its 160 characters.)
_AVERAGE = _columns(historical_averages, ("crossing_id", "mode", "program", "kind", "source"))
#: A crossing's description, stored when a source first shows the crossing.
_DESCRIPTION = _columns(crossings, ("port_name", "crossing_name", "hours", "timezone"))
_CROSSING_ID = _columns(crossings, ("crossing_id",))


class _Checker:
    """Finds the text fields a record cannot be stored with; each value is checked once."""

    def __init__(self) -> None:
        self._good: set[tuple[str, int | None]] = set()

    def problems(self, record: Any, columns: Sequence[tuple[str, int | None]]) -> list[str]:
        found = []
        for name, width in columns:
            value = getattr(record, name)
            if not isinstance(value, str) or (value, width) in self._good:
                continue
            problem = text_problem(name, value, width)
            if problem is None:
                self._good.add((value, width))
            else:
                found.append(problem)
        return found


def text_problem(name: str, value: str, width: int | None) -> str | None:
    """Why field ``name`` cannot be stored as ``value`` in a column ``width`` characters
    wide (None: unbounded), or None when it can."""
    bad = unstorable_character(value)
    if bad is not None:
        return f"{name} holds {bad}, which the archive cannot store"
    if width is not None and len(value) > width:
        return f"{name} is {len(value)} characters long; the archive keeps at most {width}"
    return None


def _raw(record: Any, columns: Sequence[tuple[str, int | None]]) -> str:
    return ",".join("" if getattr(record, n) is None else str(getattr(record, n)) for n, _ in columns)


def _reason(problems: list[str]) -> str:
    return "; ".join(problems) + f"; {_FIX}"


def _all_storable(records: Sequence[Any], columns: Sequence[tuple[str, int | None]]) -> bool:
    """True when no record's text breaks a rule: each column's values looked at together
    (joined, one search; their longest against the width), in C loops — the common case,
    a feed snapshot of a few hundred readings, costs a few microseconds a column."""
    if not records:
        return True
    names = [name for name, _ in columns]
    rows = list(map(attrgetter(*names), records)) if len(names) > 1 else [(v,) for v in
                                                                          map(attrgetter(names[0]), records)]
    for (_, width), values in zip(columns, zip(*rows, strict=True), strict=True):
        texts = list(filter(None, values))  # text, or None (unknown)
        try:
            joined = "".join(texts)
        except TypeError:  # a value that is no text: the record-by-record check says what it is
            return False
        if unstorable_character(joined) is not None:
            return False
        if width is not None and max(map(len, texts), default=0) > width:
            return False
    return True


def refuse_unstorable(parsed: Parsed) -> Parsed:
    """``parsed`` with every record holding text the archive cannot store moved to its
    refused records (its place and raw text shown with the character escaped).

    A crossing's description with such text is dropped (the crossing and its readings
    still land, as for a crossing its source does not describe) and quarantined.
    """
    if parsed.storable or (
            _all_storable(parsed.observations, _OBSERVATION) and _all_storable(parsed.volumes, _VOLUME)
            and _all_storable(parsed.averages, _AVERAGE)
            and _all_storable(parsed.crossings, _CROSSING_ID + _DESCRIPTION)):
        parsed.storable = True
        return parsed
    check = _Checker()
    refused: list[Rejected] = []

    def kept(records: Sequence[T], columns: Sequence[tuple[str, int | None]],
             place: Callable[[T], str], raw: Callable[[T], str]) -> list[T]:
        """``records`` whose text can be stored; the others refused with their place and text."""
        out = []
        for record in records:
            problems = check.problems(record, columns)
            if problems:
                refused.append(Rejected(place(record), _reason(problems), raw(record)))
            else:
                out.append(record)
        return out

    kept_observations = kept(
        parsed.observations, _OBSERVATION,
        lambda o: f"reading {o.crossing_id} {o.mode}/{o.program} {o.direction} at {o.observed_at.isoformat()}",
        lambda o: (f"{o.crossing_id},{o.mode},{o.program},{o.observed_at.isoformat()},{o.wait_minutes},"
                   f"{o.lanes_open},{o.status or ''},{o.source},{o.direction},{o.reported_time or ''}"))
    kept_volumes = kept(
        parsed.volumes, _VOLUME,
        lambda v: f"count {v.port_code} {v.site} {v.period} {v.period_start.isoformat()} {v.measure} {v.direction}",
        lambda v: f"{_raw(v, _VOLUME)},{v.period_start.isoformat()},{v.value}")
    kept_averages = kept(
        parsed.averages, _AVERAGE,
        lambda a: f"average {a.crossing_id} {a.mode}/{a.program} {a.kind} hour {a.hour}",
        lambda a: f"{_raw(a, _AVERAGE)},{a.hour},{a.wait_minutes}")
    kept_crossings: list[CrossingSeen] = []
    for c in parsed.crossings:
        problems = check.problems(c, _CROSSING_ID)
        if problems:
            refused.append(Rejected(f"crossing {c.crossing_id}", _reason(problems), _raw(c, _CROSSING_ID + _DESCRIPTION)))
            continue
        problems = check.problems(c, _DESCRIPTION)
        if problems:
            refused.append(Rejected(f"crossing {c.crossing_id} description",
                                    _reason(problems) + "; its readings are kept, its description is not",
                                    _raw(c, _CROSSING_ID + _DESCRIPTION)))
            c = dataclasses.replace(c, port_name="", crossing_name="", hours="", timezone="")
        kept_crossings.append(c)
    if not refused:
        parsed.storable = True
        return parsed
    return dataclasses.replace(parsed, observations=kept_observations, volumes=kept_volumes, averages=kept_averages,
                               crossings=kept_crossings, rejected=[*parsed.rejected, *refused], storable=True)

