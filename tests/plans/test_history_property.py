"""Property: whatever sequence of status changes is attempted, the kept history is a
chain (each change starts where the previous ended) ending at the current status, and
refused attempts leave no trace."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from borderflow.errors import BorderFlowError
from borderflow.plans.model import STATUSES, parse_plan
from borderflow.services import accounts, plans
from borderflow.store.catalog import seed_catalog
from borderflow.store.db import make_engine, migrate
from tests.plans.conftest import EXAMPLE


@lru_cache(maxsize=1)
def _engine(tmp: str = "/tmp") -> Engine:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="plans-prop-", dir=tmp))
    engine = make_engine(f"sqlite:///{folder / 'archive.sqlite3'}")
    migrate(engine)
    seed_catalog(engine)
    plans.import_plan(engine, parse_plan(json.loads(EXAMPLE.read_text(encoding="utf-8"))))
    accounts.create_user(engine, "mx.editor", agency="SICT", country="MX", roles=["editor"])
    accounts.create_user(engine, "us.editor", agency="CBP", country="US", roles=["editor"])
    return engine


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(STATUSES), st.sampled_from(["mx.editor", "us.editor"]),
                          st.sampled_from(["reason", "", "  "])), max_size=8))
def test_history_is_a_chain_ending_at_the_status(attempts: list[tuple[str, str, str]]) -> None:
    engine = _engine()
    action_id = next(a.id for a in plans.load_plan(engine, "21cbm-example").actions if a.code == "CS-1")
    assert action_id is not None
    _, before = plans.get_action(engine, action_id)
    accepted = 0
    for status, username, why in attempts:
        try:
            plans.change_status(engine, action_id, status, why, accounts.get_user(engine, username))
            accepted += 1
        except BorderFlowError:
            pass
    _, after = plans.get_action(engine, action_id)
    assert len(after.history) == len(before.history) + accepted
    # An action imported without history has none until its first change, which starts
    # from the imported status.
    assert (after.history[-1].to_status if after.history else before.status) == after.status
    if after.history and not before.history:
        assert after.history[0].from_status == before.status
    assert all(a.to_status == b.from_status for a, b in zip(after.history, after.history[1:], strict=False))
    assert all(h.country == "MX" for h in after.history[len(before.history):])  # CS-1 is led by Mexico
