"""Appraisal numbers checked by hand: days, weights, delay per vehicle, value, NPV, BCR."""

from __future__ import annotations

import pytest

from borderflow.errors import BadInputError
from borderflow.planning.appraisal import Alternative, AppraisalOptions, appraise
from borderflow.planning.days import representative_days, scale_day
from borderflow.planning.sweep import task_seed
from borderflow.planning.values import Valuation
from borderflow.planning.volumes import PortYear
from borderflow.sim import simulate

from .conftest import tiny_crossing
from .test_days import MONTHLY


def delay_per_vehicle_hours(scenario, replications, seed):
    """Sum of arrivals x mean wait over the lane groups, over their arrivals (by hand)."""
    result = simulate(scenario, replications=replications, seed=seed)
    arrivals = sum(g.total.arrivals for g in result.lane_groups.values())
    hours = sum(g.total.arrivals * (g.total.wait_mean_minutes or 0) / 60 for g in result.lane_groups.values())
    return hours / arrivals


def test_a_tiny_year_by_hand():
    year = PortYear("9999", 2023, {"passenger": MONTHLY})
    base, better = tiny_crossing(booths=1), tiny_crossing(booths=3)
    valuation = Valuation(person_hour_dollars=10.0, discount_rate=0.05, horizon_years=10)
    options = AppraisalOptions(replications=5, seed=7, valuation=valuation, passengers_per_vehicle=1.5, workers=1)
    found = appraise(base, [Alternative(better, capital_cost_dollars=50_000.0, yearly_cost_dollars=1_000.0)],
                     year, options)

    weights = representative_days(year, ("passenger",))
    expected = {}
    for label, scenario in (("base", base), ("better", better)):
        vehicle_hours = 0.0
        for d, day in enumerate(weights.days):
            per_vehicle = delay_per_vehicle_hours(scale_day(scenario, day), 5, task_seed(7, d))
            vehicle_hours += weights.vehicles[day.id]["passenger"] * per_vehicle
        expected[label] = vehicle_hours
    base_mode, alt_mode = found.base.by_mode["passenger"], found.alternatives[0].by_mode["passenger"]
    assert base_mode.vehicle_hours == pytest.approx(expected["base"], rel=1e-9)
    assert alt_mode.vehicle_hours == pytest.approx(expected["better"], rel=1e-9)
    assert base_mode.hours == pytest.approx(1.5 * expected["base"], rel=1e-9)
    assert base_mode.dollars == pytest.approx(15.0 * expected["base"], rel=1e-9)
    assert base_mode.vehicles == pytest.approx(sum(MONTHLY))

    benefit = 15.0 * (expected["base"] - expected["better"])
    factor = sum(1.05 ** -t for t in range(1, 11))
    money = found.alternatives[0].economics
    assert money.yearly_benefit_dollars == pytest.approx(benefit, rel=1e-9)
    assert money.npv_dollars == pytest.approx(benefit * factor - 50_000 - 1_000 * factor, rel=1e-9)
    assert money.benefit_cost_ratio == pytest.approx(benefit * factor / (50_000 + 1_000 * factor), rel=1e-9)
    assert found.alternatives[0].change_hours["passenger"] == pytest.approx(
        1.5 * (expected["better"] - expected["base"]), rel=1e-9)
    assert benefit > 0  # three booths wait less than one


def test_the_same_scenario_changes_nothing_and_trucks_are_valued_per_truck_hour():
    trucks = tiny_crossing(mode="commercial")
    found = appraise(trucks, [Alternative(trucks, capital_cost_dollars=100.0)], None,
                     AppraisalOptions(replications=3, workers=1))
    alt = found.alternatives[0]
    assert alt.change_hours == {"commercial": 0.0}
    assert alt.economics.yearly_benefit_dollars == 0.0
    assert alt.economics.npv_dollars == -100.0 and alt.economics.benefit_cost_ratio == 0.0
    mode = found.base.by_mode["commercial"]
    assert mode.unit == "truck-hours" and mode.people_per_vehicle == 1.0
    assert mode.dollars == pytest.approx(27.20 * mode.hours)
    assert mode.vehicles == pytest.approx(280 * 365)  # the scenario's own day, every day
    data = found.to_json_dict()
    assert data["port_code"] is None and data["days"][0]["id"] == "scenario_day"
    assert "A-94" in data["valuation"]["sources"]["discount_rate"]


def test_bad_appraisals():
    base = tiny_crossing()
    with pytest.raises(BadInputError, match="at least one alternative"):
        appraise(base, [], None, AppraisalOptions(passengers_per_vehicle=1.5))
    with pytest.raises(BadInputError, match="people per personal vehicle is unknown"):
        appraise(base, [Alternative(base)], None, AppraisalOptions(replications=2))
    with pytest.raises(BadInputError, match="demand that the base lacks"):
        appraise(base, [Alternative(tiny_crossing(mode="commercial"))], None,
                 AppraisalOptions(passengers_per_vehicle=1.5))
    # an alternative without a mode the base serves would count that mode's whole delay as saved
    from dataclasses import replace

    from borderflow.sim import load_scenario

    walkers = {"mode": "pedestrian", "program": "standard", "booths": 1,
               "service": {"dist": "exponential", "mean_seconds": 30}}
    both = load_scenario({"name": "both", "hours": 4, "seed": 1,
                          "lane_groups": {"cars": {**walkers, "mode": "passenger"}, "walk": walkers},
                          "demand": [{"to": "cars", "per_hour": 20}, {"to": "walk", "per_hour": 30}]})
    cars_only = replace(both, name="cars only", demand=both.demand[:1])
    with pytest.raises(BadInputError, match="'cars only' has no pedestrian demand that the base has"):
        appraise(both, [Alternative(cars_only)], None, AppraisalOptions(passengers_per_vehicle=1.5))


def test_a_scenario_of_several_days_is_refused_with_or_without_a_port():
    from dataclasses import replace

    one = tiny_crossing(mode="commercial")  # 4 hours
    days = replace(one, hours=48, name="two days",
                   lane_groups=tuple(replace(g, booths=g.booths * 12) for g in one.lane_groups),
                   demand=tuple(replace(d, per_hour=d.per_hour * 12) for d in one.demand))
    year = PortYear("9999", 2023, {"commercial": MONTHLY})
    for volumes in (None, year):
        for base, alternative in ((days, one), (one, days)):
            with pytest.raises(BadInputError, match="'two days' has 48 hours: give a scenario of one day"):
                appraise(base, [Alternative(alternative)], volumes, AppraisalOptions(replications=1, workers=1))


def test_weekend_factors_and_all_months_need_a_port():
    trucks = tiny_crossing(mode="commercial")
    for options in (AppraisalOptions(all_months=True), AppraisalOptions(weekend_factors={"commercial": 0.4})):
        with pytest.raises(BadInputError, match="without a port the scenario's own day stands for every day"):
            appraise(trucks, [Alternative(trucks)], None, options)


def test_costs_and_values_past_their_bounds_are_refused_before_simulating():
    trucks = tiny_crossing(mode="commercial")
    with pytest.raises(BadInputError, match=r"yearly cost of alternative 1 must be a number of dollars from 0 "
                                            r"to 1e\+15; got 1e\+308"):
        appraise(trucks, [Alternative(trucks, yearly_cost_dollars=1e308)], None, AppraisalOptions(replications=1))
    with pytest.raises(BadInputError, match=r"truck_hour_dollars must be a number of dollars from 0 to 1e\+06"):
        appraise(trucks, [Alternative(trucks)], None,
                 AppraisalOptions(replications=1, valuation=Valuation(truck_hour_dollars=1e305)))
