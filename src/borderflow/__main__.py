"""``python -m borderflow``: the same as the ``borderflow`` command."""

from borderflow.cli.main import entry

entry()
