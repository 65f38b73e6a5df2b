"""KPI charts: an axis that runs upward whatever the values' sign, numbers written as the report writes them,
values placed on a true time axis with gaps where periods are missing."""

from __future__ import annotations

import itertools
import re

import pytest

from borderflow.plans import charts, kpi
from borderflow.plans.charts import BOTTOM, HEIGHT, TOP, kpi_chart_svg, value_range

LABELS = {"baseline": "Baseline", "target": "Target", "measured": "Measured"}


def _series(ys: list[float], target: float | None = None) -> kpi.KpiSeries:
    spec = kpi.parse_spec({"source": "results", "better": "lower", "target": target,
                           "results": [{"period": "2024Q1", "file": "x.json", "field": "x"}]})
    values = tuple(kpi.KpiValue(f"2024Q{i + 1}", y, 1) for i, y in enumerate(ys))
    return kpi.KpiSeries("k", "K", spec, values, None)


@pytest.mark.parametrize("ys", [[-5.0, -5.0], [-10.0, -2.0], [3.0, 3.0], [0.0, 0.0], [-4.0, 6.0], [120.0, 80.0]])
def test_the_y_axis_runs_upward_and_holds_every_value(ys: list[float]) -> None:
    low, high = value_range(ys)
    assert low < high and low <= min(ys + [0.0]) and max(ys + [0.0]) <= high
    svg = kpi_chart_svg(_series(ys), LABELS)
    ticks = [(float(y), float(text.replace(",", "")))
             for y, text in re.findall(r'<text x="\d+" y="([-\d.]+)" text-anchor="end" fill="#444">([^<]+)</text>', svg)]
    ticks.sort()  # top of the picture first
    assert ticks[0][1] > ticks[-1][1], ticks  # the highest tick is drawn at the top
    for cy in re.findall(r'<circle cx="[-\d.]+" cy="([-\d.]+)"', svg):
        assert TOP <= float(cy) <= HEIGHT - BOTTOM


def test_tooltips_write_numbers_as_the_report_does() -> None:
    svg = kpi_chart_svg(_series([588971.0, 12.5]), LABELS, "es")
    titles = re.findall(r"<title>[^:<]+: ([^<]+)</title>", svg)
    assert titles == ["588,971", "12.5"]  # a whole number without decimals, in both languages
    assert "588,971.0" not in svg


def _monthly(points: dict[str, float], period: str = "month") -> kpi.KpiSeries:
    label = "2026-03" if period == "month" else "2026Q1"
    spec = kpi.parse_spec({"source": "results", "better": "lower", "target": 20, "period": period,
                           "results": [{"period": label, "file": "x.json", "field": "x"}]})
    return kpi.KpiSeries("k", "K", spec, tuple(kpi.KpiValue(p, v, 1) for p, v in points.items()), None)


def _circles(svg: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r'<circle cx="([-\d.]+)" cy="([-\d.]+)"', svg)]


def _months(label: str) -> float:
    """Months from 2000-01 to the middle of a period label."""
    if "Q" in label:
        year, quarter = label.split("Q")
        return (int(year) - 2000) * 12 + (int(quarter) - 1) * 3 + 1.5
    year, month = label.split("-")
    return (int(year) - 2000) * 12 + int(month) - 1 + 0.5


@pytest.mark.parametrize(("points", "period"), [
    ({"2014-03": 29.1, "2017-03": 2.4, "2022-06": 25.0, "2026-08": 32.2}, "month"),  # years apart, unevenly
    ({"2019Q1": 5.0, "2019Q2": 6.0, "2021Q4": 4.0, "2024Q3": 7.0}, "quarter"),
])
def test_values_sit_on_a_true_time_axis(points: dict[str, float], period: str) -> None:
    svg = kpi_chart_svg(_monthly(points, period), LABELS)
    xs = [x for x, _ in _circles(svg)]
    months = [_months(label) for label in points]
    # x is linear in time: the same pixels per month between every pair of values
    per_month = [(xb - xa) / (mb - ma) for xa, xb, ma, mb in zip(xs, xs[1:], months, months[1:])]
    assert max(per_month) - min(per_month) < 0.05, per_month
    assert len({round(xb - xa) for xa, xb in itertools.pairwise(xs)}) > 1  # no longer evenly spaced


