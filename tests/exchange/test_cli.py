"""``borderflow exchange`` and ``borderflow audit``: publish, list, show, correct, retract, verify."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from borderflow.api import create_app
from borderflow.cli.main import run
from borderflow.services import accounts
from borderflow.store.db import make_engine


def test_the_exchange_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'x.sqlite3'}"

    def cli(*args: str) -> tuple[int, str, str]:
        code = run(["--db", db, *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    assert cli("exchange", "keygen")[0] == 0
    assert cli("users", "create", "ana", "--agency", "CBP", "--country", "US", "--role", "editor")[0] == 0
    assert cli("users", "create", "luis", "--agency", "ANAM", "--country", "MX")[0] == 0
    record = tmp_path / "r.json"
    record.write_text(json.dumps({"kind": "closure", "classification": "bilateral", "title": "Lane closed",
                                  "body": "until 14:00", "share_agencies": ["MX:ANAM"], "port_code": "2504"}))
    code, out, _ = cli("exchange", "publish", str(record), "--as", "ana", "--json")
    assert code == 0
    rid = json.loads(out)["record_id"]
    assert json.loads(cli("exchange", "list", "--as", "luis", "--json")[1])[0]["record_id"] == rid
    keyed = tmp_path / "k.json"
    keyed.write_text(json.dumps({"kind": "alert", "classification": "public", "title": "Storm"}))
    code, first, _ = cli("exchange", "publish", str(keyed), "--as", "ana", "--idempotency-key", "storm-1", "--json")
    code2, again, err = cli("exchange", "publish", str(keyed), "--as", "ana", "--idempotency-key", "storm-1")
    assert code == code2 == 0 and json.loads(first)["record_id"] in again and "earlier run" in err
    assert len(json.loads(cli("exchange", "list", "--as", "ana", "--json")[1])) == 2
    assert cli("exchange", "correct", rid, "--as", "ana", "--supersedes", "1", "--title", "Lane 2 closed")[0] == 0
    code, out, _ = cli("exchange", "show", rid, "--as", "luis", "--json")
    assert json.loads(out)["title"] == "Lane 2 closed"
    assert (json.loads(out)["body"], json.loads(out)["port_code"]) == ("until 14:00", "2504")  # carried over
    code, out, _ = cli("exchange", "correct", rid, "--as", "ana", "--supersedes", "2", "--title", "Lane 2 closed",
                       "--port", "", "--reason", "no port", "--json")
    assert code == 0 and (json.loads(out)["body"], json.loads(out)["port_code"]) == ("until 14:00", None)
    code, out, _ = cli("exchange", "correct", rid, "--as", "ana", "--supersedes", "3", "--title", "Lane 2 closed",
                       "--body", "", "--port", "2504", "--json")
    assert code == 0 and (json.loads(out)["body"], json.loads(out)["port_code"]) == ("", "2504")
    code, _, err = cli("exchange", "correct", rid, "--as", "ana", "--supersedes", "4", "--title", "x",
                       "--port", "2504\n")
    assert code == 1 and "4-digit CBP port code" in err and len(err.splitlines()) == 1
    code, _, err = cli("exchange", "retract", rid, "--as", "luis", "--supersedes", "4", "--reason", "x")
    assert code == 1 and "only an editor or admin of US:CBP" in err
    assert cli("exchange", "retract", rid, "--as", "ana", "--supersedes", "4", "--reason", "reopened")[0] == 0
    code, out, err = cli("exchange", "show", rid, "--as", "luis", "--version", "1")
    assert code == 1 and "Lane" not in out + err and "reason: 'reopened'" in err and len(err.splitlines()) == 1
    code, out, _ = cli("exchange", "show", rid, "--as", "luis")
    assert code == 0 and "RETRACTED" in out and "reason: reopened" in out and "Lane" not in out
    assert "Lane closed" in cli("exchange", "show", rid, "--as", "ana", "--version", "1")[1]
    code, out, _ = cli("audit", "verify")
    assert code == 0 and out.startswith("ok: ")
    anchor = cli("audit", "head")[1].strip()
    engine = make_engine(db)
    with engine.begin() as conn:
        conn.execute(text("UPDATE exchange_audit SET username = 'mallory' WHERE seq = 3"))
    engine.dispose()
    code, _, err = cli("audit", "verify", "--anchor", anchor)
    assert code == 1 and "first bad entry 3:" in err
    assert cli("audit", "verify", "--anchor", "nonsense")[0] == 1


def test_user_text_is_printed_as_written_never_as_markup(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from borderflow.cli.context import out

    monkeypatch.setattr(out, "_width", 200)  # every title on one line
    db = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert run(["--db", db, "users", "create", "ana", "--agency", "CBP [/]", "--country", "US", "--role", "editor"]) == 0
    titles = ["Lane [/] closed", "[link=https://evil.example]x[/link] :warning:"]
    for title in titles:
        record = tmp_path / "r.json"
        record.write_text(json.dumps({"kind": "alert", "classification": "public", "title": title}))
        assert run(["--db", db, "exchange", "publish", str(record), "--as", "ana"]) == 0
        assert title in capsys.readouterr().out
    assert run(["--db", db, "exchange", "list", "--as", "ana"]) == 0
    listed = capsys.readouterr().out
    assert all(title in listed for title in titles) and "CBP [/]" in listed
    assert run(["--db", db, "users", "list"]) == 0
    assert "CBP [/]" in capsys.readouterr().out


def test_a_list_that_could_not_be_shown_is_not_logged_as_shown(sqlite_engine: Engine) -> None:
    from borderflow.services import accounts, exchange
    from borderflow.store.exchange_schema import exchange_audit

    ana = accounts.create_user(sqlite_engine, "ana", agency="CBP", country="US", roles=["editor"])
    exchange.publish(sqlite_engine, ana, exchange.draft("alert", "public", "t", "", owner_country="US"))

    def broken(_page: object) -> None:
        raise ValueError("the terminal went away")

    with pytest.raises(ValueError):
        exchange.list_visible(sqlite_engine, ana, present=broken)
    with sqlite_engine.connect() as conn:
        last = conn.execute(select(exchange_audit).order_by(exchange_audit.c.seq.desc())).first()
    assert last is not None and (last.action, last.outcome) == ("exchange.list", "failed")
    assert exchange.verify(sqlite_engine).ok


def test_an_unknown_or_disabled_user_named_by_as_is_refused_and_audited(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert run(["--db", db, "exchange", "keygen"]) == 0
    assert run(["--db", db, "users", "create", "eve", "--agency", "CBP", "--country", "US", "--role", "editor"]) == 0
    assert run(["--db", db, "users", "disable", "eve"]) == 0
    capsys.readouterr()
    assert run(["--db", db, "exchange", "list", "--as", "eve"]) == 1
    assert run(["--db", db, "exchange", "list", "--as", "nobody"]) == 1
    engine = make_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT username, action, outcome, details FROM exchange_audit ORDER BY seq")).all()
    engine.dispose()
    assert [(r[0], r[1], r[2]) for r in rows[-2:]] == [("eve", "exchange.sign_in", "denied"),
                                                      ("", "exchange.sign_in", "denied")]
    assert '"asked":"nobody"' in rows[-1][3] and '"via":"cli"' in rows[-1][3]
    assert run(["--db", db, "audit", "verify"]) == 0


def test_a_list_marks_a_record_this_server_cannot_open(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from borderflow.exchange import crypto

    db = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    monkeypatch.setenv("BORDERFLOW_EXCHANGE_KEY", crypto.new_key())
    assert run(["--db", db, "users", "create", "ana", "--agency", "CBP", "--country", "US", "--role", "editor"]) == 0
    for classification, title in (("national", "Internal note"), ("public", "Storm")):
        record = tmp_path / f"{classification}.json"
        record.write_text(json.dumps({"kind": "alert", "classification": classification, "title": title}))
        assert run(["--db", db, "exchange", "publish", str(record), "--as", "ana"]) == 0
    capsys.readouterr()
    monkeypatch.delenv("BORDERFLOW_EXCHANGE_KEY")
    assert run(["--db", db, "exchange", "list", "--as", "ana"]) == 0
    out = capsys.readouterr().out
    assert "Storm" in out and "SEALED:" in out and "Internal note" not in out
    assert run(["--db", db, "exchange", "list", "--as", "ana", "--json"]) == 0
    listed = {r["title"]: r for r in json.loads(capsys.readouterr().out)}
    assert listed["Storm"]["sealed"] is None and "BORDERFLOW_EXCHANGE_KEY" in listed[""]["sealed"]


def test_the_list_under_a_terminal_that_cannot_show_every_character(tmp_path: Path) -> None:
    """PYTHONIOENCODING=ascii: the table shows the dash escaped, and JSON is the same JSON."""
    import os
    import subprocess
    import sys

    import borderflow

    db = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert run(["--db", db, "users", "create", "ana", "--agency", "CBP", "--country", "US", "--role", "editor"]) == 0
    record = tmp_path / "r.json"
    record.write_text(json.dumps({"kind": "alert", "classification": "public",
                                  "title": "Cierre en Matamoros \u2013 puente n\u00famero 2"}), encoding="utf-8")
    assert run(["--db", db, "exchange", "publish", str(record), "--as", "ana"]) == 0
    source = str(Path(borderflow.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONIOENCODING": "ascii",
           "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")])}
    for extra in ((), ("--json",)):
        listed = subprocess.run([sys.executable, "-m", "borderflow", "--db", db, "exchange", "list", "--as", "ana",
                                 *extra], check=False, capture_output=True, env=env, timeout=120)
        assert listed.returncode == 0, listed.stderr
        assert b"\\u2013" in listed.stdout and b"Matamoros" in listed.stdout
    assert json.loads(listed.stdout)[0]["title"] == "Cierre en Matamoros \u2013 puente n\u00famero 2"


def test_a_list_longer_than_its_limit_says_how_many_more_follow(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert run(["--db", db, "users", "create", "ana", "--agency", "CBP", "--country", "US", "--role", "editor"]) == 0
    for n in range(5):
        record = tmp_path / f"r{n}.json"
        record.write_text(json.dumps({"kind": "alert", "classification": "public", "title": f"Storm {n}"}))
        assert run(["--db", db, "exchange", "publish", str(record), "--as", "ana"]) == 0
    capsys.readouterr()
    assert run(["--db", db, "exchange", "list", "--as", "ana", "--limit", "2", "--json"]) == 0
    captured = capsys.readouterr()
    assert [r["title"] for r in json.loads(captured.out)] == ["Storm 4", "Storm 3"]
    assert captured.err.strip() == "records 1-2 of 5 shown, newest first; --offset 2 for the next ones"
    assert run(["--db", db, "exchange", "list", "--as", "ana", "--limit", "2", "--offset", "4", "--json"]) == 0
    captured = capsys.readouterr()
    assert [r["title"] for r in json.loads(captured.out)] == ["Storm 0"] and captured.err == ""
    assert run(["--db", db, "exchange", "list", "--as", "ana", "--offset", "9"]) == 0
    assert "past the last of the 5 records" in capsys.readouterr().err


def test_publish_takes_the_fields_as_the_api_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert run(["--db", db, "users", "create", "ana", "--agency", "CBP", "--country", "US", "--role", "editor"]) == 0
    record = tmp_path / "r.json"
    base = {"kind": "alert", "classification": "public", "title": "Lane closed"}
    refused = [
        ({"body": None}, 'body must be text ("" for none); got null'),
        ({"share_agencies": "MX:ANAM"}, "share_agencies must be a list of agencies like ['MX:ANAM']; got a string"),
        ({"share_agencies": ["MX:ANAM", 7]}, "item 2 is a number (7)"),
        ({"share_roles": "viewer"}, "share_roles must be a list of roles like ['viewer']; got a string"),
        ({"title": 5}, "title must be text; got a number (5)"),
        ({"kind": None}, "kind must be text; got null"),
        ({"port_code": 2504}, "port_code must be text or null; got a number (2504)"),
        ({"share_agencies": ["US:CBP\u202e"]}, "U+202E"),
    ]
    capsys.readouterr()
    for change, message in refused:
        record.write_text(json.dumps({**base, **change}))
        assert run(["--db", db, "exchange", "publish", str(record), "--as", "ana"]) == 1, change
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, err
    record.write_text(json.dumps({k: v for k, v in base.items() if k != "title"}))
    assert run(["--db", db, "exchange", "publish", str(record), "--as", "ana"]) == 1
    assert "lacks the field 'title'" in capsys.readouterr().err
    record.write_text(json.dumps({**base, "port_code": None, "share_agencies": ["MX:ANAM"]}))
    assert run(["--db", db, "exchange", "publish", str(record), "--as", "ana", "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert (made["body"], made["port_code"], made["share_agencies"]) == ("", None, ["MX:ANAM"])
    engine = make_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT payload FROM exchange_records")).all()
    engine.dispose()
    assert len(rows) == 1 and "None" not in rows[0].payload


def test_the_command_line_and_the_api_give_the_same_answer(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A title's limit counts the spaces around it on both fronts (as the API's schema says),
    and "" is no port code on either; text within the limit is trimmed on both."""
    db = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert run(["--db", db, "users", "create", "ana", "--agency", "CBP", "--country", "US", "--role", "editor"]) == 0
    engine = make_engine(db)
    headers = {"Authorization": f"Bearer {accounts.create_token(engine, 'ana').text}"}
    record = tmp_path / "r.json"
    base = {"kind": "alert", "classification": "public", "title": "Lane closed"}
    cases = [({"port_code": ""}, ('port_code must be a 4-digit CBP port code such as 2504, or null (or left out) '
                                 'for none; got ""')),
             ({"title": "  x" + " " * 200}, ("title must be 1-200 characters, spaces around it included; got 203 "
                                            "(202 of them spaces around the text: remove them)")),
             ({"body": "y" + " " * 20_000}, "body must be 0-20000 characters, spaces around it included; got 20001"),
             ({"title": "   "}, "title must be 1-200 characters; got 0 (3 spaces)"),
             ({"title": " x ", "port_code": "2504"}, None),
             ({"title": " " * 99 + "x" + " " * 100}, None)]
    capsys.readouterr()
    with TestClient(create_app(engine=engine), raise_server_exceptions=False) as client:
        for change, message in cases:
            body = {**base, **change}
            answer = client.post("/api/v1/exchange/records", json=body, headers=headers)
            record.write_text(json.dumps(body))
            code = run(["--db", db, "exchange", "publish", str(record), "--as", "ana", "--json"])
            captured = capsys.readouterr()
            if message is None:
                assert (answer.status_code, code) == (201, 0), (change, answer.text, captured.err)
                assert answer.json()["title"] == json.loads(captured.out)["title"] == "x"
            else:
                assert (answer.status_code, code) == (422, 1), (change, answer.text)
                assert message in captured.err and len(captured.err.strip().splitlines()) == 1, captured.err
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM exchange_records")).scalar_one() == 4
    engine.dispose()
