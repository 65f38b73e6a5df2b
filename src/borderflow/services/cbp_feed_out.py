"""CBP's live feed rebuilt from the archive: ``/api/bwtnew`` JSON and ``bwt.xml``.

The output has CBP's keys, nesting and value formats, so a client of CBP's feed works
unchanged: every value is a string; lanes carry ``update_time``, ``operational_status``,
``delay_minutes``, ``lanes_open``; statuses are CBP's words (``delay``, ``no delay``,
``Lanes Closed``, ``Update Pending``, ``N/A``).

Where each value comes from (state at ``at``; None = now):

- **Port-level strings** (border, names, hours, port_status, construction_notice,
  maximum lanes, automation types, ``port_number`` with CBP's own typos): the newest
  stored ``crossing_states`` snapshot of the live feed, verbatim; a newer RSS snapshot
  overrides what it has (and the live snapshot's own date/time no longer apply); what
  no snapshot says comes from the catalog (names, hours, maximum lanes) or is "".
  Every crossing CBP's feed (or RSS) has shown is listed. A state is stored only when a
  port's fields change, so where a later live capture published by ``at`` carried the port
  (most polls only move the clock), that capture's port block stands for the snapshot: its
  ``date``/``time`` (and XML's ``last_updated_*``) are read back from the stored payload
  (:func:`_captured_states`).
- **Lanes**: the newest CBP reading (sources :data:`CBP_SOURCES`, northbound) dated at
  or before ``at``, plus the readings CBP dated up to 2 h ahead (it stamps some with the
  coming hour) when a feed published by ``at`` carried them (:func:`_published_leads`).
  ``update_time`` is CBP's own text when kept, else written as CBP writes it ("At 3:00
  pm EDT", "At Noon CDT") in the crossing's zone; a lane "Lanes Closed"/"Update
  Pending" with no time has ""; ``delay_minutes`` and ``lanes_open`` are whole numbers
  as text, "" when unknown ("1 hrs 30 min" of 2014 is served as "90"). A reading with
  a wait but no status (CBP's RSS lines "30 min delay") is served as "delay", or "no delay"
  at 0 minutes (as CBP's feed says of every zero-minute lane in the captures). A lane with no
  reading, or whose timed reading is more than :data:`STALE_AFTER` older than its port's
  time T (below), is served as CBP serves an absent lane: ``N/A`` and empty strings. So is a
  lane that the newest port snapshot at or before ``at`` showed without a reading ("N/A",
  its ``absent_lanes``) when its newest reading is older than that snapshot: the lane
  stopped reporting. (Snapshots stored before the archive kept that list say nothing of
  it until ``borderflow reparse`` parses their payloads again.) A closed lane is stored once a day while it stays closed, so an untimed "Lanes
  Closed"/"Update Pending" stands until a newer reading.
- **Port time** T (each crossing is served as it was last seen): the snapshot's time when no served reading of the port is more than
  the reading lead (2 h) newer, and then ``date``/``time`` are the snapshot's own text;
  else the newest served reading's time (never after ``at`` or now), written in the
  crossing's zone as CBP does ("6/29/2022", "13:25:16").
- **Feed time** (XML ``last_updated_date``/``last_updated_time``): the newest port
  time, on CBP's clock (America/New_York), written "2014-3-15" and "15:25:59".

Ports are ordered as CBP orders them: border, port name, crossing name (case-folded).

A reading CBP published again with other values (its RSS revises a wait some minutes
later under the same "At Noon CDT") is served with the values published last by ``at``
(:func:`borderflow.services.queries.revise`); the archive keeps both versions.

A replay shows a reading from the time the feed that first carried it was published
(``payloads.published_at``, the feed's own time), not from the time it is stamped with:
CBP publishes a reading some minutes after its stamp (up to a quarter of an hour in the
Brownsville RSS captures). Payloads stored before publication times were kept count as
published from the reading's stamp until ``borderflow reparse`` reads them again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import xml.etree.ElementTree as ET
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, and_, func, or_, select

from borderflow.errors import BorderFlowError
from borderflow.feeds.cbp_time import CBP_CLOCK_ZONE, READING_LEAD
from borderflow.feeds.detect import parse_bytes
from borderflow.feeds.records import ABSENT_LANES
from borderflow.services.queries import latest_readings, revise
from borderflow.store.payloads import load_payload
from borderflow.store.schema import crossing_states, crossings, observations, payloads

#: Sources whose readings are CBP's own and so belong in CBP's feed.
CBP_SOURCES: tuple[str, ...] = ("cbp-feed", "cbp-rss")
#: A timed lane reading this much older than its port's time is served as N/A.
STALE_AFTER = dt.timedelta(hours=24)
#: Status value -> CBP's operational_status word.
STATUS_WORDS_OUT: dict[str | None, str] = {
    "delay": "delay", "no_delay": "no delay", "closed": "Lanes Closed",
    "update_pending": "Update Pending", "not_applicable": "N/A", None: "",
}
#: The word for a reading with a wait but no status (CBP's RSS writes "30 min delay"):
#: "no delay" for 0 minutes, as every zero-minute lane of the three feed captures says,
#: else "delay".
UNSTATED_WITH_WAIT = "delay"


def _unstated(wait_minutes: int) -> str:
    return "no delay" if wait_minutes == 0 else UNSTATED_WITH_WAIT
_UNTIMED = frozenset({"closed", "update_pending"})
#: Mode block -> (its scalar keys in CBP's JSON order, its lane blocks -> program).
MODE_LAYOUT: dict[str, tuple[str, tuple[str, ...], dict[str, str]]] = {
    "commercial_vehicle_lanes": (
        "commercial",
        ("maximum_lanes", "cv_automation_type", "cv_segment_from", "cv_segment_to", "cv_standard_tolerance",
         "cv_fast_tolerance"),
        {"standard_lanes": "standard", "FAST_lanes": "fast"},
    ),
    "passenger_vehicle_lanes": (
        "passenger",
        ("maximum_lanes", "pv_automation_type", "pv_segment_from", "pv_segment_to", "pv_standard_tolerance",
         "pv_nexus_sentri_tolerance", "pv_ready_tolerance"),
        {"standard_lanes": "standard", "NEXUS_SENTRI_lanes": "sentri", "ready_lanes": "ready"},
    ),
    "pedestrian_lanes": (
        "pedestrian",
        ("maximum_lanes", "ped_automation_type", "ped_segment_from", "ped_segment_to", "ped_standard_tolerance",
         "ped_ready_tolerance"),
        {"standard_lanes": "standard", "ready_lanes": "ready"},
    ),
}
PORT_HEAD = ("port_number", "border", "port_name", "crossing_name", "hours", "date", "time", "port_status")
PORT_TAIL = ("construction_notice", "automation", "automation_enabled")
XML_PORT_HEAD = ("port_number", "border", "port_name", "crossing_name", "hours", "date", "port_status")
LANE_KEYS = ("update_time", "operational_status", "delay_minutes", "lanes_open")
#: Snapshot keys that are not port fields (feed headers, RSS item fields).
_PORT_CLOCK = frozenset({"date", "time"})
_NOT_PORT_FIELDS = frozenset({"last_updated_date", "last_updated_time", "number_of_ports", "title", "pubDate",
                              ABSENT_LANES})
_BORDER_WORDS = {"mexico": "Mexican Border", "canada": "Canadian Border"}
_XML_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class FeedPort:
    """One port block in CBP's JSON shape; ``xml_omit`` names keys the XML feed leaves out."""

    fields: dict[str, Any]
    time: dt.datetime
    xml_omit: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Feed:
    """The feed at ``at``: ports in CBP's order and the feed time (UTC; None when empty)."""

    ports: list[FeedPort] = field(default_factory=list)
    generated_at: dt.datetime | None = None


