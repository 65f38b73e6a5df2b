"""Ingest: source bytes -> parser -> store, one transaction per file, nothing lost.

For each file or payload: the raw bytes are kept (compressed, by content hash); the
parser's records are written idempotently (see :mod:`borderflow.store.writes`); parts
the parser refused go to ``quarantine`` with their reason; readings that clash with
stored ones go to ``conflicts``. A file whose transaction fails leaves nothing behind.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import SQLAlchemyError

from borderflow.errors import BadInputError, BorderFlowError, NotFoundError
from borderflow.feeds.cbp_time import CBP_CLOCK_ZONE, LABEL_ZONES
from borderflow.feeds.fingerprint import DST_MARGIN_SECONDS
from borderflow.feeds.records import (
    ABSENT_LANES,
    FUTURE_SLACK,
    MEASURES,
    CrossingSeen,
    Parsed,
    Rejected,
    volume_date_problem,
)
from borderflow.services.sources import Source
from borderflow.store import catalog as store_catalog
from borderflow.store.db import writing
from borderflow.store.payloads import (
    clock_delta,
    compress,
    content_hash,
    decompress,
    load_payload,
    rebuild_delta,
    store_payload,
    store_payloads,
)
from borderflow.store.schema import crossing_states, quarantine
from borderflow.store.storable import refuse_unstorable
from borderflow.store.writes import (
    ObservationWriter,
    WriteCounts,
    record_conflicts,
    write_averages,
    write_volumes,
)
from borderflow.text_rules import shown_storable

if TYPE_CHECKING:
    from borderflow.feeds.fingerprint import Fingerprint

#: Snapshot fields that change with every poll and so do not make a new crossing state.
_VOLATILE_SNAPSHOT_FIELDS = frozenset({"date", "time", "last_updated_date", "last_updated_time", "pubDate"})

log = logging.getLogger(__name__)


@dataclass
class FileSummary:
    """What ingesting one file did. ``error`` is the one-line reason when it was refused."""

    name: str
    format: str = ""
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    conflicts: int = 0
    #: How many of ``conflicts`` clash with an earlier record of the same file, not a stored one.
    conflicts_in_file: int = 0
    quarantined: int = 0
    new_crossings: int = 0
    error: str | None = None
    sha256: str = ""
    #: What the parser wants the user to know that is not a refusal (empty cells counted,
    #: identical duplicate rows collapsed, names it could not place).
    notes: list[str] = field(default_factory=list)
    #: True when the database refused the write: nothing of the file is in the archive,
    #: not even its bytes (a refusal of its content keeps them; this does not), so it must
    #: be stored again when the database answers.
    unstored: bool = False

    @property
    def refused_anything(self) -> bool:
        return self.error is not None or self.quarantined > 0


_TOTALS = ("read", "stored", "duplicates", "conflicts", "quarantined", "new_crossings")
#: Per-file summaries kept beyond those with problems.
KEEP_FILES = 5000


@dataclass
class IngestSummary:
    """Totals over a run, and the per-file summaries worth reading.

    Every file with a problem (an error, refused records, clashes) is kept, and the
    others up to :data:`KEEP_FILES`: a year of five-minute snapshots must not keep a
    hundred thousand summaries in memory. ``file_count`` counts them all.
    """

    files: list[FileSummary] = field(default_factory=list)
    file_count: int = 0
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_TOTALS, 0))
    refused_anything: bool = False

    def add(self, item: FileSummary) -> None:
        self.file_count += 1
        for key in _TOTALS:
            self.totals[key] += getattr(item, key)
        self.refused_anything = self.refused_anything or item.refused_anything
        if len(self.files) < KEEP_FILES or item.refused_anything or item.conflicts or item.notes:
            self.files.append(item)

    def total(self, name: str) -> int:
        return self.totals[name]

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.file_count,
            **self.totals,
            "errors": [f.error for f in self.files if f.error],
            "per_file": [asdict(f) for f in self.files],
            "per_file_complete": len(self.files) == self.file_count,
        }



def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Ingestor:
    """Writes parsed payloads into one database; keeps small caches between files."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.observations = ObservationWriter()
        self._known_crossings: set[str] | None = None
        #: crossing -> (seen_at, stable fields) of the newest state written or read here
        self._states: dict[str, tuple[dt.datetime, dict[str, str]]] = {}
        #: Per live-feed format: the SHA-256 of the payload whose records the last stored
        #: payload holds (None when it cannot stand for a later one), and its summary.
        self._last_content: dict[str, str | None] = {}
        self._last_summary: dict[str, FileSummary] = {}
        self._repeats: list[dict[str, Any]] = []
        #: Per format, the last payload seen here in full (what later repeats are cut on).
        self._bases: dict[str, Prepared] = {}

    # -- crossings -----------------------------------------------------------------
    def _crossings(self, conn: Connection, seen: Iterable[CrossingSeen], origin: str, sha256: str | None = None) -> int:
        if self._known_crossings is None:
            self._known_crossings = store_catalog.known_crossing_ids(conn)
        from borderflow.catalog import ports, timezone_of

        added = 0
        for c in seen:
            if c.crossing_id not in self._known_crossings:
                # a source that names a crossing without describing it: its port (the
                # first four digits) still says where it is, when the catalog knows the port
                port = next((p for p in ports() if p.port_code == c.crossing_id[:4]), None)
                store_catalog.add_crossing(
                    conn,
                    c.crossing_id,
                    port_name=c.port_name or (port.name if port else ""),
                    crossing_name=c.crossing_name,
                    border=c.border or (port.border if port else ""),
                    max_lanes=c.max_lanes,
                    hours=c.hours,
                    origin=origin,
                    seen_at=c.seen_at,
                    timezone=timezone_of(c.crossing_id) or c.timezone or (port.timezone if port else "") or "UTC",
                )
                self._known_crossings.add(c.crossing_id)
                added += 1
            if c.snapshot and c.seen_at is not None:
                self._state(conn, c, sha256)
        return added

    def _state(self, conn: Connection, c: CrossingSeen, sha256: str | None) -> None:
        stable = {k: v for k, v in c.snapshot.items() if k not in _VOLATILE_SNAPSHOT_FIELDS}
        assert c.seen_at is not None
        cached = self._states.get(c.crossing_id)
        # The state to compare with is the newest one at or before this snapshot: the one
        # kept here only when this snapshot is not older than it (files may come in any order).
        last = cached[1] if cached is not None and cached[0] <= c.seen_at else None
        if last is None:
            t = crossing_states.c
            row = conn.execute(
                select(t.snapshot).where(t.crossing_id == c.crossing_id, t.seen_at <= c.seen_at)
                .order_by(t.seen_at.desc()).limit(1)
            ).first()
            if row is not None:
                last = {k: v for k, v in json.loads(row[0]).items() if k not in _VOLATILE_SNAPSHOT_FIELDS}
        if last == stable:
            if cached is None or cached[0] <= c.seen_at:
                self._states[c.crossing_id] = (c.seen_at, stable)
            return
        exists = conn.execute(
            select(crossing_states.c.id, crossing_states.c.snapshot).where(
                crossing_states.c.crossing_id == c.crossing_id, crossing_states.c.seen_at == c.seen_at
            )
        ).first()
        if exists is not None and ABSENT_LANES in c.snapshot and ABSENT_LANES not in json.loads(exists.snapshot):
            # stored before snapshots kept the lanes shown without a reading: parsed again
            # (reparse), the state is stored anew with them (a new row, so the archive's
            # version, and every answer cached on it, moves on)
            conn.execute(crossing_states.delete().where(crossing_states.c.id == exists.id))
            exists = None
        if exists is None:
            conn.execute(
                crossing_states.insert().values(
                    crossing_id=c.crossing_id, seen_at=c.seen_at,
                    snapshot=json.dumps(c.snapshot, sort_keys=True), payload_sha256=sha256,
                )
            )
        if cached is None or cached[0] <= c.seen_at:
            self._states[c.crossing_id] = (c.seen_at, stable)

    def _unknown_crossings(self, parsed: Parsed) -> list[CrossingSeen]:
        """Crossings named by readings of sources that describe no crossing themselves."""
        described = {c.crossing_id for c in parsed.crossings}
        ids = {o.crossing_id for o in parsed.observations} - described
        return [CrossingSeen(crossing_id=i) for i in sorted(ids)]

    # -- one payload -----------------------------------------------------------------
    def write_parsed(self, conn: Connection, parsed: Parsed, *, name: str, sha256: str) -> FileSummary:
        now = _now()
        parsed = _future_refused(parsed, now + FUTURE_SLACK)
        parsed = _undatable_volumes_refused(parsed, (now + FUTURE_SLACK).date())
        # text the archive cannot store (a NUL) refuses its record alone, on every database
        # (done already where a file was parsed in ingest's own workers)
        parsed = refuse_unstorable(parsed)
        summary = FileSummary(name=name, format=parsed.format, sha256=sha256,
                              notes=list(parsed.notes) + _unplaced(parsed))
        summary.new_crossings = self._crossings(conn, parsed.crossings, parsed.format, sha256)
        summary.new_crossings += self._crossings(conn, self._unknown_crossings(parsed), parsed.format)
        counts = WriteCounts()
        obs_counts = self.observations.write(conn, parsed.observations, sha256)
        record_conflicts(conn, "observation", obs_counts.conflicts, sha256, name, now)
        counts.add(obs_counts)
        if parsed.averages:
            avg = write_averages(conn, parsed.averages, sha256)
            record_conflicts(conn, "historical_average", avg.conflicts, sha256, name, now)
            counts.add(avg)
        if parsed.volumes:
            vol = write_volumes(conn, parsed.volumes, sha256)
            record_conflicts(conn, "volume", vol.conflicts, sha256, name, now)
            counts.add(vol)
        if parsed.rejected:
            self._quarantine(conn, sha256, name, [(r.place, r.reason, r.raw) for r in parsed.rejected], now)
        summary.read = len(parsed.observations) + len(parsed.averages) + len(parsed.volumes) + len(parsed.rejected)
        summary.stored = counts.stored
        summary.duplicates = counts.duplicates
        summary.conflicts = len(counts.conflicts)
        summary.conflicts_in_file = counts.conflicts_in_file
        summary.quarantined = len(parsed.rejected)
        return summary

    @staticmethod
    def _quarantine(conn: Connection, sha256: str | None, name: str, items: list[tuple[str, str, str]], now: dt.datetime) -> None:
        """Keep refused parts aside; the same part of the same payload is kept once.

        Text the archive cannot store (a NUL, a lone surrogate) is kept escaped, as ``\\x00``
        (:func:`~borderflow.text_rules.shown_storable`), and the reason says so; the
        payload keeps the exact bytes.
        """
        have = set()
        if sha256 is not None:
            q = select(quarantine.c.place, quarantine.c.reason).where(quarantine.c.payload_sha256 == sha256)
            have = {(r[0], r[1]) for r in conn.execute(q)}
        rows = []
        for place, reason, raw in items:
            entry = _kept_aside(place, reason, raw)
            if (entry["place"], entry["reason"]) not in have:
                rows.append({"payload_sha256": sha256, "source_name": shown_storable(name), **entry, "created_at": now})
        if rows:
            conn.execute(quarantine.insert(), rows)

    def ingest_bytes(self, data: bytes, name: str, format: str | None = None) -> FileSummary:
        """Parse and store one payload in one transaction; never raises a BorderFlowError."""
        return self.commit(Preparer(format).prepare(name, data))

    def commit(self, item: Prepared) -> FileSummary:
        """Store one prepared payload and its records in one transaction."""
        return self.commit_many([item])[0]

    def commit_many(self, items: list[Prepared]) -> list[FileSummary]:
        """Store prepared payloads in order, in one transaction with a savepoint per file.

        A file that fails rolls back to its savepoint alone: none of its records stay,
        the files before and after it are unaffected. A payload that only repeats the
        one before it is a single insert of its raw bytes, which needs no savepoint.
        """
        summaries: list[FileSummary] = []
        self._repeats = []
        try:
            with writing(self.engine) as conn:
                for item in items:
                    summaries.append(self._commit_one(conn, item))
                # repeats write nothing but their raw bytes: one insert for the group
                store_payloads(conn, self._repeats)
        except Exception as exc:  # reported per file, never as a traceback
            if not isinstance(exc, (BorderFlowError, SQLAlchemyError)):
                log.exception("storing a group of %d file(s) failed", len(items))
            self._forget()
            reason = _database_reason(exc)
            # the whole group rolled back: a file refused in it lost its kept bytes as well
            return [
                replace(s, unstored=True) if s.error else FileSummary(
                    name=s.name, format=s.format, sha256=s.sha256, error=f"{s.name}: {reason}", unstored=True)
                for s in summaries
            ] + [FileSummary(name=i.name, format=i.format, error=f"{i.name}: {reason}", unstored=True)
                 for i in items[len(summaries):]]
        return summaries

    def _forget(self) -> None:
        """After a rollback the caches may name rows that were never stored."""
        self.observations.forget()
        self._states.clear()
        self._known_crossings = None
        self._last_content.clear()

    def _commit_one(self, conn: Connection, item: Prepared) -> FileSummary:
        if item.content is None:
            return FileSummary(name=item.name, error=item.error)
        if item.error is None and item.same_as is not None and self._last_content.get(item.format) != item.same_as:
            # The payload it stands for is not the last one stored: parse it in full here.
            try:
                item = Preparer(item.format).reparse(item, self._base_bytes(conn, item.format, item.same_as))
            except BorderFlowError as exc:
                return FileSummary(name=item.name, format=item.format, sha256=item.sha256,
                                   error=f"{item.name}: {exc}")
        elif item.parsed is not None:
            self._bases[item.format] = item
        if item.error is not None:
            return self._refuse_whole(conn, item)
        if item.same_as is not None:
            self._repeats.append({
                "sha256": item.sha256, "format": item.format, "name": item.name, "size_bytes": item.size_bytes,
                "compression": item.compression, "content": item.content, "stored_at": _now(),
                "published_at": item.published_at,
            })
            return self._repeat(item)
        assert item.parsed is not None and item.content is not None
        try:
            with conn.begin_nested():
                store_payload(conn, item.content, sha256=item.sha256, format=item.format, name=item.name,
                              now=_now(), size_bytes=item.size_bytes, compression=item.compression,
                              published_at=item.parsed.generated_at, parsed_as=True)
                summary = self.write_parsed(conn, item.parsed, name=item.name, sha256=item.sha256)
        except Exception as exc:  # one file's failure must not cost the others
            if not isinstance(exc, (BorderFlowError, SQLAlchemyError)):
                log.exception("storing %s failed", item.name)
            self._forget()
            return FileSummary(name=item.name, format=item.format, sha256=item.sha256,
                               error=f"{item.name}: {_database_reason(exc)}")
        self._last_content[item.format] = item.sha256 if item.repeatable else None
        self._last_summary[item.format] = summary
        return summary

    def _base_bytes(self, conn: Connection, format: str, sha256: str) -> bytes:
        """The bytes of the payload a repeat was prepared against: the last payload of
        its format seen here in full, or else the stored one."""
        base = self._bases.get(format)
        if base is not None and base.sha256 == sha256 and base.content is not None:
            return decompress(base.compression, base.content)
        try:
            return load_payload(conn, sha256)
        except NotFoundError:
            raise NotFoundError(
                f"the payload it repeats ({sha256}) was neither stored nor seen in this run; ingest that one again"
            ) from None

    def _repeat(self, item: Prepared) -> FileSummary:
        """The summary of a payload whose records repeat the last stored payload's."""
        last = self._last_summary[item.format]
        return FileSummary(name=item.name, format=item.format, sha256=item.sha256, read=last.read,
                           duplicates=last.read - last.conflicts, conflicts=last.conflicts,
                           conflicts_in_file=last.conflicts_in_file)

    def _refuse_whole(self, conn: Connection, item: Prepared) -> FileSummary:
        """A file no parser could read: keep its bytes and a quarantine entry saying why."""
        name, message = item.name, item.error or ""
        message = message if message.startswith(name) else f"{name}: {message}"
        assert item.content is not None
        with conn.begin_nested():
            # a format that was forced and failed says nothing of the file: reparse detects it again
            kept_as = "unknown" if item.forced or not item.format else item.format
            store_payload(conn, item.content, sha256=item.sha256, format=kept_as, name=name,
                          now=_now(), size_bytes=item.size_bytes, compression=item.compression)
            self._quarantine(conn, item.sha256, name, [("whole file", message, "")], _now())
        self._last_content.pop(item.format, None)
        return FileSummary(name=name, format=item.format or "unknown", sha256=item.sha256, error=message,
                           quarantined=1, read=1)

    def ingest_sources(
        self,
        sources: Iterable[Source | BadInputError],
        format: str | None = None,
        progress: Callable[[FileSummary], None] | None = None,
        workers: int = 1,
    ) -> IngestSummary:
        """Ingest sources in order. With ``workers`` > 1, reading, hashing, compressing and
        parsing run in that many processes while this one writes, in the same order."""
        summary = IngestSummary()
        group: list[Prepared] = []
        started = time.monotonic()

        def flush() -> None:
            for result in self.commit_many(group):
                summary.add(result)
                if progress:
                    progress(result)
            group.clear()

        for item in prepare_all(sources, format, workers):
            if not group:
                started = time.monotonic()
            group.append(item)
            if len(group) >= GROUP_FILES or time.monotonic() - started > GROUP_SECONDS:
                flush()
        if group:
            flush()
        return summary


