from __future__ import annotations

import json

import pytest
import yaml

from borderflow.errors import BadInputError
from borderflow.sim.scenario import load_scenario
from tests.sim.conftest import EXAMPLES, group, scenario_dict


def day(**overrides):
    groups = {"general": group([4] * 24, mean=70)}
    data = scenario_dict(24, groups, [{"to": "general", "per_hour": 100}])
    data.update(overrides)
    return data


def problem(data) -> str:
    with pytest.raises(BadInputError) as err:
        load_scenario(data)
    return str(err.value)


def test_valid_scenario_builds_frozen_tree():
    s = load_scenario(day())
    assert s.hours == 24 and s.group_ids == ("general",)
    g = s.lane_group("general")
    assert g.booths == (4,) * 24
    assert g.service.dist == "exponential" and g.service.cv == 1.0
    assert s.demand[0].to == ("general",) and s.demand[0].per_hour == (100.0,) * 24
    with pytest.raises(AttributeError):
        s.hours = 3  # type: ignore[misc]


def test_booth_message_names_rule_value_and_hour():
    booths = [4] * 24
    booths[7] = -1
    msg = problem(day(lane_groups={"general": group(booths)}))
    assert msg == (
        "scenario: lane_groups.general.booths must be a whole number >= 0 for each of the "
        "24 hours; got -1 at hour 7"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"hours": 0}, "hours must be a whole number from 1 to 8784; got 0"),
        ({"replications": 2.5}, "replications must be a whole number from 1 to 10000; got 2.5"),
        ({"seed": -3}, "seed must be a whole number >= 0; got -3"),
        ({"name": ""}, "name must be a non-empty string"),
        ({"colour": "red"}, "unknown key 'colour'"),
        ({"lane_groups": {}}, "lane_groups must be a non-empty mapping"),
        ({"lane_groups": {"g": group([1] * 23)}}, "got a list of 23 values, expected 24"),
        ({"lane_groups": {"g": group(1.5)}}, "booths must be a whole number >= 0"),
        ({"lane_groups": {"g": group(1, mode="bus")}}, "mode must be one of passenger"),
        ({"lane_groups": {"g": group(1, program="fast")}}, "fast is a commercial (truck)"),
        ({"lane_groups": {"g": group(1, dist="weibull")}}, "dist must be one of exponential"),
        ({"lane_groups": {"g": group(1, mean=0)}}, "mean_seconds must be a number > 0 and at most 86,400"),
        ({"lane_groups": {"g": group(1, mean=1e300)}}, "mean_seconds must be a number > 0 and at most 86,400 (a day)"),
        ({"lane_groups": {"g": group(1, service={"dist": "lognormal", "cv": 1e10})}},
         "cv must be a number > 0 and at most 10 for lognormal"),
        ({"lane_groups": {"g": group(1, service={"dist": "empirical", "mean_seconds": None,
                                                  "values_seconds": [30, 1e22]})}},
         "values_seconds must be a non-empty list of numbers from 0 to 86,400"),
        ({"demand": [{"to": "general", "per_hour": 1e12}]}, "per_hour may be at most 1,000,000 vehicles an hour"),
        (
            {"lane_groups": {"g": group(1, dist="lognormal")}},
            "cv must be a number > 0 and at most 10 for lognormal",
        ),
        (
            {"lane_groups": {"g": group(1, service={"cv": 0.5})}},
            "cv does not apply to exponential (its cv is 1)",
        ),
        (
            {
                "lane_groups": {
                    "g": group(
                        1,
                        secondary={
                            "probability": 2,
                            "spaces": 1,
                            "service": {"dist": "exponential", "mean_seconds": 9},
                        },
                    )
                }
            },
            "secondary.probability must be a number from 0 to 1; got 2",
        ),
        (
            {
                "lane_groups": {
                    "g": group(
                        1,
                        secondary={
                            "probability": 0.1,
                            "spaces": 0,
                            "service": {"dist": "exponential", "mean_seconds": 9},
                        },
                    )
                }
            },
            "secondary.spaces must be a whole number from 1 to 10000; got 0",
        ),
        ({"demand": [{"to": "nowhere", "per_hour": 1}]}, "names unknown lane group(s) nowhere"),
        ({"demand": [{"to": ["general", "general"], "per_hour": 1}]}, "lists a lane group twice"),
        ({"demand": [{"to": "general", "per_hour": -1}]}, "per_hour must be a number >= 0"),
        ({"demand": [{"to": "general", "per_hour": True}]}, "per_hour must be a number >= 0"),
        ({"demand": "lots"}, "demand must be a list"),
    ],
)
def test_rules(change, expected):
    assert expected in problem(day(**change))


def test_all_problems_reported_together():
    msg = problem(day(hours=24, seed=-1, replications=0, lane_groups={"general": group(-2)}))
    assert msg.startswith("scenario has 3 problems: ")
    assert "seed" in msg and "replications" in msg and "lane_groups.general.booths" in msg


def test_demand_may_not_mix_modes():
    groups = {"cars": group(2), "walk": group(2, mode="pedestrian")}
    msg = problem(day(lane_groups=groups, demand=[{"to": ["cars", "walk"], "per_hour": 3}]))
    assert "mixes modes (passenger, pedestrian)" in msg


