"""The plans pages: ``/plans`` (the list) and ``/plans/{slug}`` (one plan, read-only).

Both sides read the same shared plan here; edits go through the API or the CLI, which
enforce the two-sides rule. Each action (with its milestones), KPI and meeting shows its
kept edits, newest first: when, who and their country, the field, the old and the new
value (a meeting's addition and a retirement among them). Retired KPIs and meetings are
folded apart, with who retired them, when, why and their edits; they have no chart and
no report. Fixed text comes from :mod:`borderflow.plans.i18n` in the page's language; names
and values are shown as entered (escaped: they are people's text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from borderflow.errors import NotFoundError
from borderflow.messages import say
from borderflow.plans.charts import kpi_chart_svg
from borderflow.plans.i18n import number, period, translator, unit
from borderflow.plans.model import SIDES, Action, FieldEdit
from borderflow.services import plan_reports, plans
from borderflow.web.render import error_page, language, page

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class EditEntry:
    """One kept edit as the page lists it: the field named in the reader's language."""

    at: dt.datetime
    username: str
    #: The user's country in the reader's language ("Mexico" / "México"), or as stored.
    country: str
    what: str
    #: None for an empty value (shown as "(empty)").
    old: str | None
    new: str | None


def edit_entries(edits: Iterable[tuple[str, FieldEdit]], pt: Callable[[str], str]) -> list[EditEntry]:
    """``(prefix, edit)`` pairs as the page lists them, newest first (edits made at once keep
    their order); ``prefix`` names a milestone ("Milestone “Permits”: ") or is empty."""

    def label(field: str) -> str:
        try:
            return pt(f"field.{field}")
        except KeyError:  # a field this version does not name: shown as stored
            return field

    entries = [EditEntry(e.at, e.username, pt(f"side.{e.country}") if e.country in SIDES else e.country,
                         prefix + label(e.field), e.old or None, e.new or None) for prefix, e in edits]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


def action_edit_entries(action: Action, pt: Callable[[str], str]) -> list[EditEntry]:
    """The edits of ``action`` and of its milestones, newest first."""
    own = [("", e) for e in action.edits]
    stones = [(f"{pt('page.milestone')} “{m.title}”: ", e) for m in action.milestones for e in m.edits]
    return edit_entries(own + stones, pt)


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
    series = await run_in_threadpool(plan_reports.plan_kpis_computed, engine, slug)
    labels = {"baseline": pt("kpi.baseline"), "target": pt("kpi.target"), "measured": pt("kpi.measured")}
    charts = [(s, Markup(kpi_chart_svg(s, labels, lang)) if s.values else Markup("")) for s in series]
    return page(request, "plans.html", title=plan.title, section="plans", pt=pt, plans=None, plan=plan,
                meetings=[m for m in plan.meetings if m.retired is None],
                retired_meetings=[m for m in plan.meetings if m.retired is not None],
                retired_kpis=[k for k in plan.kpis if k.retired is not None], charts=charts, lang_code=lang, num=lambda value: number(value, lang),
                action_edits={a.code: action_edit_entries(a, pt) for a in plan.actions},
                kpi_edits={k.key: edit_entries((("", e) for e in k.edits), pt) for k in plan.kpis},
                meeting_edits={m.name: edit_entries((("", e) for e in m.edits), pt) for m in plan.meetings},
                kpi_unit=lambda text: unit(text, lang), reason=lambda message: say(message, lang),
                period_text=lambda label: period(label, lang))
