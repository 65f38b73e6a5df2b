"""The exchange endpoints: tokens, roles, 404 for what a caller may not see, the rate limit,
the error envelope, and schemathesis with zero server errors (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from sqlalchemy import Engine, select

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from borderflow.api import create_app
from borderflow.api.routes_exchange import TokenBucket
from borderflow.errors import BadInputError
from borderflow.services import accounts, exchange
from borderflow.store.exchange_schema import exchange_audit

URL = "/api/v1/exchange/records"


def _token(engine: Engine, name: str, agency: str, country: str, roles: list[str]) -> dict[str, str]:
    accounts.create_user(engine, name, agency=agency, country=country, roles=roles)
    return {"Authorization": f"Bearer {accounts.create_token(engine, name).text}"}


@pytest.fixture
def api(engine: Engine) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    app = create_app(engine=engine)
    app.state.exchange_limiter = TokenBucket(10_000)
    people = {
        "us_editor": _token(engine, "ana", "CBP", "US", ["editor"]),
        "us_other": _token(engine, "gus", "GSA", "US", ["editor"]),
        "mx_viewer": _token(engine, "luis", "ANAM", "MX", ["viewer"]),
    }
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, people


def test_every_endpoint_needs_a_token(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, _ = api
    for method, path in (("GET", URL), ("POST", URL), ("GET", URL + "/xr_0123456789abcdef")):
        response = client.request(method, path, json={})
        assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"


def test_publish_read_correct_retract(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, who = api
    new = {"kind": "wanted_vehicle", "classification": "bilateral", "title": "White van", "body": "plates XYZ",
           "port_code": "2504", "share_agencies": ["MX:ANAM"]}
    made = client.post(URL, json=new, headers=who["us_editor"])
    assert made.status_code == 201, made.text
    rid = made.json()["record_id"]
    assert client.get(f"{URL}/{rid}", headers=who["mx_viewer"]).json()["title"] == "White van"
    fixed = client.post(f"{URL}/{rid}/corrections", json={"supersedes": 1, "title": "White van", "body": "XYZ1"},
                        headers=who["us_editor"])
    assert fixed.status_code == 201 and fixed.json()["version"] == 2 and fixed.json()["supersedes"] == 1
    stale = client.post(f"{URL}/{rid}/corrections", json={"supersedes": 1, "title": "x", "body": ""}, headers=who["us_editor"])
    assert stale.status_code == 409
    for title in ("White\u202evan", "White\x00van", "White\nvan"):
        spoof = client.post(URL, json={**new, "title": title}, headers=who["us_editor"])
        assert spoof.status_code == 422 and "control or direction override" in spoof.json()["error"]["message"]
    assert client.get(f"{URL}/{rid}", headers=who["us_editor"]).json()["version"] == 2
    other = client.post(f"{URL}/{rid}/retraction", json={"supersedes": 2, "reason": "no"}, headers=who["us_other"])
    assert other.status_code == 404  # GSA may not read it: not found, not forbidden
    viewer = client.post(f"{URL}/{rid}/retraction", json={"supersedes": 2, "reason": "no"}, headers=who["mx_viewer"])
    assert viewer.status_code == 403
    gone = client.post(f"{URL}/{rid}/retraction", json={"supersedes": 2, "reason": "found"}, headers=who["us_editor"])
    assert gone.status_code == 201 and gone.json()["retracted"] is True
    assert client.get(f"{URL}/{rid}/versions/1", headers=who["mx_viewer"]).status_code == 410  # withdrawn
    assert client.get(f"{URL}/{rid}/versions/1", headers=who["us_editor"]).json()["body"] == "plates XYZ"
    listed = client.get(URL, headers=who["mx_viewer"]).json()["records"]
    assert [(r["record_id"], r["version"]) for r in listed] == [(rid, 3)]


def test_a_retraction_withdraws_the_content_from_every_agency_but_the_owner(
        engine: Engine, api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, who = api
    colleague = _token(engine, "cora", "CBP", "US", ["viewer"])
    new = {"kind": "closure", "classification": "public", "title": "Lane 3 closed", "body": "secret detail",
           "port_code": "2504"}
    rid = client.post(URL, json=new, headers=who["us_editor"]).json()["record_id"]
    client.post(f"{URL}/{rid}/corrections", json={"supersedes": 1, "title": "Lane 4 closed", "body": "secret detail"},
                headers=who["us_editor"])
    gone = client.post(f"{URL}/{rid}/retraction", json={"supersedes": 2, "reason": "published by mistake"},
                       headers=who["us_editor"])
    assert gone.status_code == 201
    for reader in (who["mx_viewer"], who["us_other"]):
        for version in (1, 2):
            withdrawn = client.get(f"{URL}/{rid}/versions/{version}", headers=reader)
            assert withdrawn.status_code == 410 and withdrawn.json()["error"]["code"] == "gone"
            message = withdrawn.json()["error"]["message"]
            assert "published by mistake" in message and "ana" in message and "retracted at version 3" in message
            assert "Lane" not in withdrawn.text and "secret" not in withdrawn.text
        latest = client.get(f"{URL}/{rid}", headers=reader).json()
        assert (latest["retracted"], latest["title"], latest["body"], latest["port_code"]) == (True, "", "", None)
        assert latest["reason"] == "published by mistake" and latest["published_by"] == "ana"
        listed = client.get(URL, headers=reader).json()["records"]
        assert "Lane" not in str(listed) and "secret" not in str(listed)
    for owner in (who["us_editor"], colleague):  # the owning agency keeps every version for its own audit
        assert client.get(f"{URL}/{rid}/versions/1", headers=owner).json()["body"] == "secret detail"
    entries = exchange.verify(engine)
    assert entries.ok


def test_a_correction_keeps_the_body_and_port_it_leaves_out(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, who = api
    for classification in ("bilateral", "national"):
        new = {"kind": "closure", "classification": classification, "title": "Lane 3 closed", "body": "until 14:00",
               "port_code": "2504", "share_roles": ["viewer", "editor"]}
        rid = client.post(URL, json=new, headers=who["us_editor"]).json()["record_id"]
        kept = client.post(f"{URL}/{rid}/corrections", json={"supersedes": 1, "title": "Lane 4 closed"},
                           headers=who["us_editor"]).json()
        assert (kept["version"], kept["title"], kept["body"], kept["port_code"]) == (2, "Lane 4 closed",
                                                                                   "until 14:00", "2504")
        cleared = client.post(f"{URL}/{rid}/corrections", json={"supersedes": 2, "title": "Lane 4 closed",
                                                                "body": "", "port_code": None},
                              headers=who["us_editor"]).json()
        assert (cleared["body"], cleared["port_code"]) == ("", None)
        moved = client.post(f"{URL}/{rid}/corrections", json={"supersedes": 3, "title": "x", "port_code": "2506"},
                            headers=who["us_editor"]).json()
        assert (moved["body"], moved["port_code"]) == ("", "2506")


def test_what_a_caller_may_not_see_answers_like_what_does_not_exist(
        api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, who = api
    new = {"kind": "incident", "classification": "national", "title": "Internal", "share_roles": ["editor"]}
    rid = client.post(URL, json=new, headers=who["us_editor"]).json()["record_id"]
    hidden = client.get(f"{URL}/{rid}", headers=who["mx_viewer"])
    absent = client.get(f"{URL}/xr_0123456789abcdef", headers=who["mx_viewer"])
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json()["error"]["message"].replace(rid, "X") == absent.json()["error"]["message"].replace(
        "xr_0123456789abcdef", "X")
    assert client.get(f"{URL}/{rid}", headers=who["us_other"]).status_code == 200  # a US editor: the role is listed


def test_editors_publish_for_their_own_agency_only(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, who = api
    denied = client.post(URL, json={"kind": "alert", "classification": "public", "title": "x"},
                         headers=who["mx_viewer"])
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
    made = client.post(URL, json={"kind": "alert", "classification": "public", "title": "x"},
                       headers=who["us_other"]).json()
    assert (made["owner_country"], made["owner_agency"]) == ("US", "GSA")
    foreign = client.post(URL, json={"kind": "alert", "classification": "national", "title": "x",
                                     "share_agencies": ["MX:ANAM"]}, headers=who["us_editor"])
    assert foreign.status_code == 422 and "never leaves US" in foreign.json()["error"]["message"]


def test_national_records_need_the_operator_key(api: tuple[TestClient, dict[str, dict[str, str]]],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    client, who = api
    monkeypatch.delenv("BORDERFLOW_EXCHANGE_KEY")
    response = client.post(URL, json={"kind": "alert", "classification": "national", "title": "x"},
                           headers=who["us_editor"])
    assert response.status_code == 503
    assert "BORDERFLOW_EXCHANGE_KEY" in response.json()["error"]["message"]
    assert "borderflow exchange keygen" in response.json()["error"]["message"]


def test_a_list_shows_its_other_records_when_one_is_sealed_beyond_the_key(
        api: tuple[TestClient, dict[str, dict[str, str]]], engine: Engine,
        monkeypatch: pytest.MonkeyPatch) -> None:
    client, who = api
    nat = client.post(URL, json={"kind": "incident", "classification": "national", "title": "Internal",
                                 "body": "secret"}, headers=who["us_editor"]).json()
    pub = client.post(URL, json={"kind": "alert", "classification": "public", "title": "Open"},
                      headers=who["us_editor"]).json()
    monkeypatch.delenv("BORDERFLOW_EXCHANGE_KEY")
    listed = client.get(URL, headers=who["us_editor"])
    assert listed.status_code == 200
    records = {r["record_id"]: r for r in listed.json()["records"]}
    assert records[pub["record_id"]]["title"] == "Open" and records[pub["record_id"]]["sealed"] is None
    sealed = records[nat["record_id"]]
    assert (sealed["title"], sealed["body"], sealed["classification"]) == ("", "", "national")
    assert "BORDERFLOW_EXCHANGE_KEY" in sealed["sealed"] and "\n" not in sealed["sealed"]
    # reading the sealed record itself still answers the key's error
    alone = client.get(f"{URL}/{nat['record_id']}", headers=who["us_editor"])
    assert alone.status_code == 503 and alone.json()["error"]["code"] == "exchange_key"
    # a reader who may not see the national record gets no trace of it
    other = client.get(URL, headers=who["mx_viewer"]).json()["records"]
    assert nat["record_id"] not in {r["record_id"] for r in other}
    # the list's entry names what it could not open, and the chain still verifies
    with engine.connect() as conn:
        entry = conn.execute(select(exchange_audit).where(exchange_audit.c.action == "exchange.list")
                             .order_by(exchange_audit.c.seq)).all()[0]
    details = json.loads(entry.details)
    assert entry.outcome == "ok" and details["sealed"] == [[nat["record_id"], 1]]
    assert exchange.verify(engine).ok


def test_the_rate_limit_answers_429_with_retry_after(engine: Engine) -> None:
    app = create_app(engine=engine)
    app.state.exchange_limiter = TokenBucket(3)
    headers = _token(engine, "ana", "CBP", "US", ["viewer"])
    with TestClient(app, raise_server_exceptions=False) as client:
        codes = [client.get(URL, headers=headers).status_code for _ in range(4)]
        limited = client.get(URL, headers=headers)
        other = client.get(URL)  # another key: its own bucket (and then 401)
    assert codes[:3] == [200, 200, 200] and codes[3] == 429
    assert limited.json()["error"]["code"] == "too_many_requests"
    assert int(limited.headers["Retry-After"]) >= 1
    assert other.status_code == 401


def test_the_rate_limit_is_shared_by_every_server_process(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two apps over one database stand for two workers of `serve --workers 2`: requests
    spread over both count against one bucket. Three a minute: a token comes back only
    after 20 s, so a slow machine does not refill the bucket between requests."""
    monkeypatch.setenv("BORDERFLOW_EXCHANGE_RATE_PER_MINUTE", "3")
    from sqlalchemy import func, select

    from borderflow.api.routes_exchange import SharedBuckets
    from borderflow.store.exchange_schema import exchange_rate_buckets

    headers = _token(engine, "ana", "CBP", "US", ["viewer"])
    first, second = create_app(engine=engine), create_app(engine=engine)
    for app in (first, second):
        app.state.exchange_limiter = SharedBuckets(engine, 3)
    with TestClient(first) as one, TestClient(second) as two:
        codes = [client.get(URL, headers=headers).status_code for client in (one, two, one, two)]
    assert codes == [200, 200, 200, 429]
    default = create_app(engine=engine)  # what serve uses unless told otherwise: the same buckets
    with TestClient(default) as client:
        assert client.get(URL, headers=headers).status_code == 429
        assert client.get(URL, headers=_token(engine, "ben", "CBP", "US", ["viewer"])).status_code == 200
    assert type(default.state.exchange_limiter) is SharedBuckets
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(exchange_rate_buckets)).scalar_one() == 2


