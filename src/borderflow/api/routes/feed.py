"""CBP-compatible feed: ``GET /api/bwtnew`` (JSON) and ``GET /xml/bwt.xml``, rebuilt from the archive.

An existing client of CBP's feed can point at BorderFlow unchanged; ``?at=`` replays the
feed as it stood at that instant. Rules: :mod:`borderflow.services.cbp_feed_out`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from borderflow.api.auth import engine_of
from borderflow.api.caching import Rendered, rendered
from borderflow.api.params import At, utc
from borderflow.api.routes import ERRORS, cached, last_changed, minute_end, this_minute
from borderflow.services.cbp_feed_out import build_feed, render_json, render_xml

router = APIRouter(tags=["cbp-compatible feed"])

_PORTS_SCHEMA = {"type": "array", "items": {"type": "object", "additionalProperties": True},
                 "description": "CBP's port objects: every value a string."}
JSON_FEED: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {"schema": _PORTS_SCHEMA}}, "description": "CBP's /api/bwtnew shape."},
    **ERRORS,
}
XML_FEED: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/xml": {"schema": {"type": "string"}}}, "description": "CBP's bwt.xml shape."},
    **ERRORS,
}


async def _serve(request: Request, at: Any, xml: bool) -> Response:
    engine = engine_of(request)
    at_utc = utc(at, "at")
    cap = None if at_utc is not None else this_minute()

    def compute() -> Rendered:
        feed = build_feed(engine, at_utc, now=cap)
        changed = last_changed(engine, cap)
        if xml:
            return rendered(render_xml(feed), "application/xml", last_modified=changed)
        return rendered(render_json(feed), "application/json", last_modified=changed)

    return await cached(request, compute, minute_end(cap) if cap is not None else None)


@router.get("/api/bwtnew", responses=JSON_FEED, response_class=Response, summary="CBP feed (JSON)")
async def bwtnew(request: Request, at: At = None) -> Response:
    """Every crossing's latest state in the shape of CBP's ``/api/bwtnew``."""
    return await _serve(request, at, xml=False)


@router.get("/xml/bwt.xml", responses=XML_FEED, response_class=Response, summary="CBP feed (XML)")
async def bwt_xml(request: Request, at: At = None) -> Response:
    """Every crossing's latest state in the shape of CBP's ``bwt.xml`` (ISO-8859-1)."""
    return await _serve(request, at, xml=True)
