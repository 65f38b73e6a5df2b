"""The plans pages: ``/plans`` (the list) and ``/plans/{slug}`` (one plan, read-only).

Both sides read the same shared plan here; edits go through the API or the CLI, which
enforce the two-sides rule. Fixed text comes from :mod:`borderflow.plans.i18n` in the
page's language; names are shown as entered.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from borderflow.errors import NotFoundError
from borderflow.messages import say
from borderflow.plans.charts import kpi_chart_svg
from borderflow.plans.i18n import number, period, translator, unit
from borderflow.services import plans
from borderflow.web.render import error_page, language, page

router = APIRouter(include_in_schema=False)


@router.get("/plans", response_class=HTMLResponse)
async def plans_page(request: Request) -> Response:
    pt = translator(language(request))
    rows = await run_in_threadpool(plans.list_plans, request.app.state.engine)
    return page(request, "plans.html", title=pt("page.plans"), section="plans", pt=pt, plans=rows, plan=None)


@router.get("/plans/{slug}", response_class=HTMLResponse)
async def plan_page(request: Request, slug: str) -> Response:
    lang = language(request)
    pt = translator(lang)
    engine = request.app.state.engine
    try:
        plan = await run_in_threadpool(plans.load_plan, engine, slug)
    except NotFoundError as exc:
        return error_page(request, 404, exc.message)
    series = await run_in_threadpool(plans.plan_kpis_computed, engine, slug)
    labels = {"baseline": pt("kpi.baseline"), "target": pt("kpi.target"), "measured": pt("kpi.measured")}
    charts = [(s, Markup(kpi_chart_svg(s, labels, lang)) if s.values else Markup("")) for s in series]
    return page(request, "plans.html", title=plan.title, section="plans", pt=pt, plans=None, plan=plan,
                charts=charts, lang_code=lang, num=lambda value: number(value, lang),
                kpi_unit=lambda text: unit(text, lang), reason=lambda message: say(message, lang),
                period_text=lambda label: period(label, lang))
