"""Staffing plans: carry-over beats SIPP, infeasible hours are explained, requests checked."""

from __future__ import annotations

import re

import numpy as np
import pytest

from borderflow.errors import BadInputError, InfeasibleError
from borderflow.sim import Scenario, load_scenario, simulate
from borderflow.staffing import StaffingRequest, plan_staffing
from borderflow.staffing.evaluate import evaluation_from_results, with_booths
from borderflow.staffing.search import search_plan
from borderflow.staffing.shifts import ShiftRules

from .conftest import one_lane

FRESH_SEED = 90_210


def fresh_p95(scenario, plan, replications: int) -> np.ndarray:
    """p95 per group and hour of the plan re-simulated with seeds neither search nor check used."""
    booths = {gid: g.booths for gid, g in plan.lane_groups.items()}
    result = simulate(with_booths(scenario, booths), replications=replications, seed=FRESH_SEED)
    found = evaluation_from_results(scenario.group_ids, result.lane_groups)
    rows = [scenario.group_ids.index(g) for g in plan.lane_groups]
    return found.p95_minutes[rows]


def test_a_queue_that_carries_over_defeats_sipp_but_not_the_search(burst):
    plan = plan_staffing(burst, StaffingRequest(target_p95_minutes=5, replications=60))
    sipp, mine = plan.baseline_sipp["lane"], plan.lane_groups["lane"]
    # SIPP staffs hour 1 for its 20 arrivals and leaves hour 0's queue to one booth
    assert sipp.booths[1] == 1 and not sipp.target_met[1]
    assert all(mine.target_met) and mine.booths[1] > sipp.booths[1]
    assert plan.issues == ()
    p95 = fresh_p95(burst, plan, 120)
    assert np.all(np.nan_to_num(p95) <= 5.0)


def test_too_few_booths_are_reported_hour_by_hour(burst):
    plan = plan_staffing(burst, StaffingRequest(target_p95_minutes=5, max_booths=8, replications=20))
    reasons = {(i.hour, i.reason) for i in plan.issues}
    # 600 x 60 s = 10 booth-hours of work in hour 0 against 8 booths
    assert (0, "overload") in reasons
    assert (1, "backlog") in reasons
    assert not plan.lane_groups["lane"].target_met[0]
    assert plan.lane_groups["lane"].booths[0] == 8
    message = next(i.message for i in plan.issues if i.hour == 0)
    # about 600 arrivals (the check's mean) x 60 s: about 10 booth-hours against 8 booths
    assert re.search(r"(59\d|60\d) arrivals x 60 s = (9\.\d|10\.\d) booth-hours of work", message)
    assert "the 8 booths available" in message


def test_hours_after_a_tight_hour_are_tight_not_backlog():
    """Backlog is the queue of an overloaded hour; after an hour that is only tight (under
    capacity, p95 above the target) the next missed hours are tight too."""
    from borderflow.staffing.planner import _missed_hour

    infeasible = np.array([True, True, True])
    under = np.array([False, False, False])
    issue = _missed_hour("g", 2, 1.0, 60.0, 3, 100.0, 1.5, 0.1, 3.0, infeasible, under, None)
    assert issue.reason == "tight"
    over_first = np.array([True, False, False])
    issue = _missed_hour("g", 2, 1.0, 60.0, 3, 100.0, 1.5, 0.1, 3.0, infeasible, over_first, None)
    assert issue.reason == "backlog" and "built up from hour 00" in issue.message


def test_a_target_too_tight_for_every_booth_is_explained():
    # 100 an hour on at most 3 booths: about 1.7 of 3 busy, so someone always waits a
    # little; the late hours' trickle is served at once
    scenario = one_lane([100, 2, 2], booths=3, mean_seconds=60)
    plan = plan_staffing(scenario, StaffingRequest(target_p95_minutes=0.05, replications=20))
    tight = [i for i in plan.issues if i.reason == "tight"]
    assert [i.hour for i in tight] == [0]
    assert "even with all 3 booths open the p95 is" in tight[0].message
    assert "below the mean inspection time of 1.0 min" in tight[0].message
    assert plan.lane_groups["lane"].target_met[2]


def test_nothing_can_meet_it():
    scenario = one_lane([100, 100], booths=3)
    with pytest.raises(InfeasibleError, match="cannot be met in any hour of lane: at most 0 booths"):
        plan_staffing(scenario, StaffingRequest(target_p95_minutes=5, max_booths=0))
    with pytest.raises(InfeasibleError, match="raise the target or --max-booths"):
        plan_staffing(one_lane([400, 400], booths=3), StaffingRequest(target_p95_minutes=1, replications=5))


def test_a_day_without_arrivals_needs_no_booths():
    plan = plan_staffing(one_lane([0, 0, 0], booths=4), StaffingRequest(target_p95_minutes=5, replications=3))
    assert plan.lane_groups["lane"].booths == (0, 0, 0) and plan.all_met and plan.booth_hours == 0


