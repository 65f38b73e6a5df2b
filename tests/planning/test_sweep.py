"""Sweeps give the same numbers in this process, on a process pool and on Dask."""

from __future__ import annotations

import pytest

from borderflow.errors import BadInputError
from borderflow.planning.sweep import SweepTask, run_sweep, task_seed

from .conftest import tiny_crossing


def numbers(results):
    """Everything but the engine's timing and worker count."""
    return {k: {g: r.lane_groups[g].to_json_dict() for g in r.lane_groups} for k, r in results.items()}


@pytest.fixture
def tasks():
    return [SweepTask((f"b{b}", day), tiny_crossing(booths=b), 4, task_seed(11, day))
            for b in (1, 2, 3) for day in range(2)]


def test_seeds_are_keyed_not_drawn():
    assert task_seed(11, 0) == task_seed(11, 0)
    assert len({task_seed(11, d) for d in range(50)}) == 50
    assert task_seed(11, 0) != task_seed(12, 0)


def test_the_same_numbers_here_on_a_pool_and_on_dask(tasks):
    here = numbers(run_sweep(tasks, workers=1))
    pool = numbers(run_sweep(tasks, workers=2))
    assert pool == here
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        dask = numbers(run_sweep(tasks, scheduler=cluster.scheduler_address))
    assert dask == here
    assert list(dask) == [t.key for t in tasks]


def test_bad_sweeps(tasks):
    with pytest.raises(BadInputError, match="unique"):
        run_sweep(tasks + tasks[:1])
    with pytest.raises(BadInputError, match="workers"):
        run_sweep(tasks, workers=0)
    assert run_sweep([]) == {}
