"""What every command shares: the chosen database, output mode and error handling."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

import typer
from rich.console import Console
from sqlalchemy import Engine

#: Human output goes to stdout; logs, progress and errors to stderr. Both print text as it
#: is: user text (titles, names, reasons) holding "[...]" or ":name:" is never read as Rich
#: markup or emoji codes, which could break the output or hide a link in it.
out = Console(markup=False, emoji=False)
err = Console(stderr=True, markup=False, emoji=False)


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