def _kept_aside(place: str, reason: str, raw: str) -> dict[str, str]:
    """A refused part's place, reason and raw text as the quarantine can store them."""
    shown = {"place": shown_storable(place)[:200], "reason": shown_storable(reason), "raw": shown_storable(raw)[:4000]}
    if shown["raw"] != raw[:4000] or shown["place"] != place[:200] or shown["reason"] != reason:
        shown["reason"] += (" (characters the archive cannot store, such as NUL, are shown escaped here, NUL as "
                            "\\x00; the stored payload keeps the exact bytes)")
    return shown


def _database_reason(exc: Exception) -> str:
    if isinstance(exc, BorderFlowError):
        return str(exc)
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, SQLAlchemyError):
        return f"the database refused the write ({type(exc).__name__}: {first_line}); nothing of it was stored"
    return (f"could not be stored ({type(exc).__name__}: {first_line}); nothing of it was stored, "
            "the other files were; the details are in the log")


#: Files committed together (each in its own savepoint): fewer commits, same atomicity
#: per file. A group is also closed after GROUP_SECONDS, so slow sources land promptly.
GROUP_FILES = 256
GROUP_SECONDS = 1.0

#: Consecutive sources handed to a worker at once; the first of each is parsed in full.
CHUNK_SOURCES = 256


