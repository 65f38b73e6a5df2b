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


def test_the_erlang_c_figures_stated_for_mmc_check_are_erlang_cs():
    import re

    from borderflow.sim.erlang import erlang_c_wait_probability, mean_wait_seconds

    comment = (EXAMPLES / "mmc_check.yaml").read_text()
    stated_c = float(re.search(r"C\(3, 2\.7\) = ([0-9.]+)", comment)[1])
    stated_wait = float(re.search(r"= ([0-9]+) s \(", comment)[1])
    assert stated_c == pytest.approx(erlang_c_wait_probability(3, 2.7), abs=5e-5)
    assert stated_wait == pytest.approx(mean_wait_seconds(81, 120, 3), abs=0.5)
    assert "P(wait) 0.817, mean wait 327 s" in DOC


def test_the_json_sample_is_what_the_example_gives():
    import re

    from borderflow.sim import load_scenario, simulate

    block = DOC[DOC.index('"scenario": "San Ysidro-like'):]
    block = block[:block.index("```")]
    result = simulate(load_scenario(EXAMPLES / "san_ysidro_day.yaml")).to_json_dict()
    hour = result["lane_groups"]["general"]["hourly"][0]
    for name, value in hour.items():
        if name == "hour":
            continue
        stated = re.search(rf'"{name}": ([0-9.]+)', block)
        assert stated is not None, name
        assert float(stated[1]) == value, name
    assert f'"vehicles": {result["engine"]["vehicles"]}' in block
