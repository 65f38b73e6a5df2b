"""Server-rendered pages in English and Spanish: overview, crossings, simulator.

:func:`mount_web` adds them to the API app (``create_app`` calls it): the page routes,
``/static`` (CSS, a small script, the map outline), and HTML error pages for page
requests. API paths keep the JSON error envelope.

Adding a page for a new capability (staffing, appraisal, plans, reports): a module with
an ``APIRouter(include_in_schema=False)`` whose handlers call the capability's service and
render with :func:`borderflow.web.render.page`, included in :data:`borderflow.web.pages.router`;
its strings in :mod:`borderflow.web.i18n` (both languages); one entry in
:data:`borderflow.web.render.NAV`; its path prefix in :data:`PAGE_PREFIXES`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from borderflow.errors import BorderFlowError

log = logging.getLogger("borderflow.web")

#: CSS, the script, the favicon and the map outline (package data).
STATIC_DIRECTORY = Path(__file__).parent / "static"

#: Paths whose errors stay JSON envelopes whatever the client accepts.
API_PREFIXES = ("/api/", "/xml/", "/openapi.json", "/docs", "/static/")
#: Paths that are pages: their errors are HTML whatever the client accepts.
PAGE_PREFIXES = ("/crossings/", "/simulator", "/lang/", "/plans", "/staffing", "/appraisal")

Handler = Callable[[Request, Exception], Awaitable[Response]]


def wants_html(request: Request) -> bool:
    """Whether an error on this request should be an HTML page rather than the JSON envelope."""
    path = request.url.path
    if path.startswith(API_PREFIXES) or path == "/api":
        return False
    if path == "/" or path.startswith(PAGE_PREFIXES):
        return True
    return "text/html" in request.headers.get("accept", "")


def _html_or(original: Handler | None, status_of: Callable[[Exception], int]) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if wants_html(request) or original is None:
            from borderflow.web.render import error_page

            status = status_of(exc)
            if status >= 500:
                log.error("error on %s %s", request.method, request.url.path, exc_info=exc)
            message = exc.message if isinstance(exc, BorderFlowError) else None
            return error_page(request, status, message)
        return await original(request, exc)

    return handle


def _fixed(status: int) -> Callable[[Exception], int]:
    return lambda _exc: status


def _http_status(exc: Exception) -> int:
    return exc.status_code if isinstance(exc, StarletteHTTPException) else 500


def mount_web(app: FastAPI) -> None:
    """Add the pages, ``/static`` and HTML error pages to ``app`` before it serves (a second
    call does nothing)."""
    if getattr(app.state, "web_mounted", False):
        return
    app.state.web_mounted = True
    from borderflow.web.pages import router

    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIRECTORY), name="static")
    handlers: dict[Any, Handler] = app.exception_handlers  # type: ignore[assignment]
    app.add_exception_handler(StarletteHTTPException,
                              _html_or(handlers.get(StarletteHTTPException), _http_status))
    app.add_exception_handler(BorderFlowError,
                              _html_or(handlers.get(BorderFlowError),
                                       lambda e: getattr(e, "http_status", 400)))
    # the API's more specific handlers answer JSON: on a page, an HTML page in the reader's language
    from fastapi.exceptions import RequestValidationError
    from sqlalchemy.exc import DBAPIError

    for kind, status in ((DBAPIError, 503), (OverflowError, 422), (RequestValidationError, 422)):
        if kind in handlers:
            app.add_exception_handler(kind, _html_or(handlers.get(kind), _fixed(status)))
    app.add_exception_handler(Exception, _html_or(handlers.get(Exception), lambda e: 500))


__all__ = ["mount_web", "wants_html"]
