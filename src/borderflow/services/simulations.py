"""Simulations for the web: example scenarios, quick what-if edits, and background jobs.

* :func:`examples` / :func:`example` read the example scenarios that ship with the
  project (package data ``borderflow/examples/scenarios``; ``examples/scenarios`` in the
  repository links there).
* :func:`apply_edits` is the simulator page's quick form: a demand multiplier, booths
  added or removed per lane group, replications and seed (the page's script applies the
  same rule in the browser before it posts a JSON scenario).
* :class:`JobStore` keeps runs in the database (table ``simulation_runs``) and runs
  validated scenarios from daemon threads, each in a process of its own
  (:mod:`borderflow.services.isolation`), one replication at a time, so a run reports its
  progress (replications done / replications); results are
  ``SimulationResult.to_json_dict()``, the shape ``borderflow simulate --json`` writes.
  Replication ``r`` uses child ``r`` of ``SeedSequence(seed).spawn(replications)``, as
  :func:`borderflow.sim.run.simulate` does, so the numbers equal the CLI's.

Every server process reads the same runs (``borderflow serve --workers N`` may answer a
poll from any worker) and finished runs outlive a restart; a run is executed by the
process that accepted it. When that process stops, a run it had not started is taken up
by a live process that runs simulations, and one it was running is reported as interrupted.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
import math
import os
import queue
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sqlalchemy import Engine, func, select

from borderflow.errors import BadInputError, BorderFlowError, NotFoundError
from borderflow.messages import Message
from borderflow.services import isolation
from borderflow.sim import engine
from borderflow.sim.replication import (
    compile_scenario,
    draw_inputs,
    new_statistics,
    run_replication,
)
from borderflow.sim.results import EngineInfo, SimulationResult
from borderflow.sim.run import warm_up
from borderflow.sim.scenario import Scenario, load_scenario, read_scenario_text, scenario_mapping
from borderflow.sim.statistics import summarize
from borderflow.store.db import writing
from borderflow.store.ordering import in_byte_order
from borderflow.store.simulation_schema import simulation_runs

log = logging.getLogger("borderflow.simulations")

#: Most expected vehicles (all replications) one web job may simulate; larger runs belong
#: to ``borderflow simulate`` (a San Ysidro-sized day x 20 replications is about 1.4 million).
MAX_JOB_VEHICLES = 20_000_000
#: Most memory one web job's statistics may take: per replication, lane group and hour 12
#: numbers (96 bytes, kept for the confidence intervals), and per lane group and hour a
#: wait histogram (802 bins). A year of hours x 2,000 replications of one group is 1.7 GB.
MAX_JOB_STATISTICS_BYTES = 512 * 1024 * 1024
#: Finished runs kept (oldest dropped first) and runs allowed to wait in line.
MAX_KEPT_JOBS = 500
MAX_QUEUED_JOBS = 16
#: A queued or running run's process renews its heartbeat this often; a run without one
#: for STALE_AFTER_SECONDS is taken as interrupted. Progress is written at most this often.
HEARTBEAT_SECONDS = 10.0
STALE_AFTER_SECONDS = 60.0
PROGRESS_WRITE_SECONDS = 0.25
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
    """Where the example scenarios are: package data ``borderflow/examples/scenarios``
    (the repository's ``examples/scenarios`` links there)."""
    packaged = Path(str(resources.files("borderflow"))) / "examples" / "scenarios"
    return packaged if packaged.is_dir() else None


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
        raise NotFoundError(f"no example scenario {example_id!r}; known: {known}", key="sim.no_example",
                            fields={"id": example_id, "known": known})
    text = path.read_text(encoding="utf-8")
    summary = next((e for e in examples() if e["id"] == example_id), {"id": example_id, "file": path.name})
    return {**summary, "format": "json" if path.suffix == ".json" else "yaml", "text": text,
            "scenario": parse_scenario_text(text)}


# -- scenario text and quick edits ----------------------------------------------------------


def parse_scenario_text(text: str) -> dict[str, Any]:
    """A scenario mapping from YAML or JSON text (JSON is YAML); BadInputError otherwise."""
    try:
        data = read_scenario_text(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # PyYAML's own words for the problem stay English in every language
        problem = getattr(exc, "problem", None) or Message("check its syntax", "scenario.check_syntax")
        if mark is None:
            raise BadInputError(f"the scenario is not valid YAML or JSON: {problem}", key="scenario.syntax",
                                fields={"problem": problem}) from None
        line, column = mark.line + 1, mark.column + 1
        raise BadInputError(f"the scenario is not valid YAML or JSON at line {line}, column {column}: {problem}",
                            key="scenario.syntax_at",
                            fields={"line": line, "column": column, "problem": problem}) from None
    except ValueError as exc:
        raise BadInputError(f"the scenario cannot be read: {exc}", key="scenario.unreadable",
                            fields={"problem": str(exc)}) from None
    if not isinstance(data, dict):
        got = _what_was_given(data)
        raise BadInputError(f"a scenario must be a mapping with name, hours, lane_groups and demand; got {got}",
                            key="scenario.not_mapping", fields={"got": got})
    return data


def _what_was_given(data: object) -> Message:
    """What a text that is no mapping held, in words a reader of the form knows."""
    if data is None:
        return Message("nothing (the text is empty)", "scenario.got_nothing")
    if isinstance(data, list):
        return Message(f"a list of {len(data)} items", "scenario.got_list", {"count": len(data)})
    return Message(f"a single value ({str(data)[:40]!r})", "scenario.got_value", {"value": str(data)[:40]})


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
                            f"got {demand_multiplier!r}", key="sim.multiplier",
                            fields={"most": MAX_DEMAND_MULTIPLIER, "got": demand_multiplier})
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
            "'borderflow simulate FILE'", key="sim.too_large", fields={"work": work, "most": MAX_JOB_VEHICLES})
    memory = statistics_bytes(scenario)
    if memory > MAX_JOB_STATISTICS_BYTES:
        mib, most = memory / 2**20, MAX_JOB_STATISTICS_BYTES / 2**20
        raise BadInputError(
            f"this scenario's statistics would take about {mib:,.0f} MiB (replications x lane groups x hours); "
            f"the web runs at most {most:,.0f} MiB; lower replications or hours, or run it with "
            "'borderflow simulate FILE'", key="sim.too_much_memory", fields={"mib": mib, "most": most})
    return scenario


