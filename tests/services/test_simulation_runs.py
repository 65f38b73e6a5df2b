"""Simulation runs kept in the database, on SQLite and PostgreSQL: shared by every server
process, kept across restarts, interrupted runs reported, old runs pruned."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from borderflow.services import simulations
from borderflow.sim import load_scenario, simulate
from borderflow.store.simulation_schema import simulation_runs

SMALL = json.loads((Path(__file__).parents[2] / "examples" / "scenarios" / "small_crossing.json").read_text())


def small(replications: int = 3, seed: int = 5):
    return load_scenario(SMALL).with_run_options(replications=replications, seed=seed)


@pytest.fixture
def stores() -> Iterator[Callable[..., simulations.JobStore]]:
    """JobStores (one per simulated server process), closed at the end of the test."""
    made: list[simulations.JobStore] = []

    def make(engine: Engine, **options: Any) -> simulations.JobStore:
        made.append(simulations.JobStore(engine, **options))
        return made[-1]

    yield make
    for store in made:
        store.close()


def heartbeat(engine: Engine, job_id: str) -> dt.datetime:
    with engine.connect() as conn:
        return conn.execute(select(simulation_runs.c.heartbeat_at).where(simulation_runs.c.id == job_id)).scalar_one()


def age(engine: Engine, job_id: str, seconds: float) -> None:
    """Move a run's heartbeat into the past, as if its process had stopped that long ago."""
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
    with engine.begin() as conn:
        conn.execute(simulation_runs.update().where(simulation_runs.c.id == job_id).values(heartbeat_at=past))


def test_a_run_accepted_by_one_process_is_read_by_another_and_outlives_it(stores, engine: Engine) -> None:
    worker_a = stores(engine, threads=1)
    worker_b = stores(engine, threads=0)
    scenario = small()
    job = worker_a.submit(scenario, label="shared")
    done = worker_b.wait(job.id, timeout_seconds=60)
    assert done.status == "done" and done.progress == 1.0 and done.replications_done == 3
    expected = simulate(scenario).to_json_dict()
    assert {k: v for k, v in done.results.items() if k != "engine"} == {k: v for k, v in expected.items() if k != "engine"}
    assert done.label == "shared" and done.scenario_name == scenario.name and done.seed == 5
    assert done.lane_groups == tuple(scenario.group_ids)
    assert done.started_at is not None and done.finished_at >= done.started_at >= done.created_at
    # A restart: a new store over the same database still has the run, results and all.
    restarted = stores(engine, threads=0)
    assert restarted.get(job.id).results == done.results
    assert [j.id for j in restarted.recent()] == [job.id] and restarted.recent()[0].results is None
    with engine.connect() as conn:
        stored = json.loads(conn.execute(select(simulation_runs.c.scenario)).scalar_one())
    assert stored["name"] == scenario.name and stored["replications"] == 3


def test_a_run_whose_process_stopped_is_reported_interrupted(stores, engine: Engine) -> None:
    gone = stores(engine, threads=0)  # accepts runs but never runs them
    job = gone.submit(small())
    reader = stores(engine, threads=0)
    age(engine, job.id, simulations.STALE_AFTER_SECONDS - 5)
    assert reader.get(job.id).status == "queued"  # still within the heartbeat's grace
    age(engine, job.id, simulations.STALE_AFTER_SECONDS + 5)
    seen = reader.get(job.id)
    assert seen.status == "failed" and seen.error.startswith("interrupted:") and "submit it again" in seen.error
    assert seen.finished_at is not None
    # An interrupted run no longer counts against the queue.
    limited = stores(engine, threads=0, max_queued=1)
    assert limited.submit(small()).status == "queued"
    with pytest.raises(simulations.BusyError, match="at most 1"):
        limited.submit(small())


def test_a_queued_run_whose_process_stopped_is_adopted_by_a_live_one(stores, engine: Engine) -> None:
    """A server accepted two runs and stopped: one still queued, one already running. A
    restarted server runs the queued one (it had not started: nothing is lost by starting
    it here) and reports the other interrupted (its work in hand is gone)."""
    gone = stores(engine, threads=0)
    queued, running = gone.submit(small(), label="queued"), gone.submit(small(), label="running")
    with engine.begin() as conn:
        conn.execute(simulation_runs.update().where(simulation_runs.c.id == running.id).values(status="running"))
    for job in (queued, running):
        age(engine, job.id, simulations.STALE_AFTER_SECONDS + 5)
    live = stores(engine, threads=1)
    assert live.get(running.id).status == "failed"
    done = live.wait(queued.id, timeout_seconds=60)
    assert done.status == "done" and done.label == "queued" and done.replications_done == 3
    expected = simulate(small()).to_json_dict()
    assert {k: v for k, v in done.results.items() if k != "engine"} == {
        k: v for k, v in expected.items() if k != "engine"}
    with engine.connect() as conn:
        owner = conn.execute(select(simulation_runs.c.owner).where(simulation_runs.c.id == queued.id)).scalar_one()
    assert owner == live.owner != gone.owner


