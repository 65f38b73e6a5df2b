"""Idempotent writes of parsed records: new rows land, repeats are counted, clashes kept aside.

The rule for every kind of record: a record is identified by its natural key. A key not
yet stored is inserted. The same key with the same values is a duplicate and changes
nothing. The same key with different values is a conflict: the stored row stays, the
incoming values go to the ``conflicts`` table with both versions, never silently chosen.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, and_, select, tuple_

from borderflow.feeds.records import HistoricalAverage, Volume
from borderflow.store.schema import (
    conflict_files,
    conflicts,
    historical_averages,
    observations,
    volumes,
)
from borderflow.text_rules import shown_storable
from borderflow.vocabulary import Observation

R = TypeVar("R")

#: Keys per SELECT ... WHERE (..) IN (..); keeps well under SQLite's variable limit.
CHUNK = 400


@dataclass
class WriteCounts:
    """What one batch did. ``conflicts`` holds (natural key, stored, incoming) triples;
    ``conflicts_in_file`` counts those of them whose "stored" side is an earlier record of
    the same batch (the same key twice in one file), not a stored row."""

    stored: int = 0
    duplicates: int = 0
    conflicts: list[tuple[str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    conflicts_in_file: int = 0

    def add(self, other: WriteCounts) -> None:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.conflicts.extend(other.conflicts)
        self.conflicts_in_file += other.conflicts_in_file


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def _key_text(key: Sequence[Any]) -> str:
    return "|".join("" if k is None else str(_jsonable(k)) for k in key)


def values_text(values: dict[str, Any]) -> str:
    """A record's values as the ``conflicts`` table keeps them (``stored``, ``incoming``):
    JSON with sorted names, so the same values are always the same text."""
    return json.dumps({k: _jsonable(v) for k, v in values.items()}, sort_keys=True)


def volume_key_text(port_code: str, site: str, period: str, period_start: dt.date, measure: str,
                    direction: str, source: str) -> str:
    """A stored count's natural key as the ``conflicts`` table writes it."""
    return _key_text((port_code, site, period, period_start, measure, direction, source))


#: Above this many keys, stored rows are found by one broad scan instead of key lists.
SCAN_ABOVE = 200


