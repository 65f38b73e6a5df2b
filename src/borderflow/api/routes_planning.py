"""Planning over the API: staffing plans and appraisals, answered when done.

* ``POST /api/v1/staffing`` — a scenario (inline, or an example's id) and a p95 target ->
  the plan JSON of ``borderflow staff --json`` (docs/staffing.md).
* ``POST /api/v1/appraisals`` — a base and alternatives (scenarios, example ids or edit
  lists), optionally a port whose archived BTS volumes give the days' demand -> the
  results JSON of ``borderflow appraise --json`` (docs/appraisal.md).

* ``POST /api/v1/calibrations`` — a lane and either a window of readings (``start``,
  ``end``) or a coming day (``forecast_day``, forecast as of ``at``) -> the calibration
  JSON of ``borderflow calibrate --json``, its ``scenario`` ready for ``/staffing``
  (docs/calibration.md).

All answer when done. What simulates (the plan, the appraisal, the calibration's fit)
runs in a process of its own (:mod:`borderflow.services.isolation`), after the request
has read what it needs from the archive; the work one request may ask for is capped
(larger runs belong to the CLI). Errors come in the one JSON envelope: 422 for bad
input or a target that cannot be met (code ``infeasible``), 404 for an unknown example
or port without volumes, 500 (code ``internal_error``) naming the signal when the
computation's process stopped without answering, 503 (code ``busy``, with
``Retry-After``) while :data:`MAX_API_COMPUTATIONS` of them are computing already.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from borderflow.api.routes import ERRORS, TOO_LARGE
from borderflow.errors import BadInputError, BorderFlowError
from borderflow.planning.alternatives import apply_edits
from borderflow.planning.appraisal import (
    MAX_PASSENGERS_PER_VEHICLE,
    Alternative,
    AppraisalOptions,
    appraise,
)
from borderflow.planning.days import scenario_modes
from borderflow.planning.values import MAX_COST_DOLLARS, MAX_DOLLARS_PER_HOUR, Valuation
from borderflow.planning.volumes import PortYear, latest_complete_year, port_year
from borderflow.services import isolation, simulations
from borderflow.sim.scenario import Scenario, load_scenario
from borderflow.staffing.planner import StaffingRequest, plan_staffing
from borderflow.staffing.shifts import ShiftRules

router = APIRouter(prefix="/api/v1", tags=["planning"])

#: Most expected vehicles in one scenario day, and most hours, a web request may staff.
MAX_STAFFING_VEHICLES = 100_000
MAX_STAFFING_HOURS = 48
#: Most lane groups x hours a web request may staff: the search keeps wait statistics for
#: every group and hour of every candidate (about 2 MB of memory each).
MAX_STAFFING_GROUP_HOURS = 240
#: Most vehicles x replications asked for explicitly (the automatic choice simulates
#: about 1.6 million vehicles a day's run).
MAX_STAFFING_WORK = 8_000_000
#: Most replications per day, and days x scenarios, one appraisal request may simulate.
MAX_APPRAISAL_REPLICATIONS = 50
MAX_APPRAISAL_RUNS = 120
#: Most expected vehicles in a day of any appraised scenario (a replication's arrivals
#: are held in memory at once), and most vehicles over all its simulated days.
MAX_APPRAISAL_DAY_VEHICLES = 1_000_000
MAX_APPRAISAL_WORK = 100_000_000
#: Longest window of readings one calibration request may fit.
MAX_CALIBRATION_DAYS = 400
#: Most booths in an hour a web calibration fits: the fit simulates up to three times the
#: booths' capacity hour by hour, about a second of work per booth (San Ysidro has 34 lanes).
MAX_CALIBRATION_BOOTHS = 40
#: Planning computations the API runs at once, each in a process of its own with up to
#: seconds of a core and its memory; more are answered "busy" at once, not queued.
MAX_API_COMPUTATIONS = 4
#: Shared by the server's worker processes (``serve --workers``): four across the server.
_COMPUTING = isolation.Slots.from_environment(MAX_API_COMPUTATIONS, "api-planning")
#: What a busy answer's Retry-After says, seconds.
BUSY_RETRY_SECONDS = 10

T = TypeVar("T")


class PlanningBusy(BorderFlowError):
    """Every API planning slot is taken."""

    http_status = 503
    code = "busy"
    headers: ClassVar[dict[str, str]] = {"Retry-After": str(BUSY_RETRY_SECONDS)}


def _busy() -> PlanningBusy:
    return PlanningBusy(f"the server is already computing {MAX_API_COMPUTATIONS} staffing plans, appraisals "
                        f"or calibrations; try again in {BUSY_RETRY_SECONDS} seconds (the command line has no "
                        "such limit)")


async def _computed(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in a process of its own, if one of the API's slots is free."""
    return await isolation.compute_in_a_slot(_COMPUTING, _busy, function, *args)


