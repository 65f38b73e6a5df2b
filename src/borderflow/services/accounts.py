"""Accounts and bearer tokens: who may write, and the audit trail of what they wrote.

Rules:

- Reading public data needs no account. Every write needs a bearer token.
- A user belongs to an agency of a country (``US`` or ``MX``) and has roles
  (``viewer``, ``editor``, ``admin``). ``editor`` or ``admin`` may write observations.
- A token is ``bft_`` + 43 URL-safe characters (256 random bits from :mod:`secrets`).
  It is shown once; only its SHA-256 is stored. A fast hash is enough because the
  token is random, not a password a person chose.
- A token is refused (:class:`UnauthorizedError`, HTTP 401) when unknown, revoked,
  expired (``expires_at`` <= now), or when its user is disabled. A valid token whose
  user lacks the role is :class:`ForbiddenError` (HTTP 403).
- Every write through the API is recorded in ``audit_log`` (:func:`record_audit`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from borderflow.errors import (
    BadInputError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
)
from borderflow.store.accounts_schema import audit_log, tokens, users
from borderflow.store.ordering import in_byte_order
from borderflow.text_rules import checked_text

ROLES: tuple[str, ...] = ("viewer", "editor", "admin")
COUNTRIES: tuple[str, ...] = ("US", "MX")
#: Roles that may write archive data (observations).
WRITER_ROLES: frozenset[str] = frozenset({"editor", "admin"})
TOKEN_PREFIX = "bft_"
#: Characters of a token kept in clear to recognise it in lists.
SHOWN_PREFIX_CHARS = 8
_LIFETIME = re.compile(r"^\s*(\d{1,6})\s*([mhdw])\s*$")
_LIFETIME_UNITS = {"m": dt.timedelta(minutes=1), "h": dt.timedelta(hours=1), "d": dt.timedelta(days=1),
                   "w": dt.timedelta(weeks=1)}
#: The longest lifetime a token may be given (a datetime cannot reach far beyond it).
MAX_LIFETIME = dt.timedelta(days=3650)
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,79}$")
_TOKEN_TEXT = re.compile(r"^bft_[A-Za-z0-9_-]{20,200}$")


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    agency: str
    country: str
    roles: tuple[str, ...]
    disabled: bool
    created_at: dt.datetime
    disabled_at: dt.datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "username": self.username, "display_name": self.display_name,
            "agency": self.agency, "country": self.country, "roles": list(self.roles),
            "disabled": self.disabled, "created_at": self.created_at.isoformat(),
            "disabled_at": self.disabled_at.isoformat() if self.disabled_at else None,
        }


@dataclass(frozen=True)
class TokenInfo:
    """A token as stored: never its text."""

    id: int
    user_id: int
    username: str
    prefix: str
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    #: Its user's account is disabled (for good): the token is refused.
    user_disabled: bool = False

    def state(self, now: dt.datetime) -> str:
        """``active``, ``revoked``, ``expired`` or ``disabled`` (its account is) at ``now``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        if self.user_disabled:
            return "disabled"
        return "active"

    def as_dict(self, now: dt.datetime | None = None) -> dict[str, Any]:
        return {
            "id": self.id, "username": self.username, "prefix": self.prefix, "name": self.name,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "state": self.state(now or _now()),
        }


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``text`` is the secret, shown once and never stored."""

    text: str
    info: TokenInfo


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user and the token they presented."""

    user: User
    token_id: int


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def parse_lifetime(text: str) -> dt.timedelta:
    """A token lifetime: "30m", "12h", "90d", "2w" (a whole number and a unit), at most
    :data:`MAX_LIFETIME` (for longer, make a token that never expires)."""
    match = _LIFETIME.match(text)
    if match is None or int(match[1]) == 0:
        raise BadInputError(f"a lifetime is a whole number > 0 with m, h, d or w, e.g. 90d; got {text!r}")
    lifetime = int(match[1]) * _LIFETIME_UNITS[match[2]]
    if lifetime > MAX_LIFETIME:
        raise BadInputError(f"a token lifetime is at most {MAX_LIFETIME.days}d ({MAX_LIFETIME.days // 7}w, about 10 "
                            f"years); got {text.strip()!r}; leave --expires out for a token that never expires")
    return lifetime


