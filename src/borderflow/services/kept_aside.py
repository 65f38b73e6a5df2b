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
from borderflow.services.adoption import NOT_STORED, check_kind, held_by, stored_records
from borderflow.store.schema import adoptions, conflicts, quarantine
from borderflow.store.writes import ADOPTABLE_KINDS, values_text

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
    where = [t.source_name.icontains(file_contains, autoescape=True)] if file_contains else []
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
    "resolved": m, "statuses": {status: count}}``.

    The versions not stored now (open: kept by an ingest; replaced: a stored version an
    adoption took out), unless ``every_status``: then the adopted ones too (their values
    are stored now), each with the adoption that set its status. ``file_contains`` (any
    case) matches every file that brought a version, not only the first. ``statuses``
    counts each status the other filters match, ``resolved`` the adopted and replaced ones.
    An item of a count or average is ``stale`` (the values stored now) when the stored
    record no longer holds the values it was kept against, else None.
    """
    _check_limit(limit)
    check_kind(kind)
    t, a = conflicts.c, adoptions.c
    where = [held_by(file_contains)] if file_contains else []
    if kind:
        where.append(t.kind == kind)
    if key_contains:
        where.append(t.natural_key.contains(key_contains, autoescape=True))
    shown = where if every_status else [*where, t.status.in_(NOT_STORED)]
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(conflicts).where(*shown)).scalar_one()
        statuses = {status: count for status, count in conn.execute(
            select(t.status, func.count()).where(*where).group_by(t.status))}
        rows = conn.execute(select(t.id, t.created_at, t.kind, t.natural_key, t.stored, t.incoming, t.source_name,
                                   t.payload_sha256, t.status, a.id.label("adoption"), a.adopted_at, a.adopted_by,
                                   a.why)
                            .select_from(conflicts.outerjoin(adoptions, a.id == t.adoption_id))
                            .where(*shown).order_by(t.id.desc()).limit(limit)).all()
        now = {k: stored_records(conn, k, sorted({r.natural_key for r in rows if r.kind == k and r.status != "adopted"}))
               for k in ADOPTABLE_KINDS}
    return {"total": total, "resolved": statuses.get("adopted", 0) + statuses.get("replaced", 0),
            "statuses": {s: statuses.get(s, 0) for s in ("open", "replaced", "adopted")}, "items": [
        {"id": r.id, "kept_at": _iso(r.created_at), "kind": r.kind, "key": r.natural_key,
         "stored": json.loads(r.stored), "incoming": json.loads(r.incoming), "file": r.source_name,
         "payload_sha256": r.payload_sha256, "status": r.status, "stale": _stale(now, r),
         "adoption": None if r.adoption is None else {"id": r.adoption, "at": _iso(r.adopted_at),
                                                       "by": r.adopted_by, "why": r.why}}
        for r in rows]}


def _stale(now: dict[str, Any], r: Any) -> dict[str, Any] | None:
    """The values stored now, when a not-stored version was kept against other ones."""
    current = now.get(r.kind, {}).get(r.natural_key) if r.status != "adopted" else None
    if current is None or values_text(current.values) == r.stored:
        return None
    return dict(current.values)
