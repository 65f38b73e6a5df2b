"""Copy the shipped catalog into the store, and add crossings a feed reveals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, Table, select

from borderflow import catalog
from borderflow.store.schema import crossings, ports

#: Crossing columns the store keeps as the catalog says; ``origin`` and
#: ``first_seen_at`` record the archive's own history and are never rewritten.
_CATALOG_OWNS = ("port_code", "bts_port_code", "bwt_id", "port_name", "crossing_name", "border", "state",
                 "timezone", "latitude", "longitude", "hours", "max_lanes_passenger", "max_lanes_commercial",
                 "max_lanes_pedestrian")


def _crossing_row(c: catalog.Crossing) -> dict[str, Any]:
    return {
        "crossing_id": c.crossing_id,
        "port_code": c.port_code,
        "bts_port_code": c.bts_port_code,
        "bwt_id": c.bwt_id,
        "port_name": c.port_name,
        "crossing_name": c.crossing_name,
        "border": c.border,
        "state": c.state,
        "timezone": c.timezone,
        "latitude": c.latitude,
        "longitude": c.longitude,
        "hours": c.hours,
        "max_lanes_passenger": c.max_lanes.get("passenger"),
        "max_lanes_commercial": c.max_lanes.get("commercial"),
        "max_lanes_pedestrian": c.max_lanes.get("pedestrian"),
        "origin": "catalog",
        "first_seen_at": None,
    }


def _port_row(p: catalog.Port) -> dict[str, Any]:
    return {
        "port_code": p.port_code,
        "name": p.name,
        "state": p.state,
        "border": p.border,
        "timezone": p.timezone,
        "latitude": p.latitude,
        "longitude": p.longitude,
    }


def seed_catalog(engine: Engine) -> int:
    """Make the store's ports and crossings say what the shipped catalog says; returns how
    many rows were added or corrected.

    Catalogued ports and crossings the store lacks are inserted; stored ones that differ
    from the catalog (an archive made with an older catalog: a crossing linked to another
    BTS port, a port in another time zone) are corrected, so an archive holds this
    version's catalog from the first time it is opened. A crossing the catalog does not
    hold (one a feed showed) is left as it is, and nothing is removed.
    """
    with engine.begin() as conn:
        changed = _sync(conn, ports, "port_code", [_port_row(p) for p in catalog.ports()],
                        ("name", "state", "border", "timezone", "latitude", "longitude"))
        changed += _sync(conn, crossings, "crossing_id", [_crossing_row(c) for c in catalog.crossings()],
                         _CATALOG_OWNS)
    return changed


def _sync(conn: Connection, table: Table, key: str, rows: list[dict[str, Any]], owned: tuple[str, ...]) -> int:
    """Insert ``rows`` missing from ``table`` and rewrite the ``owned`` columns of stored
    rows that differ; returns how many rows changed."""
    stored = {r._mapping[key]: r._mapping for r in conn.execute(select(table.c[key], *(table.c[c] for c in owned)))}
    missing = [r for r in rows if r[key] not in stored]
    if missing:
        conn.execute(table.insert(), missing)
    stale = [r for r in rows if r[key] in stored and any(stored[r[key]][c] != r[c] for c in owned)]
    for row in stale:
        conn.execute(table.update().where(table.c[key] == row[key]).values({c: row[c] for c in owned}))
    return len(missing) + len(stale)


def known_crossing_ids(conn: Connection) -> set[str]:
    return set(conn.scalars(select(crossings.c.crossing_id)))


def add_crossing(
    conn: Connection,
    crossing_id: str,
    *,
    port_name: str,
    crossing_name: str,
    border: str,
    max_lanes: dict[str, int | None],
    hours: str,
    origin: str,
    seen_at: dt.datetime | None,
    timezone: str,
) -> None:
    """Add a crossing first seen in a source. Crossings are never dropped."""
    conn.execute(
        crossings.insert().values(
            crossing_id=crossing_id,
            port_code=crossing_id[:4],
            bts_port_code="",
            bwt_id="",
            port_name=port_name,
            crossing_name=crossing_name,
            border="canada" if "canad" in border.lower() else ("mexico" if border else ""),
            state="",
            timezone=timezone,
            latitude=None,
            longitude=None,
            hours=hours,
            max_lanes_passenger=max_lanes.get("passenger"),
            max_lanes_commercial=max_lanes.get("commercial"),
            max_lanes_pedestrian=max_lanes.get("pedestrian"),
            origin=origin,
            first_seen_at=seen_at,
        )
    )
