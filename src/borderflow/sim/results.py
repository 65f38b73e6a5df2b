"""Simulation results: per lane group, per hour and over the day, plus optional records.

Hourly rows are indexed by hour ``0 .. hours-1``. Fields about vehicles (arrivals, waits,
secondary) count the vehicles that *arrived* in that hour; fields about the port
(served, queue, utilization) describe that *clock* hour. Means are per replication;
percentiles and maxima are over all vehicles of all replications. ``to_json_dict()``
writes the names documented in docs/simulator.md; missing values (no vehicle, no booth)
are ``None`` (``null`` in JSON). A result of a scenario with a clock (a real day) also
carries that clock and each hour as the local clock shows it (``01:00 CDT``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from borderflow.sim.clock import Clock, hour_labels

#: Fields of an hourly or total row, in output order.
PERIOD_FIELDS: tuple[str, ...] = (
    "hour",
    "arrivals",
    "served",
    "in_system_end",
    "wait_mean_minutes",
    "wait_p50_minutes",
    "wait_p95_minutes",
    "wait_max_minutes",
    "wait_mean_ci95_minutes",
    "queue_max_vehicles",
    "queue_max_metres",
    "utilization",
    "secondary_referred",
    "secondary_wait_mean_minutes",
    "secondary_time_mean_minutes",
)


@dataclass(frozen=True)
class PeriodStats:
    """One hour (``hour`` = its index) or the whole horizon (``hour`` = None).

    - arrivals: vehicles arriving, mean per replication.
    - served: primary inspections completed in the clock hour, mean per replication
      (total: completed within the horizon).
    - in_system_end: vehicles waiting or in primary inspection at the end of the clock
      hour (total: at the end of the horizon); arrivals = served + in_system_end, summed.
    - wait_*_minutes: wait from arrival to start of primary; mean over all vehicles,
      p50 / p95 from the streaming histogram (within 3 s below 10 min, 0.5 % above),
      exact max; ci95 is the half-width of the 95 % confidence interval of the mean
      across replications (ratio estimator, Student t), None with one replication.
    - queue_max_vehicles: most vehicles waiting (not in service) at once, max over all
      replications; queue_max_metres: the same as a length, vehicles x spacing /
      booths open.
    - utilization: busy booth-time / open booth-time (a closing booth finishing its
      vehicle counts as open).
    - secondary_*: referrals (mean per replication), their mean wait for a space and
      mean time in secondary (wait + inspection), minutes.
    """

    hour: int | None
    arrivals: float
    served: float
    in_system_end: float
    wait_mean_minutes: float | None
    wait_p50_minutes: float | None
    wait_p95_minutes: float | None
    wait_max_minutes: float | None
    wait_mean_ci95_minutes: float | None
    queue_max_vehicles: int
    queue_max_metres: float
    utilization: float | None
    secondary_referred: float
    secondary_wait_mean_minutes: float | None
    secondary_time_mean_minutes: float | None

    def to_json_dict(self) -> dict[str, Any]:
        return {name: _json_number(value) for name, value in asdict(self).items()}


@dataclass(frozen=True)
class LaneGroupResult:
    id: str
    mode: str
    program: str
    hourly: tuple[PeriodStats, ...]
    total: PeriodStats

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "program": self.program,
            "hourly": [row.to_json_dict() for row in self.hourly],
            "total": self.total.to_json_dict(),
        }


@dataclass(frozen=True)
class EngineInfo:
    """How the run went: vehicles simulated over all replications, wall-clock seconds."""

    vehicles: int
    seconds: float
    replications: int
    workers: int

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "vehicles": self.vehicles,
            "seconds": round(self.seconds, 6),
            "replications": self.replications,
            "workers": self.workers,
        }


@dataclass(frozen=True)
class VehicleRecords:
    """One row per vehicle of every replication, as parallel arrays (sorted by
    replication, then arrival time). Times are seconds from the start of the horizon.

    ``group`` indexes ``group_ids``; ``entry`` indexes the scenario's demand list;
    ``booth`` is the primary booth number. Secondary times are NaN when not referred.
    """

    group_ids: tuple[str, ...]
    replication: np.ndarray  # int32
    group: np.ndarray  # int16
    entry: np.ndarray  # int16
    booth: np.ndarray  # int32
    arrival_seconds: np.ndarray
    start_seconds: np.ndarray
    end_seconds: np.ndarray
    referred: np.ndarray  # bool
    secondary_start_seconds: np.ndarray
    secondary_end_seconds: np.ndarray

    def __len__(self) -> int:
        return int(self.arrival_seconds.shape[0])

    @property
    def wait_seconds(self) -> np.ndarray:
        return self.start_seconds - self.arrival_seconds

    def arrays(self) -> dict[str, np.ndarray]:
        """The columns by name (handy for ``pandas.DataFrame(records.arrays())``)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "group_ids"}


@dataclass(frozen=True)
class SimulationResult:
    scenario: str
    hours: int
    replications: int
    seed: int
    lane_groups: Mapping[str, LaneGroupResult]
    engine: EngineInfo
    records: VehicleRecords | None = None
    #: The scenario's clock (a real day's), which labels the hours; None: hours 00, 01, ...
    clock: Clock | None = None

    @property
    def hour_labels(self) -> tuple[str, ...]:
        """Each hour as shown: the local clock's ``01:00 CDT`` with a clock, else ``01``."""
        return hour_labels(self.clock, self.hours)

    def to_json_dict(self) -> dict[str, Any]:
        """The documented JSON shape (without per-vehicle records). With a clock, ``clock``
        and ``hour_labels`` follow ``seed``; without one the shape is as it always was."""
        # a real day's hours as its local clock shows them (two 01:00 on the day the clocks go back)
        clock = {} if self.clock is None else {"clock": self.clock.to_mapping(),
                                               "hour_labels": list(self.hour_labels)}
        return {
            "scenario": self.scenario,
            "hours": self.hours,
            "replications": self.replications,
            "seed": self.seed,
            **clock,
            "lane_groups": {gid: g.to_json_dict() for gid, g in self.lane_groups.items()},
            "engine": self.engine.to_json_dict(),
        }


def _json_number(value: Any) -> Any:
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(value, 6)
    return value
