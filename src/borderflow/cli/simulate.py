"""``borderflow simulate FILE``: run a scenario and print its results.

Human output is one Rich table per lane group (an hour a row, then the total); with
``--json`` the results JSON (documented in docs/simulator.md) goes to stdout instead.
Domain errors raise :class:`~borderflow.errors.BorderFlowError` subclasses; the main
CLI prints them as one line and exits 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from borderflow.cli.context import emit_json
from borderflow.sim.results import LaneGroupResult, PeriodStats, SimulationResult
from borderflow.sim.run import simulate
from borderflow.sim.scenario import load_scenario


def simulate_command(
    file: Path,
    replications: int | None,
    seed: int | None,
    json_out: bool,
    workers: int | None,
) -> None:
    """Load ``file``, simulate it and write the results to stdout."""
    scenario = load_scenario(file)
    result = simulate(scenario, replications=replications, seed=seed, workers=workers)
    if json_out:
        emit_json(result.to_json_dict(), indent=2)
        return
    console = Console(markup=False, emoji=False)  # scenario and lane group names printed as written
    if not console.is_terminal:  # piped or captured: don't squeeze 13 columns into 80
        console = Console(width=160, markup=False, emoji=False)
    print_result(result, console, scenario.hour_labels())


def print_result(result: SimulationResult, console: Console, labels: Sequence[str] | None = None) -> None:
    """The results as tables; ``labels``: the hours as shown (default ``00``, ``01``, ...;
    a real day's local clock times when its scenario has a clock)."""
    console.print(Text.assemble(
        (result.scenario, "bold"), f" - {result.hours} h, {result.replications} replications, seed {result.seed}"
    ))
    for group in result.lane_groups.values():
        console.print(_table(group, labels))
    e = result.engine
    rate = e.vehicles / e.seconds if e.seconds > 0 else float("nan")
    console.print(
        f"{e.vehicles:,} vehicles in {e.seconds:.2f} s ({rate:,.0f} a second, "
        f"{e.workers} worker{'s' if e.workers != 1 else ''}). Means are per replication; "
        "waits in minutes by arrival hour; served, queue and utilization by clock hour."
    )


_COLUMNS = (
    ("Hour", "hour"),
    ("Arrivals", "arrivals"),
    ("Served", "served"),
    ("Wait mean", "wait_mean_minutes"),
    ("±95%", "wait_mean_ci95_minutes"),
    ("p50", "wait_p50_minutes"),
    ("p95", "wait_p95_minutes"),
    ("Max", "wait_max_minutes"),
    ("Queue", "queue_max_vehicles"),
    ("Queue m", "queue_max_metres"),
    ("Util.", "utilization"),
    ("Referred", "secondary_referred"),
    ("Sec. min", "secondary_time_mean_minutes"),
)


def _table(group: LaneGroupResult, labels: Sequence[str] | None) -> Table:
    table = Table(title=f"{group.id} ({group.mode}, {group.program})", title_justify="left")
    has_secondary = group.total.secondary_referred > 0
    columns = [c for c in _COLUMNS if has_secondary or not c[1].startswith("secondary")]
    for title, _ in columns:
        table.add_column(title, justify="right")
    for row in group.hourly:
        cells = [_cell(row, name) for _, name in columns]
        if labels is not None and row.hour is not None:
            cells[0] = labels[row.hour]
        table.add_row(*cells)
    table.add_section()
    table.add_row(*(_cell(group.total, name) for _, name in columns), style="bold")
    return table


def _cell(row: PeriodStats, name: str) -> str:
    value = getattr(row, name)
    if name == "hour":
        return "total" if value is None else f"{value:02d}"
    if value is None:
        return "-"
    if name == "queue_max_vehicles":
        return f"{value:,}"
    if name in ("arrivals", "served", "queue_max_metres"):
        return f"{value:,.0f}"
    if name == "secondary_referred":
        return f"{value:,.1f}"
    if name == "utilization":
        return f"{value:.0%}"
    return f"{value:.1f}"


def register(app: typer.Typer) -> None:
    """Add the ``simulate`` command to the main CLI."""

    @app.command("simulate")
    def simulate_cli(
        file: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).")],
        replications: Annotated[
            int | None,
            typer.Option("--replications", "-r", help="Replications (overrides the file's)."),
        ] = None,
        seed: Annotated[
            int | None,
            typer.Option("--seed", help="Random seed (overrides the file's)."),
        ] = None,
        json_out: Annotated[
            bool, typer.Option("--json", help="Write the results JSON to stdout.")
        ] = False,
        workers: Annotated[
            int | None,
            typer.Option(
                "--workers", min=1, help="Processes to use (default: one per core for large runs)."
            ),
        ] = None,
    ) -> None:
        """Simulate a port's inspection process and report waits per lane group and hour."""
        simulate_command(file, replications, seed, json_out, workers)
