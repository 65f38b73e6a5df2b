"""``borderflow``: the command-line front. Exit 0 ok, 1 domain error, 2 usage error."""

from __future__ import annotations

import logging
import sys
from typing import Any

import typer

from borderflow import __version__
from borderflow.cli.context import CliState, click_errors, err, usage_error
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
    db: str | None = typer.Option(
        None, "--db", help="Database URL; overrides BORDERFLOW_DATABASE_URL.", show_default=False
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    if db is not None and not db.strip():
        raise usage_error(ctx, "--db needs a database URL, e.g. sqlite:///var/borderflow.sqlite3 or "
                               "postgresql://user@host/db; got an empty one")
    ctx.obj = CliState(db=db, debug=debug)
    logging.basicConfig(level=setting("log_level").upper(), stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")


def _register_all() -> None:
    from borderflow.cli import archive

    archive.register(app)
    for name in ("simulate", "calibrate", "serve", "forecast", "staffing", "plans", "exchange", "users"):
        try:
            module = __import__(f"borderflow.cli.{name}", fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != f"borderflow.cli.{name}":
                raise
            continue
        module.register(app)


_register_all()


def run(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning errors into one line and an exit code.

    Click parses (not standalone, so its errors come here): a usage error is one line on
    stderr and exit 2, ``--help`` exits 0, Ctrl-C 130 (typer turns it into an exit); a
    BorderFlowError from any command becomes one line on stderr and exit 1.
    """
    args = list(argv if argv is not None else sys.argv[1:])
    try:
        result = app(args=args, standalone_mode=False, prog_name="borderflow")
    except click_errors.NoArgsIsHelpError:
        return 2  # the help is printed (Click's own exit code for it)
    except click_errors.UsageError as exc:
        err.print(f"error: {_usage_line(exc)}", markup=False, highlight=False, soft_wrap=True)
        return int(exc.exit_code)
    except click_errors.ClickException as exc:
        err.print(f"error: {' '.join(exc.format_message().split())}", markup=False, highlight=False, soft_wrap=True)
        return int(exc.exit_code)
    except typer.Abort:
        err.print("error: stopped before the command finished", markup=False, highlight=False)
        return 1
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except BorderFlowError as exc:
        if "--debug" in args:
            raise
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback for the user; --debug shows it
        if "--debug" in args:
            raise
        err.print(f"error: {_unexpected(exc)}", markup=False, highlight=False, soft_wrap=True)
        return 1
    # an exit code (typer.Exit, --help, Ctrl-C) or what a command returned (None)
    return result if isinstance(result, int) and not isinstance(result, bool) else 0


#: Options of ``borderflow`` itself, which go before the command.
_ROOT_OPTIONS = {"--db": "--db URL", "--debug": "--debug"}


def _usage_line(exc: Any) -> str:
    """A usage error in one line: Click's message and where to read more."""
    message = " ".join(exc.format_message().split())
    ctx = exc.ctx
    if ctx is None:
        return message
    name = getattr(exc, "option_name", None)
    if isinstance(exc, click_errors.NoSuchOption) and name in _ROOT_OPTIONS and ctx.parent is not None:
        command = ctx.command_path.split(" ", 1)[1] if " " in ctx.command_path else ctx.command_path
        return (f"{name} goes before the command: borderflow {_ROOT_OPTIONS[name]} {command} ... "
                f"(borderflow --help)")
    return f"{message} ({ctx.command_path} --help)"


def _unexpected(exc: Exception) -> str:
    """One line for an error no command turned into a BorderFlowError."""
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}; check the path and its permissions"
    if isinstance(exc, DBAPIError):
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        return (f"the database cannot be used ({reason}); check --db / BORDERFLOW_DATABASE_URL and that "
                "the server is up")
    if isinstance(exc, SQLAlchemyError):
        return f"the database failed ({type(exc).__name__}); check --db / BORDERFLOW_DATABASE_URL"
    if isinstance(exc, MemoryError):
        return ("this machine ran out of memory for the command; make the work smaller (a simulation keeps about "
                "100 bytes per replication, lane group and hour: fewer replications, hours or lane groups)")
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"unexpected {type(exc).__name__}: {first}; run again with --debug for the details, and report it"


def entry() -> None:
    sys.exit(run())
