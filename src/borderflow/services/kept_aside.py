"""What an ingest kept aside: refused records (``quarantine``) and readings that clash
with stored ones (``conflicts``), newest first, for ``borderflow quarantine`` and
``borderflow conflicts``.

A quarantined record keeps its file (``source_name``), where in the file it was
(``place``: a line, a row, a lane), the reason it was refused and its raw text. A conflict
keeps the reading's key, the stored values and the incoming ones; the stored reading is
never changed by an ingest.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, func, select

from borderflow.errors import BadInputError
from borderflow.store.schema import conflicts, quarantine

MAX_LIMIT = 100_000


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInputError(f"--limit must be a whole number from 1 to {MAX_LIMIT}; got {limit}")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def quarantined(engine: Engine, *, file_contains: str | None = None, limit: int = 50) -> dict[str, Any]:
    """Refused records, newest first: ``{"total": n matching, "items": [...]}``."""
    _check_limit(limit)
    t = quarantine.c
    where = [t.source_name.contains(file_contains, autoescape=True)] if file_contains else []
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(quarantine).where(*where)).scalar_one()
        rows = conn.execute(select(t.id, t.created_at, t.source_name, t.place, t.reason, t.raw, t.payload_sha256)
                            .where(*where).order_by(t.id.desc()).limit(limit)).all()
    return {"total": total, "items": [
        {"id": r.id, "kept_at": _iso(r.created_at), "file": r.source_name, "place": r.place, "reason": r.reason,
         "raw": r.raw, "payload_sha256": r.payload_sha256} for r in rows]}


def clashes(engine: Engine, *, file_contains: str | None = None, limit: int = 50) -> dict[str, Any]:
    """Readings that clash with stored ones, newest first: ``{"total": n, "items": [...]}``."""
    _check_limit(limit)
    t = conflicts.c
    where = [t.source_name.contains(file_contains, autoescape=True)] if file_contains else []
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(conflicts).where(*where)).scalar_one()
        rows = conn.execute(select(t.id, t.created_at, t.kind, t.natural_key, t.stored, t.incoming, t.source_name,
                                   t.payload_sha256)
                            .where(*where).order_by(t.id.desc()).limit(limit)).all()
    return {"total": total, "items": [
        {"id": r.id, "kept_at": _iso(r.created_at), "kind": r.kind, "key": r.natural_key,
         "stored": json.loads(r.stored), "incoming": json.loads(r.incoming), "file": r.source_name,
         "payload_sha256": r.payload_sha256} for r in rows]}