@pytest.mark.parametrize(("change", "match"), [
    ({"target_p95_minutes": 0}, "target p95 must be a number of minutes > 0"),
    ({"lane_groups": ("nope",)}, "unknown lane group nope"),
    ({"max_booths": -1}, "max booths must be a whole number >= 0"),
    ({"replications": 0}, "replications must be a whole number"),
    ({"z": -1.0}, "z must be a number >= 0"),
    ({"shifts": ShiftRules(length_hours=0)}, "shift length"),
])
def test_bad_requests(change, match, burst):
    request = StaffingRequest(**{"target_p95_minutes": 5.0, **change})
    with pytest.raises(BadInputError, match=match):
        plan_staffing(burst, request)


def test_one_lane_group_is_staffed_and_the_others_kept(trucks):
    plan = plan_staffing(trucks, StaffingRequest(target_p95_minutes=20, lane_groups=("fast",),
                                                 replications=30, shifts=None))
    assert list(plan.lane_groups) == ["fast"] and list(plan.baseline_sipp) == ["fast"]
    assert any("standard" in note for note in plan.notes)
    assert plan.roster is None
    # FAST-eligible trucks may all use standard lanes, so no bound counts them
    assert plan.lower_bound_booth_hours == 0


def test_max_booths_caps_only_the_staffed_groups(trucks):
    """Staffing FAST alone under --max-booths 3: the standard lanes keep their 12 booths in
    the search and in the reported check (simulate agrees), and the plan needs no more
    booth-hours than SIPP."""
    plan = plan_staffing(trucks, StaffingRequest(target_p95_minutes=20, lane_groups=("fast",), max_booths=3,
                                                 replications=20, shifts=None))
    fast = plan.lane_groups["fast"]
    assert max(fast.booths) <= 3 and fast.max_booths == 3
    again = simulate(with_booths(trucks, {"fast": fast.booths}), replications=plan.check_replications,
                     seed=plan.check_seed)
    found = evaluation_from_results(trucks.group_ids, again.lane_groups)
    np.testing.assert_allclose(np.nan_to_num(found.p95_minutes[trucks.group_ids.index("fast")]),
                               [v or 0.0 for v in fast.p95_minutes])
    assert plan.booth_hours <= plan.sipp_booth_hours


def test_a_lane_kept_as_it_is_does_not_take_the_drivers_a_closed_lane_pushes_onto_it(trucks):
    """FAST staffed alone at a 3-minute target: closing FAST would "meet" it by sending
    its trucks to standard, past the target there. Where standard meets the target with
    FAST fully open, the plan keeps it so (re-simulated on fresh seeds)."""
    plan = plan_staffing(trucks, StaffingRequest(target_p95_minutes=3, lane_groups=("fast",),
                                                 replications=20, shifts=None))
    fast = plan.lane_groups["fast"]
    standard = trucks.group_ids.index("standard")
    opened = simulate(with_booths(trucks, {"fast": [max(fast.booths)] * trucks.hours}), replications=40, seed=77)
    planned = simulate(with_booths(trucks, {"fast": fast.booths}), replications=40, seed=77)
    at_cap = evaluation_from_results(trucks.group_ids, opened.lane_groups).p95_minutes[standard]
    kept = evaluation_from_results(trucks.group_ids, planned.lane_groups).p95_minutes[standard]
    watched = np.nan_to_num(at_cap) <= 3.0 * 0.9  # comfortably met with FAST open
    assert watched.sum() >= 4
    assert (np.nan_to_num(kept)[watched] <= 3.0 * 1.15).all(), (kept[watched], fast.booths)
    assert sum(fast.booths) > 4  # the old plan closed FAST after hour 2: 4 booth-hours


def test_the_json_has_the_documented_keys(burst):
    plan = plan_staffing(burst, StaffingRequest(target_p95_minutes=5, replications=20,
                                                shifts=ShiftRules(length_hours=2)))
    data = plan.to_json_dict()
    group = data["lane_groups"]["lane"]
    for key in ("booths", "booth_hours", "p95_minutes", "target_met"):
        assert len(group[key]) == 4 if key != "booth_hours" else group[key] == sum(group["booths"])
        assert key in data["baseline_sipp"]["lane_groups"]["lane"]
    assert data["lower_bound_booth_hours"] == pytest.approx((600 + 60) * 60 / 3600)
    assert data["roster"]["officers"] == plan.roster.officers
    assert sum(data["roster"]["starts"]) == data["roster"]["officers"]


def two_speed_lanes(per_hour: list[float]) -> Scenario:
    """Drivers who may take a slow lane (120 s) or a fast one (60 s)."""
    lane = {"mode": "passenger", "program": "standard", "booths": 6}
    return load_scenario({
        "name": "two speeds", "hours": len(per_hour), "seed": 5,
        "lane_groups": {"slow": {**lane, "service": {"dist": "exponential", "mean_seconds": 120}},
                        "fast": {**lane, "program": "ready",
                                 "service": {"dist": "exponential", "mean_seconds": 60}}},
        "demand": [{"to": ["slow", "fast"], "per_hour": per_hour}],
    })


