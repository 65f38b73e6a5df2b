"""Exports, API lists and pages give the same rows in the same order on SQLite and on a
PostgreSQL database whose collation is not bytewise (an ICU locale, en-US)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from borderflow.services import accounts, queries
from borderflow.services.export import ObservationFilter, export_volumes, iter_observations
from borderflow.services.ingest import ingest
from borderflow.services.status import archive_status
from borderflow.store.catalog import seed_catalog
from borderflow.store.db import make_engine, migrate
from borderflow.web.crossing import monthly_counts
from tests.conftest import PG_ADMIN_URL

VOLUMES = """port_code,site,period,period_start,measure,direction,value,source
2304,apple bridge,month,2024-04-01,Trucks,northbound,10,txdot
2304,Zebra Bridge,month,2024-04-01,Trucks,northbound,20,txdot
2304,,month,2024-04-01,Trucks,northbound,30,apple-city
2304,,month,2024-04-01,Trucks,northbound,40,Zebra-county
"""
READINGS = """crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source
250401,passenger,standard,2024-04-01T12:00:00Z,15,,delay,apple-sensor
250401,passenger,standard,2024-04-01T12:00:00Z,25,,delay,Zebra-sensor
"""


@pytest.fixture(scope="module")
def icu_database() -> Iterator[str]:
    """A PostgreSQL database created with ICU's en-US collation, dropped after."""
    name = f"borderflow_icu_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE_PROVIDER icu "
                          "ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _filled(engine: Engine, folder: Path) -> Engine:
    migrate(engine)
    seed_catalog(engine)
    (folder / "volumes.csv").write_text(VOLUMES)
    (folder / "readings.csv").write_text(READINGS)
    summary = ingest(engine, [str(folder / "volumes.csv"), str(folder / "readings.csv")])
    assert not summary.as_dict()["errors"]
    for username in ("x.y", "x_y"):
        accounts.create_user(engine, username, agency="CBP", country="US", roles=["viewer"])
    return engine


@pytest.fixture(scope="module")
def both(icu_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Engine]]:
    """(SQLite, PostgreSQL under ICU en-US), holding the same rows."""
    folder = tmp_path_factory.mktemp("collation")
    lite = _filled(make_engine(f"sqlite:///{folder / 'archive.sqlite3'}"), folder)
    icu = _filled(make_engine(icu_database), folder)
    with icu.connect() as conn:  # the database really sorts otherwise than bytewise
        assert conn.scalar(text("SELECT min(x) FROM (VALUES ('apple bridge'), ('Zebra Bridge')) v(x)")) \
            == "apple bridge"
    yield lite, icu
    lite.dispose()
    icu.dispose()


def _volumes_csv(engine: Engine) -> str:
    out = io.StringIO()
    export_volumes(engine, out, "csv")
    return out.getvalue()


def test_volume_exports_are_in_byte_order_on_both(both: tuple[Engine, Engine]) -> None:
    lite, icu = both
    exported = _volumes_csv(lite)
    assert exported == _volumes_csv(icu)
    assert exported.index("Zebra Bridge") < exported.index("apple bridge")  # "Z" (0x5A) before "a" (0x61)


def test_volume_pages_walk_one_order_on_both(both: tuple[Engine, Engine]) -> None:
    def walk(engine: Engine) -> list[tuple[str, str]]:
        seen, offset = [], 0
        while True:
            page = queries.monthly_volumes(engine, port_code="2304", level="all", limit=1, offset=offset)
            seen += [(item["site"], item["source"]) for item in page.items]
            if not page.has_more:
                return seen
            offset += 1

    lite, icu = both
    assert walk(lite) == walk(icu) == [("", "Zebra-county"), ("", "apple-city"), ("Zebra Bridge", "txdot"),
                                       ("apple bridge", "txdot")]
    # the crossing page picks the same source for a month two non-BTS sources count
    assert monthly_counts(lite, "2304", "Trucks") == monthly_counts(icu, "2304", "Trucks")
    assert monthly_counts(icu, "2304", "Trucks")[0].source == "Zebra-county"


def test_readings_users_and_sources_in_byte_order_on_both(both: tuple[Engine, Engine]) -> None:
    import datetime as dt

    lite, icu = both
    for engine in both:
        exported = [o.source for o in iter_observations(engine, ObservationFilter(crossing_id="250401"))]
        assert exported == ["Zebra-sensor", "apple-sensor"]
        raw = queries.history_raw(engine, "250401", "passenger", "standard",
                                  start=dt.datetime(2024, 4, 1, tzinfo=dt.UTC), end=dt.datetime(2024, 4, 2, tzinfo=dt.UTC))
        assert [r["source"] for r in raw.items] == ["Zebra-sensor", "apple-sensor"]
        assert [u.username for u in accounts.list_users(engine)] == ["x.y", "x_y"]  # "." 0x2E before "_" 0x5F
    assert archive_status(lite)["observations_by_source"] == archive_status(icu)["observations_by_source"]
