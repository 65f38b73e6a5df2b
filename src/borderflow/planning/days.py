"""Representative days: a year of monthly counts turned into four days to simulate.

From a :class:`~borderflow.planning.volumes.PortYear`:

1. **Daily volumes.** For mode M and month m with count V, ``n_wd`` weekdays and
   ``n_we`` weekend days, a weekday carries ``V / (n_wd + f n_we)`` and a weekend day
   ``f`` times that, where ``f`` is the mode's weekend factor. BTS counts are monthly,
   so ``f`` is an assumption (defaults: 1 for people and personal vehicles; 0.5 for
   trucks, which cross mostly on weekdays); the month's total is kept exactly. A month
   without a count takes the mean of the year's counted months (noted in the result).
2. **Peak and quiet month**: the months with the most and the fewest crossings a day
   (all appraised modes together).
3. **Days**: weekday and weekend day of the peak month and of the quiet month.
   (``all_months``: a weekday and a weekend day of every month instead, 24 days, for
   when delay changes steeply with volume and two months are too coarse.)
4. **Weights.** Every month is represented by the peak or the quiet month, whichever
   is nearer in crossings a day; each of its weekdays (weekend days) counts as the
   representative weekday (weekend day) **scaled by its vehicles**: the year's delay of
   mode M is ``sum over months and day types of vehicles(M, month, type) x delay per
   vehicle(M, representative day)``.

The scenario gives each day its hourly shape and lane shares: every demand entry of
mode M is scaled so that the day's total for M is the day's volume (:func:`scale_day`).
The scenario's horizon is the day's open hours (24 for a port open all day, 16 for a
commercial port open 06:00-22:00); it may not exceed 24 hours, with or without a port's
volumes (:func:`check_one_day`): a scenario of several days is refused rather than
counted as one day.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from borderflow.errors import BadInputError
from borderflow.messages import Message
from borderflow.planning.volumes import MEASURE_OF_MODE, PortYear
from borderflow.sim.scenario import Scenario

#: Weekend day volume / weekday volume by mode (assumptions; see the module doc).
DEFAULT_WEEKEND_FACTORS: dict[str, float] = {"passenger": 1.0, "pedestrian": 1.0, "commercial": 0.5}
DAY_TYPES = ("weekday", "weekend")


@dataclass(frozen=True)
class RepresentativeDay:
    id: str
    month: int  # 1..12; 0 when the scenario's own day stands for the year
    day_type: str
    volumes: dict[str, float]  # vehicles (pedestrians) that day by mode

    def to_json_dict(self) -> dict[str, Any]:
        return {"id": self.id, "month": self.month, "day_type": self.day_type,
                "volumes": {m: round(v, 3) for m, v in self.volumes.items()}}


@dataclass(frozen=True)
class YearWeights:
    """For each representative day and mode: the year's vehicles it stands for."""

    days: tuple[RepresentativeDay, ...]
    vehicles: dict[str, dict[str, float]]  # day id -> mode -> vehicles in the year
    notes: tuple[str, ...] = ()


def month_days(year: int, month: int) -> tuple[int, int]:
    """(weekdays, weekend days) in the month."""
    weekdays = weekend = 0
    for week in calendar.monthcalendar(year, month):
        for i, day in enumerate(week):
            if day:
                if i >= 5:
                    weekend += 1
                else:
                    weekdays += 1
    return weekdays, weekend


