"""Ticks of a time axis on the local clock of a crossing: whole hours, midnights, months, years.

A reader looks for "midnight", "6 in the morning", "the first of the month" on a time
axis, so ticks fall on those boundaries of the crossing's zone (never on instants spread
evenly across the span): hours that are multiples of 1, 2, 3, 6 or 12, local midnights
(every day, every other day, Mondays, every other Monday), the first of every 1, 2, 3 or
6 months, New Year's Days of every 1, 2, 5, 10 ... years. The step chosen is the finest
one that gives at most ``most`` ticks, so a chart 560 px wide keeps its labels apart.

A clock change is taken as the clock shows it: a 23-hour day has one tick fewer at 3-hour
steps (02:00 never happens), a 25-hour day shows 01:00 twice at 1-hour steps, and a
midnight tick is the first instant of its local day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from borderflow.web.i18n import MONTHS_SHORT

DAY = 86_400.0


@dataclass(frozen=True)
class Step:
    """A tick step: ``count`` of ``unit`` (hour, day, month or year); ``seconds`` is its
    usual length, used only to skip steps far too fine for a span."""

    unit: str
    count: int
    seconds: float


STEPS: tuple[Step, ...] = (
    *(Step("hour", n, n * 3600.0) for n in (1, 2, 3, 6, 12)),
    *(Step("day", n, n * DAY) for n in (1, 2, 7, 14)),
    *(Step("month", n, n * 30.44 * DAY) for n in (1, 2, 3, 6)),
    *(Step("year", n, n * 365.25 * DAY) for n in (1, 2, 5, 10, 20, 50, 100)),
)


@dataclass(frozen=True)
class Tick:
    """One tick: the instant (UTC) and its label in the page's language."""

    at: dt.datetime
    label: str


def _local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The first instant of a local day (a midnight a clock change skips: the instant after it)."""
    return dt.datetime.combine(day, dt.time(), tz).astimezone(dt.UTC)


def _hours(start: dt.datetime, end: dt.datetime, tz: ZoneInfo, every: int) -> Iterator[dt.datetime]:
    """Instants in [start, end] whose local clock reads a whole hour divisible by ``every``.

    Walks UTC quarter hours, so a zone whose offset is not whole hours still gets its
    local whole hours."""
    at = start.astimezone(dt.UTC).replace(second=0, microsecond=0)
    at -= dt.timedelta(minutes=at.minute % 15)
    quarter = dt.timedelta(minutes=15)
    while at <= end:
        local = at.astimezone(tz)
        if at >= start and local.minute == 0 and local.hour % every == 0:
            yield at
        at += quarter


def _calendar_days(first: dt.date, last: dt.date, step: Step) -> Iterator[dt.date]:
    """Local dates from ``first`` to ``last`` that start a tick of a day, month or year step:
    every day, every other day (even day numbers since year 1), Mondays, Mondays of even
    weeks; firsts of months whose number (from January) divides by the count; New Year's
    Days of years that divide by it."""
    if step.unit == "day":
        day = first
        while day <= last:
            ordinal = day.toordinal()  # date(1, 1, 1), ordinal 1, was a Monday
            if (ordinal % step.count == 0 if step.count < 7
                    else day.weekday() == 0 and ((ordinal - 1) // 7) % (step.count // 7) == 0):
                yield day
            day += dt.timedelta(days=1)
    elif step.unit == "month":
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            if (month - 1) % step.count == 0:
                yield dt.date(year, month, 1)
            year, month = year + month // 12, month % 12 + 1
    else:
        yield from (dt.date(year, 1, 1) for year in range(first.year, last.year + 1) if year % step.count == 0)


def instants(start: dt.datetime, end: dt.datetime, zone: str, step: Step) -> list[dt.datetime]:
    """Every tick of ``step`` in [start, end] (UTC instants), on the local clock of ``zone``."""
    tz = ZoneInfo(zone)
    if step.unit == "hour":
        return list(_hours(start, end, tz, step.count))
    days = _calendar_days(start.astimezone(tz).date(), end.astimezone(tz).date(), step)
    return [at for at in (_local_midnight(day, tz) for day in days) if start <= at <= end]


def _label(at: dt.datetime, tz: ZoneInfo, step: Step, lang: str, first: bool) -> str:
    local = at.astimezone(tz)
    month = MONTHS_SHORT[lang if lang in MONTHS_SHORT else "en"][local.month - 1]
    if step.unit == "year":
        return str(local.year)
    if step.unit == "month":
        return f"{month} {local.year}" if first or local.month == 1 else month
    if step.unit == "hour" and (local.hour, local.minute) != (0, 0):
        return local.strftime("%H:%M")
    return f"{local.day} {month}" if lang == "es" else f"{month} {local.day}"


def choose_step(start: dt.datetime, end: dt.datetime, zone: str, most: int = 8) -> tuple[Step, list[dt.datetime]]:
    """The finest step with at most ``most`` ticks in [start, end], and its ticks."""
    span = (end - start).total_seconds()
    for step in STEPS:
        if span / step.seconds > most + 2:  # far too many: not worth listing
            continue
        found = instants(start, end, zone, step)
        if len(found) <= most:
            return step, found
    step = STEPS[-1]
    return step, instants(start, end, zone, step)


def time_ticks(start: dt.datetime, end: dt.datetime, zone: str, lang: str = "en", most: int = 8) -> list[Tick]:
    """Ticks on the local clock of ``zone`` between two instants, labelled in ``lang``:
    ``06:00`` (a midnight among hours is written as its date), ``Jun 24`` / ``24 jun``,
    ``Jul 2024`` then ``Sep`` (the year again each January), ``2024``."""
    if end <= start:
        return []
    tz = ZoneInfo(zone)
    step, found = choose_step(start, end, zone, most)
    return [Tick(at, _label(at, tz, step, lang, i == 0)) for i, at in enumerate(found)]


def positions(ticks: Sequence[Tick]) -> list[tuple[float, str]]:
    """(POSIX seconds, label) of each tick: the x values the charts plot."""
    return [(tick.at.timestamp(), tick.label) for tick in ticks]