@dataclass
class Prepared:
    """A payload made ready for the store, in a worker or in this process.

    ``content`` is the compressed payload (None when the source could not be read);
    ``error`` a whole-file refusal; ``same_as`` the SHA-256 of the payload just before it
    whose records it repeats (then ``parsed`` is None and ``content`` a clock delta on
    that payload).
    """

    name: str
    sha256: str = ""
    size_bytes: int = 0
    compression: str = ""
    content: bytes | None = None
    format: str = ""
    parsed: Parsed | None = None
    error: str | None = None
    #: Whether a later repeat of this payload may stand on it (a live-feed payload).
    repeatable: bool = False
    same_as: str | None = None
    #: Whether ``format`` was given (``--format``) rather than detected.
    forced: bool = False
    #: A repeat's own feed time (UTC): its base's, moved as far as its clock fields moved,
    #: so a replay finds the capture (the feed's port clocks) at or before an instant.
    published_at: dt.datetime | None = None


def _future_refused(parsed: Parsed, latest: dt.datetime) -> Parsed:
    """``parsed`` with its readings dated after ``latest`` moved to its refused records."""
    future = [o for o in parsed.observations if o.observed_at > latest]
    if not future:
        return parsed
    refused = [Rejected(
        f"reading {o.crossing_id} {o.mode}/{o.program} {o.direction} at {o.observed_at.isoformat()}",
        f"dated {o.observed_at.isoformat()}, more than {FUTURE_SLACK.total_seconds() / 3600:.0f} h after it "
        "was stored: a wait cannot be read before it happens; check the date, the year and the time zone",
        f"{o.crossing_id},{o.mode},{o.program},{o.observed_at.isoformat()},{o.wait_minutes},{o.lanes_open},"
        f"{o.status},{o.source},{o.direction}") for o in future]
    kept = [o for o in parsed.observations if o.observed_at <= latest]
    return dataclasses.replace(parsed, observations=kept, rejected=[*parsed.rejected, *refused])