def format_update_time(instant: dt.datetime, zone: ZoneInfo) -> str:
    """CBP's update-time text for an instant: "At 3:00 pm EDT", "At Noon CDT", "At Midnight PST"."""
    local = instant.astimezone(zone)
    label = local.tzname() or ""
    if (local.hour, local.minute) == (12, 0):
        clock = "Noon"
    elif (local.hour, local.minute) == (0, 0):
        clock = "Midnight"
    else:
        clock = f"{local.hour % 12 or 12}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'}"
    return f"At {clock} {label}".rstrip()


def _port_date(local: dt.datetime) -> str:
    return f"{local.month}/{local.day}/{local.year}"


def _clock(local: dt.datetime) -> str:
    return f"{local.hour}:{local.minute:02d}:{local.second:02d}"


def _latest_states(engine: Engine, at: dt.datetime | None, live_only: bool) -> dict[str, tuple[dt.datetime, dict[str, str]]]:
    """crossing_id -> (seen_at, snapshot) of its newest state at or before ``at``."""
    s = crossing_states.c
    conditions = [s.seen_at <= at] if at is not None else []
    if live_only:  # live-feed snapshots carry port_number; RSS snapshots do not
        conditions.append(s.snapshot.like('%"port_number":%'))
    newest = (select(s.crossing_id, func.max(s.seen_at).label("newest")).where(and_(True, *conditions))
              .group_by(s.crossing_id).subquery())
    query = select(s.crossing_id, s.seen_at, s.snapshot).join(
        newest, and_(s.crossing_id == newest.c.crossing_id, s.seen_at == newest.c.newest))
    with engine.connect() as conn:
        return {r.crossing_id: (r.seen_at, json.loads(r.snapshot)) for r in conn.execute(query)}