class ScenarioChoice(BaseModel):
    """A scenario given inline (``scenario``) or by the id of a shipped example."""

    model_config = ConfigDict(extra="forbid")
    scenario: dict[str, Any] | None = Field(default=None, description="A scenario (docs/simulator.md).")
    example: str | None = Field(default=None, description="An example id, e.g. otay_mesa_trucks.")


class ShiftSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    length_hours: int = Field(default=8, ge=1, le=24)
    officers_per_booth: float = Field(default=1.0, ge=0, le=100)
    min_on_duty: int = Field(default=0, ge=0, le=10_000)
    min_per_start: int = Field(default=1, ge=1, le=10_000)
    circular: bool = False


class StaffingBody(ScenarioChoice):
    target_p95_minutes: float = Field(gt=0, le=100_000, description="p95 wait target, minutes.")
    lane_groups: list[str] | None = Field(default=None, description="Lane groups to staff (default all).")
    max_booths: int | None = Field(default=None, ge=0, le=1000, description="Most booths a group may open.")
    replications: int | None = Field(default=None, ge=1, le=400, description="Search replications.")
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    shifts: ShiftSettings | None = Field(default_factory=lambda: ShiftSettings(),
                                         description="Roster rules; null for no roster.")


class AlternativeBody(ScenarioChoice):
    name: str | None = Field(default=None, description="Name of an edited alternative.")
    changes: list[dict[str, Any]] | None = Field(
        default=None, max_length=1000,
        description="Edits applied to the base, e.g. [{add_booths: {group: general, booths: 4}}]; at most 1,000.")
    capital_cost_dollars: float = Field(default=0.0, ge=0, le=MAX_COST_DOLLARS)
    yearly_cost_dollars: float = Field(default=0.0, ge=0, le=MAX_COST_DOLLARS)


class ValuationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_hour_dollars: float = Field(default=Valuation.person_hour_dollars, ge=0, le=MAX_DOLLARS_PER_HOUR)
    truck_hour_dollars: float = Field(default=Valuation.truck_hour_dollars, ge=0, le=MAX_DOLLARS_PER_HOUR)
    discount_rate: float = Field(default=Valuation.discount_rate, ge=0, lt=1)
    horizon_years: int = Field(default=Valuation.horizon_years, ge=1, le=100)


class AppraisalBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base: ScenarioChoice
    alternatives: list[AlternativeBody] = Field(min_length=1, max_length=10)
    port_code: str | None = Field(default=None, pattern=r"^[0-9]{4}$",
                                  description="BTS port code (4 digits) whose archived volumes give the demand.")
    year: int | None = Field(default=None, ge=1996, le=2100)
    replications: int = Field(default=10, ge=1, le=MAX_APPRAISAL_REPLICATIONS)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    valuation: ValuationBody = Field(default_factory=lambda: ValuationBody())
    passengers_per_vehicle: float | None = Field(default=None, gt=0, le=MAX_PASSENGERS_PER_VEHICLE)
    weekend_factors: dict[Literal["passenger", "pedestrian", "commercial"],
                          Annotated[float, Field(ge=0, le=10)]] | None = Field(
        default=None, description="Weekend day's traffic over a weekday's, per mode (with port_code).")
    all_months: bool = False


class CalibrationBody(BaseModel):
    """A lane, and what to fit it to: readings in [start, end), or the forecast of a coming day."""

    model_config = ConfigDict(extra="forbid")
    crossing_id: str = Field(description="Crossing number, e.g. 535501.")
    mode: str = Field(description="passenger, commercial or pedestrian.")
    program: str = Field(description="standard, sentri, ready or fast.")
    direction: str = "northbound"
    start: dt.datetime | None = Field(default=None, description="Window start (with offset): fit to readings.")
    end: dt.datetime | None = Field(default=None, description="Window end, excluded.")
    forecast_day: dt.date | None = Field(default=None, description="Instead of a window: this local day's forecast.")
    at: dt.datetime | None = Field(default=None, description="With forecast_day: forecast as of this time (default now).")
    booths: int | None = Field(default=None, ge=1, le=1000, description="Booths every hour (default: from the readings).")
    smooth_hours: int = Field(default=3, ge=1, le=23, description="Odd; the demand is fitted to this moving mean.")
    use_volumes: bool = True
    seed: int = Field(default=0, ge=0, le=2**32 - 1)


