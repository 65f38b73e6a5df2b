"""Appraisal: yearly hours of delay by mode, their value, and each alternative's NPV and BCR.

For a base scenario and its alternatives (:mod:`.alternatives`):

1. **Days.** With a port's year of BTS volumes, the four representative days of
   :mod:`.days` (weekday and weekend day of the peak and of the quiet month); without
   one, the scenario's own day for every day of the year (weekend factors and
   ``all_months`` then have nothing to shape and are refused). Every scenario is one
   day, at most 24 hours (:func:`~.days.check_one_day`).
2. **Simulate** every (scenario, day) — each scenario's demand scaled to the day — as
   one sweep (:mod:`.sweep`): ``replications`` each, seed ``task_seed(seed, day)``, the
   same for every scenario on a day, so base and alternatives meet the same arrivals
   wherever their demand is the same (common random numbers).
3. **Delay.** A day's delay of mode M, in vehicle-hours, is the sum over its lane
   groups of arrivals x mean wait for primary inspection (the simulator's ``total``
   row). Per vehicle, it is that over the mode's arrivals. The year's vehicle-hours of
   M are ``sum over days of vehicles the day stands for x delay per vehicle``.
4. **People and value.** Person-hours = vehicle-hours x people per vehicle (personal
   vehicles: the archive's BTS passengers / vehicles for the port and year, or the
   given ``passengers_per_vehicle``; pedestrians: 1). Trucks are valued per truck-hour
   (one driver). Dollars = hours x the :class:`~.values.Valuation` rate.
5. **Against the base.** Change in hours and dollars by mode; the yearly benefit is the
   base's dollars minus the alternative's; with its capital and yearly cost, NPV and BCR
   (:func:`~.values.economics`).

Waiting in secondary inspection and the inspection itself are not counted (a project
that changes them shows in primary waits only through the booths they occupy).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from borderflow.errors import BadInputError
from borderflow.messages import Message
from borderflow.planning.days import (
    RepresentativeDay,
    YearWeights,
    check_one_day,
    representative_days,
    scale_day,
    scenario_day,
    scenario_modes,
)
from borderflow.planning.sweep import SweepTask, run_sweep, task_seed
from borderflow.planning.values import Economics, Valuation, check_cost, economics
from borderflow.planning.volumes import PortYear
from borderflow.sim.results import SimulationResult
from borderflow.sim.scenario import MAX_REPLICATIONS, Scenario

MODES = ("passenger", "pedestrian", "commercial")
DEFAULT_REPLICATIONS = 20
#: Most people per personal vehicle an appraisal accepts (CLI, portfolio, API, page).
MAX_PASSENGERS_PER_VEHICLE = 100


@dataclass(frozen=True)
class Alternative:
    scenario: Scenario
    capital_cost_dollars: float = 0.0
    yearly_cost_dollars: float = 0.0


@dataclass(frozen=True)
class AppraisalOptions:
    replications: int = DEFAULT_REPLICATIONS
    seed: int = 0
    valuation: Valuation = field(default_factory=Valuation)
    passengers_per_vehicle: float | None = None
    weekend_factors: dict[str, float] | None = None
    all_months: bool = False
    scheduler: Any = None
    workers: int | None = None


@dataclass(frozen=True)
class ModeDelay:
    """A mode's delay over the year (and per vehicle on each representative day)."""

    mode: str
    vehicles: float
    vehicle_hours: float
    people_per_vehicle: float
    hours: float  # person-hours (truck-hours for commercial)
    unit: str
    dollars: float
    minutes_per_vehicle_by_day: dict[str, float]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "vehicles": round(self.vehicles, 1),
            "vehicle_hours": round(self.vehicle_hours, 3),
            "people_per_vehicle": round(self.people_per_vehicle, 6),
            "hours": round(self.hours, 3),
            "unit": self.unit,
            "dollars": round(self.dollars, 2),
            "wait_minutes_per_vehicle_by_day": {
                d: round(v, 6) for d, v in self.minutes_per_vehicle_by_day.items()
            },
        }


