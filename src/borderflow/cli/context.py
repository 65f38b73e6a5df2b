"""What every command shares: the chosen database, output mode and error handling."""

from __future__ import annotations

import importlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import typer
from rich.console import Console
from sqlalchemy import Engine


class _ShownAnyway:
    """``sys.stdout`` or ``sys.stderr`` as it is at each write, for human output: a
    character its encoding cannot show (``PYTHONIOENCODING=ascii``, a Latin-1 terminal) is
    written as an escape (``\\u2026``) instead of failing the command. Data (CSV, JSON,
    reports) never goes through it: see :func:`emit_data`."""

    def __init__(self, name: str) -> None:
        self._name = name

    def write(self, text: str) -> int:
        stream = getattr(sys, self._name)
        try:
            return int(stream.write(text))
        except UnicodeEncodeError:  # raised before anything is written: the text is encoded first
            encoding = getattr(stream, "encoding", None) or "utf-8"
            return int(stream.write(text.encode(encoding, "backslashreplace").decode(encoding)))

    def __getattr__(self, name: str) -> Any:
        return getattr(getattr(sys, self._name), name)


#: Human output goes to stdout; logs, progress and errors to stderr. Both print text as it
#: is: user text (titles, names, reasons) holding "[...]" or ":name:" is never read as Rich
#: markup or emoji codes, which could break the output or hide a link in it.
out = Console(file=cast(IO[str], _ShownAnyway("stdout")), markup=False, emoji=False)
err = Console(file=cast(IO[str], _ShownAnyway("stderr")), stderr=True, markup=False, emoji=False)

#: Click's exceptions, from the Click that typer runs on (a copy of its own since typer 0.20).
click_errors: Any = importlib.import_module(typer.BadParameter.__module__)


def usage_error(ctx: typer.Context, message: str) -> Exception:
    """A usage error (exit 2, one line): ``message`` names the option, the rule and the value."""
    return click_errors.UsageError(message, ctx=ctx)  # type: ignore[no-any-return]


def check_range(ctx: typer.Context, option: str, value: int, low: int, high: int | None = None) -> None:
    """A number outside its option's range is a usage error, as Click's own ranges are."""
    if value < low or (high is not None and value > high):
        rule = f"from {low} to {high}" if high is not None else f">= {low}"
        raise usage_error(ctx, f"{option} must be a whole number {rule}; got {value}")


def check_length(ctx: typer.Context, option: str, value: str | None, most: int, what: str) -> None:
    """Text longer than its option allows is a usage error naming the limit (never cut)."""
    if value is not None and len(value) > most:
        raise usage_error(ctx, f"{option} is {what}: at most {most:,} characters; got {len(value):,}")


@dataclass
class CliState:
    db: str | None = None
    debug: bool = False
    _engine: Engine | None = None

    def engine(self, *, create: bool = False) -> Engine:
        """The archive, migrated. Only a command that stores what it is given (``ingest``,
        ``poll``, ``users create``, ``plans import``) passes ``create``: any other refuses a
        SQLite file that does not exist, which is a mistyped ``--db`` far more often than
        an archive meant to be empty, instead of making an empty archive and reporting
        nothing."""
        if self._engine is None:
            from borderflow.store.db import open_database

            if not create:
                self.require_archive()
            self._engine = open_database(self.db)
        return self._engine

    def require_archive(self) -> None:
        """NotFoundError when the archive is a SQLite file that does not exist."""
        from borderflow.errors import NotFoundError

        path = self.archive_file()
        if path is None or path.exists():
            return
        where = ("sqlite:///relative/path is relative to the folder you run in, sqlite:////absolute/path is "
                 "absolute" if not path.is_absolute() else "the path is absolute")
        raise NotFoundError(f"no archive at {os.path.abspath(path)}; check --db or BORDERFLOW_DATABASE_URL ({where}), "
                            "or create it with 'borderflow ingest FILES' (make load)")

    def archive_file(self) -> Path | None:
        """The archive's SQLite file, or None (PostgreSQL, in memory, a URL not understood)."""
        from borderflow.settings import chosen_database_url

        return sqlite_file(chosen_database_url(self.db))

    def archive_files(self) -> list[Path]:
        """The archive's SQLite file and its companions (-wal, -shm, -journal): never an output."""
        main = self.archive_file()
        if main is None:
            return []
        return [main, *(main.with_name(main.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]


def sqlite_file(url: str) -> Path | None:
    """The file a ``sqlite:///`` URL names (relative to the current folder), else None."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # a malformed URL is reported when the database is opened
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.query.get("uri"):
        return None
    name = parsed.database or ""
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def emit_json(data: Any, indent: int = 1) -> None:
    """``data`` as JSON on stdout, in UTF-8 (JSON's own encoding) whatever the terminal's."""
    emit_data(json.dumps(data, indent=indent, default=str) + "\n")


def emit_data(text: str) -> None:
    """A file's text (a CSV, a plan file) on stdout as UTF-8, whatever the terminal's
    encoding: ``> file`` then holds the same bytes as ``-o file`` (see cli.output)."""
    from borderflow.cli.output import STDOUT, output_for, write_output

    write_output(output_for(STDOUT, binary=False), text)
