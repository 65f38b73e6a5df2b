"""The crossing page's data and charts: current waits, history with the forecast band,
the hour-of-week heat map and monthly volumes.

Every number comes from the service functions behind the API
(:mod:`borderflow.services.queries`, :func:`borderflow.services.forecasting.forecast_for`),
so the page and ``/api/v1/crossings/{id}/...`` agree. The range ends at the chosen lane's
latest reading (an archive of past years still shows its data); the forecast is made as
of that reading.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy import Engine

from borderflow import catalog
from borderflow.errors import BadInputError, BorderFlowError
from borderflow.messages import Message
from borderflow.services import queries
from borderflow.vocabulary import MODES, PROGRAMS
from borderflow.web import charts
from borderflow.web.i18n import Translator
from borderflow.web.overview import LANE_COLUMNS, forecast_instant

log = logging.getLogger("borderflow.web")

RANGE_DAYS: tuple[int, ...] = (1, 7, 30, 90, 365)
DEFAULT_DAYS = 7
#: Above this many days the history is drawn per day instead of per hour.
HOURLY_UP_TO_DAYS = 30
FORECAST_HOURS = 24
#: The history chart draws the forecast when it starts at most this long after the window.
FORECAST_DRAWN_WITHIN = dt.timedelta(days=1)
VOLUME_MONTHS = 24
#: Volume sources the pages name in words of their own (``source.*``, ``source_credit.*``);
#: any other source (a volumes CSV's) is shown and credited by its stored name.
NAMED_SOURCES = ("bts", "txdot", "cascade")
#: The BTS measure that counts a lane's mode.
MEASURE_OF_MODE = {"passenger": "Personal Vehicles", "pedestrian": "Pedestrians", "commercial": "Trucks"}


@dataclass(frozen=True)
class Choice:
    """The lane and range asked for, checked."""

    mode: str
    program: str
    days: int

    @property
    def lane(self) -> str:
        return f"{self.mode}-{self.program}"


def parse_choice(lane: str | None, days: str | None, lanes: list[tuple[str, str]]) -> Choice:
    """The lane (``mode-program``; default passenger-standard when it has readings, else the
    first lane with readings) and the range in days (one of :data:`RANGE_DAYS`)."""
    if days in (None, ""):
        n_days = DEFAULT_DAYS
    elif days.isascii() and days.isdigit() and int(days) in RANGE_DAYS:
        n_days = int(days)
    else:
        choices = ", ".join(map(str, RANGE_DAYS))
        raise BadInputError(f"days must be one of {choices}; got {days!r}", key="crossing.days",
                            fields={"choices": choices, "got": days})
    if lane:
        mode, _, program = lane.partition("-")
        if mode not in MODES or program not in PROGRAMS:
            raise BadInputError(f"lane must be MODE-PROGRAM, e.g. passenger-standard; got {lane!r}",
                                key="crossing.lane", fields={"got": lane})
        return Choice(mode, program, n_days)
    default = ("passenger", "standard")
    mode, program = default if default in lanes or not lanes else lanes[0]
    return Choice(mode, program, n_days)


def lanes_with_readings(engine: Engine, crossing_id: str) -> dict[tuple[str, str], dt.datetime]:
    """(mode, program) -> newest reading time, northbound, in the table's lane order."""
    newest = {(r["mode"], r["program"]): r["observed_at"]
              for r in queries.latest_readings(engine, crossing_id=crossing_id) if r["direction"] == "northbound"}
    order = {lane: i for i, lane in enumerate(LANE_COLUMNS)}
    return dict(sorted(newest.items(), key=lambda kv: order.get(kv[0], len(order))))


