"""What the simulator's result pages show, built from a job's results JSON.

The results JSON is :meth:`SimulationResult.to_json_dict` (the API's ``results``); each
table cell carries the raw JSON value in ``data-value`` next to its formatted text, so a
test can check that the page shows the API's numbers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from borderflow.web import charts
from borderflow.web.i18n import Translator
from borderflow.web.run_hours import RunHours, compared_hours, run_hours

#: Hourly rows shown in a table; the JSON holds every hour.
MAX_TABLE_HOURS = 168


@dataclass(frozen=True)
class Column:
    """A results column: JSON field, header key, and how to write it (``dec1``, ``int``, ``pct``)."""

    field: str
    header: str
    form: str


COLUMNS: tuple[Column, ...] = (
    Column("arrivals", "col.arrivals", "dec1"),
    Column("served", "col.served", "dec1"),
    Column("wait_mean_minutes", "col.wait_mean", "dec1"),
    Column("wait_p50_minutes", "col.wait_p50", "dec1"),
    Column("wait_p95_minutes", "col.wait_p95", "dec1"),
    Column("wait_max_minutes", "col.wait_max", "dec1"),
    Column("queue_max_vehicles", "col.queue", "int"),
    Column("queue_max_metres", "col.queue_m", "int"),
    Column("utilization", "col.utilization", "pct"),
)


def formatted(value: Any, form: str, t: Translator) -> str:
    """A results number as the tables write it (the browser test applies the same rule)."""
    if value is None:
        return t("none")
    if form == "pct":
        return t.percent(value)
    return t.number(value, 1 if form == "dec1" else 0)


def raw(value: Any) -> str:
    """The JSON text of a value, for ``data-value``."""
    return json.dumps(value)


def edit_label(multiplier: float, changes: Mapping[str, int]) -> str:
    """A short, language-neutral note of the quick changes: ``×1.2 · general +1``."""
    parts = [f"×{multiplier:g}"] if multiplier != 1 else []
    parts += [f"{group} {change:+d}" for group, change in changes.items() if change]
    return " · ".join(parts)


def _waits_chart(group_id: str, hourly: list[dict[str, Any]], axis: RunHours, t: Translator) -> Markup:
    mean = [(row["hour"], row["wait_mean_minutes"]) for row in hourly]
    p95 = [(row["hour"], row["wait_p95_minutes"]) for row in hourly]
    top = max((v for _, v in p95 + mean if v is not None), default=0.0)
    series = [charts.Series(t("series.mean"), mean, "s-mean", dots=len(hourly) <= 48),
              charts.Series(t("series.p95"), p95, "s-p95", dots=len(hourly) <= 48)]
    return charts.line_chart(series, axis.ticks(t.lang), t("run.waits_chart", group=group_id),
                             t("run.waits_desc", hours=len(hourly), max=t.number(top, 1)),
                             x_range=(0, max(1, len(hourly) - 1)), max_gap=1.5, unit=t("unit.minutes"))


def _queue_chart(group_id: str, hourly: list[dict[str, Any]], axis: RunHours, t: Translator) -> Markup:
    values = [row["queue_max_vehicles"] for row in hourly]
    if axis.clock is None:  # hour numbers, as they always were
        labels = [f"{h % 24:02d}" if len(hourly) <= 48 else str(h) for h in range(len(hourly))]
        ticks = None
    else:  # each bar's title its clock label; the axis ticked on the local clock
        labels, ticks = list(axis.labels), axis.ticks(t.lang)
    return charts.bar_chart(values, labels, t("run.queue_chart", group=group_id),
                            t("run.queue_desc", hours=len(hourly), max=t.number(max(values, default=0))),
                            label_every=max(1, math.ceil(len(hourly) / 12)),
                            bar_titles=[f"{label}: {v}" for label, v in zip(labels, values)], css="bars queue",
                            unit=t("unit.vehicles"), ticks=ticks)


def _cells(row: Mapping[str, Any], t: Translator) -> list[dict[str, str]]:
    return [{"field": c.field, "raw": raw(row.get(c.field)), "text": formatted(row.get(c.field), c.form, t)}
            for c in COLUMNS]


def result_groups(results: Mapping[str, Any], t: Translator) -> list[dict[str, Any]]:
    """Per lane group: id, lane words, hourly rows (label, cells), the total row, two charts
    and their titles (the page shows each above its chart). Hours are labelled by
    :mod:`borderflow.web.run_hours` (by the local clock when the scenario has one)."""
    out = []
    axis = run_hours(results)
    labels = axis.labels
    for group_id, group in results["lane_groups"].items():
        hourly = group["hourly"]
        out.append({
            "id": group_id, "lane": t.lane(group["mode"], group["program"]),
            "rows": [{"hour": row["hour"], "label": labels[row["hour"]], "cells": _cells(row, t)}
                     for row in hourly[:MAX_TABLE_HOURS]],
            "total": _cells(group["total"], t), "truncated": len(hourly) > MAX_TABLE_HOURS,
            "waits_svg": _waits_chart(group_id, hourly, axis, t), "queue_svg": _queue_chart(group_id, hourly, axis, t),
            "waits_title": t("run.waits_chart", group=group_id), "queue_title": t("run.queue_chart", group=group_id),
        })
    return out


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(b - a, 6)


def compare_groups(results_a: Mapping[str, Any], results_b: Mapping[str, Any], t: Translator) -> list[dict[str, Any]]:
    """Per lane group of either run: hourly p95 of A and B and B - A (None where missing),
    each hour labelled by the runs' clock when both have the same one."""
    groups_a, groups_b = results_a["lane_groups"], results_b["lane_groups"]
    out = []
    for group_id in list(groups_a) + [g for g in groups_b if g not in groups_a]:
        a, b = groups_a.get(group_id), groups_b.get(group_id)
        if a is None or b is None:
            out.append({"id": group_id, "missing": True})
            continue
        hours = max(len(a["hourly"]), len(b["hourly"]))
        axis = compared_hours(results_a, results_b, hours)
        labels = axis.labels
        rows: list[dict[str, Any]] = []
        for h in range(hours):
            pa = a["hourly"][h]["wait_p95_minutes"] if h < len(a["hourly"]) else None
            pb = b["hourly"][h]["wait_p95_minutes"] if h < len(b["hourly"]) else None
            rows.append({"hour": h, "label": labels[h], "a": pa, "b": pb, "diff": _diff(pa, pb)})
        total_a, total_b = a["total"]["wait_p95_minutes"], b["total"]["wait_p95_minutes"]
        series = [charts.Series(t("sim.run_a"), [(float(h), r["a"]) for h, r in enumerate(rows)], "s-a",
                                dots=hours <= 48),
                  charts.Series(t("sim.run_b"), [(float(h), r["b"]) for h, r in enumerate(rows)], "s-b",
                                dots=hours <= 48)]
        top = max((v for r in rows for v in (r["a"], r["b"]) if v is not None), default=0.0)
        title = t("compare.chart", group=group_id)
        svg = charts.line_chart(series, axis.ticks(t.lang), title,
                                t("compare.chart_desc", max=t.number(top, 1)), x_range=(0, max(1, hours - 1)),
                                max_gap=1.5, unit=t("unit.minutes"))
        out.append({"id": group_id, "missing": False, "lane": t.lane(a["mode"], a["program"]),
                    "rows": rows[:MAX_TABLE_HOURS], "truncated": hours > MAX_TABLE_HOURS, "svg": svg, "title": title,
                    "total": {"a": total_a, "b": total_b, "diff": _diff(total_a, total_b)}})
    return out