def _undatable_volumes_refused(parsed: Parsed, latest: dt.date) -> Parsed:
    """``parsed`` with its counts for a period outside the plausible dates (before 1900, or
    starting after ``latest``: :func:`~borderflow.feeds.records.volume_date_problem`)
    moved to its refused records, as readings dated in the future are."""
    problems = [(v, volume_date_problem(v, latest)) for v in parsed.volumes]
    refused = [Rejected(
        f"count of port {v.port_code or '(none)'}" + (f", site {v.site!r}" if v.site else "")
        + f", {v.period} {v.period_start.isoformat()}, {v.measure}", reason,
        f"{v.port_code},{v.site},{v.period},{v.period_start.isoformat()},{v.measure},{v.direction},{v.value!r},"
        f"{v.source}") for v, reason in problems if reason is not None]
    if not refused:
        return parsed
    kept = [v for v, reason in problems if reason is None]
    return dataclasses.replace(parsed, volumes=kept, rejected=[*parsed.rejected, *refused])


class Preparer:
    """Reads, hashes, compresses, detects and parses payloads, remembering the last
    clean live-feed payload so that a repeat of it need not be parsed again."""

    def __init__(self, format: str | None = None) -> None:
        self.format = format
        #: format -> (fingerprint, SHA-256, day_before_slack, feed time) of the last clean payload
        self._reference: dict[str, tuple[Fingerprint, str, dt.timedelta | None, dt.datetime | None]] = {}

    def forget(self) -> None:
        """Forget the payloads remembered: the last one was not stored after all (the
        database refused it), so nothing may be kept as a repeat of it."""
        self._reference.clear()

    def prepare_source(self, source: Source | BadInputError) -> Prepared:
        if isinstance(source, BadInputError):
            return Prepared(name="", error=str(source))
        try:
            data = source.read()
        except BorderFlowError as exc:
            return Prepared(name=source.name, error=str(exc))
        return self.prepare(source.name, data)

    def prepare(self, name: str, data: bytes) -> Prepared:
        from borderflow.feeds.detect import detect_format
        from borderflow.feeds.fingerprint import feed_fingerprint

        item = Prepared(name=name, sha256=content_hash(data), size_bytes=len(data), format=self.format or "",
                        forced=self.format is not None)
        try:
            item.format = self.format or detect_format(data[:4096], name)
        except BorderFlowError as exc:
            item.compression, item.content = compress(data)
            item.error = str(exc)
            return item
        fingerprint = feed_fingerprint(item.format, data)
        reference = self._reference.get(item.format)
        if (fingerprint is not None and reference is not None and fingerprint.stands_for(reference[0], reference[2])
                and not _spans_clock_change(fingerprint, reference[0], reference[3])):
            # a repeat: kept as its clock fields on the payload it repeats
            item.same_as = reference[1]
            item.compression, item.content = clock_delta(reference[1], fingerprint.clock_fields())
            item.published_at = _moved_clock(fingerprint, reference[0], reference[3])
            return item
        item.compression, item.content = compress(data)
        self._parse(item, data, fingerprint)
        return item

    def reparse(self, item: Prepared, base: bytes) -> Prepared:
        """Parse a prepared repeat in full, given the bytes of the payload it repeats
        (which was not the last one stored); it is then kept whole, not as a delta."""
        assert item.content is not None
        from borderflow.feeds.fingerprint import feed_fingerprint

        data = rebuild_delta(item.format, base, item.content)
        compression, content = compress(data)
        full = Prepared(**{**item.__dict__, "same_as": None, "compression": compression, "content": content})
        self._parse(full, data, feed_fingerprint(item.format, data))
        return full

    def _parse(self, item: Prepared, data: bytes, fingerprint: Fingerprint | None) -> None:
        from borderflow.feeds.detect import parse_bytes

        try:
            # where the file is parsed (a worker process, when several), not in the writer
            item.parsed = refuse_unstorable(parse_bytes(data, item.name, item.format))
            if item.forced and _read_nothing(item.parsed) and data.strip():
                _refuse_forced_format(item, data)
        except BorderFlowError as exc:
            item.error = str(exc)
            item.parsed = None
            self._reference.pop(item.format, None)
            return
        item.repeatable = fingerprint is not None and not item.parsed.rejected
        if fingerprint is not None and item.repeatable:
            self._reference[item.format] = (fingerprint, item.sha256, item.parsed.day_before_slack,
                                            item.parsed.generated_at)
        else:
            self._reference.pop(item.format, None)


