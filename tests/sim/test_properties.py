"""Invariants on random small scenarios (Hypothesis)."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderflow.sim import load_scenario, simulate

SERVICES = st.one_of(
    st.builds(lambda m: {"dist": "exponential", "mean_seconds": m}, st.floats(5, 300)),
    st.builds(lambda m: {"dist": "deterministic", "mean_seconds": m}, st.floats(5, 300)),
    st.builds(
        lambda m, cv: {"dist": "lognormal", "mean_seconds": m, "cv": cv},
        st.floats(5, 300),
        st.floats(0.1, 2),
    ),
    st.builds(
        lambda m, cv: {"dist": "gamma", "mean_seconds": m, "cv": cv},
        st.floats(5, 300),
        st.floats(0.1, 2),
    ),
    st.builds(
        lambda v: {"dist": "empirical", "values_seconds": v},
        # a mean below 1e-3 s (5e-324 and zeros: a mean that underflows to 0) is not a service time
        st.lists(st.floats(0, 400), min_size=1, max_size=5).filter(lambda v: sum(v) > 1e-3),
    ),
)


@st.composite
def scenarios(draw):
    hours = draw(st.integers(1, 4))
    n_groups = draw(st.integers(1, 3))
    ids = [f"g{i}" for i in range(n_groups)]
    groups = {}
    for gid in ids:
        spec = {
            "mode": "passenger",
            "program": "standard",
            "booths": draw(
                st.one_of(
                    st.integers(0, 3), st.lists(st.integers(0, 4), min_size=hours, max_size=hours)
                )
            ),
            "service": draw(SERVICES),
        }
        if draw(st.booleans()):
            spec["secondary"] = {
                "probability": draw(st.floats(0, 1)),
                "spaces": draw(st.integers(1, 3)),
                "service": draw(SERVICES),
            }
        groups[gid] = spec
    demand = []
    for _ in range(draw(st.integers(1, 3))):
        to = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=n_groups, unique=True))
        rate = draw(
            st.one_of(
                st.floats(0, 150), st.lists(st.floats(0, 150), min_size=hours, max_size=hours)
            )
        )
        demand.append({"to": to, "per_hour": rate})
    return load_scenario(
        {
            "name": "property",
            "hours": hours,
            "seed": draw(st.integers(0, 2**32)),
            "replications": draw(st.integers(1, 3)),
            "lane_groups": groups,
            "demand": demand,
        }
    )


def numbers(result) -> dict:
    d = json.loads(json.dumps(result.to_json_dict()))
    d["engine"].pop("seconds")
    d["engine"].pop("workers")
    return d


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_invariants(s):
    res = simulate(s, workers=1, records=True)
    rec = res.records
    reps = s.replications
    horizon = s.hours * 3600.0
    assert res.engine.vehicles == len(rec)
    wait = rec.wait_seconds
    assert np.all(wait >= 0)
    for gi, group in enumerate(s.lane_groups):
        row = res.lane_groups[group.id].total
        mine = rec.group == gi
        # vehicles in = served + still in the system, at the end of every hour (a vehicle
        # finishing exactly at the end of hour h is served in hour h + 1)
        running_in = 0.0
        for h, hour_row in enumerate(res.lane_groups[group.id].hourly):
            running_in += hour_row.arrivals
            end_h = (h + 1) * 3600.0
            present = mine & (rec.arrival_seconds < end_h) & (rec.end_seconds >= end_h)
            assert np.isclose(hour_row.in_system_end, present.sum() / reps)
            assert hour_row.in_system_end >= -1e-9
            for name in (
                "wait_mean_minutes",
                "wait_p50_minutes",
                "wait_p95_minutes",
                "wait_max_minutes",
            ):
                value = getattr(hour_row, name)
                assert value is None or value >= 0
        assert np.isclose(row.arrivals, row.served + row.in_system_end)
        assert np.isclose(row.arrivals, mine.sum() / reps)
        tail = max(1, group.booths[-1])
        for r in range(reps):
            v = mine & (rec.replication == r)
            order = np.argsort(rec.arrival_seconds[v], kind="stable")
            starts = rec.start_seconds[v][order]
            assert np.all(np.diff(starts) >= 0)  # first come, first served
            booth = rec.booth[v]
            start = rec.start_seconds[v]
            end = rec.end_seconds[v]
            hour = (start // 3600).astype(int)
            limit = np.where(
                hour < s.hours, np.array(group.booths)[np.minimum(hour, s.hours - 1)], tail
            )
            assert np.all(booth < limit)  # every start is at an open booth
            for b in np.unique(booth):
                on = np.argsort(start[booth == b])
                bs, be = start[booth == b][on], end[booth == b][on]
                assert np.all(bs[1:] >= be[:-1] - 1e-6)  # one vehicle at a time
            if group.secondary is not None:
                ref = v & rec.referred
                ss, se = rec.secondary_start_seconds[ref], rec.secondary_end_seconds[ref]
                assert np.all(ss >= rec.end_seconds[ref] - 1e-9)
                events = sorted(
                    [(t, 1) for t in ss] + [(t, -1) for t in se], key=lambda x: (x[0], x[1])
                )
                busy = np.cumsum([d for _, d in events]) if events else np.zeros(1)
                assert busy.max(initial=0) <= group.secondary.spaces
    assert np.all(rec.arrival_seconds < horizon)


@settings(max_examples=30, deadline=None)
@given(scenarios())
def test_same_seed_same_result(s):
    assert numbers(simulate(s, workers=1)) == numbers(simulate(s, workers=1))


@settings(max_examples=6, deadline=None)
@given(scenarios())
def test_results_independent_of_worker_count(s):
    s = s.with_run_options(replications=4)
    assert numbers(simulate(s, workers=1)) == numbers(simulate(s, workers=2))
