"""Bearer tokens at the API edge and the audit of every write.

``Authorization: Bearer <token>``: no header or an unusable token is 401; a valid
token whose user lacks the role is 403 (and is recorded in the audit log as
``denied``). Both come in the one error envelope and change no data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from borderflow.errors import ForbiddenError, UnauthorizedError
from borderflow.services import accounts

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

#: Write routes (by endpoint) whose requests refused before the route runs — a body or a
#: path that does not validate — are audited as ``refused`` under the action named here.
AUDITED_WRITES: dict[Callable[..., Any], str] = {}

bearer = HTTPBearer(auto_error=False, scheme_name="bearerToken",
                    description="A BorderFlow token: `borderflow tokens create USER` shows it once.")


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> accounts.Principal:
    """The caller named by the bearer token; UnauthorizedError (401) otherwise."""
    text = credentials.credentials if credentials is not None else None
    return await run_in_threadpool(accounts.authenticate, engine_of(request), text)


def client_of(request: Request) -> dict[str, str]:
    """From where: the peer address as the server saw it and the user agent."""
    return {
        "remote_addr": request.client.host if request.client else "",
        "user_agent": request.headers.get("user-agent", "")[:200],
    }


async def audit(request: Request, who: accounts.Principal | None, action: str, outcome: str,
                status_code: int, details: dict[str, Any]) -> None:
    where = client_of(request)
    await run_in_threadpool(
        accounts.record_audit, engine_of(request), principal=who, action=action,
        target=f"{request.method} {request.url.path}", outcome=outcome, status_code=status_code,
        details=details, remote_addr=where["remote_addr"], user_agent=where["user_agent"],
    )


async def require(request: Request, who: accounts.Principal, allowed: frozenset[str], action: str) -> None:
    """ForbiddenError (403) unless ``who`` holds an allowed role; a refusal is audited."""
    try:
        accounts.require_role(who, allowed, action)
    except ForbiddenError as exc:
        await audit(request, who, action, "denied", exc.http_status, {"reason": str(exc)})
        raise


def audited_write(action: str) -> Callable[[Endpoint], Endpoint]:
    """Mark a write route: a request of it refused for bad input before it runs is audited
    as ``refused`` under ``action`` (see :func:`audit_refused_input`)."""

    def mark(endpoint: Endpoint) -> Endpoint:
        AUDITED_WRITES[endpoint] = action
        return endpoint

    return mark


async def audit_refused_input(request: Request, status_code: int, reason: str) -> None:
    """Audit a request to an :func:`audited_write` route that was refused before the route
    ran (its body or path did not validate), as ``refused`` with the reason.

    Only a caller whose bearer token is usable now is audited: a request without one, or
    with a token that is not valid, is answered as before and leaves no row, so no one can
    fill the audit log without an account (an account's rows name it, and its token can
    be revoked).
    """
    action = AUDITED_WRITES.get(request.scope.get("endpoint"))  # type: ignore[arg-type]
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if action is None or scheme.lower() != "bearer" or not token.strip():
        return
    try:
        who = await run_in_threadpool(accounts.authenticate, engine_of(request), token.strip())
    except UnauthorizedError:
        return
    ids = {name: int(value) if value.isascii() and value.isdigit() and len(value) < 12 else value[:40]
           for name, value in request.path_params.items()}
    await audit(request, who, action, "refused", status_code, {**ids, "reason": reason[:500]})
