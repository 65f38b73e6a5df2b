"""``borderflow calibrate``: fit a lane's scenario to the archive and report how well it fits.

Human output is a table of observed vs simulated mean wait per local hour and the mean
absolute errors; ``--json`` writes the whole calibration (scenario included) to stdout;
``-o FILE`` writes the scenario (YAML, or JSON when FILE ends in .json), loadable by
``borderflow simulate``. The method is in docs/calibration.md.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table

from borderflow.calibration.fit import FitOptions
from borderflow.cli.context import emit_json, out, state
from borderflow.errors import BadInputError
from borderflow.services.calibration import Calibration, calibrate_lane


def _when(text: str, label: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadInputError(f"--{label} must be a time like 2026-08-12T00:00:00Z; got {text!r}") from None
    if value.tzinfo is None:
        raise BadInputError(f"--{label} needs a UTC offset or Z, e.g. 2026-08-12T00:00:00Z; got {text!r}")
    return value


def write_scenario(calibration: Calibration, path: Path) -> None:
    data = calibration.scenario()
    text = json.dumps(data, indent=2) if path.suffix.lower() == ".json" else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")


def print_calibration(c: Calibration) -> None:
    d = c.to_json_dict()
    table = Table(title=f"{c.crossing_id} {c.mode} {c.program} - local hours ({c.timezone})", title_justify="left")
    for title in ("Hour", "Booths", "Demand/h", "Observed", "Simulated", "Naive", "Held-out"):
        table.add_column(title, justify="right")
    for row in d["hours"]:
        table.add_row(f"{row['hour']:02d}", str(row["booths"]), f"{row['per_hour']:.0f}",
                      *(_cell(row[k]) for k in ("observed_wait_minutes", "simulated_wait_minutes",
                                                "naive_wait_minutes", "holdout_wait_minutes")))
    out.print(table)
    mae = d["mae_minutes"]
    out.print(f"service: {d['service_cv'] == 1.0 and 'exponential' or 'lognormal'} mean "
              f"{d['service_mean_seconds']:.0f} s (chosen by {d['service_chosen_by']}); "
              f"demand {d['daily_demand']:,.0f} a day; booths from {d['booths_source']}")
    if d["volume"]:
        v = d["volume"]
        out.print(f"volumes: port {v['port_code']} {v['measure']} {v['month']}: {v['port_daily']:,.0f} a day x "
                  f"share {v['share']:.3f} = {v['daily_demand']:,.0f} a day")
    out.print(f"days fitted: {len(c.fit_days)}, held out: {len(c.holdout_days)}")
    out.print(f"MAE in-sample (fitted days): {_cell(mae['in_sample'])} min "
              f"(naive constant demand: {_cell(mae['in_sample_naive'])} min)")
    if c.holdout_days:
        out.print(f"MAE out-of-sample (last {len(c.holdout_days)} days): {_cell(mae['holdout'])} min "
                  f"(naive: {_cell(mae['holdout_naive'])} min)")
    else:
        out.print("MAE out-of-sample: none (fewer than 4 days with readings)")


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
        start: Annotated[str, typer.Option("--from", help="Window start, ISO time with offset.")],
        end: Annotated[str, typer.Option("--to", help="Window end (excluded), ISO time with offset.")],
        direction: Annotated[str, typer.Option("--direction")] = "northbound",
        booths: Annotated[int | None, typer.Option(
            "--booths", help="Booths every hour (default: lanes_open readings, else the maximum lanes).")] = None,
        service_cv: Annotated[float | None, typer.Option(
            "--service-cv", help="Lognormal service with this cv (default exponential).")] = None,
        no_volumes: Annotated[bool, typer.Option("--no-volumes", help="Ignore monthly volumes.")] = False,
        seed: Annotated[int, typer.Option("--seed")] = 0,
        output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the scenario here.")] = None,
        json_out: Annotated[bool, typer.Option("--json", help="Write the calibration JSON to stdout.")] = False,
    ) -> None:
        """Fit demand per hour and service time to a lane's observed waits; report the MAE."""
        if seed < 0:
            raise BadInputError(f"--seed must be a whole number >= 0; got {seed}")
        calibration = calibrate_lane(
            state(ctx).engine(), crossing, mode, program, start=_when(start, "from"), end=_when(end, "to"),
            direction=direction, booths=booths, use_volumes=not no_volumes,
            options=FitOptions(service_cv=service_cv, seed=seed),
        )
        if output is not None:
            write_scenario(calibration, output)
        if json_out:
            emit_json(calibration.to_json_dict())
        else:
            print_calibration(calibration)