def window(newest: dt.datetime | None, days: int, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """``[end - days, end)`` where end is the hour after the lane's newest reading (else now)."""
    end = (newest or now).astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    end += dt.timedelta(hours=1)
    return end - dt.timedelta(days=days), end


def try_forecast(engine: Engine, crossing_id: str, choice: Choice, newest: dt.datetime | None,
                 now: dt.datetime) -> tuple[dict[str, Any] | None, Message | None]:
    """The forecast as of now when the lane's newest reading is recent enough to forecast
    from (as the API and the overview answer), else as of just after that reading (an
    archive of the past); or (None, why not; None when the lane has no reading)."""
    if newest is None:
        return None, None
    try:
        from borderflow.services.forecasting import MAX_STALE_HOURS, forecast_for

        live = now - newest <= dt.timedelta(hours=MAX_STALE_HOURS - 1)
        as_of = forecast_instant(now) if live else newest + dt.timedelta(minutes=1)
        return forecast_for(engine, crossing_id, choice.mode, choice.program, FORECAST_HOURS, as_of=as_of), None
    except BorderFlowError as exc:
        return None, exc.message
    except Exception:  # a forecast problem must not take the rest of the page down
        log.exception("forecast failed for %s %s", crossing_id, choice.lane)
        return None, Message("the forecast could not be computed", "forecast.failed")


@dataclass(frozen=True)
class MonthlyCount:
    """One month of a port's count, with the source it is taken from."""

    month: str  # YYYY-MM
    value: float
    source: str


def monthly_counts(engine: Engine, port_code: str, measure: str) -> list[MonthlyCount]:
    """The port's last :data:`VOLUME_MONTHS` months of counts, each with its source; BTS
    preferred when several sources count the same month, else the source first in name
    order (so the same archive always shows the same month)."""
    by_month: dict[str, MonthlyCount] = {}
    offset = 0
    while True:
        page = queries.monthly_volumes(engine, port_code=port_code, measure=measure, level="port",
                                       limit=queries.MAX_LIMIT, offset=offset)
        for item in page.items:
            if item["direction"] != "northbound" or item["value"] is None:
                continue
            kept = by_month.get(item["month"])
            if kept is None or (item["source"] == "bts" and kept.source != "bts"):
                by_month[item["month"]] = MonthlyCount(item["month"], float(item["value"]), item["source"])
        if not page.has_more:
            break
        offset += page.limit
    return [by_month[month] for month in sorted(by_month)][-VOLUME_MONTHS:]


def source_label(source: str, t: Translator) -> str:
    """A volume source as a month's label says it: "BTS", "TxDOT", or its stored name."""
    return t("source." + source) if source in NAMED_SOURCES else source


def source_credit(source: str, t: Translator) -> str:
    """A volume source as the credit line names it: the agency in full, or its stored name."""
    return t("source_credit." + source) if source in NAMED_SOURCES else source


def volume_notes(port_code: str, counts: list[MonthlyCount], t: Translator) -> list[str]:
    """What the reader needs to know about which crossings a port's BTS count holds: a port
    BTS counted within another before some month, and a port whose shown months hold one."""
    notes = []
    own = catalog.port(port_code)
    if own is not None and own.counted_within:
        notes.append(t("volumes.counted_within", port=port_code, within=own.counted_within,
                       month=t.month(_month_before(own.counted_alone_from))))
    for other in catalog.ports():
        if other.counted_within == port_code and any(c.month < other.counted_alone_from for c in counts):
            notes.append(t("volumes.holds", port=port_code, other=other.port_code,
                           month=t.month(_month_before(other.counted_alone_from))))
    return notes


def _month_before(month: str) -> str:
    year, number = map(int, month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def drawn_with_history(forecast: dict[str, Any] | None, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether the history chart draws the forecast: when it reaches into the window
    ``[start, end)`` or starts within :data:`FORECAST_DRAWN_WITHIN` after it. One that
    starts long after (the window asked with until= years back) is left to its table:
    drawn, it would squeeze the window into the chart's left edge; one that ended before
    the window (until= years ahead) has nothing to draw in it."""
    if not forecast or not forecast["forecast"]:
        return False
    first = dt.datetime.fromisoformat(forecast["forecast"][0]["hour"])
    last = dt.datetime.fromisoformat(forecast["forecast"][-1]["hour"])
    return first <= end + FORECAST_DRAWN_WITHIN and last >= start


def history_chart(history: list[dict[str, Any]], forecast: dict[str, Any] | None, start: dt.datetime,
                  end: dt.datetime, zone: str, hourly: bool, t: Translator) -> Markup:
    points = [(h["start"].timestamp(), h["mean_wait_minutes"]) for h in history]
    series = [charts.Series(t("history.hourly" if hourly else "history.daily"), points, "s-history",
                            dots=len(points) <= 120)]
    bands = []
    last = end
    if forecast:
        # only the hours in the chart's span: a window that starts inside the forecast
        hours = [(h, f) for h, f in ((dt.datetime.fromisoformat(f["hour"]), f) for f in forecast["forecast"])
                 if h >= start]
        series.append(charts.Series(t("forecast.title"), [(h.timestamp(), f["wait_minutes"]) for h, f in hours],
                                    "s-forecast"))
        bands.append(charts.Band(t("forecast.band80"), [(h.timestamp(), f["lo80"], f["hi80"]) for h, f in hours],
                                 "b-forecast"))
        last = max(end, hours[-1][0])
    waits = [p for _, p in points if p is not None]
    desc = t("history.desc", count=len(points), first=t.when(start, zone), last=t.when(last, zone),
             max=t.number(max(waits, default=0), 1))
    return charts.line_chart(series, charts.time_ticks(start, last, zone, t.lang), t("history.title"), desc, bands=bands,
                             max_gap=(3 * 3600 if hourly else 3 * 86400),
                             x_range=(start.timestamp(), last.timestamp()), unit=t("unit.minutes"))


def heat_chart(profile: list[dict[str, Any]], zone: str, t: Translator) -> Markup:
    grid: list[list[float | None]] = [[None] * 24 for _ in range(7)]
    counts = [[0] * 24 for _ in range(7)]
    for cell in profile:
        grid[cell["weekday"]][cell["hour"]] = cell["mean_wait_minutes"]
        counts[cell["weekday"]][cell["hour"]] = cell["count"]

    def cell_title(d: int, h: int) -> str:
        if grid[d][h] is None:
            return t("heat.cell_empty", day=t.weekday(d), hour=f"{h:02d}")
        return t("heat.cell", day=t.weekday(d), hour=f"{h:02d}", mean=t.number(grid[d][h], 1), count=counts[d][h])

    top = max((v for row in grid for v in row if v is not None), default=0.0)
    return charts.heat_map(grid, [t.weekday(d, short=True) for d in range(7)], t("heat.title"),
                           t("heat.desc", tz=zone, max=t.number(top, 1)), cell_title,
                           key_title=t("heat.key"), key_empty=t("heat.key_empty"))


def volume_chart(counts: list[MonthlyCount], measure_words: str, port: str, t: Translator) -> Markup:
    labels = [t.month(c.month) for c in counts]
    values = [c.value for c in counts]
    desc = t("volumes.desc", measure=measure_words.lower(), port=port, first=labels[0], last=labels[-1],
             max=t.number(max(values)))
    return charts.bar_chart(values, labels, t("volumes.title"), desc, label_every=max(1, len(counts) // 6),
                            bar_titles=[f"{label}: {t.number(c.value)} ({source_label(c.source, t)})"
                                        for label, c in zip(labels, counts)])


def parse_until(until: str | None, zone: str) -> dt.datetime | None:
    """``until`` (a local date, YYYY-MM-DD) as the UTC instant the window ends: the
    midnight after that day at the crossing. None when not given."""
    text = (until or "").strip()
    if not text:
        return None
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise BadInputError(f"until must be a date written YYYY-MM-DD; got {text[:40]!r}",
                            key="crossing.until_format", fields={"got": text[:40]}) from None
    if not 1990 <= day.year <= 2100:
        raise BadInputError(f"until must be a date from 1990 to 2100; got {text}", key="crossing.until_range",
                            fields={"got": text})
    local = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), ZoneInfo(zone))
    return local.astimezone(dt.UTC)


def crossing_context(engine: Engine, crossing_id: str, lane: str | None, days: str | None, t: Translator,
                     now: dt.datetime, until: str | None = None) -> dict[str, Any]:
    """Everything the crossing template shows. NotFoundError for an unknown crossing,
    BadInputError for a bad lane, range or end date. The window ends at the hour after the
    lane's newest reading, or at the end of the local day ``until`` when given (so any part
    of a long archive can be reached)."""
    crossing = queries.get_crossing(engine, crossing_id)
    zone = crossing.get("timezone") or "UTC"
    newest_by_lane = lanes_with_readings(engine, crossing_id)
    choice = parse_choice(lane, days, list(newest_by_lane))
    newest = newest_by_lane.get((choice.mode, choice.program))
    ends = parse_until(until, zone)
    if ends is None:
        start, end = window(newest, choice.days, now)
    else:
        # whole local days: a day whose clocks change has 23 or 25 hours
        local_end = ends.astimezone(ZoneInfo(zone))
        start = dt.datetime.combine(local_end.date() - dt.timedelta(days=choice.days), dt.time(),
                                    ZoneInfo(zone)).astimezone(dt.UTC)
        end = ends
    hourly = choice.days <= HOURLY_UP_TO_DAYS
    history = queries.history_aggregated(engine, crossing_id, choice.mode, choice.program, start=start, end=end,
                                         interval="hour" if hourly else "day")
    profile = queries.hour_of_week_profile(engine, crossing_id, choice.mode, choice.program, start=start, end=end)
    forecast, forecast_reason = try_forecast(engine, crossing_id, choice, newest, now)
    drawn = drawn_with_history(forecast, start, end)
    current = [w for w in queries.current_waits(engine, crossing_id=crossing_id, now=now)
               if w["direction"] == "northbound"]
    measure = MEASURE_OF_MODE[choice.mode]
    port = crossing.get("bts_port_code") or crossing["port_code"]
    counts = monthly_counts(engine, port, measure)
    measure_words = t("measure." + measure)
    sources = sorted({c.source for c in counts}, key=lambda source: (source != "bts", source))
    return {
        "crossing": crossing, "zone": zone, "choice": choice, "lanes": list(newest_by_lane),
        "range_days": RANGE_DAYS, "start": start, "end": end, "hourly": hourly, "history": history,
        "until": (until or "").strip() if ends is not None else "",
        "has_history": any(h["mean_wait_minutes"] is not None for h in history),
        "history_svg": history_chart(history, forecast if drawn else None, start, end, zone, hourly, t),
        "forecast_drawn": drawn,
        "heat_svg": heat_chart(profile, zone, t) if any(c["count"] for c in profile) else None,
        "heat_rows": [[c["mean_wait_minutes"] for c in profile if c["weekday"] == d] for d in range(7)],
        "forecast": forecast, "forecast_reason": forecast_reason, "current": current,
        "volumes": [(c.month, c.value, source_label(c.source, t)) for c in counts], "volume_port": port,
        "volume_sources": [source_label(source, t) for source in sources],
        "volume_credits": [source_credit(source, t) for source in sources],
        "volume_notes": volume_notes(port, counts, t), "measure_words": measure_words,
        "volume_svg": volume_chart(counts, measure_words, port, t) if counts else None,
    }
