"""``/api/v1/exchange``: the binational exchange of records (alerts, incidents, seizures,
wanted vehicles, closures) between agencies of the US and Mexico.

- Every endpoint needs ``Authorization: Bearer <token>``; a viewer reads what the access
  rule allows (:mod:`borderflow.exchange.access`), an editor or admin also publishes for
  their own agency and corrects or retracts their agency's records.
- A record the caller may not read answers **404, exactly like one that does not exist**:
  a 403 would tell a caller that a record they may not see is there.
- Every call that reaches the exchange, allowed or not, leaves an entry in the hash-chained
  exchange audit log (``borderflow audit verify``): a signed-in caller's request refused
  before the route runs (a body or path that does not validate, a body too large) too, as
  ``refused`` under the route's action (:class:`AdmittedRoute`).
- Before a body is read (:func:`admit`): the token is checked, the caller counted against
  the rate limit and the declared body size checked (at most :data:`MAX_BODY_BYTES`). A
  refused sign-in is logged in the exchange audit as ``exchange.sign_in`` ``denied``.
- Rate limit: a token bucket per valid bearer token (per client address without a valid
  one, so guessed tokens share their address's bucket), kept in the database so every
  server process counts against the same one, ``BORDERFLOW_EXCHANGE_RATE_PER_MINUTE``
  requests a minute (default 120) with bursts up to the same number; past it, 429 in the
  error envelope with ``Retry-After`` (seconds), before any 401.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from borderflow.api.auth import bearer, engine_of
from borderflow.api.body_limit import declared_length, limited_receive
from borderflow.api.errors import PayloadTooLargeError
from borderflow.api.models import ErrorEnvelope
from borderflow.errors import UnauthorizedError
from borderflow.services import accounts, exchange
from borderflow.services.accounts import Principal

RATE_SETTING = "BORDERFLOW_EXCHANGE_RATE_PER_MINUTE"
DEFAULT_RATE_PER_MINUTE = 120
#: The largest exchange request body: far above the largest valid record (20,000 characters
#: of body, each up to 12 bytes as a JSON escape, plus title and share list).
MAX_BODY_BYTES = 512 * 1024

Kind = Literal["alert", "incident", "seizure_summary", "wanted_vehicle", "closure"]
Classification = Literal["public", "bilateral", "national"]
Role = Literal["viewer", "editor", "admin"]
RecordId = Annotated[str, Path(description="A record id as published, e.g. xr_3f2a9c01d4e5b6a7", max_length=40)]


def take_token(tokens: float, since: float, now: float, capacity: float, per_second: float) -> tuple[float, float]:
    """One request against a bucket holding ``tokens`` at ``since``, refilled at
    ``per_second`` up to ``capacity``: (tokens left now, seconds to wait; 0 = go)."""
    tokens = min(capacity, tokens + max(0.0, now - since) * per_second)
    if tokens >= 1.0:
        return tokens - 1.0, 0.0
    return tokens, (1.0 - tokens) / per_second


class TokenBucket:
    """``per_minute`` requests a minute per key, bursts up to ``per_minute``; thread-safe."""

    def __init__(self, per_minute: int, clock: Any = time.monotonic) -> None:
        if per_minute < 1:
            raise ValueError(f"{RATE_SETTING} must be a whole number >= 1; got {per_minute}")
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when a request may go now, else the seconds until one may."""
        now = self._clock()
        with self._lock:
            tokens, since = self._buckets.get(key, (self.capacity, now))
            left, wait = take_token(tokens, since, now, self.capacity, self.refill_per_second)
            self._buckets[key] = (left, now)
            if wait == 0.0:
                return 0.0
            if len(self._buckets) > 100_000:  # forget idle keys rather than grow without bound
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
            return wait


