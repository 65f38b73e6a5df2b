"""The planning pages: staffing (``/staffing``) and appraisal (``/appraisal``).

Both are a GET form over the shipped example scenarios (staffing also over a coming day
fitted to a lane's forecast, where a model is trained); when the form's fields are in
the query the page also shows the results, so a result has an address that can be
shared (the computation is deterministic for its seed). Handlers take their parameters
as text and check them, so a bad value is an HTML page in the reader's language. What
simulates (the plan, the appraisal, a forecast day's calibration) runs in a process of
its own (:mod:`borderflow.services.isolation`) after the page has read the archive; when
that process stops without answering, the page says so (500) and the server goes on.

Strings are English and Spanish in :data:`PLANNING_STRINGS`, merged into
:data:`borderflow.web.i18n.STRINGS` when this module is imported (a key already there
is an error, so nothing of the dashboard's is overwritten).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from borderflow.errors import BadInputError, BorderFlowError
from borderflow.messages import Message
from borderflow.planning.appraisal import (
    MAX_PASSENGERS_PER_VEHICLE,
    Alternative,
    AppraisalOptions,
    AppraisalResult,
    appraise,
)
from borderflow.planning.days import scenario_modes
from borderflow.planning.values import MAX_COST_DOLLARS
from borderflow.planning.volumes import PortYear, latest_complete_year, port_year
from borderflow.services import isolation, simulations
from borderflow.services.calibration import (
    Calibration,
    CalibrationInputs,
    fit_calibration,
    forecast_day_inputs,
)
from borderflow.sim.scenario import Scenario, load_scenario
from borderflow.staffing.planner import StaffingPlan, StaffingRequest, plan_staffing
from borderflow.staffing.shifts import ShiftRules
from borderflow.web import i18n
from borderflow.web.render import error_page, language, page

T = TypeVar("T")

router = APIRouter(include_in_schema=False)

#: The pages' limits (larger runs belong to the CLI).
MAX_VEHICLES = 100_000
MAX_REPLICATIONS = 40
DEFAULT_STAFFING_EXAMPLE = "otay_mesa_trucks"
DEFAULT_BASE = "otay_mesa_trucks_10_booths"
DEFAULT_ALTERNATIVE = "otay_mesa_trucks"

PLANNING_STRINGS: dict[str, tuple[str, str]] = {
    "nav.staffing": ("Staffing", "Dotación de personal"),
    "nav.appraisal": ("Appraisal", "Evaluación"),
    "plan.scenario": ("Scenario", "Escenario"),
    "plan.run": ("Compute", "Calcular"),
    "plan.replications": ("Replications", "Réplicas"),
    "plan.seed": ("Seed", "Semilla"),
    "plan.error": ("The request cannot be computed: {error}", "No se puede calcular: {error}"),
    "plan.yes": ("yes", "sí"),
    "plan.no": ("no", "no"),
    "plan.hour": ("Hour", "Hora"),
    "plan.total": ("Total", "Total"),
    "plan.json": ("The same as JSON (API)", "Lo mismo en JSON (API)"),
    "staff.title": ("Booth staffing", "Asignación de casetas"),
    "staff.intro": (
        ("The fewest booth-hours that keep the 95th-percentile wait of every hour at or under a target, found "
        "by simulation (queues carry over from hour to hour), next to the classic period-by-period Erlang-C "
        "plan (SIPP), and the officer shifts that cover it."),
        ("Las menos horas-caseta que mantienen el percentil 95 de la espera de cada hora en la meta o por "
        "debajo, halladas por simulación (las colas pasan de una hora a la siguiente), junto al plan clásico "
        "hora por hora con Erlang C (SIPP), y los turnos de oficiales que lo cubren.")),
    "staff.target": ("Target: 95th-percentile wait (minutes)", "Meta: percentil 95 de la espera (minutos)"),
    "staff.examples": ("Example scenarios", "Escenarios de ejemplo"),
    "staff.forecasts": ("A coming day from a lane's forecast", "Un día próximo según el pronóstico de un carril"),
    "staff.forecast_option": ("Forecast: {crossing}, {lane}", "Pronóstico: {crossing}, {lane}"),
    "staff.day": ("Day (for a forecast; local date)", "Día (para un pronóstico; fecha local)"),
    "staff.forecast_basis": (
        ("Demand fitted to the forecast of {day} ({zone}) by model {version}, made from readings up to {last}; "
         "booths as the lane opened them over the 28 days before."),
        ("Demanda ajustada al pronóstico del {day} ({zone}) del modelo {version}, hecho con lecturas hasta {last}; "
         "casetas como las abrió el carril en los 28 días anteriores.")),
    "staff.clock_back": (
        ("{day} is {hours} hours long here: the clocks go back, so {clock} comes twice ({first} and {second}). "
         "Every hour is planned as it elapses, with its own forecast."),
        ("El {day} dura {hours} horas aquí: se atrasan los relojes, así que las {clock} se repiten ({first} y "
         "{second}). Cada hora se planifica tal como transcurre, con su propio pronóstico.")),
    "staff.clock_forward": (
        ("{day} is {hours} hours long here: the clocks go forward, so there is no {clock}. Every hour is planned "
         "as it elapses, with its own forecast."),
        ("El {day} dura {hours} horas aquí: se adelantan los relojes, así que no hay {clock}. Cada hora se "
         "planifica tal como transcurre, con su propio pronóstico.")),
    "staff.max_booths": ("Most booths per lane group (empty: the scenario's)",
                         "Máximo de casetas por grupo de carriles (vacío: las del escenario)"),
    "staff.shift_hours": ("Shift length (hours)", "Duración del turno (horas)"),
    "staff.min_crew": ("Minimum crew on duty", "Personal mínimo en servicio"),
    "staff.summary": (
        ("Plan: {plan} booth-hours ({plan_ratio} × the lower bound); SIPP: {sipp} booth-hours ({sipp_ratio} ×). "
        "Lower bound (arrivals × mean inspection time): {bound} booth-hours. Target met in every hour: plan "
        "{plan_met}, SIPP {sipp_met}. Waits from {reps} fresh-seed replications."),
        ("Plan: {plan} horas-caseta ({plan_ratio} × la cota inferior); SIPP: {sipp} horas-caseta ({sipp_ratio} ×). "
        "Cota inferior (llegadas × tiempo medio de inspección): {bound} horas-caseta. Meta cumplida en todas las "
        "horas: plan {plan_met}, SIPP {sipp_met}. Esperas de {reps} réplicas con semillas nuevas.")),
    "staff.group": ("Lane group {group} ({lane}), at most {cap} booths",
                    "Grupo de carriles {group} ({lane}), máximo {cap} casetas"),
    "staff.table": ("Booths and 95th-percentile wait per hour, lane group {group}",
                    "Casetas y percentil 95 de la espera por hora, grupo {group}"),
    "staff.arrivals": ("Arrivals", "Llegadas"),
    "staff.booths": ("Booths", "Casetas"),
    "staff.p95": ("p95 wait (min)", "Espera p95 (min)"),
    "staff.met": ("Target met", "Meta cumplida"),
    "staff.sipp_booths": ("SIPP booths", "Casetas SIPP"),
    "staff.sipp_p95": ("SIPP p95 (min)", "p95 SIPP (min)"),
    "staff.sipp_met": ("SIPP met", "SIPP cumple"),
    "staff.issues": ("Hours that miss the target", "Horas que no cumplen la meta"),
    "staff.roster": ("Officer roster: {officers} officers on {hours}-hour shifts ({officer_hours} officer-hours)",
                     "Turnos: {officers} oficiales en turnos de {hours} horas ({officer_hours} horas-oficial)"),
    "staff.roster_table": ("Shifts by starting hour", "Turnos por hora de inicio"),
    "staff.starts": ("Starts at hour", "Empieza a la hora"),
    "staff.covers": ("Covers hours", "Cubre las horas"),
    "staff.officers": ("Officers", "Oficiales"),
    "staff.on_duty": ("On duty / needed", "En servicio / necesarios"),
    "appr.title": ("Modernization appraisal", "Evaluación de proyectos de modernización"),
    "appr.intro": (
        ("Yearly hours of waiting for primary inspection, by mode, for a base scenario and an alternative, "
        "simulated over representative days whose demand comes from the archive's BTS monthly volumes; "
        "their value, net present value and benefit-cost ratio."),
        ("Horas anuales de espera para la inspección primaria, por modo, de un escenario base y una "
        "alternativa, simuladas en días representativos cuya demanda viene de los volúmenes mensuales BTS "
        "del archivo; su valor, valor presente neto y relación beneficio-costo.")),
    "appr.base": ("Base scenario", "Escenario base"),
    "appr.alternative": ("Alternative", "Alternativa"),
    "appr.port": ("BTS port code for demand (empty: the scenario's own day)",
                  "Código de puerto BTS para la demanda (vacío: el día del escenario)"),
    "appr.capital": ("Capital cost (dollars)", "Costo de capital (dólares)"),
    "appr.yearly_cost": ("Yearly cost (dollars)", "Costo anual (dólares)"),
    "appr.passengers": ("People per vehicle (empty: BTS)", "Personas por vehículo (vacío: BTS)"),
    "appr.days": ("Representative days", "Días representativos"),
    "appr.day.peak_weekday": ("Busiest month, weekday", "Mes de más tránsito, entre semana"),
    "appr.day.peak_weekend": ("Busiest month, weekend day", "Mes de más tránsito, fin de semana"),
    "appr.day.quiet_weekday": ("Quietest month, weekday", "Mes de menos tránsito, entre semana"),
    "appr.day.quiet_weekend": ("Quietest month, weekend day", "Mes de menos tránsito, fin de semana"),
    "appr.day.scenario_day": ("The scenario's own day", "El día del propio escenario"),
    "appr.day": ("Day", "Día"),
    "appr.month": ("Month", "Mes"),
    "appr.volume": ("Volume that day", "Volumen del día"),
    "appr.represents": ("Vehicles it stands for in the year", "Vehículos del año que representa"),
    "appr.delay": ("Yearly delay", "Demora anual"),
    "appr.mode": ("Mode", "Modo"),
    "appr.wait": ("Wait per vehicle (min)", "Espera por vehículo (min)"),
    "appr.hours": ("Hours a year", "Horas al año"),
    "appr.unit.person-hours": ("person-hours", "horas-persona"),
    "appr.unit.truck-hours": ("truck-hours", "horas-camión"),
    "appr.value": ("Value ($)", "Valor ($)"),
    "appr.change": ("Change vs base (hours)", "Cambio contra la base (horas)"),
    "appr.economics": ("Against the base", "Contra la base"),
    "appr.benefit": ("Benefit per year ($)", "Beneficio anual ($)"),
    "appr.npv": ("Net present value ($)", "Valor presente neto ($)"),
    "appr.bcr": ("Benefit-cost ratio", "Relación beneficio-costo"),
    "appr.break_even": ("Break-even yearly cost ($)", "Costo anual de equilibrio ($)"),
    "appr.sources": (
        ("Values: ${person:.2f} a person-hour and ${truck:.2f} a truck-hour ({year} dollars; U.S. DOT value of "
        "travel time guidance, 2016); {rate:.1%} real discount rate over {horizon} years (OMB Circular A-94)."),
        ("Valores: ${person:.2f} por hora-persona y ${truck:.2f} por hora-camión (dólares de {year}; guía del "
        "valor del tiempo de viaje del DOT de EE. UU., 2016); tasa real de descuento de {rate:.1%} a {horizon} "
        "años (Circular A-94 de la OMB).")),
}


def merge_strings() -> None:
    """Add PLANNING_STRINGS to the dashboard's table (once; refuses to overwrite)."""
    clash = [k for k in PLANNING_STRINGS if k in i18n.STRINGS and i18n.STRINGS[k] != PLANNING_STRINGS[k]]
    if clash:
        raise RuntimeError(f"planning strings clash with the dashboard's: {', '.join(clash)}")
    i18n.STRINGS.update(PLANNING_STRINGS)