@dataclass(frozen=True)
class ScenarioAppraisal:
    label: str
    name: str
    by_mode: dict[str, ModeDelay]
    change_hours: dict[str, float] | None = None  # alternative - base, by mode
    change_dollars: dict[str, float] | None = None
    economics: Economics | None = None

    @property
    def dollars(self) -> float:
        return sum(m.dollars for m in self.by_mode.values())

    def to_json_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "yearly": {m: d.to_json_dict() for m, d in self.by_mode.items()},
            "yearly_dollars": round(self.dollars, 2),
        }
        if self.change_hours is not None and self.change_dollars is not None:
            out["change_vs_base"] = {
                m: {"hours": round(self.change_hours[m], 3), "dollars": round(self.change_dollars[m], 2)}
                for m in self.change_hours
            }
        if self.economics is not None:
            out["economics"] = self.economics.to_json_dict()
        return out


@dataclass(frozen=True)
class AppraisalResult:
    port_code: str | None
    year: int | None
    days: tuple[RepresentativeDay, ...]
    weights: dict[str, dict[str, float]]
    people_per_vehicle: dict[str, float]
    base: ScenarioAppraisal
    alternatives: tuple[ScenarioAppraisal, ...]
    valuation: Valuation
    replications: int
    seed: int
    notes: tuple[str, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "port_code": self.port_code,
            "year": self.year,
            "replications": self.replications,
            "seed": self.seed,
            "days": [
                {**d.to_json_dict(), "vehicles_represented": {m: round(v, 1) for m, v in self.weights[d.id].items()}}
                for d in self.days
            ],
            "people_per_vehicle": self.people_per_vehicle,
            "valuation": self.valuation.to_json_dict(),
            "base": self.base.to_json_dict(),
            "alternatives": [a.to_json_dict() for a in self.alternatives],
            "notes": list(self.notes),
        }


def appraise(
    base: Scenario,
    alternatives: Sequence[Alternative],
    volumes: PortYear | None = None,
    options: AppraisalOptions | None = None,
) -> AppraisalResult:
    """Appraise ``alternatives`` against ``base`` (see the module doc)."""
    options = options or AppraisalOptions()
    _check(base, alternatives, options)
    modes = scenario_modes(base)
    for alt in alternatives:
        theirs = set(scenario_modes(alt.scenario))
        extra, missing = theirs - set(modes), set(modes) - theirs
        if extra or missing:
            odd = sorted(extra or missing)
            what = (f"has {', '.join(odd)} demand that the base lacks" if extra else
                    f"has no {', '.join(odd)} demand that the base has (its delay would count as saved)")
            raise BadInputError(f"{alt.scenario.name!r} {what}; a base and its alternatives serve the same "
                                "modes: keep every mode's lanes and demand in each alternative",
                                key="appr.alt_extra_modes" if extra else "appr.alt_missing_modes",
                                fields={"name": alt.scenario.name, "modes": [Message(m, f"mode.{m}") for m in odd]})
    if volumes is not None:
        weights = representative_days(volumes, modes, options.weekend_factors, options.all_months)
    elif options.weekend_factors or options.all_months:
        raise BadInputError(
            "weekend factors and all months shape the days built from a port's BTS monthly volumes; without a "
            "port the scenario's own day stands for every day of the year: give a port or leave them out",
            key="appr.days_need_port")
    else:
        weights = scenario_day(base)
    people = _people_per_vehicle(modes, volumes, options)
    scenarios = [("base", base)] + [(f"alternative_{i + 1}", a.scenario) for i, a in enumerate(alternatives)]
    tasks = []
    for d, day in enumerate(weights.days):
        seed = task_seed(options.seed, d)
        for label, scenario in scenarios:
            shaped = scale_day(scenario, day) if volumes is not None else scenario
            tasks.append(SweepTask((label, day.id), shaped, options.replications, seed))
    results = run_sweep(tasks, scheduler=options.scheduler, workers=options.workers)
    appraised = [
        _scenario_appraisal(label, scenario, results, weights, people, options.valuation)
        for label, scenario in scenarios
    ]
    base_result = appraised[0]
    alts = []
    for alt, found in zip(alternatives, appraised[1:], strict=True):
        change_hours = {m: found.by_mode[m].hours - base_result.by_mode[m].hours for m in modes}
        change_dollars = {m: found.by_mode[m].dollars - base_result.by_mode[m].dollars for m in modes}
        money = economics(
            base_result.dollars - found.dollars, alt.capital_cost_dollars, alt.yearly_cost_dollars,
            options.valuation,
        )
        alts.append(ScenarioAppraisal(found.label, found.name, found.by_mode, change_hours,
                                      change_dollars, money))
    return AppraisalResult(
        port_code=None if volumes is None else volumes.port_code,
        year=None if volumes is None else volumes.year,
        days=weights.days,
        weights=weights.vehicles,
        people_per_vehicle=people,
        base=base_result,
        alternatives=tuple(alts),
        valuation=options.valuation,
        replications=options.replications,
        seed=options.seed,
        notes=weights.notes,
    )