def test_shared_buckets_refill(engine: Engine) -> None:
    from borderflow.api.routes_exchange import SharedBuckets

    now = [1_000.0]
    bucket = SharedBuckets(engine, 60, clock=lambda: now[0])
    assert all(bucket.take("a") == 0 for _ in range(60))
    assert bucket.take("a") == pytest.approx(1.0)
    assert bucket.take("b") == 0
    now[0] += 1.0
    assert bucket.take("a") == 0 and bucket.take("a") == pytest.approx(1.0)
    now[0] += 120.0  # a long idle: full again, never more than full
    assert all(bucket.take("a") == 0 for _ in range(60)) and bucket.take("a") > 0


def test_token_bucket_refills() -> None:
    now = [0.0]
    bucket = TokenBucket(60, clock=lambda: now[0])
    assert all(bucket.take("a") == 0 for _ in range(60))
    assert bucket.take("a") == pytest.approx(1.0)
    assert bucket.take("b") == 0
    now[0] += 1.0
    assert bucket.take("a") == 0


def test_schemathesis_finds_no_server_error(engine: Engine) -> None:
    app = create_app(engine=engine)
    app.state.exchange_limiter = TokenBucket(1_000_000)
    headers = _token(engine, "fuzzer", "CBP", "US", ["editor"])
    ana = accounts.create_user(engine, "ana", agency="ANAM", country="MX", roles=["editor"])
    for classification in ("public", "bilateral", "national"):
        exchange.publish(engine, ana, exchange.draft("alert", classification, "t", "b", owner_country="MX",
                                                     share_roles=["editor"]))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex="^/api/v1/exchange")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6
    statuses: set[int] = set()
    for operation in operations:
        strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                             operation.as_strategy(GenerationMode.NEGATIVE))

        @given(case=strategy)
        @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            statuses.add(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])
            if response.status_code >= 400:
                body = response.json()
                assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body

        run()
    assert {200, 201, 404, 422} <= statuses
    assert exchange.verify(engine).ok


