"""Computations in a process of their own: the same answers and errors as in this process,
a fault or a crash in the child reported as one clean error, and a child that is a clean
fork of the fork server (not of this process), stopped when its caller gives up."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from borderflow.errors import BorderFlowError, InfeasibleError
from borderflow.messages import say
from borderflow.services import isolation
from borderflow.sim import load_scenario
from borderflow.staffing import StaffingRequest, plan_staffing

BURST = {
    "name": "burst", "hours": 4, "seed": 3,
    "lane_groups": {"lane": {"mode": "passenger", "program": "standard", "booths": 12,
                             "service": {"dist": "exponential", "mean_seconds": 60}}},
    "demand": [{"to": "lane", "per_hour": [600, 20, 20, 20]}],
}


# -- what children run (module level, so that they pickle) ---------------------------------------


def fault(*_args: Any, **_kwargs: Any) -> Any:
    """Dies as the compiled engine would on a fault: a segmentation fault, no Python error."""
    os.kill(os.getpid(), signal.SIGSEGV)
    raise AssertionError("unreachable: the process is gone")


def divide_by_zero() -> float:
    return 1 / 0


#: A lock a server thread holds while a computation starts: a child forked from the server
#: would inherit it held, with no thread left to release it (the classic fork deadlock).
HELD = threading.Lock()


def surroundings(path: str) -> dict[str, Any]:
    """What a child sees of where it came from: its parent, a server thread's lock, its open files."""
    files = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            files.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return {"parent": os.getppid(), "lock_held": HELD.locked(), "has_the_database_open": path in files}


def sleep_after_saying_where(pid_file: str) -> None:
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(120)


def count_to(n: int, progress: Any) -> int:
    for k in range(1, n + 1):
        progress(k, n)
    return n


# -- helpers --------------------------------------------------------------------------------------


def _without_timing(plan_json: dict[str, Any]) -> dict[str, Any]:
    return {**plan_json, "search": {k: v for k, v in plan_json["search"].items() if k != "seconds"}}


def _pid_from(path: Path, timeout_seconds: float = 30.0) -> int:
    deadline = time.monotonic() + timeout_seconds
    while not (path.exists() and path.read_text()):
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.02)
    return int(path.read_text())


