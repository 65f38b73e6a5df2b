"""Simulations over the API: example scenarios, and scenarios run as background jobs.

* ``GET /api/v1/scenarios/examples`` lists the shipped examples;
  ``GET /api/v1/scenarios/examples/{example_id}`` gives one (file text and parsed scenario).
* ``POST /api/v1/simulations`` takes a scenario (JSON, or YAML with ``Content-Type:
  application/yaml``), validates it with :func:`borderflow.sim.load_scenario` and answers
  202 with the job (``Location`` names it). ``replications`` and ``seed`` in the query
  override the scenario's, like the CLI's flags. A bad scenario is a 422 envelope naming
  every problem; a scenario too large for the web server is 422 too; 429 when too many
  jobs wait.
* ``GET /api/v1/simulations/{id}``: status (queued, running, done, failed), progress 0..1
  (replications done), and when done ``results`` — exactly what ``borderflow simulate
  --json`` writes for the same scenario. ``GET /api/v1/simulations`` lists recent jobs.

Runs are kept in the database (table ``simulation_runs``), so every server process answers for
every run and finished runs outlive a restart (see :mod:`borderflow.services.simulations`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from borderflow.api.errors import PayloadTooLargeError, UnsupportedMediaTypeError
from borderflow.api.routes import ERRORS
from borderflow.errors import BadInputError
from borderflow.services import simulations

router = APIRouter(prefix="/api/v1", tags=["simulations"])

#: Largest scenario body accepted, in bytes.
MAX_SCENARIO_BYTES = 2_000_000
_YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
_EXAMPLE = {
    "name": "One booth", "hours": 2, "seed": 1, "replications": 5,
    "lane_groups": {"general": {"mode": "passenger", "program": "standard", "booths": [1, 2],
                                "service": {"dist": "exponential", "mean_seconds": 60}}},
    "demand": [{"to": "general", "per_hour": [40, 80]}],
}
REQUEST_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {
        "type": "object", "required": ["hours", "lane_groups", "demand"],
        "description": "A scenario (see docs/simulator.md): name, description, hours, seed, replications, "
                       "lane_groups (id -> mode, program, booths per hour, service, secondary), demand.",
        "additionalProperties": True}, "example": _EXAMPLE},
    "application/yaml": {"schema": {"type": "string"}},
}}}


class ExampleSummary(BaseModel):
    id: str = Field(description="The file name without its extension.")
    file: str
    name: str
    description: str
    hours: int
    replications: int
    seed: int
    lane_groups: list[str]


class ExampleList(BaseModel):
    items: list[ExampleSummary]


class Example(ExampleSummary):
    format: str = Field(description="yaml or json")
    text: str = Field(description="The file as shipped, comments and sources included.")
    scenario: dict[str, Any] = Field(description="The parsed scenario, ready to POST to /api/v1/simulations.")


def _absent(value: Any) -> bool:
    return value is None


class SimulationClock(BaseModel):
    # text, not a datetime: written back exactly as the CLI writes it (a datetime would turn +00:00 into Z)
    start: str = Field(description="The instant hour 0 begins, ISO 8601 with its UTC offset.",
                       json_schema_extra={"format": "date-time"})
    timezone: str = Field(description="The IANA time zone whose clock labels the hours, e.g. America/Chicago.")


class SimulationResults(BaseModel):
    """The results JSON of ``borderflow simulate --json`` (docs/simulator.md)."""

    scenario: str
    hours: int
    replications: int
    seed: int
    # absent, not null, without a clock: the JSON of a scenario without one is as it always was
    clock: SimulationClock | None = Field(
        None, exclude_if=_absent,
        description="Only for a scenario with a clock (a real day): where its hours fall on the local clock.")
    hour_labels: list[str] | None = Field(
        None, exclude_if=_absent,
        description="Only with clock: each hour as the local clock shows its start (01:00 CDT, then 01:00 CST on "
                    "the day the clocks go back; with the date when the hours span more than one).")
    lane_groups: dict[str, Any] = Field(description="Per lane group: mode, program, hourly rows and the total.")
    engine: dict[str, Any] = Field(description="Vehicles simulated, seconds taken, replications, workers.")


class SimulationJob(BaseModel):
    id: str
    status: str = Field(description="queued, running, done or failed")
    progress: float = Field(description="Replications done / replications, 0..1.")
    label: str
    scenario_name: str
    hours: int
    replications: int
    replications_done: int
    seed: int
    lane_groups: list[str]
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str | None = Field(description="Why a failed job failed.")
    results: SimulationResults | None = Field(
        None, description="When done: the results JSON of `borderflow simulate --json` (docs/simulator.md).")


class SimulationList(BaseModel):
    items: list[SimulationJob] = Field(description="Newest first, without results.")


@router.get("/scenarios/examples", response_model=ExampleList, summary="Example scenarios")
def list_examples() -> Any:
    """The example scenarios shipped with BorderFlow."""
    return {"items": simulations.examples()}


@router.get("/scenarios/examples/{example_id}", response_model=Example, responses=ERRORS,
            summary="One example scenario")
def get_example(example_id: str) -> Any:
    """One example: the file as shipped and the parsed scenario."""
    return simulations.example(example_id)


async def _scenario_body(request: Request) -> dict[str, Any]:
    declared = request.headers.get("content-length", "")
    if (declared.isascii() and declared.isdigit()) and int(declared) > MAX_SCENARIO_BYTES:
        raise PayloadTooLargeError(f"a scenario may be at most {MAX_SCENARIO_BYTES} bytes; got {declared}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_SCENARIO_BYTES:
            raise PayloadTooLargeError(f"a scenario may be at most {MAX_SCENARIO_BYTES} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInputError("the scenario must be UTF-8 text") from None
    if media in _YAML_TYPES:
        return simulations.parse_scenario_text(text)
    if media not in ("application/json", "") and not media.endswith("+json"):
        raise UnsupportedMediaTypeError(f"send the scenario as application/json or application/yaml; got {media}")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BadInputError(f"the body is not valid JSON ({exc}); send the scenario as a JSON object") from None
    if not isinstance(data, dict):
        raise BadInputError(f"the body must be a scenario object; got {type(data).__name__}")
    return data


def _whole(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise BadInputError(f"{name} must be a whole number; got {value!r}") from None


@router.post("/simulations", status_code=202, response_model=SimulationJob, openapi_extra=REQUEST_BODY,
             responses={413: ERRORS[422], 415: ERRORS[422], 429: ERRORS[422], 422: ERRORS[422]},
             summary="Run a scenario")
async def create_simulation(
    request: Request,
    replications: str | None = Query(None, description="Replications (overrides the scenario's), from 1 to the simulator's maximum"),
    seed: str | None = Query(None, description="Random seed (overrides the scenario's), >= 0"),
    label: str = Query("", max_length=200, description="A note shown with the run, e.g. the changes made"),
) -> Any:
    """Validate a scenario and start simulating it; poll the job it returns for progress and results."""
    data = await _scenario_body(request)
    edited = simulations.apply_edits(data, replications=_whole(replications, "replications"),
                                     seed=_whole(seed, "seed"))
    scenario = await run_in_threadpool(simulations.validate_for_web, edited)
    job = simulations.store_for(request.app.state).submit(scenario, label=label)
    body = SimulationJob.model_validate(job.as_dict()).model_dump(mode="json")
    return JSONResponse(body, status_code=202, headers={"Location": f"/api/v1/simulations/{job.id}"})


@router.get("/simulations", response_model=SimulationList, summary="Recent simulations")
def list_simulations(request: Request) -> Any:
    """The newest simulation runs (at most 20), without their results."""
    jobs = simulations.store_for(request.app.state).recent(20)
    return {"items": [j.as_dict(with_results=False) for j in jobs]}


@router.get("/simulations/{job_id}", response_model=SimulationJob, responses=ERRORS, summary="One simulation")
def get_simulation(request: Request, job_id: str) -> Any:
    """A simulation's status and progress, and its results once done."""
    return simulations.store_for(request.app.state).get(job_id).as_dict()
