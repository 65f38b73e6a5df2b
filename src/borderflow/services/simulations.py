"""Simulations for the web: example scenarios, quick what-if edits, and background jobs.

* :func:`examples` / :func:`example` read the example scenarios that ship with the
  project (``examples/scenarios``: package data when installed so, else the repository).
* :func:`apply_edits` is the simulator page's quick form: a demand multiplier, booths
  added or removed per lane group, replications and seed (the page's script applies the
  same rule in the browser before it posts a JSON scenario).
* :class:`JobStore` runs validated scenarios on daemon threads, one replication at a
  time, so a job reports its progress (replications done / replications); results are
  ``SimulationResult.to_json_dict()``, the shape ``borderflow simulate --json`` writes.
  Replication ``r`` uses child ``r`` of ``SeedSequence(seed).spawn(replications)``, as
  :func:`borderflow.sim.run.simulate` does, so the numbers equal the CLI's.

Jobs live in the memory of one process: ``borderflow serve --workers N`` with N > 1
would let a poll reach a worker that does not hold the job.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import queue
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from borderflow.errors import BadInputError, BorderFlowError, NotFoundError
from borderflow.sim import engine
from borderflow.sim.replication import (
    compile_scenario,
    draw_inputs,
    new_statistics,
    run_replication,
)
from borderflow.sim.results import EngineInfo, SimulationResult
from borderflow.sim.run import warm_up
from borderflow.sim.scenario import Scenario, load_scenario
from borderflow.sim.statistics import summarize

log = logging.getLogger("borderflow.simulations")

#: Most expected vehicles (all replications) one web job may simulate; larger runs belong
#: to ``borderflow simulate`` (a San Ysidro-sized day x 20 replications is about 1.4 million).
MAX_JOB_VEHICLES = 20_000_000
#: Jobs kept in memory (oldest finished dropped first) and jobs allowed to wait in line.
MAX_KEPT_JOBS = 100
MAX_QUEUED_JOBS = 16
RUNNER_THREADS = 2
#: Largest demand multiplier the quick form accepts.
MAX_DEMAND_MULTIPLIER = 100.0
EXAMPLE_SUFFIXES = (".yaml", ".yml", ".json")


class BusyError(BorderFlowError):
    """Too many simulations are waiting; try again when some have finished."""

    http_status = 429
    code = "too_many_requests"


# -- examples -------------------------------------------------------------------------------


def examples_dir() -> Path | None:
    """Where the example scenarios are: package data ``borderflow/examples/scenarios`` when
    the package ships them, else the repository's ``examples/scenarios`` (editable installs)."""
    packaged = Path(str(resources.files("borderflow"))) / "examples" / "scenarios"
    repository = Path(__file__).resolve().parents[3] / "examples" / "scenarios"
    for candidate in (packaged, repository):
        if candidate.is_dir():
            return candidate
    return None


def _example_files() -> dict[str, Path]:
    folder = examples_dir()
    if folder is None:
        return {}
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix in EXAMPLE_SUFFIXES and p.is_file()}


def examples() -> list[dict[str, Any]]:
    """Every example scenario that loads: id (file stem), file, name, description, hours,
    replications, seed, lane group ids. Examples that fail validation are left out."""
    out = []
    for example_id, path in _example_files().items():
        try:
            scenario = load_scenario(path)
        except BorderFlowError:
            continue
        out.append({"id": example_id, "file": path.name, "name": scenario.name,
                    "description": scenario.description, "hours": scenario.hours,
                    "replications": scenario.replications, "seed": scenario.seed,
                    "lane_groups": list(scenario.group_ids)})
    return out


def example(example_id: str) -> dict[str, Any]:
    """One example: its summary plus ``format`` (yaml/json), ``text`` (the file as shipped,
    comments and sources included) and ``scenario`` (the parsed mapping)."""
    path = _example_files().get(example_id)
    if path is None:
        known = ", ".join(_example_files()) or "none"
        raise NotFoundError(f"no example scenario {example_id!r}; known: {known}")
    text = path.read_text(encoding="utf-8")
    summary = next((e for e in examples() if e["id"] == example_id), {"id": example_id, "file": path.name})
    return {**summary, "format": "json" if path.suffix == ".json" else "yaml", "text": text,
            "scenario": parse_scenario_text(text)}


