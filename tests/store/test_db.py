"""SQLite write transactions that read before they write, with another writer about."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from borderflow.store.db import writing
from borderflow.store.schema import quarantine

ROW = {"source_name": "t", "place": "p", "raw": "x"}


def _insert(engine: Engine, **values: str) -> None:
    import datetime as dt

    with engine.begin() as conn:
        conn.execute(quarantine.insert().values(**ROW, **values, created_at=dt.datetime.now(dt.UTC)))


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(quarantine)).scalar_one())


def test_a_deferred_transaction_that_reads_first_fails_when_another_writer_commits(sqlite_engine: Engine) -> None:
    """Why writing() exists: SQLite cannot upgrade a stale read snapshot to a write."""
    import datetime as dt

    with pytest.raises(OperationalError, match="locked"), sqlite_engine.begin() as conn:
        conn.execute(select(func.count()).select_from(quarantine)).scalar_one()
        _insert(sqlite_engine, reason="the other writer")
        conn.execute(quarantine.insert().values(**ROW, reason="this one", created_at=dt.datetime.now(dt.UTC)))
    assert _count(sqlite_engine) == 1  # only the other writer's row


def test_writing_reads_then_writes_while_another_writer_waits_its_turn(engine: Engine) -> None:
    import datetime as dt

    other_done = threading.Event()
    errors: list[OperationalError] = []

    def other() -> None:
        try:
            _insert(engine, reason="the other writer")
        except OperationalError as exc:  # reported below
            errors.append(exc)
        finally:
            other_done.set()

    with writing(engine) as conn:
        seen = conn.execute(select(func.count()).select_from(quarantine)).scalar_one()
        thread = threading.Thread(target=other)
        thread.start()
        other_done.wait(0.5)  # on SQLite the other writer waits for this transaction
        conn.execute(quarantine.insert().values(**ROW, reason=f"after seeing {seen}",
                                                created_at=dt.datetime.now(dt.UTC)))
    thread.join(30)
    assert not errors, errors
    assert _count(engine) == 2


def test_the_migrations_build_exactly_the_tables_the_code_declares(engine: Engine) -> None:
    """Alembic's own comparison of the migrated database with the metadata finds nothing
    missing or extra (tables, columns, indexes), on SQLite and PostgreSQL."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from borderflow.store.schema import metadata

    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in differences if not (isinstance(d, tuple) and d[0] == "remove_table"
                                           and d[1].name == "alembic_version")] == []


def test_an_archive_a_newer_version_migrated_is_refused_untouched(sqlite_engine: Engine, capsys) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from borderflow.cli.main import run
    from borderflow.errors import BadInputError
    from borderflow.store.db import migrate

    with sqlite_engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    with pytest.raises(BadInputError, match=r"has schema 0999, newer than this BorderFlow knows \(up to 0\d{3}\)"):
        migrate(sqlite_engine)
    assert run(["--db", str(sqlite_engine.url), "status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the archive") and err.count("\n") == 1 and "Traceback" not in err
    with sqlite_engine.connect() as conn:  # nothing changed
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0999"
