"""Answers are reused per archive version: never stale with cache_seconds=0; with more, an
outdated answer is served while its renewal runs, then the renewed one."""

from __future__ import annotations

import time
import warnings

from sqlalchemy import Engine

from borderflow.api import create_app
from borderflow.services.ingest import Ingestor

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette asks for httpx2; httpx works
    from fastapi.testclient import TestClient

URL = "/api/v1/crossings/250401/waits/current?mode=passenger&program=standard"


def _reading(engine: Engine, hour: int, wait: int) -> None:
    csv = ("crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
           f"250401,passenger,standard,2024-05-01T{hour:02d}:00:00Z,{wait},,delay,loops\n")
    assert Ingestor(engine).ingest_bytes(csv.encode(), f"r{hour}.csv", "observations-csv").stored == 1


def _wait(client: TestClient) -> int:
    return int(client.get(URL).json()["items"][0]["wait_minutes"])


def test_without_cache_seconds_every_answer_is_current(sqlite_engine: Engine) -> None:
    _reading(sqlite_engine, 8, 10)
    with TestClient(create_app(engine=sqlite_engine)) as client:
        assert _wait(client) == 10
        for hour, wait in ((9, 20), (10, 30)):
            _reading(sqlite_engine, hour, wait)
            assert _wait(client) == wait


def test_with_cache_seconds_the_outdated_answer_is_renewed(sqlite_engine: Engine) -> None:
    _reading(sqlite_engine, 8, 10)
    with TestClient(create_app(engine=sqlite_engine, cache_seconds=0.2)) as client:
        assert _wait(client) == 10
        _reading(sqlite_engine, 9, 20)
        assert _wait(client) == 10  # within cache_seconds: the kept answer
        time.sleep(0.3)
        seen = [_wait(client)]  # outdated: served once more while it is renewed
        deadline = time.monotonic() + 5
        while seen[-1] != 20 and time.monotonic() < deadline:
            time.sleep(0.05)
            seen.append(_wait(client))
        assert seen[-1] == 20 and set(seen) <= {10, 20}