def _gone(pid: int, timeout_seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


# -- tests ----------------------------------------------------------------------------------------


def test_a_child_answers_what_this_process_computes() -> None:
    scenario = load_scenario(BURST)
    request = StaffingRequest(target_p95_minutes=5, replications=10)
    here = plan_staffing(scenario, request).to_json_dict()
    there = isolation.call(plan_staffing, scenario, request).to_json_dict()
    assert _without_timing(there) == _without_timing(here)


def test_an_error_in_the_child_is_the_same_error_here() -> None:
    scenario = load_scenario(BURST)
    request = StaffingRequest(target_p95_minutes=5, max_booths=0)
    with pytest.raises(InfeasibleError) as here:
        plan_staffing(scenario, request)
    with pytest.raises(InfeasibleError) as there:
        isolation.call(plan_staffing, scenario, request)
    assert type(there.value) is type(here.value)
    assert (str(there.value), there.value.key, there.value.fields) == (str(here.value), here.value.key,
                                                                       here.value.fields)
    assert say(there.value, "es") == say(here.value, "es") != str(here.value)


def test_a_child_killed_by_a_signal_is_one_clean_error_and_the_next_one_runs(caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="borderflow.isolation"), \
            pytest.raises(isolation.ProcessStoppedError) as caught:
        isolation.call(fault, load_scenario(BURST))
    error = caught.value
    assert error.kind == "SIGSEGV" and error.http_status == 500 and error.code == "internal_error"
    assert str(error) == "the computation's process stopped (SIGSEGV) before it answered; it has been logged"
    assert say(error, "es") == "el proceso del cálculo se detuvo (SIGSEGV) antes de responder; quedó registrado"
    assert "test_isolation.fault: its process stopped (SIGSEGV)" in caplog.text
    assert isolation.call(count_to, 3, progress=lambda *_: None) == 3  # this process goes on


def test_an_unexpected_exception_in_the_child_is_logged_here_with_its_traceback(caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="borderflow.isolation"), \
            pytest.raises(isolation.ProcessStoppedError) as caught:
        isolation.call(divide_by_zero)
    assert caught.value.kind == "ZeroDivisionError" and isinstance(caught.value, BorderFlowError)
    assert "Traceback" in caplog.text and "return 1 / 0" in caplog.text
    assert "Traceback" not in str(caught.value)


def test_progress_is_relayed() -> None:
    seen: list[tuple[int, int]] = []
    assert isolation.call(count_to, 3, progress=lambda done, total: seen.append((done, total))) == 3
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_a_child_inherits_neither_threads_nor_open_databases(tmp_path: Path) -> None:
    path = tmp_path / "archive.sqlite3"
    connection = sqlite3.connect(path)  # held open here, as a server's pool holds its connections
    connection.execute("create table t (x)")
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with HELD:
            holding.set()
            done.wait()

    thread = threading.Thread(target=hold, name="a-server-thread", daemon=True)
    thread.start()
    holding.wait()
    try:
        seen = isolation.call(surroundings, str(path))
    finally:
        done.set()
        thread.join()
        connection.close()
    assert seen["parent"] != os.getpid()  # forked by the fork server, not by this process
    assert not seen["lock_held"]
    assert not seen["has_the_database_open"]


def test_a_caller_that_stops_waiting_stops_the_child(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    with pytest.raises(isolation.Stopped):
        isolation.call(sleep_after_saying_where, str(pid_file), stopping=pid_file.exists)
    assert time.monotonic() - started < 60
    assert _gone(_pid_from(pid_file))


def test_a_cancelled_request_does_not_wait_for_its_child(tmp_path: Path) -> None:
    """What a server shutting down does to a request still computing: the task is cancelled,
    the child is terminated, and nothing waits for the 120 seconds it would have slept."""
    pid_file = tmp_path / "pid"

    async def cancel_it() -> float:
        task = asyncio.ensure_future(isolation.compute(sleep_after_saying_where, str(pid_file)))
        while not pid_file.exists():
            await asyncio.sleep(0.02)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - started

    assert asyncio.run(cancel_it()) < 10
    assert _gone(_pid_from(pid_file))


def _hold_a_slot(directory: str, ready: Any, done: Any) -> None:
    slots = isolation.Slots(2, directory)
    assert slots.acquire(blocking=False)
    ready.set()
    done.wait(30)
    os._exit(0)  # ends without giving the slot back: its lock goes with the process


def test_slots_shared_through_a_folder_hold_across_processes(tmp_path: Path) -> None:
    """``serve --workers N`` runs N processes; the planning routes' "at most two (four) at
    once" must hold across them, and a worker that dies must not keep its slots."""
    import multiprocessing

    folder = str(tmp_path / "slots")
    context = multiprocessing.get_context("spawn")
    ready, done = context.Event(), context.Event()
    other = context.Process(target=_hold_a_slot, args=(folder, ready, done))
    other.start()
    try:
        assert ready.wait(60)
        here = isolation.Slots(2, folder)
        assert here.acquire(blocking=False)  # the second of two
        assert not here.acquire(blocking=False)  # the other process holds the first
        here.release()
        assert here.acquire(blocking=False) and not here.acquire(blocking=False)
        done.set()
        other.join(30)
        assert here.acquire(blocking=False)  # the other process ended: its slot is free again
        here.release()
        here.release()
    finally:
        done.set()
        other.join(5)
    alone = isolation.Slots(1)  # no folder: this process alone
    assert alone.acquire(blocking=False) and not alone.acquire(blocking=False)
    alone.release()


def test_a_servers_slot_folder_is_its_ports_own_and_private(tmp_path: Path, monkeypatch) -> None:
    """Restarts on a port reuse its folder (a server stopped by SIGTERM cleans up nothing);
    a folder of that name open to others is not trusted."""
    import stat
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    first = isolation.slots_folder(18765)
    assert isolation.slots_folder(18765) == first and stat.S_IMODE(os.stat(first).st_mode) == 0o700
    assert isolation.slots_folder(18766) != first
    os.chmod(first, 0o777)
    assert isolation.slots_folder(18765) != first  # someone could hold its locks: a fresh one
    assert isolation.slots_folder(0) != isolation.slots_folder(0)  # a port the system picks shares nothing