#: Payload formats whose every capture carries each port's own clock (the feed's time).
CAPTURE_FORMATS: tuple[str, ...] = ("cbp-json", "cbp-xml")
#: Captures read back, newest first, for ports the newest capture did not carry.
CAPTURES_BACK = 12
#: Captures read back, kept by SHA-256 (a payload never changes): their ports' states.
_CAPTURE_CACHE: OrderedDict[str, dict[str, tuple[dt.datetime, dict[str, str]]]] = OrderedDict()
_CAPTURE_CACHE_SIZE = 64
#: The server builds feeds in several threads at once.
_CAPTURE_LOCK = threading.Lock()


def _capture_ports(conn: Connection, sha256: str, format: str) -> dict[str, tuple[dt.datetime, dict[str, str]]]:
    """crossing_id -> (seen_at, snapshot) as one stored capture showed its ports."""
    with _CAPTURE_LOCK:
        found = _CAPTURE_CACHE.get(sha256)
        if found is not None:
            _CAPTURE_CACHE.move_to_end(sha256)
            return found
    try:
        parsed = parse_bytes(load_payload(conn, sha256), sha256, format)
    except BorderFlowError:  # a capture that cannot be read back says nothing of its ports
        parsed = None
    found = {} if parsed is None else {
        c.crossing_id: (c.seen_at, c.snapshot) for c in parsed.crossings if c.seen_at is not None and c.snapshot}
    with _CAPTURE_LOCK:
        _CAPTURE_CACHE[sha256] = found
        while len(_CAPTURE_CACHE) > _CAPTURE_CACHE_SIZE:
            _CAPTURE_CACHE.popitem(last=False)
    return found


