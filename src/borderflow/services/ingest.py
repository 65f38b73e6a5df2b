"""Ingest: source bytes -> parser -> store, one transaction per file, nothing lost.

For each file or payload: the raw bytes are kept (compressed, by content hash); the
parser's records are written idempotently (see :mod:`borderflow.store.writes`); parts
the parser refused go to ``quarantine`` with their reason; readings that clash with
stored ones go to ``conflicts``. A file whose transaction fails leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import SQLAlchemyError

from borderflow.errors import BadInputError, BorderFlowError
from borderflow.feeds.detect import detect_format, parse_bytes
from borderflow.feeds.records import CrossingSeen, Parsed
from borderflow.store import catalog as store_catalog
from borderflow.store.payloads import content_hash, load_payload, store_payload
from borderflow.store.schema import crossing_states, quarantine
from borderflow.store.writes import ObservationWriter, WriteCounts, record_conflicts, write_averages, write_volumes
from borderflow.services.sources import Source

#: Snapshot fields that change with every poll and so do not make a new crossing state.
_VOLATILE_SNAPSHOT_FIELDS = frozenset({"date", "time", "last_updated_date", "last_updated_time"})


@dataclass
class FileSummary:
    """What ingesting one file did. ``error`` is the one-line reason when it was refused."""

    name: str
    format: str = ""
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    conflicts: int = 0
    quarantined: int = 0
    new_crossings: int = 0
    error: str | None = None
    sha256: str = ""

    @property
    def refused_anything(self) -> bool:
        return self.error is not None or self.quarantined > 0


@dataclass
class IngestSummary:
    files: list[FileSummary] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def refused_anything(self) -> bool:
        return any(f.refused_anything for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        keys = ("read", "stored", "duplicates", "conflicts", "quarantined", "new_crossings")
        return {
            "files": len(self.files),
            **{k: self.total(k) for k in keys},
            "errors": [f.error for f in self.files if f.error],
            "per_file": [asdict(f) for f in self.files],
        }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Ingestor:
    """Writes parsed payloads into one database; keeps small caches between files."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.observations = ObservationWriter()
        self._known_crossings: set[str] | None = None
        self._states: dict[str, dict[str, str]] = {}

    # -- crossings -----------------------------------------------------------------
    def _crossings(self, conn: Connection, seen: Iterable[CrossingSeen], origin: str) -> int:
        if self._known_crossings is None:
            self._known_crossings = store_catalog.known_crossing_ids(conn)
        from borderflow.catalog import timezone_of

        added = 0
        for c in seen:
            if c.crossing_id not in self._known_crossings:
                store_catalog.add_crossing(
                    conn,
                    c.crossing_id,
                    port_name=c.port_name,
                    crossing_name=c.crossing_name,
                    border=c.border,
                    max_lanes=c.max_lanes,
                    hours=c.hours,
                    origin=origin,
                    seen_at=c.seen_at,
                    timezone=timezone_of(c.crossing_id) or "UTC",
                )
                self._known_crossings.add(c.crossing_id)
                added += 1
            if c.snapshot and c.seen_at is not None:
                self._state(conn, c)
        return added

    def _state(self, conn: Connection, c: CrossingSeen) -> None:
        stable = {k: v for k, v in c.snapshot.items() if k not in _VOLATILE_SNAPSHOT_FIELDS}
        last = self._states.get(c.crossing_id)
        if last is None:
            t = crossing_states.c
            row = conn.execute(
                select(t.snapshot).where(t.crossing_id == c.crossing_id, t.seen_at <= c.seen_at)
                .order_by(t.seen_at.desc()).limit(1)
            ).first()
            if row is not None:
                last = {k: v for k, v in json.loads(row[0]).items() if k not in _VOLATILE_SNAPSHOT_FIELDS}
        if last == stable:
            return
        exists = conn.execute(
            select(crossing_states.c.id).where(
                crossing_states.c.crossing_id == c.crossing_id, crossing_states.c.seen_at == c.seen_at
            )
        ).first()
        if exists is None:
            conn.execute(
                crossing_states.insert().values(
                    crossing_id=c.crossing_id, seen_at=c.seen_at,
                    snapshot=json.dumps(c.snapshot, sort_keys=True), payload_sha256=None,
                )
            )
        self._states[c.crossing_id] = stable

    def _unknown_crossings(self, parsed: Parsed) -> list[CrossingSeen]:
        """Crossings named by readings of sources that describe no crossing themselves."""
        described = {c.crossing_id for c in parsed.crossings}
        ids = {o.crossing_id for o in parsed.observations} - described
        return [CrossingSeen(crossing_id=i) for i in sorted(ids)]

    # -- one payload -----------------------------------------------------------------
    def write_parsed(self, conn: Connection, parsed: Parsed, *, name: str, sha256: str) -> FileSummary:
        now = _now()
        summary = FileSummary(name=name, format=parsed.format, sha256=sha256)
        summary.new_crossings = self._crossings(conn, parsed.crossings, parsed.format)
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
        summary.quarantined = len(parsed.rejected)
        return summary

    @staticmethod
    def _quarantine(conn: Connection, sha256: str | None, name: str, items: list[tuple[str, str, str]], now: dt.datetime) -> None:
        conn.execute(
            quarantine.insert(),
            [
                {"payload_sha256": sha256, "source_name": name, "place": place[:200], "reason": reason, "raw": raw[:4000], "created_at": now}
                for place, reason, raw in items
            ],
        )

    def ingest_bytes(self, data: bytes, name: str, format: str | None = None) -> FileSummary:
        """Parse and store one payload in one transaction; never raises a BorderFlowError."""
        sha256 = content_hash(data)
        try:
            fmt = format or detect_format(data[:4096], name)
            parsed = parse_bytes(data, name, fmt)
        except BorderFlowError as exc:
            return self._refuse_whole(data, name, sha256, format or "unknown", exc)
        try:
            with self.engine.begin() as conn:
                store_payload(conn, data, sha256=sha256, format=parsed.format, name=name, now=_now())
                return self.write_parsed(conn, parsed, name=name, sha256=sha256)
        except (BorderFlowError, SQLAlchemyError) as exc:
            # The transaction rolled back: forget what the caches learnt from it.
            self.observations.forget()
            self._states.clear()
            self._known_crossings = None
            if isinstance(exc, BorderFlowError):
                reason = str(exc)
            else:
                first_line = str(exc).splitlines()[0] if str(exc) else ""
                reason = f"the database refused the write ({type(exc).__name__}: {first_line}); nothing of it was stored"
            return FileSummary(name=name, format=parsed.format, sha256=sha256, error=f"{name}: {reason}")

    def _refuse_whole(self, data: bytes, name: str, sha256: str, fmt: str, exc: BorderFlowError) -> FileSummary:
        """A file no parser could read: keep its bytes and a quarantine entry saying why."""
        message = str(exc) if str(exc).startswith(name) else f"{name}: {exc}"
        with self.engine.begin() as conn:
            store_payload(conn, data, sha256=sha256, format=fmt, name=name, now=_now())
            existing = conn.execute(
                select(quarantine.c.id).where(quarantine.c.payload_sha256 == sha256, quarantine.c.place == "whole file")
            ).first()
            if existing is None:
                self._quarantine(conn, sha256, name, [("whole file", message, "")], _now())
        return FileSummary(name=name, format=fmt, sha256=sha256, error=message, quarantined=1, read=1)

    def ingest_sources(
        self,
        sources: Iterable[Source | BadInputError],
        format: str | None = None,
        progress: Callable[[FileSummary], None] | None = None,
    ) -> IngestSummary:
        summary = IngestSummary()
        for src in sources:
            if isinstance(src, BadInputError):
                item = FileSummary(name="", error=str(src))
            else:
                try:
                    data = src.read()
                except BorderFlowError as exc:
                    item = FileSummary(name=src.name, error=str(exc))
                else:
                    item = self.ingest_bytes(data, src.name, format)
            summary.files.append(item)
            if progress:
                progress(item)
        return summary


def ingest(engine: Engine, specs: list[str], format: str | None = None,
           progress: Callable[[FileSummary], None] | None = None) -> IngestSummary:
    """Ingest every file, folder, glob or URL in ``specs``."""
    from borderflow.services.sources import expand_sources

    if format is not None:
        from borderflow.feeds.detect import FORMATS

        if format not in FORMATS:
            raise BadInputError(f"--format {format!r} is not a known format; use one of: {', '.join(sorted(FORMATS))}")
    return Ingestor(engine).ingest_sources(expand_sources(specs), format, progress)


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
        summary.files.append(item)
        if progress:
            progress(item)
    return summary