# -- scenario text and quick edits ----------------------------------------------------------


def parse_scenario_text(text: str) -> dict[str, Any]:
    """A scenario mapping from YAML or JSON text (JSON is YAML); BadInputError otherwise."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise BadInputError(f"the scenario is not valid YAML or JSON{where}; check its syntax") from None
    if not isinstance(data, dict):
        raise BadInputError("a scenario must be a mapping with name, hours, lane_groups and demand; "
                            f"got {type(data).__name__}")
    return data


def _scaled(value: Any, factor: float) -> Any:
    if isinstance(value, list):
        return [_scaled(v, factor) for v in value]
    return value * factor if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _shifted(value: Any, delta: int) -> Any:
    if isinstance(value, list):
        return [_shifted(v, delta) for v in value]
    return max(0, value + delta) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def apply_edits(data: Mapping[str, Any], *, demand_multiplier: float = 1.0,
                booth_changes: Mapping[str, int] | None = None, replications: int | None = None,
                seed: int | None = None) -> dict[str, Any]:
    """A copy of scenario ``data`` with every demand rate times ``demand_multiplier``, the
    booths of each named lane group moved by its change in every hour (never below 0), and
    replications / seed replaced when given. The result is validated later, as a whole."""
    if not (isinstance(demand_multiplier, (int, float)) and math.isfinite(demand_multiplier)
            and 0 <= demand_multiplier <= MAX_DEMAND_MULTIPLIER):
        raise BadInputError(f"the demand multiplier must be a number from 0 to {MAX_DEMAND_MULTIPLIER:g}; "
                            f"got {demand_multiplier!r}")
    edited: dict[str, Any] = json.loads(json.dumps(dict(data), default=str))
    if demand_multiplier != 1:
        for entry in edited.get("demand") or []:
            if isinstance(entry, dict) and "per_hour" in entry:
                entry["per_hour"] = _scaled(entry["per_hour"], float(demand_multiplier))
    groups = edited.get("lane_groups")
    for group_id, change in (booth_changes or {}).items():
        if change and isinstance(groups, dict) and isinstance(groups.get(group_id), dict):
            group = groups[group_id]
            if "booths" in group:
                group["booths"] = _shifted(group["booths"], int(change))
    if replications is not None:
        edited["replications"] = replications
    if seed is not None:
        edited["seed"] = seed
    return edited


def validate_for_web(data: Mapping[str, Any]) -> Scenario:
    """The validated scenario, refused when it is too large to run inside the web server."""
    scenario = load_scenario(data)
    work = scenario.expected_vehicles() * scenario.replications
    if work > MAX_JOB_VEHICLES:
        raise BadInputError(
            f"this scenario would simulate about {work:,.0f} vehicles (expected arrivals x replications); "
            f"the web runs at most {MAX_JOB_VEHICLES:,}; lower replications or hours, or run it with "
            "'borderflow simulate FILE'")
    return scenario


# -- running ----------------------------------------------------------------------------------


def run_with_progress(scenario: Scenario, progress: Callable[[int, int], None] | None = None) -> SimulationResult:
    """Simulate ``scenario`` in this thread, calling ``progress(done, replications)`` after
    each replication. Same seeds, statistics and results as :func:`borderflow.sim.simulate`."""
    model = compile_scenario(scenario)
    reps = scenario.replications
    seeds = np.random.SeedSequence(scenario.seed).spawn(reps)
    warm_up()
    started = time.perf_counter()
    istats, fstats, hist = new_statistics(model, reps)
    for r, seed_seq in enumerate(seeds):
        inputs = draw_inputs(model, np.random.default_rng(seed_seq))
        run_replication(model, inputs, istats[r], fstats[r], hist, False)
        if progress is not None:
            progress(r + 1, reps)
    lane_groups = summarize(scenario, istats, fstats, hist)
    info = EngineInfo(vehicles=int(istats[:, engine.ARRIVALS].sum()), seconds=time.perf_counter() - started,
                      replications=reps, workers=1)
    return SimulationResult(scenario=scenario.name, hours=scenario.hours, replications=reps,
                            seed=scenario.seed, lane_groups=lane_groups, engine=info)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Job:
    """One simulation run. ``status``: queued, running, done or failed."""

    id: str
    scenario: Scenario
    label: str = ""
    status: str = "queued"
    replications_done: int = 0
    created_at: dt.datetime = field(default_factory=_now)
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    results: dict[str, Any] | None = None
    error: str | None = None

    @property
    def progress(self) -> float:
        if self.status == "done":
            return 1.0
        return round(self.replications_done / max(1, self.scenario.replications), 4)

    def as_dict(self, with_results: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id, "status": self.status, "progress": self.progress, "label": self.label,
            "scenario_name": self.scenario.name, "hours": self.scenario.hours,
            "replications": self.scenario.replications, "replications_done": self.replications_done,
            "seed": self.scenario.seed, "lane_groups": list(self.scenario.group_ids),
            "created_at": self.created_at, "started_at": self.started_at, "finished_at": self.finished_at,
            "error": self.error,
        }
        if with_results:
            body["results"] = self.results
        return body


class JobStore:
    """Simulation jobs in memory, run in order by a few daemon threads (which never keep
    the process alive at exit)."""

    def __init__(self, threads: int = RUNNER_THREADS, max_kept: int = MAX_KEPT_JOBS,
                 max_queued: int = MAX_QUEUED_JOBS) -> None:
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._queue: queue.Queue[Job] = queue.Queue()
        self._threads = threads
        self._started = False
        self.max_kept = max_kept
        self.max_queued = max_queued

    def submit(self, scenario: Scenario, label: str = "") -> Job:
        """Queue ``scenario`` (already validated); BusyError when too many are waiting."""
        with self._lock:
            waiting = sum(1 for j in self._jobs.values() if j.status in ("queued", "running"))
            if waiting >= self.max_queued:
                raise BusyError(f"{waiting} simulations are queued or running (at most {self.max_queued}); "
                                "try again when some have finished")
            job = Job(id=uuid.uuid4().hex, scenario=scenario, label=label[:200])
            self._jobs[job.id] = job
            self._forget_old()
            if not self._started:
                for k in range(self._threads):
                    threading.Thread(target=self._work, name=f"borderflow-sim-{k}", daemon=True).start()
                self._started = True
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"no simulation {job_id!r}; simulations are kept in memory and lost on restart")
        return job

    def recent(self, limit: int = 20) -> list[Job]:
        """The newest jobs first."""
        with self._lock:
            return list(reversed(self._jobs.values()))[:limit]

    def _forget_old(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.status in ("done", "failed")]
        while len(self._jobs) > self.max_kept and finished:
            self._jobs.pop(finished.pop(0), None)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            job.status, job.started_at = "running", _now()

            def progress(done: int, _total: int, job: Job = job) -> None:
                job.replications_done = done

            try:
                result = run_with_progress(job.scenario, progress)
                job.results = result.to_json_dict()
                job.status = "done"
            except BorderFlowError as exc:
                job.error, job.status = str(exc), "failed"
            except Exception as exc:  # a job must report, never kill its runner thread
                log.exception("simulation %s failed", job.id)
                job.error, job.status = f"the simulation failed ({type(exc).__name__}); it has been logged", "failed"
            finally:
                job.finished_at = _now()
                self._queue.task_done()

    def wait(self, job_id: str, timeout_seconds: float = 60.0) -> Job:
        """Block until the job is done or failed (for tests and scripts)."""
        deadline = time.monotonic() + timeout_seconds
        job = self.get(job_id)
        while job.status not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.02)
        return job


def store_for(state: Any) -> JobStore:
    """The app's job store (``app.state.simulations``), created on first use."""
    with _STATE_LOCK:
        store = getattr(state, "simulations", None)
        if store is None:
            store = JobStore()
            state.simulations = store
    return store


_STATE_LOCK = threading.Lock()
