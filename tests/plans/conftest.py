"""Plans fixtures: the shipped example plan in a fresh archive, and one editor per country."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from borderflow.errors import NotFoundError
from borderflow.plans.model import parse_plan
from borderflow.services import accounts, plans
from borderflow.services.accounts import User

EXAMPLE = Path(__file__).parents[2] / "examples" / "plans" / "21cbm-example.json"


@pytest.fixture
def example_doc() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def plan_engine(engine: Engine, example_doc: dict[str, Any]) -> Engine:
    """The `engine` fixture (SQLite and PostgreSQL) holding the example plan."""
    plans.import_plan(engine, parse_plan(example_doc))
    return engine


@pytest.fixture
def us_editor(engine: Engine) -> User:
    return accounts.create_user(engine, "ana.cbp", agency="CBP", country="US", roles=["editor"])


@pytest.fixture
def mx_editor(engine: Engine) -> User:
    return accounts.create_user(engine, "luis.anam", agency="ANAM", country="MX", roles=["editor"])


@pytest.fixture
def us_viewer(engine: Engine) -> User:
    return accounts.create_user(engine, "vic.gsa", agency="GSA", country="US", roles=["viewer"])


def action_id(engine: Engine, code: str) -> int:
    loaded = plans.load_plan(engine, "21cbm-example")
    found = [a.id for a in loaded.actions if a.code == code]
    assert found and found[0] is not None
    return found[0]


def secretary(engine: Engine) -> User:
    """An editor who records meetings ("sec.gsa", US), made on first use."""
    try:
        return accounts.get_user(engine, "sec.gsa")
    except NotFoundError:
        return accounts.create_user(engine, "sec.gsa", agency="GSA", country="US", roles=["editor"])
