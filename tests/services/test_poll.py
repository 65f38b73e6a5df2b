"""``poll`` against a local HTTP server that misbehaves in every way a live source does."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from borderflow.errors import BadInputError
from borderflow.services.poll import Poller, PollPolicy, parse_duration
from borderflow.store import schema

DATA = Path(__file__).resolve().parent.parent / "data"
FEED = (DATA / "cbp-feed" / "bwtnew-2022-06-29.json").read_bytes()


class Script:
    """What the server does for each request, in order; the last step repeats."""

    def __init__(self, steps: list[str]) -> None:
        self.steps = steps
        self.served: list[str] = []
        self.lock = threading.Lock()

    def next(self) -> str:
        with self.lock:
            step = self.steps[min(len(self.served), len(self.steps) - 1)]
            self.served.append(step)
            return step


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script(["good"])

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            step = script.next()
            if step == "error":
                self.send_response(503)
                self.end_headers()
                return
            if step == "slow":
                time.sleep(1.5)  # longer than the client's timeout
            if step == "drop":
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if step == "trickle":  # a byte at a time: every read is quick, the whole answer takes 20 s
                self.send_response(200)
                self.send_header("Content-Length", "200")
                self.end_headers()
                try:
                    for _ in range(200):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.1)
                except OSError:  # the client gave up
                    pass
                return
            if step == "tick":  # the feed as polled: same readings, the feed clock moved on
                second = len(script.served) % 60
                body = FEED.replace(b'"time": "13:25:16"', f'"time": "13:26:{second:02d}"'.encode())
            else:
                body = {"good": FEED, "slow": FEED, "garbage": b"\x00<html>oops</html" * 10,
                        "truncated": FEED[: len(FEED) // 3]}[step]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/api/bwtnew", script
    httpd.shutdown()
    httpd.server_close()


FAST = PollPolicy(every_seconds=0.01, timeout_seconds=0.5, attempts=3, backoff_base_seconds=0.01,
                  backoff_max_seconds=0.05)


def rows(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(getattr(schema, table))).scalar_one()


def test_poller_rides_out_errors_timeouts_and_garbage(sqlite_engine: Engine, server: tuple[str, Script]) -> None:
    url, script = server
    script.steps = ["error", "slow", "drop", "good", "garbage", "truncated", "good"]
    poller = Poller(sqlite_engine, url, FAST, seed=1)
    stats = poller.run(max_polls=4)
    # poll 1: error, timeout, dropped connection (3 tries, all failed)
    # poll 2: good; poll 3: garbage (fetched, refused, kept aside); poll 4: truncated (its whole ports
    # repeat poll 2's readings; the part from the break on is refused and kept aside)
    assert stats.polls == 4 and stats.failures == 3 and stats.fetched == 3
    assert stats.refused == 2
    assert rows(sqlite_engine, "observations") > 0
    assert rows(sqlite_engine, "quarantine") == 2
    assert rows(sqlite_engine, "payloads") == 3  # every fetched payload's bytes are kept
    # and it keeps going: the next poll stores nothing new (same readings)
    poller.run(max_polls=5)
    assert poller.stats.results[-1].stored == 0 and poller.stats.results[-1].error is None


def test_source_that_is_down_is_retried_with_backoff(sqlite_engine: Engine, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    poller = Poller(sqlite_engine, f"http://127.0.0.1:{port}/", FAST, seed=3)
    stats = poller.run(max_polls=2)
    assert stats.fetched == 0 and stats.failures == 6 and stats.missed == 2
    assert "127.0.0.1" in (stats.last_error or "")
    # the command says so: one line and exit 1 (an unreachable source)
    from borderflow.cli.main import run

    code = run(["--db", str(sqlite_engine.url), "poll", f"http://127.0.0.1:{port}/", "--every", "0.01s",
                "--attempts", "1", "--max-polls", "1", "--spool", str(tmp_path / "spool")])
    assert code == 1
    assert run(["--db", str(sqlite_engine.url), "poll", f"http://127.0.0.1:{port}/", "--format", "nope",
                "--max-polls", "1"]) == 1  # refused before any fetch


def test_clock_only_repeats_are_kept_as_their_clock(sqlite_engine: Engine, server: tuple[str, Script]) -> None:
    """What the README promises for polled feeds: a payload that repeats the one before
    except for the feed's clock is kept as that clock (a delta), rebuilt byte for byte."""
    from borderflow.store.payloads import load_payload
    from borderflow.store.schema import payloads

    url, script = server
    script.steps = ["tick"]
    poller = Poller(sqlite_engine, url, FAST, seed=1)
    stats = poller.run(max_polls=4)
    assert stats.fetched == 4 and stats.refused == 0 and stats.missed == 0
    with sqlite_engine.connect() as conn:
        kept = conn.execute(select(payloads.c.sha256, payloads.c.compression, func.length(payloads.c.content))
                            .order_by(payloads.c.stored_at)).all()
        assert [k.compression != "delta" for k in kept] == [True, False, False, False]
        assert all(size < 400 for _, _, size in kept[1:]), kept
        bodies = [load_payload(conn, sha) for sha, _, _ in kept]
    assert [hashlib.sha256(b).hexdigest() for b in bodies] == [sha for sha, _, _ in kept]  # byte for byte
    assert len({b for b in bodies}) == 4 and all(b'"time": "13:26:' in b for b in bodies)


