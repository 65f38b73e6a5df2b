"""KPI charts as inline SVG (no script, no network): measured values, baseline, target.

The x axis is time: a value sits in the middle of its month or quarter, so values years
apart are drawn years apart, and consecutive periods are joined by a line while a missing
period leaves a gap (a lone value is a dot). The y axis runs between round values (1, 2
or 5 x 10^k apart). The PDF report (:mod:`borderflow.plans.pdf`) draws the same chart
from the same functions: :func:`x_positions`, :func:`joined_runs`, :func:`time_ticks`,
:func:`value_axis`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from borderflow.plans.i18n import number, period
from borderflow.plans.kpi import KpiSeries, KpiValue, period_months

WIDTH, HEIGHT = 640, 250
LEFT, RIGHT, TOP, BOTTOM = 76, 20, 14, 60
FONT_PX = 14
MEASURED, BASELINE, TARGET = "#1f5fa8", "#7a7a7a", "#1e8a3c"
#: Month steps of the time axis's ticks; at a year or more the label is the year alone.
MONTH_STEPS = (1, 3, 6, 12, 24, 60, 120)


def _month_number(year: int, month: int) -> int:
    return year * 12 + month - 1


def period_span(label: str) -> tuple[int, int] | None:
    """[first month, month after the last) of a period label as month numbers (year x 12 +
    month - 1); None for a label that is no month or quarter."""
    months = period_months(label)
    if months is None:
        return None
    first, last = months
    return _month_number(first.year, first.month), _month_number(last.year, last.month) + 1


def time_range(values: Sequence[KpiValue]) -> tuple[int, int] | None:
    """[first month, month after the last) the values' periods cover; None when a label
    is no period (the chart then spaces the values evenly, in order)."""
    spans = [period_span(v.period) for v in values]
    if not spans or any(s is None for s in spans):
        return None
    return min(s[0] for s in spans if s), max(s[1] for s in spans if s)


def x_positions(values: Sequence[KpiValue]) -> list[float]:
    """Each value's x as a share (0..1) of the axis: the middle of its period on the
    time axis of :func:`time_range` (evenly spaced when a label is no period)."""
    covered = time_range(values)
    if covered is None:
        return [(i + 0.5) / max(len(values), 1) for i in range(len(values))]
    first, end = covered
    spans = [period_span(v.period) for v in values]
    return [((s[0] + s[1]) / 2 - first) / (end - first) for s in spans if s]


def joined_runs(values: Sequence[KpiValue]) -> list[list[int]]:
    """Indices of the values in runs of periods that follow one another (a period starting
    where the one before ended): a line joins a run; a missing period starts a new one."""
    runs: list[list[int]] = []
    previous: tuple[int, int] | None = None
    for i, value in enumerate(values):
        span = period_span(value.period)
        follows = span is not None and previous is not None and span[0] == previous[1]
        if runs and (follows or (span is None and previous is None)):
            runs[-1].append(i)
        else:
            runs.append([i])
        previous = span
    return runs


def time_ticks(values: Sequence[KpiValue], lang: str, most: int = 7) -> list[tuple[float, str]]:
    """(x share 0..1, label) at the starts of months, quarters, half years, years or
    every 2, 5, 10 years: the finest step with at most ``most`` ticks. Labels: "Mar 2024"
    ("mar 2024") below a year's step, else the year."""
    covered = time_range(values)
    if covered is None:
        return []
    first, end = covered
    for step in MONTH_STEPS:
        months = [m for m in range(first, end + 1) if m % step == 0]
        if len(months) <= most:
            break

    def label(month: int) -> str:
        year, index = divmod(month, 12)
        return str(year) if step >= 12 else period(f"{year:04d}-{index + 1:02d}", lang)

    return [((m - first) / (end - first), label(m)) for m in months]


def value_axis(ys: Sequence[float], intervals: int = 4) -> tuple[float, float, float]:
    """(low, high, step) of a y axis running upward from ``low`` to ``high`` in round
    steps (1, 2 or 5 x 10^k), zero and every value inside, about ``intervals`` steps."""
    low, high = min(0.0, *ys), max(0.0, *ys)
    if low == high:  # every value is zero
        return 0.0, 1.0, 0.25
    raw = (high - low) / intervals
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))
    return math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step, step


