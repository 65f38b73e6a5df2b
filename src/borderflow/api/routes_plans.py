"""``/api/v1/plans``: binational action plans. Reading is public; writing needs a token.

Writes follow the two-sides rule of :mod:`borderflow.services.plans`: an editor of one
country edits only that country's fields, milestones and evidence; the shared fields
and the status belong to the action's lead side. Anything else is 403 in the error
envelope, changes nothing, and is recorded in the audit log as ``denied``; every
accepted write is recorded as ``ok``, and one refused for bad input as ``refused`` — also
when FastAPI refuses its body before the route runs (for a caller signed in with a usable
token; see :func:`borderflow.api.auth.audit_refused_input`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from borderflow.api.auth import audit, audited_write, engine_of, principal
from borderflow.api.models import ErrorEnvelope
from borderflow.api.routes import TOO_LARGE
from borderflow.errors import BorderFlowError, ForbiddenError
from borderflow.plans.model import plan_to_dict
from borderflow.services import plan_definitions, plan_reports, plans
from borderflow.services.accounts import Principal

#: A row id as the archive stores it (a 32-bit integer on every database).
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]

# Every refusal, a path id out of range or a bad query among them, is answered in the error
# envelope: documented so for every route here (FastAPI's own 422 schema is not what is sent).
router = APIRouter(prefix="/api/v1", tags=["plans"], responses={
    422: {"model": ErrorEnvelope, "description": "Bad input: a path id out of range, a bad parameter or body"}})
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope, "description": "No token or a token not usable"},
    403: {"model": ErrorEnvelope, "description": "The user's country or role may not edit this"},
    404: {"model": ErrorEnvelope, "description": "No such action, milestone, KPI or meeting"},
    422: {"model": ErrorEnvelope, "description": "Bad input"},
    **TOO_LARGE,
}


# The bodies give types only: what a value must be (required, blank, length, dates) is
# checked by the service, by the same rules as a plan file, so the API, the CLI and an
# import refuse the same things with the same messages.
class StatusIn(BaseModel):
    to: Literal["planned", "in_progress", "done", "delayed", "cancelled"]
    why: str = Field(description="The reason, kept with the change: required, at most 10,000 characters.")


class MilestoneIn(BaseModel):
    side: Literal["US", "MX"]
    title: str = Field(description="Required, at most 10,000 characters (blanks around it are trimmed).")
    due_on: str = Field(description="YYYY-MM-DD, 1990-01-01 to 2100-12-31")
    done_on: str | None = Field(None, description="YYYY-MM-DD, today at the latest; empty or null: not done")


class EditBody(BaseModel):
    """An edit's body: a key it does not name is not dropped but passed on, so the service
    refuses it (422) with its own message (a meeting's held_on: "its date ... is not
    edited"), as ``PATCH /plan-actions`` refuses a field it does not edit."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": False})


class MilestonePatch(EditBody):
    title: str | None = Field(None, description="Required text when sent (null or blank is refused)")
    due_on: str | None = Field(None, description="YYYY-MM-DD")
    done_on: str | None = Field(None, description="YYYY-MM-DD, today at the latest; empty text or null clears it")


class KpiPatch(EditBody):
    name: str | None = Field(None, description="Required text when sent, at most 300 characters")
    spec: dict[str, Any] | None = Field(None, description=(
        "Keys of the KPI's definition to set, e.g. {\"target\": 45}; null unsets a key. The definition that "
        "results must follow the plan file's rules for a KPI"))


class MeetingPatch(EditBody):
    name: str | None = Field(None, description="Required text when sent, at most 120 characters; unique in the plan")
    place: str | None = Field(None, description="At most 200 characters; empty text or null clears it")


class FieldEditOut(BaseModel):
    """One kept edit of a KPI or a meeting."""

    at: str = Field(description="When, ISO 8601 with offset (UTC)")
    field: str = Field(description="name, place, or spec.KEY (a key of a KPI's definition: spec.target, ...); "
                                   "added (a meeting's addition: new is its name) or retired (new is the reason)")
    old: str | None = Field(description="The value replaced; a key of a definition as JSON text (60, \"minutes\"); "
                                        "null: not set")
    new: str | None = Field(description="The value written, as old")
    username: str
    country: str = Field(description="US or MX: the user's country")


class ActionEdit(FieldEditOut):
    """One kept edit of an action's field or of one of its milestones."""

    field: str = Field(description="An action's field (title, kind, subcommittee, lead_side, lead_agency_us/_mx, "
                                   "notes_us/_mx, next_steps_us/_mx), or a milestone's (title, due_on, done_on)")

    milestone_id: int | None = Field(description="The milestone edited; null for the action's own field")


class DefinitionEditOut(BaseModel):
    """What an edit of a KPI or a meeting stored."""

    id: int = Field(description="The KPI's or the meeting's id")
    changed: dict[str, Any] = Field(description="The values stored of those sent: a KPI's name and its whole spec "
                                                "(when keys of it were sent); a meeting's name and place")


class RetireIn(BaseModel):
    why: str = Field(description="Why it is retired, kept with the retirement: required, at most 10,000 characters.")


class RetiredOut(BaseModel):
    """Who retired a KPI or a meeting, when and why."""

    at: str = Field(description="When, ISO 8601 with offset (UTC)")
    username: str
    country: str = Field(description="US or MX: the user's country")
    why: str


class RetiredKpiOut(BaseModel):
    """A KPI as retired: kept, with its edits, but measured only in earlier meetings' reports."""

    id: int
    key: str
    name: str
    retired: RetiredOut


class RetiredMeetingOut(BaseModel):
    """A meeting as retired: kept, with its edits, but without a report."""

    id: int
    name: str
    held_on: str = Field(description="YYYY-MM-DD")
    place: str
    retired: RetiredOut


class EvidenceIn(BaseModel):
    side: Literal["US", "MX"]
    kind: Literal["note", "link", "file"] = "note"
    text: str = Field("", description="Required for a note; at most 10,000 characters")
    url: str = Field("", description="Required for a link or a file; at most 2,000 characters")
    sha256: str = Field("", description="A file's SHA-256: 64 hex digits, or empty")


def _json(data: Any) -> Response:
    import json

    return Response(json.dumps(data, default=str, ensure_ascii=False), media_type="application/json")


async def _write(request: Request, who: Principal, action: str, details: dict[str, Any], work: Any) -> Any:
    """Run ``work`` in a thread; audit ok, denied (403) or refused (other errors)."""
    try:
        result = await run_in_threadpool(work)
    except BorderFlowError as exc:
        outcome = "denied" if isinstance(exc, ForbiddenError) else "refused"
        await audit(request, who, action, outcome, exc.http_status, {**details, "reason": str(exc)[:500]})
        raise
    await audit(request, who, action, "ok", 200, details)
    return result


@router.get("/plans", summary="List action plans")
async def list_plans(request: Request) -> Response:
    return _json(await run_in_threadpool(plans.list_plans, engine_of(request)))


@router.get("/plans/{plan}", summary="One plan: subcommittees, meetings, actions, milestones, KPIs (each with its "
            "id), history, edits")
async def get_plan(request: Request, plan: str) -> Response:
    loaded = await run_in_threadpool(plans.load_plan, engine_of(request), plan)
    return _json(plans.plan_with_ids(loaded))


@router.get("/plans/{plan}/export", summary="Export a plan as a plan file (JSON) or CSV")
async def export_plan(request: Request, plan: str, format: Literal["json", "csv"] = "json") -> Response:
    loaded = await run_in_threadpool(plans.load_plan, engine_of(request), plan)
    if format == "csv":
        return Response(plans.export_csv(loaded), media_type="text/csv; charset=utf-8")
    return _json(plan_to_dict(loaded))


@router.get("/plans/{plan}/kpis", summary="The plan's KPIs computed from the archive now")
async def plan_kpis(request: Request, plan: str) -> Response:
    series = await run_in_threadpool(plan_reports.plan_kpis_computed, engine_of(request), plan)
    return _json([s.as_dict() for s in series])


@router.get("/plans/{plan}/report", summary="The progress report for a meeting (html, md or pdf)")
async def plan_report(request: Request, plan: str, meeting: Annotated[str, Query(min_length=1)],
                      lang: Literal["en", "es"] = "en", format: Literal["html", "md", "pdf"] = "html") -> Response:
    from borderflow.plans.render import render

    def work() -> bytes:
        return render(plan_reports.meeting_report(engine_of(request), plan, meeting), lang, format)

    media = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8", "pdf": "application/pdf"}
    return Response(await run_in_threadpool(work), media_type=media[format])


@router.get("/plan-actions/{action_id}/history", summary="Every status change of an action: who, when, why")
async def action_history(request: Request, action_id: RowId) -> Response:
    _, action = await run_in_threadpool(plans.get_action, engine_of(request), action_id)
    return _json([{"from_status": h.from_status, "to_status": h.to_status, "at": h.at.isoformat(),
                   "username": h.username, "country": h.country, "why": h.why} for h in action.history])


@router.get("/plan-actions/{action_id}/edits",
            summary="Every edit of an action's fields and of its milestones: old and new value, who, when",
            responses={200: {"model": list[ActionEdit], "description": "The edits, oldest first"},
                       404: {"model": ErrorEnvelope, "description": "No such action"}})
async def action_edits(request: Request, action_id: RowId) -> Response:
    _, action = await run_in_threadpool(plans.get_action, engine_of(request), action_id)
    return _json(plans.edit_rows(action))


@router.get("/plan-kpis/{kpi_id}/edits",
            summary="Every edit of a KPI's name and of the keys of its definition: old and new value, who, when",
            responses={200: {"model": list[FieldEditOut], "description": "The edits, oldest first"},
                       404: {"model": ErrorEnvelope, "description": "No such KPI"}})
async def kpi_edits(request: Request, kpi_id: RowId) -> Response:
    _, kpi, _ = await run_in_threadpool(plan_definitions.get_kpi, engine_of(request), kpi_id)
    return _json(plan_definitions.field_edit_rows(kpi.edits))


@router.get("/plan-meetings/{meeting_id}/edits",
            summary="Every edit of a meeting's name and place: old and new value, who, when",
            responses={200: {"model": list[FieldEditOut], "description": "The edits, oldest first"},
                       404: {"model": ErrorEnvelope, "description": "No such meeting"}})
async def meeting_edits(request: Request, meeting_id: RowId) -> Response:
    _, meeting = await run_in_threadpool(plan_definitions.get_meeting, engine_of(request), meeting_id)
    return _json(plan_definitions.field_edit_rows(meeting.edits))


@router.patch("/plan-actions/{action_id}", summary="Edit action fields (each side its own)", responses={
    **WRITE_ERRORS, 409: {"model": ErrorEnvelope, "description": "The lead side of the action changed while the "
                                                                "edit was made"}})
@audited_write("plans.action.edit")
async def patch_action(request: Request, action_id: RowId, body: dict[str, str],
                       who: Annotated[Principal, Depends(principal)]) -> Response:
    result = await _write(request, who, "plans.action.edit", {"action_id": action_id, "fields": sorted(body)},
                          lambda: plans.update_action(engine_of(request), action_id, body, who.user))
    return _json({"action_id": result.action_id, "changed": result.changed})


@router.post("/plan-actions/{action_id}/status", summary="Change an action's status (lead side)",
             responses={**WRITE_ERRORS, 409: {"model": ErrorEnvelope, "description": (
                 "The action is already in that status, or its status or lead side changed while the change "
                 "was made")}})
@audited_write("plans.action.status")
async def post_status(request: Request, action_id: RowId, body: StatusIn,
                      who: Annotated[Principal, Depends(principal)]) -> Response:
    change = await _write(request, who, "plans.action.status", {"action_id": action_id, "to": body.to, "why": body.why},
                          lambda: plans.change_status(engine_of(request), action_id, body.to, body.why, who.user))
    return _json({"action_id": action_id, "from_status": change.from_status, "to_status": change.to_status,
                  "at": change.at.isoformat(), "username": change.username, "country": change.country,
                  "why": change.why})


@router.post("/plan-actions/{action_id}/milestones", summary="Add a milestone (its side only)",
             responses=WRITE_ERRORS, status_code=201)
@audited_write("plans.milestone.create")
async def post_milestone(request: Request, action_id: RowId, body: MilestoneIn,
                         who: Annotated[Principal, Depends(principal)]) -> Response:
    new_id = await _write(request, who, "plans.milestone.create", {"action_id": action_id, "side": body.side},
                          lambda: plans.add_milestone(engine_of(request), action_id, body.model_dump(), who.user))
    response = _json({"id": new_id, "action_id": action_id})
    response.status_code = 201
    return response


@router.patch("/plan-milestones/{milestone_id}", summary="Edit a milestone (its side only)", responses=WRITE_ERRORS)
@audited_write("plans.milestone.edit")
async def patch_milestone(request: Request, milestone_id: RowId, body: MilestonePatch,
                          who: Annotated[Principal, Depends(principal)]) -> Response:
    changes = body.model_dump(exclude_unset=True)
    result = await _write(request, who, "plans.milestone.edit", {"milestone_id": milestone_id, "fields": sorted(changes)},
                          lambda: plans.update_milestone(engine_of(request), milestone_id, changes, who.user))
    return _json({"id": milestone_id, "changed": result})


@router.patch("/plan-kpis/{kpi_id}", summary="Edit a KPI's name or keys of its definition (a KPI of an action: "
              "its lead side; of the whole plan: either side)",
              responses={**WRITE_ERRORS, 200: {"model": DefinitionEditOut, "description": "What was stored"},
                         409: {"model": ErrorEnvelope, "description": "The lead side of the KPI's action changed "
                                                                     "while the edit was made"}})
@audited_write("plans.kpi.edit")
async def patch_kpi(request: Request, kpi_id: RowId, body: KpiPatch,
                    who: Annotated[Principal, Depends(principal)]) -> Response:
    changes = body.model_dump(exclude_unset=True)
    result = await _write(request, who, "plans.kpi.edit",
                          {"kpi_id": kpi_id, "fields": sorted(changes), "keys": sorted(body.spec or {})},
                          lambda: plan_definitions.update_kpi(engine_of(request), kpi_id, changes, who.user,
                                                                      names_files=False))
    return _json({"id": kpi_id, "changed": result})


@router.patch("/plan-meetings/{meeting_id}", summary="Edit a meeting's name or place (either side; its date stays)",
              responses={**WRITE_ERRORS, 200: {"model": DefinitionEditOut, "description": "What was stored"},
                         409: {"model": ErrorEnvelope, "description": "The plan has a meeting of that name"}})
@audited_write("plans.meeting.edit")
async def patch_meeting(request: Request, meeting_id: RowId, body: MeetingPatch,
                        who: Annotated[Principal, Depends(principal)]) -> Response:
    changes = body.model_dump(exclude_unset=True)
    result = await _write(request, who, "plans.meeting.edit", {"meeting_id": meeting_id, "fields": sorted(changes)},
                          lambda: plan_definitions.update_meeting(engine_of(request), meeting_id, changes, who.user))
    return _json({"id": meeting_id, "changed": result})


RETIRE_ERRORS: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS, 409: {"model": ErrorEnvelope, "description": "Already retired (or the lead side of the KPI's "
                                                                 "action changed while it was retired)"}}


