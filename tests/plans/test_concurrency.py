"""Edits made at the same time: each read-then-write edit is refused when what it read
changed before it wrote (real threads, on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from borderflow.errors import BorderFlowError, ConflictError
from borderflow.plans.model import Meeting, StatusChange
from borderflow.services import accounts, plans
from borderflow.services.accounts import User
from tests.plans.conftest import action_id, secretary


def _race(monkeypatch: pytest.MonkeyPatch, *calls: Callable[[], Any]) -> list[Any]:
    """Run ``calls`` in threads, each writing only once all have read the action (so every
    read comes before any write); each result, or the BorderFlowError it raised."""
    barrier = threading.Barrier(len(calls), timeout=30)
    read = plans.get_action

    def read_then_wait(engine: Engine, ident: int) -> Any:
        found = read(engine, ident)
        barrier.wait()
        return found

    monkeypatch.setattr(plans, "get_action", read_then_wait)
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            results[i] = call()
        except BorderFlowError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.setattr(plans, "get_action", read)
    return results


def test_two_status_changes_at_once_one_is_refused_naming_the_status_now(plan_engine: Engine, mx_editor: User,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    cs1 = action_id(plan_engine, "CS-1")  # planned, led by Mexico, no history
    results = _race(monkeypatch,
                    lambda: plans.change_status(plan_engine, cs1, "done", "finished", mx_editor),
                    lambda: plans.change_status(plan_engine, cs1, "cancelled", "merged", mx_editor))
    accepted = [r for r in results if isinstance(r, StatusChange)]
    refused = [r for r in results if isinstance(r, ConflictError)]
    assert len(accepted) == 1 and len(refused) == 1, results
    won = accepted[0].to_status
    assert str(refused[0]).startswith(f"action CS-1 is now {won!r}, not 'planned': its status was changed while "
                                      "this change was made")
    _, action = plans.get_action(plan_engine, cs1)
    assert action.status == won
    assert [(h.from_status, h.to_status) for h in action.history] == [("planned", won)]


def test_a_shared_field_edit_is_refused_when_the_lead_side_changed_since_it_was_read(
        plan_engine: Engine, us_editor: User, monkeypatch: pytest.MonkeyPatch) -> None:
    inf1 = action_id(plan_engine, "INF-1")  # led by the US
    read = plans.get_action

    def read_then_hand_over(engine: Engine, ident: int) -> Any:
        found = read(engine, ident)
        monkeypatch.setattr(plans, "get_action", read)
        plans.update_action(engine, inf1, {"lead_side": "MX"}, us_editor)  # lands between the read and the write
        return found

    monkeypatch.setattr(plans, "get_action", read_then_hand_over)
    with pytest.raises(ConflictError, match="^the lead side of action INF-1 became MX while this edit was made"):
        plans.update_action(plan_engine, inf1, {"title": "Renamed by the US"}, us_editor)
    _, action = plans.get_action(plan_engine, inf1)
    assert action.lead_side == "MX" and action.title.startswith("Modernize")
    mexico = accounts.create_user(plan_engine, "mx.lead", agency="SICT", country="MX", roles=["editor"])
    plans.update_action(plan_engine, inf1, {"lead_side": "US"}, mexico)  # handed back
    monkeypatch.setattr(plans, "get_action", read_then_hand_over)
    with pytest.raises(ConflictError, match="^the lead side of action INF-1 became MX while this change was made"):
        plans.change_status(plan_engine, inf1, "done", "opened", us_editor)
    _, action = plans.get_action(plan_engine, inf1)
    assert action.status == "in_progress" and action.history[-1].to_status == "in_progress"


def test_a_meeting_name_taken_meanwhile_is_a_conflict(pg_engine: Engine, example_doc: dict[str, Any]) -> None:
    """PostgreSQL lets another writer in between the check and the insert; its unique key
    then refuses the insert, which is a conflict, not a database failure. (SQLite holds the
    write lock from the check to the insert, so no writer gets in between there.)"""
    from borderflow.plans.model import parse_plan
    from tests.conftest import _empty

    _empty(pg_engine)
    plans.import_plan(pg_engine, parse_plan(example_doc))
    other = pg_engine.connect()
    taken = []

    def take_the_name(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # after add_meeting checked the name, before it inserts: another writer takes it
        if statement.lstrip().startswith("INSERT INTO plan_meetings") and not taken:
            taken.append(True)
            with other.begin():
                other.execute(text("INSERT INTO plan_meetings (plan_id, name, held_on, place) "
                                   "SELECT id, 'Plenary C', DATE '2027-01-01', '' FROM plans"))

    event.listen(pg_engine, "before_cursor_execute", take_the_name)
    try:
        with pytest.raises(ConflictError, match="has a meeting named 'Plenary C'; pick another name"):
            plans.add_meeting(pg_engine, "21cbm-example", Meeting("Plenary C", dt.date(2027, 2, 1)), secretary(pg_engine))
    finally:
        event.remove(pg_engine, "before_cursor_execute", take_the_name)
        other.close()
    assert taken and [m.name for m in plans.load_plan(pg_engine, "21cbm-example").meetings].count("Plenary C") == 1