def _captured_states(engine: Engine, latest: dt.datetime,
                     states: dict[str, tuple[dt.datetime, dict[str, str]]]) -> dict[str, tuple[dt.datetime, dict[str, str]]]:
    """crossing_id -> (seen_at, snapshot) of each port as the newest live capture published by
    ``latest`` that carried it showed it, where that is newer than its stored state.

    A state is stored only when a port's fields change, not at every poll: a capture that
    only moves the clock (most of them) stores its payload alone. The port's clock of that
    capture (``date``/``time``, ``last_updated_*``) is read back from the payload itself.
    Ports the newest capture did not carry are looked for in the :data:`CAPTURES_BACK`
    captures before it."""
    p = payloads.c
    found: dict[str, tuple[dt.datetime, dict[str, str]]] = {}
    with engine.connect() as conn:
        captures = conn.execute(
            select(p.sha256, p.format, p.published_at)
            .where(p.format.in_(CAPTURE_FORMATS), p.published_at.is_not(None), p.published_at <= latest)
            .order_by(p.published_at.desc(), p.sha256).limit(CAPTURES_BACK)).all()
        for sha256, format, published_at in captures:
            if found and all(c in found or seen >= published_at for c, (seen, _) in states.items()):
                break  # every port is as new as this capture already
            for crossing_id, (seen_at, snap) in _capture_ports(conn, sha256, format).items():
                if crossing_id not in found and seen_at <= latest:
                    found[crossing_id] = (seen_at, snap)
    return {c: state for c, state in found.items() if c not in states or states[c][0] < state[0]}


def _lane(reading: dict[str, Any] | None, zone: ZoneInfo, port_time: dt.datetime,
          absent_since: dt.datetime | None = None) -> dict[str, str]:
    gone = absent_since is not None and (reading is None or reading["observed_at"] < absent_since)
    if reading is None or reading["status"] == "not_applicable" or gone:
        return {"update_time": "", "operational_status": "N/A", "delay_minutes": "", "lanes_open": ""}
    timeless = reading["reported_time"] is None and reading["status"] in _UNTIMED
    if not timeless and reading["observed_at"] < port_time - STALE_AFTER:
        return {"update_time": "", "operational_status": "N/A", "delay_minutes": "", "lanes_open": ""}
    if timeless:
        update_time = ""
    else:
        update_time = reading["reported_time"] or format_update_time(reading["observed_at"], zone)
    return {
        "update_time": update_time,
        "operational_status": (_unstated(reading["wait_minutes"]) if reading["status"] is None
                               and reading["wait_minutes"] is not None
                               else STATUS_WORDS_OUT.get(reading["status"], "")),
        "delay_minutes": "" if reading["wait_minutes"] is None else str(reading["wait_minutes"]),
        "lanes_open": "" if reading["lanes_open"] is None else str(reading["lanes_open"]),
    }


def _catalog_value(row: Any, key: str) -> str:
    if row is None:
        return ""
    if key == "border":
        return _BORDER_WORDS.get(row.border, "")
    if key in ("port_name", "crossing_name", "hours"):
        return str(getattr(row, key) or "")
    return ""


def _absent_lanes(*states: tuple[dt.datetime, dict[str, str]] | None) -> dict[tuple[str, str], dt.datetime]:
    """(mode, program) -> when the newest snapshot that lists absent lanes showed it without a
    reading (states newest first; snapshots from before the archive kept the list say nothing)."""
    for state in states:
        if state is not None and ABSENT_LANES in state[1]:
            seen_at, snap = state
            return {tuple(word.split("/", 1)): seen_at for word in snap[ABSENT_LANES].split()}  # type: ignore[misc]
    return {}


