"""Service routes: a constant health answer (also the benchmark's bare baseline)."""

from __future__ import annotations

from fastapi import APIRouter, Response

router = APIRouter(prefix="/api/v1", tags=["service"])

_PONG = b'{"status":"ok"}'


@router.get("/ping", response_class=Response, summary="Liveness",
            responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}})
async def ping() -> Response:
    """A constant answer that touches nothing: the server is up."""
    return Response(_PONG, media_type="application/json")
