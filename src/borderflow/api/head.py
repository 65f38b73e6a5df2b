"""HEAD answered wherever GET is: the GET's status and headers without its body.

HTTP requires HEAD on every GET resource, and feed clients and monitors use it to see
whether something changed (``ETag``, ``Last-Modified``, ``Content-Length``) without
downloading it. FastAPI routes list GET only, so this middleware runs a HEAD as the GET
and drops the body on the way out.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """ASGI middleware: a HEAD request is served as GET, its response body withheld."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the rest follows; only the last (empty) part goes out
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