def resolve_scenario(choice: ScenarioChoice, what: str) -> Scenario:
    """The scenario a request names: inline or an example (exactly one)."""
    if (choice.scenario is None) == (choice.example is None):
        raise BadInputError(f"{what}: give exactly one of scenario (inline) or example (an id)")
    if choice.example is not None:
        return load_scenario(simulations.example(choice.example)["scenario"])
    assert choice.scenario is not None
    return load_scenario(choice.scenario)


def _staffing_request(body: StaffingBody) -> tuple[Scenario, StaffingRequest]:
    """The scenario and settings of a staffing request, within what the web computes."""
    scenario = resolve_scenario(body, "scenario")
    if scenario.expected_vehicles() > MAX_STAFFING_VEHICLES or scenario.hours > MAX_STAFFING_HOURS:
        raise BadInputError(
            f"the web staffs scenarios of at most {MAX_STAFFING_HOURS} hours and "
            f"{MAX_STAFFING_VEHICLES:,} expected vehicles; got {scenario.hours} hours and "
            f"{scenario.expected_vehicles():,.0f}; use borderflow staff"
        )
    group_hours = len(scenario.lane_groups) * scenario.hours
    if group_hours > MAX_STAFFING_GROUP_HOURS:
        raise BadInputError(
            f"the web staffs at most {MAX_STAFFING_GROUP_HOURS} lane-group hours (lane groups x hours); got "
            f"{len(scenario.lane_groups)} groups x {scenario.hours} hours; choose lane_groups or use borderflow staff")
    if body.replications is not None and body.replications * scenario.expected_vehicles() > MAX_STAFFING_WORK:
        raise BadInputError(
            f"{body.replications} replications of {scenario.expected_vehicles():,.0f} vehicles are more than the web "
            f"simulates ({MAX_STAFFING_WORK:,} vehicles); ask for fewer, leave replications out to have them "
            "chosen, or use borderflow staff")
    shifts = None if body.shifts is None else ShiftRules(**body.shifts.model_dump())
    request = StaffingRequest(
        target_p95_minutes=body.target_p95_minutes,
        lane_groups=tuple(body.lane_groups) if body.lane_groups else None,
        max_booths=body.max_booths, replications=body.replications, seed=body.seed, shifts=shifts,
    )
    return scenario, request


@router.post("/staffing", responses={**ERRORS, **TOO_LARGE}, summary="Staff a scenario against a p95 wait target")
async def create_staffing(body: StaffingBody) -> Any:
    """Booths per hour and lane group with the fewest booth-hours meeting the target, the
    SIPP/Erlang-C baseline, and an officer roster: the JSON of `borderflow staff --json`."""
    # read and checked in a thread: a large scenario takes a while to parse, and the
    # server goes on answering others meanwhile
    scenario, request = await run_in_threadpool(_staffing_request, body)
    plan = await _computed(plan_staffing, scenario, request)
    return plan.to_json_dict()


def _appraisal_request(body: AppraisalBody) -> tuple[Scenario, list[Alternative], AppraisalOptions]:
    """The base, alternatives and settings of an appraisal request, within what the web computes."""
    base = resolve_scenario(body.base, "base")
    alternatives = []
    for i, alt in enumerate(body.alternatives):
        if alt.changes is not None:
            if alt.scenario is not None or alt.example is not None:
                raise BadInputError(f"alternatives[{i}]: give changes or a scenario, not both")
            edits = {"name": alt.name or f"alternative {i + 1}", "changes": alt.changes}
            scenario = apply_edits(base, edits, f"alternatives[{i}]")
        else:
            scenario = resolve_scenario(alt, f"alternatives[{i}]")
        alternatives.append(Alternative(scenario, alt.capital_cost_dollars, alt.yearly_cost_dollars))
    if body.port_code is None and body.year is not None:
        raise BadInputError("year needs port_code (the BTS port whose volumes to use)")
    if body.port_code is None and (body.weekend_factors or body.all_months):
        given = " and ".join(n for n, v in (("weekend_factors", body.weekend_factors),
                                            ("all_months", body.all_months)) if v)
        raise BadInputError(f"{given} needs port_code: they shape the days built from the port's BTS monthly "
                            "volumes, and without a port the scenario's own day stands for every day of the year")
    days = 24 if body.all_months else (4 if body.port_code else 1)
    runs = days * (1 + len(alternatives))
    if runs * body.replications > MAX_APPRAISAL_RUNS * 10 or runs > MAX_APPRAISAL_RUNS:
        raise BadInputError(f"this appraisal needs {runs} day simulations x {body.replications} "
                            "replications, more than the web runs; use borderflow appraise")
    day = max(s.expected_vehicles() for s in (base, *(a.scenario for a in alternatives)))
    if day > MAX_APPRAISAL_DAY_VEHICLES or day * runs * body.replications > MAX_APPRAISAL_WORK:
        raise BadInputError(f"this appraisal simulates up to {day:,.0f} vehicles a day, {runs} day simulations x "
                            f"{body.replications} replications; the web simulates at most "
                            f"{MAX_APPRAISAL_DAY_VEHICLES:,} a day and {MAX_APPRAISAL_WORK:,} in all: use fewer "
                            "replications or borderflow appraise")
    options = AppraisalOptions(
        replications=body.replications, seed=body.seed,
        valuation=Valuation(**body.valuation.model_dump()),
        passengers_per_vehicle=body.passengers_per_vehicle,
        weekend_factors=({str(k): v for k, v in body.weekend_factors.items()}
                         if body.weekend_factors is not None else None),
        all_months=body.all_months, workers=1,
    )
    return base, alternatives, options


