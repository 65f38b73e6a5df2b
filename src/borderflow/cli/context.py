"""What every command shares: the chosen database, output mode and error handling."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
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


@dataclass
class CliState:
    db: str | None = None
    debug: bool = False
    _engine: Engine | None = None

    def engine(self) -> Engine:
        if self._engine is None:
            from borderflow.store.db import open_database

            self._engine = open_database(self.db)
        return self._engine


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=1, default=str) + "\n")


def emit_data(text: str) -> None:
    """A file's text (a CSV, a plan file) on stdout as UTF-8, whatever the terminal's
    encoding: ``> file`` then holds the same bytes as ``-o file``."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a stream of text alone
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()