def value_range(ys: list[float]) -> tuple[float, float]:
    """(low, high) of a chart's y axis, low < high: the ends of :func:`value_axis`."""
    low, high, _step = value_axis(ys)
    return low, high


def value_ticks(low: float, high: float, step: float) -> list[float]:
    """The round values from ``low`` to ``high``, ``step`` apart."""
    return [low + k * step for k in range(round((high - low) / step) + 1)]


def tick_digits(step: float) -> int:
    """Decimals that tell ticks ``step`` apart (0 for whole steps)."""
    return max(0, -math.floor(math.log10(step) + 1e-9))


def kpi_chart_svg(series: KpiSeries, labels: dict[str, str], lang: str = "en") -> str:
    """An SVG chart of measured values over time; ``labels`` gives the words for baseline,
    target and measured, ``lang`` the language its numbers and months are written in (as
    the report's and the page's)."""
    values = list(series.values)
    refs = [r for r in (series.baseline, series.spec.target) if r is not None]
    ys = [v.value for v in values] + refs
    if not ys:
        return ""
    low, high, step = value_axis(ys)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    digits = tick_digits(step)

    def x(share: float) -> float:
        return LEFT + plot_w * share

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - low) / (high - low))

    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="kpi-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
              f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(series.name)}" '
              f'font-family="sans-serif" font-size="{FONT_PX}">'),
             f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#ccc"/>']
    for tick in value_ticks(low, high, step):
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e5e5e5"/>'
                     f'<text x="{LEFT - 6}" y="{y(tick) + 5:.1f}" text-anchor="end" fill="#444">'
                     f'{number(tick, lang, digits)}</text>')
    base = TOP + plot_h
    for share, text in time_ticks(values, lang):
        anchor = "end" if x(share) + 4.2 * len(text) > WIDTH else "middle"  # a label at the right edge ends there
        parts.append(f'<line x1="{x(share):.1f}" x2="{x(share):.1f}" y1="{base}" y2="{base + 5}" stroke="#888"/>'
                     f'<text x="{x(share):.1f}" y="{base + 21}" text-anchor="{anchor}" fill="#444">'
                     f'{escape(text)}</text>')
    for value, colour, dash in ((series.baseline, BASELINE, "6 4"), (series.spec.target, TARGET, "2 3")):
        if value is not None:
            parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                         f'stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>')
    xs = x_positions(values)
    for run in joined_runs(values):
        if len(run) > 1:
            points = " ".join(f"{x(xs[i]):.1f},{y(values[i].value):.1f}" for i in run)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{MEASURED}" stroke-width="2"/>')
    parts.extend(f'<circle cx="{x(xs[i]):.1f}" cy="{y(v.value):.1f}" r="3.5" fill="{MEASURED}">'
                 f'<title>{escape(period(v.period, lang))}: {number(v.value, lang)}</title></circle>'
                 for i, v in enumerate(values))
    parts += _legend(series, labels)
    parts.append("</svg>")
    return "".join(parts)


def _legend(series: KpiSeries, labels: dict[str, str]) -> list[str]:
    legend_y = HEIGHT - 10
    items = [(MEASURED, "", labels["measured"])]
    if series.baseline is not None:
        items.append((BASELINE, "6 4", labels["baseline"]))
    if series.spec.target is not None:
        items.append((TARGET, "2 3", labels["target"]))
    parts, lx = [], LEFT
    for colour, dash, text in items:
        parts.append(f'<line x1="{lx}" x2="{lx + 24}" y1="{legend_y - 5}" y2="{legend_y - 5}" stroke="{colour}" '
                     f'stroke-width="2" stroke-dasharray="{dash or "none"}"/>'
                     f'<text x="{lx + 30}" y="{legend_y}" fill="#222">{escape(text)}</text>')
        lx += 48 + 8 * len(text)
    return parts
