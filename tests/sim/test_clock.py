"""A scenario's clock: its elapsed hours labelled as the local clock shows them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from borderflow.errors import BadInputError
from borderflow.sim import load_scenario, simulate
from borderflow.sim.clock import Clock
from borderflow.sim.scenario import checked, scenario_mapping


def day(hours: int, clock: dict[str, Any] | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "one lane", "hours": hours, "seed": 3, "replications": 2,
        "lane_groups": {"lane": {"mode": "passenger", "program": "standard", "booths": 2,
                                 "service": {"dist": "exponential", "mean_seconds": 60}}},
        "demand": [{"to": "lane", "per_hour": 50}],
    }
    if clock is not None:
        data["clock"] = clock
    return data


def test_the_day_the_clocks_go_back_shows_one_oclock_twice() -> None:
    # 2026-11-01 at Brownsville: 01:59 CDT is followed by 01:00 CST.
    clock = Clock(dt.datetime.fromisoformat("2026-11-01T00:00:00-05:00"), "America/Chicago")
    labels = clock.labels(25)
    assert labels[:4] == ("00:00 CDT", "01:00 CDT", "01:00 CST", "02:00 CST") and labels[-1] == "23:00 CST"
    assert len(set(labels)) == 25 and clock.changes(25)
    assert clock.local(2).isoformat() == "2026-11-01T01:00:00-06:00"


def test_the_day_the_clocks_go_forward_has_no_two_oclock() -> None:
    clock = Clock(dt.datetime.fromisoformat("2026-03-08T00:00:00-08:00"), "America/Los_Angeles")
    labels = clock.labels(23)
    assert labels[:3] == ("00:00 PST", "01:00 PST", "03:00 PDT") and labels[-1] == "23:00 PDT"
    assert not any(label.startswith("02:") for label in labels)
    # Arizona keeps standard time: no change, 24 hours
    phoenix = Clock(dt.datetime.fromisoformat("2026-03-08T00:00:00-07:00"), "America/Phoenix")
    assert not phoenix.changes(24) and phoenix.labels(24)[2] == "02:00 MST"


def test_labels_carry_the_date_over_midnight_and_an_offset_where_a_zone_has_no_letters() -> None:
    clock = Clock(dt.datetime.fromisoformat("2026-11-01T22:00:00-06:00"), "America/Chicago")
    assert clock.labels(3) == ("2026-11-01 22:00 CST", "2026-11-01 23:00 CST", "2026-11-02 00:00 CST")
    sao_paulo = Clock(dt.datetime.fromisoformat("2026-01-10T08:00:00-03:00"), "America/Sao_Paulo")
    assert sao_paulo.labels(1) == ("08:00 UTC-03:00",)


def test_a_scenario_keeps_its_clock_through_files_and_code() -> None:
    plain = load_scenario(day(24, None))
    assert plain.clock is None and plain.hour_labels()[:3] == ("00", "01", "02")
    assert "clock" not in scenario_mapping(plain)  # a scenario without one is written as before
    data = day(25, {"start": "2026-11-01T00:00:00-05:00", "timezone": "America/Chicago"})
    scenario = load_scenario(data)
    assert scenario.hour_labels()[1:3] == ("01:00 CDT", "01:00 CST")
    assert scenario_mapping(scenario)["clock"] == data["clock"]
    assert checked(scenario, "code") == scenario
    # YAML reads an unquoted time as a timestamp; it is the same clock
    text = yaml.safe_dump(day(25, None)) + "clock:\n  start: 2026-11-01T00:00:00-05:00\n  timezone: America/Chicago\n"
    assert load_scenario(yaml.safe_load(text)).clock == scenario.clock
    assert load_scenario(yaml.safe_load(yaml.safe_dump(scenario_mapping(scenario)))) == scenario
    # the clock labels; the simulation is of the elapsed hours alone
    with_clock = simulate(scenario, workers=1).lane_groups["lane"].hourly
    without = simulate(load_scenario(day(25, None)), workers=1).lane_groups["lane"].hourly
    assert with_clock == without and len(with_clock) == 25


@pytest.mark.parametrize(("clock", "words"), [
    ({"start": "2026-11-01T00:00:00", "timezone": "America/Chicago"}, "clock.start must be a time with a UTC offset"),
    ({"start": "yesterday", "timezone": "America/Chicago"}, "clock.start must be a time with a UTC offset"),
    ({"start": "2026-11-01T00:00:00-05:00", "timezone": "America/Brownsville"}, "clock.timezone must be an IANA"),
    ({"start": "2026-11-01T00:00:00-05:00", "timezone": "America"}, "clock.timezone must be an IANA"),
    ({"start": "2026-11-01T00:00:00-05:00"}, "clock must be a mapping with start"),
    ("2026-11-01", "clock must be a mapping with start"),
])
def test_a_bad_clock_is_named(clock: Any, words: str) -> None:
    with pytest.raises(BadInputError, match=words):
        load_scenario(day(24, clock))


def test_the_hours_a_change_repeats_or_skips() -> None:
    back = Clock(dt.datetime.fromisoformat("2026-11-01T00:00:00-05:00"), "America/Chicago")
    assert back.repeated(25) == (1, 2) and back.skipped(25) == ()
    forward = Clock(dt.datetime.fromisoformat("2026-03-08T00:00:00-06:00"), "America/Chicago")
    assert forward.repeated(23) == () and forward.skipped(23) == (dt.datetime(2026, 3, 8, 2),)
    plain = Clock(dt.datetime.fromisoformat("2026-03-09T00:00:00-05:00"), "America/Chicago")
    assert plain.repeated(24) == () and plain.skipped(24) == () and not plain.changes(24)


def test_simulate_prints_the_hours_of_a_scenario_with_a_clock_as_its_clock_shows_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from borderflow.cli.main import run

    path = tmp_path / "day.yaml"
    path.write_text(yaml.safe_dump(day(25, {"start": "2026-11-01T00:00:00-05:00", "timezone": "America/Chicago"})))
    assert run(["simulate", str(path), "-r", "2"]) == 0
    rows = [line.split("│")[1].strip() for line in capsys.readouterr().out.splitlines() if line.startswith("│")]
    assert rows[:3] == ["00:00 CDT", "01:00 CDT", "01:00 CST"] and rows[24:] == ["23:00 CST", "total"]


def test_simulate_json_carries_the_clock_and_each_hours_label(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from borderflow.cli.main import run

    back, plain = tmp_path / "back.yaml", tmp_path / "plain.yaml"
    clock = {"start": "2026-11-01T00:00:00-05:00", "timezone": "America/Chicago"}
    back.write_text(yaml.safe_dump(day(25, clock)))
    plain.write_text(yaml.safe_dump(day(24, None)))
    assert run(["simulate", str(back), "-r", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data)[:6] == ["scenario", "hours", "replications", "seed", "clock", "hour_labels"]
    assert data["clock"] == clock and len(data["hour_labels"]) == data["hours"] == 25
    assert data["hour_labels"][:4] == ["00:00 CDT", "01:00 CDT", "01:00 CST", "02:00 CST"]
    assert [row["hour"] for row in data["lane_groups"]["lane"]["hourly"]] == list(range(25))
    forward = tmp_path / "forward.yaml"
    forward.write_text(yaml.safe_dump(day(23, {"start": "2026-03-08T00:00:00-06:00", "timezone": "America/Chicago"})))
    assert run(["simulate", str(forward), "-r", "2", "--json"]) == 0
    labels = json.loads(capsys.readouterr().out)["hour_labels"]
    assert labels[:3] == ["00:00 CST", "01:00 CST", "03:00 CDT"] and len(labels) == 23
    # a scenario without a clock writes what it always wrote
    assert run(["simulate", str(plain), "-r", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["scenario", "hours", "replications", "seed", "lane_groups", "engine"]
