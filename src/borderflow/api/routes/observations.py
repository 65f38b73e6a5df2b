"""``POST /api/v1/observations``: readings in the observations CSV or the same rows as JSON.

Needs a bearer token of a user with the role ``editor`` or ``admin``. The body goes
through the same path as ``borderflow ingest --format observations-csv``: the bytes are
kept, bad rows are quarantined with their reason while good rows land, repeats change
nothing, clashes are kept aside. JSON (``{"observations": [...]}`` or a bare list of the
same objects) is first written as that CSV, so both obey exactly the same rules. Every
attempt by an authenticated user is recorded in the audit log.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from borderflow.api.auth import audit, engine_of, principal, require
from borderflow.api.errors import PayloadTooLargeError, UnsupportedMediaTypeError
from borderflow.api.models import ErrorEnvelope, IngestResult, ObservationIn, ObservationsIn
from borderflow.api.routes import JSON, cache_of, json_bytes
from borderflow.errors import BadInputError, BorderFlowError
from borderflow.feeds.observations_csv import COLUMNS, FORMAT
from borderflow.services.accounts import WRITER_ROLES, Principal
from borderflow.services.ingest import FileSummary, Ingestor
from borderflow.store.schema import quarantine

router = APIRouter(prefix="/api/v1", tags=["writes"])

#: Largest request body accepted, in bytes.
#: The default of BORDERFLOW_API_MAX_BODY_BYTES, for an app built without it.
MAX_BODY_BYTES = 20_000_000
ACTION = "observations.create"
_CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})
_JSON_OBJECT = TypeAdapter(ObservationsIn)
_JSON_LIST = TypeAdapter(list[ObservationIn])


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its ``$defs`` substituted in place (for openapi_extra)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(dict(defs[ref.split("/")[-1]]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)  # type: ignore[no-any-return]


_EXAMPLE_CSV = (",".join(COLUMNS) + ",direction\n"
                "250401,passenger,standard,2024-05-01T08:00:00-07:00,45,12,delay,caltrans-loops,northbound\n")
REQUEST_BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}, "example": _EXAMPLE_CSV},
    "application/json": {"schema": _inline_refs(ObservationsIn.model_json_schema())},
}}}


async def _body(request: Request) -> bytes:
    """The body, at most the API's limit (BORDERFLOW_API_MAX_BODY_BYTES): checked here,
    after sign-in, so a refused upload is audited like any refused write."""
    limit = int(getattr(request.app.state, "max_body_bytes", MAX_BODY_BYTES))
    declared = request.headers.get("content-length", "")
    if (declared.isascii() and declared.isdigit()) and int(declared) > limit:
        raise PayloadTooLargeError(f"the body may be at most {limit} bytes (BORDERFLOW_API_MAX_BODY_BYTES); "
                                   f"got {declared}; split the file")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"the body may be at most {limit} bytes (BORDERFLOW_API_MAX_BODY_BYTES); "
                                       "split the file")
        chunks.append(chunk)
    return b"".join(chunks)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def csv_from_json(data: bytes) -> bytes:
    """JSON observations written as the observations CSV (with direction); BadInputError if not that shape."""
    try:
        document = json.loads(data)
        # validated as the shape it has, so an error names the field, not the other shape
        adapter: TypeAdapter[Any] = _JSON_LIST if isinstance(document, list) else _JSON_OBJECT
        parsed = adapter.validate_python(document)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        if isinstance(exc, ValidationError):
            details = [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()[:50]]
            error = BadInputError(f"the JSON body is not a list of observations: {details[0]['msg']} at "
                                  f"{'.'.join(details[0]['loc'])}; send {{\"observations\": [...]}} or a list")
            error.details = details  # type: ignore[attr-defined]
            raise error from None
        raise BadInputError(f"the body is not valid JSON ({type(exc).__name__}); send UTF-8 JSON") from None
    items = parsed.observations if isinstance(parsed, ObservationsIn) else parsed
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*COLUMNS, "direction"))
    for item in items:
        writer.writerow([_cell(getattr(item, c)) for c in (*COLUMNS, "direction")])
    return out.getvalue().encode("utf-8")


def _refused(request: Request, sha256: str) -> list[dict[str, str]]:
    with engine_of(request).connect() as conn:
        rows = conn.execute(select(quarantine.c.place, quarantine.c.reason)
                            .where(quarantine.c.payload_sha256 == sha256).order_by(quarantine.c.id).limit(500))
        seen: dict[str, str] = {}
        for place, reason in rows:
            seen.setdefault(place, reason)
    return [{"place": p, "reason": r} for p, r in list(seen.items())[:100]]


def _ingest(request: Request, data: bytes, who: Principal) -> tuple[FileSummary, list[dict[str, str]]]:
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    name = f"POST /api/v1/observations by {who.user.username} at {stamp}"
    summary = Ingestor(engine_of(request)).ingest_bytes(data, name, format=FORMAT)
    return summary, _refused(request, summary.sha256) if summary.quarantined else []


@router.post("/observations", response_model=IngestResult, summary="Add observations",
             openapi_extra=REQUEST_BODY, responses={
                 401: {"model": ErrorEnvelope, "description": "No token or a token not usable"},
                 403: {"model": ErrorEnvelope, "description": "The user's roles do not allow writing"},
                 413: {"model": ErrorEnvelope, "description": "Body too large"},
                 415: {"model": ErrorEnvelope, "description": "Not CSV or JSON"},
                 422: {"model": ErrorEnvelope, "description": "Not an observations CSV or JSON"}})
async def post_observations(request: Request, who: Annotated[Principal, Depends(principal)]) -> Response:
    """Add readings (``text/csv`` observations CSV, or ``application/json``); needs editor or admin."""
    await require(request, who, WRITER_ROLES, ACTION)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    details: dict[str, Any] = {"content_type": content_type}
    try:
        if content_type not in _CSV_TYPES and content_type != "application/json":
            raise UnsupportedMediaTypeError(
                f"send the observations CSV as text/csv or the same rows as application/json; got {content_type!r}")
        data = await _body(request)
        details["bytes"] = len(data)
        if content_type == "application/json":
            data = await run_in_threadpool(csv_from_json, data)
        summary, refused = await run_in_threadpool(_ingest, request, data, who)
        details.update(sha256=summary.sha256, read=summary.read, stored=summary.stored,
                       duplicates=summary.duplicates, conflicts=summary.conflicts, quarantined=summary.quarantined)
        if summary.error:
            error = BadInputError(summary.error)
            error.details = details  # type: ignore[attr-defined]
            raise error
    except BorderFlowError as exc:
        await audit(request, who, ACTION, "refused", exc.http_status, {**details, "reason": str(exc)[:500]})
        raise
    finally:
        cache_of(request).invalidate()
    await audit(request, who, ACTION, "ok", 200, details)
    result = IngestResult(format=FORMAT, sha256=summary.sha256, read=summary.read, stored=summary.stored,
                          duplicates=summary.duplicates, conflicts=summary.conflicts,
                          quarantined=summary.quarantined, new_crossings=summary.new_crossings,
                          refused=refused)  # type: ignore[arg-type]
    return Response(json_bytes(result), media_type=JSON)
