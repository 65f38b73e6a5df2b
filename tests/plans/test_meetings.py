"""Meetings belong to a plan: stored, exported and reported per plan; migration 0009 keeps
the meetings stored before it."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from borderflow.cli.main import run
from borderflow.plans.model import Meeting, parse_plan, plan_to_dict
from borderflow.plans.report import build_report
from borderflow.services import plans
from borderflow.store.db import make_engine
from tests.conftest import PG_ADMIN_URL
from tests.plans.conftest import EXAMPLE, secretary


def _second(example_doc: dict[str, Any]) -> dict[str, Any]:
    """Another plan whose 'Example plenary A' has another date, and no plenary B."""
    doc = {**copy.deepcopy(example_doc), "slug": "second"}
    doc["meetings"] = [{"name": "Example plenary A", "held_on": "2026-10-01", "place": "Monterrey"}]
    return doc


def test_each_plan_keeps_its_own_meetings(plan_engine: Engine, example_doc: dict[str, Any]) -> None:
    plans.import_plan(plan_engine, parse_plan(_second(example_doc)))
    first, second = plans.load_plan(plan_engine, "21cbm-example"), plans.load_plan(plan_engine, "second")
    assert [(m.name, m.held_on) for m in first.meetings] == [("Example plenary A", dt.date(2025, 3, 15)),
                                                             ("Example plenary B", dt.date(2026, 9, 15))]
    assert [(m.name, m.held_on, m.place) for m in second.meetings] == [
        ("Example plenary A", dt.date(2026, 10, 1), "Monterrey")]
    assert [m["name"] for m in plan_to_dict(second)["meetings"]] == ["Example plenary A"]
    # the first plan's report looks back to its own plenary A, not the other plan's
    report = build_report(first, "Example plenary B", [])
    assert report.previous is not None and report.previous.held_on == dt.date(2025, 3, 15)
    plans.add_meeting(plan_engine, "second", Meeting("Example plenary B", dt.date(2027, 3, 1)), secretary(plan_engine))
    assert [m.held_on for m in plans.load_plan(plan_engine, "21cbm-example").meetings][-1] == dt.date(2026, 9, 15)
    later = build_report(plans.load_plan(plan_engine, "second"), "Example plenary B", [])
    assert later.previous is not None and later.previous.held_on == dt.date(2026, 10, 1)


def test_cli_records_a_meeting_for_a_plan(tmp_path: Path, example_doc: dict[str, Any],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert run(["--db", db, "plans", "import", str(EXAMPLE)]) == 0
    assert run(["--db", db, "users", "create", "luis.anam", "--agency", "ANAM", "--country", "MX",
                "--role", "editor"]) == 0
    second = tmp_path / "second.json"
    second.write_text(json.dumps(_second(example_doc)), encoding="utf-8")
    assert run(["--db", db, "plans", "import", str(second)]) == 0
    capsys.readouterr()
    assert run(["--db", db, "plans", "meeting", "Plenary 2027", "--on", "2027-03-01", "--as", "luis.anam"]) == 1
    assert "--plan" in capsys.readouterr().err
    assert run(["--db", db, "plans", "meeting", "  ", "--on", "2027-03-01", "--plan", "second",
                "--as", "luis.anam"]) == 1
    assert "name is required" in capsys.readouterr().err
    assert run(["--db", db, "plans", "meeting", "Plenary 2027", "--on", "2027-03-01", "--plan", "second",
                "--as", "luis.anam"]) == 0
    assert "recorded meeting Plenary 2027 of plan second" in capsys.readouterr().out
    assert run(["--db", db, "plans", "export", "21cbm-example"]) == 0
    assert "Plenary 2027" not in capsys.readouterr().out
    assert run(["--db", db, "plans", "export", "second"]) == 0
    assert [m["name"] for m in json.loads(capsys.readouterr().out)["meetings"]] == ["Example plenary A",
                                                                                   "Plenary 2027"]


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no tables at all (its own, even on PostgreSQL): for migrations."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
        yield engine
        engine.dispose()
        return
    name = f"borderflow_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def test_migration_0009_gives_each_stored_meeting_to_every_stored_plan(blank_engine: Engine) -> None:
    from alembic import command

    from borderflow.store.db import _alembic_config, migrate

    command.upgrade(_alembic_config(blank_engine), "0008")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with blank_engine.begin() as conn:
        for slug in ("one", "two"):
            conn.execute(text("INSERT INTO plans (slug, strategy, year, title, is_example, sources, created_at) "
                              "VALUES (:s, '', 2026, :s, false, '[]', :at)"), {"s": slug, "at": now})
        conn.execute(text("INSERT INTO plan_meetings (name, held_on, place) VALUES "
                          "('Plenary A', '2025-03-15', 'Laredo'), ('Plenary B', '2026-09-15', '')"))
    migrate(blank_engine)
    for slug in ("one", "two"):
        assert [(m.name, m.held_on, m.place) for m in plans.load_plan(blank_engine, slug).meetings] == [
            ("Plenary A", dt.date(2025, 3, 15), "Laredo"), ("Plenary B", dt.date(2026, 9, 15), "")]
    plans.add_meeting(blank_engine, "two", Meeting("Plenary C", dt.date(2027, 1, 1)), secretary(blank_engine))
    assert len(plans.load_plan(blank_engine, "one").meetings) == 2
