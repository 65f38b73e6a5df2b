"""The rules of docs/simulator.md on inputs small enough to work out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from borderflow.sim import engine
from borderflow.sim.scenario import load_scenario
from tests.sim.conftest import group, run_given, scenario_dict


def one_group(booths, hours, **extra):
    return load_scenario(
        scenario_dict(hours, {"g": group(booths, **extra)}, [{"to": "g", "per_hour": 1}])
    )


def test_closing_booth_finishes_and_opening_booth_starts_at_once():
    s = one_group([2, 1, 2], 3)
    arrivals = [3000, 3100, 3200, 3300, 7000, 7100]
    services = [1000, 1000, 100, 100, 500, 100]
    rec, i, f = run_given(s, [arrivals], [services])
    # v0, v1 take booths 0 and 1; booth 1 closes at 3600 but finishes v1 at 4100;
    # v2 waits for booth 0 (4000); v3 too (4100), as booth 1 is closed in hour 1;
    # v4 takes booth 0 at once; v5 waits for booth 1 to open at 7200.
    assert rec["start_seconds"].tolist() == [3000, 3100, 4000, 4100, 7000, 7200]
    assert rec["booth"].tolist() == [0, 1, 0, 0, 0, 1]
    assert rec["end_seconds"].tolist() == [4000, 4100, 4100, 4200, 7500, 7300]
    assert i[engine.ARRIVALS].tolist() == [[4, 2, 0]]
    assert i[engine.SERVED].tolist() == [[0, 4, 2]]
    assert i[engine.QUEUE_MAX].tolist() == [[2, 2, 0]]
    # busy 600 + 500 s of 2 booth-hours; hour 1: 400 + 500 (overrun) + 100 + 100 + 200;
    # hour 2: the rest of v4 (300) and v5 (100)
    assert f[engine.BUSY_SECONDS, 0].tolist() == [1100, 1300, 400]
    assert f[engine.OVERRUN_SECONDS, 0].tolist() == [0, 500, 0]
    waits = [0, 0, 800, 800]
    assert f[engine.WAIT_SUM, 0, 0] == sum(waits)
    assert f[engine.WAIT_MAX, 0].tolist() == [800, 100, 0]


def test_after_the_horizon_one_booth_serves_everyone():
    s = one_group([0, 0], 2)
    rec, i, _ = run_given(s, [[100, 5000]], [[50, 50]])
    assert rec["start_seconds"].tolist() == [7200, 7250]
    assert i[engine.SERVED].sum() == 0  # both after the horizon
    assert i[engine.QUEUE_MAX].tolist() == [[1, 2]]


def test_after_the_horizon_the_last_hours_booths_stay_open():
    s = one_group([1, 3], 2)
    rec, _, _ = run_given(s, [[7000, 7001, 7002, 7003]], [[1000, 1000, 1000, 1000]])
    assert rec["start_seconds"].tolist() == [7000, 7001, 7002, 8000]


def test_vehicle_takes_lowest_numbered_free_booth():
    s = one_group([3], 1)
    rec, _, _ = run_given(s, [[0, 1, 2, 500, 600]], [[100, 1000, 1000, 10, 10]])
    # at 500 booth 0 is free again (since 100); booths 1, 2 are busy
    assert rec["booth"].tolist() == [0, 1, 2, 0, 0]


def test_fcfs_within_a_group():
    s = one_group([1], 1)
    rec, _, _ = run_given(s, [[0, 10, 20, 30]], [[100, 5, 50, 1]])
    assert rec["start_seconds"].tolist() == [0, 100, 105, 155]


def lane_choice(booths_a, booths_b, arrivals, services_a, services_b, hours=1):
    s = load_scenario(
        scenario_dict(
            hours,
            {"a": group(booths_a), "b": group(booths_b)},
            [{"to": ["a", "b"], "per_hour": 1}],
        )
    )
    rec, _, _ = run_given(s, [arrivals], [services_a, services_b])
    return rec["group"].tolist()


def test_lane_choice_least_in_system_per_open_booth_ties_first_listed():
    # a has 2 booths, b 1; everyone stays a long time.
    # 0/2 vs 0/1 tie -> a; 1/2 vs 0/1 -> b; 1/2 vs 1/1 -> a; 2/2 vs 1/1 tie -> a;
    # 3/2 vs 1/1 -> b
    long = [10_000.0] * 5
    assert lane_choice(2, 1, [1, 2, 3, 4, 5], long, long) == [0, 1, 0, 0, 1]


def test_lane_choice_counts_only_vehicles_still_in_system():
    # the first vehicle in a has left (end 10) when the second arrives at 20 -> a again
    assert lane_choice(1, 1, [1, 20], [9.0, 9.0], [9.0, 9.0]) == [0, 0]


def test_lane_choice_group_without_open_booth_counts_as_full():
    # a closed in hour 0: everyone goes to b however long its queue
    assert lane_choice(0, 1, [1, 2, 3], [5.0] * 3, [1e4] * 3) == [1, 1, 1]


def test_lane_choice_when_all_closed_least_vehicles_wins():
    assert lane_choice(0, 0, [1, 2, 3], [1e4] * 3, [1e4] * 3) == [0, 1, 0]


def test_secondary_pool_serves_in_primary_completion_order():
    s = load_scenario(
        scenario_dict(
            1,
            {
                "g": group(
                    2,
                    secondary={
                        "probability": 0.5,
                        "spaces": 1,
                        "service": {"dist": "deterministic", "mean_seconds": 100},
                    },
                )
            },
            [{"to": "g", "per_hour": 1}],
        )
    )
    # v0 (booth 0) ends 500, v1 (booth 1) ends 60, v2 not referred (u >= 0.5)
    rec, i, f = run_given(s, [[0, 10, 20]], [[500, 50, 5]], [[0.1, 0.2, 0.9]], [[100, 300]])
    assert rec["referred"].tolist() == [True, True, False]
    # v1 reaches secondary first (60) and uses the 2nd secondary time (j=1 in join order)
    assert rec["secondary_start_seconds"][1] == 60 and rec["secondary_end_seconds"][1] == 360
    assert rec["secondary_start_seconds"][0] == 500 and rec["secondary_end_seconds"][0] == 600
    assert np.isnan(rec["secondary_start_seconds"][2])
    assert i[engine.SEC_REFERRED, 0, 0] == 2
    assert f[engine.SEC_TIME_SUM, 0, 0] == 300 + 100
    assert f[engine.SEC_WAIT_SUM, 0, 0] == 0


def test_secondary_queue_waits_for_a_space():
    s = load_scenario(
        scenario_dict(
            1,
            {
                "g": group(
                    3,
                    secondary={
                        "probability": 1,
                        "spaces": 1,
                        "service": {"dist": "deterministic", "mean_seconds": 100},
                    },
                )
            },
            [{"to": "g", "per_hour": 1}],
        )
    )
    rec, _, f = run_given(s, [[0, 1, 2]], [[10, 10, 10]], [[0, 0, 0]], [[100, 100, 100]])
    assert rec["secondary_start_seconds"].tolist() == [10, 110, 210]
    assert f[engine.SEC_WAIT_SUM, 0, 0] == 0 + 99 + 198


def test_arrival_times_follow_the_hourly_rates():
    rng = np.random.default_rng(3)
    rates = np.array([100.0, 0.0, 300.0, 50.0])
    counts = np.zeros(4)
    for _ in range(2000):
        n = rng.poisson(rates.sum())
        t = engine.arrival_times(rates, rng.standard_exponential(n + 1))
        assert len(t) == n and np.all(np.diff(t) >= 0)
        assert np.all((t >= 0) & (t < 4 * 3600))
        counts += np.bincount((t // 3600).astype(int), minlength=4)
    # counts per hour are Poisson with the hour's rate: mean 100, 0, 300, 50 (sd/sqrt(2000))
    np.testing.assert_allclose(counts / 2000, rates, atol=1.5)
    assert counts[1] == 0


def test_arrivals_are_uniform_within_an_hour():
    # given the count, Poisson arrival times are uniform: mean 1800 s, var 3600^2/12
    rng = np.random.default_rng(5)
    t = engine.arrival_times(np.array([200_000.0]), rng.standard_exponential(200_001))
    assert t.mean() == pytest.approx(1800, abs=10)
    assert t.var() == pytest.approx(3600**2 / 12, rel=0.01)
    assert len(engine.arrival_times(np.array([5.0]), np.ones(1))) == 0


@pytest.mark.parametrize("t", [0.0, 1e-9, 3599.999999, 3600.0, 3600.0000001, 86_399.9999, 7.2e6])
def test_hour_of_is_exact_floor(t):
    assert engine.hour_of(t) == int(t // 3600)
