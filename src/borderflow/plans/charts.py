"""KPI charts as inline SVG (no script, no network): measured values, baseline, target."""

from __future__ import annotations

from html import escape

from borderflow.plans.i18n import number, period
from borderflow.plans.kpi import KpiSeries

WIDTH, HEIGHT = 620, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 14, 44
MEASURED, BASELINE, TARGET = "#1f5fa8", "#7a7a7a", "#1e8a3c"


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    step = (high - low) / count
    return [low + i * step for i in range(count + 1)]


def value_range(ys: list[float]) -> tuple[float, float]:
    """(low, high) of a chart's y axis, low < high: zero and every value inside, with a
    tenth of the span as room beyond the values on the side(s) away from zero."""
    low, high = min(0.0, *ys), max(0.0, *ys)
    if low == high:  # every value is zero
        return 0.0, 1.0
    room = (high - low) * 0.1
    return (low - room if low < 0 else low), (high + room if high > 0 else high)


def kpi_chart_svg(series: KpiSeries, labels: dict[str, str], lang: str = "en") -> str:
    """An SVG line chart; ``labels`` gives the words for baseline, target and measured,
    ``lang`` the language its numbers are written in (as the report's and the page's)."""
    values = list(series.values)
    refs = [r for r in (series.baseline, series.spec.target) if r is not None]
    ys = [v.value for v in values] + refs
    if not ys:
        return ""
    low, high = value_range(ys)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * (i + 0.5) / max(len(values), 1))

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - low) / (high - low))

    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
              f'height="{HEIGHT}" role="img" aria-label="{escape(series.name)}" font-family="sans-serif" '
              'font-size="11">'),
             f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#ccc"/>']
    for tick in _ticks(low, high):
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e5e5e5"/>'
                     f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="#444">{number(tick, lang)}</text>')
    every = max(1, len(values) // 12)
    for i, v in enumerate(values):
        if i % every == 0:
            parts.append(f'<text x="{x(i):.1f}" y="{TOP + plot_h + 14}" text-anchor="middle" fill="#444">'
                         f'{escape(period(v.period, lang))}</text>')
    for value, colour, dash in ((series.baseline, BASELINE, "6 4"), (series.spec.target, TARGET, "2 3")):
        if value is not None:
            parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                         f'stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>')
    if values:
        points = " ".join(f"{x(i):.1f},{y(v.value):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{MEASURED}" stroke-width="2"/>')
        parts.extend(f'<circle cx="{x(i):.1f}" cy="{y(v.value):.1f}" r="3" fill="{MEASURED}">'
                     f'<title>{escape(period(v.period, lang))}: {number(v.value, lang)}</title></circle>'
                     for i, v in enumerate(values))
    legend_y = HEIGHT - 10
    items = [(MEASURED, "", labels["measured"])]
    if series.baseline is not None:
        items.append((BASELINE, "6 4", labels["baseline"]))
    if series.spec.target is not None:
        items.append((TARGET, "2 3", labels["target"]))
    lx = LEFT
    for colour, dash, text in items:
        parts.append(f'<line x1="{lx}" x2="{lx + 22}" y1="{legend_y - 4}" y2="{legend_y - 4}" stroke="{colour}" '
                     f'stroke-width="2" stroke-dasharray="{dash or "none"}"/>'
                     f'<text x="{lx + 27}" y="{legend_y}" fill="#222">{escape(text)}</text>')
        lx += 40 + 7 * len(text)
    parts.append("</svg>")
    return "".join(parts)
