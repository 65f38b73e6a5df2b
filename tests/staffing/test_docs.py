"""Every option of ``staff`` and ``appraise`` is in their docs, and the docs' sources too."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from borderflow.cli.main import app
from borderflow.planning.alternatives import CHANGES

DOCS = Path(__file__).parents[2] / "docs"


def options(command: str) -> list[str]:
    click_app = typer.main.get_command(app)
    found = click_app.get_command(None, command)  # type: ignore[attr-defined]
    return [opt for param in found.params for opt in param.opts if opt.startswith("--") and opt != "--help"]


@pytest.mark.parametrize(("command", "doc"), [("staff", "staffing.md"), ("appraise", "appraisal.md")])
def test_every_option_is_documented(command, doc):
    text = (DOCS / doc).read_text(encoding="utf-8")
    missing = [opt for opt in options(command) if f"`{opt}" not in text and f"/ `{opt}" not in text]
    assert not missing, f"{doc} does not document {missing}"


def test_the_appraisal_docs_cite_their_defaults_and_name_every_edit():
    text = (DOCS / "appraisal.md").read_text(encoding="utf-8")
    assert "Revised Departmental Guidance on Valuation of Travel Time" in text and "$14.10" in text
    assert "OMB Circular A-94" in text and "27.20" in text
    assert all(f"`{edit}" in text for edit in CHANGES)
