"""How a simulation run's hours are shown on its pages: row labels, chart ticks, a sentence.

A run's hours are elapsed hours (hour ``h`` begins ``h`` hours after hour 0). A run of a
scenario without a clock shows them by number, as it always has: ``00`` to ``47`` for
runs of up to 48 hours (two days), ``0``, ``1``, ... for longer ones. A run of a scenario
with a clock (its results JSON carries ``clock`` and ``hour_labels``, see
docs/simulator.md) shows each hour as the local clock showed its start: rows and bar
titles ``01:00 CDT``, then ``01:00 CST`` on the day the clocks go back; its charts' time
axes tick on the local clock (:mod:`borderflow.web.time_axis`: ``03:00``, a midnight as
its date in the page's language); and a sentence names the zone and, on a day the
clocks change, the hour that comes twice or is skipped.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from borderflow.sim.clock import HOUR, Clock
from borderflow.web import time_axis
from borderflow.web.i18n import Translator

#: Runs up to this many hours number their hours ``00``, ``01``, ... (two digits).
TWO_DIGIT_HOURS = 48


@dataclass(frozen=True)
class RunHours:
    """The ``hours`` hours of a run (or of two compared runs) as its pages show them."""

    hours: int
    clock: Clock | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        """Row labels: the local clock's ``01:00 CDT`` with a clock; else ``00``, ``01``, ...
        (``0``, ``1``, ... past :data:`TWO_DIGIT_HOURS`)."""
        if self.clock is not None:
            return self.clock.labels(self.hours)
        return tuple(f"{h:02d}" if self.hours <= TWO_DIGIT_HOURS else str(h) for h in range(self.hours))

    def ticks(self, lang: str) -> list[tuple[float, str]]:
        """(elapsed hour, label) ticks of a chart's x axis: about a dozen hour numbers
        (``00`` .. ``23``, then ``00`` again, within two days); with a clock, whole hours and
        midnights of the local clock, labelled in ``lang``."""
        if self.clock is None:
            step = max(1, math.ceil(self.hours / 12))
            return [(h, f"{h % 24:02d}" if self.hours <= TWO_DIGIT_HOURS else str(h))
                    for h in range(0, self.hours, step)]
        first = self.clock.local(0).astimezone(dt.UTC)
        ticks = time_axis.time_ticks(first, first + (self.hours - 1) * HOUR, self.clock.timezone, lang)
        if not ticks:  # a run of one hour: its own hour
            return [(0.0, f"{self.clock.local(0):%H:%M}")]
        return [((tick.at - first) / HOUR, tick.label) for tick in ticks]

    def sentence(self, t: Translator) -> str | None:
        """With a clock: its zone and first and last hour, then, when the clocks change
        within the hours, which comes twice or is skipped. None without a clock."""
        clock = self.clock
        if clock is None:
            return None
        labels = self.labels
        parts = [t("run.clock", zone=clock.timezone, first=labels[0], last=labels[-1], hours=self.hours)]
        if clock.changes(self.hours):
            twice = clock.repeated(self.hours)
            if twice:
                parts.append(t("run.clock_back", clock=f"{clock.local(twice[0]):%H:%M}", first=labels[twice[0]],
                               second=labels[twice[1]]))
            skipped = clock.skipped(self.hours)
            if skipped:
                parts.append(t("run.clock_forward", clock=", ".join(f"{w:%H:%M}" for w in skipped)))
        return " ".join(parts)


def clock_of(results: Mapping[str, Any]) -> Clock | None:
    """The clock a results JSON carries (docs/simulator.md), or None."""
    raw = results.get("clock")
    if not isinstance(raw, Mapping):
        return None
    return Clock(dt.datetime.fromisoformat(str(raw["start"])), str(raw["timezone"]))


def run_hours(results: Mapping[str, Any]) -> RunHours:
    """The hours of one run, from its results JSON."""
    return RunHours(int(results["hours"]), clock_of(results))


def compared_hours(results_a: Mapping[str, Any], results_b: Mapping[str, Any], hours: int) -> RunHours:
    """The ``hours`` rows of a comparison: by the clock when both runs have the same one,
    by number otherwise (two clocks would put one row at two times)."""
    clock_a, clock_b = clock_of(results_a), clock_of(results_b)
    return RunHours(hours, clock_a if clock_a is not None and clock_a == clock_b else None)
