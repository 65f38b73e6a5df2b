"""The HTML pages: overview (``/``), a crossing (``/crossings/{id}``), the language switch,
and the simulator pages (``/simulator...``, from :mod:`borderflow.web.sim_pages`).

Handlers are plain functions (run in the thread pool, as they query the database), take
their query parameters as text and check them themselves, so a bad value gives an HTML
page in the reader's language, never the API's JSON or a traceback.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from borderflow.errors import BorderFlowError
from borderflow.web import crossing as crossing_view
from borderflow.web import overview
from borderflow.web.i18n import COOKIE, LANGUAGE_COOKIE_SECONDS, LANGUAGES, Translator
from borderflow.web.maps import CANADA_VIEW, MEXICO_VIEW, map_svg
from borderflow.web.pages_planning import router as planning_router
from borderflow.web.pages_plans import router as plans_router
from borderflow.web.render import error_page, language, page
from borderflow.web.severity import CLASSES
from borderflow.web.sim_pages import router as simulator_router

router = APIRouter(include_in_schema=False)
router.include_router(simulator_router)
router.include_router(planning_router)
router.include_router(plans_router)


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)


@router.get("/", response_class=HTMLResponse)
def overview_page(request: Request, q: str = "", border: str = "") -> Response:
    """Every crossing on the maps and in the table of current waits; ``q`` searches names."""
    t = Translator(language(request))
    border = border if border in ("mexico", "canada") else ""
    now = _now()
    rows = overview.build_rows(engine_of(request), now)
    shown = [r for r in rows if overview.matches(r, q.strip()[:100], border)]
    overview.attach_forecasts(engine_of(request), shown, now)
    points = overview.map_points(rows, t)
    names = {code: t(f"country.{code}") for code in ("USA", "MEX", "CAN")}
    maps = []
    for view, key in ((MEXICO_VIEW, "overview.map_mexico"), (CANADA_VIEW, "overview.map_canada")):
        count = sum(1 for p in points if view.contains(p.longitude, p.latitude))
        maps.append(map_svg(view, points, t(key), t("overview.map_desc", count=count), names))
    return page(request, "overview.html", title=t("overview.title"), section="overview", rows=shown,
                total=len(rows), q=q, border=border, maps=maps, lanes=overview.LANE_COLUMNS,
                any_readings=any(r.has_readings for r in rows), legend=CLASSES)


@router.get("/crossings/{crossing_id}", response_class=HTMLResponse)
def crossing_page(request: Request, crossing_id: str, lane: str | None = None, days: str | None = None,
                  until: str | None = None) -> Response:
    """History, heat map, forecast and volumes of one lane of one crossing."""
    t = Translator(language(request))
    try:
        context = crossing_view.crossing_context(engine_of(request), crossing_id, lane, days, t, _now(), until)
    except BorderFlowError as exc:
        return error_page(request, exc.http_status, exc.message)
    c = context["crossing"]
    name = overview.display_name(c)
    return page(request, "crossing.html", title=name, section="crossing", name=name, **context)


#: Pages answered only to a posted form, and the page holding the form.
FORM_PAGES = {"/simulator/run": "/simulator"}


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str = "/") -> Response:
    """Remember ``code`` (en or es) in a cookie and go back to ``next`` (a path on this site)."""
    if code not in LANGUAGES:
        return error_page(request, 404)
    target = next if next.startswith("/") and not next.startswith("//") and "\\" not in next else "/"
    # a page a form posted to has no GET: back to the form instead
    target = FORM_PAGES.get(target.split("?", 1)[0], target)
    # the language asked for now replaces a ?lang= the page was opened with
    path, _, query = target.partition("?")
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "lang"]
    target = path + (f"?{urlencode(kept)}" if kept else "")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, code, max_age=LANGUAGE_COOKIE_SECONDS, samesite="lax", httponly=False)
    return response
