"""The progress report as PDF with fpdf2 (pure Python; no network, no system libraries).

Text uses the PDF core font Helvetica, whose Latin-1 set covers English and Spanish;
characters outside it (dashes, quotes) are replaced by their closest Latin-1 form.
KPI charts are drawn with PDF lines from the same numbers, time axis and gaps as the HTML's SVG.
"""

from __future__ import annotations

import itertools
from typing import Any

from fpdf import FPDF

from borderflow.plans.charts import (
    joined_runs,
    tick_digits,
    time_ticks,
    value_axis,
    value_ticks,
    x_positions,
)
from borderflow.plans.i18n import number
from borderflow.plans.kpi import KpiSeries

_REPLACE = {"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "·": "-", "≤": "<=", "≥": ">="}
BLUE, GREY, GREEN = (31, 95, 168), (122, 122, 122), (30, 138, 60)


def latin1(text: Any) -> str:
    out = "".join(_REPLACE.get(ch, ch) for ch in str(text))
    return out.encode("latin-1", "replace").decode("latin-1")


class _Report(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.set_text_color(110)
        self.cell(0, 6, latin1(f"{self.footer_text}  -  {self.page_no()}"), align="C")
        self.set_text_color(0)


def _chart(pdf: FPDF, series: KpiSeries, labels: dict[str, str], lang: str) -> None:
    """The KPI chart of :func:`borderflow.plans.charts.kpi_chart_svg`, drawn with PDF lines:
    the same time axis, gaps and round y ticks."""
    values = list(series.values)
    refs = [r for r in (series.baseline, series.spec.target) if r is not None]
    ys = [v.value for v in values] + refs
    if not values:
        return
    x0, y0, w, h = pdf.l_margin + 14, pdf.get_y() + 2, 150.0, 42.0
    if y0 + h + 16 > pdf.h - pdf.b_margin:
        pdf.add_page()
        y0 = pdf.get_y() + 2
    low, high, step = value_axis(ys)
    digits = tick_digits(step)

    def px(share: float) -> float:
        return x0 + w * share

    def py(v: float) -> float:
        return y0 + h * (1 - (v - low) / (high - low))

    pdf.set_draw_color(200)
    pdf.set_line_width(0.2)
    pdf.rect(x0, y0, w, h)
    pdf.set_font("Helvetica", size=6)
    for tick in value_ticks(low, high, step):
        pdf.set_draw_color(230)
        pdf.line(x0, py(tick), x0 + w, py(tick))
        pdf.set_xy(x0 - 14, py(tick) - 1.5)
        pdf.cell(13, 3, number(tick, lang, digits), align="R")
    pdf.set_draw_color(140)
    for share, text in time_ticks(values, lang):
        pdf.line(px(share), y0 + h, px(share), y0 + h + 1)
        pdf.set_xy(px(share) - 8, y0 + h + 1)
        pdf.cell(16, 3, latin1(text), align="C")
    pdf.set_line_width(0.5)
    for value, colour, dash in ((series.baseline, GREY, (2.0, 1.2)), (series.spec.target, GREEN, (0.8, 0.8))):
        if value is not None:
            pdf.set_draw_color(*colour)
            pdf.set_dash_pattern(dash=dash[0], gap=dash[1])
            pdf.line(x0, py(value), x0 + w, py(value))
    pdf.set_dash_pattern()
    pdf.set_draw_color(*BLUE)
    pdf.set_fill_color(*BLUE)
    xs = x_positions(values)
    for run in joined_runs(values):
        for a, b in itertools.pairwise(run):
            pdf.line(px(xs[a]), py(values[a].value), px(xs[b]), py(values[b].value))
    for i, v in enumerate(values):
        pdf.ellipse(px(xs[i]) - 0.7, py(v.value) - 0.7, 1.4, 1.4, style="F")
    legend_y = y0 + h + 6
    lx = x0
    items: list[tuple[tuple[int, int, int], tuple[float, float] | None, str]] = [(BLUE, None, labels["measured"])]
    if series.baseline is not None:
        items.append((GREY, (2.0, 1.2), labels["baseline"]))
    if series.spec.target is not None:
        items.append((GREEN, (0.8, 0.8), labels["target"]))
    pdf.set_font("Helvetica", size=7)
    for colour, pattern, text in items:
        pdf.set_draw_color(*colour)
        if pattern:
            pdf.set_dash_pattern(dash=pattern[0], gap=pattern[1])
        pdf.line(lx, legend_y, lx + 8, legend_y)
        pdf.set_dash_pattern()
        pdf.set_xy(lx + 9, legend_y - 1.5)
        pdf.cell(30, 3, latin1(text))
        lx += 40
    pdf.set_draw_color(0)
    pdf.set_line_width(0.2)
    pdf.set_y(legend_y + 4)


def _heading(pdf: FPDF, text: str, size: float) -> None:
    if pdf.get_y() > pdf.h - pdf.b_margin - 20:
        pdf.add_page()
    pdf.set_font("Helvetica", "B", size)
    pdf.multi_cell(0, size * 0.5, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _para(pdf: FPDF, text: str, size: float = 9, style: str = "") -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.multi_cell(0, size * 0.5, latin1(text), new_x="LMARGIN", new_y="NEXT")


def _kpi(pdf: FPDF, k: dict[str, Any], t: Any, lang: str) -> None:
    if k["values"] and pdf.get_y() > pdf.h - pdf.b_margin - 75:
        pdf.add_page()  # keep a KPI's title with its chart
    _para(pdf, f"{k['name']} ({k['about']})", 9, "B")
    _para(pdf, " | ".join([" ".join(x for x in fact if x) for fact in k["facts"]] + ([k["state"]] if k["state"] else [])), 8)
    _chart(pdf, k["series"], {"baseline": t("kpi.baseline"), "target": t("kpi.target"), "measured": t("kpi.measured")},
           lang)
    pdf.ln(2)


def render_pdf(c: dict[str, Any]) -> bytes:
    """PDF bytes of a report context (:func:`borderflow.plans.render.report_context`)."""
    t = c["t"]
    pdf = _Report(format="A4")
    pdf.footer_text = f"{t('report.title')} - {c['meeting']}"
    pdf.set_title(latin1(f"{t('report.title')}: {c['plan'].title}"))
    pdf.set_creator("BorderFlow")
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    _heading(pdf, f"{t('report.title')}: {c['plan'].title}", 16)
    if c["example"]:
        pdf.set_fill_color(255, 240, 200)
        pdf.set_font("Helvetica", "B", 9)
        pdf.multi_cell(0, 5, latin1(t("report.example")), fill=True, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    _para(pdf, f"{t('report.for_meeting')} {c['meeting']}, {t('report.held_on')} {c['held_on']}"
               + (f" ({c['place']})" if c["place"] else "") + ".", 10)
    _para(pdf, c["since"] + ".", 9)
    _para(pdf, f"{t('report.summary')}: " + ", ".join(f"{n} {label}" for n, label in c["summary"]) + ".", 9, "B")
    pdf.ln(3)
    for s in c["sections"]:
        _heading(pdf, s["name"], 13)
        _heading(pdf, t("section.done"), 10)
        for d in s["done"] or [None]:
            _para(pdf, f"- {d['code']} {d['title']}: {d['what']} - {d['lead']} ({d['on']})" if d else t("report.no_items"), 8.5)
        pdf.ln(1)
        _heading(pdf, t("section.late"), 10)
        for d in s["late"] or [None]:
            _para(pdf, (f"- {d['code']} {d['title']} ({d['lead']}): {d['what']} - {d['side']} - {t('col.due')} {d['due']}"
                        + (f" ({d['days']} {t('col.days_late').lower()})" if d["days"] else "")
                        + f". {t('col.why')}: {d['why']}") if d else t("report.no_items"), 8.5)
        pdf.ln(1)
        if s["cancelled"]:
            _heading(pdf, t("section.cancelled"), 10)
            for d in s["cancelled"]:
                _para(pdf, f"- {d['code']} {d['title']} - {d['lead']} ({d['on']}): {d['why']}", 8.5)
            pdf.ln(1)
        _heading(pdf, t("section.kpis"), 10)
        for k in s["kpis"]:
            _kpi(pdf, k, t, c["lang"])
        if not s["kpis"]:
            _para(pdf, t("report.no_items"), 8.5)
        pdf.ln(1)
        _heading(pdf, t("section.next"), 10)
        for d in s["next"] or [None]:
            _para(pdf, (f"- {d['code']} ({d['side']}" + (f", {d['lead']}" if d["lead"] else "") + (f", {d['due']}" if d["due"] != "—" else "")
                        + f"): {d['text']}") if d else t("report.no_items"), 8.5)
        pdf.ln(4)
    if c["general_kpis"]:
        _heading(pdf, t("section.kpis"), 13)
        for k in c["general_kpis"]:
            _kpi(pdf, k, t, c["lang"])
    if c["sources"]:
        _heading(pdf, t("report.sources"), 11)
        for s in c["sources"]:
            _para(pdf, f"- {s['title']}" + (f" {s['url']}" if s["url"] else ""), 8)
    pdf.ln(2)
    _para(pdf, f"{t('report.generated')} {c['generated']}. {t('kpi.computed')}.", 7.5, "I")
    return bytes(pdf.output())