def day_delay_vehicle_hours(result: SimulationResult, scenario: Scenario) -> dict[str, tuple[float, float]]:
    """(arrivals, vehicle-hours of primary wait) by mode for one simulated day."""
    out: dict[str, tuple[float, float]] = {}
    for group in scenario.lane_groups:
        total = result.lane_groups[group.id].total
        wait = (total.wait_mean_minutes or 0.0) * total.arrivals / 60.0
        arrivals, hours = out.get(group.mode, (0.0, 0.0))
        out[group.mode] = (arrivals + total.arrivals, hours + wait)
    return out


def _scenario_appraisal(
    label: str,
    scenario: Scenario,
    results: dict[Hashable, SimulationResult],
    weights: YearWeights,
    people: dict[str, float],
    valuation: Valuation,
) -> ScenarioAppraisal:
    by_mode = {}
    modes = list(next(iter(weights.vehicles.values())))
    per_vehicle: dict[str, dict[str, float]] = {m: {} for m in modes}
    for day in weights.days:
        delays = day_delay_vehicle_hours(results[(label, day.id)], scenario)
        for mode in modes:
            arrivals, hours = delays.get(mode, (0.0, 0.0))
            per_vehicle[mode][day.id] = hours / arrivals if arrivals > 0 else 0.0
    for mode in modes:
        vehicles = sum(weights.vehicles[d.id][mode] for d in weights.days)
        vehicle_hours = sum(weights.vehicles[d.id][mode] * per_vehicle[mode][d.id] for d in weights.days)
        hours = vehicle_hours * people[mode]
        by_mode[mode] = ModeDelay(
            mode=mode,
            vehicles=vehicles,
            vehicle_hours=vehicle_hours,
            people_per_vehicle=people[mode],
            hours=hours,
            unit="truck-hours" if mode == "commercial" else "person-hours",
            dollars=hours * valuation.dollars_per_hour(mode),
            minutes_per_vehicle_by_day={d: v * 60.0 for d, v in per_vehicle[mode].items()},
        )
    return ScenarioAppraisal(label, scenario.name, by_mode)


def _people_per_vehicle(
    modes: Sequence[str], volumes: PortYear | None, options: AppraisalOptions
) -> dict[str, float]:
    out = {}
    for mode in modes:
        if mode == "passenger":
            value = options.passengers_per_vehicle
            if value is None and volumes is not None:
                value = volumes.passengers_per_vehicle
            if value is None:
                raise BadInputError(
                    "people per personal vehicle is unknown: give a port whose BTS counts include "
                    "Personal Vehicle Passengers, or --passengers-per-vehicle", key="appr.people_unknown"
                )
            out[mode] = float(value)
        else:
            out[mode] = 1.0  # a pedestrian; a truck is valued per truck-hour
    return out


def _check(base: Scenario, alternatives: Sequence[Alternative], options: AppraisalOptions) -> None:
    problems: list[str] = []
    if not alternatives:
        problems.append("give at least one alternative to compare with the base")
    r = options.replications
    if isinstance(r, bool) or not isinstance(r, int) or not 1 <= r <= MAX_REPLICATIONS:
        problems.append(f"replications must be a whole number from 1 to {MAX_REPLICATIONS}; got {r!r}")
    if isinstance(options.seed, bool) or not isinstance(options.seed, int) or options.seed < 0:
        problems.append(f"seed must be a whole number >= 0; got {options.seed!r}")
    p = options.passengers_per_vehicle
    if p is not None and not (isinstance(p, (int, float)) and 0 < p <= MAX_PASSENGERS_PER_VEHICLE):
        problems.append(Message(f"people per vehicle must be a number > 0 and at most {MAX_PASSENGERS_PER_VEHICLE}; "
                                f"got {p!r}", "appr.people", {"got": p, "most": MAX_PASSENGERS_PER_VEHICLE}))
    if problems:
        raise BadInputError("; ".join(problems), key="problems", fields={"problems": problems})
    options.valuation.check()
    for scenario in (base, *(alt.scenario for alt in alternatives)):
        check_one_day(scenario)
    for i, alt in enumerate(alternatives):
        check_cost(alt.capital_cost_dollars, f"the capital cost of alternative {i + 1}")
        check_cost(alt.yearly_cost_dollars, f"the yearly cost of alternative {i + 1}")
