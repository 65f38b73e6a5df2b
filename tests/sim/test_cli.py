from __future__ import annotations

import json

import pytest
import typer
import yaml
from typer.testing import CliRunner

from borderflow.cli.simulate import register, simulate_command
from borderflow.errors import BadInputError
from tests.sim.conftest import group, scenario_dict


@pytest.fixture
def scenario_file(tmp_path):
    data = scenario_dict(
        3,
        {"general": group([2, 3, 1], mean=80), "ready": group(1, program="ready")},
        [{"to": ["ready", "general"], "per_hour": [50, 120, 40]}],
        name="cli test",
    )
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_json_output(scenario_file, capsys):
    simulate_command(scenario_file, replications=3, seed=4, json_out=True, workers=1)
    d = json.loads(capsys.readouterr().out)
    assert d["replications"] == 3 and d["seed"] == 4 and d["scenario"] == "cli test"
    hourly = d["lane_groups"]["general"]["hourly"]
    assert [row["hour"] for row in hourly] == [0, 1, 2]
    assert {"wait_p95_minutes", "queue_max_vehicles", "utilization"} <= set(hourly[0])
    assert d["engine"]["vehicles"] > 0


def test_human_output_has_a_table_per_group(scenario_file, capsys):
    simulate_command(scenario_file, replications=2, seed=None, json_out=False, workers=None)
    out = capsys.readouterr().out
    assert "general (passenger, standard)" in out and "ready (passenger, ready)" in out
    assert "total" in out and "Wait mean" in out


def test_domain_errors_are_borderflow_errors(tmp_path, scenario_file):
    with pytest.raises(BadInputError, match="does not exist"):
        simulate_command(tmp_path / "nope.yaml", None, None, False, None)
    with pytest.raises(BadInputError, match="replications"):
        simulate_command(scenario_file, 0, None, False, None)
    with pytest.raises(BadInputError, match="workers"):
        simulate_command(scenario_file, None, None, False, 0)


def test_registered_typer_command(scenario_file):
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """BorderFlow."""

    register(app)
    result = CliRunner().invoke(
        app, ["simulate", str(scenario_file), "--replications", "2", "--seed", "5", "--json"]
    )
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["replications"] == 2 and d["seed"] == 5
    help_text = CliRunner().invoke(app, ["simulate", "--help"]).output
    for option in ("--replications", "--seed", "--json", "--workers"):
        assert option in help_text


def test_names_are_printed_as_written_never_as_markup(tmp_path, capsys):
    data = scenario_dict(1, {"lane": group(1, mean=80)}, [{"to": ["lane"], "per_hour": [20]}],
                         name="[link=https://evil.example]x[/link] [/]")
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    simulate_command(path, replications=2, seed=1, json_out=False, workers=1)
    shown = capsys.readouterr().out
    assert "[link=https://evil.example]x[/link] [/]" in shown
