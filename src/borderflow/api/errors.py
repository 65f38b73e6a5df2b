"""One JSON error envelope for every failure: ``{"error": {"code", "message", "details"?}}``.

- :class:`~borderflow.errors.BorderFlowError` -> its ``http_status`` and ``code``.
- Request validation (FastAPI/pydantic) -> 422, code ``bad_input``, ``details`` listing
  each field (``loc``, ``msg``, ``type``); on a write route marked with
  :func:`~borderflow.api.auth.audited_write`, audited as ``refused`` for a signed-in caller.
- Unknown routes -> 404 ``not_found``; wrong method -> 405 ``method_not_allowed``.
- A value the database refuses (out of range; a NUL in text, which PostgreSQL refuses
  where a route did not check it first) -> 422 ``bad_input``, saying which.
- A database that cannot answer -> 503 ``unavailable``.
- A computation whose own process stopped without answering (a signal such as SIGSEGV;
  :mod:`borderflow.services.isolation`) -> 500 ``internal_error``, its message naming
  the signal; logged on the server.
- Anything else -> 500 ``internal_error``: logged with its traceback on the server,
  never sent to the client.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from borderflow.errors import BadInputError, BorderFlowError

log = logging.getLogger("borderflow.api")

_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    406: "not_acceptable", 409: "conflict", 410: "gone", 413: "payload_too_large", 415: "unsupported_media_type",
    422: "bad_input", 429: "too_many_requests",
}


class PayloadTooLargeError(BadInputError):
    """A request body over the size limit."""

    http_status = 413
    code = "payload_too_large"


class UnsupportedMediaTypeError(BadInputError):
    """A request body in a format the endpoint does not take."""

    http_status = 415
    code = "unsupported_media_type"


def envelope(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(envelope(code, message, details), status_code=status, headers=headers)


async def _borderflow_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BorderFlowError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
    extra = getattr(exc, "headers", None)  # an error class's own (Retry-After of a busy answer)
    if isinstance(extra, dict):
        headers = {**(headers or {}), **extra}
    details = getattr(exc, "details", None)
    return error_response(exc.http_status, exc.code, str(exc), details, headers)


def _loc(parts: Any) -> list[str]:
    return [str(p) for p in parts] if isinstance(parts, (list, tuple)) else [str(parts)]


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    from borderflow.api.auth import audit_refused_input

    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": _loc(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors()
    ]
    summary = "; ".join(f"{'.'.join(d['loc'])}: {d['msg']}" for d in details[:5])
    message = f"the request is not valid: {summary}"
    await audit_refused_input(request, 422, message)  # a write route's refusal is audited as the route's own
    return error_response(422, "bad_input", message, details)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    if status == 404:
        message = "no such resource; the API is described at /openapi.json and /docs"
    elif status == 405:
        message = "this method is not allowed here"
    else:
        message = str(exc.detail)
    return error_response(status, _HTTP_CODES.get(status, f"http_{status}"), message,
                          headers=dict(exc.headers) if exc.headers else None)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, DataError):
        if "NUL" in str(exc.orig):  # psycopg: "PostgreSQL text fields cannot contain NUL (0x00) bytes"
            return error_response(422, "bad_input", "a text in the request holds the character U+0000 (NUL), "
                                  "which the archive cannot store; remove it")
        # The database refused a value (an id beyond its integer range, say): bad input.
        return error_response(422, "bad_input", "a value in the request is out of range for the archive; "
                              "check identifiers and numbers")
    log.error("database error on %s %s: %s", request.method, request.url.path, type(exc).__name__, exc_info=exc)
    return error_response(503, "unavailable", "the database could not answer; try again shortly")


async def _overflow_error(_request: Request, _exc: Exception) -> JSONResponse:
    # SQLite's driver refuses integers beyond 64 bits before the database sees them.
    return error_response(422, "bad_input", "a number in the request is too large for the archive; "
                          "check identifiers and numbers")


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "an internal error occurred; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(BorderFlowError, _borderflow_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(OverflowError, _overflow_error)
    app.add_exception_handler(Exception, _unexpected_error)
