"""What an ingest kept aside: refused records (``quarantine``) and readings that clash
with stored ones (``conflicts``), newest first, for ``borderflow quarantine`` and
``borderflow conflicts``.

A quarantined record keeps its file (``source_name``), where in the file it was
(``place``: a line, a row, a lane), the reason it was refused and its raw text. A conflict
keeps the record's key, the stored values and the incoming ones; the stored record is
never changed by an ingest, only by adopting a clash (:mod:`borderflow.services.adoption`).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, func, select

from borderflow.errors import BadInputError
from borderflow.services.adoption import check_kind
from borderflow.store.schema import adoptions, conflicts, quarantine

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


def clashes(engine: Engine, *, file_contains: str | None = None, kind: str | None = None,
            key_contains: str | None = None, every_status: bool = False, limit: int = 50) -> dict[str, Any]:
    """Versions of records that clash with stored ones, newest first: ``{"total": n, "items": [...],
    "resolved": m}``.

    Open ones only, unless ``every_status``: then those adopted (their values are stored
    now, or were until a later adoption replaced them) and replaced (a stored version an
    adoption took out) too, each with the adoption that set its status. ``resolved``
    counts the adopted and replaced ones the other filters match (so a list of none open
    can say there are some).
    """
    _check_limit(limit)
    check_kind(kind)
    t, a = conflicts.c, adoptions.c
    where = [t.source_name.contains(file_contains, autoescape=True)] if file_contains else []
    if kind:
        where.append(t.kind == kind)
    if key_contains:
        where.append(t.natural_key.contains(key_contains, autoescape=True))
    shown = where if every_status else [*where, t.status == "open"]
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(conflicts).where(*shown)).scalar_one()
        resolved = conn.execute(select(func.count()).select_from(conflicts)
                                .where(*where, t.status != "open")).scalar_one()
        rows = conn.execute(select(t.id, t.created_at, t.kind, t.natural_key, t.stored, t.incoming, t.source_name,
                                   t.payload_sha256, t.status, a.id.label("adoption"), a.adopted_at, a.adopted_by,
                                   a.why)
                            .select_from(conflicts.outerjoin(adoptions, a.id == t.adoption_id))
                            .where(*shown).order_by(t.id.desc()).limit(limit)).all()
    return {"total": total, "resolved": resolved, "items": [
        {"id": r.id, "kept_at": _iso(r.created_at), "kind": r.kind, "key": r.natural_key,
         "stored": json.loads(r.stored), "incoming": json.loads(r.incoming), "file": r.source_name,
         "payload_sha256": r.payload_sha256, "status": r.status,
         "adoption": None if r.adoption is None else {"id": r.adoption, "at": _iso(r.adopted_at),
                                                       "by": r.adopted_by, "why": r.why}}
        for r in rows]}
