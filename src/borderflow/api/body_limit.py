"""A request body larger than the limit is refused with 413 before it is read.

The limit is the setting ``BORDERFLOW_API_MAX_BODY_BYTES`` (:mod:`borderflow.settings`),
for every request to the app. A declared ``Content-Length`` over the limit is answered at
once, without reading a byte of the body; a body sent without a length (chunked) is counted
as it arrives and refused as soon as it passes the limit. Either way the answer is the
error envelope, code ``payload_too_large``. Routes that sign the caller in and audit the
refusal hold the limit themselves and are passed through untouched (``own_limit``): the
observations upload applies this same setting after sign-in, so an oversized upload is
audited like any refused write; the exchange applies its own, tighter limit
(:func:`limited_receive`) after its sign-in.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from borderflow.api.errors import error_response

SETTING = "BORDERFLOW_API_MAX_BODY_BYTES"


def too_large(max_bytes: int) -> str:
    return f"the request body may be at most {max_bytes} bytes; send less (the server's limit is {SETTING})"


def declared_length(scope: Scope) -> int | None:
    """The request's ``Content-Length`` (None when absent or not a whole number)."""
    text = Headers(scope=scope).get("content-length", "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def limited_receive(receive: Receive, max_bytes: int, message: str) -> Receive:
    """``receive`` that raises 413 (HTTPException, so the error envelope answers it) once
    more than ``max_bytes`` of body have arrived."""
    received = 0

    async def counted() -> Message:
        nonlocal received
        event = await receive()
        if event["type"] == "http.request":
            received += len(event.get("body", b""))
            if received > max_bytes:
                raise HTTPException(413, detail=message)
        return event

    return counted


class BodyLimit:
    """ASGI middleware refusing bodies over ``max_bytes`` (see the module doc)."""

    def __init__(self, app: ASGIApp, max_bytes: int, own_limit: tuple[str, ...] = (),
                 tighter: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        #: Path prefixes whose routes hold a limit of their own (see the module doc).
        self.own_limit = own_limit
        #: Path prefixes with a smaller limit: routes that parse and check their whole body
        #: before any work (a scenario, a plan request) need far less than an upload.
        self.tighter = tighter or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(self.own_limit):
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit, message = self.max_bytes, too_large(self.max_bytes)
        for prefix, most in self.tighter.items():
            if path.startswith(prefix) and most < limit:
                limit, message = most, f"a request to {prefix} may be at most {most} bytes; send less"
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            response = error_response(413, "payload_too_large", message, headers={"Connection": "close"})
            await response(scope, receive, send)
            return
        await self.app(scope, limited_receive(receive, limit, message), send)
