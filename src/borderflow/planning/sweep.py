"""Sweeps: many scenario runs on a local process pool, or on a Dask cluster.

A sweep is a list of :class:`SweepTask` — a key, a scenario, its replications and its
seed — and gives back one :class:`~borderflow.sim.SimulationResult` per key. Each task
is one :func:`borderflow.sim.simulate` call in one worker (``workers=1``), and its seed
is fixed by the caller before anything is scheduled, so the numbers depend only on the
tasks: the same on the process pool, on any Dask cluster, in any order, with any number
of workers. :func:`task_seed` derives those seeds from one root with
``SeedSequence.spawn`` keyed by what a task *is* (for the appraisal: the representative
day), never by where it runs.

``scheduler``: None runs on a local process pool (``workers`` processes, default one
per core; one task or one worker runs in this process); an address such as
``tcp://10.0.0.5:8786`` runs on that Dask scheduler (``dask[distributed]`` must be
installed). A ``distributed.Client`` may be passed instead of an address.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from borderflow.errors import BadInputError, SourceUnavailableError
from borderflow.sim.results import SimulationResult
from borderflow.sim.run import available_cores, simulate, warm_up
from borderflow.sim.scenario import Scenario


@dataclass(frozen=True)
class SweepTask:
    key: Hashable
    scenario: Scenario
    replications: int
    seed: int


def task_seed(root_seed: int, *path: int) -> int:
    """An integer seed for the task at ``path`` (e.g. the day's index) under ``root_seed``:
    ``SeedSequence(root_seed, spawn_key=path)``, the child ``spawn`` would make."""
    sequence = np.random.SeedSequence(root_seed, spawn_key=tuple(int(p) for p in path))
    return int(sequence.generate_state(1, dtype=np.uint32)[0])


def run_task(task: SweepTask) -> SimulationResult:
    """One task, in whatever process or thread runs it."""
    return simulate(task.scenario, replications=task.replications, seed=task.seed, workers=1)


def run_sweep(
    tasks: Sequence[SweepTask],
    scheduler: str | Any | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[Hashable, SimulationResult]:
    """Run every task; results by key, in task order (see the module doc)."""
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise BadInputError("sweep task keys must be unique")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise BadInputError(f"workers must be a whole number >= 1; got {workers!r}")
    if not tasks:
        return {}
    if scheduler is not None:
        results = _run_dask(tasks, scheduler, progress)
    else:
        results = _run_local(tasks, workers, progress)
    return dict(zip(keys, results, strict=True))


def _run_local(
    tasks: Sequence[SweepTask], workers: int | None, progress: Callable[[int, int], None] | None
) -> list[SimulationResult]:
    n = min(workers or available_cores(), len(tasks))
    warm_up()
    if n <= 1:
        out = []
        for i, task in enumerate(tasks):
            out.append(run_task(task))
            if progress:
                progress(i + 1, len(tasks))
        return out
    with ProcessPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(run_task, task) for task in tasks]
        out = []
        for i, future in enumerate(futures):
            out.append(future.result())
            if progress:
                progress(i + 1, len(tasks))
        return out


def _run_dask(
    tasks: Sequence[SweepTask], scheduler: str | Any, progress: Callable[[int, int], None] | None
) -> list[SimulationResult]:
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - dask is a dev dependency here
        raise BadInputError(
            "--scheduler needs Dask: pip install 'dask[distributed]'"
        ) from exc
    owned = isinstance(scheduler, str)
    client: Any
    try:
        client = Client(scheduler, timeout="10s") if owned else scheduler
    except (OSError, ValueError) as exc:  # ValueError: an address that is not one ("nonsense")
        raise SourceUnavailableError(
            f"could not reach the Dask scheduler at {scheduler}: {exc}; check the address (like tcp://host:8786)"
        ) from exc
    try:
        futures = client.map(run_task, list(tasks), pure=False)
        out = client.gather(futures)
        if progress:
            progress(len(tasks), len(tasks))
        return list(out)
    finally:
        if owned:
            client.close()
