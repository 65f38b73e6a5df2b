"""The store's copy of the catalog: added when missing, corrected when an older one differs."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from borderflow.store.catalog import add_crossing, seed_catalog
from borderflow.store.db import make_engine, migrate, open_database
from borderflow.store.schema import crossings, ports


def _as_an_older_catalog_left_them(engine: Engine) -> None:
    """Ysleta and Point Roberts linked to their CBP ports' counts, Ysleta's port on Central time."""
    with engine.begin() as conn:
        conn.execute(crossings.update().where(crossings.c.crossing_id == "240203").values(bts_port_code="2402"))
        conn.execute(crossings.update().where(crossings.c.crossing_id == "300403")
                     .values(bts_port_code="3004", latitude=48.994, longitude=-122.749))
        conn.execute(ports.update().where(ports.c.port_code == "2401").values(timezone="America/Chicago"))


def _links(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(crossings.c.crossing_id, crossings.c.bts_port_code)).all())


def _zone(engine: Engine, port_code: str) -> str:
    with engine.connect() as conn:
        return str(conn.scalar(select(ports.c.timezone).where(ports.c.port_code == port_code)))


def test_an_archive_with_older_links_is_corrected(engine: Engine) -> None:
    _as_an_older_catalog_left_them(engine)
    with engine.begin() as conn:  # a crossing only a feed showed stays as the feed left it
        add_crossing(conn, "999901", port_name="Somewhere", crossing_name="", border="Canadian Border",
                     max_lanes={}, hours="", origin="cbp_feed", seen_at=None, timezone="America/Chicago")
    assert seed_catalog(engine) == 3
    links = _links(engine)
    assert (links["240203"], links["300403"], links["999901"]) == ("2401", "3017", "")
    assert _zone(engine, "2401") == "America/Denver"
    with engine.connect() as conn:
        point_roberts = conn.execute(select(crossings).where(crossings.c.crossing_id == "300403")).one()
    assert (point_roberts.latitude, point_roberts.longitude, point_roberts.origin) == (49.002, -123.068, "catalog")
    assert seed_catalog(engine) == 0  # nothing left to correct


def test_opening_an_archive_corrects_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'older.sqlite3'}"
    older = make_engine(url)
    migrate(older)
    seed_catalog(older)
    _as_an_older_catalog_left_them(older)
    older.dispose()
    opened = open_database(url)
    assert _links(opened)["240203"] == "2401" and _zone(opened, "2401") == "America/Denver"
    opened.dispose()