class SharedBuckets:
    """The same token buckets kept in the database (``exchange_rate_buckets``), so every
    server process of ``borderflow serve --workers N`` counts against one limit. A take is
    one short write transaction (the row locked on PostgreSQL, the database on SQLite);
    buckets idle for a minute (full again) are deleted now and then."""

    def __init__(self, engine: Any, per_minute: int, clock: Any = time.time) -> None:
        if per_minute < 1:
            raise ValueError(f"{RATE_SETTING} must be a whole number >= 1; got {per_minute}")
        self.engine = engine
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self._clock = clock
        self._takes = 0

    def take(self, key: str) -> float:
        """0 when a request may go now, else the seconds until one may."""
        from sqlalchemy import delete, insert, select, update
        from sqlalchemy.exc import IntegrityError

        from borderflow.store.db import writing
        from borderflow.store.exchange_schema import exchange_rate_buckets as buckets

        for attempt in range(2):
            now = float(self._clock())
            try:
                with writing(self.engine, serialize=False) as conn:  # its row is locked instead
                    row = conn.execute(select(buckets.c.tokens, buckets.c.updated_at)
                                       .where(buckets.c.key == key).with_for_update()).first()
                    tokens, since = (self.capacity, now) if row is None else (row.tokens, row.updated_at)
                    left, wait = take_token(tokens, since, now, self.capacity, self.refill_per_second)
                    if row is None:
                        conn.execute(insert(buckets).values(key=key, tokens=left, updated_at=now))
                    else:
                        conn.execute(update(buckets).where(buckets.c.key == key).values(tokens=left, updated_at=now))
                    self._takes += 1
                    if self._takes % 1000 == 0:
                        conn.execute(delete(buckets).where(buckets.c.updated_at < now - 60.0))
                return wait
            except IntegrityError:  # another process made the same bucket first: read it again
                if attempt:
                    raise
        return 0.0  # pragma: no cover - the loop returns or raises


def _rate_from_environment() -> int:
    text = os.environ.get(RATE_SETTING, "").strip()
    return int(text) if (text.isascii() and text.isdigit()) and int(text) > 0 else DEFAULT_RATE_PER_MINUTE


def limiter_of(request: Request) -> TokenBucket | SharedBuckets:
    """The app's buckets, shared through its database (made on first use; tests may set
    ``app.state.exchange_limiter``)."""
    state = request.app.state
    if getattr(state, "exchange_limiter", None) is None:
        state.exchange_limiter = SharedBuckets(state.engine, _rate_from_environment())
    limiter: TokenBucket | SharedBuckets = state.exchange_limiter
    return limiter


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def _bearer_text(request: Request) -> str | None:
    """The token of ``Authorization: Bearer <token>`` (the scheme in any case), else None."""
    scheme, _, text = request.headers.get("authorization", "").strip().partition(" ")
    return text.strip() or None if scheme.lower() == "bearer" else None


async def admit(request: Request) -> None:
    """Before a body is read: sign the caller in, count them against the rate limit, check
    the declared body size. The bucket is the token's (its hash) when the token is valid, the
    client address's otherwise, so neither another spelling of a token nor a guessed one gets
    a bucket of its own. A refused sign-in is logged in the exchange audit (never the token)."""
    engine = engine_of(request)
    text = _bearer_text(request)
    refused: UnauthorizedError | None = None
    try:
        who = await run_in_threadpool(accounts.authenticate, engine, text)
        key = "token:" + accounts.hash_token(text or "")
    except UnauthorizedError as exc:
        refused, key = exc, "addr:" + _client(request)
    limiter = limiter_of(request)
    wait = limiter.take(key) if isinstance(limiter, TokenBucket) else await run_in_threadpool(limiter.take, key)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise HTTPException(429, detail=f"too many exchange requests: at most {int(limiter.capacity)} "
                                        f"a minute per token; retry after {seconds} s",
                            headers={"Retry-After": str(seconds)})
    if refused is not None:
        if "authorization" in request.headers:  # a credential was offered and refused: a failed sign-in
            owner = await run_in_threadpool(accounts.token_user, engine, text) if text else None
            await run_in_threadpool(exchange.record_refused_sign_in, engine, _channel(request), str(refused),
                                    owner, {"request": f"{request.method} {request.url.path}"[:200]})
        raise refused
    request.state.exchange_principal = who
    declared = declared_length(request.scope)
    if declared is not None and declared > MAX_BODY_BYTES:
        raise PayloadTooLargeError(f"an exchange request body may be at most {MAX_BODY_BYTES} bytes; got {declared}")


#: The exchange action of each route (by its endpoint's name), for the entry of a request
#: refused before the route runs.
ROUTE_ACTIONS = {"list_records": "list", "publish_record": "publish", "get_record": "read", "get_version": "read",
                 "correct_record": "correct", "retract_record": "retract"}


def _refusal(exc: Exception) -> str | None:
    """The reason to log for a request refused before its route ran, or None when ``exc``
    is no such refusal."""
    if isinstance(exc, RequestValidationError):
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()[:5]]
        return "the request is not valid: " + "; ".join(problems)
    if isinstance(exc, PayloadTooLargeError) or (isinstance(exc, HTTPException) and exc.status_code == 413):
        return str(exc.detail if isinstance(exc, HTTPException) else exc)
    return None


