"""Exchange fixtures: a key for national records, users of both countries, a clean exchange."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from borderflow.exchange.crypto import new_key


@pytest.fixture(autouse=True)
def exchange_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = new_key()
    monkeypatch.setenv("BORDERFLOW_EXCHANGE_KEY", key)
    return key


def clear_exchange(engine: Engine) -> None:
    """Empty the exchange and the accounts (raw SQL: the service itself never deletes)."""
    with engine.begin() as conn:
        for table in ("exchange_audit", "exchange_audit_head", "exchange_records", "exchange_requests", "audit_log", "tokens", "users"):
            conn.execute(text(f"DELETE FROM {table}"))