def _port(crossing_id: str, snap: dict[str, str], row: Any, lanes: dict[tuple[str, str], dict[str, Any]],
          port_time: dt.datetime, fresh: bool, zone: ZoneInfo,
          absent: dict[tuple[str, str], dt.datetime] | None = None) -> FeedPort:
    local = port_time.astimezone(zone)
    out: dict[str, Any] = {}
    for key in PORT_HEAD:
        if key == "port_number":  # as CBP writes it, typos included ("l24501" for 240501)
            out[key] = snap.get(key, crossing_id)
        elif key == "date":
            out[key] = snap[key] if fresh and key in snap else _port_date(local)
        elif key == "time":
            out[key] = snap[key] if fresh and key in snap else _clock(local)
        else:
            out[key] = snap.get(key, _catalog_value(row, key))
    for block, (mode, keys, lane_blocks) in MODE_LAYOUT.items():
        mode_out: dict[str, Any] = {}
        for key in keys:
            if key == "maximum_lanes" and f"{block}.{key}" not in snap:
                count = getattr(row, f"max_lanes_{mode}", None) if row is not None else None
                mode_out[key] = "N/A" if count is None else str(count)
            else:
                mode_out[key] = snap.get(f"{block}.{key}", "")
        for key, value in snap.items():  # scalar keys of later CBP eras, kept as written
            name = key.partition(".")[2]
            if key.startswith(block + ".") and name not in mode_out and name != "automation_type":
                mode_out[name] = value
        for lane_block, program in lane_blocks.items():
            mode_out[lane_block] = _lane(lanes.get((mode, program)), zone, port_time,
                                         (absent or {}).get((mode, program)))
        out[block] = mode_out
    for key in PORT_TAIL:
        out[key] = snap.get(key, "")
    for key, value in snap.items():
        if "." not in key and key not in out and key not in _NOT_PORT_FIELDS:
            out[key] = value
    omit = frozenset(k for k in out if k not in XML_PORT_HEAD and k not in MODE_LAYOUT
                     and not (k == "construction_notice" and k in snap))
    return FeedPort(fields=out, time=port_time, xml_omit=omit)


def _published_leads(engine: Engine, at: dt.datetime) -> list[dict[str, Any]]:
    """Readings CBP dated up to READING_LEAD after ``at`` that a feed published by ``at`` showed.

    A payload's publication time is the one stored with it (``payloads.published_at``);
    for payloads stored before that was kept, it is known when the payload carries a
    reading dated at the feed time (a lane "Lanes Closed"/"Update Pending" without a time
    of its own). A lead reading counts when its payload was published at or before ``at``.
    """
    o = observations.c
    with engine.connect() as conn:
        leads = [dict(r._mapping) for r in conn.execute(
            select(o.id, o.crossing_id, o.mode, o.program, o.direction, o.observed_at, o.wait_minutes,
                   o.lanes_open, o.status, o.source, o.reported_time, o.payload_sha256)
            .where(o.observed_at > at, o.observed_at <= at + READING_LEAD, o.source.in_(CBP_SOURCES),
                   o.direction == "northbound", o.payload_sha256.is_not(None))
            .order_by(o.observed_at, o.id))]
        shas = sorted({r["payload_sha256"] for r in leads})
        published: dict[str, dt.datetime] = {}
        for start in range(0, len(shas), 400):
            published.update(conn.execute(
                select(payloads.c.sha256, payloads.c.published_at)
                .where(payloads.c.sha256.in_(shas[start:start + 400]), payloads.c.published_at.is_not(None))).all())
        shas = [sha for sha in shas if sha not in published]
        for start in range(0, len(shas), 400):
            for sha, when in conn.execute(
                select(o.payload_sha256, func.max(o.observed_at))
                .where(o.payload_sha256.in_(shas[start:start + 400]), o.reported_time.is_(None),
                       o.status.in_(sorted(_UNTIMED)), o.source.in_(CBP_SOURCES))
                .group_by(o.payload_sha256)
            ):
                published[sha] = when
    return [r for r in leads if r["payload_sha256"] in published and published[r["payload_sha256"]] <= at]


