"""The binational exchange's tables (on the archive's ``metadata``); migration ``0005_exchange``.

- ``exchange_records``: one row per **version** of a record, never updated or deleted by
  BorderFlow. Owner, classification and share list are in clear (the access rule needs
  them); ``payload`` is the JSON of kind-specific content (title, body, port), sealed with
  AES-GCM when ``encrypted`` (national records).
- ``exchange_audit``: the append-only, hash-chained log of every read and write.
- ``exchange_audit_head``: one row (``id`` = 1) holding the newest entry's ``seq`` and hash;
  writers lock it to number entries one after another, and ``audit verify`` compares the
  chain with it (tail truncation).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from borderflow.store.schema import metadata
from borderflow.store.types import UTCDateTime

exchange_records = Table(
    "exchange_records",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("record_id", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    #: alert, incident, seizure_summary, wanted_vehicle, closure.
    Column("kind", String(20), nullable=False),
    #: publish (version 1), correct, retract.
    Column("action", String(10), nullable=False),
    #: The version this one replaces (NULL for version 1).
    Column("supersedes", Integer),
    Column("owner_country", String(2), nullable=False),
    Column("owner_agency", String(120), nullable=False),
    #: public, bilateral, national.
    Column("classification", String(10), nullable=False),
    #: JSON list of "CC:AGENCY", sorted.
    Column("share_agencies", Text, nullable=False),
    #: JSON list of roles, sorted.
    Column("share_roles", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("encrypted", Boolean, nullable=False),
    Column("published_by", String(80), nullable=False),
    Column("published_at", UTCDateTime(), nullable=False),
    UniqueConstraint("record_id", "version", name="uq_exchange_records_version"),
)

exchange_audit = Table(
    "exchange_audit",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("user_id", Integer),
    Column("username", String(80), nullable=False),
    Column("agency", String(120), nullable=False),
    Column("country", String(2), nullable=False),
    #: exchange.publish, exchange.correct, exchange.retract, exchange.read, exchange.list.
    Column("action", String(40), nullable=False),
    Column("record_id", String(40)),
    Column("version", Integer),
    #: ok, not_found (absent or not visible: the same to the caller), denied, refused,
    #: replayed (a retried write answered with what its first attempt made).
    Column("outcome", String(16), nullable=False),
    #: Content hash of the version this entry published (publish, correct, retract).
    Column("record_sha256", String(64)),
    #: Canonical JSON: channel, client address, counts, the versions a list returned.
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Index("ix_exchange_audit_record", "record_id", "version"),
)

exchange_audit_head = Table(
    "exchange_audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

#: The exchange's rate limit, shared by every server process: one token bucket per key
#: (a hash of the bearer token, or the client address). Migration ``0007``.
exchange_rate_buckets = Table(
    "exchange_rate_buckets",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("tokens", Float, nullable=False),
    #: Seconds since the epoch of the last take (a wall clock every process shares).
    Column("updated_at", Float, nullable=False),
    Index("ix_exchange_rate_buckets_updated_at", "updated_at"),
)

#: Writes made with an ``Idempotency-Key``: a retried request with the same key and the same
#: content answers the version the first one made instead of writing again. Insert-only.
#: Migration ``0011``.
exchange_requests = Table(
    "exchange_requests",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=False),
    Column("key", String(200), primary_key=True),
    #: publish, correct, retract.
    Column("action", String(10), nullable=False),
    #: The fingerprint of the request's canonical JSON (action, record, supersedes, content):
    #: ``k1:`` + a keyed HMAC-SHA256 when it carries national content, else its SHA-256 in hex
    #: (see ``borderflow.services.exchange._fingerprint``); the column keeps its first name.
    Column("request_sha256", String(64), nullable=False),
    Column("record_id", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
)

__all__ = ["exchange_audit", "exchange_audit_head", "exchange_rate_buckets", "exchange_records",
           "exchange_requests"]
