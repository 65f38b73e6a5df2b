"""``borderflow``: the command-line front. Exit 0 ok, 1 domain error, 2 usage error."""

from __future__ import annotations

import logging
import sys
from typing import Optional

import click
import typer

from borderflow import __version__
from borderflow.cli.context import CliState, err
from borderflow.errors import BorderFlowError
from borderflow.settings import setting

app = typer.Typer(
    name="borderflow",
    help="BorderFlow: archive, forecast, simulate and plan land ports of entry.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"borderflow {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: Optional[str] = typer.Option(
        None, "--db", help="Database URL; overrides BORDERFLOW_DATABASE_URL.", show_default=False
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    ctx.obj = CliState(db=db, debug=debug)
    logging.basicConfig(level=setting("log_level").upper(), stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")


def _register_all() -> None:
    from borderflow.cli import archive

    archive.register(app)
    for name in ("simulate", "serve", "forecast", "staffing", "plans", "exchange", "users"):
        try:
            module = __import__(f"borderflow.cli.{name}", fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != f"borderflow.cli.{name}":
                raise
            continue
        module.register(app)


_register_all()


def run(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning errors into one line and an exit code."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        result = app(args=argv, standalone_mode=False, prog_name="borderflow")
    except BorderFlowError as exc:
        if debug:
            raise
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 1
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        err.print("aborted", markup=False)
        return 1
    except click.ClickException as exc:
        exc.show()
        return 2
    except KeyboardInterrupt:
        return 130
    return result if isinstance(result, int) else 0


def entry() -> None:
    sys.exit(run())