def _superseded_closures(engine: Engine, items: list[dict[str, Any]],
                         at: dt.datetime | None) -> list[dict[str, Any]]:
    """The newest reading of each lane by its stamp, except where that is a "Lanes Closed" /
    "Update Pending" dated by its feed's clock and a later-published feed brought a reading
    stamped up to READING_LEAD before it: that later reading is what the latest feed showed.

    Only those lanes are read again (indexed ranges), so rebuilding the whole feed stays
    one grouped query."""
    untimed = {r["id"]: r for r in items if r["reported_time"] is None and r["status"] in _UNTIMED}
    if not untimed:
        return items
    o, p = observations.c, payloads.c
    joined = observations.outerjoin(payloads, p.sha256 == o.payload_sha256)
    chosen = {(r["crossing_id"], r["mode"], r["program"], r["direction"]): r for r in items}
    shown = [or_(p.published_at.is_(None), p.published_at <= at)] if at is not None else []
    ids = list(untimed)
    with engine.connect() as conn:
        for start in range(0, len(ids), 200):
            batch = ids[start:start + 200]
            published = dict(conn.execute(select(o.id, p.published_at).select_from(joined)
                                          .where(o.id.in_(batch))).all())
            ranges = [and_(o.crossing_id == untimed[i]["crossing_id"], o.mode == untimed[i]["mode"],
                           o.program == untimed[i]["program"], o.direction == untimed[i]["direction"],
                           o.observed_at > untimed[i]["observed_at"] - READING_LEAD,
                           o.observed_at < untimed[i]["observed_at"]) for i in batch]
            rows = conn.execute(
                select(o.id, o.crossing_id, o.mode, o.program, o.direction, o.observed_at, o.wait_minutes,
                       o.lanes_open, o.status, o.source, o.reported_time, p.published_at.label("published"))
                .select_from(joined).where(or_(*ranges), o.source.in_(CBP_SOURCES), *shown)
                .order_by(p.published_at, o.observed_at, o.id))
            closures = {(r["crossing_id"], r["mode"], r["program"], r["direction"]): published.get(i)
                        for i, r in ((i, untimed[i]) for i in batch)}
            for row in rows:  # in publication order: the latest-published one stays
                item = dict(row._mapping)
                when = item.pop("published")
                key = (item["crossing_id"], item["mode"], item["program"], item["direction"])
                closure = closures.get(key)
                if when is not None and closure is not None and when > closure:
                    chosen[key] = item  # a later feed showed this reading, not the closure
    return list(chosen.values())