def hash_token(text: str) -> str:
    """Hex SHA-256 of a token's text (what ``tokens.token_hash`` holds)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _user(row: Any) -> User:
    return User(
        id=row.id, username=row.username, display_name=row.display_name, agency=row.agency,
        country=row.country, roles=tuple(r for r in row.roles.split(",") if r),
        disabled=bool(row.disabled), created_at=row.created_at, disabled_at=row.disabled_at,
    )


def _validate_user(username: str, agency: str, country: str, roles: list[str]) -> tuple[str, str, str, str]:
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise BadInputError(
            f"username must be 2-80 characters: lowercase letters, digits, '.', '_', '@', '-', "
            f"starting with a letter or digit; got {username!r}"
        )
    agency_text = agency.strip()
    if not agency_text or len(agency_text) > 120:
        raise BadInputError(f"agency must be 1-120 characters, e.g. CBP or ANAM; got {agency!r}")
    checked_text(agency_text, "agency", one_line=True)
    code = country.strip().upper()
    if code not in COUNTRIES:
        raise BadInputError(f"country must be one of {', '.join(COUNTRIES)}; got {country!r}")
    wanted = sorted({r.strip().lower() for r in roles if r.strip()})
    bad = [r for r in wanted if r not in ROLES]
    if bad or not wanted:
        raise BadInputError(f"roles must be one or more of {', '.join(ROLES)}; got {', '.join(roles) or 'none'}")
    return name, agency_text, code, ",".join(wanted)


#: Longest display name of a user, and name of a token (their columns' widths).
MAX_DISPLAY_NAME = 200
MAX_TOKEN_NAME = 120


def _short_text(text: str, what: str, most: int) -> str:
    """``text`` stripped, refused (not cut) when longer than ``most`` or holding a control."""
    value = checked_text(text.strip(), what, one_line=True)
    if len(value) > most:
        raise BadInputError(f"{what} is {len(value)} characters long; give at most {most}")
    return value


def create_user(
    engine: Engine, username: str, *, agency: str, country: str, roles: list[str], display_name: str = ""
) -> User:
    """Add a user; ConflictError when the username is taken."""
    name, agency_text, code, role_text = _validate_user(username, agency, country, roles)
    shown_name = _short_text(display_name, "the display name (--name)", MAX_DISPLAY_NAME)
    try:
        with engine.begin() as conn:
            conn.execute(users.insert().values(
                username=name, display_name=shown_name, agency=agency_text, country=code,
                roles=role_text, disabled=False, created_at=_now(), disabled_at=None,
            ))
    except IntegrityError:
        raise ConflictError(f"user {name!r} already exists; pick another username") from None
    return get_user(engine, name)


def get_user(engine: Engine, username: str) -> User:
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == username.strip().lower())).first()
    if row is None:
        raise NotFoundError(f"no user {username!r}; list them with 'borderflow users list'")
    return _user(row)


def list_users(engine: Engine, *, include_disabled: bool = True) -> list[User]:
    query = select(users).order_by(in_byte_order(users.c.username))
    if not include_disabled:
        query = query.where(users.c.disabled.is_(False))
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(query)]


def disable_user(engine: Engine, username: str) -> User:
    """Disable a user: every token of theirs is refused from now on. Idempotent."""
    user = get_user(engine, username)
    if not user.disabled:
        with engine.begin() as conn:
            conn.execute(users.update().where(users.c.id == user.id).values(disabled=True, disabled_at=_now()))
    return get_user(engine, username)


def _token_info(row: Any) -> TokenInfo:
    return TokenInfo(
        id=row.id, user_id=row.user_id, username=row.username, prefix=row.prefix, name=row.name,
        created_at=row.created_at, expires_at=row.expires_at, revoked_at=row.revoked_at,
        user_disabled=bool(row.disabled),
    )


def _token_query() -> Any:
    t = tokens.c
    return select(t.id, t.user_id, users.c.username, t.prefix, t.name, t.created_at, t.expires_at,
                  t.revoked_at, users.c.disabled).join(users, users.c.id == t.user_id)


def create_token(
    engine: Engine, username: str, *, name: str = "", expires_in: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> IssuedToken:
    """Issue a token for an enabled user; it expires after ``expires_in`` (None: never)."""
    user = get_user(engine, username)
    if user.disabled:
        raise BadInputError(f"user {user.username!r} is disabled; a disabled user cannot get tokens")
    if expires_in is not None and expires_in <= dt.timedelta(0):
        raise BadInputError(f"a token must expire after a positive duration; got {expires_in}")
    if expires_in is not None and expires_in > MAX_LIFETIME:
        raise BadInputError(f"a token lifetime is at most {MAX_LIFETIME.days} days; got {expires_in.days} days")
    token_name = _short_text(name, "the token's name (--name)", MAX_TOKEN_NAME)
    issued_at = now or _now()
    text = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        inserted = conn.execute(tokens.insert().values(
            user_id=user.id, token_hash=hash_token(text), prefix=text[:SHOWN_PREFIX_CHARS],
            name=token_name, created_at=issued_at,
            expires_at=issued_at + expires_in if expires_in is not None else None, revoked_at=None,
        )).inserted_primary_key
        assert inserted is not None
        token_id = inserted[0]
        row = conn.execute(_token_query().where(tokens.c.id == token_id)).one()
    return IssuedToken(text=text, info=_token_info(row))


def list_tokens(engine: Engine, username: str | None = None) -> list[TokenInfo]:
    query = _token_query().order_by(tokens.c.id)
    if username is not None:
        query = query.where(users.c.username == get_user(engine, username).username)
    with engine.connect() as conn:
        return [_token_info(r) for r in conn.execute(query)]


def revoke_token(engine: Engine, token_id: int) -> TokenInfo:
    """Revoke a token by its id; refused from now on. Idempotent."""
    with engine.begin() as conn:
        row = conn.execute(_token_query().where(tokens.c.id == token_id)).first()
        if row is None:
            raise NotFoundError(f"no token with id {token_id}; list them with 'borderflow tokens list'")
        if row.revoked_at is None:
            conn.execute(tokens.update().where(tokens.c.id == token_id).values(revoked_at=_now()))
            row = conn.execute(_token_query().where(tokens.c.id == token_id)).one()
    return _token_info(row)


def authenticate(engine: Engine, text: str | None, now: dt.datetime | None = None) -> Principal:
    """The principal a bearer token names; UnauthorizedError for any token not usable now.

    The message never says which of unknown / revoked / expired / disabled applied to an
    unknown token, so a caller cannot probe for token texts.
    """
    if not text:
        raise UnauthorizedError("this action needs a bearer token: send 'Authorization: Bearer <token>'")
    if not _TOKEN_TEXT.match(text):
        raise UnauthorizedError("the bearer token is not valid; ask an administrator for a new one")
    with engine.connect() as conn:
        row = conn.execute(
            select(tokens.c.id.label("token_id"), tokens.c.expires_at, tokens.c.revoked_at, users)
            .join(users, users.c.id == tokens.c.user_id)
            .where(tokens.c.token_hash == hash_token(text))
        ).first()
    at = now or _now()
    if row is None:
        raise UnauthorizedError("the bearer token is not valid; ask an administrator for a new one")
    if row.revoked_at is not None:
        raise UnauthorizedError("the bearer token was revoked; ask an administrator for a new one")
    if row.expires_at is not None and row.expires_at <= at:
        raise UnauthorizedError(
            f"the bearer token expired at {row.expires_at.isoformat()}; ask an administrator for a new one"
        )
    if row.disabled:
        raise UnauthorizedError("the account of this token is disabled; ask an administrator")
    return Principal(user=_user(row), token_id=row.token_id)


def token_user(engine: Engine, text: str) -> User | None:
    """The user a token's text belongs to, usable or not (None when it names nobody); for
    logging a refused sign-in without keeping the token."""
    if not _TOKEN_TEXT.fullmatch(text):
        return None
    with engine.connect() as conn:
        row = conn.execute(select(users).join(tokens, users.c.id == tokens.c.user_id)
                           .where(tokens.c.token_hash == hash_token(text))).first()
    return _user(row) if row is not None else None


def require_role(principal: Principal, allowed: frozenset[str], action: str) -> None:
    """ForbiddenError unless the principal holds one of ``allowed`` roles."""
    if not allowed.intersection(principal.user.roles):
        raise ForbiddenError(
            f"{action} needs the role {' or '.join(sorted(allowed))}; user {principal.user.username!r} "
            f"has {', '.join(principal.user.roles)}"
        )


def record_audit(
    conn: Connection | Engine,
    *,
    principal: Principal | None,
    action: str,
    target: str,
    outcome: str,
    status_code: int,
    remote_addr: str = "",
    user_agent: str = "",
    details: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> None:
    """One audit row: who (user, token), when, what (action, target, outcome), from where."""
    row = {
        "at": at or _now(),
        "user_id": principal.user.id if principal else None,
        "username": principal.user.username if principal else "",
        "token_id": principal.token_id if principal else None,
        "action": action[:80], "target": target[:200], "outcome": outcome[:16], "status_code": status_code,
        "remote_addr": remote_addr[:64], "user_agent": user_agent[:200],
        "details": json.dumps(details or {}, sort_keys=True, default=str),
    }
    if isinstance(conn, Engine):
        with conn.begin() as c:
            c.execute(audit_log.insert().values(**row))
    else:
        conn.execute(audit_log.insert().values(**row))


def list_audit(engine: Engine, *, limit: int = 100, username: str | None = None) -> list[dict[str, Any]]:
    """The newest audit rows first, as plain dicts (``details`` decoded)."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if username is not None:
        query = query.where(audit_log.c.username == username.strip().lower())
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for r in rows:
        r["details"] = json.loads(r["details"] or "{}")
    return rows