class AdmittedRoute(APIRoute):
    """An exchange route: :func:`admit` runs before the body is read, and the body is cut
    off at :data:`MAX_BODY_BYTES` even when it comes without a length. A signed-in caller's
    request refused before the route runs (its body or path does not validate, its body is
    too large) is logged in the exchange audit as ``refused`` under the route's action."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        action = ROUTE_ACTIONS[self.endpoint.__name__]

        async def admitted(request: Request) -> Response:
            try:
                await admit(request)
                limited = limited_receive(request.receive, MAX_BODY_BYTES,
                                          f"an exchange request body may be at most {MAX_BODY_BYTES} bytes")
                return await handle(Request(request.scope, limited))
            except Exception as exc:
                who: Principal | None = getattr(request.state, "exchange_principal", None)
                reason = _refusal(exc)
                if who is not None and reason is not None:
                    record_id = request.path_params.get("record_id")
                    await run_in_threadpool(
                        lambda: exchange.record_refused(engine_of(request), who.user, action, reason,
                                                        channel=_channel(request),
                                                        record_id=None if record_id is None else str(record_id)))
                raise

        return admitted


async def signed_in(request: Request,
                    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    """The caller :func:`admit` signed in (``_credentials`` only documents the scheme)."""
    who: Principal = request.state.exchange_principal
    return who


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope, "description": "No token, or a token not usable"},
    413: {"model": ErrorEnvelope, "description": "Request body too large"},
    404: {"model": ErrorEnvelope, "description": "No such record, or one the caller may not read"},
    422: {"model": ErrorEnvelope, "description": "Bad input"},
    429: {"model": ErrorEnvelope, "description": "Rate limit reached; see Retry-After"},
    503: {"model": ErrorEnvelope, "description": "Database unavailable, or no key for national records"},
}
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    403: {"model": ErrorEnvelope, "description": "The user may not write this record"},
    409: {"model": ErrorEnvelope, "description": "Not the latest version, or already retracted"},
}

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"], route_class=AdmittedRoute)


class RecordIn(BaseModel):
    """A new record, published for the caller's own agency."""

    kind: Kind
    classification: Classification
    title: str = Field(min_length=1, max_length=exchange.MAX_TITLE)
    body: str = Field(default="", max_length=exchange.MAX_BODY)
    port_code: str | None = Field(default=None, pattern=r"^[0-9]{4}$", description="4-digit CBP port code")
    share_agencies: list[Annotated[str, Field(max_length=130)]] = Field(
        default_factory=list, max_length=exchange.MAX_SHARES, description="COUNTRY:AGENCY, e.g. MX:ANAM")
    share_roles: list[Role] = Field(default_factory=list, max_length=3)


class CorrectionIn(BaseModel):
    """A corrected version: the title restated; body and port_code left out carry the replaced
    version's over ("" empties the body, null clears the port)."""

    supersedes: int = Field(ge=1, le=1_000_000, description="The latest version, which this one replaces")
    title: str = Field(min_length=1, max_length=exchange.MAX_TITLE)
    body: str | None = Field(default=None, max_length=exchange.MAX_BODY,
                             description='The whole corrected text; left out or null: kept; "" empties it.')
    port_code: str | None = Field(default=None, pattern=r"^[0-9]{4}$",
                                  description="Left out: kept; null: the record names no port.")
    reason: str = Field(default="", max_length=exchange.MAX_TITLE)


class RetractionIn(BaseModel):
    supersedes: int = Field(ge=1, le=1_000_000)
    reason: str = Field(min_length=1, max_length=exchange.MAX_TITLE)


class RecordOut(BaseModel):
    record_id: str
    version: int
    kind: str
    action: str
    supersedes: int | None
    owner_country: str
    owner_agency: str
    classification: str
    share_agencies: list[str]
    share_roles: list[str]
    title: str
    body: str
    port_code: str | None
    reason: str
    retracted: bool
    published_by: str
    published_at: str
    versions: list[int]
    sealed: str | None = Field(default=None, description=(
        "In a list only: why this server could not open the version's sealed content (the operator key "
        "for national records is missing or differs); its title, body, port and reason are then empty. "
        "Null: the content is shown."))


class RecordList(BaseModel):
    records: list[RecordOut]
    limit: int
    offset: int
    #: How many records the caller may read (of ``kind`` when given): more pages follow
    #: while ``offset`` + the records returned is below it.
    total: int


