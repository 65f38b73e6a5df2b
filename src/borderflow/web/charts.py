"""Small inline SVG charts drawn on the server: lines with an optional band, bars, a heat map.

Every chart is ``role="img"`` with a ``<title>`` and a ``<desc>`` (the caller words them in
the page's language), scales to its container (``viewBox``), and is styled by the page's
CSS classes. The numbers drawn are the ones the caller passes — the same service results
the tables beside the charts show. Text is escaped. A line chart's lines, bands and dots are clipped to its plot frame (a
``clipPath`` whose id is unique on the page), so a series that starts before the x range
never covers the axis labels.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from borderflow.web import time_axis

WIDTH, HEIGHT = 800.0, 260.0
#: Room (px) kept inside the plot frame around the data, so a dot at the frame's edge shows whole.
DOT_ROOM = 4.0
#: About how wide a character of a 14 px tick label is (px), to keep labels inside the chart.
CHAR_PX = 8.0
_ids = itertools.count(1)


@dataclass(frozen=True)
class Frame:
    """The plotting area inside a chart and the data ranges it maps; ``pad`` keeps x0 and
    x1 that far inside the frame's left and right edges."""

    x0: float
    x1: float
    y_max: float
    left: float = 52.0
    right: float = 12.0
    top: float = 28.0
    bottom: float = 30.0
    width: float = WIDTH
    height: float = HEIGHT
    pad: float = 0.0

    def x(self, value: float) -> float:
        span = self.x1 - self.x0 or 1.0
        inner = self.width - self.left - self.right - 2 * self.pad
        return round(self.left + self.pad + (value - self.x0) / span * inner, 1)

    def y(self, value: float) -> float:
        inner = self.height - self.top - self.bottom
        return round(self.top + inner * (1 - value / (self.y_max or 1.0)), 1)


@dataclass(frozen=True)
class Series:
    """One line: points (x, y) with y None for a gap, its legend name and CSS class."""

    name: str
    points: Sequence[tuple[float, float | None]]
    css: str
    dots: bool = False


@dataclass(frozen=True)
class Band:
    """A shaded range: (x, low, high) points, legend name and CSS class."""

    name: str
    points: Sequence[tuple[float, float, float]]
    css: str


def nice_ceiling(value: float) -> tuple[float, float]:
    """A round top for an axis at or above ``value`` and its tick step (1, 2 or 5 x 10^k)."""
    if value <= 0 or not math.isfinite(value):
        return 10.0, 2.0
    raw = value / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return math.ceil(value / step) * step, step


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:,.1f}"


def _new_id() -> str:
    """An id no other chart drawn by this process has: unique on any page."""
    return f"chart-{next(_ids)}"


