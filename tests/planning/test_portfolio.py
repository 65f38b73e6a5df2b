"""Portfolios: the order of projects, where each setting comes from, and bad values named."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from borderflow.cli.main import run
from borderflow.planning.portfolio import (
    LOSES,
    NO_CHANGE,
    PAYS,
    PAYS_AT_NO_COST,
    rank_key,
    ranking_group,
)
from borderflow.planning.values import Valuation, economics

V = Valuation(discount_rate=0.0, horizon_years=10)  # present value factor 10


def trucks(booths: int) -> dict[str, Any]:
    """Two truck lanes over 4 hours, about 280 arrivals (as conftest.tiny_crossing)."""
    group = {"mode": "commercial", "program": "standard", "booths": booths,
             "service": {"dist": "exponential", "mean_seconds": 60}}
    return {"name": f"trucks {booths} booths", "hours": 4, "seed": 1,
            "lane_groups": {"general": group, "other": {**group, "booths": 1}},
            "demand": [{"to": "general", "per_hour": [40, 100, 60, 20]},
                       {"to": ["other", "general"], "per_hour": [10, 30, 15, 5]}]}


@pytest.fixture
def db(archive):
    return str(archive.url)


@pytest.fixture
def files(tmp_path):
    for booths in (1, 3):
        (tmp_path / f"trucks{booths}.json").write_text(json.dumps(trucks(booths)))

    def portfolio(data: dict[str, Any]) -> str:
        path = tmp_path / "portfolio.yaml"
        path.write_text(yaml.safe_dump(data))
        return str(path)

    return portfolio


def test_projects_that_pay_come_first_and_a_negative_ratio_is_not_a_small_one():
    free = economics(100.0, 0.0, 0.0, V)                  # NPV 1000, no cost
    best = economics(100.0, 100.0, 0.0, V)                # NPV 900, BCR 10
    bigger = economics(1000.0, 4000.0, 0.0, V)            # NPV 6000, BCR 2.5
    nothing = economics(0.0, 0.0, 0.0, V)                 # NPV 0
    small_loss = economics(50.0, 600.0, 0.0, V)           # NPV -100, BCR 0.83
    harmful = economics(-5000.0, 1000.0, 0.0, V)          # NPV -51000, BCR -50
    free_harm = economics(-1.0, 0.0, 0.0, V)              # NPV -10, no cost
    ranked = sorted([harmful, small_loss, nothing, bigger, best, free, free_harm], key=rank_key)
    assert ranked == [free, best, bigger, nothing, free_harm, small_loss, harmful]
    assert [ranking_group(e) for e in ranked] == [PAYS_AT_NO_COST, PAYS, PAYS, NO_CHANGE, LOSES, LOSES, LOSES]


def test_a_costless_gain_ranks_above_a_money_losing_project(db, files, capsys):
    portfolio = files({"replications": 2, "projects": [
        {"name": "remove booths", "base": "trucks3.json", "alternative": "trucks1.json",
         "capital_cost_dollars": 1000000},
        {"name": "free change", "base": "trucks1.json", "alternative": "trucks3.json"},
    ]})
    assert run(["--db", db, "appraise", "--rank", portfolio, "--json"]) == 0
    ranked = json.loads(capsys.readouterr().out)["projects"]
    assert [(p["rank"], p["name"], p["ranking_group"]) for p in ranked] == [
        (1, "free change", "pays_at_no_cost"), (2, "remove booths", "loses_money")]
    assert ranked[0]["economics"]["npv_dollars"] > 0 > ranked[1]["economics"]["npv_dollars"]
    assert ranked[1]["economics"]["benefit_cost_ratio"] < 0
    assert "smallest loss first" in ranked[1]["ranking_reason"]
    assert run(["--db", db, "appraise", "--rank", portfolio]) == 0
    table = capsys.readouterr().out
    assert table.index("free change") < table.index("remove booths") and "pays at no cost" in table
    assert "settings: replications 2 (portfolio), seed 0 (default)" in table


def test_command_line_settings_win_over_the_file_field_by_field(db, files, capsys):
    portfolio = files({"replications": 2, "seed": 3, "valuation": {"horizon_years": 5}, "projects": [
        {"name": "more booths", "base": "trucks1.json", "alternative": "trucks3.json", "capital_cost_dollars": 10}]})
    assert run(["--db", db, "appraise", "--rank", portfolio, "--json", "--seed", "7",
                "--truck-hour-dollars", "100", "--discount-rate", "0.03"]) == 0
    project = json.loads(capsys.readouterr().out)["projects"][0]
    assert (project["replications"], project["seed"]) == (2, 7)
    assert project["valuation"] == {"person_hour_dollars": 14.10, "truck_hour_dollars": 100.0, "dollar_year": 2015,
                                    "discount_rate": 0.03, "horizon_years": 5}
    assert project["settings_from"] == {
        "replications": "portfolio", "seed": "command line", "person_hour_dollars": "default",
        "truck_hour_dollars": "command line", "dollar_year": "default", "discount_rate": "command line",
        "horizon_years": "portfolio"}
    money = project["economics"]
    hours_saved = -project["change_vs_base"]["commercial"]["hours"]
    assert money["yearly_benefit_dollars"] == pytest.approx(100.0 * hours_saved, rel=1e-6)
    factor = sum(1.03 ** -t for t in range(1, 6))
    assert money["present_value_benefits_dollars"] == pytest.approx(money["yearly_benefit_dollars"] * factor, rel=1e-6)


@pytest.mark.parametrize(("top", "project", "words"), [
    ({}, {"capital_cost_dollars": "5M"},
     "projects[0]: capital_cost_dollars must be a number of dollars from 0 to 1e+15; got '5M': write it like 5000000"),
    ({}, {"capital_cost_dollars": None},
     "projects[0]: capital_cost_dollars is empty: write a number of dollars from 0 to 1e+15 like 5000000, or leave"),
    ({}, {"yearly_cost_dollars": 1e308}, "yearly_cost_dollars must be a number of dollars from 0 to 1e+15; got 1e+308"),
    ({}, {"year": "twenty", "port": "2506"},
     "projects[0]: year must be a whole number from 1996 to 2100; got 'twenty': write it like 2024"),
    ({}, {"year": 2024}, "projects[0]: year needs port"),
    ({}, {"base": 5}, "projects[0]: base must be a file path; got 5"),
    ({"valuation": {"discount_rate": "0.07"}}, {},
     ("valuation.discount_rate must be a number from 0 to below 1; got '0.07': write it like 0.07 (7 %) (a number, "
     "without quotes or letters)")),
    ({"valuation": {"truck_hour_dollars": 1e305}}, {},
     "valuation.truck_hour_dollars must be a number of dollars from 0 to 1e+06; got 1e+305"),
    ({"valuation": {"horizon_years": 20.5}}, {}, "valuation.horizon_years must be a whole number from 1 to 100"),
    ({"valuation": {"rate": 0.07}}, {}, "unknown key valuation.rate; expected person_hour_dollars"),
    ({"valuation": [1]}, {}, "valuation must be a mapping like {discount_rate: 0.07, horizon_years: 20}; got [1]"),
    ({"replications": "2"}, {}, "replications must be a whole number from 1 to 10000; got '2'"),
    ({"seed": -1}, {}, "seed must be a whole number from 0 to 4294967295; got -1"),
])
def test_bad_values_are_one_line_naming_the_field_the_value_and_the_fix(db, files, capsys, top, project, words):
    good = {"name": "p", "base": "trucks1.json", "alternative": "trucks3.json"}
    portfolio = files({**top, "projects": [{**good, **project}]})
    assert run(["--db", db, "appraise", "--rank", portfolio]) == 1
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "report it" not in err and "Traceback" not in err