def statistics_bytes(scenario: Scenario) -> int:
    """Memory the run's statistics take (see :data:`MAX_JOB_STATISTICS_BYTES`)."""
    cells = len(scenario.lane_groups) * scenario.hours
    per_replication = (engine.N_INT_STATS + engine.N_FLOAT_STATS) * 8
    return cells * (scenario.replications * per_replication + engine.N_BINS * 8)


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
        inputs = draw_inputs(model, seed_seq)
        run_replication(model, inputs, istats[r], fstats[r], hist, False)
        if progress is not None:
            progress(r + 1, reps)
    lane_groups = summarize(scenario, istats, fstats, hist)
    info = EngineInfo(vehicles=int(istats[:, engine.ARRIVALS].sum()), seconds=time.perf_counter() - started,
                      replications=reps, workers=1)
    return SimulationResult(scenario=scenario.name, hours=scenario.hours, replications=reps,
                            seed=scenario.seed, lane_groups=lane_groups, engine=info, clock=scenario.clock)


def run_to_results(scenario: Scenario, progress: Callable[[int, int], None] | None = None) -> bytes:
    """What a run's process computes: :func:`run_with_progress`'s results JSON, gzipped."""
    result = run_with_progress(scenario, progress)
    return gzip.compress(json.dumps(result.to_json_dict()).encode("utf-8"), mtime=0)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


ACTIVE = ("queued", "running")
FINISHED = ("done", "failed")
INTERRUPTED = ("interrupted: the server stopped before this simulation finished; submit it again")
#: What a run that raised an unexpected exception keeps as its error.
CRASHED = "an unexpected error ({kind}) stopped it; it has been logged"
_CRASHED = re.compile("|".join(
    re.escape(text).replace(re.escape("{kind}"), "([A-Za-z_][A-Za-z0-9_]*)")
    for text in (CRASHED, "the simulation failed ({kind}); it has been logged")) + r"\Z")  # and as kept before


