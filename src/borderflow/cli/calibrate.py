"""``borderflow calibrate``: fit a lane's scenario to the archive and report how well it fits.

Human output is a table of observed vs simulated mean wait per local hour and the mean
absolute errors; ``--json`` writes the whole calibration (scenario included) to stdout;
``-o FILE`` writes the scenario (YAML, or JSON when FILE ends in .json), loadable by
``borderflow simulate``. The method is in docs/calibration.md.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.table import Table

from borderflow.calibration.fit import FitOptions
from borderflow.cli.context import check_range, emit_json, err, out, state, usage_error
from borderflow.cli.output import Output, output_for, write_output
from borderflow.errors import BadInputError
from borderflow.services.calibration import Calibration, calibrate_forecast_day, calibrate_lane
from borderflow.sim.scenario import MAX_BOOTHS, MAX_CV


def _when(text: str, label: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadInputError(f"--{label} must be a time like 2026-08-12T00:00:00Z; got {text!r}") from None
    if value.tzinfo is None:
        raise BadInputError(f"--{label} needs a UTC offset or Z, e.g. 2026-08-12T00:00:00Z; got {text!r}")
    return value


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise BadInputError(f"--forecast-day must be a date like 2026-08-23; got {text!r}") from None


def write_scenario(calibration: Calibration, destination: Output) -> None:
    """The scenario as YAML, or JSON when the file's name ends in .json."""
    data = calibration.scenario()
    as_json = destination.path is not None and destination.path.suffix.lower() == ".json"
    write_output(destination, json.dumps(data, indent=2) + "\n" if as_json else yaml.safe_dump(data, sort_keys=False))


