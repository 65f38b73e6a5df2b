"""Accounts and tokens: validation, hashing, expiry, revocation, disabling, roles, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from borderflow.errors import (
    BadInputError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
)
from borderflow.services import accounts
from borderflow.store.accounts_schema import tokens

UTC = dt.UTC


def test_users_are_validated_and_unique(engine: Engine) -> None:
    user = accounts.create_user(engine, " Ana.R@cbp ", agency="CBP", country="us", roles=["editor", "viewer", "editor"])
    assert (user.username, user.country, user.roles, user.disabled) == ("ana.r@cbp", "US", ("editor", "viewer"), False)
    with pytest.raises(ConflictError):
        accounts.create_user(engine, "ana.r@cbp", agency="CBP", country="US", roles=["viewer"])
    for bad in ({"country": "CA"}, {"roles": ["root"]}, {"roles": []}, {"agency": " "}):
        args = {"agency": "CBP", "country": "US", "roles": ["viewer"], **bad}
        with pytest.raises(BadInputError):
            accounts.create_user(engine, "someone", **args)  # type: ignore[arg-type]
    with pytest.raises(BadInputError):
        accounts.create_user(engine, "x", agency="CBP", country="US", roles=["viewer"])
    assert [u.username for u in accounts.list_users(engine)] == ["ana.r@cbp"]


def test_tokens_are_random_hashed_and_shown_once(engine: Engine) -> None:
    accounts.create_user(engine, "ana", agency="CBP", country="US", roles=["editor"])
    first, second = accounts.create_token(engine, "ana"), accounts.create_token(engine, "ana")
    assert first.text != second.text and first.text.startswith("bft_") and len(first.text) >= 40
    with engine.connect() as conn:
        stored = conn.execute(select(tokens.c.token_hash, tokens.c.prefix)).all()
    assert {h for h, _ in stored} == {accounts.hash_token(first.text), accounts.hash_token(second.text)}
    assert all(len(p) == accounts.SHOWN_PREFIX_CHARS for _, p in stored)
    who = accounts.authenticate(engine, first.text)
    assert who.user.username == "ana" and who.token_id == first.info.id


def test_expired_revoked_disabled_and_unknown_tokens_are_refused(engine: Engine) -> None:
    accounts.create_user(engine, "ana", agency="CBP", country="US", roles=["editor"])
    issued_at = dt.datetime(2024, 5, 1, tzinfo=UTC)
    expiring = accounts.create_token(engine, "ana", expires_in=dt.timedelta(hours=1), now=issued_at)
    assert accounts.authenticate(engine, expiring.text, now=issued_at + dt.timedelta(minutes=59))
    with pytest.raises(UnauthorizedError, match="expired"):
        accounts.authenticate(engine, expiring.text, now=issued_at + dt.timedelta(hours=1))
    revoked = accounts.create_token(engine, "ana")
    assert accounts.revoke_token(engine, revoked.info.id).revoked_at is not None
    assert accounts.revoke_token(engine, revoked.info.id).state(dt.datetime.now(UTC)) == "revoked"
    with pytest.raises(UnauthorizedError, match="revoked"):
        accounts.authenticate(engine, revoked.text)
    for text in (None, "", "bft_" + "A" * 43, "Bearer xyz"):
        with pytest.raises(UnauthorizedError):
            accounts.authenticate(engine, text)
    live = accounts.create_token(engine, "ana")
    accounts.disable_user(engine, "ana")
    with pytest.raises(UnauthorizedError, match="disabled"):
        accounts.authenticate(engine, live.text)
    # the list says what the API does: the live token of a disabled account is not active
    now = dt.datetime.now(UTC)
    states = {t.id: t.as_dict(now)["state"] for t in accounts.list_tokens(engine, "ana")}
    assert states == {expiring.info.id: "expired", revoked.info.id: "revoked", live.info.id: "disabled"}
    with pytest.raises(BadInputError):
        accounts.create_token(engine, "ana")
    with pytest.raises(NotFoundError):
        accounts.revoke_token(engine, 999_999)


def test_roles_decide_what_a_user_may_do(engine: Engine) -> None:
    accounts.create_user(engine, "viewer1", agency="ANAM", country="MX", roles=["viewer"])
    accounts.create_user(engine, "admin1", agency="GSA", country="US", roles=["admin"])
    viewer = accounts.authenticate(engine, accounts.create_token(engine, "viewer1").text)
    admin = accounts.authenticate(engine, accounts.create_token(engine, "admin1").text)
    accounts.require_role(admin, accounts.WRITER_ROLES, "observations.create")
    with pytest.raises(ForbiddenError, match="viewer1"):
        accounts.require_role(viewer, accounts.WRITER_ROLES, "observations.create")


def test_audit_rows_say_who_when_what_where(engine: Engine) -> None:
    accounts.create_user(engine, "ana", agency="CBP", country="US", roles=["editor"])
    who = accounts.authenticate(engine, accounts.create_token(engine, "ana").text)
    accounts.record_audit(engine, principal=who, action="observations.create", target="POST /x", outcome="ok",
                          status_code=200, remote_addr="203.0.113.9", details={"stored": 3})
    [row] = accounts.list_audit(engine)
    assert (row["username"], row["token_id"], row["remote_addr"], row["details"]) == (
        "ana", who.token_id, "203.0.113.9", {"stored": 3})
    assert row["at"].tzinfo is not None


def test_lifetimes() -> None:
    assert accounts.parse_lifetime("90d") == dt.timedelta(days=90)
    assert accounts.parse_lifetime(" 2w") == dt.timedelta(weeks=2)
    for bad in ("0d", "1y", "-1h", "soon", "1.5h"):
        with pytest.raises(BadInputError):
            accounts.parse_lifetime(bad)


def test_names_too_long_or_with_controls_are_refused_not_cut(engine: Engine) -> None:
    with pytest.raises(BadInputError, match="the display name .* is 201 characters long; give at most 200"):
        accounts.create_user(engine, "ana", agency="CBP", country="US", roles=["viewer"], display_name="A" * 201)
    with pytest.raises(BadInputError, match="U\\+202E"):
        accounts.create_user(engine, "ana", agency="CBP", country="US", roles=["viewer"], display_name="x\u202ey")
    user = accounts.create_user(engine, "ana", agency="CBP", country="US", roles=["viewer"], display_name=" Ana ")
    assert user.display_name == "Ana"
    with pytest.raises(BadInputError, match="the token's name .* is 121 characters long; give at most 120"):
        accounts.create_token(engine, "ana", name="t" * 121)
    assert accounts.create_token(engine, "ana", name="t" * 120).info.name == "t" * 120


def test_lifetimes_have_a_maximum(engine: Engine) -> None:
    assert accounts.parse_lifetime("3650d") == accounts.MAX_LIFETIME == accounts.parse_lifetime("87600h")
    for too_long in ("999999w", "522w", "3651d", "87601h"):
        with pytest.raises(BadInputError, match="at most 3650d") as refused:
            accounts.parse_lifetime(too_long)
        assert "\n" not in str(refused.value)
    accounts.create_user(engine, "ana", agency="CBP", country="US", roles=["viewer"])
    with pytest.raises(BadInputError, match="at most 3650 days"):
        accounts.create_token(engine, "ana", expires_in=dt.timedelta(weeks=999_999))
    assert accounts.create_token(engine, "ana", expires_in=accounts.MAX_LIFETIME).info.expires_at is not None


def test_an_agency_name_follows_the_one_line_text_rule(engine: Engine) -> None:
    for agency, char in (("CBP\x1b[2J\u202e", "U+001B"), ("CBP\u202e", "U+202E"), ("CBP\nGSA", "U+000A")):
        with pytest.raises(BadInputError, match=f"agency holds the character {char.replace('+', '[+]')}"):
            accounts.create_user(engine, "ana", agency=agency, country="US", roles=["viewer"])
    assert accounts.list_users(engine) == []
    assert accounts.create_user(engine, "ana", agency=" CBP ", country="US", roles=["viewer"]).agency == "CBP"