def _readings(engine: Engine, at: dt.datetime | None) -> dict[str, dict[tuple[str, str], dict[str, Any]]]:
    """crossing_id -> (mode, program) -> the lane's newest CBP reading as the feed showed it at ``at``."""
    found: dict[str, dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
    newest = latest_readings(engine, at=at, sources=CBP_SOURCES, published_by=at, revised=False)
    items = _superseded_closures(engine, newest, at)
    if at is not None:
        items += _published_leads(engine, at)
    for item in items:
        lane = (item["mode"], item["program"])
        if item["direction"] != "northbound":
            continue
        old = found[item["crossing_id"]].get(lane)
        if old is None or (old["observed_at"], old["id"]) < (item["observed_at"], item["id"]):
            found[item["crossing_id"]][lane] = item
    revise(engine, [item for lanes in found.values() for item in lanes.values()], at)  # in place
    return found


def build_feed(engine: Engine, at: dt.datetime | None = None, now: dt.datetime | None = None) -> Feed:
    """The state of every crossing in CBP's feed at ``at`` (None = the newest state)."""
    latest_possible = at or now or dt.datetime.now(dt.UTC)
    states = _latest_states(engine, at, live_only=False)
    live = _latest_states(engine, at, live_only=True)
    captured = _captured_states(engine, latest_possible, states)
    states.update(captured)
    live.update({c: state for c, state in captured.items() if c not in live or live[c][0] < state[0]})
    readings = _readings(engine, at)
    with engine.connect() as conn:
        rows = {r.crossing_id: r for r in conn.execute(select(crossings))}
    candidates: list[tuple[str, dt.datetime, bool, dict[str, str], dict[tuple[str, str], dt.datetime]]] = []
    for crossing_id in sorted(set(states) | set(readings)):
        seen_at, snap = states.get(crossing_id, (None, {}))
        absent = _absent_lanes(states.get(crossing_id), live.get(crossing_id))
        if crossing_id in live and live[crossing_id][0] != seen_at:  # an RSS snapshot is newer:
            older = {k: v for k, v in live[crossing_id][1].items() if k not in _PORT_CLOCK}
            snap = {**older, **snap}  # it overrides what it says; the feed's own clock is not its
        lane_times = [r["observed_at"] for r in readings[crossing_id].values()]
        newest_lane = max(lane_times) if lane_times else None
        fresh = seen_at is not None and (newest_lane is None or newest_lane <= seen_at + READING_LEAD)
        port_time = seen_at if fresh else max(t for t in (seen_at, newest_lane) if t is not None)
        assert port_time is not None
        port_time = min(port_time, latest_possible)  # a reading CBP dated early is not a later feed
        candidates.append((crossing_id, port_time, fresh, snap, absent))
    if not candidates:
        return Feed()
    newest = max(c[1] for c in candidates)
    ports = []
    for crossing_id, port_time, fresh, snap, absent in candidates:
        row = rows.get(crossing_id)
        zone = ZoneInfo(row.timezone) if row is not None else ZoneInfo(CBP_CLOCK_ZONE)
        ports.append(_port(crossing_id, snap, row, readings[crossing_id], port_time, fresh, zone, absent))
    ports.sort(key=lambda p: tuple(str(p.fields[k]).casefold() for k in ("border", "port_name", "crossing_name",
                                                                          "port_number")))
    return Feed(ports=ports, generated_at=newest)


def render_json(feed: Feed) -> bytes:
    """The feed as ``/api/bwtnew`` writes it: a top-level array of port objects."""
    return json.dumps([p.fields for p in feed.ports], ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _xml_text(value: Any) -> str:
    return _XML_BAD_CHARS.sub("", str(value))


def _xml_lane_keys(lane: dict[str, str]) -> tuple[str, ...]:
    """bwt.xml's order of a lane's keys: a lane without an update time ("N/A", "Lanes
    Closed", "Update Pending") starts with its status (all 706 such lanes of the 2014 and
    2017 captures), a timed one with its time."""
    if lane.get("update_time"):
        return LANE_KEYS
    return ("operational_status", *(k for k in LANE_KEYS if k != "operational_status"))


def render_xml(feed: Feed) -> bytes:
    """The feed as ``bwt.xml`` writes it (ISO-8859-1; characters beyond it as references)."""
    root = ET.Element("border_wait_time")
    stamp = feed.generated_at.astimezone(ZoneInfo(CBP_CLOCK_ZONE)) if feed.generated_at else None
    ET.SubElement(root, "last_updated_date").text = f"{stamp.year}-{stamp.month}-{stamp.day}" if stamp else ""
    ET.SubElement(root, "last_updated_time").text = _clock(stamp) if stamp else ""
    ET.SubElement(root, "number_of_ports").text = str(len(feed.ports))
    for port in feed.ports:
        element = ET.SubElement(root, "port")
        for key, value in port.fields.items():
            if key in port.xml_omit:
                continue
            child = ET.SubElement(element, key)
            if not isinstance(value, dict):
                child.text = _xml_text(value)
                continue
            # bwt.xml's mode blocks hold maximum_lanes and the lanes, no automation keys.
            ET.SubElement(child, "maximum_lanes").text = _xml_text(value.get("maximum_lanes", ""))
            for sub, lane_value in value.items():
                if isinstance(lane_value, dict):
                    lane = ET.SubElement(child, sub)
                    for lane_key in _xml_lane_keys(lane_value):
                        ET.SubElement(lane, lane_key).text = _xml_text(lane_value.get(lane_key, ""))
    # A parser turns a raw CR into LF; as a character reference it survives ("\r\n" in notices).
    body = ET.tostring(root, encoding="unicode", short_empty_elements=False).replace("\r", "&#13;")
    return b"<?xml version='1.0' encoding='ISO-8859-1'?>" + body.encode("iso-8859-1", "xmlcharrefreplace")