@functools.cache
def _feed_zones() -> tuple[ZoneInfo, ...]:
    """Every zone a live feed's clocks are read in: its crossings' (the catalog's), the
    zones its labels name, and CBP's own clock."""
    from borderflow.catalog import crossings as catalog_crossings

    names = {c.timezone for c in catalog_crossings() if c.timezone} | set(LABEL_ZONES.values()) | {CBP_CLOCK_ZONE}
    return tuple(ZoneInfo(n) for n in sorted(names))


def _spans_clock_change(fingerprint: Fingerprint, reference: Fingerprint, base_time: dt.datetime | None) -> bool:
    """Whether the clocks of a feed zone change between a payload's base and it: from the
    base's feed time to as far as its clock fields moved, plus the hour such a change can
    hide. Such a payload is parsed in full (a few a year), so that a repeat's wall-clock
    advance is always the time that passed (:func:`_moved_clock`)."""
    if base_time is None:
        return False
    advance = max((a - b for a, b in zip(fingerprint.field_seconds, reference.field_seconds)), default=0)
    end = base_time + dt.timedelta(seconds=max(advance, 0) + DST_MARGIN_SECONDS)
    return any(base_time.astimezone(z).utcoffset() != end.astimezone(z).utcoffset() for z in _feed_zones())