def test_a_missing_period_leaves_a_gap_and_a_lone_value_is_a_dot() -> None:
    svg = kpi_chart_svg(_monthly({"2024-01": 10.0, "2024-02": 12.0, "2024-03": 11.0, "2024-05": 14.0,
                                  "2024-08": 9.0, "2024-09": 8.0}), LABELS)
    lines = re.findall(r'<polyline points="([^"]+)"', svg)
    assert [len(points.split()) for points in lines] == [3, 2]  # Jan-Mar, Aug-Sep; May alone
    assert len(_circles(svg)) == 6
    assert charts.joined_runs(_monthly({"2024Q1": 1.0, "2024Q2": 1.0, "2025Q1": 1.0}, "quarter").values) == \
        [[0, 1], [2]]


def test_y_ticks_are_round_values_and_the_text_is_readable() -> None:
    svg = kpi_chart_svg(_monthly({"2014-03": 29.1, "2017-03": 2.4, "2022-06": 25.0, "2026-08": 38.7}), LABELS)
    ticks = re.findall(r'<text x="\d+" y="[-\d.]+" text-anchor="end" fill="#444">([^<]+)</text>', svg)
    assert ticks == ["0", "10", "20", "30", "40"]  # not 10.7 / 21.3 / 32.0 / 42.6
    assert 'font-size="14"' in svg
    years = re.findall(r'text-anchor="(?:middle|end)" fill="#444">(\d{4})</text>', svg)
    assert years == ["2016", "2018", "2020", "2022", "2024", "2026"]
    assert charts.value_axis([588_971.0, 800_000.0]) == (0.0, 800_000.0, 200_000.0)
    assert charts.value_axis([0.12, 0.31]) == (0.0, 0.4, 0.1)


def test_month_ticks_below_a_year_are_written_in_the_pages_language() -> None:
    series = _monthly({"2024-01": 10.0, "2024-02": 12.0, "2024-03": 11.0, "2024-04": 14.0})
    assert [label for _, label in charts.time_ticks(series.values, "es")] == \
        ["ene 2024", "feb 2024", "mar 2024", "abr 2024", "may 2024"]
    assert [share for share, _ in charts.time_ticks(series.values, "en")] == [0, 0.25, 0.5, 0.75, 1]


def test_the_pdf_draws_the_same_time_axis_and_gaps() -> None:
    from fpdf import FPDF

    from borderflow.plans import pdf as pdf_module

    series = _monthly({"2014-03": 29.1, "2017-03": 2.4, "2017-04": 5.0, "2026-08": 32.2})
    drawn: dict[str, list[tuple[float, ...]]] = {"dots": [], "lines": []}

    class Recording(FPDF):
        def ellipse(self, x: float, y: float, w: float, h: float, style: str | None = None) -> None:  # type: ignore[override]
            drawn["dots"].append((x + w / 2, y + h / 2))

    document = Recording()
    document.add_page()
    pdf_module._chart(document, series, LABELS, "en")
    xs = [x for x, _ in drawn["dots"]]
    months = [_months(label) for label in ("2014-03", "2017-03", "2017-04", "2026-08")]
    per_month = [(xb - xa) / (mb - ma) for xa, xb, ma, mb in zip(xs, xs[1:], months, months[1:])]
    assert max(per_month) - min(per_month) < 1e-6
    svg_xs = [x for x, _ in _circles(kpi_chart_svg(series, LABELS))]
    shares = [(x - svg_xs[0]) / (svg_xs[-1] - svg_xs[0]) for x in svg_xs]
    pdf_shares = [(x - xs[0]) / (xs[-1] - xs[0]) for x in xs]
    assert pdf_shares == pytest.approx(shares, abs=0.01)