def _existing(
    conn: Connection,
    table: Table,
    key_cols: Sequence[str],
    value_cols: Sequence[str],
    keys: list[tuple[Any, ...]],
    broad: Callable[[list[tuple[Any, ...]]], Any] | None = None,
    scan_above: int = SCAN_ABOVE,
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Stored values for the given keys.

    Few keys are looked up by key, in chunks. Many keys (a whole BTS file) are found by
    one query over the ``broad`` condition that covers them all (a time range, a set of
    ports), filtered here: one scan instead of hundreds of key lists.
    """
    found: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    if not keys:
        return found
    kcols = [table.c[c] for c in key_cols]
    vcols = [table.c[c] for c in value_cols]
    n = len(kcols)
    if broad is not None and len(keys) > scan_above:
        wanted = set(keys)
        for row in conn.execute(select(*kcols, *vcols).where(broad(keys))):
            key = tuple(row[:n])
            if key in wanted:
                found[key] = tuple(row[n:])
        return found
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        where = kcols[0].in_([k[0] for k in chunk]) if n == 1 else tuple_(*kcols).in_(chunk)
        for row in conn.execute(select(*kcols, *vcols).where(where)):
            found[tuple(row[:n])] = tuple(row[n:])
    return found


def _classify(
    incoming: Iterable[tuple[tuple[Any, ...], tuple[Any, ...], R]],
    stored_lookup: Callable[[list[tuple[Any, ...]]], dict[tuple[Any, ...], tuple[Any, ...]]],
    value_names: Sequence[str],
) -> tuple[list[R], WriteCounts]:
    """Split (key, values, row) triples into rows to insert and the counts of the rest."""
    counts = WriteCounts()
    first: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    rows: dict[tuple[Any, ...], R] = {}
    for key, values, row in incoming:
        seen = first.get(key)
        if seen is None:
            first[key] = values
            rows[key] = row
        elif seen == values:
            counts.duplicates += 1
        else:
            counts.conflicts.append(
                (_key_text(key), dict(zip(value_names, seen)), dict(zip(value_names, values)))
            )
            counts.conflicts_in_file += 1
    stored = stored_lookup(list(first))
    to_insert = []
    for key, values in first.items():
        old = stored.get(key)
        if old is None:
            to_insert.append(rows[key])
        elif tuple(old) == values:
            counts.duplicates += 1
        else:
            counts.conflicts.append(
                (_key_text(key), dict(zip(value_names, old)), dict(zip(value_names, values)))
            )
    counts.stored = len(to_insert)
    return to_insert, counts


_OBS_KEY = ("crossing_id", "mode", "program", "direction", "observed_at", "source")


#: A chunk of readings spanning at most this long is looked up by time alone.
_NARROW_SPAN = dt.timedelta(days=2)


def _observations_scan(keys: list[tuple[Any, ...]]) -> Any:
    """The indexed condition that covers a chunk of reading keys.

    Readings close in time (a live feed's payload: one hour) are found through the
    ``observed_at`` index alone, whatever the archive's size. A chunk spread over a long
    time (a historical CSV of a few lanes) names its lanes, so the unique index (crossing,
    mode, program, direction, then time) is searched lane by lane.
    """
    t = observations.c
    times = [k[4] for k in keys]
    start, end = min(times), max(times)
    condition = and_(t.source.in_(sorted({k[5] for k in keys})), t.observed_at >= start, t.observed_at <= end)
    if end - start <= _NARROW_SPAN:
        return condition
    return and_(
        condition,
        t.crossing_id.in_(sorted({k[0] for k in keys})),
        t.mode.in_(sorted({k[1] for k in keys})),
        t.program.in_(sorted({k[2] for k in keys})),
        t.direction.in_(sorted({k[3] for k in keys})),
    )


def _existing_observations(conn: Connection, keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Stored values of readings, looked up in chunks of keys sorted by time."""
    found: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    ordered = sorted(keys, key=lambda k: k[4])
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        found.update(_existing(conn, observations, _OBS_KEY, _OBS_VALUES, chunk, _observations_scan, scan_above=0))
    return found


def _volumes_scan(keys: list[tuple[Any, ...]]) -> Any:
    t = volumes.c
    months = [k[3] for k in keys]
    return and_(
        t.source.in_(sorted({k[6] for k in keys})),
        t.period_start >= min(months),
        t.period_start <= max(months),
    )
_OBS_VALUES = ("wait_minutes", "lanes_open", "status")
_OBS_COLUMNS = (
    "crossing_id", "mode", "program", "direction", "observed_at", "wait_minutes", "lanes_open", "status",
    "source", "reported_time", "payload_sha256",
)


class _BulkInsert:
    """A plain multi-row INSERT of fixed columns, through the driver.

    A live feed brings hundreds of readings a minute; SQLAlchemy's per-row parameter
    handling would cost more than the database's own work. Values go through each
    column type's own bind processor for the dialect (so a datetime is stored exactly
    as SQLAlchemy would store it), then to the driver's ``executemany``.
    """

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        self._prepared: dict[str, tuple[str, list[tuple[int, Any]]]] = {}

    def _for(self, conn: Connection) -> tuple[str, list[tuple[int, Any]]]:
        dialect = conn.dialect
        found = self._prepared.get(dialect.name)
        if found is None:
            mark = "?" if dialect.paramstyle == "qmark" else "%s"
            sql = (
                f"INSERT INTO {self.table.name} ({', '.join(self.columns)}) "
                f"VALUES ({', '.join([mark] * len(self.columns))})"
            )
            processors: list[tuple[int, Any]] = []
            for i, name in enumerate(self.columns):
                proc = self.table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                if proc is not None:
                    processors.append((i, proc))
            found = (sql, processors)
            self._prepared[dialect.name] = found
        return found

    def __call__(self, conn: Connection, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        sql, processors = self._for(conn)
        if processors:
            # a batch holds few distinct timestamps: each is converted once
            memo: list[dict[Any, Any]] = [{} for _ in processors]
            out = []
            for row in rows:
                values = list(row)
                for (i, proc), seen in zip(processors, memo):
                    value = values[i]
                    if isinstance(value, dt.datetime):
                        done = seen.get(value)
                        if done is None:
                            done = seen[value] = proc(value)
                        values[i] = done
                    else:
                        values[i] = proc(value)
                out.append(tuple(values))
            rows = out
        conn.exec_driver_sql(sql, rows)


_insert_observations = _BulkInsert(observations, _OBS_COLUMNS)


#: A reading with no time of its own (a closed lane in CBP's feed, dated at the feed time)
#: continues the lane's stored state this long: the same state seen again within a day of
#: the stored reading is a repeat; later (a capture years apart, a poll that stopped for a
#: day) it is a reading of its own, so a long closure is one row a day.
STATE_CONTINUES = dt.timedelta(hours=24)


class ObservationWriter:
    """Writes observations, remembering the newest reading of each lane it has seen.

    The memory spares the database a lookup for the commonest repeat — a live feed
    polled every few minutes shows the same hourly reading a dozen times — and lets a
    reading that has no time of its own (a closed lane in CBP's feed, dated at the feed
    time) count as a repeat while its lane's state is unchanged, for up to
    :data:`STATE_CONTINUES` after the stored one.
    """

    def __init__(self) -> None:
        self._latest: dict[tuple[str, str, str, str, str], tuple[dt.datetime, tuple[Any, ...]]] = {}

    @staticmethod
    def is_timeless(obs: Observation) -> bool:
        return obs.dated_by_feed

    def _latest_stored(self, conn: Connection, lane: tuple[str, str, str, str, str], before: dt.datetime) -> tuple[dt.datetime, tuple[Any, ...]] | None:
        t = observations.c
        row = conn.execute(
            select(t.observed_at, t.wait_minutes, t.lanes_open, t.status)
            .where(
                and_(
                    t.crossing_id == lane[0], t.mode == lane[1], t.program == lane[2],
                    t.direction == lane[3], t.source == lane[4], t.observed_at <= before,
                )
            )
            .order_by(t.observed_at.desc())
            .limit(1)
        ).first()
        return (row[0], tuple(row[1:])) if row else None

    def write(self, conn: Connection, batch: Sequence[Observation], payload_sha256: str | None) -> WriteCounts:
        counts = WriteCounts()
        pending: list[tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]] = []
        in_batch: set[tuple[Any, ...]] = set()  # the keys this batch has brought so far
        for obs in batch:
            lane = (obs.crossing_id, obs.mode, obs.program, obs.direction, obs.source)
            values = obs.values
            latest = self._latest.get(lane)
            if latest is None and self.is_timeless(obs):
                latest = self._latest_stored(conn, lane, obs.observed_at)
                if latest is not None:
                    self._latest[lane] = latest
            if latest is not None:
                if latest[0] == obs.observed_at:
                    if latest[1] == values:
                        counts.duplicates += 1
                    else:
                        counts.conflicts.append(
                            (_key_text(obs.key), dict(zip(_OBS_VALUES, latest[1])), dict(zip(_OBS_VALUES, values)))
                        )
                        counts.conflicts_in_file += obs.key in in_batch
                    continue
                if (self.is_timeless(obs) and latest[0] < obs.observed_at <= latest[0] + STATE_CONTINUES
                        and latest[1] == values):
                    counts.duplicates += 1
                    continue
            row = (
                obs.crossing_id, obs.mode, obs.program, obs.direction, obs.observed_at, obs.wait_minutes,
                obs.lanes_open, obs.status, obs.source, obs.reported_time, payload_sha256,
            )
            pending.append((obs.key, values, row))
            in_batch.add(obs.key)
            if latest is None or latest[0] <= obs.observed_at:
                self._latest[lane] = (obs.observed_at, values)

        def lookup(keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
            # Always an indexed scan: SQLite matches no index to a list of row values, and
            # the archive grows to millions of readings.
            return _existing_observations(conn, keys)

        to_insert, batch_counts = _classify(pending, lookup, _OBS_VALUES)
        _insert_observations(conn, to_insert)
        counts.add(batch_counts)
        return counts

    def forget(self) -> None:
        """Drop the memory (after a rolled-back transaction it may name unsaved rows)."""
        self._latest.clear()


_VOL_KEY = ("port_code", "site", "period", "period_start", "measure", "direction", "source")


def write_volumes(conn: Connection, batch: Sequence[Volume], payload_sha256: str | None) -> WriteCounts:
    triples = []
    for v in batch:
        key = (v.port_code, v.site, v.period, v.period_start, v.measure, v.direction, v.source)
        row = dict(zip(_VOL_KEY, key), value=float(v.value), payload_sha256=payload_sha256)
        triples.append((key, (float(v.value),), row))

    def lookup(keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        return _existing(conn, volumes, _VOL_KEY, ("value",), keys, _volumes_scan)

    to_insert, counts = _classify(triples, lookup, ("value",))
    if to_insert:
        conn.execute(volumes.insert(), to_insert)
    return counts


def average_key(a: HistoricalAverage) -> str:
    return _key_text(
        (a.crossing_id, a.mode, a.program, a.kind, a.month, a.weekday, a.hour, a.on_date, a.year, a.source)
    )


def write_averages(conn: Connection, batch: Sequence[HistoricalAverage], payload_sha256: str | None) -> WriteCounts:
    triples = []
    for a in batch:
        key = (average_key(a),)
        row = {
            "natural_key": key[0],
            "crossing_id": a.crossing_id,
            "mode": a.mode,
            "program": a.program,
            "kind": a.kind,
            "month": a.month,
            "weekday": a.weekday,
            "hour": a.hour,
            "on_date": a.on_date,
            "year": a.year,
            "wait_minutes": a.wait_minutes,
            "source": a.source,
            "payload_sha256": payload_sha256,
        }
        triples.append((key, (a.wait_minutes,), row))

    crossings_in_batch = sorted({a.crossing_id for a in batch})
    sources_in_batch = sorted({a.source for a in batch})

    def scan(_keys: list[tuple[Any, ...]]) -> Any:
        t = historical_averages.c
        return and_(t.crossing_id.in_(crossings_in_batch), t.source.in_(sources_in_batch))

    def lookup(keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        return _existing(conn, historical_averages, ("natural_key",), ("wait_minutes",), keys, scan)

    to_insert, counts = _classify(triples, lookup, ("wait_minutes",))
    if to_insert:
        conn.execute(historical_averages.insert(), to_insert)
    return counts


#: Kinds of record whose kept-aside versions can be adopted as the stored one
#: (:mod:`borderflow.services.adoption`). A wait-time reading cannot: the current waits and
#: the CBP-compatible feed show its revisions as published, from its clashes as kept.
ADOPTABLE_KINDS = ("volume", "historical_average")


def record_conflicts(
    conn: Connection,
    kind: str,
    found: Sequence[tuple[str, dict[str, Any], dict[str, Any]]],
    payload_sha256: str | None,
    source_name: str,
    now: dt.datetime,
) -> None:
    """Keep conflicting records aside; the same clash seen again is stored once, and every
    file that brings it is linked to it (``conflict_files``), so it is found by each of them.

    A version of an adoptable kind kept before against values an adoption has changed
    since (so it could not be adopted: it is stale) is kept against the stored values
    it met now; the rest of it (its payload, file, time, status) stays as it was.
    """
    if not found:
        return
    rows = {}
    for key, stored, incoming in found:
        inc = values_text(incoming)
        rows[(key, inc)] = {
            "kind": kind,
            "natural_key": key,
            "stored": values_text(stored),
            "incoming": inc,
            "payload_sha256": payload_sha256,
            "source_name": shown_storable(source_name),
            "created_at": now,
        }
    c = conflicts.c
    have: dict[tuple[str, str], tuple[int, str, str]] = {}
    keys = sorted({k for k, _ in rows})
    for start in range(0, len(keys), CHUNK):
        query = select(c.natural_key, c.incoming, c.id, c.stored, c.status).where(
            and_(c.kind == kind, c.natural_key.in_(keys[start : start + CHUNK]))
        )
        have.update(((r[0], r[1]), (r[2], r[3], r[4])) for r in conn.execute(query))
    new = [row for k, row in rows.items() if k not in have]
    if new:
        conn.execute(conflicts.insert(), new)
        for start in range(0, len(new), CHUNK):
            query = select(c.natural_key, c.incoming, c.id, c.stored, c.status).where(
                and_(c.kind == kind, c.natural_key.in_(sorted({r["natural_key"] for r in new[start : start + CHUNK]})))
            )
            have.update(((r[0], r[1]), (r[2], r[3], r[4])) for r in conn.execute(query) if (r[0], r[1]) in rows)
    link_files(conn, sorted({have[k][0] for k in rows}), payload_sha256, shown_storable(source_name), now)
    if kind in ADOPTABLE_KINDS:
        for k, row in rows.items():
            seen = have.get(k)
            if seen is not None and seen[2] != "adopted" and seen[1] != row["stored"]:
                conn.execute(conflicts.update().where(c.id == seen[0]).values(stored=row["stored"]))


def link_files(conn: Connection, ids: list[int], payload_sha256: str | None, source_name: str,
                now: dt.datetime) -> None:
    """Link the kept versions ``ids`` to the file that brought them, once each."""
    if not source_name:
        return
    f = conflict_files.c
    linked: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        linked.update(conn.execute(select(f.conflict_id).where(
            f.source_name == source_name, f.conflict_id.in_(ids[start : start + CHUNK]))).scalars())
    missing = [{"conflict_id": i, "source_name": source_name, "payload_sha256": payload_sha256, "created_at": now}
               for i in ids if i not in linked]
    if missing:
        conn.execute(conflict_files.insert(), missing)
