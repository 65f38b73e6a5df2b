"""The simulator against answers worked out independently: Erlang-C and a hand-computed
transient overload."""

from __future__ import annotations

import math

import numpy as np
import pytest

from borderflow.sim import load_scenario, simulate
from borderflow.sim.erlang import (
    erlang_c_wait_probability,
    mean_wait_seconds,
    offered_load,
    wait_quantile_seconds,
)
from tests.sim.conftest import group, scenario_dict

WARM_UP_HOURS = 20


T995_DF19 = 2.8609  # Student t, 0.995 quantile, 19 degrees of freedom


def within_ci99(per_rep: np.ndarray, expected: float) -> bool:
    """Is ``expected`` inside the 99 % confidence interval of the replications' mean?"""
    half = T995_DF19 * per_rep.std(ddof=1) / math.sqrt(len(per_rep))
    return abs(per_rep.mean() - expected) <= half


@pytest.mark.parametrize(
    ("c", "service_seconds", "rho"),
    [(1, 100.0, 0.7), (3, 120.0, 0.5), (3, 120.0, 0.9), (10, 60.0, 0.85)],
)
def test_steady_state_mm_c_matches_erlang_c(c, service_seconds, rho):
    # 20 replications of 200 hours; the first 20 hours (warm-up from empty) are dropped.
    # Each replication gives one observation of each statistic; the Erlang-C value must
    # lie in the 99 % confidence interval of their mean.
    lam = rho * c * 3600 / service_seconds
    hours, reps = 200, 20
    s = load_scenario(
        scenario_dict(
            hours,
            {"g": group(c, mean=service_seconds)},
            [{"to": "g", "per_hour": lam}],
            replications=reps,
            seed=17 + c,
        )
    )
    rec = simulate(s, workers=1, records=True).records
    steady = rec.arrival_seconds >= WARM_UP_HOURS * 3600
    waits = rec.wait_seconds[steady]
    rep_of = rec.replication[steady]
    by_rep = [waits[rep_of == r] for r in range(reps)]

    def per_rep(stat) -> np.ndarray:
        return np.array([stat(w) for w in by_rep])

    expected = mean_wait_seconds(lam, service_seconds, c)
    assert within_ci99(per_rep(np.mean), expected), (per_rep(np.mean).mean(), expected)
    a = offered_load(lam, service_seconds)
    waited = per_rep(lambda w: np.mean(w > 0))
    assert within_ci99(waited, erlang_c_wait_probability(c, a)), waited.mean()
    for q in (0.5, 0.9, 0.95):
        t = wait_quantile_seconds(q, lam, service_seconds, c)
        share = per_rep(lambda w, t=t: np.mean(w <= t))
        if t == 0:  # the atom at 0 already holds more than q
            assert share.mean() >= q
        else:
            assert within_ci99(share, q), (q, share.mean())


def test_transient_overload_queue_grows_at_lambda_minus_c_mu():
    # 2 booths x 30 s deterministic = 240 an hour; 300 arrive an hour for 6 hours.
    # The queue grows by 300 - 240 = 60 an hour; a vehicle arriving at t (hours) finds
    # about 60 t ahead of it and waits about 60 t / 240 h = 15 t minutes, so those
    # arriving in hour h wait about 15 (h + 0.5) minutes on average.
    s = load_scenario(
        scenario_dict(
            6,
            {"g": group(2, mean=30, dist="deterministic")},
            [{"to": "g", "per_hour": 300}],
            replications=200,
            seed=5,
        )
    )
    res = simulate(s, workers=1).lane_groups["g"]
    # Tolerances are 4 standard errors of the mean over 200 replications: by time t the
    # queue holds N(t) - 240 t vehicles, N(t) Poisson with variance 300 t.
    se = lambda t: math.sqrt(300 * t) / math.sqrt(200)
    for row in res.hourly[1:]:
        h = row.hour
        assert row.in_system_end == pytest.approx(60 * (h + 1), abs=4 * se(h + 1) + 1)
        assert row.wait_mean_minutes == pytest.approx(15 * (h + 0.5), abs=4 * se(h + 0.5) / 240 * 60 + 0.2)
        assert row.served == 240  # never idle once the queue has built
        assert row.utilization == pytest.approx(1.0)
    assert res.total.in_system_end == pytest.approx(360, abs=4 * se(6) + 1)
    assert res.total.arrivals == pytest.approx(res.total.served + res.total.in_system_end)