def print_calibration(c: Calibration, console: Console = out) -> None:
    d = c.to_json_dict()
    day = f" on {c.fit_days[0]}" if c.forecast else ""
    table = Table(title=f"{c.crossing_id} {c.mode} {c.program} - local hours ({c.timezone}){day}", title_justify="left")
    for title in ("Hour", "Booths", "Demand/h", "Forecast" if c.forecast else "Observed", "Simulated", "Naive",
                  "Held-out"):
        table.add_column(title, justify="right")
    for row in d["hours"]:
        table.add_row(row.get("label", f"{row['hour']:02d}"), str(row["booths"]), f"{row['per_hour']:.0f}",
                      *(_cell(row[k]) for k in ("observed_wait_minutes", "simulated_wait_minutes",
                                                "naive_wait_minutes", "holdout_wait_minutes")))
    console.print(table)
    mae = d["mae_minutes"]
    cv = f" cv {d['service_cv']:g}" if d["service_dist"] == "lognormal" else ""
    console.print(f"service: {d['service_dist']}{cv} mean "
                  f"{d['service_mean_seconds']:.0f} s (chosen by {d['service_chosen_by']}); "
                  f"demand {d['daily_demand']:,.0f} a day; booths from {d['booths_source']}")
    for note in c.notes:
        console.print(f"note: {note}", highlight=False)
    console.print(f"simulated: the scenario as written (seed {d['seed']}, {d['replications']} replications, "
                  "random numbers independent of the fit's)", highlight=False)
    if d["volume"]:
        v = d["volume"]
        console.print(f"volumes: port {v['port_code']} {v['measure']} {v['month']}: {v['port_daily']:,.0f} a day x "
                  f"share {v['share']:.3f} = {v['daily_demand']:,.0f} a day")
    if c.forecast:
        f = c.forecast
        console.print(f"target: the forecast of {c.fit_days[0]} by {f['model_version']}, made from readings up to "
                  f"{f['last_reading_at']}", highlight=False)
        console.print(f"MAE to the forecast: {_cell(mae['in_sample'])} min "
                  f"(naive constant demand: {_cell(mae['in_sample_naive'])} min)")
        return
    console.print(f"days fitted: {len(c.fit_days)}, held out: {len(c.holdout_days)}")
    console.print(f"MAE in-sample (fitted days): {_cell(mae['in_sample'])} min "
              f"(naive constant demand: {_cell(mae['in_sample_naive'])} min)")
    if c.holdout_days:
        console.print(f"MAE out-of-sample (last {len(c.holdout_days)} days): {_cell(mae['holdout'])} min "
                  f"(naive: {_cell(mae['holdout_naive'])} min)")
    else:
        console.print("MAE out-of-sample: none (fewer than 4 days with readings)")


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def register(app: typer.Typer) -> None:
    """Add the ``calibrate`` command to the main CLI."""

    @app.command("calibrate")
    def calibrate_cli(
        ctx: typer.Context,
        crossing: Annotated[str, typer.Option("--crossing", help="Crossing number, e.g. 535501.")],
        mode: Annotated[str, typer.Option("--mode", help="passenger, commercial or pedestrian.")],
        program: Annotated[str, typer.Option("--program", help="standard, sentri, ready or fast.")],
        start: Annotated[str | None, typer.Option("--from", help="Window start, ISO time with offset.")] = None,
        end: Annotated[str | None, typer.Option("--to", help="Window end (excluded), ISO time with offset.")] = None,
        forecast_day: Annotated[str | None, typer.Option(
            "--forecast-day", help="Instead of --from/--to: fit to the forecast of this local day (YYYY-MM-DD).")] = None,
        at: Annotated[str | None, typer.Option(
            "--at", help="With --forecast-day: forecast as of this ISO time (default now).")] = None,
        direction: Annotated[str, typer.Option("--direction")] = "northbound",
        booths: Annotated[int | None, typer.Option(
            "--booths", help="Booths every hour, 1 to 10000 (default: lanes_open readings, else the maximum lanes).")] = None,
        service_cv: Annotated[float | None, typer.Option(
            "--service-cv", help="Lognormal service with this cv, > 0 and at most 10 (default exponential).")] = None,
        no_volumes: Annotated[bool, typer.Option("--no-volumes", help="Ignore monthly volumes.")] = False,
        seed: Annotated[int, typer.Option(
            "--seed", help="The scenario's seed (the reported waits are its replications; the fit uses a child).")] = 0,
        smooth_hours: Annotated[int, typer.Option(
            "--smooth-hours", help="Fit the demand to a centred moving mean of this many hours (odd; 1 = none).")] = 3,
        output: Annotated[str | None, typer.Option(
            "-o", "--output", help="Write the scenario here (-: stdout, the fit report then on stderr).")] = None,
        json_out: Annotated[bool, typer.Option("--json", help="Write the calibration JSON to stdout.")] = False,
    ) -> None:
        """Fit demand per hour and service time to a lane's observed waits (or to its forecast of a coming day)."""
        check_range(ctx, "--seed", seed, 0)
        if booths is not None:
            check_range(ctx, "--booths", booths, 1, MAX_BOOTHS)
        if service_cv is not None and not (math.isfinite(service_cv) and 0 < service_cv <= MAX_CV):
            raise usage_error(ctx, f"--service-cv must be a number > 0 and at most {MAX_CV:g} (the lognormal "
                                   f"service's standard deviation / mean); got {service_cv}")
        if smooth_hours < 1 or smooth_hours % 2 == 0 or smooth_hours > 23:
            raise usage_error(ctx, f"--smooth-hours must be an odd whole number from 1 to 23; got {smooth_hours}")
        options = FitOptions(service_cv=service_cv, seed=seed, smooth_hours=smooth_hours)
        destination = None if output is None else output_for(output, binary=False,
                                                             protect=state(ctx).archive_files())
        if destination is not None and destination.is_stdout and json_out:
            raise BadInputError("-o - and --json would both write to stdout; name a file with -o FILE "
                                "(the --json output holds the scenario too)")
        if forecast_day is not None:
            if start is not None or end is not None:
                raise usage_error(ctx, "give either --from and --to (observed waits) or --forecast-day, not both")
            calibration = calibrate_forecast_day(
                state(ctx).engine(), crossing, mode, program, _day(forecast_day),
                as_of=_when(at, "at") if at is not None else None, direction=direction, booths=booths,
                use_volumes=not no_volumes, options=options)
        else:
            if start is None or end is None:
                raise usage_error(ctx, "Missing option '--from' and '--to' (a window of readings), or "
                                       "'--forecast-day DATE'")
            if at is not None:
                raise usage_error(ctx, "--at goes with --forecast-day")
            calibration = calibrate_lane(
                state(ctx).engine(), crossing, mode, program, start=_when(start, "from"), end=_when(end, "to"),
                direction=direction, booths=booths, use_volumes=not no_volumes, options=options)
        if destination is not None:
            write_scenario(calibration, destination)
        if json_out:
            emit_json(calibration.to_json_dict())
        else:
            print_calibration(calibration, err if destination is not None and destination.is_stdout else out)