def _moved_clock(fingerprint: Fingerprint, reference: Fingerprint, base_time: dt.datetime | None) -> dt.datetime | None:
    """A repeat's feed time: its base's moved by the advance most of its clock fields made
    (every port's clock moves alike; the feed time is the most common port time). The
    advance is wall-clock time, which is the time that passed because a repeat never spans
    a change of the clocks (:func:`_spans_clock_change`)."""
    if base_time is None:
        return None
    advances = Counter(a - b for a, b in zip(fingerprint.field_seconds, reference.field_seconds))
    if not advances:
        return None
    best = max(advances.values())
    return base_time + dt.timedelta(seconds=min(a for a, n in advances.items() if n == best))


def _listed(names: set[str], limit: int = 8) -> str:
    shown = sorted(names)
    return ", ".join(shown[:limit]) + (f" and {len(shown) - limit} more" if len(shown) > limit else "")


def _unplaced(parsed: Parsed) -> list[str]:
    """Notes naming what a file's records name that BorderFlow cannot place: crossings not
    in the catalog (and not described by the file itself), ports it does not know, measures
    that are not BTS's words. The records are stored; a typo is told, not hidden."""
    from borderflow.catalog import crossing, ports

    notes = []
    named = {o.crossing_id for o in parsed.observations} - {c.crossing_id for c in parsed.crossings}
    strangers = {c for c in named if crossing(c) is None}
    if strangers:
        notes.append(f"{len(strangers)} crossing id(s) not in the catalog of CBP crossings: {_listed(strangers)}; "
                     "their readings are stored under a crossing with no name: check the ids "
                     "(GET /api/v1/crossings lists the known ones)")
    if parsed.volumes:
        known = {p.port_code for p in ports()}
        unknown_ports = {v.port_code for v in parsed.volumes if v.port_code and v.port_code not in known}
        if unknown_ports:
            notes.append(f"{len(unknown_ports)} port code(s) not among the ports BTS lists: "
                         f"{_listed(unknown_ports)}; their counts are stored: check the codes")
        # (TxDOT's parser names its own modes with no BTS measure)
        odd = {v.measure for v in parsed.volumes if v.measure not in MEASURES} if parsed.format != "txdot-csv" else set()
        if odd:
            notes.append(f"{len(odd)} measure(s) not in BTS's words: {_listed({repr(m) for m in odd})}; stored "
                         "as written, but the pages and plans look for BTS's words such as 'Trucks' or "
                         "'Personal Vehicles'")
    return notes


