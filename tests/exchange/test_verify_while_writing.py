"""``audit verify`` while others publish: one consistent snapshot, no false alarm, and a
real tampering still found (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine, text

from borderflow.services import accounts, exchange
from tests.exchange.conftest import clear_exchange

#: How long the writers publish while verify runs over and over.
SECONDS = 3.0


def test_verify_sees_no_tampering_while_two_writers_publish(engine: Engine) -> None:
    clear_exchange(engine)
    ana = accounts.create_user(engine, "ana", agency="CBP", country="US", roles=["editor"])
    luis = accounts.create_user(engine, "luis", agency="ANAM", country="MX", roles=["editor"])
    stop = threading.Event()
    failures: list[BaseException] = []

    def write(user: accounts.User) -> None:
        n = 0
        try:
            while not stop.is_set():
                made = exchange.publish(engine, user, exchange.draft(
                    "alert", "public", f"Storm {n}", "", owner_country=user.country))
                exchange.correct(engine, user, made.record_id, supersedes=1, title=f"Storm {n} over")
                n += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    writers = [threading.Thread(target=write, args=(user,)) for user in (ana, luis)]
    for writer in writers:
        writer.start()
    alarms: list[str] = []
    runs = 0
    deadline = time.monotonic() + SECONDS
    try:
        while time.monotonic() < deadline:
            result = exchange.verify(engine)
            runs += 1
            if not result.ok:
                alarms.append(str(result.first))
    finally:
        stop.set()
        for writer in writers:
            writer.join()
    assert failures == []
    assert runs > 3 and alarms == [], f"{len(alarms)} false alarms in {runs} runs; first: {alarms[:1]}"
    final = exchange.verify(engine)
    assert final.ok and final.versions >= 4
    # a real change is still found
    with engine.begin() as conn:
        conn.execute(text("UPDATE exchange_records SET kind = 'closure' WHERE version = 2"))
    assert not exchange.verify(engine).ok