merge_strings()


def _examples() -> list[dict[str, Any]]:
    return simulations.examples()


FORECAST_PREFIX = "forecast:"


def _forecast_sources(engine: Engine, t: i18n.Translator) -> list[dict[str, str]]:
    """Northbound lanes a stored forecast model covers, as scenario choices ``forecast:<lane id>``."""
    from borderflow.services.forecasting import covered_lanes
    from borderflow.services.queries import get_crossing
    from borderflow.web.overview import display_name

    lanes = sorted(covered_lanes(engine))
    sources = []
    for crossing_id, mode, program, direction in lanes:
        if direction != "northbound":
            continue
        try:
            c = get_crossing(engine, crossing_id)
        except BorderFlowError:
            continue
        name = display_name(c)
        sources.append({"id": f"{FORECAST_PREFIX}{crossing_id}/{mode}/{program}",
                        "name": t("staff.forecast_option", crossing=name, lane=t.lane(mode, program))})
    return sources


def _forecast_inputs(engine: Engine, source: str, day_text: str) -> CalibrationInputs:
    """What the calibration of a coming day to a lane's forecast reads (the forecast
    included), ready to fit.

    The forecast is made as of just after the lane's newest reading (for a live archive,
    about now); the day defaults to the local day after that reading."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from borderflow.services.forecasting import last_reading_at
    from borderflow.services.queries import get_crossing

    crossing_id, mode, program = source[len(FORECAST_PREFIX):].split("/")
    zone = ZoneInfo(str(get_crossing(engine, crossing_id)["timezone"]))
    newest = last_reading_at(engine, crossing_id, mode, program)
    if newest is None:
        raise BadInputError(f"{crossing_id} {mode}/{program} has no reading to forecast from", key="staff.no_reading",
                            fields={"crossing": crossing_id, "mode": mode, "program": program})
    as_of = newest + dt.timedelta(minutes=1)
    if day_text.strip():
        try:
            day = dt.date.fromisoformat(day_text.strip())
        except ValueError:
            raise BadInputError(f"the day must be a date like 2026-08-23; got {day_text!r}", key="staff.day",
                                fields={"got": day_text[:40]}) from None
    else:
        day = as_of.astimezone(zone).date() + dt.timedelta(days=1)
    return forecast_day_inputs(engine, crossing_id, mode, program, day, as_of=as_of)


def _forecast_basis(calibration: Calibration, t: i18n.Translator) -> str:
    """The sentence saying which forecast a coming day's demand was fitted to."""
    from zoneinfo import ZoneInfo

    f = calibration.forecast or {}
    return t("staff.forecast_basis", day=calibration.fit_days[0], zone=calibration.timezone,
             version=f.get("model_version"), last=_local_time(f.get("last_reading_at"), ZoneInfo(calibration.timezone)))


