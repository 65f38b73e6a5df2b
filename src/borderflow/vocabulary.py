"""The words of DESIGN.md as types: modes, programs, statuses, directions, observations."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any


class Mode(str, enum.Enum):
    passenger = "passenger"
    commercial = "commercial"
    pedestrian = "pedestrian"


class Program(str, enum.Enum):
    standard = "standard"
    sentri = "sentri"
    ready = "ready"
    fast = "fast"


class Status(str, enum.Enum):
    delay = "delay"
    no_delay = "no_delay"
    closed = "closed"
    not_applicable = "not_applicable"
    update_pending = "update_pending"


class Direction(str, enum.Enum):
    northbound = "northbound"
    southbound = "southbound"


MODES: tuple[str, ...] = tuple(m.value for m in Mode)
PROGRAMS: tuple[str, ...] = tuple(p.value for p in Program)
STATUSES: tuple[str, ...] = tuple(s.value for s in Status)
DIRECTIONS: tuple[str, ...] = tuple(d.value for d in Direction)

#: The lanes CBP reports, as (mode, program) pairs, in CBP's feed order.
CBP_LANES: tuple[tuple[str, str], ...] = (
    ("commercial", "standard"),
    ("commercial", "fast"),
    ("passenger", "standard"),
    ("passenger", "sentri"),
    ("passenger", "ready"),
    ("pedestrian", "standard"),
    ("pedestrian", "ready"),
)

#: The largest wait (minutes) or lane count a reading may carry: nine digits, as in the
#: observations CSV. Anything larger is a broken source, and no database column holds it.
MAX_READING_VALUE = 999_999_999


@dataclass(frozen=True, slots=True)
class Observation:
    """One wait-time reading of one lane at one crossing.

    ``observed_at`` is the source's own update time as an aware datetime in UTC.
    ``wait_minutes`` and ``lanes_open`` are None when the source did not say.
    ``reported_time`` keeps the source's own text for the time when it had one
    (CBP's "At 3:00 pm EDT"), so a served feed can repeat it word for word.
    ``dated_by_feed`` is True when the reading has no time of its own (a lane "Lanes
    Closed" in CBP's feed) and carries the feed's time instead: the same state seen in
    the next poll is then the same reading, not a new one.
    """

    crossing_id: str
    mode: str
    program: str
    observed_at: dt.datetime
    wait_minutes: int | None
    lanes_open: int | None
    status: str | None
    source: str
    direction: str = "northbound"
    reported_time: str | None = None
    dated_by_feed: bool = False

    @property
    def key(self) -> tuple[str, str, str, str, dt.datetime, str]:
        """The identity of a reading: the same key twice is the same reading."""
        return (
            self.crossing_id,
            self.mode,
            self.program,
            self.direction,
            self.observed_at,
            self.source,
        )

    @property
    def values(self) -> tuple[int | None, int | None, str | None]:
        return (self.wait_minutes, self.lanes_open, self.status)

    def __reduce__(self) -> tuple[type[Observation], tuple[Any, ...]]:
        # pickled as its fields in order (twice as fast to load as the default for a
        # frozen dataclass with slots); readings travel between ingest processes
        return (
            Observation,
            (
                self.crossing_id, self.mode, self.program, self.observed_at, self.wait_minutes,
                self.lanes_open, self.status, self.source, self.direction, self.reported_time,
                self.dated_by_feed,
            ),
        )