def _channel(request: Request) -> exchange.Channel:
    return exchange.Channel("api", request.client.host if request.client else "",
                            request.headers.get("user-agent", "")[:200])


def _out(record: exchange.RecordVersion, status: int = 200) -> Response:
    body = RecordOut(**record.as_dict()).model_dump_json().encode("utf-8")
    headers = {"Cache-Control": "no-store"}
    if record.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(body, status_code=status, media_type="application/json", headers=headers)


IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", description=(
        "Optional, 1-200 printable ASCII characters (a UUID). A retry of the same write by the same user "
        "with the same key answers what the first attempt made (header `Idempotent-Replayed: true`) "
        "instead of writing again; the same key with a different request is 409."))]


Who = Annotated[Principal, Depends(signed_in)]


@router.get("/records", response_model=RecordList, responses=_ERRORS, summary="Records you may read")
async def list_records(request: Request, who: Who, kind: Kind | None = None,
                       limit: Annotated[int, Query(ge=1, le=500)] = 100,
                       offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> Response:
    """The latest version of every record the caller may read, newest first."""
    found = await run_in_threadpool(exchange.list_visible, engine_of(request), who.user, kind=kind, limit=limit,
                                    offset=offset, channel=_channel(request))
    body = RecordList(records=[RecordOut(**r.as_dict()) for r in found.records], limit=limit, offset=offset,
                      total=found.total)
    return Response(body.model_dump_json().encode("utf-8"), media_type="application/json",
                    headers={"Cache-Control": "no-store"})


@router.post("/records", response_model=RecordOut, status_code=201, responses=_WRITE_ERRORS,
             summary="Publish a record")
async def publish_record(request: Request, who: Who, new: RecordIn, key: IdempotencyKey = None) -> Response:
    """Publish version 1 of a record owned by the caller's agency (editor or admin)."""
    record = await run_in_threadpool(exchange.publish_fields, engine_of(request), who.user, new.model_dump(),
                                     channel=_channel(request), idempotency_key=key)
    return _out(record, 201)


@router.get("/records/{record_id}", response_model=RecordOut, responses=_ERRORS, summary="A record")
async def get_record(request: Request, who: Who, record_id: RecordId) -> Response:
    """The latest version of a record (``versions`` lists them all)."""
    record = await run_in_threadpool(exchange.read, engine_of(request), who.user, record_id,
                                     channel=_channel(request))
    return _out(record)


@router.get("/records/{record_id}/versions/{version}", response_model=RecordOut, responses={
    **_ERRORS, 410: {"model": ErrorEnvelope, "description": "An earlier version of a retracted record (only "
                                                           "the owning agency reads those)"}},
            summary="One version of a record")
async def get_version(request: Request, who: Who, record_id: RecordId,
                      version: Annotated[int, Path(ge=1, le=1_000_000)]) -> Response:
    """One version; once a record is retracted, only its owning agency reads the earlier ones (410 otherwise)."""
    record = await run_in_threadpool(exchange.read, engine_of(request), who.user, record_id, version,
                                     channel=_channel(request))
    return _out(record)


@router.post("/records/{record_id}/corrections", response_model=RecordOut, status_code=201,
             responses=_WRITE_ERRORS, summary="Correct a record")
async def correct_record(request: Request, who: Who, record_id: RecordId, change: CorrectionIn,
                         key: IdempotencyKey = None) -> Response:
    """A new version replacing the latest (``supersedes``); editor or admin of the owning agency."""
    record = await run_in_threadpool(
        lambda: exchange.correct(engine_of(request), who.user, record_id, supersedes=change.supersedes,
                                 title=change.title,
                                 body=exchange.Keep.PREVIOUS if change.body is None else change.body,
                                 port_code=(change.port_code if "port_code" in change.model_fields_set
                                            else exchange.Keep.PREVIOUS),
                                 reason=change.reason, channel=_channel(request),
                                 idempotency_key=key))
    return _out(record, 201)


@router.post("/records/{record_id}/retraction", response_model=RecordOut, status_code=201,
             responses=_WRITE_ERRORS, summary="Retract a record")
async def retract_record(request: Request, who: Who, record_id: RecordId, change: RetractionIn,
                         key: IdempotencyKey = None) -> Response:
    """The last version: the record is withdrawn, with a reason."""
    record = await run_in_threadpool(
        lambda: exchange.retract(engine_of(request), who.user, record_id, supersedes=change.supersedes,
                                 reason=change.reason, channel=_channel(request),
                                 idempotency_key=key))
    return _out(record, 201)
