"""Current waits: the latest reading per crossing and lane, its age, status and source."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from borderflow.api.auth import engine_of
from borderflow.api.caching import Rendered, rendered
from borderflow.api.models import CurrentWaitList
from borderflow.api.params import (
    At,
    Border,
    CrossingFilter,
    CrossingId,
    Limit,
    Offset,
    StateFilter,
    only_known_query_parameters,
    utc,
)
from borderflow.api.responses import link_header, next_link
from borderflow.api.routes import (
    ERRORS,
    JSON,
    cached,
    json_bytes,
    last_changed,
    minute_end,
    this_minute,
)
from borderflow.services import queries
from borderflow.vocabulary import Mode, Program

router = APIRouter(prefix="/api/v1", tags=["waits"], dependencies=[Depends(only_known_query_parameters)])


def _render(request: Request, items: list[dict[str, Any]], as_of: Any, limit: int, offset: int,
            live: bool) -> Rendered:
    page = items[offset:offset + limit]
    nxt = next_link(request, offset, limit, len(items) > offset + limit)
    body = CurrentWaitList.model_validate({"as_of": as_of, "items": page, "limit": limit, "offset": offset,
                                           "next": nxt})
    changed = last_changed(engine_of(request), as_of if live else None)
    return rendered(json_bytes(body), JSON, last_modified=changed, headers=link_header(nxt))


@router.get("/waits/current", response_model=CurrentWaitList, responses=ERRORS, summary="Current waits")
async def current_waits(request: Request, crossing_id: CrossingFilter = None, border: Border | None = None,
                        state: StateFilter = None, mode: Mode | None = None, program: Program | None = None,
                        at: At = None, limit: Limit = 1000, offset: Offset = 0) -> Response:
    """The latest reading of every crossing and lane (at ``at``, default now), with its age in minutes.

    Ordered by crossing, mode, program, direction. Without ``at`` ages are measured to
    the start of the current minute (``as_of``). Means over a whole day (source
    ``cascade-daily-mean``) are not readings of a moment and are never a current wait.
    """
    engine = engine_of(request)
    at_utc = utc(at, "at")
    as_of = at_utc or this_minute()

    def compute() -> Rendered:
        items = queries.current_waits(
            engine, at=at_utc, now=as_of, crossing_id=crossing_id, border=border.value if border else None,
            state=state, mode=mode.value if mode else None, program=program.value if program else None)
        return _render(request, items, as_of, limit, offset, at_utc is None)

    return await cached(request, compute, minute_end(as_of) if at_utc is None else None)


@router.get("/crossings/{crossing_id}/waits/current", response_model=CurrentWaitList, responses=ERRORS,
            summary="Current waits at one crossing")
async def crossing_current_waits(request: Request, crossing_id: CrossingId, mode: Mode | None = None,
                                 program: Program | None = None, at: At = None) -> Response:
    """The latest reading of each lane of one crossing (404 for an unknown crossing)."""
    engine = engine_of(request)
    at_utc = utc(at, "at")
    as_of = at_utc or this_minute()

    def compute() -> Rendered:
        queries.get_crossing(engine, crossing_id)
        items = queries.current_waits(engine, at=at_utc, now=as_of, crossing_id=crossing_id,
                                      mode=mode.value if mode else None, program=program.value if program else None)
        return _render(request, items, as_of, 1000, 0, at_utc is None)

    return await cached(request, compute, minute_end(as_of) if at_utc is None else None)