def _read_nothing(parsed: Parsed) -> bool:
    """No reading, average or count, and nothing refused (a crossing alone can come of a misread)."""
    return not (parsed.observations or parsed.averages or parsed.volumes or parsed.rejected)


def _refuse_forced_format(item: Prepared, data: bytes) -> None:
    """A non-empty file from which the forced format read nothing at all: refused when its
    content looks like another format (or none), since an empty result of the right format
    (a feed listing no port) is not an error."""
    from borderflow.feeds.detect import detect_format

    try:
        detected = detect_format(data[:4096], item.name)
    except BorderFlowError:
        detected = None
    if detected != item.format:
        looks = f"it looks like {detected}" if detected else "its format is not recognised"
        raise BadInputError(f"--format {item.format} read nothing from it and {looks}; leave --format out to "
                            "detect the format, or name the right one")


def _prepare_chunk(chunk: list[Source | BadInputError], format: str | None) -> list[Prepared]:
    preparer = Preparer(format)
    return [preparer.prepare_source(s) for s in chunk]


def prepare_all(sources: Iterable[Source | BadInputError], format: str | None, workers: int) -> Iterator[Prepared]:
    """Prepared payloads in source order; at most ``2 * workers`` chunks in flight, so
    memory stays flat however many sources there are."""
    if workers <= 1:
        preparer = Preparer(format)
        for source in sources:
            yield preparer.prepare_source(source)
        return
    import concurrent.futures as cf
    import multiprocessing
    from collections import deque
    from itertools import islice

    iterator = iter(sources)
    context = multiprocessing.get_context("fork")
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[cf.Future[list[Prepared]]] = deque()

        def submit() -> bool:
            chunk = list(islice(iterator, CHUNK_SOURCES))
            if chunk:
                pending.append(pool.submit(_prepare_chunk, chunk, format))
            return bool(chunk)

        while len(pending) < 2 * workers and submit():
            pass
        while pending:
            done = pending.popleft().result()
            submit()
            yield from done


def ingest(engine: Engine, specs: list[str], format: str | None = None,
           progress: Callable[[FileSummary], None] | None = None, workers: int = 1) -> IngestSummary:
    """Ingest every file, folder, glob or URL in ``specs``."""
    from borderflow.services.sources import expand_sources

    if format is not None:
        from borderflow.feeds.detect import FORMATS

        if format not in FORMATS:
            raise BadInputError(f"--format {format!r} is not a known format; use one of: {', '.join(sorted(FORMATS))}")
    return Ingestor(engine).ingest_sources(expand_sources(specs), format, progress, workers)


def reparse(engine: Engine, format: str | None = None,
            progress: Callable[[FileSummary], None] | None = None) -> IngestSummary:
    """Parse every stored payload again with today's parsers and store what is new."""
    from borderflow.store.payloads import iter_payload_ids

    with engine.connect() as conn:
        ids = list(iter_payload_ids(conn, format))
    ingestor = Ingestor(engine)
    summary = IngestSummary()
    for sha, fmt, name in ids:
        with engine.connect() as conn:
            data = load_payload(conn, sha)
        item = ingestor.ingest_bytes(data, name, None if fmt == "unknown" else fmt)
        summary.add(item)
        if progress:
            progress(item)
    return summary
