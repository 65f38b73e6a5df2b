"""The two realistic days of the brief, end to end: a San Ysidro-like weekday of vehicles
with a morning peak, and a truck weekday at an Otay Mesa-like port with FAST lanes.

Each plan is re-simulated with seeds neither its search nor its check used: the target
must hold in every hour; where SIPP meets the target in every hour, the plan may not use
more booth-hours; where SIPP misses, the plan must meet it.
"""

from __future__ import annotations

import numpy as np
import pytest

from borderflow.staffing import StaffingRequest, plan_staffing

from .test_planner import fresh_p95

CASES = {
    # (fixture, target minutes, search replications)
    "san_ysidro": ("san_ysidro", 5.0, 20),
    "trucks": ("trucks", 15.0, 100),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def day(request):
    fixture, target, replications = CASES[request.param]
    scenario = request.getfixturevalue(fixture)
    plan = plan_staffing(scenario, StaffingRequest(target_p95_minutes=target, replications=replications))
    return scenario, target, plan


def test_the_target_holds_in_every_hour_with_fresh_seeds(day):
    scenario, target, plan = day
    assert plan.all_met and plan.issues == ()
    p95 = fresh_p95(scenario, plan, plan.check_replications)
    assert np.all(np.nan_to_num(p95) <= target), np.round(p95, 2)


def test_no_more_booth_hours_than_sipp_where_sipp_meets_the_target(day):
    _, _, plan = day
    assert plan.booth_hours >= plan.lower_bound_booth_hours
    if plan.sipp_all_met:
        assert plan.booth_hours <= plan.sipp_booth_hours
    else:  # SIPP misses somewhere; the plan meets it everywhere
        assert plan.all_met


def test_the_morning_peak_is_where_sipp_comes_closest_to_failing(day):
    """SIPP sizes each hour as if it were steady; the queue that builds at the onset of the
    morning peak is what it cannot see. Its p95 there runs at the target (over it on some
    seeds, just under on others), and wherever it misses, it is in the peak."""
    scenario, target, plan = day
    if scenario.name.startswith("San Ysidro"):
        general = plan.baseline_sipp["general"]
        p95 = np.nan_to_num(np.array(general.p95_minutes, dtype=float))
        assert 6 <= int(np.argmax(p95)) <= 10 and p95.max() >= 0.8 * target, np.round(p95, 2)
        missed = [(gid, h) for gid, g in plan.baseline_sipp.items() for h, ok in enumerate(g.target_met) if not ok]
        assert all(6 <= h <= 10 for _, h in missed)