def test_stored_scenarios_load_back_in_both_shapes() -> None:
    from dataclasses import asdict

    from borderflow.sim.scenario import scenario_mapping

    for path in sorted((Path(__file__).parents[2] / "examples" / "scenarios").iterdir()):
        scenario = load_scenario(path)
        assert simulations._stored_scenario(json.dumps(scenario_mapping(scenario))) == scenario, path.name
        assert simulations._stored_scenario(json.dumps(asdict(scenario))) == scenario, path.name  # older runs


def test_the_heartbeat_keeps_a_waiting_run_alive(stores, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulations, "HEARTBEAT_SECONDS", 0.05)
    store = stores(engine, threads=0)
    job = store.submit(small())
    age(engine, job.id, simulations.STALE_AFTER_SECONDS - 1)
    stale = heartbeat(engine, job.id)
    threading.Thread(target=store._keep_alive, daemon=True).start()
    deadline = time.monotonic() + 10
    while heartbeat(engine, job.id) == stale and time.monotonic() < deadline:
        time.sleep(0.05)
    assert heartbeat(engine, job.id) > stale
    time.sleep(1.5)
    assert store.get(job.id).status == "queued"


def test_only_the_newest_finished_runs_are_kept(stores, engine: Engine) -> None:
    store = stores(engine, threads=1, max_kept=2)
    ids = []
    for k in range(3):
        job = store.submit(small(replications=1, seed=k))
        assert store.wait(job.id).status == "done"
        ids.append(job.id)
        time.sleep(0.01)  # distinct creation times
    assert [j.id for j in store.recent()] == ids[:0:-1]
    with pytest.raises(simulations.NotFoundError, match="newest 2 finished runs"):
        store.get(ids[0])


def test_a_closed_store_starts_nothing_more(stores, engine: Engine) -> None:
    store = stores(engine, threads=1)
    store.close()  # the server is stopping
    job = store.submit(small(replications=1))
    time.sleep(1.0)
    assert store.get(job.id).status == "queued"  # left for the heartbeat rule to call interrupted


def test_a_crashed_runs_error_is_said_in_the_readers_language_old_or_new_wording() -> None:
    from borderflow.messages import say
    from borderflow.services.simulations import CRASHED, stored_error

    for text in (CRASHED.format(kind="ValueError"), "the simulation failed (ValueError); it has been logged"):
        said = say(stored_error(text), "es")
        assert said == "un error inesperado (ValueError) la detuvo; quedó registrado", text
    assert stored_error("bad scenario: demand is empty") == "bad scenario: demand is empty"


def fault_like_the_engine_did(scenario: Any, progress: Callable[[int, int], None]) -> bytes:
    """A run's process that dies as the compiled engine did on a 1e300 s service time (a
    segmentation fault: no Python error, no answer), after reporting some progress."""
    import os
    import signal

    progress(1, scenario.replications)
    os.kill(os.getpid(), signal.SIGSEGV)
    raise AssertionError("unreachable: the process is gone")


def test_a_run_whose_process_faults_fails_alone_and_the_server_goes_on(stores, engine: Engine) -> None:
    from borderflow.messages import say

    faulty = stores(engine, runner=fault_like_the_engine_did)
    job = faulty.submit(small())
    seen = faulty.wait(job.id, timeout_seconds=60)
    assert seen.status == "failed" and seen.error == simulations.CRASHED.format(kind="SIGSEGV")
    assert say(simulations.stored_error(seen.error), "es").startswith("un error inesperado (SIGSEGV)")
    # this process (the server) is still here, and runs the next scenario in a sound process
    store = stores(engine)
    done = store.wait(store.submit(small()).id, timeout_seconds=60)
    expected = simulate(small()).to_json_dict()
    assert done.status == "done" and done.results is not None
    assert {k: v for k, v in done.results.items() if k != "engine"} == {k: v for k, v in expected.items()
                                                                         if k != "engine"}
