"""Fit a one-lane scenario to observed hourly waits: service time and demand per hour.

The input is a *representative day* of one lane (see :class:`DayTarget`): the observed
mean wait in each hour of the day and the booths open in it — local hours 0-23, or the
23 or 25 elapsed hours of a day on which the clocks change. The output is a scenario of
as many hours (one lane group, one Poisson demand stream) whose simulated mean wait per
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
   one, simulating the whole day with the rates of hours ``0 .. h-1`` already fixed and
   no demand after ``h``. The whole day, with its real booths, because a queue left at
   the end of hour ``h`` is served by the booths of the hours after it (fewer, or none,
   when booths close); and no demand after ``h`` loses nothing, since a vehicle's wait
   (first come, first served) depends only on the vehicles before it and the booths.
   The day starts with an
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

Every simulation of the fit uses the same seed (:func:`fitting_seed`, drawn from the
scenario's seed), so candidates see common random numbers (the same exponential
spacings and service draws, mapped through different rates and scaled by different
means), which makes the bisection and the comparison of ``s`` values steady with few
replications. The waits and MAEs reported are not those of the fitting runs, which the
demand was tuned on: they come from simulating the fitted scenario as it is written
(its seed, ``final_replications``), whose random numbers are independent of the fit's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from borderflow.errors import BadInputError
from borderflow.sim.clock import Clock
from borderflow.sim.run import simulate
from borderflow.sim.scenario import MAX_BOOTHS, MAX_CV, MAX_RATE_PER_HOUR, load_scenario

#: Hours of a plain day (a representative day has them; a day the clocks change has 23 or 25).
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
    """One lane's day, hour by hour: local hours 0-23 of a plain day, or the elapsed hours
    of a day on which the clocks change (23 or 25; hour ``h`` starts ``h`` hours after
    midnight).

    ``wait_minutes[h]``: observed mean wait (NaN where no reading); ``booths[h]``: booths
    open (whole numbers >= 0).
    """

    mode: str
    program: str
    wait_minutes: tuple[float, ...]
    booths: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.wait_minutes or len(self.wait_minutes) != len(self.booths):
            raise BadInputError(
                f"a day target needs a wait and a booth count for each hour of the day ({HOURS} on a plain day); "
                f"got {len(self.wait_minutes)} waits and {len(self.booths)} booth counts"
            )
        if any(b < 0 for b in self.booths):
            raise BadInputError(f"booths must be whole numbers >= 0; got {list(self.booths)}")
        if max(self.booths) > MAX_BOOTHS:
            raise BadInputError(f"booths may be at most {MAX_BOOTHS:,} in an hour (the simulator's limit); "
                                f"got {max(self.booths):,}")
        if all(math.isnan(w) for w in self.wait_minutes):
            raise BadInputError("no hour of the day has an observed wait; widen the window")

    @property
    def hours(self) -> int:
        return len(self.wait_minutes)


@dataclass(frozen=True)
class FitOptions:
    """How hard to work. ``service_cv`` None = exponential service; a number = lognormal
    with that cv (1 included). ``seed`` is the scenario's: the fit simulates with
    :func:`fitting_seed` of it, the reported waits with ``seed`` itself."""

    service_grid_seconds: tuple[float, ...] | None = None
    service_cv: float | None = None
    daily_demand_target: float | None = None
    #: Replications of every fitting run. A busy hour's mean wait is noisy, and demand
    #: tuned to few replications chases their noise (docs/calibration.md, step 6).
    replications: int = 24
    #: Replications of the scenario written (and of the waits and MAEs reported).
    final_replications: int = 200
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

    ``simulated_wait_minutes`` and ``mae_minutes`` come from simulating the scenario as
    written (:meth:`scenario`: the whole day, ``seed``, ``replications``), whose random
    numbers are independent of the fitting runs'. ``naive_*``: a constant demand over the
    open hours with the same booths and service, its rate set (on the fitting runs) so
    the simulated mean wait over the day matches the mean of the waits the fit aims at,
    then simulated as the fit is. ``service_cv`` is 1 for exponential service.
    Candidates' MAEs are from the fitting runs.
    """

    target: DayTarget
    service_mean_seconds: float
    service_cv: float
    service_dist: str
    per_hour: tuple[float, ...]
    simulated_wait_minutes: tuple[float, ...]
    mae_minutes: float
    naive_per_hour: tuple[float, ...]
    naive_wait_minutes: tuple[float, ...]
    naive_mae_minutes: float
    chosen_by: str
    seed: int
    replications: int
    candidates: tuple[Candidate, ...] = field(default=())

    @property
    def daily_demand(self) -> float:
        return float(sum(self.per_hour))

    @property
    def lognormal_cv(self) -> float | None:
        """The service's cv as :func:`simulated_waits` takes it (None = exponential)."""
        return self.service_cv if self.service_dist == "lognormal" else None

    def scenario(self, name: str, description: str = "", clock: Clock | None = None) -> dict[str, Any]:
        """The fitted scenario: simulated as it is, it gives ``simulated_wait_minutes``."""
        return scenario_dict(name, self.target.mode, self.target.program, self.target.booths,
                             self.service_mean_seconds, self.lognormal_cv, self.per_hour, self.seed,
                             self.replications, description, clock)


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
    clock: Clock | None = None,
) -> dict[str, Any]:
    """A scenario mapping (the format of docs/simulator.md) for one lane, ``len(booths)``
    hours; with ``clock``, where those hours fall on the local clock."""
    service: dict[str, Any] = {"dist": "exponential", "mean_seconds": round(float(service_mean_seconds), 3)}
    if service_cv is not None:
        service = {"dist": "lognormal", "mean_seconds": service["mean_seconds"], "cv": float(service_cv)}
    data: dict[str, Any] = {
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
    if clock is not None:
        data["clock"] = clock.to_mapping()
    return data


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


def aimed_waits(target: DayTarget, smooth_hours: int) -> tuple[float, ...]:
    """The wait (minutes) the fit aims at in each hour: the observed day smoothed over
    ``smooth_hours``, a 0 as :data:`ZERO_WAIT_TARGET_MINUTES`, NaN where unobserved."""
    return tuple(w if math.isnan(w) or w > 0 else ZERO_WAIT_TARGET_MINUTES
                 for w in smoothed(target.wait_minutes, smooth_hours))


def fitting_seed(seed: int) -> int:
    """The seed of the fit's own simulations: a child of ``seed`` (``SeedSequence.spawn``),
    so the scenario's replications, run with ``seed``, are independent of them."""
    return int(np.random.SeedSequence(seed).spawn(1)[0].generate_state(1)[0])


def highest_rate(booths: int, service_mean_seconds: float) -> float:
    """The top of a rate bisection: :data:`MAX_LOAD` times the booths' capacity, per hour."""
    return min(MAX_LOAD * booths * 3600.0 / service_mean_seconds, MAX_RATE_PER_HOUR)


def fit_rates(target: DayTarget, service_mean_seconds: float, options: FitOptions) -> tuple[float, ...]:
    """Demand per hour for one service mean, hour by hour (rule 2 of the module docstring)."""
    rates = [0.0] * target.hours
    previous = 0.0
    aims = aimed_waits(target, options.smooth_hours)
    seed = fitting_seed(options.seed)
    for h in range(target.hours):
        booths = target.booths[h]
        goal = aims[h]
        if booths == 0:
            rates[h] = 0.0
            continue
        if math.isnan(goal):
            rates[h] = previous
            continue

        def wait_at(rate: float, h: int = h) -> float:
            # The whole day: hours after h keep their booths (they serve hour h's queue)
            # and have no demand yet (rates[h + 1:] are still 0).
            trial = list(rates)
            trial[h] = rate
            waits = simulated_waits(target.mode, target.program, target.booths, service_mean_seconds,
                                    options.service_cv, trial, options.replications, seed)
            return 0.0 if math.isnan(waits[h]) else float(waits[h])

        low, high = 0.0, highest_rate(booths, service_mean_seconds)
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
    cv = options.service_cv
    if cv is not None and not (math.isfinite(cv) and 0 < cv <= MAX_CV):
        raise BadInputError(f"the service cv must be a number > 0 and at most {MAX_CV:g} (lognormal service); "
                            f"got {cv}")
    fit_seed = fitting_seed(options.seed)
    candidates = []
    for service in service_grid(target.mode, options):
        rates = fit_rates(target, service, options)
        waits = simulated_waits(target.mode, target.program, target.booths, service, cv,
                                rates, options.replications, fit_seed)
        candidates.append(Candidate(service, rates, tuple(waits.tolist()),
                                    mean_absolute_error(target.wait_minutes, waits)))
    best, chosen_by = _choose(candidates, target.mode, options)
    # Scored as written: the whole day, the scenario's own seed and replications.
    final = simulated_waits(target.mode, target.program, target.booths, best.service_mean_seconds,
                            cv, best.per_hour, options.final_replications, options.seed)
    naive_rates = fit_constant_rates(target, best.service_mean_seconds, options)
    naive = simulated_waits(target.mode, target.program, target.booths, best.service_mean_seconds,
                            cv, naive_rates, options.final_replications, options.seed)
    return DayFit(
        target=target,
        service_mean_seconds=best.service_mean_seconds,
        service_cv=1.0 if cv is None else cv,
        service_dist="exponential" if cv is None else "lognormal",
        per_hour=best.per_hour,
        simulated_wait_minutes=tuple(final.tolist()),
        mae_minutes=mean_absolute_error(target.wait_minutes, final),
        naive_per_hour=naive_rates,
        naive_wait_minutes=tuple(naive.tolist()),
        naive_mae_minutes=mean_absolute_error(target.wait_minutes, naive),
        chosen_by=chosen_by,
        seed=options.seed,
        replications=options.final_replications,
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
    so the simulated mean over the observed hours equals the mean of the waits the fit
    aims at (:func:`aimed_waits`: the same targets, so a lane of reported zeros is not
    fitted by the fit at 0.5 min and by the reference at none)."""
    aims = np.array(aimed_waits(target, options.smooth_hours))
    known = ~np.isnan(aims)
    goal = float(aims[known].mean())
    open_hours = [b > 0 for b in target.booths]
    seed = fitting_seed(options.seed)

    def rates_of(rate: float) -> list[float]:
        return [rate if is_open else 0.0 for is_open in open_hours]

    def day_mean(rate: float) -> float:
        waits = simulated_waits(target.mode, target.program, target.booths, service_mean_seconds,
                                options.service_cv, rates_of(rate), options.replications, seed)
        return float(np.nan_to_num(waits[known], nan=0.0).mean())

    low, high = 0.0, highest_rate(max(target.booths), service_mean_seconds)
    for _ in range(BISECTION_STEPS):
        middle = 0.5 * (low + high)
        if day_mean(middle) < goal:
            low = middle
        else:
            high = middle
    return tuple(rates_of(0.5 * (low + high)))