def test_the_rate_limit_counts_a_token_however_its_scheme_is_spelled_and_guesses_by_address(engine: Engine) -> None:
    app = create_app(engine=engine)
    app.state.exchange_limiter = TokenBucket(3)
    token = _token(engine, "ana", "CBP", "US", ["viewer"])["Authorization"].split(" ", 1)[1]
    with TestClient(app, raise_server_exceptions=False) as client:
        spelled = [client.get(URL, headers={"Authorization": f"{scheme} {token}"}).status_code
                   for scheme in ("Bearer", "bearer", "BEARER", "bEaReR")]
        guesses = [client.get(URL, headers={"Authorization": f"Bearer bft_{n:043d}"}).status_code for n in range(4)]
    assert spelled == [200, 200, 200, 429]
    assert guesses == [401, 401, 401, 429]  # every guess from one address shares one bucket


def test_the_token_is_checked_and_the_size_limited_before_the_body_is_read(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(engine=engine)
    app.state.exchange_limiter = TokenBucket(10_000)
    headers = _token(engine, "ana", "CBP", "US", ["editor"])
    with TestClient(app, raise_server_exceptions=False) as client:
        unread = client.post(URL, content=b"{not json", headers={"Content-Type": "application/json"})
        assert unread.status_code == 401  # the body was not parsed before the token was checked
        big = b'{"kind": "alert", "classification": "public", "title": "x", "body": "' + b"a" * 600_000 + b'"}'
        for body in (big, iter([big[:300_000], big[300_000:]])):  # declared, and streamed without a length
            refused = client.post(URL, content=body, headers={**headers, "Content-Type": "application/json"})
            assert refused.status_code == 413, refused.text
            assert refused.json()["error"]["code"] == "payload_too_large"
            assert "at most 524288 bytes" in refused.json()["error"]["message"]
    monkeypatch.setenv("BORDERFLOW_API_MAX_BODY_BYTES", "1000")
    small = create_app(engine=engine)
    with TestClient(small, raise_server_exceptions=False) as client:
        for body in (b"x" * 2000, iter([b"x" * 600, b"x" * 600])):
            refused = client.post("/api/v1/observations", content=body, headers={**headers, "Content-Type": "text/csv"})
            assert refused.status_code == 413 and refused.json()["error"]["code"] == "payload_too_large"
            assert "BORDERFLOW_API_MAX_BODY_BYTES" in refused.json()["error"]["message"]


def test_refused_sign_ins_are_in_the_exchange_audit_without_the_token(engine: Engine) -> None:
    import datetime as dt

    from sqlalchemy import select

    from borderflow.store.exchange_schema import exchange_audit

    app = create_app(engine=engine)
    app.state.exchange_limiter = TokenBucket(10_000)
    accounts.create_user(engine, "ana", agency="CBP", country="US", roles=["viewer"])
    accounts.create_user(engine, "bob", agency="CBP", country="US", roles=["viewer"])
    revoked = accounts.create_token(engine, "ana")
    accounts.revoke_token(engine, revoked.info.id)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    expired = accounts.create_token(engine, "ana", expires_in=dt.timedelta(days=1), now=past)
    disabled = accounts.create_token(engine, "bob")
    accounts.disable_user(engine, "bob")
    tokens = {"unknown": "bft_" + "x" * 43, "revoked": revoked.text, "expired": expired.text,
              "disabled": disabled.text}
    with TestClient(app, raise_server_exceptions=False) as client:
        for text in tokens.values():
            assert client.get(URL, headers={"Authorization": f"Bearer {text}"}).status_code == 401
        assert client.get(URL).status_code == 401  # no credential offered: no sign-in to log
    with engine.connect() as conn:
        rows = conn.execute(select(exchange_audit).order_by(exchange_audit.c.seq)).all()
    assert [(r.action, r.outcome) for r in rows] == [("exchange.sign_in", "denied")] * 4
    assert [r.username for r in rows] == ["", "ana", "ana", "bob"]
    assert "revoked" in rows[1].details and "expired" in rows[2].details and "disabled" in rows[3].details
    for row in rows:
        assert not any(text in row.details or text[4:12] in row.details for text in tokens.values())
    assert exchange.verify(engine).ok


def test_port_codes_are_four_ascii_digits_and_titles_refuse_c1_controls_and_line_separators(
        api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, who = api
    new = {"kind": "alert", "classification": "public", "title": "Lane closed"}
    for port in ("\uff12\uff15\uff10\uff14", "\u0662\u0665\u0660\u0664", "2504\n"):
        refused = client.post(URL, json={**new, "port_code": port}, headers=who["us_editor"])
        assert refused.status_code == 422, port
        with pytest.raises(BadInputError, match="4-digit CBP port code"):
            exchange.draft("alert", "public", "t", "", owner_country="US", port_code=port)
    with pytest.raises(BadInputError, match="4-digit"):
        exchange.draft("alert", "public", "t", "", owner_country="US", port_code=2504)  # type: ignore[arg-type]
    for title in ("Lane\x85closed", "Lane\x9b2Jclosed", "Lane\u2028closed", "Lane\u2029closed"):
        refused = client.post(URL, json={**new, "title": title}, headers=who["us_editor"])
        assert refused.status_code == 422 and f"U+{ord(title[4]):04X}" in refused.json()["error"]["message"]
    assert client.post(URL, json={**new, "body": "line one\nline two"}, headers=who["us_editor"]).status_code == 201


def test_a_retried_write_with_an_idempotency_key_answers_what_the_first_made(
        api: tuple[TestClient, dict[str, dict[str, str]]], engine: Engine) -> None:
    client, who = api
    new = {"kind": "alert", "classification": "bilateral", "title": "Bridge closed", "body": "until noon",
           "share_agencies": ["MX:ANAM"]}
    key = {"Idempotency-Key": "7f0c2d3e-5b7a-4c1e-9d4f-2a6b8c0e1f3a"}
    first = client.post(URL, json=new, headers={**who["us_editor"], **key})
    again = client.post(URL, json=new, headers={**who["us_editor"], **key})
    assert first.status_code == again.status_code == 201, again.text
    assert "idempotent-replayed" not in first.headers and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    listed = client.get(URL, headers=who["us_editor"]).json()["records"]
    assert [r["record_id"] for r in listed] == [first.json()["record_id"]]
    # without a key, the same request is a second record (as documented)
    assert client.post(URL, json=new, headers=who["us_editor"]).json()["record_id"] != first.json()["record_id"]
    # the same key for different content is refused, and nothing is written
    changed = client.post(URL, json={**new, "title": "Bridge open"}, headers={**who["us_editor"], **key})
    assert changed.status_code == 409 and "already used for a different request" in changed.json()["error"]["message"]
    assert len(client.get(URL, headers=who["us_editor"]).json()["records"]) == 2
    # another user's key is their own
    other = client.post(URL, json=new, headers={**who["us_other"], **key})
    assert other.status_code == 201 and "idempotent-replayed" not in other.headers

    rid = first.json()["record_id"]
    fix = {"supersedes": 1, "title": "Bridge closed until 14:00"}
    fix_key = {"Idempotency-Key": "fix-1"}
    made = client.post(f"{URL}/{rid}/corrections", json=fix, headers={**who["us_editor"], **fix_key})
    retried = client.post(f"{URL}/{rid}/corrections", json=fix, headers={**who["us_editor"], **fix_key})
    assert made.status_code == retried.status_code == 201 and retried.json()["version"] == made.json()["version"] == 2
    assert retried.headers["idempotent-replayed"] == "true"
    # without the key, a retried correction conflicts with the version it made
    assert client.post(f"{URL}/{rid}/corrections", json=fix, headers=who["us_editor"]).status_code == 409
    gone = {"supersedes": 2, "reason": "reopened"}
    done = client.post(f"{URL}/{rid}/retraction", json=gone, headers={**who["us_editor"], "Idempotency-Key": "r"})
    redo = client.post(f"{URL}/{rid}/retraction", json=gone, headers={**who["us_editor"], "Idempotency-Key": "r"})
    assert done.status_code == redo.status_code == 201 and redo.json()["version"] == 3 and redo.json()["retracted"]
    # a replay of the first correction answers version 2 as it was, not the retraction
    late = client.post(f"{URL}/{rid}/corrections", json=fix, headers={**who["us_editor"], **fix_key})
    assert late.status_code == 201 and late.json()["version"] == 2 and late.json()["title"] == fix["title"]

    bad = client.post(URL, json=new, headers={**who["us_editor"], "Idempotency-Key": "two words"})
    assert bad.status_code == 422 and "Idempotency-Key" in bad.json()["error"]["message"]
    outcomes = [e.outcome for e in exchange_audit_entries(engine) if e.action in (
        "exchange.publish", "exchange.correct", "exchange.retract")]
    # refused: the key reused for other content, the keyless retried correction, the malformed key
    assert outcomes.count("replayed") == 4 and outcomes.count("refused") == 3


def exchange_audit_entries(engine: Engine) -> list[Any]:
    from sqlalchemy import select

    from borderflow.store.exchange_schema import exchange_audit

    with engine.connect() as conn:
        return list(conn.execute(select(exchange_audit).order_by(exchange_audit.c.seq)))


def test_concurrent_retries_with_one_key_publish_once(engine: Engine) -> None:
    import threading

    user = accounts.create_user(engine, "ana", agency="CBP", country="US", roles=["editor"])
    new = exchange.draft("alert", "public", "Storm", "", owner_country="US")
    made: list[str] = []
    errors: list[BaseException] = []

    def attempt() -> None:
        try:
            made.append(exchange.publish(engine, user, new, idempotency_key="storm-1").record_id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(made) == 4 and len(set(made)) == 1
    assert len(exchange.list_visible(engine, user).records) == 1


def test_a_list_page_says_how_many_records_the_caller_may_read(
        api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    client, who = api
    for n, classification in enumerate(("public", "national", "public", "public")):
        assert client.post(URL, json={"kind": "alert", "classification": classification, "title": f"Storm {n}"},
                           headers=who["us_editor"]).status_code == 201
    page = client.get(URL, params={"limit": 2}, headers=who["us_editor"]).json()
    assert ([r["title"] for r in page["records"]], page["total"]) == (["Storm 3", "Storm 2"], 4)
    page = client.get(URL, params={"limit": 2, "offset": 2}, headers=who["mx_viewer"]).json()
    assert ([r["title"] for r in page["records"]], page["total"]) == (["Storm 0"], 3)  # not the US-only one
