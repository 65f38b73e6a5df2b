"""KPI charts: an axis that runs upward whatever the values' sign, numbers written as the report writes them."""

from __future__ import annotations

import re

import pytest

from borderflow.plans import kpi
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