def _clock_change(calibration: Calibration, t: i18n.Translator) -> str | None:
    """The sentence saying what a day on which the clocks change holds; None on a plain day."""
    clock = calibration.clock
    if clock is None:
        return None
    hours = calibration.fit.target.hours
    labels, twice = clock.labels(hours), clock.repeated(hours)
    if twice:
        return t("staff.clock_back", day=calibration.fit_days[0], hours=hours, clock=f"{clock.local(twice[0]):%H:%M}",
                 first=labels[twice[0]], second=labels[twice[-1]])
    skipped = ", ".join(f"{w:%H:%M}" for w in clock.skipped(hours))
    return t("staff.clock_forward", day=calibration.fit_days[0], hours=hours, clock=skipped)


def _scenario(example_id: str) -> Scenario:
    return load_scenario(simulations.example(example_id)["scenario"])


#: Computations the pages run at once (a staffing plan, an appraisal, a forecast day's
#: calibration; each takes seconds of a core): more are answered "busy" at once rather
#: than queued behind each other.
MAX_PAGE_RUNS = 2
_RUNS = isolation.Slots.from_environment(MAX_PAGE_RUNS, "page-planning")  # shared by the server's workers


class PlannerBusy(BorderFlowError):
    """Every page run slot is taken."""

    http_status = 503
    code = "busy"


