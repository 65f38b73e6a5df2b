"""The application factory: one FastAPI app over one archive database.

Routers: the archive's own (``borderflow.api.routes``), then every module named
``routes_<concern>.py`` in this package that has a ``router`` (forecasts, simulations,
planning...), in name order; then the dashboard's pages (``borderflow.web``).
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI
from sqlalchemy import Engine

from borderflow import __version__
from borderflow.api.body_limit import BodyLimit
from borderflow.api.caching import CachedResponses, ResponseCache
from borderflow.api.errors import install_error_handlers
from borderflow.api.head import HeadAsGet
from borderflow.api.routes import archive, catalog, feed, history, meta, observations, waits

DESCRIPTION = """\
The BorderFlow archive of wait times and volumes at land ports of entry.

* Reading needs no account. Writing needs `Authorization: Bearer <token>`
  (`borderflow tokens create USER`).
* Lists are filtered and paged (`limit`, `offset`, a `next` link); timestamps are ISO 8601
  with an offset; every answer carries an `ETag` (send `If-None-Match` to get 304).
* Errors come as `{"error": {"code", "message", "details"?}}`.
* `/api/bwtnew` and `/xml/bwt.xml` serve CBP's own feed shapes from the archive.
"""


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    store = getattr(app.state, "simulations", None)
    if store is not None:
        store.close()  # this process's simulation threads stop; its unfinished runs read as interrupted


#: Planning requests (a scenario and settings, checked whole before any work) take at most
#: this many bytes, as ``POST /api/v1/simulations`` does: parsing a larger body would hold
#: the server for seconds before the request could be refused.
PLANNING_PATHS = ("/api/v1/staffing", "/api/v1/appraisals", "/api/v1/calibrations")
MAX_PLANNING_BODY_BYTES = 2_000_000

def create_app(engine: Engine | None = None, database_url: str | None = None, *,
               cache_seconds: float = 0.0) -> FastAPI:
    """The API over ``engine`` (else the database at ``database_url``, else the configured one).

    The schema is migrated when it is behind. ``cache_seconds``: how long a rendered
    answer may be reused without checking whether the archive grew (0: checked on every
    request with one small query, so answers are never stale).
    """
    from borderflow.store.db import migrate, open_database, schema_is_current

    if engine is None:
        engine = open_database(database_url)
    elif not schema_is_current(engine):
        migrate(engine)
    app = FastAPI(title="BorderFlow", version=__version__, description=DESCRIPTION,
                  openapi_url="/openapi.json", docs_url=None, redoc_url=None, lifespan=_lifespan)
    app.state.engine = engine
    app.state.cache = ResponseCache(engine, ttl_seconds=cache_seconds)
    app.add_middleware(CachedResponses, cache=app.state.cache)
    app.add_middleware(HeadAsGet)  # a HEAD is the GET, cached or not, without its body
    app.state.max_body_bytes = max_body_bytes()
    # outermost: nothing reads an oversized body, but for routes that sign in, check and audit it themselves
    app.add_middleware(BodyLimit, max_bytes=app.state.max_body_bytes,
                       own_limit=("/api/v1/observations", "/api/v1/exchange/"),
                       tighter=dict.fromkeys(PLANNING_PATHS, MAX_PLANNING_BODY_BYTES))
    install_error_handlers(app)
    for module in (meta, catalog, waits, history, archive, feed, observations):
        app.include_router(module.router)
    for router in extra_routers():
        app.include_router(router)
    mount_api_docs(app)
    from borderflow.web import mount_web  # the pages share the app and its engine

    mount_web(app)
    return app


SWAGGER_STATIC = "/static/swagger-ui"


def mount_api_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI over ``/openapi.json``, its scripts served by this app from the
    ``swagger-ui-py`` package (Swagger UI 5, which reads OpenAPI 3.1), so the page works on
    a network without the internet."""
    from importlib.resources import files

    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles

    assets = files("swagger_ui") / "static"
    app.mount(SWAGGER_STATIC, StaticFiles(directory=str(assets)), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="BorderFlow API",
                                   swagger_js_url=f"{SWAGGER_STATIC}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{SWAGGER_STATIC}/swagger-ui.css",
                                   swagger_favicon_url=f"{SWAGGER_STATIC}/favicon-32x32.png")


def max_body_bytes() -> int:
    """``BORDERFLOW_API_MAX_BODY_BYTES`` as a whole number of bytes; BadInputError otherwise."""
    from borderflow.errors import BadInputError
    from borderflow.settings import setting

    text = setting("api_max_body_bytes").strip()
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise BadInputError(f"BORDERFLOW_API_MAX_BODY_BYTES must be a whole number of bytes >= 1, e.g. 20000000; "
                            f"got {text!r}")
    return int(text)


def extra_routers() -> list[APIRouter]:
    """The ``router`` of every ``borderflow.api.routes_*`` module, by module name."""
    import borderflow.api as package

    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("routes_"):
            router = getattr(importlib.import_module(f"borderflow.api.{info.name}"), "router", None)
            if isinstance(router, APIRouter):
                found.append(router)
    return found


def app_from_environment() -> FastAPI:
    """The app as ``borderflow serve`` starts it in each worker: database from
    ``BORDERFLOW_DATABASE_URL``, answer reuse from ``BORDERFLOW_API_CACHE_SECONDS``
    (set by ``serve --cache-seconds``)."""
    import os

    try:
        cache_seconds = float(os.environ.get("BORDERFLOW_API_CACHE_SECONDS", "0") or 0)
    except ValueError:
        cache_seconds = 0.0
    return create_app(cache_seconds=max(0.0, cache_seconds))
