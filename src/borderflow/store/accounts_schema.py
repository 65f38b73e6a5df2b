"""Accounts, bearer tokens and the audit log (SQLAlchemy Core, on the archive's ``metadata``).

A user belongs to one agency of one country (``US`` or ``MX``) and holds roles
(``viewer``, ``editor``, ``admin``; stored as a comma-separated, sorted list). A token
is stored only as the SHA-256 of its text; the text is shown once when it is made.
Every write through the API leaves one ``audit_log`` row: who, when, what, from where.
Migration ``0002_accounts`` mirrors this file.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from borderflow.store.schema import metadata
from borderflow.store.types import UTCDateTime

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False, default=""),
    Column("agency", String(120), nullable=False),
    #: ISO 3166 alpha-2: "US" or "MX".
    Column("country", String(2), nullable=False),
    #: Comma-separated roles, sorted: "editor,viewer".
    Column("roles", String(80), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("disabled_at", UTCDateTime()),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    #: Hex SHA-256 of the whole token text; the text itself is never stored.
    Column("token_hash", String(64), nullable=False, unique=True),
    #: The first characters of the token, to recognise it in lists ("bft_3xQ9").
    Column("prefix", String(16), nullable=False),
    Column("name", String(120), nullable=False, default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime()),
    Column("revoked_at", UTCDateTime()),
    Index("ix_tokens_user", "user_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    #: Who: the user and token (NULL only for actions outside any account).
    Column("user_id", Integer),
    Column("username", String(80), nullable=False, default=""),
    Column("token_id", Integer),
    #: What: a dotted action name ("observations.create") and its target.
    Column("action", String(80), nullable=False),
    Column("target", String(200), nullable=False, default=""),
    #: "ok", "refused" (bad input, nothing or part stored), "denied" (403).
    Column("outcome", String(16), nullable=False),
    Column("status_code", Integer, nullable=False),
    #: From where: the client address as the server saw it, and its user agent.
    Column("remote_addr", String(64), nullable=False, default=""),
    Column("user_agent", String(200), nullable=False, default=""),
    #: JSON with what the action did (counts, payload hash, reason).
    Column("details", Text, nullable=False, default="{}"),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_user", "user_id"),
)

__all__ = ["audit_log", "tokens", "users"]
