"""Forecast verbs: ``forecast`` (and ``forecast train``, ``forecast models``) and ``backtest``."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from borderflow.cli.context import check_range, emit_json, err, out, state, usage_error

forecast_app = typer.Typer(
    name="forecast",
    help="Hourly wait forecasts with 80%/95% intervals and the best hour to cross.",
    no_args_is_help=False,
)


def _gbm_params(max_train_rows: int | None, num_trees: int | None, seed: int | None) -> Any:
    from dataclasses import asdict

    from borderflow.forecast.gbm import GBMParams

    base = asdict(GBMParams())
    for name, value in (("max_train_rows", max_train_rows), ("num_trees", num_trees), ("seed", seed)):
        if value is not None:
            base[name] = value
    return GBMParams(**base)


def _print_forecast(result: dict[str, Any]) -> None:
    table = Table(title=f"Crossing {result['crossing_id']} {result['mode']}/{result['program']} "
                        f"({result['timezone']}), model {result['model_version']}")
    for col in ("local hour", "wait (min)", "80% band", "95% band"):
        table.add_column(col, justify="right")
    best = result["best_hour"]["hour"]
    walls = [item["local_hour"][:16] for item in result["forecast"]]
    for item, wall in zip(result["forecast"], walls):
        mark = " *" if item["hour"] == best else (" ~" if not item.get("reported_recently", True) else "")
        # the hour clocks repeat when they go back is told apart by its UTC offset
        shown = wall.replace("T", " ") + (f" {item['local_hour'][19:]}" if walls.count(wall) > 1 else "")
        table.add_row(shown + mark, f"{item['wait_minutes']:.0f}",
                      f"{item['lo80']:.0f}-{item['hi80']:.0f}", f"{item['lo95']:.0f}-{item['hi95']:.0f}")
    out.print(table)
    b = result["best_hour"]
    out.print(f"Best hour to cross: {b['local_hour'][:16].replace('T', ' ')} local "
              f"(UTC{b['local_hour'][19:]}), about "
              f"{b['wait_minutes']:.0f} min (80%: {b['lo80']:.0f}-{b['hi80']:.0f}).", highlight=False)
    if not all(item.get("reported_recently", True) for item in result["forecast"]):
        out.print("~ no wait reported at this hour of the day in the 28 days before (the lane is usually closed "
                  "then): not offered as the best hour.", highlight=False)
    if not result["out_of_sample"]:
        err.print(f"note: every model of this lane was trained on readings after {result['origin']}; this is "
                  "an in-sample forecast, better than the model would do on unseen hours (train with "
                  "--until to forecast the past honestly)", markup=False, highlight=False, soft_wrap=True)
    if result["hours_since_last_reading"] > 3:
        err.print(f"note: the last reading is {result['hours_since_last_reading']:.0f} hours older than "
                  f"the first forecast hour ({result['last_reading_at']})", markup=False, highlight=False)


@forecast_app.callback(invoke_without_command=True)
def forecast_command(
    ctx: typer.Context,
    crossing: str | None = typer.Option(None, "--crossing", help="6-digit crossing number, e.g. 300402."),
    mode: str = typer.Option("passenger", "--mode", help="passenger, commercial or pedestrian."),
    program: str = typer.Option("standard", "--program", help="standard, sentri, ready or fast."),
    hours: int = typer.Option(24, "--hours", help="How many hours to forecast (1-168)."),
    at: str | None = typer.Option(None, "--at", help="Forecast as of this ISO 8601 time instead of now."),
    direction: str = typer.Option("northbound", "--direction",
                                  help="northbound (into the US, CBP's lanes) or southbound."),
    as_json: bool = typer.Option(False, "--json", help="Write the forecast as JSON."),
) -> None:
    """Forecast a lane's wait hour by hour from the newest trained model."""
    if ctx.invoked_subcommand is not None:
        return
    if crossing is None:
        raise usage_error(ctx, "Missing option '--crossing' (a 6-digit crossing number), e.g. borderflow forecast "
                               "--crossing 300402 --mode passenger --program standard")
    from borderflow.services.forecasting import MAX_FORECAST_HOURS, forecast_for

    check_range(ctx, "--hours", hours, 1, MAX_FORECAST_HOURS)

    result = forecast_for(state(ctx).engine(), crossing, mode, program, hours, as_of=at, direction=direction)
    if as_json:
        emit_json(result)
    else:
        _print_forecast(result)


