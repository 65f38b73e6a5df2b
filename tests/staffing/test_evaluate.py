"""Common random numbers: the evaluator gives simulate()'s numbers, and plans share inputs."""

from __future__ import annotations

import numpy as np
import pytest

from borderflow.sim import load_scenario, simulate
from borderflow.staffing.evaluate import (
    CommonRandomNumbers,
    booth_matrix,
    evaluation_from_results,
    with_booths,
)

from .conftest import EXAMPLES


def test_evaluation_equals_simulate_for_the_same_seed() -> None:
    scenario = load_scenario(EXAMPLES / "small_crossing.json")
    crn = CommonRandomNumbers(scenario, replications=6, seed=41)
    for change in (0, 1, -1):
        booths = np.maximum(booth_matrix(scenario) + change, 0)
        mine = crn.evaluate(booths)
        theirs = evaluation_from_results(
            scenario.group_ids, simulate(with_booths(scenario, booths), replications=6, seed=41).lane_groups
        )
        np.testing.assert_array_equal(mine.p95_minutes, theirs.p95_minutes)
        np.testing.assert_array_equal(mine.mean_minutes, theirs.mean_minutes)
        np.testing.assert_array_equal(mine.arrivals, theirs.arrivals)
    assert crn.evaluations == 3


def test_arrivals_do_not_depend_on_the_booths() -> None:
    # one lane without lane choice: the same vehicles arrive whatever opens
    scenario = load_scenario(EXAMPLES / "mmc_check.yaml")
    crn = CommonRandomNumbers(scenario, replications=3, seed=5)
    few = crn.evaluate(booth_matrix(scenario))
    many = crn.evaluate(booth_matrix(scenario) + 2)
    np.testing.assert_array_equal(few.arrivals, many.arrivals)
    assert np.nansum(many.mean_minutes) < np.nansum(few.mean_minutes)


def test_standard_errors_and_the_margin() -> None:
    scenario = load_scenario(EXAMPLES / "mmc_check.yaml")
    found = CommonRandomNumbers(scenario, replications=10, seed=2).evaluate(booth_matrix(scenario))
    assert found.p95_se_minutes is not None
    assert np.all(found.p95_se_minutes[np.isfinite(found.p95_se_minutes)] >= 0)
    target = float(np.nanmax(found.p95_minutes))
    assert found.meets(target).all()
    assert not found.meets(target, z=3.0).all()
    single = CommonRandomNumbers(scenario, replications=1, seed=2).evaluate(booth_matrix(scenario))
    assert single.p95_se_minutes is None


def test_with_booths_checks_its_plan() -> None:
    scenario = load_scenario(EXAMPLES / "small_crossing.json")
    plan = with_booths(scenario, {"general": [1] * scenario.hours})
    assert plan.lane_group("general").booths == (1,) * scenario.hours
    assert plan.lane_group("ready").booths == scenario.lane_group("ready").booths
    with pytest.raises(ValueError, match="booths of general"):
        with_booths(scenario, {"general": [1, 2]})


def test_a_prefix_is_the_smaller_sample_and_inputs_need_not_be_kept() -> None:
    scenario = load_scenario(EXAMPLES / "small_crossing.json")
    booths = booth_matrix(scenario)
    whole = CommonRandomNumbers(scenario, replications=8, seed=11)
    smaller = CommonRandomNumbers(scenario, replications=3, seed=11).evaluate(booths)
    prefix = whole.evaluate(booths, 3)
    np.testing.assert_array_equal(prefix.p95_minutes, smaller.p95_minutes)
    np.testing.assert_array_equal(prefix.arrivals, smaller.arrivals)
    streamed = CommonRandomNumbers(scenario, replications=8, seed=11, keep_inputs=False)
    kept_all, streamed_all = whole.evaluate(booths), streamed.evaluate(booths)
    np.testing.assert_array_equal(kept_all.p95_minutes, streamed_all.p95_minutes)
    np.testing.assert_array_equal(kept_all.p95_se_minutes, streamed_all.p95_se_minutes)
    both, first = streamed.evaluate_with_prefix(booths, 3)
    np.testing.assert_array_equal(both.p95_minutes, kept_all.p95_minutes)
    np.testing.assert_array_equal(both.p95_se_minutes, kept_all.p95_se_minutes)
    np.testing.assert_array_equal(first.p95_minutes, smaller.p95_minutes)
    np.testing.assert_array_equal(first.mean_minutes, smaller.mean_minutes)
    assert first.p95_se_minutes is None
    with pytest.raises(ValueError, match="replications must be from 1 to 8"):
        whole.evaluate(booths, 9)


def test_many_replications_are_resampled_in_runs() -> None:
    # more replications than MAX_CLUSTERS: the error comes from runs of replications and
    # still shrinks with the sample
    scenario = load_scenario(EXAMPLES / "mmc_check.yaml")
    booths = booth_matrix(scenario)
    few = CommonRandomNumbers(scenario, replications=30, seed=4).evaluate(booths)
    many = CommonRandomNumbers(scenario, replications=480, seed=4).evaluate(booths)
    busy = np.isfinite(few.p95_se_minutes) & (few.p95_minutes > 0)
    ratio = np.nanmedian(many.p95_se_minutes[busy] / few.p95_se_minutes[busy])
    assert 0.1 < ratio < 0.5  # sqrt(30 / 480) = 0.25
