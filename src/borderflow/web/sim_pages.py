"""The simulator pages: open or edit a scenario, run it, read its results, compare two runs.

* ``GET /simulator?example=ID`` — the form: an example's file text in a textarea, quick
  changes (demand multiplier, booths added per lane group, replications, seed).
* ``POST /simulator/run`` — the form without JavaScript: the same quick changes
  (:func:`borderflow.services.simulations.apply_edits`), then a job, then a redirect to
  its page. With JavaScript the page posts the JSON scenario to ``/api/v1/simulations``
  itself and shows progress while it runs.
* ``GET /simulator/runs/{id}`` — progress while running; per-hour waits and queues when done.
* ``GET /simulator/compare?a=ID&b=ID`` — two runs side by side with the per-hour
  difference of the 95th-percentile wait.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from borderflow.errors import BadInputError, BorderFlowError, NotFoundError
from borderflow.messages import Message
from borderflow.services import simulations
from borderflow.web import sim_views
from borderflow.web.i18n import Translator
from borderflow.web.render import error_page, language, page
from borderflow.web.run_hours import compared_hours, run_hours

router = APIRouter(include_in_schema=False)
DEFAULT_EXAMPLE = "small_crossing"


def _form_context(t: Translator, example_id: str | None, text: str | None = None,
                  values: dict[str, Any] | None = None, error: str | None = None,
                  store: simulations.JobStore | None = None) -> dict[str, Any]:
    examples = simulations.examples()
    ids = [e["id"] for e in examples]
    chosen = example_id if example_id in ids else (DEFAULT_EXAMPLE if DEFAULT_EXAMPLE in ids else
                                                   (ids[0] if ids else None))
    if text is None:
        text = simulations.example(chosen)["text"] if chosen else ""
    try:
        groups = list((simulations.parse_scenario_text(text).get("lane_groups") or {}).keys())
    except BorderFlowError:
        groups = []
    except AttributeError:  # lane_groups that is not a mapping: the run reports it
        groups = []
    recent = store.recent() if store else []
    return {"title": t("sim.title"), "section": "simulator", "examples": examples, "chosen": chosen,
            "text": text, "groups": [str(g) for g in groups], "values": values or {}, "error": error,
            "recent": recent, "finished": [j for j in recent if j.status == "done"]}


@router.get("/simulator", response_class=HTMLResponse)
def simulator_page(request: Request, example: str | None = None) -> Response:
    t = Translator(language(request))
    store = simulations.store_for(request.app.state)
    if example is not None and example not in {e["id"] for e in simulations.examples()}:
        return error_page(request, 404, Message(f"no example scenario {example!r}", "plan.no_example",
                                                {"id": example}))
    return page(request, "simulator.html", **_form_context(t, example, store=store))


#: The quick changes' fields as the form labels them (``booths.GROUP`` has its own).
FIELDS = {"demand_multiplier": Message("demand_multiplier", "field.multiplier"),
          "replications": Message("replications", "field.replications"), "seed": Message("seed", "field.seed")}


def _field(name: str) -> Message:
    if name.startswith("booths."):
        return Message(name, "field.booths", {"group": name[len("booths."):]})
    return FIELDS.get(name) or Message(name)


def _number(form: Any, name: str, kind: type, default: Any) -> Any:
    raw = str(form.get(name, "") or "").strip()
    if raw == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        whole = kind is int
        raise BadInputError(f"{name} must be a {'whole number' if whole else 'number'}; got {raw!r}",
                            key="form.whole_number" if whole else "form.number",
                            fields={"field": _field(name), "got": raw[:40]}) from None


@router.get("/simulator/run")
def simulator_run_reopened() -> Response:
    """A GET of the form's target (the address bar after a post, a bookmark): the form."""
    return RedirectResponse("/simulator", status_code=303)


@router.post("/simulator/run", response_class=HTMLResponse)
async def run_from_form(request: Request) -> Response:
    """Start the form's scenario (and, when asked, the unchanged one to compare with)."""
    t = Translator(language(request))
    store = simulations.store_for(request.app.state)
    form = await request.form()
    text = str(form.get("scenario", "") or "")
    values = {k: str(v) for k, v in form.items() if k != "scenario"}
    try:
        multiplier = _number(form, "demand_multiplier", float, 1.0)
        changes = {key[len("booths."):]: _number(form, key, int, 0) for key in form if key.startswith("booths.")}
        runs = _number(form, "replications", int, None)
        seed = _number(form, "seed", int, None)
        data = simulations.parse_scenario_text(text)
        edited = simulations.apply_edits(data, demand_multiplier=multiplier, booth_changes=changes,
                                         replications=runs, seed=seed)
        scenario = await run_in_threadpool(simulations.validate_for_web, edited)
        label = sim_views.edit_label(multiplier, changes)
        if form.get("compare"):
            base = await run_in_threadpool(simulations.validate_for_web,
                                           simulations.apply_edits(data, replications=runs, seed=seed))
            job_a = store.submit(base, label="")
            job_b = store.submit(scenario, label=label)
            return RedirectResponse(f"/simulator/compare?a={job_a.id}&b={job_b.id}", status_code=303)
        job = store.submit(scenario, label=label)
    except BorderFlowError as exc:
        context = _form_context(t, str(form.get("example", "")), text, values, t.message(exc), store)
        return page(request, "simulator.html", exc.http_status, **context)
    return RedirectResponse(f"/simulator/runs/{job.id}", status_code=303)


@router.get("/simulator/runs/{job_id}", response_class=HTMLResponse)
def run_page(request: Request, job_id: str) -> Response:
    t = Translator(language(request))
    try:
        job = simulations.store_for(request.app.state).get(job_id)
    except NotFoundError as exc:
        return error_page(request, 404, exc.message)
    groups = sim_views.result_groups(job.results, t) if job.results else []
    clock_note = run_hours(job.results).sentence(t) if job.results else None
    return page(request, "run.html", title=t("run.title"), section="simulator", job=job, groups=groups,
                jobs=[job], max_rows=sim_views.MAX_TABLE_HOURS, columns=sim_views.COLUMNS, clock_note=clock_note)


@router.get("/simulator/compare", response_class=HTMLResponse)
def compare_page(request: Request, a: str = "", b: str = "") -> Response:
    t = Translator(language(request))
    store = simulations.store_for(request.app.state)
    if a and a == b:
        return error_page(request, 422, t("compare.same"))
    try:
        job_a, job_b = store.get(a), store.get(b)
    except NotFoundError as exc:
        return error_page(request, 404, exc.message)
    groups, clock_note = [], None
    if job_a.results is not None and job_b.results is not None:
        groups = sim_views.compare_groups(job_a.results, job_b.results, t)
        hours = max(int(job_a.results["hours"]), int(job_b.results["hours"]))
        clock_note = compared_hours(job_a.results, job_b.results, hours).sentence(t)
    return page(request, "compare.html", title=t("compare.title"), section="simulator", job_a=job_a,
                job_b=job_b, jobs=[job_a, job_b], groups=groups, max_rows=sim_views.MAX_TABLE_HOURS,
                clock_note=clock_note)
