"""Engines and migrations: one code path for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

from borderflow.errors import BadInputError, BorderFlowError
from borderflow.settings import database_url

MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the API) run while an ingest writes; NORMAL sync is safe with WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 64 MiB of page cache: the archive's indexes outgrow the 2 MiB default within
    # weeks of five-minute snapshots, and every insert walks them
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


_WRITE_OPTION = "borderflow_writes"


class BusyError(BorderFlowError):
    """Another writer holds the archive and the write asked not to wait."""

    http_status = 503
    code = "busy"


#: PostgreSQL advisory lock taken by archive writers (``writing``): "Border" in ASCII.
ARCHIVE_WRITE_LOCK = 0x426F72646572


@contextmanager
def writing(engine: Engine, *, serialize: bool = True, wait: bool = True) -> Iterator[Connection]:
    """A transaction that reads what is stored and then writes, committed on success.

    Such a transaction must not interleave with another of its kind: two ingests that
    both see a reading missing would both insert it (one then fails on the unique key and
    its whole file is lost) or both store a lane state. So writers take turns:

    * on SQLite it takes the write lock when it starts (``BEGIN IMMEDIATE``), waiting up
      to the busy timeout for another writer to finish (a deferred transaction that reads
      first fails at once with "database is locked" when another commits in between);
    * on PostgreSQL it takes the transaction-scoped advisory lock
      :data:`ARCHIVE_WRITE_LOCK` first (``serialize=False`` skips it, for short writes
      that lock their own rows).

    ``wait=False``: a write that may be skipped (a cache) does not wait for another writer.
    On SQLite the write lock is asked for without the busy timeout, and a busy database
    raises ``OperationalError`` at once; on PostgreSQL the advisory lock is only tried
    (``BusyError`` when another writer holds it).
    """
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE_OPTION: True})
        raw, previous = None, None
        if not wait and conn.dialect.name == "sqlite":
            raw = conn.connection.driver_connection
            assert raw is not None
            previous = int(raw.execute("PRAGMA busy_timeout").fetchone()[0])
            raw.execute("PRAGMA busy_timeout = 0")
        try:
            with conn.begin():
                if serialize and conn.dialect.name == "postgresql":
                    if wait:
                        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ARCHIVE_WRITE_LOCK})
                    elif not conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                          {"key": ARCHIVE_WRITE_LOCK}).scalar():
                        raise BusyError("another writer holds the archive; try again when it is done")
                yield conn
        finally:
            if raw is not None:
                raw.execute(f"PRAGMA busy_timeout = {previous}")


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (or the configured database), ready for BorderFlow's use."""
    resolved = database_url(url)
    try:
        parsed = make_url(resolved)
    except Exception as exc:  # sqlalchemy raises ArgumentError for malformed URLs
        raise BadInputError(
            f"database URL {resolved!r} is not a valid SQLAlchemy URL; "
            "use e.g. sqlite:///data/borderflow.sqlite3 or postgresql+psycopg://user@host/db"
        ) from exc
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; issue it ourselves so that
        # a whole file lands in one transaction or not at all. A transaction opened by
        # writing() takes the write lock at once (see there).
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(
            "BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE_OPTION) else "BEGIN"))

        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        return engine
    if parsed.get_backend_name() != "postgresql":
        raise BadInputError(
            f"database {parsed.get_backend_name()!r} is not supported; use SQLite or PostgreSQL"
        )
    return create_engine(parsed, pool_pre_ping=True)


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (safe to call on every start).

    An archive a newer BorderFlow has migrated past what this one knows is refused with
    a one-line message, never changed."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = _alembic_config(engine)
    known = {s.revision for s in ScriptDirectory.from_config(config).walk_revisions()}
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    unknown = sorted(set(current) - known)
    if unknown:
        newest = max(known)
        raise BadInputError(
            f"the archive {engine.url.render_as_string(hide_password=True)} has schema {', '.join(unknown)}, newer "
            f"than this BorderFlow knows (up to {newest}): a newer BorderFlow wrote it; use that version or newer")
    command.upgrade(config, "head")


def schema_is_current(engine: Engine) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(engine))
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    return set(current) == set(script.get_heads())


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    from borderflow.store.catalog import seed_catalog

    engine = make_engine(url)
    migrate(engine)
    seed_catalog(engine)
    return engine


def open_database(url: str | None = None) -> Engine:
    """The engine for the configured database, migrated and holding the shipped catalog."""
    return _engine_for(database_url(url))


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())