@router.post("/appraisals", responses={**ERRORS, **TOO_LARGE}, summary="Appraise alternatives against a base")
async def create_appraisal(request: Request, body: AppraisalBody) -> Any:
    """Yearly delay by mode, its value, NPV and BCR of each alternative: the JSON of
    `borderflow appraise --json`."""
    base, alternatives, options = await run_in_threadpool(_appraisal_request, body)  # off the event loop

    volumes = None
    if body.port_code is not None:
        port_code, engine, modes = body.port_code, request.app.state.engine, scenario_modes(base)

        def read() -> PortYear:
            return port_year(engine, port_code, body.year if body.year is not None else
                             latest_complete_year(engine, port_code, modes))

        volumes = await run_in_threadpool(read)
    result = await _computed(appraise, base, alternatives, volumes, options)
    return result.to_json_dict()


@router.post("/calibrations", responses={**ERRORS, **TOO_LARGE}, summary="Calibrate a lane's scenario to its readings or its forecast")
async def create_calibration(request: Request, body: CalibrationBody) -> Any:
    """Demand per hour and service time fitted to a lane's observed waits in a window, or to
    its forecast of a coming local day: the JSON of `borderflow calibrate --json`, whose
    `scenario` can be posted to `/api/v1/staffing` as it is."""
    from borderflow.calibration.fit import FitOptions
    from borderflow.services.calibration import (
        CalibrationInputs,
        fit_calibration,
        forecast_day_inputs,
        lane_inputs,
    )

    if body.smooth_hours % 2 == 0:
        raise BadInputError(f"smooth_hours must be odd; got {body.smooth_hours}")
    options = FitOptions(seed=body.seed, smooth_hours=body.smooth_hours)
    engine = request.app.state.engine
    if body.forecast_day is not None:
        if body.start is not None or body.end is not None:
            raise BadInputError("give either start and end (readings) or forecast_day, not both")
        forecast_day = body.forecast_day

        def read() -> CalibrationInputs:
            return forecast_day_inputs(engine, body.crossing_id, body.mode, body.program, forecast_day,
                                       as_of=body.at, direction=body.direction, booths=body.booths,
                                       use_volumes=body.use_volumes, options=options,
                                       max_booths=MAX_CALIBRATION_BOOTHS)
    else:
        if body.start is None or body.end is None:
            raise BadInputError("give start and end (a window of readings), or forecast_day")
        if body.at is not None:
            raise BadInputError("at goes with forecast_day")
        for label, value in (("start", body.start), ("end", body.end)):
            if value.tzinfo is None:
                raise BadInputError(f"{label} needs a UTC offset or Z, e.g. 2026-08-12T00:00:00Z; got {value.isoformat()}")
        if body.end - body.start > dt.timedelta(days=MAX_CALIBRATION_DAYS):
            raise BadInputError(f"the web calibrates windows of at most {MAX_CALIBRATION_DAYS} days; "
                                "use borderflow calibrate")
        start, end = body.start, body.end

        def read() -> CalibrationInputs:
            return lane_inputs(engine, body.crossing_id, body.mode, body.program, start=start, end=end,
                               direction=body.direction, booths=body.booths, use_volumes=body.use_volumes,
                               options=options, max_booths=MAX_CALIBRATION_BOOTHS)

    inputs = await run_in_threadpool(read)
    calibration = await _computed(fit_calibration, inputs)
    return calibration.to_json_dict()
