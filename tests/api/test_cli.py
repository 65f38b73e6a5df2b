"""The fronts of this issue on the command line: users, tokens, and serve (a real uvicorn)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from borderflow.cli.main import run
from borderflow.errors import UnauthorizedError
from borderflow.services import accounts
from borderflow.store.db import open_database


def _cli(db: str, *args: str) -> int:
    return run(["--db", db, *args])


def test_users_and_tokens_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    assert _cli(db, "users", "create", "ana", "--agency", "CBP", "--country", "US", "--role", "editor") == 0
    assert _cli(db, "users", "create", "ana", "--agency", "CBP", "--country", "US") == 1  # taken
    assert _cli(db, "users", "create", "pepe", "--agency", "SAT", "--country", "CA") == 1  # not US/MX
    assert "country must be one of US, MX" in capsys.readouterr().err
    assert _cli(db, "tokens", "create", "ana", "--expires", "30d", "--name", "uploader") == 0
    captured = capsys.readouterr()
    token = captured.out.strip()
    assert token.startswith("bft_") and "not shown again" in captured.err
    who = accounts.authenticate(open_database(db), token)
    assert who.user.username == "ana"
    assert _cli(db, "tokens", "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["state"] == "active" and token not in json.dumps(listed)
    assert _cli(db, "tokens", "revoke", str(who.token_id)) == 0
    assert "revoked token" in capsys.readouterr().out
    with pytest.raises(UnauthorizedError):
        accounts.authenticate(open_database(db), token)
    assert _cli(db, "users", "disable", "ana", "--json") == 0
    assert json.loads(capsys.readouterr().out)["disabled"] is True
    assert _cli(db, "users", "list", "--json") == 0
    assert [u["username"] for u in json.loads(capsys.readouterr().out)] == ["ana"]
    assert _cli(db, "tokens", "revoke", "424242") == 1
    assert _cli(db, "tokens", "create", "ana", "--expires", "forever") == 1


def test_a_token_lifetime_or_an_agency_out_of_bounds_is_one_line(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    assert _cli(db, "users", "create", "ana", "--agency", "CBP", "--country", "US") == 0
    capsys.readouterr()
    assert _cli(db, "tokens", "create", "ana", "--expires", "999999w") == 1
    err = capsys.readouterr().err
    assert "at most 3650d" in err and len(err.strip().splitlines()) == 1 and "Overflow" not in err
    assert _cli(db, "users", "create", "eve", "--agency", "CBP\x1b[2J\u202e", "--country", "US") == 1
    err = capsys.readouterr().err
    assert "agency holds the character U+001B" in err and len(err.strip().splitlines()) == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_runs_the_api_on_the_chosen_database(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    sample = Path(__file__).parents[1] / "data" / "cbp-feed" / "bwtnew-2022-06-29.json"
    assert _cli(db, "ingest", "--quiet", str(sample)) == 0
    port = _free_port()
    env = {**os.environ, "BORDERFLOW_DATABASE_URL": "sqlite:///elsewhere.sqlite3"}  # --db wins
    server = subprocess.Popen(
        [sys.executable, "-c", "from borderflow.cli.main import entry; entry()", "--db", db, "serve",
         "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=tmp_path,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120  # a busy CI machine imports slowly
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/ping", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                _, stderr = server.communicate(timeout=10)
                raise AssertionError(f"the server did not start: {stderr.decode(errors='replace')[-2000:]}")
            time.sleep(0.2)
        feed = httpx.get(f"http://127.0.0.1:{port}/api/bwtnew", timeout=60)
        assert feed.status_code == 200 and len(feed.json()) == 76
        assert httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=60).json()["info"]["title"] == "BorderFlow"
        assert httpx.get(f"http://127.0.0.1:{port}/docs", timeout=60).status_code == 200
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert not (tmp_path / "elsewhere.sqlite3").exists()


def test_serve_trusts_forwarded_headers_only_from_proxies_it_is_told_of(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    db = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    assert _cli(db, "users", "create", "ana", "--agency", "CBP", "--country", "US") == 0  # an archive to serve
    calls: list[uvicorn.Config] = []

    def served(server: uvicorn.Server, sockets: list[socket.socket] | None = None) -> None:
        calls.append(server.config)
        server.started = True

    monkeypatch.setattr(uvicorn.Server, "run", served)
    monkeypatch.delenv("BORDERFLOW_FORWARDED_ALLOW_IPS", raising=False)
    for name in ("BORDERFLOW_DATABASE_URL", "BORDERFLOW_API_CACHE_SECONDS"):  # serve sets them: restored after
        monkeypatch.setenv(name, "")
    assert _cli(db, "serve", "--port", str(_free_port())) == 0
    assert calls[-1].proxy_headers is False  # uvicorn's own default trusts 127.0.0.1
    assert _cli(db, "serve", "--port", str(_free_port()), "--forwarded-allow-ips", "10.0.0.5,10.0.0.6") == 0
    assert (calls[-1].proxy_headers, calls[-1].forwarded_allow_ips) == (True, "10.0.0.5,10.0.0.6")
    monkeypatch.setenv("BORDERFLOW_FORWARDED_ALLOW_IPS", "10.0.0.7")
    assert _cli(db, "serve", "--port", str(_free_port())) == 0
    assert (calls[-1].proxy_headers, calls[-1].forwarded_allow_ips) == (True, "10.0.0.7")


def test_serve_says_serving_only_once_it_listens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import uvicorn

    db = f"sqlite:///{tmp_path / 'l.sqlite3'}"
    assert _cli(db, "users", "create", "ana", "--agency", "CBP", "--country", "US") == 0  # an archive to serve
    seen: list[tuple[int, str]] = []

    def served(server: uvicorn.Server, sockets: list[socket.socket] | None = None) -> None:
        assert sockets is not None
        (sock,) = sockets
        seen.append((sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN), capsys.readouterr().err))
        server.started = True

    monkeypatch.setattr(uvicorn.Server, "run", served)
    for name in ("BORDERFLOW_DATABASE_URL", "BORDERFLOW_API_CACHE_SECONDS"):
        monkeypatch.setenv(name, "")
    port = _free_port()
    assert _cli(db, "serve", "--port", str(port)) == 0
    assert seen == [(1, f"serving on http://127.0.0.1:{port} (docs at /docs); Ctrl-C stops\n")]


def test_serve_on_an_address_in_use_is_one_line_and_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'u.sqlite3'}"
    assert _cli(db, "users", "create", "ana", "--agency", "CBP", "--country", "US") == 0  # an archive to serve
    for name in ("BORDERFLOW_DATABASE_URL", "BORDERFLOW_API_CACHE_SECONDS"):
        monkeypatch.setenv(name, "")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        capsys.readouterr()
        for workers in ("1", "2"):
            assert _cli(db, "serve", "--port", str(port), "--workers", workers) == 1
            captured = capsys.readouterr()
            assert captured.err == (f"error: cannot listen on http://127.0.0.1:{port}: the address is already in "
                                    "use; serve on another port with --port, or stop what uses it\n")
            assert "serving on" not in captured.out + captured.err
    assert _cli(db, "serve", "--host", "192.0.2.1", "--port", str(port)) == 1  # TEST-NET-1: not this machine
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--host must be an address of this machine" in err


def test_users_audit_says_when_older_entries_are_left_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    assert _cli(db, "users", "create", "ana", "--agency", "CBP", "--country", "US") == 0
    engine = open_database(db)
    for n in range(3):
        accounts.record_audit(engine, principal=None, action="test.write", target=f"thing {n}", outcome="ok",
                              status_code=200)
    capsys.readouterr()
    assert _cli(db, "users", "audit", "--limit", "2", "--json") == 0
    captured = capsys.readouterr()
    assert [r["target"] for r in json.loads(captured.out)] == ["thing 2", "thing 1"]  # the same list as before
    assert captured.err == ("note: the newest 2 entries are shown; older ones are kept (--limit up to 10000, "
                            "--user to narrow)\n")
    assert _cli(db, "users", "audit", "--limit", "3") == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out.count("test.write") == 3


def test_tokens_list_keeps_times_and_states_whole_on_80_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from borderflow.cli import context

    monkeypatch.setattr(context.out, "_width", 80)  # as piped
    db = f"sqlite:///{tmp_path / 't.sqlite3'}"
    assert _cli(db, "users", "create", "ana.rodriguez@cbp.dhs.gov", "--agency", "CBP", "--country", "US") == 0
    assert _cli(db, "tokens", "create", "ana.rodriguez@cbp.dhs.gov", "--expires", "90d",
                "--name", "loop detector uploader at the east bridge, lanes 1 to 12") == 0
    capsys.readouterr()
    assert _cli(db, "tokens", "list", "--json") == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert _cli(db, "tokens", "list") == 0
    shown = capsys.readouterr().out
    expires = dt.datetime.fromisoformat(listed["expires_at"]).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
    assert expires in shown and listed["prefix"] + "..." in shown and " active" in shown
    assert max(len(line) for line in shown.splitlines()) <= 80


def test_the_served_connections_send_without_waiting_for_acknowledgements() -> None:
    """Connections accepted on serve's socket have Nagle's algorithm off (TCP_NODELAY), as on
    a socket uvicorn binds itself; otherwise each keep-alive answer sent in two writes
    waits for the client's delayed acknowledgement."""
    import asyncio

    from borderflow.cli.serve import listening_socket

    async def accepted_nodelay() -> int:
        sock = listening_socket("127.0.0.1", 0)
        seen: list[int] = []

        def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            conn = writer.get_extra_info("socket")
            seen.append(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(connected, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
            for _ in range(200):
                if seen:
                    break
                await asyncio.sleep(0.01)
            writer.close()
        assert seen, "the server accepted no connection"
        return seen[0]

    assert asyncio.run(accepted_nodelay()) != 0
