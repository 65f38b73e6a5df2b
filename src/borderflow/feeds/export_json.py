"""The JSON exports read back: ``borderflow export observations --format json`` and
``export volumes --format json``, so an archive's JSON export ingests into another one.

Shapes (recognised by their first object's first key):

* ``observations-json`` — a list of objects with the observations CSV's columns
  (``crossing_id, mode, program, observed_at, wait_minutes, lanes_open, status, source``
  and optionally ``direction``), as the export writes them and ``POST /api/v1/observations``
  takes them; ``{"observations": [...]}`` too;
* ``volumes-json`` — a list of objects with the volumes CSV's columns
  (``port_code, site, period, period_start, measure, direction, value, source``).

Each object is written as a row of its CSV and read by that CSV's own row rules
(:func:`borderflow.feeds.observations_csv.read_row`, :func:`borderflow.feeds.volumes_csv.read_row`),
so a bad object is refused (place "object N", counted from 1) with the same reason as the
same bad row, and the good ones land. A value must be a string, a number or null (a number
is read as written: ``12345678901.99999999`` is not rounded before the rules see it); a key
the shape does not have refuses its object. JSON that is not a list of objects refuses the file.
An empty list in a file (what both exports write for an empty archive) is read as
``observations-json`` with nothing in it: it ingests as 0 records, as the empty CSV export
does; fetched from an address it is a feed that answered nothing, and is refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable
from decimal import Decimal
from typing import Any

from borderflow.errors import BadInputError
from borderflow.feeds import observations_csv, volumes_csv
from borderflow.feeds.bts import decode_text
from borderflow.feeds.partial import broken_off, json_list_prefix
from borderflow.feeds.records import Parsed, Rejected, Volume
from borderflow.feeds.same_key import SameKey

FORMAT_OBSERVATIONS = "observations-json"
FORMAT_VOLUMES = "volumes-json"
_OBSERVATION_KEYS = (*observations_csv.COLUMNS, "direction")

_EMPTY = re.compile(rb'\A\s*(?:\{\s*"observations"\s*:\s*\[\s*\]\s*\}|\[\s*\])\s*\Z')
_FIRST_KEY = re.compile(rb'\A\s*(?:\{\s*"observations"\s*:\s*)?\[\s*\{\s*"([a-z_]+)"\s*:')


def _first_key(head: bytes) -> str | None:
    found = _FIRST_KEY.match(head.lstrip(b"\xef\xbb\xbf"))
    return found.group(1).decode("ascii") if found else None


def _empty_list(head: bytes) -> bool:
    """Whether ``head`` is an empty JSON list, spaces and line breaks aside (what either
    export writes for an empty archive; ``{"observations": []}`` too)."""
    return _EMPTY.match(head.lstrip(b"\xef\xbb\xbf")) is not None


def sniff_observations(head: bytes, name: str = "") -> bool:
    """A JSON list whose first object starts with ``crossing_id`` (the export's order), or
    an empty JSON list in a file: an empty export, read as no readings (as the empty CSV
    export is), whichever of the two exports wrote it. Fetched from an address (a name with
    ``://``, as ``poll`` and ``ingest URL`` name payloads) an empty list is a feed that
    answered nothing, and is refused as such (:func:`~borderflow.feeds.detect.detect_format`)."""
    return ((_first_key(head) == "crossing_id" and b'"observed_at"' in head)
            or (_empty_list(head) and "://" not in name))


def sniff_volumes(head: bytes, name: str = "") -> bool:
    """A JSON list whose first object starts with ``port_code`` and has ``period_start``."""
    return _first_key(head) == "port_code" and b'"period_start"' in head


def _objects(data: bytes, name: str, what: str, parsed: Parsed) -> list[Any]:
    """The file's objects; for a list that breaks off, the complete ones, the rest kept
    aside in ``parsed.rejected``."""
    where = name or "input"
    try:
        text = decode_text(data, parsed.notes)
    except BadInputError:
        if not (data[:2] in (b"\xff\xfe", b"\xfe\xff") and len(data) % 2):
            raise
        # UTF-16 cut inside a character: a list cut there keeps its whole objects (below);
        # anything else is refused as the whole file would be
        text = decode_text(data[:-1], parsed.notes)
    try:
        document = json.loads(text, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        prefix = json_list_prefix(text, parse_float=Decimal)
        if prefix is not None and prefix[1].complete:
            items, broke = prefix
            parsed.rejected.append(broken_off(f"object {broke.complete + 1} onward", broke, "objects"))
            return items
        raise BadInputError(f"{where}: not readable JSON ({exc}); supply the file {what} wrote, unchanged") from None
    if isinstance(document, dict) and set(document) == {"observations"}:
        document = document["observations"]
    if not isinstance(document, list):
        raise BadInputError(f"{where}: top level is a JSON {type(document).__name__}, expected a list of objects "
                            f"as {what} writes")
    return document


def _cells(item: Any, keys: tuple[str, ...], required: int) -> list[str]:
    """An object's values as CSV cells in ``keys`` order; ValueError naming what is wrong."""
    if not isinstance(item, dict):
        raise ValueError(  # noqa: TRY004  (a refused record, reported as the rows' rules are)
            f"expected an object with the keys {', '.join(keys)}; got a JSON {type(item).__name__}")
    problems = []
    unknown = [k for k in item if k not in keys]
    if unknown:
        problems.append(f"unknown key(s) {', '.join(repr(str(k))[:60] for k in unknown[:5])}; "
                        f"the keys are {', '.join(keys)}")
    cells = []
    width = len(keys) if keys[-1] in item else required  # the last key may be optional
    for key in keys[:width]:
        value = item.get(key)
        if value is None:
            cells.append("")
        elif isinstance(value, str):
            cells.append(value)
        elif isinstance(value, Decimal):
            cells.append(format(value, "f"))
        elif isinstance(value, int) and not isinstance(value, bool):
            cells.append(str(value))
        else:
            problems.append(f"{key} must be a string, a number or null; got {json.dumps(value)[:40]}")
            cells.append("")
    if problems:
        raise ValueError("; ".join(problems))
    return cells


def _raw(item: Any) -> str:
    return json.dumps(item, default=str, ensure_ascii=False)[:4000]


def parse_observations(data: bytes, name: str = "") -> Parsed:
    """Every good object as an Observation; every bad one as a Rejected with its reason."""
    parsed = Parsed(format=FORMAT_OBSERVATIONS)
    for n, item in enumerate(_objects(data, name, "'borderflow export observations --format json'", parsed), 1):
        try:
            cells = _cells(item, _OBSERVATION_KEYS, len(observations_csv.COLUMNS))
            parsed.observations.append(observations_csv.read_row(cells, len(cells)))
        except ValueError as exc:
            parsed.rejected.append(Rejected(f"object {n}", str(exc), _raw(item)))
    return parsed


def parse_volumes(data: bytes, name: str = "") -> Parsed:
    """Every good object as a Volume; every bad one as a Rejected; objects with one key
    and different values are all refused, as rows of the volumes CSV are."""
    parsed = Parsed(format=FORMAT_VOLUMES)
    same_key: SameKey[Volume] = SameKey()
    for n, item in enumerate(_objects(data, name, "'borderflow export volumes --format json'", parsed), 1):
        try:
            volume = volumes_csv.read_row(_cells(item, volumes_csv.COLUMNS, len(volumes_csv.COLUMNS)))
        except ValueError as exc:
            parsed.rejected.append(Rejected(f"object {n}", str(exc), _raw(item)))
            continue
        key: Hashable = (volume.port_code, volume.site, volume.period, volume.period_start, volume.measure,
                         volume.direction, volume.source)
        same_key.add(key, (volume.value,), volume, f"object {n}", volumes_csv.format_value(volume.value), _raw(item))
    parsed.volumes = same_key.settle(parsed, volumes_csv.key_text, "object(s)")
    return parsed
