"""docs/simulator.md keeps up with the code: fields, examples, options, distributions."""

from __future__ import annotations

from pathlib import Path

import pytest

from borderflow.sim.results import PERIOD_FIELDS
from borderflow.sim.scenario import DISTRIBUTIONS
from tests.sim.conftest import EXAMPLES, SIMULATOR_EXAMPLES

DOC = (Path(__file__).resolve().parents[2] / "docs" / "simulator.md").read_text()


@pytest.mark.parametrize("name", PERIOD_FIELDS)
def test_result_fields_documented(name):
    assert f"`{name}`" in DOC


@pytest.mark.parametrize("name", SIMULATOR_EXAMPLES)
def test_examples_documented(name):
    assert (EXAMPLES / name).is_file()
    assert f"`{name}`" in DOC


@pytest.mark.parametrize("option", ["--replications", "--seed", "--json", "--workers"])
def test_cli_options_documented(option):
    assert option in DOC


@pytest.mark.parametrize("dist", DISTRIBUTIONS)
def test_distributions_documented(dist):
    assert f"`{dist}`" in DOC


def test_engine_fields_documented():
    for name in ("engine.vehicles", "engine.seconds"):
        assert f"`{name}`" in DOC
