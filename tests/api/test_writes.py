"""Writes need a bearer token: 401 without a usable one, 403 without the role, nothing changed;
accepted writes go through the CLI's ingest path and every write is audited."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from borderflow.services import accounts
from borderflow.store.accounts_schema import audit_log
from borderflow.store.schema import observations, payloads, quarantine

GOOD = ("crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source,direction\n"
        "250401,passenger,standard,2024-05-01T08:00:00-07:00,45,12,delay,loops,northbound\n"
        "250401,passenger,sentri,2024-05-01T08:00:00-07:00,15,3,delay,loops,\n")
URL = "/api/v1/observations"


def _counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()  # type: ignore[return-value]
                     for t in (observations, payloads, quarantine))


def _post(client: TestClient, body: str | bytes, token: str | None = None, kind: str = "text/csv") -> httpx.Response:
    headers = {"content-type": kind}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    return client.post(URL, content=body, headers=headers)


def test_no_or_bad_token_is_401_and_changes_nothing(client: TestClient, engine: Engine, editor_token: str) -> None:
    before = _counts(engine)
    for token in (None, "", "bft_" + "x" * 43, "not-a-token", editor_token + "x"):
        response = _post(client, GOOD, token)
        assert response.status_code == 401, token
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
    basic = client.post(URL, content=GOOD, headers={"authorization": "Basic YW5hOnB3", "content-type": "text/csv"})
    assert basic.status_code == 401
    assert _counts(engine) == before


def test_revoked_expired_and_disabled_tokens_are_refused(client: TestClient, engine: Engine) -> None:
    accounts.create_user(engine, "ops", agency="GSA", country="US", roles=["admin"])
    revoked = accounts.create_token(engine, "ops")
    accounts.revoke_token(engine, revoked.info.id)
    expired = accounts.create_token(engine, "ops", expires_in=dt.timedelta(minutes=5),
                                    now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    live = accounts.create_token(engine, "ops", expires_in=dt.timedelta(days=1))
    before = _counts(engine)
    for token in (revoked.text, expired.text):
        assert _post(client, GOOD, token).status_code == 401
    assert _counts(engine) == before
    assert _post(client, GOOD, live.text).status_code == 200
    accounts.disable_user(engine, "ops")
    response = _post(client, GOOD, live.text)
    assert response.status_code == 401
    assert "disabled" in response.json()["error"]["message"]


def test_viewer_is_403_audited_and_changes_nothing(client: TestClient, engine: Engine, viewer_token: str) -> None:
    before = _counts(engine)
    response = _post(client, GOOD, viewer_token)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert _counts(engine) == before
    [entry] = accounts.list_audit(engine)
    assert (entry["username"], entry["outcome"], entry["status_code"]) == ("luis", "denied", 403)


def test_csv_lands_through_the_ingest_path_and_is_audited(client: TestClient, engine: Engine,
                                                           editor_token: str) -> None:
    body = GOOD + "250401,passenger,ready,2024-05-01T08:00:00,5,1,delay,loops,northbound\n"  # no offset
    response = _post(client, body, editor_token)
    assert response.status_code == 200
    result = response.json()
    assert (result["read"], result["stored"], result["quarantined"]) == (3, 2, 1)
    assert result["refused"][0]["place"] == "line 4" and "offset" in result["refused"][0]["reason"]
    again = _post(client, GOOD, editor_token).json()
    assert (again["stored"], again["duplicates"]) == (0, 2)
    wait = client.get("/api/v1/crossings/250401/waits/current", params={"mode": "passenger",
                                                                        "program": "standard"}).json()
    assert wait["items"][0]["wait_minutes"] == 45 and wait["items"][0]["source"] == "loops"
    entries = accounts.list_audit(engine)
    assert [e["outcome"] for e in entries] == ["ok", "ok"]
    newest = entries[0]
    assert newest["username"] == "ana" and newest["action"] == "observations.create"
    assert newest["target"] == "POST /api/v1/observations" and newest["remote_addr"] == "testclient"
    assert newest["details"]["duplicates"] == 2 and newest["details"]["sha256"] == again["sha256"]
    assert newest["at"] <= dt.datetime.now(dt.UTC)


def test_json_obeys_the_same_rules(client: TestClient, engine: Engine, editor_token: str) -> None:
    rows = [{"crossing_id": "250401", "mode": "passenger", "program": "standard",
             "observed_at": "2024-05-01T16:00:00Z", "wait_minutes": 30, "lanes_open": 10, "status": "delay",
             "source": "loops"},
            {"crossing_id": "25040", "mode": "boat", "program": "standard", "observed_at": "2024-05-01T16:00:00Z",
             "wait_minutes": 2.5, "source": "loops"}]
    response = client.post(URL, json={"observations": rows}, headers={"authorization": f"Bearer {editor_token}"})
    assert response.status_code == 200
    result = response.json()
    assert (result["stored"], result["quarantined"]) == (1, 1)
    assert "crossing_id" in result["refused"][0]["reason"] and "mode" in result["refused"][0]["reason"]
    bare = client.post(URL, json=rows[:1], headers={"authorization": f"Bearer {editor_token}"})
    assert bare.status_code == 200 and bare.json()["duplicates"] == 1


def test_a_row_holding_a_nul_is_refused_alone_on_both_databases(client: TestClient, engine: Engine,
                                                                  editor_token: str) -> None:
    rows = [{"crossing_id": "250401", "mode": "passenger", "program": "standard",
             "observed_at": "2024-05-01T16:00:00Z", "wait_minutes": 30, "source": "loops"},
            {"crossing_id": "250401", "mode": "passenger", "program": "standard",
             "observed_at": "2024-05-01T17:00:00Z", "wait_minutes": 35, "source": "a\u0000b"}]
    response = client.post(URL, json={"observations": rows}, headers={"authorization": f"Bearer {editor_token}"})
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["read"], result["stored"], result["quarantined"]) == (2, 1, 1)
    [refused] = result["refused"]
    assert refused["place"] == "line 3" and "source is required and must be printable" in refused["reason"]
    assert _counts(engine) == (1, 1, 1)  # the reading, the payload, the quarantined row
    with engine.connect() as conn:
        raw = conn.execute(select(quarantine.c.raw)).scalar_one()
    assert raw.endswith(",a\\x00b,") and "\x00" not in raw


def test_bad_bodies_are_4xx_in_the_envelope(client: TestClient, engine: Engine, editor_token: str) -> None:
    cases = [
        (b"hello", "text/csv", 422),
        (b"{not json", "application/json", 422),
        (b'{"observations": [{"crossing_id": 250401}]}', "application/json", 422),
        (b'{"observations": [], "extra": 1}', "application/json", 422),
        (b"\xff\xfe\x00", "application/json", 422),
        (b"a,b\n", "image/png", 415),
    ]
    for body, kind, status in cases:
        response = _post(client, body, editor_token, kind)
        assert response.status_code == status, (body, response.text)
        assert set(response.json()["error"]) >= {"code", "message"}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(observations)).scalar_one() == 0
        outcomes = [r[0] for r in conn.execute(select(audit_log.c.outcome))]
    assert outcomes == ["refused"] * len(cases)


def test_an_error_in_a_bare_list_names_the_field(client: TestClient, editor_token: str) -> None:
    row = {"crossing_id": "250401", "mode": "passenger", "program": "standard",
           "observed_at": "2024-05-01T16:00:00Z", "source": "loops"}
    for bad, words in (({**row, "extra": 1}, "extra"), ({**row, "wait_minutes": True}, "wait_minutes")):
        response = client.post(URL, json=[row, bad], headers={"authorization": f"Bearer {editor_token}"})
        message = response.json()["error"]["message"]
        assert response.status_code == 422 and f"at 1.{words}" in message, message
        assert "ObservationsIn" not in message


def test_source_names_are_the_same_through_csv_and_json(client: TestClient, editor_token: str) -> None:
    head = "crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
    long = _post(client, head + "250401,passenger,standard,2024-05-01T16:00:00Z,5,,," + "x" * 41 + "\n", editor_token)
    assert long.status_code == 200 and long.json()["stored"] == 0
    assert "at most 40 characters" in long.json()["refused"][0]["reason"]
    spaced = _post(client, head + "250401,passenger,standard,2024-05-01T16:00:00Z,5,,,Mi fuente 2\n", editor_token)
    assert spaced.json()["stored"] == 1
    # and every source the archive takes can be asked for
    history = client.get("/api/v1/crossings/250401/lanes/passenger/standard/history",
                         params={"start": "2024-05-01T00:00:00Z", "end": "2024-05-02T00:00:00Z", "source": "Mi fuente 2"})
    assert history.status_code == 200, history.text
    assert [r["wait_minutes"] for r in history.json()["readings"]] == [5]


def test_token_text_is_never_stored(engine: Engine) -> None:
    accounts.create_user(engine, "ana", agency="CBP", country="US", roles=["editor"])
    issued = accounts.create_token(engine, "ana")
    from borderflow.store.accounts_schema import tokens

    with engine.connect() as conn:
        stored = [tuple(str(v) for v in row) for row in conn.execute(select(tokens))]
    assert not any(issued.text in value for row in stored for value in row)
    assert any(accounts.hash_token(issued.text) in row for row in stored)


def test_the_body_limit_is_the_setting_and_an_oversized_upload_is_audited(
        engine: Engine, editor_token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from borderflow.api.app import create_app

    rows = "".join(f"250401,passenger,standard,2024-05-0{d}T08:00:00-07:00,45,12,delay,loops,northbound\n"
                   for d in range(1, 10))
    body = GOOD + rows * 3  # about 2.8 kB; some rows repeat
    monkeypatch.setenv("BORDERFLOW_API_MAX_BODY_BYTES", "1000")
    with TestClient(create_app(engine=engine), raise_server_exceptions=False) as small:
        for sent in (body.encode(), iter([body[:1500].encode(), body[1500:].encode()])):  # declared, then chunked
            refused = small.post(URL, content=sent, headers={"content-type": "text/csv",
                                                             "authorization": f"Bearer {editor_token}"})
            assert refused.status_code == 413 and "BORDERFLOW_API_MAX_BODY_BYTES" in refused.text
        # a route that does not sign in first is refused by the app-wide limit itself
        assert small.post("/api/v1/calibrations", content=b"{" + b" " * 2000 + b"}",
                          headers={"content-type": "application/json"}).status_code == 413
    entries = accounts.list_audit(engine)
    assert [(e["action"], e["outcome"], e["status_code"]) for e in entries] == [
        ("observations.create", "refused", 413)] * 2
    monkeypatch.setenv("BORDERFLOW_API_MAX_BODY_BYTES", "5000")
    with TestClient(create_app(engine=engine), raise_server_exceptions=False) as larger:
        taken = larger.post(URL, content=body, headers={"content-type": "text/csv",
                                                        "authorization": f"Bearer {editor_token}"})
        assert taken.status_code == 200 and taken.json()["stored"] == 10  # GOOD and nine days
