"""The binational exchange: publish, correct, retract, read and list records, all audited.

Rules (the access rule itself is :func:`borderflow.exchange.access.may_read`):

- Records are about ports and the border region; a record has a ``kind`` (:data:`KINDS`),
  an owning agency (the publisher's), a classification and a share list (see
  :mod:`borderflow.exchange.access`). A national record may be shared only with agencies
  of its own country.
- **Versions are immutable.** Publishing makes version 1; a correction is a new version
  (new content, a reason) pointing at the version it replaces; a retraction is a last
  version with a reason; it withdraws the earlier versions from everyone but the owning
  agency (WithdrawnError, HTTP 410). Owner, classification, kind and share list are fixed for the
  record's life: to widen or narrow who sees it, retract it and publish anew. BorderFlow
  never UPDATEs or DELETEs a version or an audit entry: :func:`guard_immutability` makes
  any such statement on a connection the service works through fail, and a test pins it.
- Only an ``editor`` or ``admin`` publishes, and only for their own agency; only an editor
  or admin of the owning agency corrects or retracts. ``supersedes`` must name the latest
  version (else ConflictError), so two corrections cannot silently race.
- **Not visible is not found**: a record the caller may not read answers exactly as an
  absent one (NotFoundError), so its existence does not leak.
- **Every read and write is logged** in ``exchange_audit`` in the same transaction as the
  work (:func:`_append`), hash-chained (:mod:`borderflow.exchange.chain`). Failed attempts
  (not found, denied, refused: input that breaks a rule, a key this server lacks) are
  logged too, then the error is raised: a refusal decided inside the transaction is
  returned as an :class:`_Outcome` (never raised there, which would roll its entry back),
  one decided before it is logged by :func:`record_refused`. Writers take the head row's
  lock first, so entries are numbered one after another on SQLite and PostgreSQL alike.
- National records' content is sealed with the operator key
  (:mod:`borderflow.exchange.crypto`) before it is stored, and only by a server whose key
  opens the version it follows (for a first version, the archive's newest national one),
  so one record is never split across two keys. A retried write's request is remembered
  by a keyed fingerprint when it carries national content.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from sqlalchemy import Connection, Delete, Engine, Update, event, select
from sqlalchemy.exc import IntegrityError, OperationalError

from borderflow.errors import (
    BadInputError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    WithdrawnError,
)
from borderflow.exchange import chain, crypto
from borderflow.exchange.access import agency_key, may_read
from borderflow.services.accounts import User
from borderflow.services.exchange_drafts import (
    KINDS,
    MAX_BODY,
    MAX_SHARES,
    MAX_TITLE,
    Draft,
    checked_port,
    checked_record_text,
    draft,
    draft_from_fields,
)
from borderflow.store.exchange_schema import (
    exchange_audit,
    exchange_audit_head,
    exchange_records,
    exchange_requests,
)

__all__ = ["KINDS", "MAX_BODY", "MAX_SHARES", "MAX_TITLE", "MAX_VERSION", "Channel", "Draft", "Keep", "RecordPage",
           "RecordVersion", "Verification", "checked_key", "correct", "draft", "draft_from_fields", "head",
           "list_visible", "parse_anchor", "publish", "publish_fields", "read", "record_refused",
           "record_refused_sign_in", "retract", "verify"]

PUBLISHER_ROLES: frozenset[str] = frozenset({"editor", "admin"})
#: The highest version a reader may ask for (as the API's path takes it).
MAX_VERSION = 1_000_000
#: Matched in full (``fullmatch``): ``$`` would let a trailing line break through, ``\d`` other scripts' digits.
RECORD_ID = re.compile(r"xr_[0-9a-f]{16}")
_IMMUTABLE = frozenset({"exchange_records", "exchange_audit", "exchange_requests"})
#: An Idempotency-Key: 1-200 printable ASCII characters (a UUID is a good choice).
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")
T = TypeVar("T")


class Keep(enum.Enum):
    """A correction's field left out: the replaced version's value carries over."""

    PREVIOUS = "previous"


@dataclass(frozen=True)
class Channel:
    """Where a request came from, kept in the audit entry: ``api`` or ``cli``, address, agent."""

    via: str = "service"
    remote_addr: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class RecordVersion:
    """One version as a reader sees it (decrypted). ``action``: publish, correct, retract."""

    record_id: str
    version: int
    kind: str
    action: str
    supersedes: int | None
    owner_country: str
    owner_agency: str
    classification: str
    share_agencies: tuple[str, ...]
    share_roles: tuple[str, ...]
    title: str
    body: str
    port_code: str | None
    reason: str
    published_by: str
    published_at: dt.datetime
    versions: tuple[int, ...] = field(default=())
    #: True when this answers a retried write (same Idempotency-Key, same request) with the
    #: version the first one made, rather than a new version.
    replayed: bool = field(default=False, compare=False)
    #: In a list only: why this server could not open the version's sealed content (the
    #: operator key is missing or not the one it was sealed with). Its access fields are
    #: shown; its title, body, port and reason are empty. None: the content is shown.
    sealed: str | None = field(default=None, compare=False)

    @property
    def retracted(self) -> bool:
        return self.action == "retract"

    def as_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id, "version": self.version, "kind": self.kind, "action": self.action,
            "supersedes": self.supersedes, "owner_country": self.owner_country, "owner_agency": self.owner_agency,
            "classification": self.classification, "share_agencies": list(self.share_agencies),
            "share_roles": list(self.share_roles), "title": self.title, "body": self.body,
            "port_code": self.port_code, "reason": self.reason, "retracted": self.retracted,
            "published_by": self.published_by, "published_at": self.published_at.isoformat(),
            "versions": list(self.versions), "sealed": self.sealed,
        }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _json(value: Any) -> str:
    # ASCII-only so any text (control characters, lone surrogates) stores and hashes the same.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      default=lambda v: f"<{v.value}>" if isinstance(v, Keep) else str(v))


# --- immutability -----------------------------------------------------------------------

def _refuse_mutation(_conn: Any, clauseelement: Any, *_args: Any) -> None:
    name = getattr(clauseelement.table, "name", "") if isinstance(clauseelement, (Update, Delete)) else ""
    if name in _IMMUTABLE:
        raise RuntimeError(f"{name} is append-only: BorderFlow never updates or deletes "
                           "its rows (a correction is a new version)")


#: An UPDATE, DELETE or TRUNCATE of a version or audit table in SQL text (not of exchange_audit_head).
_SQL_MUTATION = re.compile(r"\b(?:UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+(?:ONLY\s+)?[\"`]?"
                           r"(exchange_records|exchange_audit|exchange_requests)[\"`]?(?!\w)", re.IGNORECASE)


def _refuse_sql_mutation(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    found = _SQL_MUTATION.search(statement)
    if found:
        raise RuntimeError(f"{found.group(1)} is append-only: BorderFlow never updates or deletes "
                           "its rows (a correction is a new version)")


def guard_immutability(conn: Connection) -> None:
    """Refuse, on this connection, any UPDATE, DELETE or TRUNCATE of versions or audit entries:
    SQLAlchemy constructs before they compile, and every statement as sent to the database
    (SQL text included) before it runs.

    Set on every connection the service works through (not on the engine, which other code
    and the operator's maintenance share)."""
    if not event.contains(conn, "before_execute", _refuse_mutation):
        event.listen(conn, "before_execute", _refuse_mutation)
    if not event.contains(conn, "before_cursor_execute", _refuse_sql_mutation):
        event.listen(conn, "before_cursor_execute", _refuse_sql_mutation)


# --- the audit chain --------------------------------------------------------------------

def _lock_head(conn: Connection) -> tuple[int, str]:
    """Take the head row's lock (a write, so SQLite takes its write lock too) and read it."""
    head = exchange_audit_head
    if conn.execute(head.update().where(head.c.id == 1).values(seq=head.c.seq)).rowcount == 0:
        conn.execute(head.insert().values(id=1, seq=0, entry_hash=chain.GENESIS))
    row = conn.execute(select(head.c.seq, head.c.entry_hash).where(head.c.id == 1)).one()
    return int(row.seq), str(row.entry_hash)


def _append(conn: Connection, head: tuple[int, str], user: User | None, channel: Channel, action: str,
            outcome: str, *, record_id: str | None = None, version: int | None = None,
            record_sha256: str | None = None, details: Mapping[str, Any] | None = None) -> tuple[int, str]:
    """Write the next entry after ``head`` and move the head; returns the new head.

    ``user`` is None only for a refused sign-in whose token names nobody."""
    entry: dict[str, Any] = {
        "seq": head[0] + 1, "at": _now(), "user_id": user.id if user else None,
        "username": user.username if user else "", "agency": user.agency if user else "",
        "country": user.country if user else "", "action": f"exchange.{action}",
        "record_id": record_id, "version": version, "outcome": outcome, "record_sha256": record_sha256,
        "details": _json({"via": channel.via, "remote_addr": channel.remote_addr[:64],
                          "user_agent": channel.user_agent[:200], **(details or {})}),
        "prev_hash": head[1],
    }
    entry["entry_hash"] = chain.entry_hash(entry)
    conn.execute(exchange_audit.insert().values(**entry))
    conn.execute(exchange_audit_head.update().where(exchange_audit_head.c.id == 1)
                 .values(seq=entry["seq"], entry_hash=entry["entry_hash"]))
    return entry["seq"], entry["entry_hash"]


def _transaction(engine: Engine, work: Callable[[Connection, tuple[int, str]], T]) -> T:
    """Run ``work`` in one transaction holding the head lock; retried when two writers collide."""
    for attempt in range(5):
        try:
            with engine.begin() as conn:
                guard_immutability(conn)
                return work(conn, _lock_head(conn))
        except (IntegrityError, OperationalError):
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


@dataclass
class _Outcome:
    """What a transaction decided: a value, or an error raised once its audit entry is committed."""

    value: Any = None
    error: Exception | None = None


def _finish(outcome: _Outcome) -> Any:
    if outcome.error is not None:
        raise outcome.error
    return outcome.value


def record_refused_sign_in(engine: Engine, channel: Channel, reason: str, user: User | None = None,
                           details: Mapping[str, Any] | None = None) -> None:
    """Log a sign-in the exchange refused (unknown, revoked or expired token, disabled user)
    as ``exchange.sign_in`` ``denied``: the user when the credential names one, the reason,
    never the token itself."""
    _transaction(engine, lambda conn, head: _append(conn, head, user, channel, "sign_in", "denied",
                                                    details={"reason": reason[:200], **(details or {})}))


def record_refused(engine: Engine, user: User, action: str, reason: str, *, channel: Channel = Channel(),
                   record_id: str | None = None, details: Mapping[str, Any] | None = None) -> None:
    """Log a call refused before its work could begin (a body or an option that breaks a
    rule) as ``exchange.<action>`` ``refused`` with the reason; a ``record_id`` that is not
    a record id's shape is kept under ``asked``, cut short."""
    logged = record_id if record_id is not None and RECORD_ID.fullmatch(record_id) else None
    extra: dict[str, Any] = {**(details or {}), "reason": reason[:500]}
    if record_id is not None and logged is None:
        extra["asked"] = record_id[:80]
    _transaction(engine, lambda conn, head: _append(conn, head, user, channel, action, "refused",
                                                    record_id=logged, details=extra))


def _checked(engine: Engine, user: User, channel: Channel, action: str, check: Callable[[], T], *,
             record_id: str | None = None) -> T:
    """``check()``'s value; when it refuses the input (BadInputError), the refusal is
    logged (:func:`record_refused`) before the error is raised."""
    try:
        return check()
    except BadInputError as exc:
        record_refused(engine, user, action, str(exc), channel=channel, record_id=record_id)
        raise


# --- records ----------------------------------------------------------------------------

def _rows(conn: Connection, record_id: str) -> list[Mapping[str, Any]]:
    query = select(exchange_records).where(exchange_records.c.record_id == record_id)
    return [dict(r._mapping) for r in conn.execute(query.order_by(exchange_records.c.version))]


def _shared(row: Mapping[str, Any]) -> RecordVersion:
    """A version with its access fields only (content not opened): enough for ``may_read``."""
    return RecordVersion(
        record_id=row["record_id"], version=row["version"], kind=row["kind"], action=row["action"],
        supersedes=row["supersedes"], owner_country=row["owner_country"], owner_agency=row["owner_agency"],
        classification=row["classification"], share_agencies=tuple(json.loads(row["share_agencies"])),
        share_roles=tuple(json.loads(row["share_roles"])), title="", body="", port_code=None, reason="",
        published_by=row["published_by"], published_at=row["published_at"],
    )


def _opened(row: Mapping[str, Any], versions: tuple[int, ...]) -> RecordVersion:
    text = row["payload"]
    if row["encrypted"]:
        text = crypto.open_sealed(text, row["record_id"], row["version"], crypto.load_key())
    content = json.loads(text)
    base = _shared(row)
    return RecordVersion(**{**base.__dict__, "title": content.get("title", ""), "body": content.get("body", ""),
                            "port_code": content.get("port_code"), "reason": content.get("reason", ""),
                            "versions": versions})


def _store(conn: Connection, head: tuple[int, str], user: User, channel: Channel, action: str,
           values: dict[str, Any], content: dict[str, Any]) -> tuple[int, str]:
    """Insert one version (sealed when national) and the entry that publishes it."""
    text = _json(content)
    encrypted = values["classification"] == "national"
    if encrypted:
        text = crypto.seal(text, values["record_id"], values["version"], crypto.load_key())
    row = {**values, "action": action, "payload": text, "encrypted": encrypted,
           "published_by": user.username, "published_at": _now()}
    conn.execute(exchange_records.insert().values(**row))
    return _append(conn, head, user, channel, action, "ok", record_id=row["record_id"], version=row["version"],
                   record_sha256=chain.record_hash(row))


def checked_key(key: str | None) -> str | None:
    """An Idempotency-Key as given (None when there is none); BadInputError naming the rule."""
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise BadInputError(f"an Idempotency-Key is 1-200 printable ASCII characters without spaces, e.g. a "
                            f"UUID; got {len(key)} characters{'' if key.isascii() else ', not all ASCII'}")
    return key


@dataclass(frozen=True)
class _Request:
    """A write's Idempotency-Key and the canonical JSON of what it asks, to recognise its retry."""

    key: str
    text: str = field(repr=False)


def _request(key: str | None, action: str, **asked: Any) -> _Request | None:
    if checked_key(key) is None:
        return None
    return _Request(str(key), _json({"action": action, **asked}))


def _fingerprint(request: _Request, national: bool) -> str:
    """What is remembered of a request: for one carrying national content, a keyed
    fingerprint (:func:`~borderflow.exchange.crypto.fingerprint`: reading the database
    confirms no guess of the sealed text); for any other, the SHA-256 of its text in hex
    (its content is stored in clear anyway, and needs no key)."""
    if national:
        return crypto.fingerprint(request.text, crypto.load_key())
    return hashlib.sha256(request.text.encode("ascii")).hexdigest()


def _same_request(remembered: str, request: _Request) -> bool:
    """Whether ``request`` is the one remembered, by the scheme the remembered fingerprint
    was made with (its prefix): requests remembered as a plain SHA-256, national ones too
    before the keyed fingerprint, still compare, and a retry of them is still recognised."""
    national = remembered.startswith(crypto.FINGERPRINT_PREFIX)
    return hmac.compare_digest(remembered, _fingerprint(request, national))


def _replay(conn: Connection, head: tuple[int, str], user: User, channel: Channel, action: str,
            request: _Request | None) -> _Outcome | None:
    """When ``request``'s key was used before by ``user``: the version that write made (the
    same request retried) or a ConflictError (a different request), each audited; else None.

    A request remembered by a keyed fingerprint is compared only on a server whose key opens
    the version that write made: on one with another key (or none) the fingerprint could not
    match, and the retry is refused as a new write would be (:func:`_sealing_key_problem`)."""
    if request is None:
        return None
    row = conn.execute(select(exchange_requests).where(exchange_requests.c.user_id == user.id,
                                                       exchange_requests.c.key == request.key)).first()
    if row is None:
        return None
    try:
        if row.request_sha256.startswith(crypto.FINGERPRINT_PREFIX):
            t = exchange_records.c
            made = conn.execute(select(exchange_records).where(t.record_id == row.record_id,
                                                               t.version == row.version)).first()
            problem = _sealing_key_problem(conn, dict(made._mapping) if made is not None and made.encrypted else None)
            if problem is not None:
                raise problem
        same = _same_request(row.request_sha256, request)
    except crypto.ExchangeKeyError as exc:
        _append(conn, head, user, channel, action, "refused", record_id=row.record_id, details={"reason": str(exc)})
        return _Outcome(error=exc)
    if not same:
        error = ConflictError(f"Idempotency-Key {request.key!r} was already used for a different request "
                              f"({row.action} of record {row.record_id} version {row.version}); send a new key "
                              "with each new request, the same key only to retry the same one")
        _append(conn, head, user, channel, action, "refused", record_id=row.record_id,
                details={"reason": "idempotency key reused for a different request"})
        return _Outcome(error=error)
    _append(conn, head, user, channel, action, "replayed", record_id=row.record_id, version=row.version)
    return _Outcome(value=(row.record_id, row.version))


def _remember(conn: Connection, user: User, action: str, request: _Request | None, national: bool,
              record_id: str, version: int) -> None:
    if request is not None:
        conn.execute(exchange_requests.insert().values(
            user_id=user.id, key=request.key, action=action, request_sha256=_fingerprint(request, national),
            record_id=record_id, version=version, at=_now()))


def _answer(engine: Engine, user: User, outcome: _Outcome, channel: Channel) -> RecordVersion:
    """The version a write made (or, replayed, the one its first attempt made)."""
    value = _finish(outcome)
    record_id, version, replayed = value
    made = read(engine, user, record_id, version, channel=channel, audit=False)
    return RecordVersion(**{**made.__dict__, "replayed": replayed})


def _sealing_key_problem(conn: Connection, latest: Mapping[str, Any] | None) -> crypto.ExchangeKeyError | None:
    """Why this server may not seal a national version now, or None: it has no usable key,
    or the key does not open ``latest`` (the version a correction or retraction follows)
    or, for a first publish (``latest`` None), the archive's newest national version. A
    server with another key would otherwise seal versions the other servers cannot open.
    (An archive without a national record has nothing to check against: its first one is
    sealed with whatever valid key the server has.)"""
    try:
        key = crypto.load_key()
    except crypto.ExchangeKeyError as exc:
        return exc
    if latest is None:
        t = exchange_records.c
        newest = conn.execute(select(exchange_records).where(t.encrypted.is_(True)).order_by(t.id.desc()).limit(1)).first()
        if newest is None:
            return None
        latest = dict(newest._mapping)
    try:
        crypto.open_sealed(latest["payload"], latest["record_id"], latest["version"], key)
    except crypto.ExchangeKeyError:
        return crypto.ExchangeKeyError(
            f"BORDERFLOW_EXCHANGE_KEY on this server does not open the national records already stored (record "
            f"{latest['record_id']} version {latest['version']} does not open with it): a version sealed with it "
            "could not be read by servers with the right key, so nothing was written; set the key the other "
            "servers of this database use ('borderflow audit verify' tells whether stored bytes were altered)")
    return None


def publish(engine: Engine, user: User, new: Draft, *, channel: Channel = Channel(),
            idempotency_key: str | None = None) -> RecordVersion:
    """Publish version 1 of a record owned by ``user``'s agency; needs editor or admin.

    With ``idempotency_key``, a retry of the same publish by the same user (a lost answer)
    answers the record the first one made (``replayed``) instead of publishing a second;
    the same key with different content is a ConflictError. Every refusal is logged."""
    if not PUBLISHER_ROLES.intersection(user.roles):
        error = ForbiddenError(f"publishing needs the role editor or admin; user {user.username!r} has "
                               f"{', '.join(user.roles)}")
        _transaction(engine, lambda conn, head: _append(conn, head, user, channel, "publish", "denied",
                                                        details={"reason": str(error)}))
        raise error
    request = _checked(engine, user, channel, "publish",
                       lambda: _request(idempotency_key, "publish", draft=new.__dict__))
    national = new.classification == "national"
    record_id = "xr_" + secrets.token_hex(8)
    values = {"record_id": record_id, "version": 1, "kind": new.kind, "supersedes": None,
              "owner_country": user.country, "owner_agency": user.agency, "classification": new.classification,
              "share_agencies": _json(list(new.share_agencies)), "share_roles": _json(list(new.share_roles))}
    content = {"title": new.title, "body": new.body, "port_code": new.port_code, "reason": ""}

    def work(conn: Connection, head: tuple[int, str]) -> _Outcome:
        replay = _replay(conn, head, user, channel, "publish", request)
        if replay is not None:
            return replay if replay.error else _Outcome(value=(*replay.value, True))
        problem = _sealing_key_problem(conn, None) if national else None
        if problem is not None:
            _append(conn, head, user, channel, "publish", "refused", details={"reason": str(problem)})
            return _Outcome(error=problem)
        _store(conn, head, user, channel, "publish", values, content)
        _remember(conn, user, "publish", request, national, record_id, 1)
        return _Outcome(value=(record_id, 1, False))

    return _answer(engine, user, _transaction(engine, work), channel)


def publish_fields(engine: Engine, user: User, fields: Mapping[str, object], *, channel: Channel = Channel(),
                   idempotency_key: str | None = None) -> RecordVersion:
    """:func:`publish` a record given as a JSON object's fields (checked by
    :func:`~borderflow.services.exchange_drafts.draft_from_fields`); a refused one is logged."""
    new = _checked(engine, user, channel, "publish", lambda: draft_from_fields(fields, owner_country=user.country))
    return publish(engine, user, new, channel=channel, idempotency_key=idempotency_key)


def _amend(engine: Engine, user: User, record_id: str, supersedes: int, action: str, content: dict[str, Any],
           channel: Channel, idempotency_key: str | None) -> RecordVersion:
    request = _checked(engine, user, channel, action, lambda: _request(
        idempotency_key, action, record_id=record_id, supersedes=supersedes, content=content), record_id=record_id)

    def work(conn: Connection, head: tuple[int, str]) -> _Outcome:
        replay = _replay(conn, head, user, channel, action, request)
        if replay is not None:
            return replay if replay.error else _Outcome(value=(*replay.value, True))
        rows = _rows(conn, record_id) if RECORD_ID.fullmatch(record_id) else []
        first = _shared(rows[0]) if rows else None
        logged_id = record_id if RECORD_ID.fullmatch(record_id) else None
        if first is None or not may_read(user, first):
            _append(conn, head, user, channel, action, "not_found", record_id=logged_id,
                    details={} if logged_id else {"asked": record_id[:80]})
            return _Outcome(error=_not_found(record_id))
        owner = agency_key(first.owner_country, first.owner_agency) == agency_key(user.country, user.agency)
        if not owner or not PUBLISHER_ROLES.intersection(user.roles):
            error = ForbiddenError(f"only an editor or admin of {first.owner_country}:{first.owner_agency} may "
                                   f"{action} record {record_id}; user {user.username!r} is "
                                   f"{user.country}:{user.agency} with {', '.join(user.roles)}")
            _append(conn, head, user, channel, action, "denied", record_id=record_id, details={"reason": str(error)})
            return _Outcome(error=error)
        latest = rows[-1]
        problem: Exception | None = None
        if latest["action"] == "retract":
            problem = ConflictError(f"record {record_id} was retracted at version {latest['version']}; "
                                    "publish a new record instead")
        elif supersedes != latest["version"]:
            problem = ConflictError(f"record {record_id} is at version {latest['version']}; a {action} must "
                                    f"supersede it (got supersedes={supersedes}); read it again and retry")
        elif latest["encrypted"]:
            problem = _sealing_key_problem(conn, latest)
        if problem is not None:
            _append(conn, head, user, channel, action, "refused", record_id=record_id, details={"reason": str(problem)})
            return _Outcome(error=problem)
        values = {key: latest[key] for key in ("record_id", "kind", "owner_country", "owner_agency",
                                               "classification", "share_agencies", "share_roles")}
        values.update(version=latest["version"] + 1, supersedes=latest["version"])
        kept = [name for name, value in content.items() if isinstance(value, Keep)]
        if kept:
            previous = _opened(latest, ()).__dict__
            content.update({name: previous[name] for name in kept})
        _store(conn, head, user, channel, action, values, content)
        _remember(conn, user, action, request, bool(latest["encrypted"]), record_id, values["version"])
        return _Outcome(value=(record_id, values["version"], False))

    return _answer(engine, user, _transaction(engine, work), channel)


def correct(engine: Engine, user: User, record_id: str, *, supersedes: int, title: str,
            body: str | Keep = Keep.PREVIOUS, port_code: str | None | Keep = Keep.PREVIOUS, reason: str = "",
            channel: Channel = Channel(), idempotency_key: str | None = None) -> RecordVersion:
    """A new version with corrected content, replacing version ``supersedes`` (the latest).

    The title is restated; ``body`` and ``port_code`` left as :attr:`Keep.PREVIOUS` carry the
    replaced version's over (``body=""`` empties the body, ``port_code=None`` clears the port).
    Content that breaks a rule is refused, and the refusal logged.
    """
    content = _checked(engine, user, channel, "correct", lambda: {
        "title": checked_record_text(title, "title", MAX_TITLE, required=True),
        "body": body if isinstance(body, Keep) else checked_record_text(body, "body", MAX_BODY, required=False),
        "port_code": port_code if isinstance(port_code, Keep) else checked_port(port_code),
        "reason": checked_record_text(reason, "reason", MAX_TITLE, required=False)}, record_id=record_id)
    return _amend(engine, user, record_id, supersedes, "correct", content, channel, idempotency_key)


def retract(engine: Engine, user: User, record_id: str, *, supersedes: int, reason: str,
            channel: Channel = Channel(), idempotency_key: str | None = None) -> RecordVersion:
    """The last version of a record: withdrawn, with a reason; nothing can follow it."""
    content = _checked(engine, user, channel, "retract", lambda: {
        "title": "", "body": "", "port_code": None,
        "reason": checked_record_text(reason, "reason", MAX_TITLE, required=True)}, record_id=record_id)
    return _amend(engine, user, record_id, supersedes, "retract", content, channel, idempotency_key)


def _not_found(record_id: str, version: int | None = None) -> NotFoundError:
    what = f"record {record_id[:80]!r}" + (f" version {version}" if version is not None else "")
    return NotFoundError(f"no {what} that you may read; list what you may read with GET /api/v1/exchange/records")


def _withdrawn(user: User, rows: list[Mapping[str, Any]], version: int) -> WithdrawnError | None:
    """The error for an earlier version of a retracted record, unless ``user`` is of the
    owning agency (which keeps every version for its own audit)."""
    first = rows[0]
    if agency_key(first["owner_country"], first["owner_agency"]) == agency_key(user.country, user.agency):
        return None
    retraction = _opened(rows[-1], ())
    return WithdrawnError(
        f"record {retraction.record_id} was retracted at version {retraction.version} on "
        f"{retraction.published_at.isoformat(timespec='seconds')} by {retraction.published_by} "
        f"({retraction.owner_country}:{retraction.owner_agency}), reason: {retraction.reason!r}; its version "
        f"{version} is withdrawn from every agency but the owner's; the record's latest version is the retraction")


def read(engine: Engine, user: User, record_id: str, version: int | None = None, *,
         channel: Channel = Channel(), audit: bool = True) -> RecordVersion:
    """The latest version (or ``version``) of a record ``user`` may read; NotFoundError otherwise.

    Once a record is retracted, its earlier versions are withdrawn: only users of the
    owning agency read them; anyone else gets WithdrawnError (when, by whom, the reason).

    ``audit=False`` only for the answer to a write, whose entry is already in the log.
    A ``version`` outside 1..:data:`MAX_VERSION` is refused (and the refusal logged).
    """
    if version is not None and not 1 <= version <= MAX_VERSION:
        error = BadInputError(f"a version is a whole number from 1 to {MAX_VERSION:,}; got {version}")
        if audit:
            record_refused(engine, user, "read", str(error), channel=channel, record_id=record_id,
                           details={"asked_version": str(version)[:40]})
        raise error

    def work(conn: Connection, head: tuple[int, str]) -> _Outcome:
        valid = bool(RECORD_ID.fullmatch(record_id))
        rows = _rows(conn, record_id) if valid else []
        visible = bool(rows) and may_read(user, _shared(rows[0]))
        chosen = [r for r in rows if version is None or r["version"] == version][-1:] if visible else []
        if not chosen:
            if audit:
                _append(conn, head, user, channel, "read", "not_found", record_id=record_id if valid else None,
                        version=version, details={} if valid else {"asked": record_id[:80]})
            return _Outcome(error=_not_found(record_id, version))
        try:
            opened = _opened(chosen[0], tuple(r["version"] for r in rows))
            withdrawn = (_withdrawn(user, rows, chosen[0]["version"])
                         if rows[-1]["action"] == "retract" and chosen[0] is not rows[-1] else None)
        except crypto.ExchangeKeyError as exc:
            _append(conn, head, user, channel, "read", "refused", record_id=record_id,
                    version=chosen[0]["version"], details={"reason": str(exc)})
            return _Outcome(error=exc)
        if withdrawn is not None:
            if audit:
                _append(conn, head, user, channel, "read", "refused", record_id=record_id,
                        version=chosen[0]["version"], details={"reason": "withdrawn by a retraction"})
            return _Outcome(error=withdrawn)
        if audit:
            _append(conn, head, user, channel, "read", "ok", record_id=record_id, version=opened.version)
        return _Outcome(value=opened)

    result: RecordVersion = _finish(_transaction(engine, work))
    return result


def _listed(row: Mapping[str, Any], versions: tuple[int, ...]) -> RecordVersion:
    """A version for a list: opened, or, when this server cannot open its sealed content,
    its access fields with the reason (one record the key cannot open does not hide the
    others; reading it alone still answers the key error)."""
    try:
        return _opened(row, versions)
    except crypto.ExchangeKeyError as exc:
        return replace(_shared(row), versions=versions, sealed=str(exc))


@dataclass(frozen=True)
class RecordPage:
    """A page of :func:`list_visible`: ``records`` from place ``offset`` of the ``total``
    records the reader may read (of the kind asked for), newest first."""

    records: list[RecordVersion]
    total: int
    offset: int

    @property
    def more(self) -> bool:
        """Whether records after this page exist."""
        return self.offset + len(self.records) < self.total


def list_visible(engine: Engine, user: User, *, kind: str | None = None, limit: int = 100, offset: int = 0,
                 channel: Channel = Channel(),
                 present: Callable[[RecordPage], object] | None = None) -> RecordPage:
    """The latest version of every record ``user`` may read, newest first, ``limit`` of them
    from place ``offset``, with how many there are in all; the list is audited
    with the versions it returned (and, under ``sealed``, those whose content this server
    could not open: they are listed with ``sealed`` set, see :class:`RecordVersion`).

    ``present`` (a front's rendering of the page) runs before the entry is written: when it
    raises, the entry says ``failed`` and the error is raised, so a list nobody was shown is
    never logged as ``ok``.
    """
    if kind is not None and kind not in KINDS:
        error = BadInputError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
        record_refused(engine, user, "list", str(error), channel=channel)
        raise error

    def work(conn: Connection, head: tuple[int, str]) -> _Outcome:
        latest: dict[str, dict[str, Any]] = {}
        counts: dict[str, list[int]] = {}
        t = exchange_records.c
        # The access fields of every version first (no content: a record's text may be
        # 20,000 characters); the content only of the page's versions.
        meta = select(*(c for c in exchange_records.c if c.name != "payload")).order_by(t.record_id, t.version)
        if kind is not None:
            meta = meta.where(t.kind == kind)
        for row in conn.execute(meta):
            m = dict(row._mapping)
            counts.setdefault(m["record_id"], []).append(m["version"])
            latest[m["record_id"]] = m
        visible = [r for r in latest.values() if may_read(user, _shared(r))]
        visible.sort(key=lambda r: (r["published_at"], r["record_id"]), reverse=True)
        chosen = visible[offset:offset + limit]
        payloads = dict(conn.execute(select(t.id, t.payload).where(t.id.in_([r["id"] for r in chosen])))
                        .all()) if chosen else {}
        page = RecordPage([_listed({**r, "payload": payloads[r["id"]]}, tuple(counts[r["record_id"]]))
                           for r in chosen], total=len(visible), offset=offset)
        details: dict[str, Any] = {"kind": kind, "limit": limit, "offset": offset, "total": page.total,
                                   "returned": [[r.record_id, r.version] for r in page.records]}
        sealed = [[r.record_id, r.version] for r in page.records if r.sealed is not None]
        if sealed:
            details["sealed"] = sealed
        if present is not None:
            try:
                present(page)
            except Exception as exc:  # noqa: BLE001 - whatever the front's failure, the entry must not say ok
                _append(conn, head, user, channel, "list", "failed",
                        details={**details, "reason": f"the page could not be shown: {type(exc).__name__}"})
                return _Outcome(error=exc)
        _append(conn, head, user, channel, "list", "ok", details=details)
        return _Outcome(value=page)

    result: RecordPage = _finish(_transaction(engine, work))
    return result


# --- verification -----------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify`: entries and versions checked, every problem, the first."""

    entries: int
    versions: int
    head_seq: int
    head_hash: str
    problems: tuple[chain.Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> chain.Problem | None:
        return chain.first_problem(list(self.problems))


def head(engine: Engine) -> tuple[int, str]:
    """The newest entry's ``(seq, entry_hash)`` as the chain itself says (for the operator to keep)."""
    with engine.connect() as conn:
        row = conn.execute(select(exchange_audit.c.seq, exchange_audit.c.entry_hash)
                           .order_by(exchange_audit.c.seq.desc()).limit(1)).first()
    return (int(row.seq), str(row.entry_hash)) if row else (0, chain.GENESIS)


def parse_anchor(text: str) -> tuple[int, str]:
    """``"SEQ:HASH"`` as printed by ``borderflow audit head``."""
    seq, _, digest = text.strip().partition(":")
    if not (seq.isascii() and seq.isdigit()) or not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise BadInputError(f"an anchor is SEQ:HASH as 'borderflow audit head' prints it; got {text!r}")
    return int(seq), digest


def verify(engine: Engine, anchor: tuple[int, str] | None = None) -> Verification:
    """Check the whole log and every stored version; see :mod:`borderflow.exchange.chain`.

    Entries, versions and the stored head are read in one snapshot, so writers working
    meanwhile never make a consistent log look tampered with (on PostgreSQL a REPEATABLE
    READ, read-only transaction; on SQLite one read transaction, which WAL keeps to the
    state at its first read)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            entries = [dict(r._mapping) for r in conn.execute(select(exchange_audit).order_by(exchange_audit.c.seq))]
            versions = [dict(r._mapping) for r in conn.execute(select(exchange_records)
                                                               .order_by(exchange_records.c.id))]
            stored_head = conn.execute(select(exchange_audit_head).where(exchange_audit_head.c.id == 1)).first()
    problems = chain.check_entries(entries) + chain.check_records(entries, versions)
    if stored_head is not None:
        problems += chain.check_head(entries, int(stored_head.seq), str(stored_head.entry_hash), "stored head")
    elif entries:
        problems.append(chain.Problem(1, "the stored head is missing while the log has entries"))
    if anchor is not None:
        problems += chain.check_head(entries, anchor[0], anchor[1], "anchor")
    last = entries[-1] if entries else None
    return Verification(entries=len(entries), versions=len(versions),
                        head_seq=int(last["seq"]) if last else 0,
                        head_hash=str(last["entry_hash"]) if last else chain.GENESIS, problems=tuple(problems))