def test_booths_move_to_the_faster_lane_drivers_may_choose():
    scenario = two_speed_lanes([120, 120, 120])
    # a start with every booth on the slow lane: 4 erlangs there, so removals alone
    # cannot go below 5 booths an hour; at the fast lane the same drivers bring 2
    start = np.array([[6, 6, 6], [0, 0, 0]])
    found = search_plan(scenario, 5.0, [0, 1], np.array([6, 6]), start, replications=20, seed=1)
    assert found.booths[1].sum() > 0
    assert found.booths.sum() < 15, found.booths


def test_an_hour_at_its_cap_within_the_margin_is_reported_not_counted_as_met():
    # hour 0: 100 an hour on 3 booths waits a little at every booth count; hours 1-2 a
    # trickle served at once. A huge margin makes hour 0 unpromisable with every booth
    # open, though its p95 is far below the target: reported, not counted as met.
    scenario = one_lane([100, 2, 2], booths=3, mean_seconds=60)
    easy = plan_staffing(scenario, StaffingRequest(target_p95_minutes=10, replications=20))
    assert easy.all_met and easy.issues == ()
    strict = plan_staffing(scenario, StaffingRequest(target_p95_minutes=10, replications=20, z=1000.0))
    lane = strict.lane_groups["lane"]
    assert lane.booths[0] == 3 and lane.p95_minutes[0] < 10
    assert lane.target_met == (False, True, True) and not strict.all_met
    (issue,) = strict.issues
    assert issue.hour == 0 and issue.reason == "tight"
    assert "too close to promise" in issue.message and "the fresh-seed check measured" in issue.message


def test_the_reported_p95_is_the_fresh_check_simulate_gives(burst):
    plan = plan_staffing(burst, StaffingRequest(target_p95_minutes=5, replications=20))
    assert plan.check_seed != plan.seed and plan.check_replications == 40
    booths = {gid: g.booths for gid, g in plan.lane_groups.items()}
    again = simulate(with_booths(burst, booths), replications=plan.check_replications, seed=plan.check_seed)
    found = evaluation_from_results(burst.group_ids, again.lane_groups)
    np.testing.assert_allclose(np.nan_to_num(found.p95_minutes[0]),
                               [v or 0.0 for v in plan.lane_groups["lane"].p95_minutes])
    data = plan.to_json_dict()["search"]
    assert data["screen_replications"] == 10 and data["decision_replications"] == 60


def test_a_lane_that_cannot_meet_the_target_keeps_the_lane_its_drivers_may_choose():
    """Standard trucks overload their one allowed booth whatever is done; trucks free to
    take FAST or standard relieve it only if the FAST booth stays open. The plan must not
    close it (it met no target by closing it, and made the failing lane's queue worse)."""
    data = {
        "name": "overloaded standard lane", "hours": 2, "seed": 0, "replications": 10,
        "lane_groups": {
            "standard": {"mode": "commercial", "program": "standard", "booths": [3, 3],
                         "service": {"dist": "lognormal", "mean_seconds": 120, "cv": 0.6}},
            "fast": {"mode": "commercial", "program": "fast", "booths": [1, 1],
                     "service": {"dist": "lognormal", "mean_seconds": 60, "cv": 0.6}},
        },
        "demand": [{"to": "standard", "per_hour": [60, 60]}, {"to": ["fast", "standard"], "per_hour": [20, 20]}],
    }
    plan = plan_staffing(load_scenario(data), StaffingRequest(target_p95_minutes=15, max_booths=1))
    assert list(plan.lane_groups["fast"].booths) == [1, 1]
    standard_p95 = plan.lane_groups["standard"].p95_minutes
    sipp_p95 = plan.baseline_sipp["standard"].p95_minutes
    assert all(p is not None and s is not None and p <= s * 1.1
               for p, s in zip(standard_p95, sipp_p95, strict=True)), (standard_p95, sipp_p95)


def test_a_lane_keeps_a_booth_in_the_last_hour_its_vehicles_arrive():
    """With a target so loose any wait meets it, a plan could close every hour and leave the
    day's vehicles to the booth the simulator keeps open after the horizon to drain the
    queue; it keeps one open in the last hour with arrivals instead, for each demand entry."""
    scenario = load_scenario({
        "name": "tail", "hours": 6, "seed": 1,
        "lane_groups": {
            "a": {"mode": "passenger", "program": "standard", "booths": 4,
                  "service": {"dist": "exponential", "mean_seconds": 60}},
            "b": {"mode": "passenger", "program": "ready", "booths": 2,
                  "service": {"dist": "exponential", "mean_seconds": 40}}},
        "demand": [{"to": "a", "per_hour": [20, 20, 20, 20, 20, 0]},
                   {"to": ["a", "b"], "per_hour": [10, 10, 10, 10, 10, 10]}]})
    plan = plan_staffing(scenario, StaffingRequest(target_p95_minutes=100_000, replications=20))
    a, b = plan.lane_groups["a"].booths, plan.lane_groups["b"].booths
    assert a[4] >= 1  # "a"'s own vehicles arrive until hour 4
    assert a[5] + b[5] >= 1  # the shared entry's until hour 5
    assert plan.booth_hours <= 3  # and no more than that: the target asks nothing else
