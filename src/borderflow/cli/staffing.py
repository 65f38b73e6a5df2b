"""``borderflow staff`` and ``borderflow appraise``: the planning verbs.

* ``staff SCENARIO --target-p95-minutes T`` — booths per hour and lane group against a
  p95 wait target (simulation search with common random numbers), the SIPP/Erlang-C
  baseline, and an officer roster (docs/staffing.md).
* ``appraise BASE ALT...`` — yearly delay by mode, its value, NPV and BCR of each
  alternative (docs/appraisal.md); ``appraise --rank PORTFOLIO...`` ranks projects
  across ports.

Human tables by default, ``--json`` for machines; a domain error is one line on stderr
and exit 1 (``borderflow.cli.main`` does that).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from borderflow.cli.context import emit_json, state
from borderflow.errors import BadInputError
from borderflow.planning.alternatives import load_alternative
from borderflow.planning.appraisal import (
    DEFAULT_REPLICATIONS as APPRAISAL_REPLICATIONS,
)
from borderflow.planning.appraisal import (
    Alternative,
    AppraisalOptions,
    AppraisalResult,
    appraise,
)
from borderflow.planning.days import scenario_modes
from borderflow.planning.portfolio import RankedProject, rank_portfolio, rerank
from borderflow.planning.values import Valuation
from borderflow.planning.volumes import latest_complete_year, port_year
from borderflow.sim.scenario import load_scenario
from borderflow.staffing.planner import (
    CHECK_DECISION_FACTOR,
    StaffingPlan,
    StaffingRequest,
    plan_staffing,
)
from borderflow.staffing.shifts import Roster, ShiftRules


def _console() -> Console:
    # markup off: scenario, lane group and project names are printed as they are written
    console = Console(markup=False, emoji=False)
    return console if console.is_terminal else Console(width=160, markup=False, emoji=False)


def _write_json(data: Any) -> None:
    emit_json(data, indent=2)


# -- staff ------------------------------------------------------------------------------------


def staff_command(file: Path, request: StaffingRequest, json_out: bool) -> StaffingPlan:
    scenario = load_scenario(file)
    plan = plan_staffing(scenario, request)
    if json_out:
        _write_json(plan.to_json_dict())
    else:
        print_plan(plan, _console())
    return plan


def print_plan(plan: StaffingPlan, console: Console) -> None:
    console.print(Text.assemble(
        (plan.scenario, "bold"), f" - p95 target {plan.target_p95_minutes:g} min; search "
        f"{plan.replications} replications (seed {plan.seed}; trials screened on "
        f"{plan.screen_replications}, decided on {plan.decision_replications}), "
        f"{plan.evaluations} simulations in {plan.seconds:.1f} s; check {plan.check_replications} "
        f"replications (fresh seed {plan.check_seed}; decided on {CHECK_DECISION_FACTOR * plan.check_replications})"
    ))
    labels = plan.hour_labels
    for gid, group in plan.lane_groups.items():
        sipp = plan.baseline_sipp[gid]
        table = Table(title=f"{gid} ({group.mode}, {group.program}), at most {group.max_booths} booths",
                      title_justify="left")
        for title in ("Hour", "Arrivals", "Booths", "p95 min", "Met", "SIPP booths", "SIPP p95", "SIPP met"):
            table.add_column(title, justify="right")
        for h in range(plan.hours):
            table.add_row(
                labels[h], f"{group.arrivals[h]:,.0f}", str(group.booths[h]), _minutes(group.p95_minutes[h]),
                _yes(group.target_met[h]), str(sipp.booths[h]), _minutes(sipp.p95_minutes[h]),
                _yes(sipp.target_met[h]),
            )
        table.add_section()
        table.add_row("total", f"{sum(group.arrivals):,.0f}", f"{group.booth_hours:,}", "",
                      f"{sum(group.target_met)}/{plan.hours}", f"{sipp.booth_hours:,}", "",
                      f"{sum(sipp.target_met)}/{plan.hours}", style="bold")
        console.print(table)
    bound = plan.lower_bound_booth_hours
    console.print(
        f"Booth-hours: plan {plan.booth_hours:,} ({_ratio(plan.booth_hours, bound)} the lower bound), "
        f"SIPP {plan.sipp_booth_hours:,} ({_ratio(plan.sipp_booth_hours, bound)}); lower bound "
        f"(arrivals x mean inspection time) {bound:,.1f}. Target met in every hour: plan "
        f"{_yes(plan.all_met)}, SIPP {_yes(plan.sipp_all_met)}."
    )
    for issue in plan.issues:
        console.print(Text.assemble(("not met", "yellow"), f" {issue.message}"))
    for note in plan.notes:
        console.print(f"note: {note}")
    if plan.roster is not None:
        print_roster(plan.roster, console, "Officer roster (plan)", labels)
        if plan.sipp_roster is not None:
            console.print(f"SIPP would need {plan.sipp_roster.officers} officers "
                          f"({plan.sipp_roster.officer_hours:,} officer-hours).")


def print_roster(roster: Roster, console: Console, title: str, labels: Sequence[str] | None = None) -> None:
    """The roster's shifts and its officers on duty by hour; ``labels``: the hours as shown
    (default ``00``, ``01``, ...; a real day's clock times, :attr:`StaffingPlan.hour_labels`)."""
    rules = roster.rules
    hours = len(roster.starts)
    shown = list(labels) if labels is not None else [f"{h:02d}" for h in range(hours)]
    console.print(Text.assemble((title, "bold"), f": {roster.officers} officers on {rules.length_hours}-hour "
                                f"shifts{' (circular)' if rules.circular else ''}, {roster.officer_hours:,} "
                                f"officer-hours; {roster.status}"))
    table = Table()
    for name in ("Shift starts at hour", "Covers hours", "Officers"):
        table.add_column(name, justify="right")
    for shift in roster.shifts:
        last = shift.end_hour - 1
        if rules.circular:
            last %= hours
        elif last >= hours:
            last = hours - 1
        table.add_row(shown[shift.start_hour], f"{shown[shift.start_hour]}-{shown[last]}", str(shift.officers))
    console.print(table)
    console.print("On duty / needed by hour: " + "  ".join(
        f"{shown[h]} {d}/{r}" for h, (d, r) in enumerate(zip(roster.on_duty, roster.required, strict=True))))


# -- appraise --------------------------------------------------------------------------------


def appraise_command(
    ctx: typer.Context,
    files: list[Path],
    port: str | None,
    year: int | None,
    capital: list[float],
    yearly: list[float],
    options: AppraisalOptions,
    json_out: bool,
) -> AppraisalResult:
    if len(files) < 2:
        raise BadInputError("give a base scenario and at least one alternative: appraise BASE ALT...")
    base_file, alt_files = files[0], files[1:]
    for name, values in (("--capital-cost", capital), ("--yearly-cost", yearly)):
        if values and len(values) != len(alt_files):
            raise BadInputError(
                f"{name} must be given once per alternative ({len(alt_files)}), in order; got {len(values)}"
            )
    base = load_scenario(base_file)
    alternatives = [
        Alternative(load_alternative(f, base), capital[i] if capital else 0.0, yearly[i] if yearly else 0.0)
        for i, f in enumerate(alt_files)
    ]
    volumes = None
    if port is not None:
        engine = state(ctx).engine()
        volumes = port_year(engine, port, year if year is not None else
                            latest_complete_year(engine, port, scenario_modes(base)))
    elif year is not None:
        raise BadInputError("--year needs --port (the BTS port code whose volumes to use)")
    elif options.weekend_factors or options.all_months:
        given = " and ".join(n for n, v in (("--weekend-factor", options.weekend_factors),
                                            ("--all-months", options.all_months)) if v)
        raise BadInputError(f"{given} needs --port: they shape the days built from the port's BTS monthly "
                            "volumes, and without a port the scenario's own day stands for every day of the year")
    result = appraise(base, alternatives, volumes, options)
    if json_out:
        _write_json(result.to_json_dict())
    else:
        print_appraisal(result, _console())
    return result


def print_appraisal(result: AppraisalResult, console: Console) -> None:
    v = result.valuation
    where = (f"port {result.port_code}, BTS {result.year}" if result.port_code
             else "the scenario's own day, every day of the year")
    console.print(Text.assemble(("Appraisal", "bold"), f" - demand from {where}; {result.replications} replications "
                                f"per day, seed {result.seed}; ${v.person_hour_dollars:.2f}/person-hour, "
                                f"${v.truck_hour_dollars:.2f}/truck-hour ({v.dollar_year} dollars), "
                                f"{v.discount_rate:.1%} over {v.horizon_years} years"))
    days = Table(title="Representative days", title_justify="left")
    for name in ("Day", "Month", "Type", "Volume a day", "Vehicles it stands for"):
        days.add_column(name, justify="right")
    for d in result.days:
        days.add_row(d.id, str(d.month or "-"), d.day_type,
                     ", ".join(f"{m} {x:,.0f}" for m, x in d.volumes.items()),
                     ", ".join(f"{m} {x:,.0f}" for m, x in result.weights[d.id].items()))
    console.print(days)
    table = Table(title="Yearly delay (waiting for primary inspection)", title_justify="left")
    for name in ("Scenario", "Mode", "Wait min/vehicle", "Hours", "Unit", "Value $", "Change hours", "Change $"):
        table.add_column(name, justify="right")
    for item in (result.base, *result.alternatives):
        for mode, delay in item.by_mode.items():
            per_vehicle = 60.0 * delay.vehicle_hours / delay.vehicles if delay.vehicles else 0.0
            change_h = "" if item.change_hours is None else f"{item.change_hours[mode]:+,.0f}"
            change_d = "" if item.change_dollars is None else f"{item.change_dollars[mode]:+,.0f}"
            table.add_row(item.name, mode, f"{per_vehicle:.2f}", f"{delay.hours:,.0f}", delay.unit,
                          f"{delay.dollars:,.0f}", change_h, change_d)
    console.print(table)
    money = Table(title="Against the base", title_justify="left")
    for name in ("Alternative", "Benefit $/yr", "Capital $", "Yearly cost $", "NPV $", "BCR",
                 "Break-even yearly cost $"):
        money.add_column(name, justify="right")
    for item in result.alternatives:
        e = item.economics
        assert e is not None
        bcr = e.benefit_cost_ratio
        money.add_row(item.name, f"{e.yearly_benefit_dollars:,.0f}", f"{e.capital_cost_dollars:,.0f}",
                      f"{e.yearly_cost_dollars:,.0f}", f"{e.npv_dollars:,.0f}",
                      "-" if bcr is None else f"{bcr:.2f}", f"{e.break_even_yearly_cost_dollars:,.0f}")
    console.print(money)
    for note in result.notes:
        console.print(f"note: {note}")


def print_ranking(ranked: list[RankedProject], console: Console) -> None:
    table = Table(title="Projects ranked: those that pay first (no cost, then by BCR); those that lose money last",
                  title_justify="left")
    for name in ("Rank", "Project", "Port", "Year", "Benefit $/yr", "NPV $", "BCR", "Why here"):
        table.add_column(name, justify="left" if name == "Why here" else "right")
    for item in ranked:
        e = item.economics
        bcr = e.benefit_cost_ratio
        table.add_row(str(item.rank), item.name, item.port_code or "-", str(item.result.year or "-"),
                      f"{e.yearly_benefit_dollars:,.0f}", f"{e.npv_dollars:,.0f}",
                      "-" if bcr is None else f"{bcr:.2f}", item.reason)
    console.print(table)
    seen = []
    for item in ranked:
        r, v, where = item.result, item.result.valuation, item.settings_from or {}
        line = (f"replications {r.replications} ({where.get('replications', '-')}), seed {r.seed} "
                f"({where.get('seed', '-')}), ${v.person_hour_dollars:.2f}/person-hour "
                f"({where.get('person_hour_dollars', '-')}), ${v.truck_hour_dollars:.2f}/truck-hour "
                f"({where.get('truck_hour_dollars', '-')}), discount rate {v.discount_rate:.1%} "
                f"({where.get('discount_rate', '-')}), {v.horizon_years} years ({where.get('horizon_years', '-')})")
        if line not in seen:
            seen.append(line)
    for line in seen:
        console.print(f"settings: {line}")


#: The appraise options that a portfolio file may also set, by the setting each is.
_PORTFOLIO_SETTINGS = {"replications": "replications", "seed": "seed", "person_hour": "person_hour_dollars",
                       "truck_hour": "truck_hour_dollars", "discount_rate": "discount_rate",
                       "horizon": "horizon_years"}


def _given_settings(ctx: typer.Context) -> frozenset[str]:
    """The portfolio settings given on the command line (they win over the file's)."""
    # by the source's name: typer may carry its own copy of click, whose enum is another class
    given = ("COMMANDLINE", "ENVIRONMENT")
    return frozenset(setting for param, setting in _PORTFOLIO_SETTINGS.items()
                     if getattr(ctx.get_parameter_source(param), "name", None) in given)


def _parse_weekend_factors(values: list[str]) -> dict[str, float] | None:
    if not values:
        return None
    out = {}
    for text in values:
        mode, sep, number = text.partition("=")
        try:
            if not sep or mode not in ("passenger", "pedestrian", "commercial"):
                raise ValueError
            out[mode] = float(number)
        except ValueError:
            raise BadInputError(
                f"--weekend-factor must look like commercial=0.5 (mode passenger, pedestrian or "
                f"commercial); got {text!r}"
            ) from None
    return out


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _yes(value: bool) -> str:
    return "yes" if value else "NO"


def _ratio(value: float, bound: float) -> str:
    return f"{value / bound:.3f}x" if bound > 0 else "-"


def register(app: typer.Typer) -> None:
    """Add ``staff`` and ``appraise`` to the main CLI."""

    @app.command("staff")
    def staff_cli(
        file: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).")],
        target: Annotated[float, typer.Option("--target-p95-minutes", help="p95 wait target, minutes.")],
        lane_group: Annotated[list[str] | None, typer.Option(
            "--lane-group", help="Lane group to staff (repeat; default all).")] = None,
        max_booths: Annotated[int | None, typer.Option(
            "--max-booths", help="Most booths a lane group may open (default: the scenario's most).")] = None,
        replications: Annotated[int | None, typer.Option(
            "--replications", "-r", help="Search replications (default: sized to the scenario).")] = None,
        check_replications: Annotated[int | None, typer.Option(
            "--check-replications", help="Fresh-seed check replications (default: twice the search's).")] = None,
        seed: Annotated[int | None, typer.Option("--seed", help="Search seed (default: the scenario's).")] = None,
        shift_hours: Annotated[int, typer.Option("--shift-hours", help="Officer shift length, hours.")] = 8,
        officers_per_booth: Annotated[float, typer.Option(
            "--officers-per-booth", help="Officers needed per open booth.")] = 1.0,
        min_crew: Annotated[int, typer.Option(
            "--min-crew", help="Fewest officers on duty in any hour with a booth open.")] = 0,
        min_per_start: Annotated[int, typer.Option(
            "--min-per-start", help="Fewest officers starting together when a shift starts.")] = 1,
        circular: Annotated[bool, typer.Option(
            "--circular/--no-circular", help="The horizon repeats (shifts wrap past its end).")] = False,
        json_out: Annotated[bool, typer.Option("--json", help="Write the plan JSON to stdout.")] = False,
    ) -> None:
        """Booths per hour and lane group meeting a p95 wait target with the fewest booth-hours."""
        rules = ShiftRules(length_hours=shift_hours, officers_per_booth=officers_per_booth,
                           min_on_duty=min_crew, min_per_start=min_per_start, circular=circular)
        request = StaffingRequest(
            target_p95_minutes=target, lane_groups=tuple(lane_group) if lane_group else None,
            max_booths=max_booths, replications=replications, check_replications=check_replications,
            seed=seed, shifts=rules,
        )
        staff_command(file, request, json_out)

    @app.command("appraise")
    def appraise_cli(
        ctx: typer.Context,
        files: Annotated[list[Path], typer.Argument(
            help="BASE then ALT... scenario or edit files; with --rank, portfolio files.")],
        rank: Annotated[bool, typer.Option("--rank", help="FILES are portfolios: rank their projects.")] = False,
        port: Annotated[str | None, typer.Option(
            "--port", help="BTS port code whose archived volumes give the days' demand (e.g. 2504).")] = None,
        year: Annotated[int | None, typer.Option(
            "--year", help="Year of volumes (default: the latest in which BTS counted the base's modes every month).")] = None,
        capital: Annotated[list[float] | None, typer.Option(
            "--capital-cost", help="Capital cost of each ALT, dollars (repeat, in order).")] = None,
        yearly: Annotated[list[float] | None, typer.Option(
            "--yearly-cost", help="Yearly cost of each ALT, dollars (repeat, in order).")] = None,
        replications: Annotated[int, typer.Option(
            "--replications", "-r", help="Replications per simulated day.")] = APPRAISAL_REPLICATIONS,
        seed: Annotated[int, typer.Option("--seed", help="Root seed.")] = 0,
        person_hour: Annotated[float, typer.Option(
            "--person-hour-dollars", help="Value of a person-hour.")] = Valuation.person_hour_dollars,
        truck_hour: Annotated[float, typer.Option(
            "--truck-hour-dollars", help="Value of a truck-hour.")] = Valuation.truck_hour_dollars,
        discount_rate: Annotated[float, typer.Option(
            "--discount-rate", help="Real discount rate (0.07 = 7 %).")] = Valuation.discount_rate,
        horizon: Annotated[int, typer.Option("--horizon-years", help="Years of benefits.")] = Valuation.horizon_years,
        passengers: Annotated[float | None, typer.Option(
            "--passengers-per-vehicle", help="People per personal vehicle (default: BTS, from the archive).")] = None,
        weekend: Annotated[list[str] | None, typer.Option(
            "--weekend-factor", help="Weekend day / weekday volume, e.g. commercial=0.5 (repeat).")] = None,
        all_months: Annotated[bool, typer.Option(
            "--all-months", help="Simulate a weekday and a weekend day of every month.")] = False,
        scheduler: Annotated[str | None, typer.Option(
            "--scheduler", help="Dask scheduler address (default: a local process pool).")] = None,
        workers: Annotated[int | None, typer.Option("--workers", help="Local processes.")] = None,
        json_out: Annotated[bool, typer.Option("--json", help="Write the results JSON to stdout.")] = False,
    ) -> None:
        """Yearly delay, its value, NPV and BCR of modernization alternatives against a base."""
        options = AppraisalOptions(
            replications=replications, seed=seed,
            valuation=Valuation(person_hour_dollars=person_hour, truck_hour_dollars=truck_hour,
                                discount_rate=discount_rate, horizon_years=horizon),
            passengers_per_vehicle=passengers, weekend_factors=_parse_weekend_factors(weekend or []),
            all_months=all_months, scheduler=scheduler, workers=workers,
        )
        if rank:
            given = [name for name, value in (("--port", port), ("--year", year), ("--capital-cost", capital),
                                              ("--yearly-cost", yearly)) if value is not None]
            if given:
                raise BadInputError(f"{', '.join(given)} does not apply with --rank: a portfolio names each "
                                    "project's port, year and costs; leave it out or edit the portfolio")
            ranked: list[RankedProject] = []
            for file in files:
                ranked.extend(rank_portfolio(file, state(ctx).engine(), options, _given_settings(ctx)))
            if len(files) > 1:  # several portfolios: one ranking
                ranked = rerank(ranked)
            if json_out:
                _write_json({"projects": [r.to_json_dict() for r in ranked]})
            else:
                print_ranking(ranked, _console())
            return
        appraise_command(ctx, files, port, year, capital or [], yearly or [], options, json_out)
