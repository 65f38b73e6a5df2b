"""A scenario's clock: where its elapsed hours fall on a local wall clock.

The simulator counts hours from 0, each exactly an hour long; it has no calendar. A
scenario of a real day may say where that day lies (``clock``: the instant hour 0 begins
and the IANA time zone of the place), so its hours can be labelled as the local clock
shows them. That matters on the two days a year the clocks change: the day the clocks
go back has 25 hours and shows 01:00 twice (``01:00 CDT``, then ``01:00 CST``), the day
they go forward has 23 and no 02:00. Hour ``h`` of the scenario is always the hour that
starts ``h`` hours after hour 0, whatever the clock says.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Clock:
    """Hour 0 begins at ``start`` (aware); local times are those of ``timezone``."""

    start: dt.datetime
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, hour: int) -> dt.datetime:
        """When hour ``hour`` begins, on the local clock (with its UTC offset)."""
        # in UTC: adding to a time of a zone would add to its wall clock, across a change
        return (self.start.astimezone(dt.UTC) + hour * HOUR).astimezone(self.zone)

    def labels(self, hours: int) -> tuple[str, ...]:
        """Each hour as the local clock shows its start: ``01:00 CDT``; with the date
        (``2026-11-02 01:00 CST``) when the hours span more than one local date. A zone
        without a lettered abbreviation is shown with its offset (``01:00 UTC-05:00``)."""
        starts = [self.local(h) for h in range(hours)]
        dated = len({s.date() for s in starts}) > 1
        return tuple(f"{s:%Y-%m-%d }" * dated + f"{s:%H:%M} {_zone_name(s)}" for s in starts)

    def changes(self, hours: int) -> bool:
        """Whether the clocks change within the ``hours`` hours (the UTC offset differs)."""
        return len({self.local(h).utcoffset() for h in range(hours)}) > 1

    def repeated(self, hours: int) -> tuple[int, ...]:
        """The hours (0-based, in order) whose clock hour another of the ``hours`` hours
        shows too: ``(1, 2)`` for 01:00 CDT and 01:00 CST on the day the clocks go back."""
        shown = [self.local(h).replace(tzinfo=None, fold=0) for h in range(hours)]
        counts = Counter(shown)  # not list.count: a year-long run page asks too
        return tuple(h for h in range(hours) if counts[shown[h]] > 1)

    def skipped(self, hours: int) -> tuple[dt.datetime, ...]:
        """The local clock hours the ``hours`` hours pass over without showing them (02:00
        on the day the clocks go forward), as naive local times."""
        first = self.local(0).replace(tzinfo=None, fold=0)
        last = self.local(hours - 1).replace(tzinfo=None, fold=0)
        shown = {self.local(h).replace(tzinfo=None, fold=0) for h in range(hours)}
        wall = [first + k * HOUR for k in range(int((last - first) / HOUR) + 1)]
        return tuple(w for w in wall if w not in shown)

    def to_mapping(self) -> dict[str, Any]:
        """As a scenario file writes it."""
        return {"start": self.start.isoformat(), "timezone": self.timezone}


def hour_labels(clock: Clock | None, hours: int) -> tuple[str, ...]:
    """Each of ``hours`` hours as shown: the local clock's ``01:00 CDT`` with a clock,
    else ``01``."""
    if clock is not None:
        return clock.labels(hours)
    return tuple(f"{h:02d}" for h in range(hours))


def _zone_name(local: dt.datetime) -> str:
    name = local.tzname() or ""
    if name.isalpha():
        return name
    offset = local.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def parse_clock(raw: Any, path: str, problems: list[Any]) -> Clock | None:
    """The ``clock`` of a scenario mapping (``{start, timezone}``), or None with the
    problems appended. ``start`` is ISO 8601 with a UTC offset (YAML may have read it as
    a timestamp already); ``timezone`` an IANA name such as ``America/Chicago``."""
    if not isinstance(raw, Mapping) or set(raw) != {"start", "timezone"}:
        problems.append(f"{path} must be a mapping with start (ISO 8601 with a UTC offset, e.g. "
                        f"2026-11-01T00:00:00-05:00) and timezone (e.g. America/Chicago); got {_shown(raw)}")
        return None
    start, zone = raw["start"], raw["timezone"]
    if isinstance(start, str):
        try:
            start = dt.datetime.fromisoformat(start)
        except ValueError:
            pass
    ok = True
    if (not isinstance(start, dt.datetime) or start.utcoffset() is None
            or not 1900 <= start.year <= 2199):
        problems.append(f"{path}.start must be a time with a UTC offset in the years 1900-2199, e.g. "
                        f"2026-11-01T00:00:00-05:00; got {_shown(raw['start'])}")
        ok = False
    try:
        if not isinstance(zone, str) or not zone:
            raise ValueError
        ZoneInfo(zone)
    except (ValueError, OSError, ZoneInfoNotFoundError):
        problems.append(f"{path}.timezone must be an IANA time zone such as America/Chicago; got {_shown(zone)}")
        ok = False
    if not ok:
        return None
    assert isinstance(start, dt.datetime) and isinstance(zone, str)
    return Clock(start, zone)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