def test_empirical_service_takes_mean_and_cv_from_values():
    g = group(1, dist="empirical", service={"values_seconds": [30, 60, 90]})
    assert "mean_seconds" not in g["service"]
    s = load_scenario(day(lane_groups={"general": g}))
    svc = s.lane_group("general").service
    assert svc.mean_seconds == 60 and svc.values_seconds == (30.0, 60.0, 90.0)
    assert svc.cv == pytest.approx((600**0.5) / 60)
    g["service"]["mean_seconds"] = 50
    assert "must equal the mean of values_seconds (60)" in problem(day(lane_groups={"general": g}))


def test_per_hour_lists_and_defaults():
    data = day(demand=[{"to": ["general"], "per_hour": list(range(24))}])
    del data["seed"], data["replications"]
    s = load_scenario(data)
    assert s.seed == 0 and s.replications == 10
    assert s.demand[0].per_hour[23] == 23.0


def test_files_yaml_and_json(tmp_path):
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(day()))
    (tmp_path / "a.json").write_text(json.dumps(day()))
    assert load_scenario(tmp_path / "a.yaml") == load_scenario(tmp_path / "a.json")


def test_file_errors_are_bad_input(tmp_path):
    with pytest.raises(BadInputError, match="does not exist"):
        load_scenario(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("name: [unclosed\n")
    with pytest.raises(BadInputError, match="not valid YAML/JSON"):
        load_scenario(tmp_path / "bad.yaml")
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(BadInputError, match="must hold a mapping"):
        load_scenario(tmp_path / "list.json")
    (tmp_path / "bad.json").write_text(json.dumps(day(hours=-1)))
    with pytest.raises(BadInputError, match=r"^bad.json: hours must be"):
        load_scenario(tmp_path / "bad.json")


def test_a_key_given_twice_a_folder_and_absurd_sizes_are_refused(tmp_path):
    text = yaml.safe_dump(day())
    twice = text.replace("general:", "general:\n    mode: passenger\n    program: standard\n    booths: 1\n"
                         "    service: {dist: exponential, mean_seconds: 60}\n  general:", 1)
    assert twice.count("  general:") == 2
    (tmp_path / "twice.yaml").write_text(twice)
    with pytest.raises(BadInputError, match="found the key 'general' twice"):
        load_scenario(tmp_path / "twice.yaml")
    (tmp_path / "twice.json").write_text(json.dumps(day()).replace('"name":', '"name": "x", "name":', 1))
    with pytest.raises(BadInputError, match="found the key 'name' twice"):
        load_scenario(tmp_path / "twice.json")
    with pytest.raises(BadInputError, match="is a folder"):
        load_scenario(tmp_path)
    huge = day()
    huge["lane_groups"]["general"]["booths"] = [100_000_000] * 24
    assert "at most 10,000 in an hour" in problem(huge)
    spaces = day()
    spaces["lane_groups"]["general"]["secondary"] = {
        "probability": 0.1, "spaces": 100_000_000, "service": {"dist": "exponential", "mean_seconds": 60}}
    assert "spaces must be a whole number from 1 to 10000" in problem(spaces)


def test_a_replication_too_large_for_memory_is_refused_before_it_starts():
    from borderflow.sim import simulate

    scenario = load_scenario(scenario_dict(300, {"general": group(4, mean=70)},
                                           [{"to": "general", "per_hour": 1_000_000}]))
    with pytest.raises(BadInputError, match="300,000,000 vehicles in one replication; at most 200,000,000"):
        simulate(scenario)


def test_run_options_are_validated():
    s = load_scenario(day())
    assert s.with_run_options(replications=5, seed=9).replications == 5
    with pytest.raises(BadInputError, match="replications must be a whole number"):
        s.with_run_options(replications=0)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.*")), ids=lambda p: p.name)
def test_examples_are_valid(path):
    s = load_scenario(path)
    assert s.name and s.lane_groups and s.demand


def test_a_scenario_made_by_code_is_held_to_the_same_bounds_before_the_engine_runs():
    """The compiled engine trusts its numbers: a service time of 1e300 s once took the
    process (and a server running it) down with a segmentation fault."""
    import dataclasses

    from borderflow.sim import simulate

    base = load_scenario(day())
    g = base.lane_groups[0]
    huge = dataclasses.replace(base, lane_groups=(dataclasses.replace(
        g, service=dataclasses.replace(g.service, mean_seconds=1e300)), *base.lane_groups[1:]))
    with pytest.raises(BadInputError, match="at most 86,400 s"):
        simulate(huge, replications=1)
    nan = dataclasses.replace(base, demand=(dataclasses.replace(base.demand[0], per_hour=(float("nan"),) * 24),))
    with pytest.raises(BadInputError, match="rates must be from 0"):
        simulate(nan, replications=1)


def test_a_number_in_e_notation_is_a_number_in_yaml_too(tmp_path):
    from borderflow.planning.alternatives import read_mapping

    text = yaml.safe_dump(day()).replace("per_hour: 100", "per_hour: 1e2")
    assert "1e2" in text
    path = tmp_path / "e.yaml"
    path.write_text(text)
    assert load_scenario(path).demand[0].per_hour[0] == 100.0
    edits = tmp_path / "edit.yaml"
    edits.write_text("changes:\n- scale_service: {group: general, factor: 5e-1}\n")
    assert read_mapping(edits)["changes"][0]["scale_service"]["factor"] == 0.5
