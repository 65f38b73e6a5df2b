"""Ports and crossings: the catalog, filtered by border and state, paged."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from borderflow.api.auth import engine_of
from borderflow.api.caching import Rendered, rendered
from borderflow.api.models import Crossing, CrossingList, PortDetail, PortList
from borderflow.api.params import (
    Border,
    CrossingId,
    Limit,
    Offset,
    PortCode,
    PortFilter,
    StateFilter,
    only_known_query_parameters,
)
from borderflow.api.responses import link_header, next_link
from borderflow.api.routes import ERRORS, JSON, cached, json_bytes
from borderflow.services import queries

router = APIRouter(prefix="/api/v1", tags=["catalog"], dependencies=[Depends(only_known_query_parameters)])


@router.get("/ports", response_model=PortList, responses=ERRORS, summary="Ports of entry")
async def list_ports(request: Request, border: Border | None = None, state: StateFilter = None,
                     limit: Limit = 100, offset: Offset = 0) -> Response:
    """Ports of entry (4-digit CBP code), ordered by code."""
    engine = engine_of(request)

    def compute() -> Rendered:
        page = queries.list_ports(engine, border=border.value if border else None, state=state,
                                  limit=limit, offset=offset)
        nxt = next_link(request, offset, limit, page.has_more)
        body = PortList.model_validate({"items": page.items, "limit": limit, "offset": offset, "next": nxt})
        return rendered(json_bytes(body), JSON, headers=link_header(nxt))

    return await cached(request, compute)


@router.get("/ports/{port_code}", response_model=PortDetail, responses=ERRORS, summary="One port")
async def get_port(request: Request, port_code: PortCode) -> Response:
    engine = engine_of(request)

    def compute() -> Rendered:
        return rendered(json_bytes(PortDetail.model_validate(queries.get_port(engine, port_code))), JSON)

    return await cached(request, compute)


@router.get("/crossings", response_model=CrossingList, responses=ERRORS, summary="Crossings")
async def list_crossings(request: Request, border: Border | None = None, state: StateFilter = None,
                         port_code: PortFilter = None, limit: Limit = 100, offset: Offset = 0) -> Response:
    """CBP wait-time crossings (6-digit number) with maximum lanes per mode, ordered by number."""
    engine = engine_of(request)

    def compute() -> Rendered:
        page = queries.list_crossings(engine, border=border.value if border else None, state=state,
                                      port_code=port_code, limit=limit, offset=offset)
        nxt = next_link(request, offset, limit, page.has_more)
        body = CrossingList.model_validate({"items": page.items, "limit": limit, "offset": offset, "next": nxt})
        return rendered(json_bytes(body), JSON, headers=link_header(nxt))

    return await cached(request, compute)


@router.get("/crossings/{crossing_id}", response_model=Crossing, responses=ERRORS, summary="One crossing")
async def get_crossing(request: Request, crossing_id: CrossingId) -> Response:
    engine = engine_of(request)

    def compute() -> Rendered:
        return rendered(json_bytes(Crossing.model_validate(queries.get_crossing(engine, crossing_id))), JSON)

    return await cached(request, compute)
