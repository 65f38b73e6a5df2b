"""Refused exchange calls: each leaves exactly one ``refused`` entry and the chain verifies;
a server with another key writes nothing; national requests are remembered by a keyed
fingerprint (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from borderflow.api import create_app
from borderflow.api.routes_exchange import TokenBucket
from borderflow.cli.main import run
from borderflow.errors import BadInputError
from borderflow.exchange import crypto
from borderflow.services import accounts, exchange
from borderflow.store.exchange_schema import exchange_audit, exchange_records, exchange_requests
from tests.exchange.conftest import clear_exchange

URL = "/api/v1/exchange/records"


def _entries(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(exchange_audit).order_by(exchange_audit.c.seq)))


def _versions(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(exchange_records)).scalar_one())


@pytest.fixture
def api(engine: Engine) -> Iterator[tuple[TestClient, dict[str, str]]]:
    clear_exchange(engine)
    app = create_app(engine=engine)
    app.state.exchange_limiter = TokenBucket(10_000)
    accounts.create_user(engine, "ana", agency="CBP", country="US", roles=["editor"])
    headers = {"Authorization": f"Bearer {accounts.create_token(engine, 'ana').text}"}
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, headers


def _one_refusal(engine: Engine, before: int, action: str, status: int, answer: Any) -> dict[str, Any]:
    """The single entry a refused call added: ``refused`` under ``action``; the chain verifies."""
    assert answer.status_code == status, answer.text
    added = _entries(engine)[before:]
    assert [(e.action, e.outcome) for e in added] == [(f"exchange.{action}", "refused")], added
    assert exchange.verify(engine).ok
    details: dict[str, Any] = json.loads(added[0].details)
    return details


def test_every_refused_api_call_leaves_one_refused_entry(
        engine: Engine, api: tuple[TestClient, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    client, who = api
    new = {"kind": "alert", "classification": "national", "title": "Van at lane 4"}
    rid = client.post(URL, json=new, headers=who).json()["record_id"]
    refusals: list[tuple[str, int, dict[str, Any], dict[str, str]]] = [
        ("publish", 422, {**new, "share_agencies": ["MX:ANAM"]}, {}),  # a national record shared abroad
        ("publish", 422, {**new, "title": "Van\u202eat lane 4"}, {}),  # a direction override
        ("publish", 422, new, {"Idempotency-Key": "two words"}),  # a bad key
        ("publish", 422, {**new, "title": 5}, {}),  # the body fails validation
        ("publish", 422, {**new, "share_agencies": ["US:CBP\x1b[2J"]}, {}),  # a share entry with ESC
    ]
    versions = _versions(engine)
    for action, status, body, extra in refusals:
        before = len(_entries(engine))
        details = _one_refusal(engine, before, action, status, client.post(URL, json=body, headers={**who, **extra}))
        assert details["via"] == "api" and details["reason"], details
    correction = {"supersedes": 1, "title": "Van\u202e"}
    before = len(_entries(engine))
    _one_refusal(engine, before, "correct", 422, client.post(f"{URL}/{rid}/corrections", json=correction,
                                                              headers=who))
    before = len(_entries(engine))
    entry = _one_refusal(engine, before, "read", 422, client.get(f"{URL}/{rid}/versions/99999999999", headers=who))
    assert "version" in entry["reason"]
    before = len(_entries(engine))
    _one_refusal(engine, before, "list", 422, client.get(URL, params={"kind": "gossip"}, headers=who))
    before = len(_entries(engine))
    big = {**new, "body": "a" * 600_000}
    _one_refusal(engine, before, "publish", 413, client.post(URL, json=big, headers=who))
    # without a key: publishing a national record and correcting one are refused (503)
    monkeypatch.delenv("BORDERFLOW_EXCHANGE_KEY")
    before = len(_entries(engine))
    _one_refusal(engine, before, "publish", 503, client.post(URL, json=new, headers=who))
    before = len(_entries(engine))
    _one_refusal(engine, before, "correct", 503, client.post(f"{URL}/{rid}/corrections",
                                                              json={"supersedes": 1, "title": "x"}, headers=who))
    assert _versions(engine) == versions  # nothing was written


def test_a_server_with_another_key_seals_nothing(engine: Engine, api: tuple[TestClient, dict[str, str]],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    client, who = api
    new = {"kind": "incident", "classification": "national", "title": "Internal", "body": "secret"}
    rid = client.post(URL, json=new, headers=who).json()["record_id"]
    versions = _versions(engine)
    monkeypatch.setenv("BORDERFLOW_EXCHANGE_KEY", crypto.new_key())  # valid, but not the archive's
    for path, body in ((f"{URL}/{rid}/corrections", {"supersedes": 1, "title": "Internal", "body": "more"}),
                       (f"{URL}/{rid}/retraction", {"supersedes": 1, "reason": "done"}),
                       (URL, new)):  # a first version: the archive's national records name the key
        before = len(_entries(engine))
        answer = client.post(path, json=body, headers=who)
        details = _one_refusal(engine, before, path.rsplit("/", 1)[-1].replace("corrections", "correct")
                               .replace("retraction", "retract").replace("records", "publish"), 503, answer)
        message = answer.json()["error"]["message"]
        assert answer.json()["error"]["code"] == "exchange_key" and "\n" not in message
        assert "BORDERFLOW_EXCHANGE_KEY" in message and "nothing was written" in message
        assert details["reason"] == message
    assert _versions(engine) == versions
    # public records need no key, and are published as ever
    assert client.post(URL, json={**new, "classification": "public"}, headers=who).status_code == 201


def test_a_retry_on_a_server_with_another_key_is_refused_as_a_new_write_is(
        engine: Engine, api: tuple[TestClient, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    """A retried national write (same Idempotency-Key, same content) reaching a server with
    another key gets the key refusal (503), not a 409 for a "different request"."""
    client, who = api
    new = {"kind": "incident", "classification": "national", "title": "Internal", "body": "secret"}
    first = client.post(URL, json=new, headers={**who, "Idempotency-Key": "p-1"})
    rid = first.json()["record_id"]
    fix = {"supersedes": 1, "title": "Internal", "body": "more"}
    assert client.post(f"{URL}/{rid}/corrections", json=fix, headers={**who, "Idempotency-Key": "c-1"}).status_code == 201
    versions = _versions(engine)
    with engine.connect() as conn:
        remembered = conn.execute(select(func.count()).select_from(exchange_requests)).scalar_one()
    monkeypatch.setenv("BORDERFLOW_EXCHANGE_KEY", crypto.new_key())  # valid, but not the archive's
    for path, body, key, action in ((URL, new, "p-1", "publish"),
                                    (f"{URL}/{rid}/corrections", fix, "c-1", "correct")):
        before = len(_entries(engine))
        answer = client.post(path, json=body, headers={**who, "Idempotency-Key": key})
        details = _one_refusal(engine, before, action, 503, answer)
        assert answer.json()["error"]["code"] == "exchange_key"
        assert "nothing was written" in details["reason"] and "different request" not in details["reason"]
    monkeypatch.delenv("BORDERFLOW_EXCHANGE_KEY")  # no key at all: the same refusal as a new write
    before = len(_entries(engine))
    _one_refusal(engine, before, "publish", 503, client.post(URL, json=new, headers={**who, "Idempotency-Key": "p-1"}))
    assert _versions(engine) == versions
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(exchange_requests)).scalar_one() == remembered


def test_the_first_national_record_of_an_empty_archive_takes_the_key_the_server_has(engine: Engine) -> None:
    clear_exchange(engine)
    ana = accounts.create_user(engine, "ana", agency="CBP", country="US", roles=["editor"])
    exchange.publish(engine, ana, exchange.draft("alert", "public", "Open", "", owner_country="US"))
    made = exchange.publish(engine, ana, exchange.draft("alert", "national", "Closed", "x", owner_country="US"))
    assert exchange.read(engine, ana, made.record_id).body == "x"


def test_the_command_line_logs_its_refusals(engine: Engine, tmp_path: Any,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    clear_exchange(engine)
    ana = accounts.create_user(engine, "ana", agency="CBP", country="US", roles=["editor"])
    rid = exchange.publish(engine, ana, exchange.draft("alert", "public", "Open", "", owner_country="US")).record_id
    db = engine.url.render_as_string(hide_password=False)
    for version in ("99999999999", "99999999999999999999", "0"):
        before = len(_entries(engine))
        code = run(["--db", db, "exchange", "show", rid, "--as", "ana", "--version", version])
        err = capsys.readouterr().err
        assert code == 1 and len(err.strip().splitlines()) == 1 and "1 to 1,000,000" in err, err
        added = _entries(engine)[before:]
        assert [(e.action, e.outcome, e.record_id) for e in added] == [("exchange.read", "refused", rid)]
    record = tmp_path / "r.json"
    record.write_text(json.dumps({"kind": "alert", "classification": "public", "title": "t", "body": None}))
    before = len(_entries(engine))
    assert run(["--db", db, "exchange", "publish", str(record), "--as", "ana"]) == 1
    assert "body must be text" in capsys.readouterr().err
    assert [(e.action, e.outcome) for e in _entries(engine)[before:]] == [("exchange.publish", "refused")]
    assert exchange.verify(engine).ok


def test_a_national_request_is_remembered_by_a_keyed_fingerprint(engine: Engine) -> None:
    clear_exchange(engine)
    ana = accounts.create_user(engine, "ana", agency="CBP", country="US", roles=["editor"])
    secret = exchange.draft("wanted_vehicle", "national", "Plate ABC123", "", owner_country="US")
    made = exchange.publish(engine, ana, secret, idempotency_key="k-1")
    fixed = exchange.correct(engine, ana, made.record_id, supersedes=1, title="Plate ABC124", idempotency_key="k-2")
    gone = exchange.retract(engine, ana, made.record_id, supersedes=2, reason="arrested ABC124", idempotency_key="k-3")
    exchange.publish(engine, ana, exchange.draft("alert", "public", "Open", "", owner_country="US"),
                              idempotency_key="k-4")
    with engine.connect() as conn:
        remembered = {r.key: r.request_sha256 for r in conn.execute(select(exchange_requests))}
    guesses = {"k-1": {"action": "publish", "draft": secret.__dict__},
               "k-2": {"action": "correct", "record_id": made.record_id, "supersedes": 1,
                       "content": {"title": "Plate ABC124", "body": exchange.Keep.PREVIOUS,
                                   "port_code": exchange.Keep.PREVIOUS, "reason": ""}},
               "k-3": {"action": "retract", "record_id": made.record_id, "supersedes": 2,
                       "content": {"title": "", "body": "", "port_code": None, "reason": "arrested ABC124"}}}
    for key, guess in guesses.items():
        plain = hashlib.sha256(exchange._json(guess).encode("ascii")).hexdigest()
        assert remembered[key] != plain and remembered[key].startswith("k1:") and len(remembered[key]) <= 64
    assert len(remembered["k-4"]) == 64 and ":" not in remembered["k-4"]  # public content: a plain digest
    # retries are still recognised, and other content with a used key is still refused
    assert exchange.publish(engine, ana, secret, idempotency_key="k-1").replayed
    assert exchange.correct(engine, ana, made.record_id, supersedes=1, title="Plate ABC124",
                            idempotency_key="k-2").version == fixed.version
    assert exchange.retract(engine, ana, made.record_id, supersedes=2, reason="arrested ABC124",
                            idempotency_key="k-3").replayed and gone.version == 3
    with pytest.raises(exchange.ConflictError, match="already used for a different request"):
        exchange.publish(engine, ana, exchange.draft("wanted_vehicle", "national", "Plate XYZ", "",
                                                     owner_country="US"), idempotency_key="k-1")
    assert exchange.publish(engine, ana, exchange.draft("alert", "public", "Open", "", owner_country="US"),
                            idempotency_key="k-4").replayed
    assert exchange.verify(engine).ok


def test_a_request_remembered_by_a_plain_digest_before_still_replays(engine: Engine) -> None:
    """Requests remembered before the keyed fingerprint keep their plain SHA-256 (the table is
    insert-only): a retry of one is still recognised by that scheme."""
    clear_exchange(engine)
    ana = accounts.create_user(engine, "ana", agency="CBP", country="US", roles=["editor"])
    secret = exchange.draft("wanted_vehicle", "national", "Plate ABC123", "", owner_country="US")
    made = exchange.publish(engine, ana, secret)
    text = exchange._json({"action": "publish", "draft": secret.__dict__})
    with engine.begin() as conn:
        conn.execute(exchange_requests.insert().values(
            user_id=ana.id, key="old-1", action="publish", request_sha256=hashlib.sha256(text.encode()).hexdigest(),
            record_id=made.record_id, version=1, at=made.published_at))
    again = exchange.publish(engine, ana, secret, idempotency_key="old-1")
    assert again.replayed and again.record_id == made.record_id
    with pytest.raises(exchange.ConflictError):
        exchange.publish(engine, ana, exchange.draft("alert", "national", "Other", "", owner_country="US"),
                         idempotency_key="old-1")


def test_share_entries_follow_the_one_line_text_rule() -> None:
    for entry in ("US:CBP\x1b[2J", "US:CBP\u202e", "US:CBP\nUS:GSA", "MX:AN\u2028AM"):
        with pytest.raises(BadInputError, match="U\\+"):
            exchange.draft("alert", "public", "t", "", owner_country="US", share_agencies=[entry])
    assert exchange.draft("alert", "public", "t", "", owner_country="US",
                          share_agencies=[" MX:ANAM "]).share_agencies == ("MX:ANAM",)