def test_backoff_grows_is_capped_and_jittered(sqlite_engine: Engine) -> None:
    policy = PollPolicy(backoff_base_seconds=1.0, backoff_max_seconds=8.0, jitter=0.25)
    poller = Poller(sqlite_engine, "http://127.0.0.1:9/", policy, seed=7)
    delays = [poller.backoff_seconds(a) for a in range(1, 7)]
    for attempt, delay in enumerate(delays, start=1):
        nominal = min(8.0, 2 ** (attempt - 1))
        assert 0.75 * nominal <= delay <= 1.25 * nominal
    assert len({round(d, 6) for d in delays}) == len(delays)  # jittered, not constant


def test_durations() -> None:
    assert parse_duration("5m") == 300 and parse_duration("30s") == 30 and parse_duration("1h") == 3600
    with pytest.raises(BadInputError, match="5m"):
        parse_duration("soon")
    with pytest.raises(BadInputError, match=r"--every may be at most 168 h; got '99999999999h'"):
        parse_duration("99999999999h", 7 * 86400, "--every")


def test_poll_refuses_a_schedule_beyond_its_bounds_in_one_line(sqlite_engine: Engine, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from borderflow.cli.main import run

    for option in ("--every", "--timeout"):
        code = run(["--db", str(sqlite_engine.url), "poll", "http://127.0.0.1:9/", option, "99999999999h",
                    "--spool", str(tmp_path / "spool")])
        err = capsys.readouterr().err
        assert code == 1 and f"{option} may be at most" in err and len(err.strip().splitlines()) == 1, err


def test_a_fetch_that_trickles_is_given_up_at_its_timeout(server: tuple[str, Script]) -> None:
    """--timeout bounds the whole answer: a server that sends a byte every 0.1 s keeps each
    read short, and would take 20 s."""
    from borderflow.errors import SourceUnavailableError
    from borderflow.services.sources import fetch_url

    url, script = server
    script.steps = ["trickle"]
    with pytest.raises(SourceUnavailableError, match="did not arrive whole within 0.5 s"):
        fetch_url(url, 5.0, deadline_seconds=0.5)


def test_a_fetch_larger_than_its_bound_is_refused_as_it_arrives(server: tuple[str, Script]) -> None:
    from borderflow.errors import SourceUnavailableError
    from borderflow.services.sources import fetch_url

    url, _ = server
    with pytest.raises(SourceUnavailableError, match="larger than 1,000 bytes, too large to fetch whole; download it"):
        fetch_url(url, 5.0, max_bytes=1000)
    assert fetch_url(url, 5.0) == FEED


def test_a_second_stop_gives_up_the_fetch_under_way(sqlite_engine: Engine, server: tuple[str, Script]) -> None:
    url, script = server
    script.steps = ["trickle"]
    poller = Poller(sqlite_engine, url, PollPolicy(every_seconds=60, timeout_seconds=60, attempts=1))
    runner = threading.Thread(target=poller.run)
    runner.start()
    while not script.served:
        time.sleep(0.05)
    poller.stop()
    poller.stop()
    runner.join(timeout=10)  # the answer would take 20 s
    assert not runner.is_alive()
    assert poller.stats.fetched == 0 and "stopped before the answer arrived whole" in (poller.stats.last_error or "")


def _short_busy_timeout(engine: Engine) -> None:
    """Let a locked SQLite archive refuse a write after 0.2 s instead of 30 s."""
    from sqlalchemy import event

    event.listen(engine, "connect", lambda conn, _record: conn.execute("PRAGMA busy_timeout=200"))
    engine.dispose()


def test_a_payload_the_database_refuses_waits_in_the_spool_and_is_stored_first_next_time(
        sqlite_engine: Engine, server: tuple[str, Script], tmp_path: Path) -> None:
    import sqlite3

    url, script = server
    script.steps = ["tick"]
    _short_busy_timeout(sqlite_engine)
    spool = tmp_path / "spool"
    poller = Poller(sqlite_engine, url, FAST, spool=spool)
    blocker = sqlite3.connect(str(sqlite_engine.url.database), isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the archive
    first = poller.poll_once()
    assert first is not None and first.unstored and "database is locked" in (first.error or "")
    assert poller.stats.waiting == 1 and len(list(spool.iterdir())) == 1
    blocker.execute("ROLLBACK")
    poller.poll_once()
    assert poller.stats.waiting == 0 and list(spool.iterdir()) == []
    with sqlite_engine.connect() as conn:
        names = conn.execute(select(schema.payloads.c.name).order_by(schema.payloads.c.stored_at)).scalars().all()
    assert len(names) == 2 and names == sorted(names)  # both, in the order fetched
    assert poller.stats.stored == rows(sqlite_engine, "observations") > 0

    # A poller that stops while the archive is still locked leaves the payload in the spool,
    # whole, for 'borderflow ingest'.
    poller = Poller(sqlite_engine, url, FAST, spool=spool)
    blocker.execute("BEGIN EXCLUSIVE")
    stats = poller.run(max_polls=1)
    blocker.execute("ROLLBACK")
    blocker.close()
    left = list(spool.iterdir())
    assert stats.waiting == 1 and len(left) == 1 and left[0].suffix == ".payload"
    from borderflow.cli.main import run

    assert run(["--db", str(sqlite_engine.url), "ingest", str(spool)]) == 0
    assert rows(sqlite_engine, "payloads") == 3


def test_the_poll_command_names_payloads_an_earlier_poll_left_in_the_spool(
        sqlite_engine: Engine, server: tuple[str, Script], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from borderflow.cli.main import run

    url, _ = server
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "20261129T101500Z-000001-0123456789abcdef.payload").write_bytes(FEED)
    assert run(["--db", str(sqlite_engine.url), "poll", url, "--max-polls", "1", "--spool", str(spool)]) == 0
    err = capsys.readouterr().err
    assert f"1 payload(s) fetched by an earlier poll and never stored wait in {spool}" in err
    assert f"'borderflow ingest {spool}' stores them" in err


def test_sigterm_stops_the_cli_and_loses_nothing(server: tuple[str, Script], tmp_path: Path) -> None:
    url, script = server
    script.steps = ["tick"]
    db = f"sqlite:///{tmp_path / 'poll.sqlite3'}"
    env = {**os.environ, "BORDERFLOW_DATABASE_URL": db}
    spool = tmp_path / "spool"
    proc = subprocess.Popen([sys.executable, "-m", "borderflow", "poll", url, "--every", "0.2s", "--json",
                             "--spool", str(spool)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    from borderflow.store.db import make_engine

    engine = make_engine(db)
    deadline = time.monotonic() + 60
    fetched = 0
    while time.monotonic() < deadline and fetched < 2:
        time.sleep(0.2)
        try:
            fetched = rows(engine, "payloads")
        except SQLAlchemyError:  # the table is created by the poller's first start
            fetched = 0
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    assert b"stopping" in err
    stored = rows(engine, "payloads")
    assert stored >= 2 and rows(engine, "observations") > 0
    assert f'"fetched": {stored}'.encode() in out  # every fetched payload was stored
    assert list(spool.iterdir()) == []  # and none waits in the spool


def test_poll_command_prints_its_result_on_stdout_and_progress_on_stderr(
        sqlite_engine: Engine, server: tuple[str, Script], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from borderflow.cli.main import run

    url, _ = server
    assert run(["--db", str(sqlite_engine.url), "poll", url, "--every", "0.01s", "--max-polls", "2",
                "--spool", str(tmp_path / "spool")]) == 0
    captured = capsys.readouterr()
    assert captured.out == ("polls 2, fetched 2, failed tries 0, polls with nothing fetched 0, stored 273, "
                            "payloads refused 0\n")
    assert captured.err.count("stored") == 2 and "polls 2" not in captured.err  # a line a poll