def stored_error(text: str | None) -> str | None:
    """A run's stored error, as a Message when it is one of the two this module writes itself
    (a page says those in the reader's language; an error of the scenario stays as kept)."""
    if text is None or text == INTERRUPTED:
        return text if text is None else Message(text, "sim.interrupted")
    found = _CRASHED.match(text)
    return Message(text, "sim.crashed", {"kind": found[1] or found[2]}) if found else text


@dataclass
class Job:
    """One simulation run as stored. ``status``: queued, running, done or failed."""

    id: str
    scenario_name: str
    hours: int
    replications: int
    seed: int
    lane_groups: tuple[str, ...]
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
        return round(self.replications_done / max(1, self.replications), 4)

    def as_dict(self, with_results: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id, "status": self.status, "progress": self.progress, "label": self.label,
            "scenario_name": self.scenario_name, "hours": self.hours,
            "replications": self.replications, "replications_done": self.replications_done,
            "seed": self.seed, "lane_groups": list(self.lane_groups),
            "created_at": self.created_at, "started_at": self.started_at, "finished_at": self.finished_at,
            "error": self.error,
        }
        if with_results:
            body["results"] = self.results
        return body


#: Run ids are uuid4 hex strings; anything else names no run (and never reaches the database).
_JOB_ID = re.compile(r"[0-9a-f]{32}")
_SUMMARY_COLUMNS = ("id", "status", "label", "scenario_name", "hours", "replications", "replications_done",
                    "seed", "lane_groups", "created_at", "started_at", "finished_at", "error")


def _job(row: Any, results: bytes | None = None) -> Job:
    m = row._mapping
    return Job(
        id=m["id"], scenario_name=m["scenario_name"], hours=int(m["hours"]), replications=int(m["replications"]),
        seed=int(m["seed"]), lane_groups=tuple(json.loads(m["lane_groups"])), label=m["label"], status=m["status"],
        replications_done=int(m["replications_done"]), created_at=m["created_at"], started_at=m["started_at"],
        finished_at=m["finished_at"], error=stored_error(m["error"]),
        results=json.loads(gzip.decompress(results)) if results is not None else None,
    )


def _stored_scenario(text: str) -> Scenario:
    """A stored run's scenario: its file's mapping (or, as older runs kept it, its fields
    with the lane groups as a list)."""
    data = json.loads(text)
    if isinstance(data.get("lane_groups"), list):
        data["lane_groups"] = {g.pop("id"): g for g in data["lane_groups"]}
        for group in data["lane_groups"].values():
            for service in (group.get("service"), (group.get("secondary") or {}).get("service")):
                if isinstance(service, dict):
                    if service.get("dist") == "empirical":
                        service.pop("cv", None)
                        service.pop("mean_seconds", None)
                    else:
                        service.pop("values_seconds", None)
                        if service.get("dist") not in ("lognormal", "gamma"):
                            service.pop("cv", None)
            if group.get("secondary") is None:
                group.pop("secondary", None)
    return load_scenario(data)