def representative_days(
    volumes: PortYear,
    modes: tuple[str, ...],
    weekend_factors: Mapping[str, float] | None = None,
    all_months: bool = False,
) -> YearWeights:
    """The four days and their yearly weights (see the module doc); with ``all_months``,
    a weekday and a weekend day of every month (24 days), each standing for its month."""
    unknown = [m for m in (weekend_factors or {}) if m not in DEFAULT_WEEKEND_FACTORS]
    if unknown:
        raise BadInputError(f"weekend factors are per mode (passenger, pedestrian, commercial); got {unknown[0]!r}")
    factors = {**DEFAULT_WEEKEND_FACTORS, **(weekend_factors or {})}
    for mode, f in factors.items():
        if not (0 <= f <= 10):
            raise BadInputError(f"weekend factor of {mode} must be from 0 to 10; got {f}")
    missing = [m for m in modes if m not in volumes.monthly]
    if missing:
        raise BadInputError(
            f"port {volumes.port_code} has no BTS {', '.join(missing)} volumes in {volumes.year}; "
            "appraise scenarios of the modes the port counts", key="appr.port_lacks_modes",
            fields={"port": volumes.port_code, "year": volumes.year,
                    "modes": [Message(m, f"mode.{m}") for m in missing]}
        )
    measures = [MEASURE_OF_MODE[m] for m in modes if m in MEASURE_OF_MODE]
    notes = [n for n in volumes.notes if any(n.startswith(f"{name}:") for name in measures)]
    monthly = {}
    for mode in modes:
        counted = [v for v in volumes.monthly[mode] if v is not None]
        fill = sum(counted) / len(counted)
        if len(counted) < 12:
            notes.append(Message(f"{mode}: months without a count take the year's monthly mean ({fill:,.0f})",
                                 "appr.filled_months", {"mode": Message(mode, f"mode.{mode}"), "fill": fill}))
        monthly[mode] = [fill if v is None else v for v in volumes.monthly[mode]]
    daily: dict[int, dict[str, dict[str, float]]] = {}  # month -> type -> mode -> per day
    for m in range(1, 13):
        n_wd, n_we = month_days(volumes.year, m)
        daily[m] = {"weekday": {}, "weekend": {}}
        for mode in modes:
            f = factors.get(mode, 1.0)
            weekday = monthly[mode][m - 1] / (n_wd + f * n_we)
            daily[m]["weekday"][mode] = weekday
            daily[m]["weekend"][mode] = f * weekday

    def per_day(m: int) -> float:
        n_wd, n_we = month_days(volumes.year, m)
        return sum(monthly[mode][m - 1] for mode in modes) / (n_wd + n_we)

    if all_months:
        reps = {calendar.month_abbr[m].lower(): m for m in range(1, 13)}
    else:
        peak = max(range(1, 13), key=lambda m: (per_day(m), -m))
        quiet = min(range(1, 13), key=lambda m: (per_day(m), m))
        reps = {"peak": peak, "quiet": quiet}
    days = tuple(
        RepresentativeDay(f"{label}_{kind}", month, kind, dict(daily[month][kind]))
        for label, month in reps.items() for kind in DAY_TYPES
    )
    weights: dict[str, dict[str, float]] = {d.id: {mode: 0.0 for mode in modes} for d in days}
    for m in range(1, 13):
        if all_months:
            label = calendar.month_abbr[m].lower()
        elif abs(per_day(m) - per_day(peak)) <= abs(per_day(m) - per_day(quiet)):
            label = "peak"
        else:
            label = "quiet"
        counts = dict(zip(DAY_TYPES, month_days(volumes.year, m), strict=True))
        for kind in DAY_TYPES:
            for mode in modes:
                weights[f"{label}_{kind}"][mode] += counts[kind] * daily[m][kind][mode]
    return YearWeights(days, weights, tuple(notes))


def scenario_day(scenario: Scenario, days_in_year: int = 365) -> YearWeights:
    """Without an archive: the scenario's own day stands for every day of the year."""
    modes = scenario_modes(scenario)
    totals = mode_totals(scenario)
    day = RepresentativeDay("scenario_day", 0, "all", dict(totals))
    return YearWeights(
        (day,), {day.id: {m: totals[m] * days_in_year for m in modes}},
        (Message(f"no port given: the scenario's own day stands for each of {days_in_year} days",
                 "appr.scenario_day", {"days": days_in_year}),),
    )


def check_one_day(scenario: Scenario) -> None:
    """An appraised scenario is one day: at most 24 hours (its open hours). Each simulated
    day stands for whole days of the year, with or without a port's volumes, so a
    scenario of several days would count each of its days as one. Nor may it be a day on
    which the clocks change (its clock says so: 23 or 25 hours), which stands for no
    other day of the year."""
    clock = scenario.clock
    if clock is not None and clock.changes(scenario.hours):
        labels = scenario.hour_labels()
        raise BadInputError(
            f"an appraised scenario stands for ordinary days of the year, but the clocks change within "
            f"{scenario.name!r} ({scenario.hours} hours, {labels[0]} to {labels[-1]}): appraise a scenario whose clock does not "
            "change (calibrate the day before or after the change)")
    if scenario.hours > 24:
        raise BadInputError(
            f"an appraised scenario is one day (at most 24 hours, its open hours), since each simulated day "
            f"stands for days of the year; {scenario.name!r} has {scenario.hours} hours: give a scenario of one day",
            key="appr.one_day", fields={"name": scenario.name, "hours": scenario.hours},
        )


def scenario_modes(scenario: Scenario) -> tuple[str, ...]:
    """Modes with demand in the scenario, in a fixed order."""
    present = {scenario.lane_group(d.to[0]).mode for d in scenario.demand}
    return tuple(m for m in ("passenger", "pedestrian", "commercial") if m in present)


def mode_totals(scenario: Scenario) -> dict[str, float]:
    """Expected arrivals over the horizon by mode."""
    totals: dict[str, float] = {}
    for entry in scenario.demand:
        mode = scenario.lane_group(entry.to[0]).mode
        totals[mode] = totals.get(mode, 0.0) + float(sum(entry.per_hour))
    return totals


def scale_day(scenario: Scenario, day: RepresentativeDay) -> Scenario:
    """The scenario with each mode's demand scaled to the day's volume (shape and lane
    shares kept); modes the day does not list keep their demand."""
    check_one_day(scenario)
    totals = mode_totals(scenario)
    entries = []
    for entry in scenario.demand:
        mode = scenario.lane_group(entry.to[0]).mode
        if mode in day.volumes and totals[mode] > 0:
            k = day.volumes[mode] / totals[mode]
            entry = replace(entry, per_hour=tuple(r * k for r in entry.per_hour))
        entries.append(entry)
    return replace(scenario, demand=tuple(entries), name=f"{scenario.name} [{day.id}]")
