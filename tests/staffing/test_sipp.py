"""SIPP with Erlang C: the fewest booths meeting the steady-state p95, checked by brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderflow.sim import load_scenario
from borderflow.sim.erlang import wait_quantile_seconds
from borderflow.staffing.sipp import erlang_c_booths, group_arrivals_per_hour, sipp_plan

from .conftest import EXAMPLES, one_lane


@settings(max_examples=150, deadline=None)
@given(
    arrivals=st.floats(0.5, 2000),
    service=st.floats(5, 600),
    target=st.floats(0.1, 3600),
    cap=st.integers(0, 60),
)
def test_erlang_c_booths_is_the_smallest_count_that_meets_the_target(arrivals, service, target, cap):
    booths, met = erlang_c_booths(arrivals, service, target, cap)
    meets = [c for c in range(1, cap + 1)
             if c * 3600 > arrivals * service and wait_quantile_seconds(0.95, arrivals, service, c) <= target]
    if meets:
        assert (booths, met) == (meets[0], True)
    else:
        assert (booths, met) == (cap, False)


def test_no_arrivals_no_booths_and_allen_cunneen_needs_no_more():
    assert erlang_c_booths(0.0, 60, 30, 5) == (0, True)
    exponential, _ = erlang_c_booths(600, 60, 60, 40)
    steadier, _ = erlang_c_booths(600, 60, 60, 40, service_scv=0.25)
    assert steadier <= exponential


def test_lane_choice_is_split_by_the_capacity_the_scenario_opens():
    scenario = load_scenario(EXAMPLES / "small_crossing.json")
    rates = group_arrivals_per_hour(scenario)
    total_demand = np.sum([d.per_hour for d in scenario.demand], axis=0)
    np.testing.assert_allclose(rates.sum(axis=0), total_demand)
    general, ready = scenario.lane_group("general"), scenario.lane_group("ready")
    h = 0
    share_ready = (ready.booths[h] / ready.service.mean_seconds) / (
        ready.booths[h] / ready.service.mean_seconds + general.booths[h] / general.service.mean_seconds)
    choice = next(d for d in scenario.demand if len(d.to) > 1)
    assert rates[1, h] == pytest.approx(choice.per_hour[h] * share_ready + sum(
        d.per_hour[h] for d in scenario.demand if d.to == ("ready",)))


def test_sipp_plan_per_hour_and_unstaffed_groups_keep_their_booths():
    scenario = one_lane([600, 20, 0, 2000], booths=12)
    plan = sipp_plan(scenario, 5.0, [12])
    assert plan.booths[0].tolist() == [erlang_c_booths(600, 60, 300, 12)[0], 1, 0, 12]
    assert plan.formula_met[0].tolist() == [True, True, True, False]  # 2000 an hour needs > 33
    crossing = load_scenario(EXAMPLES / "small_crossing.json")
    only = sipp_plan(crossing, 5.0, [9, 9], groups=["ready"])
    assert tuple(only.booths[0]) == crossing.lane_group("general").booths


def test_the_search_start_counts_lane_choosers_at_their_fastest_lane():
    scenario = load_scenario(EXAMPLES / "small_crossing.json")
    rates = group_arrivals_per_hour(scenario, fastest=True)
    choice = np.asarray(next(d for d in scenario.demand if len(d.to) > 1).per_hour)
    general_only = np.asarray(next(d for d in scenario.demand if d.to == ("general",)).per_hour)
    # Ready (45 s) is faster than general (about 80 s): every chooser counts there
    np.testing.assert_allclose(rates[1], choice)
    np.testing.assert_allclose(rates[0], general_only)
    split = group_arrivals_per_hour(scenario)
    assert np.all(split[0] >= rates[0]) and np.any(split[0] > rates[0])
    start = sipp_plan(scenario, 5.0, [9, 9], fastest=True).booths
    baseline = sipp_plan(scenario, 5.0, [9, 9]).booths
    assert start[0].sum() < baseline[0].sum()
