"""CBP's live Border Wait Times feed: ``/api/bwtnew`` JSON and ``bwt.xml``, every era.

Bytes in, :class:`~borderflow.feeds.records.Parsed` out. Each port block gives one
:class:`CrossingSeen` and up to seven lanes, mapped to (mode, program) as
commercial standard/FAST, passenger standard/NEXUS_SENTRI/ready, pedestrian
standard/ready (``LANES``). JSON comes as a top-level array of port objects, or one
port object (``/api/bwtpublicmod`` one-port answers); XML as ``border_wait_time/port*``.

What becomes an Observation (source ``cbp-feed``, northbound):

- a lane with an ``update_time``, whatever its status; ``observed_at`` is that time
  resolved by :mod:`borderflow.feeds.cbp_time` on the port's ``date`` (the time rule
  is documented there) and ``reported_time`` keeps the text;
- a lane "Lanes Closed" or "Update Pending" with no update time, observed at the
  port's feed time, ``wait_minutes`` None, ``reported_time`` None;
- not a lane "N/A" (or blank) with no update time: that lane does not exist there.
  A wait with no update time cannot be dated and is rejected.

Feed time: XML says ``last_updated_date``/``last_updated_time`` on CBP's clock
(America/New_York); that is ``generated_at`` and every port's feed time. JSON stamps
each port with ``date``/``time`` in local time. Each is read in the crossing's zone and
``generated_at`` is the most common resulting instant (ties: the earliest). CBP writes
the one stamp in whatever zone its label implies (Nogales, Arizona says 11:25 MDT when
Arizona is at 10:25), so a port instant exactly 1-3 whole hours from ``generated_at``
is taken to be ``generated_at``.

Value rules: ``delay_minutes`` "25", "10 min", "1 hr", "1 hrs 30 min" -> minutes
(int); ``lanes_open`` and ``maximum_lanes`` whole numbers, "N/A"/"" -> None (an
unreadable maximum is None and noted in ``rejected``); ``operational_status`` words ->
Status values (``STATUS_WORDS``), "" -> None, any other word rejects the lane.

CrossingSeen.snapshot keeps, as written: every port-level string (``port_number``
"l24501" included, ``date``, ``time``, ``construction_notice``, CBP's extra keys), every
mode-level string as "<block>.<key>" ("passenger_vehicle_lanes.maximum_lanes"), the
mode's automation type as "<block>.automation_type" whichever key CBP used, for
XML the feed's ``last_updated_date``/``last_updated_time``, and under ``absent_lanes``
(:data:`~borderflow.feeds.records.ABSENT_LANES`) the lanes the port showed without a
reading ("N/A", blank or no lane block), so the archive knows when a lane stopped reporting.

XML is read by :func:`read_xml` (expat; DOCTYPE and ENTITY declarations are refused,
so no entity expansion; nesting is capped), shared with the RSS parser.
``port_number`` is 6 digits: known typos are mapped (``l24501`` -> ``240501``, CBP's
lowercase L for Fort Hancock), 1-5 digits are zero-padded (a number that lost its
leading zeros), anything else rejects the block. A lane or port that cannot be read
goes to ``Parsed.rejected`` and the rest of the file still parses. A file that breaks
off (cut, or damaged from some point on) keeps its whole ports before the break, and the
rest is one rejection (:mod:`borderflow.feeds.partial`). A file that is not JSON/XML of
this shape, or breaks off before its first whole port, raises BadInputError.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from functools import lru_cache
from typing import Any
from xml.parsers import expat
from zoneinfo import ZoneInfo

from borderflow.errors import BadInputError
from borderflow.feeds import cbp_time
from borderflow.feeds.partial import TAIL_CHARS, BreakOff, broken_off, json_list_prefix
from borderflow.feeds.records import ABSENT_LANES, CrossingSeen, Parsed, Rejected
from borderflow.vocabulary import MAX_READING_VALUE, Observation, Status

FORMAT_JSON = "cbp-json"
FORMAT_XML = "cbp-xml"
SOURCE = "cbp-feed"

#: CBP mode block -> mode.
MODE_BLOCKS: dict[str, str] = {
    "commercial_vehicle_lanes": "commercial",
    "passenger_vehicle_lanes": "passenger",
    "pedestrian_lanes": "pedestrian",
}
#: (mode block, lane block) -> (mode, program), in CBP's feed order.
LANES: dict[tuple[str, str], tuple[str, str]] = {
    ("commercial_vehicle_lanes", "standard_lanes"): ("commercial", "standard"),
    ("commercial_vehicle_lanes", "FAST_lanes"): ("commercial", "fast"),
    ("passenger_vehicle_lanes", "standard_lanes"): ("passenger", "standard"),
    ("passenger_vehicle_lanes", "NEXUS_SENTRI_lanes"): ("passenger", "sentri"),
    ("passenger_vehicle_lanes", "ready_lanes"): ("passenger", "ready"),
    ("pedestrian_lanes", "standard_lanes"): ("pedestrian", "standard"),
    ("pedestrian_lanes", "ready_lanes"): ("pedestrian", "ready"),
}
#: Where a mode's automation type may sit: inside the block, or at port level (2022+,
#: with CBP's own "pedestrain" typo). Stored in the snapshot as "<block>.automation_type".
AUTOMATION_KEYS: dict[str, tuple[str, ...]] = {
    "commercial_vehicle_lanes": ("cv_automation_type", "commercial_automation_type"),
    "passenger_vehicle_lanes": ("pv_automation_type", "passenger_automation_type"),
    "pedestrian_lanes": (
        "ped_automation_type",
        "pedestrain_automation_type",
        "pedestrian_automation_type",
    ),
}
#: operational_status as CBP writes it (case-insensitive) -> Status value.
STATUS_WORDS: dict[str, str] = {
    "delay": Status.delay.value,
    "no delay": Status.no_delay.value,
    "n/a": Status.not_applicable.value,
    "lanes closed": Status.closed.value,
    "update pending": Status.update_pending.value,
}
#: Statuses that are a reading even without an update time (dated at the feed time).
UNTIMED_STATUSES = frozenset({Status.closed.value, Status.update_pending.value})
#: Port numbers CBP has mistyped -> the crossing meant (source: data README).
CROSSING_TYPOS: dict[str, str] = {"l24501": "240501"}
#: Deepest element nesting accepted in XML (a feed needs 4).
MAX_XML_DEPTH = 32

_DELAY = re.compile(r"^(?:(\d+)\s*hrs?\b)?\s*(?:(\d+)\s*(?:mins?|minutes?)?)?$", re.IGNORECASE)
_NOT_APPLICABLE = "N/A"
#: Value types kept as text in a snapshot (bool is excluded: exact type checks).
_SCALARS = frozenset({str, int, float})


class _Block(dict):  # type: ignore[type-arg]
    """A port/mode/lane block as a dict, with the source text kept for rejections."""

    source_text: str = ""


def sniff_json(head: bytes, name: str) -> bool:
    """Whether the first bytes look like a CBP wait-times JSON answer."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return start in {b"[", b"{"} and b'"port_number"' in head and b'"port_status"' in head


def sniff_xml(head: bytes, name: str) -> bool:
    """Whether the first bytes look like CBP's ``bwt.xml``."""
    return b"<border_wait_time" in head


def parse_json(data: bytes, name: str = "") -> Parsed:
    """Parse a ``/api/bwtnew``-shaped JSON answer (array of ports, or one port object)."""
    where = name or "input"
    broke = None
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        prefix = json_list_prefix(data)
        if prefix is not None and prefix[1].complete:
            # a feed that breaks off (a dropped connection): its whole ports land
            document, broke = prefix
        elif isinstance(error, json.JSONDecodeError):
            raise BadInputError(
                f"{where}: not valid JSON at line {error.lineno} column {error.colno} "
                f"({error.msg}); fix: supply CBP's /api/bwtnew answer unchanged"
            ) from None
        else:
            raise BadInputError(
                f"{where}: not readable JSON ({type(error).__name__}); "
                "fix: supply CBP's /api/bwtnew answer as UTF-8 JSON"
            ) from None
    if isinstance(document, dict) and "port_number" in document:
        document = [document]
    if not isinstance(document, list):
        raise BadInputError(
            f"{where}: top level is a JSON {type(document).__name__}, expected an array of "
            "port objects; fix: supply CBP's /api/bwtnew answer"
        )
    blocks: list[tuple[str, Any]] = [(f"port[{i}]", item) for i, item in enumerate(document)]
    parsed = _parse_ports(FORMAT_JSON, blocks, None, {})
    if broke is not None:
        parsed.rejected.append(broken_off(f"port[{broke.complete}] onward", broke, "ports"))
    return parsed


def parse_xml(data: bytes, name: str = "") -> Parsed:
    """Parse CBP's ``bwt.xml`` (any encoding it declares, e.g. ISO-8859-1)."""
    where = name or "input"
    root, ports, broke = read_xml_prefix(data, where, "CBP's bwt.xml", ("port", 2))
    if root.tag != "border_wait_time":
        raise BadInputError(
            f"{where}: root element is <{root.tag}>, expected <border_wait_time>; "
            "fix: supply CBP's bwt.xml"
        )
    header = {key: root.findtext(key) or "" for key in ("last_updated_date", "last_updated_time")}
    rejected: list[Rejected] = []
    feed_time = None
    if all(header.values()):
        try:
            day = cbp_time.parse_feed_date(header["last_updated_date"])
            clock = cbp_time.parse_feed_clock(header["last_updated_time"])
            feed_time = cbp_time.to_utc(day, clock, ZoneInfo(cbp_time.CBP_CLOCK_ZONE))
        except BadInputError as error:
            rejected.append(Rejected("last_updated_date/time", str(error), repr(header)))
    extra = {key: value for key, value in header.items() if value}
    if broke is None:
        ports = root.findall("port")
    else:
        rejected.append(broken_off(f"port {broke.complete + 1} onward", broke, "ports"))
    blocks = [(f"port {i + 1}", _xml_block(p)) for i, p in enumerate(ports)]
    parsed = _parse_ports(FORMAT_XML, blocks, feed_time, extra)
    parsed.rejected[:0] = rejected
    return parsed


def read_xml(data: bytes, where: str, what: str) -> ET.Element:
    """Parse XML bytes with expat, refusing DOCTYPE/ENTITY (no entity expansion).

    Raises BadInputError naming ``where`` (the file), the line and column, and ``what``
    the file should have been.
    """
    root, _, _ = read_xml_prefix(data, where, what, None)
    return root


def read_xml_prefix(data: bytes, where: str, what: str, keep: tuple[str, int] | None
                    ) -> tuple[ET.Element, list[ET.Element], BreakOff | None]:
    """:func:`read_xml`, and for a file that breaks off (not well-formed from some point on)
    what came before: ``keep`` is the repeating element and its depth (``("port", 2)``:
    ``border_wait_time/port``). Returns the root, the complete ``keep`` elements, and
    where it broke (None for a whole file). A file that breaks off before the first
    complete ``keep`` element, or has a refused construct, raises BadInputError.
    """
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()
    depth = 0
    root: ET.Element | None = None
    complete: list[ET.Element] = []
    open_at = 0  # byte offset where the current ``keep`` element starts

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal depth, root, open_at
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise _Refused(f"elements nested deeper than {MAX_XML_DEPTH}")
        element = builder.start(tag, attributes)
        if root is None:
            root = element
        if keep is not None and depth == keep[1] and tag == keep[0]:
            open_at = parser.CurrentByteIndex

    def end(tag: str) -> None:
        nonlocal depth, open_at
        element = builder.end(tag)
        if keep is not None and depth == keep[1] and tag == keep[0]:
            complete.append(element)
            open_at = -1
        depth -= 1

    def refuse_doctype(*_: object) -> None:
        raise _Refused("a DOCTYPE/ENTITY declaration (refused: entity expansion)")

    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        problem = (f"not well-formed XML at line {error.lineno} column {error.offset + 1} "
                   f"({expat.ErrorString(error.code)})")
        if root is None or not complete:
            raise BadInputError(f"{where}: {problem}; fix: supply {what} complete and unchanged") from None
        # the complete elements stand; the text from the broken one (or the break) on is kept aside
        cut = open_at if open_at >= 0 else max(0, parser.ErrorByteIndex)
        tail = _decoded_tail(data, data[cut:cut + 4 * TAIL_CHARS])
        return root, complete, BreakOff(len(complete), f"the file breaks off here: {problem}", tail)
    except _Refused as error:
        raise BadInputError(
            f"{where}: XML has {error} at line {parser.CurrentLineNumber} column "
            f"{parser.CurrentColumnNumber + 1}; fix: supply {what} without it"
        ) from None
    except (ValueError, LookupError) as error:
        raise BadInputError(
            f"{where}: XML cannot be decoded ({error}); fix: supply {what} in the "
            "encoding it declares"
        ) from None
    return builder.close(), complete, None


_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")


def _decoded_tail(data: bytes, tail: bytes) -> str:
    """The kept-aside tail of a broken XML file as text, in the encoding the file declares
    (bwt.xml says ISO-8859-1), else UTF-8; what does not decode is replaced, never raised."""
    declared = _DECLARED.match(data[:200])
    encoding = declared[1].decode("ascii") if declared else "utf-8"
    try:
        return tail.decode(encoding, errors="replace")[:TAIL_CHARS]
    except LookupError:  # an encoding Python does not know: expat refused the file before this
        return tail.decode("utf-8", errors="replace")[:TAIL_CHARS]


@lru_cache(maxsize=8192)
def normalize_crossing_id(raw: str) -> str | None:
    """CBP's port_number as 6 digits, or None when it cannot be one (see module doc)."""
    text = raw.strip()
    text = CROSSING_TYPOS.get(text, text)
    if text.isascii() and text.isdigit() and 1 <= len(text) <= 6:
        return text.zfill(6)
    return None


@lru_cache(maxsize=8192)
def parse_delay_minutes(text: str) -> int | None:
    """Minutes from "25", "10 min", "1 hr", "1 hrs 30 min"; "" -> None."""
    stripped = text.strip()
    if not stripped:
        return None
    match = _DELAY.match(stripped) if stripped.isascii() else None
    if match is None or (match[1] is None and match[2] is None):
        raise BadInputError(f"delay_minutes {text!r} is not like '25', '10 min' or '1 hrs 30 min'")
    minutes = int(match[1] or 0) * 60 + int(match[2] or 0)
    if minutes > MAX_READING_VALUE:
        raise BadInputError(f"delay_minutes {text!r} is more than {MAX_READING_VALUE} minutes; the source is broken")
    return minutes


@lru_cache(maxsize=8192)
def parse_count(text: str, what: str) -> int | None:
    """A whole number of lanes; "", "N/A" -> None."""
    stripped = text.strip()
    if not stripped or stripped.upper() == _NOT_APPLICABLE:
        return None
    if not (stripped.isascii() and stripped.isdigit()):
        raise BadInputError(f"{what} {text!r} is not a whole number or N/A")
    if len(stripped.lstrip("0")) > len(str(MAX_READING_VALUE)):
        raise BadInputError(f"{what} {text!r} is more than {MAX_READING_VALUE}; the source is broken")
    return int(stripped)


@lru_cache(maxsize=8192)
def parse_status(text: str) -> str | None:
    """A Status value from CBP's operational_status words; "" -> None."""
    stripped = " ".join(text.split()).lower()
    if not stripped:
        return None
    if stripped not in STATUS_WORDS:
        raise BadInputError(
            f"operational_status {text!r} is not one of delay, no delay, N/A, "
            "Lanes Closed, Update Pending"
        )
    return STATUS_WORDS[stripped]


class _Refused(Exception):
    """Raised inside expat handlers to stop on a construct we do not accept."""


def _xml_block(element: ET.Element) -> _Block:
    """An element with children as a _Block; first occurrence of a repeated tag wins."""
    block = _Block()
    block.source_text = ET.tostring(element, encoding="unicode")
    for child in element:
        if child.tag in block:
            continue
        block[child.tag] = _xml_block(child) if len(child) else (child.text or "")
    return block


def _text(block: dict[str, Any], key: str) -> str:
    """A block's scalar value as text ("" when absent); a nested value is unreadable."""
    value = block.get(key)
    if value.__class__ is str:
        return value  # type: ignore[no-any-return]
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise BadInputError(f"{key} is a {type(value).__name__}, expected text")


def _raw(block: Any) -> str:
    text = getattr(block, "source_text", "")
    return text or json.dumps(block, ensure_ascii=False, default=str)


def _parse_ports(
    fmt: str, blocks: list[tuple[str, Any]], feed_time: dt.datetime | None, extra: dict[str, str]
) -> Parsed:
    """Everything from the port blocks; ``feed_time`` is known for XML only."""
    parsed = Parsed(format=fmt, generated_at=feed_time)
    if feed_time is None:
        stamps = Counter(s for _, b in blocks if (s := _quiet_stamp(b)) is not None)
        if stamps:
            best = max(stamps.values())
            parsed.generated_at = min(s for s, n in stamps.items() if n == best)
    for place, block in blocks:
        try:
            _read_port(parsed, place, block, extra)
        except BadInputError as error:
            parsed.rejected.append(Rejected(place, str(error), _raw(block)))
    return parsed


def _port_stamp(block: Any) -> dt.datetime | None:
    """A port's own date+time read in its crossing's zone; None when it has no time.

    Raises BadInputError when the time is there but cannot be read or placed.
    """
    if not isinstance(block, dict) or not _text(block, "time").strip():
        return None
    crossing_id = normalize_crossing_id(_text(block, "port_number"))
    zone = cbp_time.crossing_zone(crossing_id, _first_label(block)) if crossing_id else None
    if zone is None:
        raise BadInputError("port time cannot be placed: crossing zone unknown")
    day = cbp_time.parse_feed_date(_text(block, "date"))
    return cbp_time.to_utc(day, cbp_time.parse_feed_clock(_text(block, "time")), zone)


def _quiet_stamp(block: Any) -> dt.datetime | None:
    try:
        return _port_stamp(block)
    except BadInputError:
        return None


def _first_label(block: dict[str, Any]) -> str:
    """The zone label of the port's first readable update time ("" if none)."""
    for mode_key, lane_key in LANES:
        mode_block = block.get(mode_key)
        lane = mode_block.get(lane_key) if isinstance(mode_block, dict) else None
        text = lane.get("update_time") if isinstance(lane, dict) else None
        if isinstance(text, str) and text.strip():  # most lanes are blank: no exception raised for them
            try:
                label = cbp_time.parse_clock(text).label
            except BadInputError:
                continue
            if label:
                return label
    return ""


def _read_port(parsed: Parsed, place: str, block: Any, extra: dict[str, str]) -> None:
    if not isinstance(block, dict):
        raise BadInputError(f"port block is a {type(block).__name__}, expected an object")
    raw_number = _text(block, "port_number")
    crossing_id = normalize_crossing_id(raw_number)
    if crossing_id is None:
        raise BadInputError(f"port_number {raw_number!r} is not a 6-digit CBP crossing number")
    place = f"{place} ({crossing_id})"
    zone = cbp_time.crossing_zone(crossing_id, _first_label(block))
    feed_time = _port_feed_time(parsed, place, block)
    if _text(block, "date").strip():
        day = cbp_time.parse_feed_date(_text(block, "date"))
    elif feed_time is not None and zone is not None:
        day = cbp_time.local_date(feed_time, zone)
    else:
        raise BadInputError("no date for the port and no feed date with a known zone")
    absent: list[str] = []
    broken: set[str] = set()
    for (mode_key, lane_key), (mode, program) in LANES.items():
        mode_block = block.get(mode_key)
        if not (mode_block is None or isinstance(mode_block, dict) or mode_block == ""):
            # present but not a block of lanes: its lanes are unknown, not absent
            if mode_key not in broken:
                broken.add(mode_key)
                parsed.rejected.append(Rejected(
                    f"{place} {mode_key}",
                    f"{mode_key} is a {type(mode_block).__name__}, expected an object holding its lanes",
                    _raw(mode_block)))
            continue
        lane = mode_block.get(lane_key) if isinstance(mode_block, dict) else None
        if lane is None:
            absent.append(f"{mode}/{program}")
            continue
        lane_place = f"{place} {mode_key}.{lane_key}"
        try:
            if not isinstance(lane, dict):
                raise BadInputError(f"lane block is a {type(lane).__name__}, expected an object")
            found = _lane_observation(parsed, crossing_id, mode, program, lane, day, feed_time)
        except BadInputError as error:
            parsed.rejected.append(Rejected(lane_place, str(error), _raw(lane)))
            continue
        if found is not None:
            parsed.observations.append(found)
        else:
            absent.append(f"{mode}/{program}")
    port_extra = {**extra, ABSENT_LANES: " ".join(sorted(absent))}
    parsed.crossings.append(_crossing_seen(parsed, place, block, crossing_id, feed_time, port_extra,
                                           zone.key if zone is not None else ""))


def _port_feed_time(parsed: Parsed, place: str, block: dict[str, Any]) -> dt.datetime | None:
    """The instant a port block describes: its own stamp, else the feed's (module doc)."""
    try:
        stamp = _port_stamp(block)
    except BadInputError as error:
        parsed.rejected.append(Rejected(f"{place} time", str(error), _text(block, "time")))
        stamp = None
    feed = parsed.generated_at
    if stamp is None or feed is None:
        return stamp or feed
    hours, rest = divmod((stamp - feed).total_seconds(), 3600)
    return feed if not rest and 1 <= abs(hours) <= 3 else stamp  # one stamp, another zone


def _lane_observation(
    parsed: Parsed,
    crossing_id: str,
    mode: str,
    program: str,
    lane: dict[str, Any],
    day: dt.date,
    feed_time: dt.datetime | None,
) -> Observation | None:
    """One lane's Observation, None when the lane does not exist (rules in module doc)."""
    status = parse_status(_text(lane, "operational_status"))
    update_text = _text(lane, "update_time")
    wait_minutes = parse_delay_minutes(_text(lane, "delay_minutes"))
    lanes_open = parse_count(_text(lane, "lanes_open"), "lanes_open")
    reported: str | None = None
    dated_by_feed = False
    if update_text.strip():
        reading = cbp_time.parse_clock(update_text)
        zone = cbp_time.crossing_zone(crossing_id, reading.label)
        if zone is None:
            raise BadInputError(
                f"no time zone for crossing {crossing_id} (not in the catalog, label "
                f"{reading.label!r} unknown); fix: add the crossing to the catalog"
            )
        observed_at, slack = cbp_time.place_update_time(reading, day, zone, feed_time)
        if slack is not None and (parsed.day_before_slack is None or slack < parsed.day_before_slack):
            parsed.day_before_slack = slack
        reported = update_text
    elif status in UNTIMED_STATUSES:
        if feed_time is None:
            raise BadInputError(f"status {status} without update time and no feed time to date it")
        observed_at, wait_minutes, dated_by_feed = feed_time, None, True
    elif wait_minutes is None and lanes_open is None:
        return None  # "N/A" or blank: the lane does not exist at this crossing
    else:
        raise BadInputError("a wait or lane count without an update_time cannot be dated")
    return Observation(
        crossing_id=crossing_id,
        mode=mode,
        program=program,
        observed_at=observed_at,
        wait_minutes=wait_minutes,
        lanes_open=lanes_open,
        status=status,
        source=SOURCE,
        reported_time=reported,
        dated_by_feed=dated_by_feed,
    )


def _crossing_seen(
    parsed: Parsed,
    place: str,
    block: dict[str, Any],
    crossing_id: str,
    seen_at: dt.datetime | None,
    extra: dict[str, str],
    timezone: str = "",
) -> CrossingSeen:
    """The port block as a CrossingSeen; snapshot keeps every port-level string."""
    snapshot = dict(extra)
    max_lanes: dict[str, int | None] = {}
    for key, value in block.items():
        if value.__class__ in _SCALARS:
            snapshot[key] = value if value.__class__ is str else str(value)
    for mode_key, mode in MODE_BLOCKS.items():
        mode_block = block.get(mode_key)
        if not isinstance(mode_block, dict):
            continue
        for key, value in mode_block.items():
            if value.__class__ in _SCALARS:
                snapshot[f"{mode_key}.{key}"] = value if value.__class__ is str else str(value)
        for key in AUTOMATION_KEYS[mode_key]:
            value = mode_block.get(key, block.get(key))
            if isinstance(value, str):
                snapshot[f"{mode_key}.automation_type"] = value
                break
        text = snapshot.get(f"{mode_key}.maximum_lanes", "")
        try:
            max_lanes[mode] = parse_count(text, "maximum_lanes")
        except BadInputError as error:
            max_lanes[mode] = None
            parsed.rejected.append(Rejected(f"{place} {mode_key}.maximum_lanes", str(error), text))
    return CrossingSeen(
        crossing_id=crossing_id,
        port_name=snapshot.get("port_name", "").strip(),
        crossing_name=snapshot.get("crossing_name", "").strip(),
        border=snapshot.get("border", "").strip(),
        max_lanes=max_lanes,
        hours=snapshot.get("hours", "").strip(),
        seen_at=seen_at,
        snapshot=snapshot,
        timezone=timezone,
    )
