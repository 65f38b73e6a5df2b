"""The progress report written out: HTML (self-contained), Markdown, or PDF (fpdf2).

All three read one context (:func:`report_context`), so they say the same thing. No
format fetches anything: CSS is inline, charts are inline SVG (HTML) or drawn with
PDF lines, and the PDF uses the built-in Helvetica (Latin-1 covers Spanish).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from borderflow.errors import BadInputError
from borderflow.messages import say
from borderflow.plans.charts import kpi_chart_svg
from borderflow.plans.i18n import (
    check_language,
    count_label,
    long_date,
    number,
    period,
    translator,
    unit,
)
from borderflow.plans.kpi import KpiSeries
from borderflow.plans.report import ProgressReport

FORMATS: tuple[str, ...] = ("html", "md", "pdf")
TEMPLATES = Path(__file__).with_name("templates")


def _lead(action: Any) -> str:
    return " / ".join(x for x in (action.lead_agency_us, action.lead_agency_mx) if x) or "—"


def _kpi(series: KpiSeries, lang: str, t: Any) -> dict[str, Any]:
    """A KPI as every format writes it: ``facts`` (label, value, after) to join with a
    separator — "Baseline 38.6", "no target", "Latest 41 (Q2 2026)" — then ``state``, which
    may be empty (nothing to say: no separator is written for it)."""
    latest = series.latest
    met = series.met
    state = t("kpi.no_data") if latest is None else (t("kpi.met") if met else t("kpi.not_met") if met is False else "")
    if series.error:
        state = f"{t('kpi.error')}: {say(series.error, lang)}"
    elif series.target_met_at_baseline:
        state = f"{state} ({t('kpi.baseline_meets_target')})" if state else t("kpi.baseline_meets_target")
    facts = [(t("kpi.baseline"), number(series.baseline, lang), "") if series.baseline is not None
             else (t("kpi.no_baseline"), "", ""),
             (t("kpi.target"), number(series.spec.target, lang), "") if series.spec.target is not None
             else (t("kpi.no_target"), "", "")]
    if latest:
        facts.append((t("kpi.latest"), number(latest.value, lang), f"({period(latest.period, lang)})"))
    about = "; ".join(x for x in (unit(series.spec.unit, lang), t(f"kpi.better_{series.spec.better}")) if x)
    return {
        "name": series.name, "about": about, "facts": facts,
        "facts_text": ", ".join(" ".join(x for x in fact if x) for fact in facts),
        "state": state, "met": met, "values": [(period(v.period, lang), number(v.value, lang), v.n) for v in series.values],
        "series": series,
        "svg": Markup("") if not series.values else Markup(kpi_chart_svg(
            series, {"baseline": t("kpi.baseline"), "target": t("kpi.target"), "measured": t("kpi.measured")}, lang)),
    }


def report_context(report: ProgressReport, lang: str) -> dict[str, Any]:
    """Everything a format writes, with fixed text in ``lang`` and names as entered."""
    t = translator(lang)

    def day(value: dt.date | None) -> str:
        return value.isoformat() if value else "—"

    sections = []
    totals = {"actions": 0, "done": 0, "late": 0}
    for s in report.sections:
        totals["actions"] += len(s.actions)
        totals["done"] += len(s.done)
        totals["late"] += len(s.late)
        sections.append({
            "name": s.name,
            "done": [{"code": i.action.code, "title": i.action.title, "what": i.milestone.title if i.milestone else
                      t("status.done"), "on": day(i.on), "lead": _lead(i.action)} for i in s.done],
            "late": [{"code": i.action.code, "title": i.action.title,
                      "what": i.milestone.title if i.milestone else t("status.delayed"),
                      "side": t(f"side.{i.milestone.side}") if i.milestone else "", "due": day(i.due_on),
                      "days": "" if i.days_late is None else str(i.days_late),
                      "why": i.why or t("why.overdue"), "lead": _lead(i.action)} for i in s.late],
            "kpis": [_kpi(k, lang, t) for k in s.kpis],
            "cancelled": [{"code": i.action.code, "title": i.action.title, "on": day(i.on), "why": i.why,
                           "lead": _lead(i.action)} for i in s.cancelled],
            "next": [{"code": i.action.code, "title": i.action.title, "text": i.text, "side": t(f"side.{i.side}"),
                      "lead": i.action.lead_agency_us if i.side == "US" else i.action.lead_agency_mx,
                      "due": day(i.due_on)} for i in s.next_steps],
            "actions": [{"code": a.code, "title": a.title, "lead": _lead(a), "status": t(f"status.{a.status}")}
                        for a in s.actions],
        })
    plan = report.plan
    return {
        "lang": lang, "t": t, "plan": plan, "example": plan.is_example,
        "meeting": report.meeting.name, "place": report.meeting.place,
        "held_on": long_date(report.meeting.held_on, lang),
        "since": (f"{t('report.since')} ({report.previous.name}, {long_date(report.previous.held_on, lang)})"
                  if report.previous else t("report.since_none")),
        "generated": long_date(report.generated_on, lang), "sections": sections,
        "general_kpis": [_kpi(k, lang, t) for k in report.kpis], "totals": totals,
        "summary": [(totals[k], count_label(totals[k], f"count.{k}", lang)) for k in ("actions", "done", "late")],
        "sources": [{"title": s.title, "url": s.url} for s in plan.sources],
    }


def render_html(report: ProgressReport, lang: str) -> str:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    return env.get_template("report.html").render(**report_context(report, check_language(lang)))


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: ProgressReport, lang: str) -> str:
    c = report_context(report, check_language(lang))
    t = c["t"]
    lines = [f"# {t('report.title')}: {c['plan'].title}", ""]
    if c["example"]:
        lines += [f"> **{t('report.example')}**", ""]
    lines += [f"{t('report.for_meeting')} **{c['meeting']}**, {t('report.held_on')} {c['held_on']}"
              + (f" ({c['place']})" if c["place"] else "") + ".", "", c["since"] + ".", ""]
    lines += [f"**{t('report.summary')}:** " + ", ".join(f"{n} {label}" for n, label in c["summary"]) + ".", ""]

    def kpi_lines(k: dict[str, Any]) -> list[str]:
        out = [f"**{k['name']}** ({k['about']}): {k['facts_text']}" + (f" — {k['state']}" if k["state"] else ""), ""]
        if k["values"]:
            out += [f"| {t('kpi.measured')} | |", "|---|---:|"] + [f"| {p} | {v} |" for p, v, _ in k["values"]] + [""]
        return out

    for s in c["sections"]:
        lines += [f"## {s['name']}", "", f"### {t('section.done')}", ""]
        lines += ([f"- **{d['code']}** {_md_cell(d['title'])}: {_md_cell(d['what'])} — {d['lead']} ({d['on']})"
                   for d in s["done"]]
                  or [t("report.no_items")])
        lines += ["", f"### {t('section.late')}", ""]
        if s["late"]:
            lines += [(f"| {t('col.action')} | {t('col.lead')} | {t('col.milestone')} | {t('col.side')} | "
                       f"{t('col.due')} | {t('col.days_late')} | {t('col.why')} |"), "|---|---|---|---|---|---:|---|"]
            lines += [f"| {d['code']} {_md_cell(d['title'])} | {_md_cell(d['lead'])} | {_md_cell(d['what'])} | "
                      f"{d['side']} | {d['due']} | {d['days']} | {_md_cell(d['why'])} |" for d in s["late"]]
        else:
            lines.append(t("report.no_items"))
        if s["cancelled"]:
            lines += ["", f"### {t('section.cancelled')}", ""]
            lines += [f"- **{d['code']}** {_md_cell(d['title'])} — {d['lead']} ({d['on']}): {_md_cell(d['why'])}"
                      for d in s["cancelled"]]
        lines += ["", f"### {t('section.kpis')}", ""]
        for k in s["kpis"]:
            lines += kpi_lines(k)
        if not s["kpis"]:
            lines += [t("report.no_items"), ""]
        lines += [f"### {t('section.next')}", ""]
        lines += ([f"- **{d['code']}** ({d['side']}{', ' + d['lead'] if d['lead'] else ''}"
                   f"{', ' + d['due'] if d['due'] != '—' else ''}): {_md_cell(d['text'])}"
                   for d in s["next"]] or [t("report.no_items")])
        lines.append("")
    if c["general_kpis"]:
        lines += [f"## {t('section.kpis')}", ""]
        for k in c["general_kpis"]:
            lines += kpi_lines(k)
    if c["sources"]:
        lines += [f"## {t('report.sources')}", ""] + [f"- {s['title']}" + (f" <{s['url']}>" if s["url"] else "")
                                                       for s in c["sources"]] + [""]
    lines += [f"_{t('report.generated')} {c['generated']}. {t('kpi.computed')}._", ""]
    return "\n".join(lines)


def render(report: ProgressReport, lang: str, fmt: str) -> bytes:
    """The report as bytes in ``fmt`` (html, md or pdf)."""
    if fmt == "html":
        return render_html(report, lang).encode("utf-8")
    if fmt == "md":
        return render_markdown(report, lang).encode("utf-8")
    if fmt == "pdf":
        from borderflow.plans.pdf import render_pdf

        return render_pdf(report_context(report, check_language(lang)))
    raise BadInputError(f"--format must be one of {', '.join(FORMATS)}; got {fmt!r}")
