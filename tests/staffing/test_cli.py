"""``borderflow staff``: JSON, the human tables and roster, exit codes."""

from __future__ import annotations

import json

import pytest
import yaml

from borderflow.cli.main import run


@pytest.fixture
def burst_file(tmp_path):
    path = tmp_path / "burst.yaml"
    path.write_text(yaml.safe_dump({
        "name": "burst", "hours": 4, "seed": 3,
        "lane_groups": {"lane": {"mode": "passenger", "program": "standard", "booths": 12,
                                 "service": {"dist": "exponential", "mean_seconds": 60}}},
        "demand": [{"to": "lane", "per_hour": [600, 20, 20, 20]}],
    }))
    return path


def test_json(burst_file, capsys):
    code = run(["staff", str(burst_file), "--target-p95-minutes", "5", "-r", "30", "--shift-hours", "2", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    lane = data["lane_groups"]["lane"]
    assert len(lane["booths"]) == len(lane["p95_minutes"]) == len(lane["target_met"]) == 4
    assert lane["booth_hours"] == sum(lane["booths"]) and all(lane["target_met"])
    sipp = data["baseline_sipp"]["lane_groups"]["lane"]
    assert {"booths", "booth_hours", "p95_minutes", "target_met"} <= set(sipp)
    assert data["roster"]["shift_hours"] == 2 and data["replications"] == 30


def test_human_tables_and_roster(burst_file, capsys):
    assert run(["staff", str(burst_file), "--target-p95-minutes", "5", "-r", "20", "--min-crew", "2"]) == 0
    out = capsys.readouterr().out
    assert "lane (passenger, standard), at most 12 booths" in out
    assert "SIPP booths" in out and "Booth-hours: plan" in out and "lower bound" in out
    assert "Officer roster (plan)" in out and "On duty / needed by hour" in out
    flat = " ".join(out.split())
    assert "search 20 replications (seed" in flat and "screened on 10, decided on 60" in flat
    assert "check 40 replications (fresh seed" in flat and "decided on 160)" in flat


def test_hours_that_cannot_be_met_are_reported_not_failed(burst_file, capsys):
    assert run(["staff", str(burst_file), "--target-p95-minutes", "5", "--max-booths", "8", "-r", "10"]) == 0
    out = capsys.readouterr().out
    assert "not met lane hour 00" in out and "more than the 8 booths available" in out


def test_nothing_can_meet_it_is_one_line_and_exit_1(burst_file, capsys):
    code = run(["staff", str(burst_file), "--target-p95-minutes", "5", "--max-booths", "0"])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("error: a p95 of 5 min cannot be met")


def test_usage_errors(burst_file, capsys):
    assert run(["staff", str(burst_file)]) == 2  # the target is required
    assert run(["staff", str(burst_file), "--target-p95-minutes", "5", "--lane-group", "nope"]) == 1
    assert "unknown lane group nope" in capsys.readouterr().err