def _busy() -> PlannerBusy:
    return PlannerBusy(f"the planner is already computing {MAX_PAGE_RUNS} pages; try again in a minute "
                       "(the command line has no such limit)", key="plan.busy", fields={"most": MAX_PAGE_RUNS})


async def _limited(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a process of its own, if a page run slot is free; PlannerBusy otherwise."""
    return await isolation.compute_in_a_slot(_RUNS, _busy, fn, *args)


def _error_status(exc: BorderFlowError) -> int:
    """A page's status for an error: busy 503, a computation whose process stopped 500, else 422."""
    return exc.http_status if isinstance(exc, (PlannerBusy, isolation.ProcessStoppedError)) else 422


def _local_time(iso: str | None, zone: Any) -> str:
    """An ISO 8601 UTC instant as the crossing's wall clock ("2026-08-22 13:00 CDT")."""
    import datetime as dt

    if not iso:
        return ""
    local = dt.datetime.fromisoformat(iso).astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".strip()


#: The forms' number fields: the name an error gives each, said as its form labels it.
FIELDS: dict[str, Message] = {name: Message(words, f"field.{name}") for name, words in (
    ("target", "target"), ("max_booths", "most booths"), ("replications", "replications"), ("seed", "seed"),
    ("shift_hours", "shift length"), ("min_crew", "minimum crew"), ("capital", "capital cost"),
    ("yearly", "yearly cost"), ("passengers", "people per vehicle"))}


def _number(raw: str | None, name: str, kind: type, low: float | None = None, high: float | None = None) -> Any:
    """Form field ``name`` as ``kind``, within [low, high] (the API's bounds); None when empty."""
    field = FIELDS[name]
    text = (raw or "").strip()
    shown = text[:40]
    if text == "":
        return None
    try:
        value = kind(text)
    except (ValueError, OverflowError):
        whole = kind is int
        raise BadInputError(f"{field} must be a {'whole number' if whole else 'number'}; got {shown!r}",
                            key="form.whole_number" if whole else "form.number",
                            fields={"field": field, "got": shown}) from None
    if kind is float and not math.isfinite(value):
        raise BadInputError(f"{field} must be a finite number; got {shown!r}", key="form.finite",
                            fields={"field": field, "got": shown})
    if low is not None and value < low:
        raise BadInputError(f"{field} must be >= {low:g}; got {shown}", key="form.at_least",
                            fields={"field": field, "low": low, "got": shown})
    if high is not None and value > high:
        raise BadInputError(f"{field} must be <= {high:g}; got {shown}", key="form.at_most",
                            fields={"field": field, "high": high, "got": shown})
    return value


@router.get("/staffing", response_class=HTMLResponse)
async def staffing_page(
    request: Request, example: str = DEFAULT_STAFFING_EXAMPLE, target: str = "", max_booths: str = "",
    replications: str = "", seed: str = "", shift_hours: str = "8", min_crew: str = "0", day: str = "",
) -> Response:
    t = i18n.Translator(language(request))
    examples = _examples()
    engine: Engine = request.app.state.engine
    forecasts = await run_in_threadpool(_forecast_sources, engine, t)
    if example not in {e["id"] for e in examples} | {f["id"] for f in forecasts}:
        return error_page(request, 404, Message(f"no example scenario or forecast lane {example!r}",
                                                "staff.no_example", {"id": example}))
    values = {"example": example, "target": target, "max_booths": max_booths, "replications": replications,
              "seed": seed, "shift_hours": shift_hours, "min_crew": min_crew, "day": day}
    context: dict[str, Any] = {"title": t("staff.title"), "section": "staffing", "examples": examples,
                               "forecasts": forecasts, "values": values, "plan": None, "error": None,
                               "basis": None, "clock_change": None}
    status = 200
    if target.strip():
        try:
            request_ = StaffingRequest(
                target_p95_minutes=_number(target, "target", float),
                max_booths=_number(max_booths, "max_booths", int, 0, 10_000),
                replications=_bounded_replications(replications),
                seed=_number(seed, "seed", int, 0, 2**32 - 1),
                shifts=ShiftRules(length_hours=_number(shift_hours, "shift_hours", int, 1, 24) or 8,
                                  min_on_duty=_number(min_crew, "min_crew", int, 0, 10_000) or 0),
            )
            if example.startswith(FORECAST_PREFIX):
                inputs = await run_in_threadpool(_forecast_inputs, engine, example, day)
                calibration = await _limited(fit_calibration, inputs)
                scenario = load_scenario(calibration.scenario())
                context["basis"], values["day"] = _forecast_basis(calibration, t), calibration.fit_days[0]
                context["clock_change"] = _clock_change(calibration, t)
            else:
                scenario = _scenario(example)
            if scenario.expected_vehicles() > MAX_VEHICLES:
                raise BadInputError(f"the page staffs scenarios of at most {MAX_VEHICLES:,} vehicles; "
                                    "use borderflow staff", key="staff.too_many_vehicles",
                                    fields={"most": MAX_VEHICLES})
            plan = await _limited(plan_staffing, scenario, request_)
            context["plan"] = staffing_view(plan, t)
        except BorderFlowError as exc:
            context["error"] = t.message(exc)
            status = _error_status(exc)
    return page(request, "staffing.html", status_code=status, **context)


def _bounded_replications(raw: str) -> int | None:
    value = _number(raw, "replications", int, 1)
    if value is not None and value > MAX_REPLICATIONS:
        raise BadInputError(f"the page runs at most {MAX_REPLICATIONS} replications; got {value}",
                            key="form.max_replications", fields={"most": MAX_REPLICATIONS, "got": value})
    return value


def staffing_view(plan: StaffingPlan, t: i18n.Translator) -> dict[str, Any]:
    """What the template shows: per group rows, the summary line, issues and the roster."""
    bound = plan.lower_bound_booth_hours

    def ratio(value: float) -> str:
        return t.number(value / bound, 3) if bound > 0 else t("none")

    groups = []
    labels = plan.hour_labels  # 00, 01, ...; a real day's clock times (01:00 CDT, 01:00 CST) when it has a clock
    for gid, g in plan.lane_groups.items():
        s = plan.baseline_sipp[gid]
        rows = [{"hour": h, "label": labels[h], "arrivals": t.number(g.arrivals[h]), "booths": g.booths[h],
                 "p95": t.number(g.p95_minutes[h], 1), "met": g.target_met[h],
                 "sipp_booths": s.booths[h], "sipp_p95": t.number(s.p95_minutes[h], 1),
                 "sipp_met": s.target_met[h]} for h in range(plan.hours)]
        groups.append({"id": gid, "lane": t.lane(g.mode, g.program), "cap": g.max_booths, "rows": rows,
                       "booth_hours": g.booth_hours, "sipp_booth_hours": s.booth_hours})
    summary = t("staff.summary", plan=t.number(plan.booth_hours), plan_ratio=ratio(plan.booth_hours),
                sipp=t.number(plan.sipp_booth_hours), sipp_ratio=ratio(plan.sipp_booth_hours),
                bound=t.number(bound, 1), plan_met=t("plan.yes" if plan.all_met else "plan.no"),
                sipp_met=t("plan.yes" if plan.sipp_all_met else "plan.no"), reps=plan.check_replications)
    roster = None
    if plan.roster is not None:
        r, hours = plan.roster, plan.hours
        roster = {
            "title": t("staff.roster", officers=r.officers, hours=r.rules.length_hours,
                       officer_hours=t.number(r.officer_hours)),
            "shifts": [{"start": labels[s.start_hour], "last": labels[min(s.end_hour, hours) - 1],
                        "officers": s.officers} for s in r.shifts],
            "by_hour": [{"hour": labels[h], "on_duty": d, "required": q}
                        for h, (d, q) in enumerate(zip(r.on_duty, r.required, strict=True))],
        }
    return {"groups": groups, "summary": summary, "issues": [t.message(i.message) for i in plan.issues], "roster": roster,
            "json": plan.to_json_dict()}


@router.get("/appraisal", response_class=HTMLResponse)
async def appraisal_page(
    request: Request, base: str = DEFAULT_BASE, alternative: str = DEFAULT_ALTERNATIVE, port: str = "",
    capital: str = "", yearly: str = "", passengers: str = "", replications: str = "", seed: str = "",
    run: str = "",
) -> Response:
    t = i18n.Translator(language(request))
    examples = _examples()
    known = {e["id"] for e in examples}
    for chosen in (base, alternative):
        if chosen not in known:
            return error_page(request, 404, Message(f"no example scenario {chosen!r}", "plan.no_example",
                                                    {"id": chosen}))
    values = {"base": base, "alternative": alternative, "port": port, "capital": capital, "yearly": yearly,
              "passengers": passengers, "replications": replications, "seed": seed}
    context: dict[str, Any] = {"title": t("appr.title"), "section": "appraisal", "examples": examples,
                               "values": values, "result": None, "error": None}
    status = 200
    if run:
        try:
            base_scenario, alt_scenario = _scenario(base), _scenario(alternative)
            if set(scenario_modes(alt_scenario)) - set(scenario_modes(base_scenario)):
                raise BadInputError("the alternative serves a mode the base does not; choose scenarios of one kind",
                                    key="appr.modes_differ")
            options = AppraisalOptions(
                replications=_bounded_replications(replications) or 10,
                seed=_number(seed, "seed", int, 0, 2**32 - 1) or 0,
                passengers_per_vehicle=_number(passengers, "passengers", float, 0, MAX_PASSENGERS_PER_VEHICLE),
                workers=1,
            )
            alt = Alternative(alt_scenario, _number(capital, "capital", float, 0, MAX_COST_DOLLARS) or 0.0,
                              _number(yearly, "yearly", float, 0, MAX_COST_DOLLARS) or 0.0)
            engine = request.app.state.engine
            code = port.strip() or None
            volumes = None
            if code is not None:
                volumes = await run_in_threadpool(_port_volumes, engine, code, scenario_modes(base_scenario))
            found = await _limited(appraise, base_scenario, [alt], volumes, options)
            context["result"] = appraisal_view(found, t)
        except BorderFlowError as exc:
            context["error"] = t.message(exc)
            status = _error_status(exc)
    return page(request, "appraisal.html", status_code=status, **context)


def _port_volumes(engine: Engine, code: str, modes: tuple[str, ...]) -> PortYear:
    """The port's monthly volumes of the latest year in which BTS counted ``modes`` in every month."""
    return port_year(engine, code, latest_complete_year(engine, code, modes))


def appraisal_view(result: AppraisalResult, t: i18n.Translator) -> dict[str, Any]:
    days = [{"id": d.id, "name": t(f"appr.day.{d.id}") if f"appr.day.{d.id}" in i18n.STRINGS else d.id,
             "month": t.month(f"{result.year}-{d.month:02d}") if d.month else t("none"),
             "type": d.day_type,
             "volume": ", ".join(f"{t('mode.' + m)} {t.number(v)}" for m, v in d.volumes.items()),
             "represents": ", ".join(f"{t('mode.' + m)} {t.number(v)}" for m, v in result.weights[d.id].items())}
            for d in result.days]
    rows = []
    for item in (result.base, *result.alternatives):
        for mode, d in item.by_mode.items():
            change = None if item.change_hours is None else item.change_hours[mode]
            rows.append({"scenario": item.name, "mode": t("mode." + mode),
                         "wait": t.number(60 * d.vehicle_hours / d.vehicles if d.vehicles else 0, 2),
                         "hours": t.number(d.hours), "unit": t("appr.unit." + d.unit),
                         "value": t.number(d.dollars), "change": t("none") if change is None else f"{change:+,.0f}"})
    money = []
    for item in result.alternatives:
        e = item.economics
        assert e is not None
        bcr = e.benefit_cost_ratio
        money.append({"name": item.name, "benefit": t.number(e.yearly_benefit_dollars),
                      "capital": t.number(e.capital_cost_dollars), "yearly": t.number(e.yearly_cost_dollars),
                      "npv": t.number(e.npv_dollars), "bcr": t("none") if bcr is None else t.number(bcr, 2),
                      "break_even": t.number(e.break_even_yearly_cost_dollars)})
    v = result.valuation
    sources = t("appr.sources", person=v.person_hour_dollars, truck=v.truck_hour_dollars, year=v.dollar_year,
                rate=v.discount_rate, horizon=v.horizon_years)
    return {"days": days, "rows": rows, "money": money, "sources": sources, "notes": [t.message(n) for n in result.notes],
            "port": result.port_code, "year": result.year}
