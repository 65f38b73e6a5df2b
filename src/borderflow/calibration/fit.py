"""Fit a one-lane scenario to observed hourly waits: service time and demand per hour.

The input is a *representative day* of one lane (see :class:`DayTarget`): the observed
mean wait in each local hour 0-23 and the booths open in it. The output is a 24-hour
scenario (one lane group, one Poisson demand stream) whose simulated mean wait per
arrival hour follows the observed one, and the mean absolute error (MAE, minutes) of
that fit.

The rule (documented in ``docs/calibration.md``):

1. **Service time.** Exponential with mean ``s`` seconds (lognormal when a ``cv`` is
   given). ``s`` is taken from a small grid around a prior for the mode
   (:data:`SERVICE_PRIOR_SECONDS`).
2. **Demand per hour, for a given ``s``**, hour by hour in time order (the queue left at
   the end of one hour is the start of the next, so an hour can only be fitted once the
   hours before it are fixed): the rate ``per_hour[h]`` is found by bisection so that
   the simulated mean wait of the vehicles arriving in hour ``h`` matches the observed
   one, simulating hours ``0 .. h`` with the rates already fixed. The day starts with an
   empty queue. Details: a lane with no booth open gets no demand; an hour without an
   observed wait keeps the previous hour's rate; an observed wait of 0 is fitted as
   :data:`ZERO_WAIT_TARGET_MINUTES` (a reported 0 means "under a minute", and is
   consistent with any light load — aiming at 0 would empty the hour); the rate is
   bounded by :data:`MAX_LOAD` times the booths' capacity. The wait each hour aims at is
   the observed one smoothed over ``smooth_hours`` (default 3: the hour and its two
   neighbours, the mean of those observed, within the day); an hour without an
   observation stays without one. A representative day of a few days is noisy, and
   chasing each hour exactly makes the demand zig-zag (an hour after an over-full one
   inherits a queue and gets almost none). The MAE is always against the unsmoothed
   observed waits.
3. **Choosing ``s``.** With a daily demand target (from monthly volumes), the ``s``
   whose fitted rates add up closest to the target (in ratio); otherwise the ``s`` with
   the smallest MAE, ties (within :data:`MAE_TIE_MINUTES`) going to the one nearest the
   prior.

Every simulation of the fit uses the same seed, so candidates see common random numbers
(the same exponential spacings and service draws, mapped through different rates and
scaled by different means), which makes the bisection and the comparison of ``s``
values steady with few replications.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from borderflow.errors import BadInputError
from borderflow.sim.run import simulate
from borderflow.sim.scenario import load_scenario

HOURS = 24
#: Typical primary-inspection time in seconds per mode: the centre of the grid (an
#: assumption, about the figures used in the example scenarios).
SERVICE_PRIOR_SECONDS: dict[str, float] = {"passenger": 60.0, "pedestrian": 40.0, "commercial": 150.0}
#: Grid of service means, as multiples of the prior.
SERVICE_GRID_FACTORS: tuple[float, ...] = (0.5, 0.75, 1.0, 1.5, 2.0)
#: Target for an hour whose observed wait is 0 (see module docstring), minutes.
ZERO_WAIT_TARGET_MINUTES = 0.5
#: Highest demand tried, as a multiple of the booths' capacity (booths x 3600 / s).
MAX_LOAD = 3.0
BISECTION_STEPS = 12
#: MAE differences below this are ties when choosing ``s`` without volumes, minutes.
MAE_TIE_MINUTES = 0.25
GROUP_ID = "lane"


@dataclass(frozen=True)
class DayTarget:
    """One lane's representative day in local hours 0-23.

    ``wait_minutes[h]``: observed mean wait (NaN where no reading); ``booths[h]``: booths
    open (whole numbers >= 0).
    """

    mode: str
    program: str
    wait_minutes: tuple[float, ...]
    booths: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.wait_minutes) != HOURS or len(self.booths) != HOURS:
            raise BadInputError(
                f"a day target needs 24 waits and 24 booth counts; got {len(self.wait_minutes)} "
                f"and {len(self.booths)}"
            )
        if any(b < 0 for b in self.booths):
            raise BadInputError(f"booths must be whole numbers >= 0; got {list(self.booths)}")
        if all(math.isnan(w) for w in self.wait_minutes):
            raise BadInputError("no hour of the day has an observed wait; widen the window")


@dataclass(frozen=True)
class FitOptions:
    """How hard to work. ``service_cv`` None = exponential service (cv 1)."""

    service_grid_seconds: tuple[float, ...] | None = None
    service_cv: float | None = None
    daily_demand_target: float | None = None
    replications: int = 8
    final_replications: int = 40
    seed: int = 0
    #: Hours of the centred moving mean the demand is fitted to (1 = the observed waits as
    #: they are); odd. Chosen on held-out days (docs/calibration.md).
    smooth_hours: int = 3


@dataclass(frozen=True)
class Candidate:
    """One service mean tried: its fitted rates, simulated waits and MAE (minutes)."""

    service_mean_seconds: float
    per_hour: tuple[float, ...]
    simulated_wait_minutes: tuple[float, ...]
    mae_minutes: float

    @property
    def daily_demand(self) -> float:
        return float(sum(self.per_hour))


@dataclass(frozen=True)
class DayFit:
    """The chosen fit, the reference it is compared with, and every candidate tried.

    ``simulated_wait_minutes`` and ``mae_minutes`` come from a final run with
    ``final_replications`` (not the fitting runs). ``naive_*``: a constant demand over
    the open hours with the same booths and service, its rate set so the simulated
    mean wait over the day matches the observed one.
    """

    target: DayTarget
    service_mean_seconds: float
    service_cv: float
    per_hour: tuple[float, ...]
    simulated_wait_minutes: tuple[float, ...]
    mae_minutes: float
    naive_per_hour: tuple[float, ...]
    naive_wait_minutes: tuple[float, ...]
    naive_mae_minutes: float
    chosen_by: str
    candidates: tuple[Candidate, ...] = field(default=())

    @property
    def daily_demand(self) -> float:
        return float(sum(self.per_hour))


def scenario_dict(
    name: str,
    mode: str,
    program: str,
    booths: Sequence[int],
    service_mean_seconds: float,
    service_cv: float | None,
    per_hour: Sequence[float],
    seed: int = 0,
    replications: int = 40,
    description: str = "",
) -> dict[str, Any]:
    """A scenario mapping (the format of docs/simulator.md) for one lane, ``len(booths)`` hours."""
    service: dict[str, Any] = {"dist": "exponential", "mean_seconds": round(float(service_mean_seconds), 3)}
    if service_cv is not None:
        service = {"dist": "lognormal", "mean_seconds": service["mean_seconds"], "cv": float(service_cv)}
    return {
        "name": name,
        "description": description,
        "hours": len(booths),
        "seed": int(seed),
        "replications": int(replications),
        "lane_groups": {
            GROUP_ID: {"mode": mode, "program": program, "booths": [int(b) for b in booths], "service": service}
        },
        "demand": [{"to": GROUP_ID, "per_hour": [round(float(r), 3) for r in per_hour]}],
    }


def simulated_waits(
    mode: str,
    program: str,
    booths: Sequence[int],
    service_mean_seconds: float,
    service_cv: float | None,
    per_hour: Sequence[float],
    replications: int,
    seed: int,
) -> np.ndarray:
    """Mean wait (minutes) of the vehicles arriving in each hour, NaN where none arrived."""
    data = scenario_dict("fit", mode, program, booths, service_mean_seconds, service_cv, per_hour,
                         seed, replications)
    result = simulate(load_scenario(data), workers=1)
    rows = result.lane_groups[GROUP_ID].hourly
    return np.array([math.nan if r.wait_mean_minutes is None else r.wait_mean_minutes for r in rows])


def mean_absolute_error(observed: Sequence[float] | np.ndarray, simulated: Sequence[float] | np.ndarray) -> float:
    """Mean of |observed - simulated| over hours where both are known (a simulated NaN —
    nobody arrived — counts as a wait of 0); NaN when no hour is observed."""
    obs = np.asarray(observed, dtype=np.float64)
    sim = np.nan_to_num(np.asarray(simulated, dtype=np.float64), nan=0.0)
    known = ~np.isnan(obs)
    return float(np.mean(np.abs(obs[known] - sim[known]))) if known.any() else math.nan


def smoothed(waits: Sequence[float], hours: int) -> tuple[float, ...]:
    """Centred moving mean over ``hours`` hours of the observed ones (NaN stays NaN)."""
    if hours < 1 or hours % 2 == 0:
        raise BadInputError(f"smooth_hours must be an odd whole number >= 1; got {hours}")
    values = np.asarray(waits, dtype=np.float64)
    half = hours // 2
    out = values.copy()
    for h in range(len(values)):
        if math.isnan(values[h]):
            continue
        window = values[max(0, h - half): h + half + 1]
        out[h] = float(np.nanmean(window))
    return tuple(out.tolist())


def fit_rates(target: DayTarget, service_mean_seconds: float, options: FitOptions) -> tuple[float, ...]:
    """Demand per hour for one service mean, hour by hour (rule 2 of the module docstring)."""
    rates = [0.0] * HOURS
    previous = 0.0
    aims = smoothed(target.wait_minutes, options.smooth_hours)
    for h in range(HOURS):
        booths = target.booths[h]
        observed = aims[h]
        if booths == 0:
            rates[h] = 0.0
            continue
        if math.isnan(observed):
            rates[h] = previous
            continue
        goal = observed if observed > 0 else ZERO_WAIT_TARGET_MINUTES

        def wait_at(rate: float, h: int = h) -> float:
            trial = rates[: h + 1]
            trial[h] = rate
            waits = simulated_waits(target.mode, target.program, target.booths[: h + 1],
                                    service_mean_seconds, options.service_cv, trial,
                                    options.replications, options.seed)
            return 0.0 if math.isnan(waits[h]) else float(waits[h])

        low, high = 0.0, MAX_LOAD * booths * 3600.0 / service_mean_seconds
        if wait_at(high) <= goal:
            rates[h] = high
        else:
            for _ in range(BISECTION_STEPS):
                middle = 0.5 * (low + high)
                if wait_at(middle) < goal:
                    low = middle
                else:
                    high = middle
            rates[h] = 0.5 * (low + high)
        previous = rates[h]
    return tuple(rates)


def service_grid(mode: str, options: FitOptions) -> tuple[float, ...]:
    if options.service_grid_seconds:
        return tuple(float(s) for s in options.service_grid_seconds)
    prior = SERVICE_PRIOR_SECONDS.get(mode, 60.0)
    return tuple(prior * f for f in SERVICE_GRID_FACTORS)


def fit_day(target: DayTarget, options: FitOptions | None = None) -> DayFit:
    """Fit service mean and hourly demand to ``target`` (module docstring), then score it."""
    options = options or FitOptions()
    if options.service_cv is not None and options.service_cv <= 0:
        raise BadInputError(f"service cv must be > 0; got {options.service_cv}")
    candidates = []
    for service in service_grid(target.mode, options):
        rates = fit_rates(target, service, options)
        waits = simulated_waits(target.mode, target.program, target.booths, service, options.service_cv,
                                rates, options.replications, options.seed)
        candidates.append(Candidate(service, rates, tuple(waits.tolist()),
                                    mean_absolute_error(target.wait_minutes, waits)))
    best, chosen_by = _choose(candidates, target.mode, options)
    final = simulated_waits(target.mode, target.program, target.booths, best.service_mean_seconds,
                            options.service_cv, best.per_hour, options.final_replications, options.seed)
    naive_rates = fit_constant_rates(target, best.service_mean_seconds, options)
    naive = simulated_waits(target.mode, target.program, target.booths, best.service_mean_seconds,
                            options.service_cv, naive_rates, options.final_replications, options.seed)
    return DayFit(
        target=target,
        service_mean_seconds=best.service_mean_seconds,
        service_cv=1.0 if options.service_cv is None else options.service_cv,
        per_hour=best.per_hour,
        simulated_wait_minutes=tuple(final.tolist()),
        mae_minutes=mean_absolute_error(target.wait_minutes, final),
        naive_per_hour=naive_rates,
        naive_wait_minutes=tuple(naive.tolist()),
        naive_mae_minutes=mean_absolute_error(target.wait_minutes, naive),
        chosen_by=chosen_by,
        candidates=tuple(candidates),
    )


def _choose(candidates: list[Candidate], mode: str, options: FitOptions) -> tuple[Candidate, str]:
    if options.daily_demand_target and options.daily_demand_target > 0:
        goal = options.daily_demand_target
        best = min(candidates, key=lambda c: abs(math.log(max(c.daily_demand, 1e-9) / goal)))
        return best, "daily demand from monthly volumes"
    lowest = min(c.mae_minutes for c in candidates)
    prior = SERVICE_PRIOR_SECONDS.get(mode, 60.0)
    near = [c for c in candidates if c.mae_minutes <= lowest + MAE_TIE_MINUTES]
    best = min(near, key=lambda c: abs(math.log(c.service_mean_seconds / prior)))
    return best, "smallest MAE (ties to the prior)"


def fit_constant_rates(target: DayTarget, service_mean_seconds: float,
                       options: FitOptions) -> tuple[float, ...]:
    """The naive reference: one rate for every hour with a booth open, set by bisection
    so the simulated mean over the observed hours equals the observed mean."""
    observed = np.array(target.wait_minutes)
    known = ~np.isnan(observed)
    goal = float(observed[known].mean())
    open_hours = [b > 0 for b in target.booths]

    def rates_of(rate: float) -> list[float]:
        return [rate if is_open else 0.0 for is_open in open_hours]

    def day_mean(rate: float) -> float:
        waits = simulated_waits(target.mode, target.program, target.booths, service_mean_seconds,
                                options.service_cv, rates_of(rate), options.replications, options.seed)
        return float(np.nan_to_num(waits[known], nan=0.0).mean())

    low, high = 0.0, MAX_LOAD * max(target.booths) * 3600.0 / service_mean_seconds
    for _ in range(BISECTION_STEPS):
        middle = 0.5 * (low + high)
        if day_mean(middle) < goal:
            low = middle
        else:
            high = middle
    return tuple(rates_of(0.5 * (low + high)))
