"""Monthly volumes by port and measure; CBP historical averages."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from borderflow.api.auth import engine_of
from borderflow.api.caching import Rendered, rendered
from borderflow.api.models import AverageList, VolumeList
from borderflow.api.params import (
    AverageKind,
    CrossingFilter,
    Limit,
    MeasureFilter,
    MonthParam,
    Offset,
    PortFilter,
    SourceFilter,
    VolumeLevel,
    only_known_query_parameters,
)
from borderflow.api.responses import link_header, next_link
from borderflow.api.routes import ERRORS, JSON, cached, json_bytes
from borderflow.services import queries
from borderflow.vocabulary import Mode, Program

router = APIRouter(prefix="/api/v1", tags=["volumes and averages"], dependencies=[Depends(only_known_query_parameters)])


@router.get("/volumes", response_model=VolumeList, responses=ERRORS, summary="Monthly (or daily) volumes")
async def volumes(request: Request, port_code: PortFilter = None, measure: MeasureFilter = None,
                  source: SourceFilter = None, start_month: MonthParam = None, end_month: MonthParam = None,
                  level: VolumeLevel = "port", limit: Limit = 100, offset: Offset = 0,
                  period: Annotated[Literal["month", "day"], Query(
                      description="month: monthly counts; day: daily counts, each with its date.")] = "month",
                  ) -> Response:
    """Inbound counts (BTS, bridge operators) ordered by port, month (or day), measure.

    ``level=port``: port totals; ``site``: bridge-level counts; ``all``: both. Months
    are inclusive (with ``period=day``, every day of them). ``period=day`` serves daily
    counts (Cascade's daily truck volumes), each carrying its ``date``.
    """
    engine = engine_of(request)

    def compute() -> Rendered:
        page = queries.monthly_volumes(engine, port_code=port_code, measure=measure, source=source,
                                       start_month=start_month, end_month=end_month, level=level,
                                       limit=limit, offset=offset, period=period)
        nxt = next_link(request, offset, limit, page.has_more)
        body = VolumeList.model_validate({"items": page.items, "limit": limit, "offset": offset, "next": nxt})
        return rendered(json_bytes(body), JSON, headers=link_header(nxt))

    return await cached(request, compute)


@router.get("/averages", response_model=AverageList, responses=ERRORS, summary="CBP historical averages")
async def averages(request: Request, crossing_id: CrossingFilter = None, mode: Mode | None = None,
                   program: Program | None = None, kind: AverageKind | None = None,
                   month: Annotated[int | None, Query(ge=1, le=12)] = None,
                   weekday: Annotated[int | None, Query(ge=0, le=6, description="0 = Monday.")] = None,
                   source: SourceFilter = None, limit: Limit = 100, offset: Offset = 0) -> Response:
    """CBP's historical wait statistics (minutes by month, weekday and local hour)."""
    engine = engine_of(request)

    def compute() -> Rendered:
        page = queries.historical_averages_page(
            engine, crossing_id=crossing_id, mode=mode.value if mode else None,
            program=program.value if program else None, kind=kind, month=month, weekday=weekday, source=source,
            limit=limit, offset=offset)
        nxt = next_link(request, offset, limit, page.has_more)
        body = AverageList.model_validate({"items": page.items, "limit": limit, "offset": offset, "next": nxt})
        return rendered(json_bytes(body), JSON, headers=link_header(nxt))

    return await cached(request, compute)
