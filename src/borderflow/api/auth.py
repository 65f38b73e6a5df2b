"""Bearer tokens at the API edge and the audit of every write.

``Authorization: Bearer <token>``: no header or an unusable token is 401; a valid
token whose user lacks the role is 403 (and is recorded in the audit log as
``denied``). Both come in the one error envelope and change no data.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from borderflow.errors import ForbiddenError
from borderflow.services import accounts

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
