"""Read queries over the archive: plain functions over an Engine returning plain data.

Shared by the API and the web pages. Every function returns dicts (or a :class:`Page` of
them) whose timestamps are aware ``datetime`` objects in UTC; the front chooses how to
write them. Lists are filtered, paged (``limit`` <= :data:`MAX_LIMIT`, ``offset``) and
ordered by a total key, so the same query always gives the same page.

Wait statistics: ``mean``, ``p50`` and ``p90`` of ``wait_minutes`` over the readings
that have a wait (a closed lane has none); percentiles interpolate linearly between
the closest ranks (Hyndman-Fan type 7, numpy's default). A window is ``[start, end)``
with aware bounds, ``start < end`` and at most :data:`MAX_SPAN`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Select, and_, exists, func, or_, select

from borderflow.errors import BadInputError, NotFoundError
from borderflow.feeds.records import AGGREGATE_SOURCE_SUFFIXES, FUTURE_SLACK
from borderflow.store.ordering import in_byte_order
from borderflow.store.schema import (
    adoptions,
    conflicts,
    crossing_states,
    crossings,
    historical_averages,
    observations,
    payloads,
    ports,
    volumes,
)
from borderflow.text_rules import unstorable_character
from borderflow.vocabulary import DIRECTIONS, MODES, PROGRAMS

#: Most rows one page may hold (JSON); downloads may ask for up to MAX_DOWNLOAD_ROWS.
MAX_LIMIT = 1000
MAX_DOWNLOAD_ROWS = 100_000
#: Longest time window any history, aggregate or profile query may cover.
MAX_SPAN = dt.timedelta(days=366)
AGGREGATE_INTERVALS = ("hour", "day")
VOLUME_LEVELS = ("port", "site", "all")
VOLUME_PERIODS = ("month", "day")
_UTC = dt.UTC


@dataclass(frozen=True)
class Page:
    """One page of a list: ``has_more`` says whether ``offset + limit`` holds more rows."""

    items: list[dict[str, Any]]
    limit: int
    offset: int
    has_more: bool


def _page(engine: Engine, query: Select[Any], limit: int, offset: int, max_limit: int = MAX_LIMIT) -> Page:
    if not 1 <= limit <= max_limit:
        raise BadInputError(f"limit must be 1-{max_limit}; got {limit}")
    if offset < 0:
        raise BadInputError(f"offset must be >= 0; got {offset}")
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query.limit(limit + 1).offset(offset))]
    return Page(items=rows[:limit], limit=limit, offset=offset, has_more=len(rows) > limit)


def _check_choice(name: str, value: str | None, choices: Iterable[str]) -> None:
    options = tuple(choices)
    if value is not None and value not in options:
        raise BadInputError(f"{name} must be one of {', '.join(options)}; got {value!r}")


def validate_window(start: dt.datetime, end: dt.datetime, max_span: dt.timedelta = MAX_SPAN) -> None:
    """BadInputError unless both bounds carry an offset, start < end and end - start <= max_span."""
    for label, value in (("start", start), ("end", end)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise BadInputError(f"{label} needs a UTC offset or Z, e.g. 2024-05-01T00:00:00Z; got {value.isoformat()}")
    if start >= end:
        raise BadInputError(f"start {start.isoformat()} must be before end {end.isoformat()}")
    if end - start > max_span:
        raise BadInputError(f"the window may span at most {max_span.days} days; got {(end - start).days} days")


# -- catalog ------------------------------------------------------------------------


def list_ports(engine: Engine, *, border: str | None = None, state: str | None = None,
               limit: int = 100, offset: int = 0) -> Page:
    """Ports of entry (4-digit code) ordered by code; ``border`` is mexico or canada."""
    t = ports.c
    query = select(ports).order_by(in_byte_order(t.port_code))
    if border:
        query = query.where(t.border == border.lower())
    if state:
        query = query.where(func.lower(t.state) == state.lower())
    return _page(engine, query, limit, offset)


def get_port(engine: Engine, port_code: str) -> dict[str, Any]:
    """One port and the crossing numbers under it; NotFoundError when unknown.

    A crossing is under a port when its feed number starts with the port's code or when
    the port is the one that counts it (its BTS port): Brownsville's four 5355xx crossings
    are under port 2301, Ysleta (240203) under 2401."""
    c = crossings.c
    with engine.connect() as conn:
        row = conn.execute(select(ports).where(ports.c.port_code == port_code)).first()
        ids = list(conn.scalars(select(c.crossing_id).where(or_(c.port_code == port_code, c.bts_port_code == port_code))
                                .order_by(in_byte_order(c.crossing_id))))
    if row is None:
        raise NotFoundError(f"no port {port_code!r}; list ports at /api/v1/ports")
    return {**dict(row._mapping), "crossing_ids": ids}


def _crossing_dict(mapping: Any) -> dict[str, Any]:
    item = dict(mapping)
    item["max_lanes"] = {m: item.pop(f"max_lanes_{m}") for m in ("commercial", "passenger", "pedestrian")}
    return item


def list_crossings(engine: Engine, *, border: str | None = None, state: str | None = None,
                   port_code: str | None = None, limit: int = 100, offset: int = 0) -> Page:
    """Crossings (6-digit number) ordered by number, with maximum lanes per mode."""
    t = crossings.c
    query = select(crossings).order_by(in_byte_order(t.crossing_id))
    if border:
        query = query.where(t.border == border.lower())
    if state:
        query = query.where(func.lower(t.state) == state.lower())
    if port_code:
        query = query.where(t.port_code == port_code)
    page = _page(engine, query, limit, offset)
    return Page([_crossing_dict(r) for r in page.items], page.limit, page.offset, page.has_more)


def get_crossing(engine: Engine, crossing_id: str) -> dict[str, Any]:
    row = None
    if unstorable_character(crossing_id) is None:  # (one holding a NUL names none; PostgreSQL would refuse it)
        with engine.connect() as conn:
            row = conn.execute(select(crossings).where(crossings.c.crossing_id == crossing_id)).first()
    if row is None:
        raise NotFoundError(f"no crossing {crossing_id!r}; list crossings at /api/v1/crossings",
                            key="crossing.unknown", fields={"crossing": crossing_id})
    return _crossing_dict(row._mapping)


def crossing_timezone(engine: Engine, crossing_id: str) -> ZoneInfo:
    return ZoneInfo(get_crossing(engine, crossing_id)["timezone"])


# -- current waits ------------------------------------------------------------------


def archive_version(engine: Engine) -> tuple[int, ...]:
    """A cheap fingerprint that changes whenever readings, states, counts, crossings or
    payloads are added, or a stored count or average is replaced by an adopted version.

    The archive only grows, and the one change of stored values (an adoption) adds a row of
    ``adoptions``, so the largest ids (and the number of crossings and of payloads) suffice.
    Payloads count because a capture that only moves the feed's clock adds nothing else,
    yet moves the port times the CBP-compatible feed replays.
    """
    parts = [
        select(func.coalesce(func.max(observations.c.id), 0)).scalar_subquery(),
        select(func.coalesce(func.max(crossing_states.c.id), 0)).scalar_subquery(),
        select(func.coalesce(func.max(volumes.c.id), 0)).scalar_subquery(),
        select(func.coalesce(func.max(historical_averages.c.id), 0)).scalar_subquery(),
        select(func.coalesce(func.max(adoptions.c.id), 0)).scalar_subquery(),
        select(func.count()).select_from(crossings).scalar_subquery(),
        select(func.count()).select_from(payloads).scalar_subquery(),
    ]
    with engine.connect() as conn:
        return tuple(int(v) for v in conn.execute(select(*parts)).one())


def latest_readings(engine: Engine, *, at: dt.datetime | None = None, crossing_id: str | None = None,
                    sources: Iterable[str] | None = None, published_by: dt.datetime | None = None,
                    revised: bool = True) -> list[dict[str, Any]]:
    """The newest reading of every lane (crossing, mode, program, direction) at or before ``at``
    (now: dated at most :data:`~borderflow.feeds.records.FUTURE_SLACK` after now). Means
    over longer periods (:data:`~borderflow.feeds.records.AGGREGATE_SOURCE_SUFFIXES`) are
    not readings of a moment and are left out unless ``sources`` names them.

    With ``published_by``, only readings whose payload was published by then (or whose
    payload's publication time is not known): what a feed had shown by that instant.
    When two sources read a lane at the same instant, the one stored last wins.
    ``revised``: each reading's values as its source last published them by ``published_by``
    (else ``at``, else ever): see :func:`revise`. Ordered by crossing, mode, program, direction.
    """
    # now: no reading dated beyond what ingest accepts (an archive from before that check)
    until = at if at is not None else dt.datetime.now(_UTC) + FUTURE_SLACK
    source_list = None if sources is None else sorted(set(sources))

    def conditions(t: Any, placed: bool = False) -> list[Any]:
        """What a reading of table (or alias) ``t`` must meet to count. ``placed``: of a
        reading already known to be of the crossing and before the bound (a lane's newest
        time), whose further conditions would only make the database read the lane."""
        found = [] if placed else [t.c.observed_at <= until]
        if published_by is not None:  # not brought by a payload published after
            found.append(~exists().where(payloads.c.sha256 == t.c.payload_sha256,
                                         payloads.c.published_at > published_by))
        if crossing_id is not None and not placed:
            found.append(t.c.crossing_id == crossing_id)
        if source_list is not None:
            found.append(t.c.source.in_(source_list))
        else:
            found.extend(~t.c.source.like(f"%{suffix}") for suffix in AGGREGATE_SOURCE_SUFFIXES)
        return found

    o = observations.c
    chosen: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    with engine.connect() as conn:
        heads = [h for h in conn.execute(_lane_heads(crossing_id, conditions)) if h.newest is not None]
        for start in range(0, len(heads), 100):
            # the readings at each lane's newest time (two sources may share it: the one stored last wins)
            query = (
                select(o.id, o.crossing_id, o.mode, o.program, o.direction, o.observed_at, o.wait_minutes,
                       o.lanes_open, o.status, o.source, o.reported_time)
                .where(or_(*(and_(o.crossing_id == h.crossing_id, o.mode == h.mode, o.program == h.program,
                                  o.direction == h.direction, o.observed_at == h.newest)
                             for h in heads[start:start + 100])),
                       *conditions(observations, placed=True))
                .order_by(o.id)
            )
            for row in conn.execute(query):
                item = dict(row._mapping)
                chosen[(item["crossing_id"], item["mode"], item["program"], item["direction"])] = item
    found = [chosen[key] for key in sorted(chosen)]
    return revise(engine, found, published_by or at) if revised else found


def _lane_heads(crossing_id: str | None, conditions: Any) -> Any:
    """Each lane (crossing, mode, program, direction) with the time of its newest reading
    that meets ``conditions`` (a function of the table or alias it applies to): a query
    of the lane's columns and ``newest`` (NULL for a lane with no such reading).

    The lanes are found by skipping through the lane-and-time index (one index seek a
    lane, not a read of every reading), and each lane's newest reading by walking that
    index back from the newest time allowed until a reading meets the conditions: the
    cost grows with the number of lanes, not with the length of the archive. (A grouped
    maximum over the readings read a year's archive, 1.7 million readings, in 1-3 s.)
    """
    keys = ("crossing_id", "mode", "program", "direction")
    start_alias, step_alias, row_alias, head_alias = (observations.alias(n) for n in (
        "lane_first", "lane_next", "lane_row", "lane_head"))
    only = ([start_alias.c.crossing_id == crossing_id], [step_alias.c.crossing_id == crossing_id]) \
        if crossing_id is not None else ([], [])
    first = (select(*(start_alias.c[k] for k in keys)).where(*only[0])
             .order_by(*(start_alias.c[k] for k in keys)).limit(1).subquery("lane_start"))
    lanes = select(*(first.c[k] for k in keys)).cte("lanes", recursive=True)
    # the next lane: the next direction of this (crossing, mode, program), else the next
    # program of this (crossing, mode), ...; each one seek (a row-value ">" over all four
    # columns is not one on SQLite: it reads the crossing's earlier lanes again)
    following = func.coalesce(*(
        select(step_alias.c.id)
        .where(*(step_alias.c[k] == lanes.c[k] for k in keys[:level]),
               step_alias.c[keys[level]] > lanes.c[keys[level]], *only[1])
        .order_by(*(step_alias.c[k] for k in keys)).limit(1).scalar_subquery()
        for level in range(len(keys) - 1, 0 if crossing_id is not None else -1, -1)))
    lanes = lanes.union_all(select(*(row_alias.c[k] for k in keys)).select_from(lanes)
                            .join(row_alias, row_alias.c.id == following))
    head = (select(head_alias.c.observed_at)
            .where(*(head_alias.c[k] == lanes.c[k] for k in keys), *conditions(head_alias))
            .order_by(head_alias.c.observed_at.desc()).limit(1).scalar_subquery())
    return select(*(lanes.c[k] for k in keys), head.label("newest"))


def _reading_key_text(item: Mapping[str, Any]) -> str:
    """A stored reading's natural key as the ``conflicts`` table writes it."""
    return "|".join(str(v) for v in (item["crossing_id"], item["mode"], item["program"], item["direction"],
                                      item["observed_at"].isoformat(), item["source"]))


def revise(engine: Engine, items: list[dict[str, Any]], published_by: dt.datetime | None) -> list[dict[str, Any]]:
    """``items`` (stored readings with their ``id``) with the values their source published
    last, by ``published_by`` (None: ever).

    A source may publish the same reading again with other values (CBP's RSS changed
    "At Noon CDT" from 20 to 30 minutes twenty minutes later, 11 times in a week of
    captures). The archive keeps the first-stored values and the others in ``conflicts``
    with the payload that brought them; a feed showed, at each instant, the version
    published last, which is what the current waits and the feed replay show. A version
    whose payload has no publication time (a CSV file) replaces nothing.
    """
    if not items:
        return items
    by_key = {_reading_key_text(item): item for item in items}
    keys = sorted(by_key)
    c, p, o = conflicts.c, payloads.c, observations.c
    versions: dict[str, list[tuple[dt.datetime, dict[str, Any]]]] = {}
    with engine.connect() as conn:
        for start in range(0, len(keys), 400):
            query = (select(c.natural_key, c.incoming, p.published_at)
                     .join(payloads, p.sha256 == c.payload_sha256)
                     .where(c.kind == "observation", c.natural_key.in_(keys[start:start + 400]),
                            p.published_at.is_not(None)))
            if published_by is not None:
                query = query.where(p.published_at <= published_by)
            for key, incoming, published in conn.execute(query):
                versions.setdefault(key, []).append((published, json.loads(incoming)))
        if not versions:
            return items
        ids = [by_key[k]["id"] for k in versions]
        own = dict(conn.execute(select(o.id, p.published_at).select_from(
            observations.outerjoin(payloads, p.sha256 == o.payload_sha256)).where(o.id.in_(ids))).all())
    for key, found in versions.items():
        item = by_key[key]
        published, values = max(found, key=lambda v: v[0])
        stored_at = own.get(item["id"])
        if stored_at is None or published > stored_at:
            item.update({name: values.get(name) for name in ("wait_minutes", "lanes_open", "status")})
    return items


def current_waits(engine: Engine, *, at: dt.datetime | None = None, now: dt.datetime | None = None,
                  crossing_id: str | None = None, border: str | None = None, state: str | None = None,
                  mode: str | None = None, program: str | None = None) -> list[dict[str, Any]]:
    """The latest reading per crossing and lane, with its age and the crossing's names.

    ``age_minutes`` = whole minutes from the reading's ``observed_at`` to ``at`` (or
    ``now`` when ``at`` is None). Fields: crossing_id, port_name, crossing_name, border,
    state, mode, program, direction, observed_at, age_minutes, wait_minutes, lanes_open,
    status, source, max_lanes (of the lane's mode).
    """
    _check_choice("mode", mode, MODES)
    _check_choice("program", program, PROGRAMS)
    reference = at or now or dt.datetime.now(_UTC)
    with engine.connect() as conn:
        names = {r.crossing_id: r for r in conn.execute(select(crossings))}
    out = []
    for item in latest_readings(engine, at=at, crossing_id=crossing_id):
        c = names.get(item["crossing_id"])
        if c is None or (border and c.border != border.lower()) or (state and c.state.lower() != state.lower()):
            continue
        if (mode and item["mode"] != mode) or (program and item["program"] != program):
            continue
        age = max(0, math.floor((reference - item["observed_at"]).total_seconds() / 60))
        out.append({
            "crossing_id": item["crossing_id"], "port_name": c.port_name, "crossing_name": c.crossing_name,
            "border": c.border, "state": c.state, "mode": item["mode"], "program": item["program"],
            "direction": item["direction"], "observed_at": item["observed_at"], "age_minutes": age,
            "wait_minutes": item["wait_minutes"], "lanes_open": item["lanes_open"], "status": item["status"],
            "source": item["source"], "max_lanes": getattr(c, f"max_lanes_{item['mode']}", None),
        })
    return out


# -- history --------------------------------------------------------------------------


def readings_only() -> list[Any]:
    """Conditions leaving out sources whose values are means over longer periods."""
    return [~observations.c.source.like(f"%{suffix}") for suffix in AGGREGATE_SOURCE_SUFFIXES]


def _lane_query(crossing_id: str, mode: str, program: str, start: dt.datetime, end: dt.datetime,
                direction: str, source: str | None) -> Select[Any]:
    _check_choice("mode", mode, MODES)
    _check_choice("program", program, PROGRAMS)
    _check_choice("direction", direction, DIRECTIONS)
    validate_window(start, end)
    o = observations.c
    query = (
        select(o.observed_at, o.wait_minutes, o.lanes_open, o.status, o.source, o.direction)
        .where(o.crossing_id == crossing_id, o.mode == mode, o.program == program, o.direction == direction,
               o.observed_at >= start, o.observed_at < end)
        .order_by(o.observed_at, in_byte_order(o.source))
    )
    return query.where(o.source == source) if source else query


def history_raw(engine: Engine, crossing_id: str, mode: str, program: str, *, start: dt.datetime,
                end: dt.datetime, direction: str = "northbound", source: str | None = None,
                limit: int = 100, offset: int = 0, max_limit: int = MAX_LIMIT) -> Page:
    """Every reading of one lane in ``[start, end)``, oldest first, paged."""
    get_crossing(engine, crossing_id)
    query = _lane_query(crossing_id, mode, program, start, end, direction, source)
    return _page(engine, query, limit, offset, max_limit)


def quantile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (type 7) of an ascending, non-empty list."""
    position = (len(sorted_values) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def wait_stats(waits: list[float]) -> dict[str, Any]:
    """count, mean, p50, p90, min, max of waits in minutes (None stats when empty)."""
    if not waits:
        return {"count": 0, "mean_wait_minutes": None, "p50_wait_minutes": None, "p90_wait_minutes": None,
                "min_wait_minutes": None, "max_wait_minutes": None}
    ordered = sorted(waits)
    return {
        "count": len(ordered), "mean_wait_minutes": round(sum(ordered) / len(ordered), 3),
        "p50_wait_minutes": round(quantile(ordered, 0.5), 3), "p90_wait_minutes": round(quantile(ordered, 0.9), 3),
        "min_wait_minutes": ordered[0], "max_wait_minutes": ordered[-1],
    }


def _lane_waits(engine: Engine, crossing_id: str, mode: str, program: str, start: dt.datetime,
                end: dt.datetime, direction: str, source: str | None) -> list[tuple[dt.datetime, int]]:
    get_crossing(engine, crossing_id)
    query = _lane_query(crossing_id, mode, program, start, end, direction, source)
    if not source:  # a mean over a day is no reading of the hour it is dated at
        query = query.where(*readings_only())
    with engine.connect() as conn:
        return [(r.observed_at, r.wait_minutes) for r in conn.execute(query) if r.wait_minutes is not None]


def history_aggregated(engine: Engine, crossing_id: str, mode: str, program: str, *, start: dt.datetime,
                       end: dt.datetime, interval: str = "hour", direction: str = "northbound",
                       source: str | None = None) -> list[dict[str, Any]]:
    """Wait statistics per interval in ``[start, end)``; only intervals holding a wait. Means
    over longer periods (``cascade-daily-mean``) count only when ``source`` names them.

    ``hour`` buckets are UTC hours (``start`` in UTC); ``day`` buckets are calendar days
    in the crossing's own zone (``start`` is local midnight with its offset).
    """
    _check_choice("interval", interval, AGGREGATE_INTERVALS)
    zone = crossing_timezone(engine, crossing_id)
    buckets: dict[dt.datetime, list[float]] = defaultdict(list)
    for observed_at, wait in _lane_waits(engine, crossing_id, mode, program, start, end, direction, source):
        if interval == "hour":
            key = observed_at.replace(minute=0, second=0, microsecond=0)
        else:
            local = observed_at.astimezone(zone)
            key = dt.datetime.combine(local.date(), dt.time(), zone)
        buckets[key].append(float(wait))
    return [{"start": key, **wait_stats(values)} for key, values in sorted(buckets.items())]


def hour_of_week_profile(engine: Engine, crossing_id: str, mode: str, program: str, *, start: dt.datetime,
                         end: dt.datetime, direction: str = "northbound",
                         source: str | None = None) -> list[dict[str, Any]]:
    """168 cells, weekday 0 = Monday .. 6 = Sunday x hour 0-23 in the crossing's local time."""
    zone = crossing_timezone(engine, crossing_id)
    cells: dict[tuple[int, int], list[float]] = defaultdict(list)
    for observed_at, wait in _lane_waits(engine, crossing_id, mode, program, start, end, direction, source):
        local = observed_at.astimezone(zone)
        cells[(local.weekday(), local.hour)].append(float(wait))
    return [{"weekday": d, "hour": h, **wait_stats(cells.get((d, h), []))} for d in range(7) for h in range(24)]


# -- volumes and averages ---------------------------------------------------------------


def _month_start(text: str, label: str) -> dt.date:
    try:
        year, month = (int(p) for p in text.split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        raise BadInputError(f"{label} must be a month like 2024-05; got {text!r}") from None


def monthly_volumes(engine: Engine, *, port_code: str | None = None, measure: str | None = None,
                    source: str | None = None, start_month: str | None = None, end_month: str | None = None,
                    level: str = "port", limit: int = 100, offset: int = 0, period: str = "month") -> Page:
    """Counts ordered by port, month (or day), measure, site, source; months inclusive (YYYY-MM).

    ``level``: ``port`` = port totals (no site), ``site`` = bridge-level rows, ``all`` = both.
    ``period``: ``month`` = monthly counts, ``day`` = daily counts (each also carries its
    ``date``, YYYY-MM-DD, and the months filter the days they hold).
    """
    _check_choice("level", level, VOLUME_LEVELS)
    _check_choice("period", period, VOLUME_PERIODS)
    t = volumes.c
    query = (
        select(t.port_code, t.site, t.period_start.label("month"), t.measure, t.direction, t.value, t.source)
        .where(t.period == period)
        .order_by(in_byte_order(t.port_code), t.period_start, *map(in_byte_order, (t.measure, t.site, t.source, t.direction)))
    )
    if level == "port":
        query = query.where(t.site == "")
    elif level == "site":
        query = query.where(t.site != "")
    if port_code:
        query = query.where(t.port_code == port_code)
    if measure:
        query = query.where(func.lower(t.measure) == measure.lower())
    if source:
        query = query.where(t.source == source)
    first = _month_start(start_month, "start_month") if start_month else None
    last = _month_start(end_month, "end_month") if end_month else None
    if first and last and first > last:
        raise BadInputError(f"start_month {start_month} is after end_month {end_month}; swap them")
    if first:
        query = query.where(t.period_start >= first)
    if last:  # every day of the last month counts
        query = query.where(t.period_start <= last.replace(day=calendar.monthrange(last.year, last.month)[1]))
    page = _page(engine, query, limit, offset)
    for item in page.items:
        day = item["month"]
        # written by hand: strftime("%Y") does not pad a year before 1000 on every platform
        item["month"] = f"{day.year:04d}-{day.month:02d}"
        if period == "day":
            item["date"] = f"{item['month']}-{day.day:02d}"
    return page


def historical_averages_page(engine: Engine, *, crossing_id: str | None = None, mode: str | None = None,
                             program: str | None = None, kind: str | None = None, month: int | None = None,
                             weekday: int | None = None, source: str | None = None,
                             limit: int = 100, offset: int = 0) -> Page:
    """CBP historical wait statistics (minutes), kept apart from observations.

    ``weekday`` 0 = Monday; ``hour`` is local time at the crossing.
    """
    _check_choice("mode", mode, MODES)
    _check_choice("program", program, PROGRAMS)
    t = historical_averages.c
    query = select(t.crossing_id, t.mode, t.program, t.kind, t.month, t.weekday, t.hour, t.on_date, t.year,
                   t.wait_minutes, t.source).order_by(*map(in_byte_order, (t.crossing_id, t.mode, t.program)), t.id)
    for column, value in ((t.crossing_id, crossing_id), (t.mode, mode), (t.program, program), (t.kind, kind),
                          (t.month, month), (t.weekday, weekday), (t.source, source)):
        if value is not None:
            query = query.where(column == value)
    page = _page(engine, query, limit, offset)
    for item in page.items:
        wait = item["wait_minutes"]
        item["wait_minutes"] = None if wait is None or math.isnan(wait) else wait
    return page