@router.delete("/plan-kpis/{kpi_id}", summary="Retire a KPI, with a reason (who may edit it): it is no longer "
               "measured, nor in reports of meetings held from that day; its record and edits stay",
               responses={**RETIRE_ERRORS, 200: {"model": RetiredKpiOut, "description": "The KPI as retired"}})
@audited_write("plans.kpi.retire")
async def retire_kpi(request: Request, kpi_id: RowId, body: RetireIn,
                     who: Annotated[Principal, Depends(principal)]) -> Response:
    kpi = await _write(request, who, "plans.kpi.retire", {"kpi_id": kpi_id, "why": body.why[:500]},
                       lambda: plan_definitions.retire_kpi(engine_of(request), kpi_id, body.why, who.user))
    return _json({"id": kpi_id, "key": kpi.key, "name": kpi.name, "retired": plans.retirement_data(kpi.retired)})


@router.delete("/plan-meetings/{meeting_id}", summary="Retire a meeting, with a reason (either side): it has no "
               "report and is no longer listed; its record and edits stay",
               responses={**RETIRE_ERRORS, 200: {"model": RetiredMeetingOut, "description": "The meeting as retired"}})
@audited_write("plans.meeting.retire")
async def retire_meeting(request: Request, meeting_id: RowId, body: RetireIn,
                         who: Annotated[Principal, Depends(principal)]) -> Response:
    held = await _write(request, who, "plans.meeting.retire", {"meeting_id": meeting_id, "why": body.why[:500]},
                        lambda: plan_definitions.retire_meeting(engine_of(request), meeting_id, body.why, who.user))
    return _json(plan_definitions.meeting_data(held))


@router.post("/plan-actions/{action_id}/evidence", summary="Add evidence: a note, link or file reference (its side)",
             responses=WRITE_ERRORS, status_code=201)
@audited_write("plans.evidence.create")
async def post_evidence(request: Request, action_id: RowId, body: EvidenceIn,
                        who: Annotated[Principal, Depends(principal)]) -> Response:
    await _write(request, who, "plans.evidence.create", {"action_id": action_id, "side": body.side, "kind": body.kind},
                 lambda: plans.add_evidence(engine_of(request), action_id, body.model_dump(), who.user))
    response = _json({"action_id": action_id, "added": True})
    response.status_code = 201
    return response
