"""simulate(): result shape, JSON names, reproducibility, records."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from borderflow.errors import BadInputError
from borderflow.sim import load_scenario, simulate
from borderflow.sim.statistics import ratio_ci95_half_width, student_t975
from tests.sim.conftest import EXAMPLES

HOURLY_FIELDS = {
    "hour", "arrivals", "served", "wait_mean_minutes", "wait_p50_minutes",
    "wait_p95_minutes", "wait_max_minutes", "wait_mean_ci95_minutes",
    "queue_max_vehicles", "utilization",
}  # fmt: skip


def strip_timing(d: dict) -> dict:
    d = json.loads(json.dumps(d))
    d["engine"].pop("seconds")
    d["engine"].pop("workers")
    return d


def test_json_shape_and_names(small_scenario):
    res = simulate(small_scenario, workers=1)
    d = res.to_json_dict()
    json.dumps(d, allow_nan=False)  # no NaN or inf leaks into JSON
    assert set(d["lane_groups"]) == {"general", "ready"}
    for g in d["lane_groups"].values():
        assert len(g["hourly"]) == 4
        for i, row in enumerate(g["hourly"]):
            assert HOURLY_FIELDS <= set(row)
            assert row["hour"] == i
        assert HOURLY_FIELDS <= set(g["total"])
        assert g["total"]["hour"] is None
    assert d["engine"]["vehicles"] == res.engine.vehicles > 0
    assert d["engine"]["seconds"] >= 0
    assert d["replications"] == 4 and d["seed"] == 1


def test_totals_are_consistent_with_hours(small_scenario):
    res = simulate(small_scenario, replications=6, workers=1)
    for g in res.lane_groups.values():
        t = g.total
        assert t.arrivals == pytest.approx(sum(r.arrivals for r in g.hourly))
        assert t.served == pytest.approx(sum(r.served for r in g.hourly))
        assert t.arrivals == pytest.approx(t.served + t.in_system_end)
        assert t.queue_max_vehicles == max(r.queue_max_vehicles for r in g.hourly)
        assert t.wait_max_minutes == max(r.wait_max_minutes or 0 for r in g.hourly)
        weighted = sum(r.wait_mean_minutes * r.arrivals for r in g.hourly if r.arrivals)
        assert t.wait_mean_minutes == pytest.approx(weighted / t.arrivals)
        assert 0 <= t.utilization <= 1


def test_same_seed_same_numbers_and_seed_matters(small_scenario):
    a = simulate(small_scenario, workers=1).to_json_dict()
    b = simulate(small_scenario, workers=1).to_json_dict()
    c = simulate(small_scenario, seed=2, workers=1).to_json_dict()
    assert strip_timing(a) == strip_timing(b)
    assert strip_timing(a)["lane_groups"] != strip_timing(c)["lane_groups"]


def test_worker_count_does_not_change_numbers(small_scenario):
    one = simulate(small_scenario, replications=7, workers=1, records=True)
    two = simulate(small_scenario, replications=7, workers=2, records=True)
    assert two.engine.workers == 2
    assert strip_timing(one.to_json_dict()) == strip_timing(two.to_json_dict())
    for name, col in one.records.arrays().items():
        np.testing.assert_array_equal(col, two.records.arrays()[name])


def test_replication_is_a_prefix_property(small_scenario):
    # replication r's numbers depend only on its seed child, not on how many run
    few = simulate(small_scenario, replications=2, workers=1, records=True).records
    many = simulate(small_scenario, replications=5, workers=1, records=True).records
    n = len(few)
    np.testing.assert_array_equal(few.start_seconds, many.start_seconds[:n])


def test_records_agree_with_statistics(small_scenario):
    res = simulate(small_scenario, replications=5, workers=1, records=True)
    rec = res.records
    assert len(rec) == res.engine.vehicles
    assert np.all(rec.wait_seconds >= 0)
    assert np.all(rec.end_seconds >= rec.start_seconds)
    for g, gid in enumerate(rec.group_ids):
        row = res.lane_groups[gid].total
        mine = rec.group == g
        assert row.arrivals == pytest.approx(mine.sum() / 5)
        horizon = 4 * 3600
        in_system = mine & (rec.arrival_seconds < horizon) & (rec.end_seconds >= horizon)
        assert row.in_system_end == pytest.approx(in_system.sum() / 5)
        referred = mine & rec.referred
        assert row.secondary_referred == pytest.approx(referred.sum() / 5)
        if referred.any():
            sec_time = rec.secondary_end_seconds[referred] - rec.end_seconds[referred]
            assert row.secondary_time_mean_minutes * 60 == pytest.approx(sec_time.mean())


def test_ci_is_t_interval_of_replication_means_when_counts_equal():
    sums = np.array([[10.0], [14.0], [9.0], [15.0]])
    counts = np.array([[2.0], [2.0], [2.0], [2.0]])
    means = sums[:, 0] / 2
    expected = student_t975(3) * means.std(ddof=1) / math.sqrt(4)
    assert ratio_ci95_half_width(sums, counts)[0] == pytest.approx(expected)
    assert np.isnan(ratio_ci95_half_width(sums[:1], counts[:1])[0])


def test_student_t_quantiles():
    assert student_t975(1) == pytest.approx(12.7062, abs=1e-4)
    assert student_t975(30) == pytest.approx(2.0423, abs=1e-4)
    assert student_t975(31) == pytest.approx(2.0395, abs=1e-4)
    assert student_t975(120) == pytest.approx(1.9799, abs=1e-4)
    assert student_t975(10**6) == pytest.approx(1.95996, abs=1e-4)


def test_single_replication_has_no_ci(small_scenario):
    res = simulate(small_scenario, replications=1, workers=1)
    assert res.lane_groups["general"].total.wait_mean_ci95_minutes is None


def test_bad_workers(small_scenario):
    with pytest.raises(BadInputError, match="workers"):
        simulate(small_scenario, workers=0)
    with pytest.raises(BadInputError, match="replications"):
        simulate(small_scenario, replications=0)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.*")), ids=lambda p: p.name)
def test_examples_run(path):
    res = simulate(load_scenario(path), replications=2, workers=1)
    for g in res.lane_groups.values():
        assert g.total.arrivals > 0
        assert g.total.arrivals == pytest.approx(g.total.served + g.total.in_system_end)
