"""The raw payloads the archive keeps (every file ingested, every feed fetched), listed
and given back byte for byte, for ``borderflow payloads`` and ``borderflow payload``.

Every stored reading, volume and refused record names its payload by SHA-256, so any
number can be traced to the exact bytes it was read from.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, func, select

from borderflow.errors import BadInputError, NotFoundError
from borderflow.store.ordering import in_byte_order
from borderflow.store.payloads import load_payload
from borderflow.store.schema import payloads

MAX_LIMIT = 100_000
_SHA_PREFIX = re.compile(r"[0-9a-f]{6,64}")


def list_payloads(engine: Engine, *, format: str | None = None, name_contains: str | None = None,
                  limit: int = 50) -> dict[str, Any]:
    """Stored payloads, newest first: ``{"total": n matching, "items": [...]}`` (no content)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInputError(f"--limit must be a whole number from 1 to {MAX_LIMIT}; got {limit}")
    t = payloads.c
    where = []
    if format:
        where.append(t.format == format)
    if name_contains:
        where.append(t.name.icontains(name_contains, autoescape=True))
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(payloads).where(*where)).scalar_one()
        rows = conn.execute(select(t.sha256, t.format, t.name, t.size_bytes, t.compression, t.stored_at)
                            .where(*where).order_by(t.stored_at.desc(), in_byte_order(t.sha256)).limit(limit)).all()
    return {"total": total, "items": [
        {"sha256": r.sha256, "format": r.format, "name": r.name, "size_bytes": r.size_bytes,
         "compression": r.compression, "stored_at": r.stored_at.isoformat()} for r in rows]}


def payload_bytes(engine: Engine, sha256: str) -> tuple[dict[str, Any], bytes]:
    """One payload's listing entry and its exact bytes; ``sha256`` may be a unique prefix
    (at least 6 hex digits)."""
    wanted = sha256.strip().lower()
    if not _SHA_PREFIX.fullmatch(wanted):
        raise BadInputError(f"a payload is named by its SHA-256 (6 to 64 hex digits); got {sha256!r}")
    t = payloads.c
    with engine.connect() as conn:
        rows = conn.execute(select(t.sha256, t.format, t.name, t.size_bytes, t.compression, t.stored_at)
                            .where(t.sha256.startswith(wanted)).limit(2)).all()
        if not rows:
            raise NotFoundError(f"no stored payload with sha256 {wanted}; list them with 'borderflow payloads'")
        if len(rows) > 1:
            raise BadInputError(f"more than one payload's sha256 starts with {wanted}; give more digits")
        r = rows[0]
        data = load_payload(conn, r.sha256)
    info = {"sha256": r.sha256, "format": r.format, "name": r.name, "size_bytes": r.size_bytes,
            "compression": r.compression, "stored_at": r.stored_at.isoformat()}
    return info, data