@forecast_app.command("train")
def train_command(
    ctx: typer.Context,
    crossing: list[str] | None = typer.Option(None, "--crossing", help="Only these crossings (repeatable)."),
    mode: str | None = typer.Option(None, "--mode", help="Only this mode."),
    program: str | None = typer.Option(None, "--program", help="Only this program."),
    source: str | None = typer.Option(None, "--source", help="Only readings of this source."),
    until: str | None = typer.Option(None, "--until", help="Only readings before this ISO 8601 time."),
    max_train_rows: int | None = typer.Option(None, "--max-train-rows", help="Training rows sampled."),
    num_trees: int | None = typer.Option(None, "--num-trees", help="Boosting rounds per quantile."),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the row sample and the trees."),
    if_stale: bool = typer.Option(False, "--if-stale",
                                  help="Train only if readings arrived since the last model of these lanes."),
    as_json: bool = typer.Option(False, "--json", help="Write the summary as JSON."),
) -> None:
    """Train the default model on the archive's lanes and store it (used by 'forecast')."""
    from borderflow.services.archive_names import require_crossing, require_observation_source
    from borderflow.services.forecasting import MIN_TRAIN_HOURS, train

    engine = state(ctx).engine()
    for crossing_id in crossing or []:
        require_crossing(engine, crossing_id)
    if source is not None:
        require_observation_source(engine, source)
    summary = train(engine, crossing_ids=list(crossing or []) or None, mode=mode,
                    program=program, source=source, until=until,
                    params=_gbm_params(max_train_rows, num_trees, seed), if_stale=if_stale)
    if as_json:
        emit_json(summary)
        return
    if summary["up_to_date"]:
        out.print(f"Up to date: {summary['version']} was trained on the same readings of "
                  f"{len(summary['series'])} lane(s); nothing trained.", highlight=False)
    else:
        out.print(f"Trained {summary['version']} on {len(summary['series'])} lane(s), "
                  f"{summary['train_rows']} rows, {summary['seconds']:.1f} s.", highlight=False)
    skipped = sorted(summary["skipped"])
    if skipped:
        shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more (--json lists all)" if len(skipped) > 5 else "")
        err.print(f"note: skipped {len(skipped)} lane(s) with fewer than {MIN_TRAIN_HOURS} hours of readings: "
                  f"{shown}", markup=False, highlight=False, soft_wrap=True)


@forecast_app.command("models")
def models_command(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """List stored forecast models, newest first."""
    from borderflow.services.forecasting import list_models

    models = list_models(state(ctx).engine())
    if as_json:
        emit_json(models)
        return
    table = Table(title="Forecast models")
    for col in ("version", "trained at", "lanes", "training hours", "rows"):
        table.add_column(col, overflow="fold")  # the version is the model's name: never cut short
    for m in models:
        table.add_row(m["version"], m["trained_at"], str(len(m["series"])),
                      f"{m['train_start'][:10]} .. {m['train_end'][:10]}", str(m["train_rows"]))
    out.print(table)


def backtest_command(
    ctx: typer.Context,
    crossing: str = typer.Option(..., "--crossing", help="6-digit crossing number."),
    mode: str = typer.Option("passenger", "--mode"),
    program: str = typer.Option("standard", "--program"),
    start: str = typer.Option(..., "--start", help="First origin: a date (midnight at the crossing) or an ISO 8601 time with offset."),
    end: str = typer.Option(..., "--end", help="End of the test period (exclusive), a date or a time."),
    horizon: int = typer.Option(24, "--horizon", help="Hours forecast from each origin."),
    every: int = typer.Option(24, "--every", help="Hours between origins."),
    refit_every: int | None = typer.Option(
        None, "--refit-every", help="Refit every model every this many hours (>= 24) on the readings before "
                                    "the refit; default: fit once, before --start."),
    source: str | None = typer.Option(None, "--source", help="Only readings of this source."),
    max_train_rows: int | None = typer.Option(None, "--max-train-rows", help="GBM training rows."),
    num_trees: int | None = typer.Option(None, "--num-trees", help="GBM boosting rounds per quantile."),
    seed: int | None = typer.Option(None, "--seed"),
    as_json: bool = typer.Option(False, "--json", help="Write the report as JSON."),
) -> None:
    """Rolling-origin backtest of every model (both baselines and the default) on one lane."""
    from borderflow.services.archive_names import require_observation_source
    from borderflow.services.forecasting import (
        MAX_BACKTEST_HOURS,
        MAX_FORECAST_HOURS,
        backtest_lane,
    )

    check_range(ctx, "--horizon", horizon, 1, MAX_FORECAST_HOURS)
    check_range(ctx, "--every", every, 1, MAX_BACKTEST_HOURS)
    if refit_every is not None:
        check_range(ctx, "--refit-every", refit_every, 24, MAX_BACKTEST_HOURS)
    engine = state(ctx).engine()
    if source is not None:
        require_observation_source(engine, source)
    result = backtest_lane(engine, crossing, mode, program, start, end, horizon=horizon, every=every, source=source,
                           params=_gbm_params(max_train_rows, num_trees, seed), refit_every=refit_every)
    if as_json:
        emit_json(result)
        return
    fits = f", {result['n_fits']} fits" if result["refit_every"] else ""
    table = Table(title=f"Backtest {crossing} {mode}/{program}: {result['n_origins']} origins, "
                        f"{result['n_points']} hours scored{fits}")
    for col in ("model", "MAE (min)", "RMSE (min)", "80% coverage", "95% coverage"):
        table.add_column(col, justify="right")
    for name, m in result["metrics"].items():
        label = name + (" (default)" if name == result["default_model"] else "")
        table.add_row(label, f"{m['mae_minutes']:.2f}", f"{m['rmse_minutes']:.2f}",
                      f"{m['coverage_80']:.1%}", f"{m['coverage_95']:.1%}")
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(forecast_app, name="forecast")
    app.command("backtest")(backtest_command)
