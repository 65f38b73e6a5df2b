"""Copy the shipped catalog into the store, and add crossings a feed reveals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, select

from borderflow import catalog
from borderflow.store.schema import crossings, ports


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


def seed_catalog(engine: Engine) -> int:
    """Insert every catalogued port and crossing the store lacks; returns how many."""
    added = 0
    with engine.begin() as conn:
        have_ports = set(conn.scalars(select(ports.c.port_code)))
        new_ports = [
            {
                "port_code": p.port_code,
                "name": p.name,
                "state": p.state,
                "border": p.border,
                "timezone": p.timezone,
                "latitude": p.latitude,
                "longitude": p.longitude,
            }
            for p in catalog.ports()
            if p.port_code not in have_ports
        ]
        if new_ports:
            conn.execute(ports.insert(), new_ports)
        have = set(conn.scalars(select(crossings.c.crossing_id)))
        rows = [_crossing_row(c) for c in catalog.crossings() if c.crossing_id not in have]
        if rows:
            conn.execute(crossings.insert(), rows)
        added = len(rows) + len(new_ports)
    return added


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
