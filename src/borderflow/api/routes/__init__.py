"""The API's routers, one module per concern."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel
from sqlalchemy import Engine, func, select

from borderflow.api.caching import Rendered, ResponseCache, request_key
from borderflow.api.models import ErrorEnvelope
from borderflow.api.responses import send

JSON = "application/json"

#: Error answers every route may give, in the one envelope (for the OpenAPI document).
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorEnvelope, "description": "Not found"},
    422: {"model": ErrorEnvelope, "description": "Bad input"},
    503: {"model": ErrorEnvelope, "description": "Database unavailable"},
}
#: What every route that takes a body may answer before it runs: a body over
#: ``BORDERFLOW_API_MAX_BODY_BYTES`` (:mod:`borderflow.api.body_limit`).
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorEnvelope, "description": "Request body larger than BORDERFLOW_API_MAX_BODY_BYTES"},
}


def cache_of(request: Request) -> ResponseCache:
    cache: ResponseCache = request.app.state.cache
    return cache


def json_bytes(model: BaseModel) -> bytes:
    return model.model_dump_json().encode("utf-8")


def this_minute() -> dt.datetime:
    """Now in UTC, truncated to the minute: the reference of ages and of the live feed."""
    return dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)


def last_changed(engine: Engine, live_minute: dt.datetime | None) -> dt.datetime | None:
    """Last-Modified of an answer built from the archive: when the archive last stored a
    payload (a late capture changes even a replay of the past), and for a live answer no
    earlier than the minute it was built for (ages and staleness move with the clock)."""
    from borderflow.store.schema import payloads

    with engine.connect() as conn:
        stored = conn.execute(select(func.max(payloads.c.stored_at))).scalar()
    return max((t for t in (stored, live_minute) if t is not None), default=None)


def minute_end(minute: dt.datetime) -> float:
    """Epoch seconds when an answer made for ``minute`` (from :func:`this_minute`) goes stale."""
    return (minute + dt.timedelta(minutes=1)).timestamp()


async def cached(request: Request, compute: Callable[[], Rendered], valid_until: float | None = None) -> Response:
    """The answer for this request from the cache, rendered by ``compute`` (in a thread) if needed."""
    return send(request, await cache_of(request).get(request_key(request.scope), compute, valid_until))