class JobStore:
    """Simulation runs kept in the database, run in order by a few daemon threads of the
    process that accepted them (threads never keep the process alive at exit).

    Every server process reads the same runs, so ``borderflow serve --workers N`` may
    answer a poll from any worker, and finished runs outlive a restart. While a run is
    queued or running its process renews the run's heartbeat every
    :data:`HEARTBEAT_SECONDS`; when a run's heartbeat is older than
    :data:`STALE_AFTER_SECONDS` (its process stopped) a queued run is adopted by the first
    live store with runner threads that reads it, and a running one is marked failed, as
    interrupted.
    The newest ``max_kept`` finished runs are kept.
    """

    def __init__(self, engine: Engine, threads: int = RUNNER_THREADS, max_kept: int = MAX_KEPT_JOBS,
                 max_queued: int = MAX_QUEUED_JOBS, runner: Callable[..., bytes] | None = None) -> None:
        self.engine = engine
        #: What a run's process computes, ``runner(scenario, progress=...)`` -> gzipped
        #: results JSON, run through :func:`borderflow.services.isolation.call`
        #: (:func:`run_to_results`; tests give another).
        self.runner = runner or run_to_results
        self.owner = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[str, Scenario]] = queue.Queue()
        self._threads = threads
        self._started = False
        self._active: set[str] = set()
        self._stop = threading.Event()
        self.max_kept = max_kept
        self.max_queued = max_queued

    # -- reading ---------------------------------------------------------------------------
    def get(self, job_id: str) -> Job:
        row = None
        if _JOB_ID.fullmatch(job_id):
            self._sweep()
            t = simulation_runs.c
            with self.engine.connect() as conn:
                row = conn.execute(select(*(t[c] for c in _SUMMARY_COLUMNS), t.results).where(t.id == job_id)).first()
        if row is None:
            raise NotFoundError(f"no simulation {job_id!r}; the newest {self.max_kept} finished runs are kept",
                                key="sim.no_run", fields={"id": job_id, "kept": self.max_kept})
        return _job(row, row.results)

    def recent(self, limit: int = 20) -> list[Job]:
        """The newest runs first, without their results."""
        self._sweep()
        t = simulation_runs.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(*(t[c] for c in _SUMMARY_COLUMNS))
                                .order_by(t.created_at.desc(), in_byte_order(t.id)).limit(limit)).all()
        return [_job(row) for row in rows]

    def wait(self, job_id: str, timeout_seconds: float = 60.0) -> Job:
        """Block until the run is done or failed (for tests and scripts)."""
        deadline = time.monotonic() + timeout_seconds
        job = self.get(job_id)
        while job.status not in FINISHED and time.monotonic() < deadline:
            time.sleep(0.02)
            job = self.get(job_id)
        return job

    # -- submitting ------------------------------------------------------------------------
    def submit(self, scenario: Scenario, label: str = "") -> Job:
        """Queue ``scenario`` (already validated); BusyError when too many are waiting."""
        self._sweep()
        t = simulation_runs.c
        now = _now()
        job = Job(id=uuid.uuid4().hex, scenario_name=scenario.name[:200], hours=scenario.hours,
                  replications=scenario.replications, seed=scenario.seed, lane_groups=tuple(scenario.group_ids),
                  label=label[:200], created_at=now)
        with self._lock:
            with writing(self.engine) as conn:
                waiting = conn.execute(select(func.count()).where(t.status.in_(ACTIVE))).scalar_one()
                if waiting >= self.max_queued:
                    raise BusyError(f"{waiting} simulations are queued or running (at most {self.max_queued}); "
                                    "try again when some have finished", key="sim.busy",
                                    fields={"waiting": waiting, "most": self.max_queued})
                conn.execute(simulation_runs.insert().values(
                    id=job.id, status=job.status, label=job.label, scenario_name=job.scenario_name,
                    hours=job.hours, replications=job.replications, replications_done=0, seed=str(job.seed),
                    lane_groups=json.dumps(list(job.lane_groups)), scenario=json.dumps(scenario_mapping(scenario)),
                    owner=self.owner, created_at=now, heartbeat_at=now))
            self._active.add(job.id)
            self._start_threads()
        self._queue.put((job.id, scenario))
        return job

    def _start_threads(self) -> None:
        """Start the runner and heartbeat threads once (call with ``_lock`` held)."""
        if not self._started and self._threads > 0:
            for k in range(self._threads):
                threading.Thread(target=self._work, name=f"borderflow-sim-{k}", daemon=True).start()
            threading.Thread(target=self._keep_alive, name="borderflow-sim-heartbeat", daemon=True).start()
            self._started = True

    # -- running ---------------------------------------------------------------------------
    def _update(self, job_id: str, **values: Any) -> None:
        t = simulation_runs.c
        with self.engine.begin() as conn:
            conn.execute(simulation_runs.update().where(t.id == job_id).values(**values))

    def close(self) -> None:
        """Stop this process's threads after the replication in hand (the server is
        stopping). Its unfinished runs stay queued or running until their heartbeat is
        stale, then read as interrupted."""
        self._stop.set()

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                job_id, scenario = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                self._run(job_id, scenario)
            except Exception:  # the database failed us: the run stays active until its heartbeat stops
                log.exception("simulation %s could not be recorded", job_id)
            finally:
                with self._lock:
                    self._active.discard(job_id)
                self._queue.task_done()

    def _run(self, job_id: str, scenario: Scenario) -> None:
        self._update(job_id, status="running", started_at=_now(), heartbeat_at=_now())
        last_write = time.monotonic()

        def progress(done: int, total: int) -> None:
            nonlocal last_write
            if done < total and time.monotonic() - last_write < PROGRESS_WRITE_SECONDS:
                return
            last_write = time.monotonic()
            self._update(job_id, replications_done=done, heartbeat_at=_now())

        try:
            results = isolation.call(self.runner, scenario, progress=progress, stopping=self._stop.is_set)
        except isolation.Stopped:
            return
        except isolation.ProcessStoppedError as exc:  # logged by call()
            log.error("simulation %s failed: its process stopped (%s)", job_id, exc.kind)
            error = CRASHED.format(kind=exc.kind)
        except BorderFlowError as exc:
            error = str(exc)
        except Exception as exc:  # a run must report, never kill its runner thread
            log.exception("simulation %s failed", job_id)
            error = CRASHED.format(kind=type(exc).__name__)
        else:
            self._update(job_id, status="done", results=results, replications_done=scenario.replications,
                         finished_at=_now(), heartbeat_at=_now())
            self._forget_old()
            return
        self._update(job_id, status="failed", error=error, finished_at=_now(), heartbeat_at=_now())
        self._forget_old()

    def _keep_alive(self) -> None:
        t = simulation_runs.c
        while not self._stop.wait(HEARTBEAT_SECONDS):
            with self._lock:
                active = list(self._active)
            if not active:
                continue
            try:
                with self.engine.begin() as conn:
                    conn.execute(simulation_runs.update()
                                 .where(t.owner == self.owner, t.status.in_(ACTIVE), t.id.in_(active))
                                 .values(heartbeat_at=_now()))
            except Exception:
                log.exception("simulation heartbeat failed")

    def _sweep(self) -> None:
        """Runs whose process stopped (no heartbeat for STALE_AFTER_SECONDS): one still
        queued (never started) is adopted and run here when this process runs simulations;
        the others are marked interrupted. Looked for with a read first, so a page view
        never waits for a writer."""
        t = simulation_runs.c
        cutoff = _now() - dt.timedelta(seconds=STALE_AFTER_SECONDS)
        stale = (t.status.in_(ACTIVE), t.heartbeat_at < cutoff)
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.id, t.status, t.scenario).where(*stale)
                                .order_by(t.created_at).limit(100)).all()
        if not rows:
            return
        adopted: list[tuple[str, Scenario]] = []
        with writing(self.engine) as conn:
            for row in rows:
                if row.status != "queued" or self._threads == 0 or self._stop.is_set():
                    continue
                try:
                    scenario = _stored_scenario(row.scenario)
                except (BorderFlowError, ValueError, TypeError, KeyError):
                    continue  # kept in a shape this version cannot read: interrupted below
                claimed = conn.execute(simulation_runs.update()
                                       .where(t.id == row.id, t.status == "queued", t.heartbeat_at < cutoff)
                                       .values(owner=self.owner, heartbeat_at=_now())).rowcount
                if claimed == 1:  # no other process took it first
                    adopted.append((row.id, scenario))
            conn.execute(simulation_runs.update().where(*stale)
                         .values(status="failed", error=INTERRUPTED, finished_at=_now()))
        if adopted:
            with self._lock:
                self._active.update(job_id for job_id, _ in adopted)
                self._start_threads()
            for item in adopted:
                log.info("simulation %s adopted: the process that accepted it stopped before running it", item[0])
                self._queue.put(item)

    def _forget_old(self) -> None:
        t = simulation_runs.c
        with writing(self.engine) as conn:
            old = conn.execute(select(t.id).where(t.status.in_(FINISHED))
                               .order_by(t.created_at.desc(), in_byte_order(t.id)).offset(self.max_kept)).scalars().all()
            for start in range(0, len(old), 500):
                conn.execute(simulation_runs.delete().where(t.id.in_(old[start:start + 500])))


def store_for(state: Any) -> JobStore:
    """The app's job store (``app.state.simulations``) over the app's database, created on first use."""
    with _STATE_LOCK:
        store = getattr(state, "simulations", None)
        if store is None:
            store = JobStore(state.engine)
            state.simulations = store
    return store


_STATE_LOCK = threading.Lock()