def _open(ident: str, css: str, title: str, desc: str, width: float = WIDTH, height: float = HEIGHT) -> list[str]:
    return [(f'<svg class="chart {css}" viewBox="0 0 {width:g} {height:g}" role="img" '
            f'aria-labelledby="{ident}-t {ident}-d" preserveAspectRatio="xMidYMid meet">'),
            f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>']


def _left_margin(top: float, step: float) -> float:
    """Room for the longest y tick label (about 8.5 px a character at 14 px)."""
    widest = max(len(_number(top)), len(_number(step)))
    return max(44.0, 14.0 + 8.5 * widest)


def _y_axis(frame: Frame, step: float, unit: str = "") -> list[str]:
    parts = [f'<text class="tick unit" x="4" y="17">{escape(unit)}</text>'] if unit else []
    value = 0.0
    while value <= frame.y_max + 1e-9:
        y = frame.y(value)
        parts.append(f'<line class="grid" x1="{frame.left}" x2="{frame.width - frame.right}" y1="{y}" y2="{y}"/>'
                     f'<text class="tick" x="{frame.left - 6}" y="{y + 4}" text-anchor="end">{_number(value)}</text>')
        value += step
    return parts


def _x_labels(frame: Frame, ticks: Sequence[tuple[float, str]]) -> list[str]:
    """A short tick mark below the plot and a label under it at each tick; a label that
    would run past the chart's edge is aligned to end (or start) at its tick instead."""
    base = frame.height - frame.bottom
    parts = []
    for value, label in ticks:
        x = frame.x(value)
        half = CHAR_PX * len(label) / 2
        anchor = "end" if x + half > frame.width else ("start" if x - half < 0 else "middle")
        parts.append(f'<line class="tick-mark" x1="{x}" x2="{x}" y1="{base}" y2="{base + 5}"/>'
                     f'<text class="tick" x="{x}" y="{base + 20}" text-anchor="{anchor}">{escape(label)}</text>')
    return parts


def _clip_to_plot(ident: str, frame: Frame) -> tuple[str, str]:
    """A clipPath of the plot frame (taller by a dot's room above and below, so a line at
    zero or at the top keeps its whole stroke) and the group opening that applies it."""
    clip = f"{ident}-plot"
    y, height = frame.top - DOT_ROOM, frame.height - frame.top - frame.bottom + 2 * DOT_ROOM
    width = frame.width - frame.left - frame.right
    defs = (f'<defs><clipPath id="{clip}"><rect x="{frame.left}" y="{y}" width="{width:g}" '
            f'height="{height:g}"/></clipPath></defs>')
    return defs, f'<g class="plot" clip-path="url(#{clip})">'


def _legend(entries: Sequence[tuple[str, str]], frame: Frame, unit: str = "") -> list[str]:
    parts, x = [], max(frame.left, 24.0 + 8.5 * len(unit))
    for name, css in entries:
        parts.append(f'<rect class="key {css}" x="{x}" y="8" width="14" height="10"/>'
                     f'<text class="legend-text" x="{x + 19}" y="17">{escape(name)}</text>')
        x += 30 + 8.2 * len(name)
    return parts


def _polylines(frame: Frame, series: Series, max_gap: float) -> list[str]:
    parts: list[str] = []
    run: list[str] = []
    previous: float | None = None
    for x, y in list(series.points) + [(math.inf, None)]:
        if y is None or (previous is not None and x - previous > max_gap):
            if len(run) > 1:
                parts.append(f'<polyline class="line {series.css}" points="{" ".join(run)}"/>')
            elif len(run) == 1:
                cx, cy = run[0].split(",")
                parts.append(f'<circle class="dot {series.css}" cx="{cx}" cy="{cy}" r="2.5"/>')
            run = []
        if y is not None and math.isfinite(x):
            run.append(f"{frame.x(x)},{frame.y(y)}")
            previous = x
    if series.dots:
        parts += [f'<circle class="dot {series.css}" cx="{frame.x(x)}" cy="{frame.y(y)}" r="2.5"/>'
                  for x, y in series.points if y is not None]
    return parts


def line_chart(series: Sequence[Series], ticks: Sequence[tuple[float, str]], title: str, desc: str, *,
               bands: Sequence[Band] = (), max_gap: float = math.inf, x_range: tuple[float, float] | None = None,
               css: str = "lines", unit: str = "") -> Markup:
    """Lines (and shaded bands) over a numeric x axis labelled at ``ticks``, clipped to the
    plot frame; the y axis is scaled to the values inside ``x_range`` (all when None)."""
    xs = [x for s in series for x, _ in s.points] + [x for b in bands for x, _, _ in b.points]
    lo, hi = x_range or (min(xs, default=0.0), max(xs, default=1.0))
    ys = ([y for s in series for x, y in s.points if y is not None and lo <= x <= hi]
          + [h for b in bands for x, _, h in b.points if lo <= x <= hi])
    top, step = nice_ceiling(max(ys, default=0.0))
    frame = Frame(lo, hi if hi > lo else lo + 1, top, left=_left_margin(top, step), pad=DOT_ROOM)
    ident = _new_id()
    clip, plot = _clip_to_plot(ident, frame)
    parts = _open(ident, css, title, desc) + [clip] + _y_axis(frame, step, unit) + _x_labels(frame, ticks) + [plot]
    for band in bands:
        upper = [f"{frame.x(x)},{frame.y(h)}" for x, _, h in band.points]
        lower = [f"{frame.x(x)},{frame.y(low)}" for x, low, _ in reversed(band.points)]
        parts.append(f'<polygon class="band {band.css}" points="{" ".join(upper + lower)}"/>')
    for s in series:
        parts += _polylines(frame, s, max_gap)
    parts.append("</g>")
    parts += _legend([(s.name, s.css) for s in series] + [(b.name, b.css) for b in bands], frame, unit)
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(values: Sequence[float | None], labels: Sequence[str], title: str, desc: str, *,
              label_every: int = 1, bar_titles: Sequence[str] | None = None, css: str = "bars",
              unit: str = "", ticks: Sequence[tuple[float, str]] | None = None) -> Markup:
    """Vertical bars, one per value (None: no bar), labelled below every ``label_every``-th,
    or at ``ticks`` ((bar index, label); an index between two bars falls between them)."""
    top, step = nice_ceiling(max((v for v in values if v is not None), default=0.0))
    n = max(1, len(values))
    frame = Frame(-0.5, n - 0.5, top, left=_left_margin(top, step))
    slot = (frame.width - frame.left - frame.right) / n
    parts = _open(_new_id(), css, title, desc) + _y_axis(frame, step, unit)
    if ticks is None:
        ticks = [(i, labels[i]) for i in range(0, len(labels), max(1, label_every))]
    parts += _x_labels(frame, ticks)
    for i, value in enumerate(values):
        if value is None:
            continue
        y = frame.y(value)
        tip = f"<title>{escape(bar_titles[i])}</title>" if bar_titles else ""
        parts.append(f'<rect class="bar" x="{round(frame.x(i) - slot * 0.4, 1)}" y="{y}" '
                     f'width="{round(slot * 0.8, 1)}" height="{round(frame.y(0) - y, 1)}">{tip}</rect>')
    parts.append("</svg>")
    return Markup("".join(parts))


def heat_colour(share: float) -> str:
    """Light yellow (0) to dark red (1), interpolated in RGB."""
    low, high = (255, 240, 190), (150, 20, 30)
    share = min(1.0, max(0.0, share))
    r, g, b = (round(a + (c - a) * share) for a, c in zip(low, high))
    return f"#{r:02x}{g:02x}{b:02x}"


def _heat_key(ident: str, vmax: float, x: float, y: float, title: str, empty_label: str) -> list[str]:
    """The heat map's colour key at (x, y): ``title``, the colour scale from 0 to ``vmax``
    (a gradient through the same colours as the cells) numbered at round values and at its
    top, then the swatch of a cell without readings labelled ``empty_label``."""
    scale_x, scale_w = x + CHAR_PX * len(title) + 14, 260.0
    gradient = f"{ident}-scale"
    parts = [(f'<defs><linearGradient id="{gradient}" x1="0" x2="1" y1="0" y2="0">'
             f'<stop offset="0" stop-color="{heat_colour(0)}"/><stop offset="1" stop-color="{heat_colour(1)}"/>'
             f'</linearGradient></defs>'),
             f'<g class="heat-key"><text class="legend-text" x="{x}" y="{y + 11}">{escape(title)}</text>',
             f'<rect class="scale" x="{scale_x:g}" y="{y}" width="{scale_w:g}" height="14" fill="url(#{gradient})"/>']
    _top, step = nice_ceiling(vmax)
    values = [k * step for k in range(int(vmax // step) + 1) if k * step < vmax - 0.5 * step] + [vmax]
    for value in values:
        at = round(scale_x + scale_w * value / vmax, 1)
        parts.append(f'<line class="tick-mark" x1="{at}" x2="{at}" y1="{y + 14}" y2="{y + 19}"/>'
                     f'<text class="tick" x="{at}" y="{y + 34}" text-anchor="middle">{_number(value)}</text>')
    swatch_x = scale_x + scale_w + 30
    parts.append(f'<rect class="key-empty" x="{swatch_x:g}" y="{y}" width="25" height="14"/>'
                 f'<text class="legend-text" x="{swatch_x + 31:g}" y="{y + 11}">{escape(empty_label)}</text></g>')
    return parts


def heat_map(values: Sequence[Sequence[float | None]], row_labels: Sequence[str], title: str, desc: str,
             cell_title: Callable[[int, int], str], *, key_title: str = "", key_empty: str = "") -> Markup:
    """A rows x 24 grid (weekday x hour) shaded by value; every cell carries a ``<title>``.
    With ``key_title`` a colour key is drawn below the grid (``key_empty`` names the
    colour of a cell without readings)."""
    vmax = max((v for row in values for v in row if v is not None), default=0.0) or 1.0
    left, top, cell_w, cell_h = 44.0, 22.0, 31.0, 26.0
    grid_bottom = top + len(values) * cell_h
    width, height = left + 24 * cell_w + 4, grid_bottom + (46 if key_title else 4)
    ident = _new_id()
    parts = _open(ident, "heat", title, desc, width, height)
    for h in range(0, 24, 3):
        parts.append(f'<text class="tick" x="{left + h * cell_w + cell_w / 2}" y="15" '
                     f'text-anchor="middle">{h:02d}</text>')
    for d, row in enumerate(values):
        y = top + d * cell_h
        parts.append(f'<text class="tick" x="{left - 6}" y="{y + cell_h / 2 + 4}" '
                     f'text-anchor="end">{escape(row_labels[d])}</text>')
        for h, v in enumerate(row):
            fill = heat_colour(v / vmax) if v is not None else "none"
            css = "cell" if v is not None else "cell empty"
            parts.append(f'<rect class="{css}" x="{left + h * cell_w}" y="{y}" width="{cell_w - 1}" '
                         f'height="{cell_h - 1}" fill="{fill}"><title>{escape(cell_title(d, h))}</title></rect>')
    if key_title:
        parts += _heat_key(ident, vmax, left, grid_bottom + 10, key_title, key_empty)
    parts.append("</svg>")
    return Markup("".join(parts))


def time_ticks(start: dt.datetime, end: dt.datetime, zone: str, lang: str = "en") -> list[tuple[float, str]]:
    """(POSIX seconds, label) ticks on the local clock of the crossing's ``zone``, labelled
    in ``lang`` (see :mod:`borderflow.web.time_axis`)."""
    return time_axis.positions(time_axis.time_ticks(start, end, zone, lang))
