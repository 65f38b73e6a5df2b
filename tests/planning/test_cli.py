"""``borderflow appraise``: alternatives against a base with archived demand, and --rank."""

from __future__ import annotations

import json

import pytest
import yaml

from borderflow.cli.main import run

from .conftest import EXAMPLES

PLANNING = EXAMPLES.parent / "planning"
BEFORE = EXAMPLES / "otay_mesa_trucks_10_booths.yaml"
AFTER = EXAMPLES / "otay_mesa_trucks.yaml"


@pytest.fixture
def db(archive):
    return str(archive.url)


def test_appraise_json_with_archived_demand(db, capsys):
    code = run(["--db", db, "appraise", str(BEFORE), str(AFTER), str(PLANNING / "otay_mesa_faster_primary.yaml"),
                "--port", "2506", "--capital-cost", "134000000", "--capital-cost", "5000000",
                "--yearly-cost", "0", "--yearly-cost", "1000000", "-r", "2", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    assert data["port_code"] == "2506" and data["year"] == 2024
    assert [d["id"] for d in data["days"]] == ["peak_weekday", "peak_weekend", "quiet_weekday", "quiet_weekend"]
    assert data["base"]["yearly"]["commercial"]["vehicles"] == pytest.approx(1059759.0)
    first, second = data["alternatives"]
    assert first["economics"]["capital_cost_dollars"] == 134000000
    assert second["economics"]["yearly_cost_dollars"] == 1000000
    assert first["change_vs_base"]["commercial"]["hours"] < 0  # more booths, less waiting


def test_appraise_human_output(db, capsys):
    assert run(["--db", db, "appraise", str(BEFORE), str(AFTER), "--port", "2506", "-r", "2",
                "--capital-cost", "134000000", "--weekend-factor", "commercial=0.4"]) == 0
    out = capsys.readouterr().out
    assert "Representative days" in out and "Yearly delay" in out and "Against the base" in out
    assert "Break-even yearly cost" in out


def test_rank_projects_across_ports(db, tmp_path, capsys):
    portfolio = tmp_path / "projects.yaml"
    portfolio.write_text(yaml.safe_dump({"replications": 2, "projects": [
        {"name": "trucks", "port": "2506", "base": str(BEFORE), "alternative": str(AFTER),
         "capital_cost_dollars": 134000000},
        {"name": "cheap", "port": "2506", "base": str(BEFORE),
         "alternative": str(PLANNING / "otay_mesa_faster_primary.yaml"), "capital_cost_dollars": 1000},
    ]}))
    assert run(["--db", db, "appraise", "--rank", str(portfolio), "--json"]) == 0
    ranked = json.loads(capsys.readouterr().out)["projects"]
    assert [p["rank"] for p in ranked] == [1, 2]
    ratios = [p["economics"]["benefit_cost_ratio"] for p in ranked]
    assert ratios == sorted(ratios, reverse=True) and ranked[0]["name"] == "cheap"


def test_appraise_errors(db, capsys):
    assert run(["--db", db, "appraise", str(BEFORE)]) == 1
    assert "at least one alternative" in capsys.readouterr().err
    assert run(["--db", db, "appraise", str(BEFORE), str(AFTER), "--capital-cost", "1", "--capital-cost", "2"]) == 1
    assert "once per alternative" in capsys.readouterr().err
    assert run(["--db", db, "appraise", str(BEFORE), str(AFTER), "--port", "2302"]) == 1
    assert "no year with BTS Trucks counts in all 12 months for port 2302" in capsys.readouterr().err
    assert run(["--db", db, "appraise", str(BEFORE), str(AFTER), "--weekend-factor", "trucks"]) == 1
    assert "--weekend-factor must look like" in capsys.readouterr().err
    portfolio = str(PLANNING / "border_projects.yaml")
    assert run(["--db", db, "appraise", "--rank", portfolio, "--port", "2504"]) == 1
    assert "--port does not apply with --rank" in capsys.readouterr().err


def test_huge_costs_and_values_are_refused_not_written_as_infinity(db, capsys):
    for flags, words in ((["--yearly-cost", "1e308"], ("the yearly cost of alternative 1 must be a number of dollars "
                                                      "from 0 to 1e+15; got 1e+308")),
                         (["--truck-hour-dollars", "1e305"], ("truck_hour_dollars must be a number of dollars from 0 "
                                                             "to 1e+06; got 1e+305"))):
        assert run(["--db", db, "appraise", str(BEFORE), str(AFTER), "-r", "1", "--json", *flags]) == 1
        captured = capsys.readouterr()
        assert captured.out == "" and words in captured.err and "Traceback" not in captured.err


def test_weekend_factors_and_all_months_need_a_port(db, capsys):
    assert run(["--db", db, "appraise", str(BEFORE), str(AFTER), "-r", "1", "--all-months"]) == 1
    assert "--all-months needs --port" in capsys.readouterr().err
    assert run(["--db", db, "appraise", str(BEFORE), str(AFTER), "-r", "1", "--weekend-factor", "commercial=0.4"]) == 1
    assert "--weekend-factor needs --port" in capsys.readouterr().err


def test_the_default_year_is_btss_latest_full_year_whatever_other_sources_hold(archive, db, capsys):
    from .test_volumes import ingest_counts

    ingest_counts(archive, [("2506", f"2025-{m:02d}", "Trucks", "northbound", 90000, "mycount") for m in range(1, 13)]
                  + [("2506", "2025-01", "Trucks", "northbound", 95000, "bts")])
    assert run(["--db", db, "appraise", str(BEFORE), str(AFTER), "--port", "2506", "-r", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["year"] == 2024 and data["notes"] == []
    assert data["base"]["yearly"]["commercial"]["vehicles"] == pytest.approx(1059759.0)
