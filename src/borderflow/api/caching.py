"""Rendered responses kept per archive version, so hot endpoints answer from memory.

The archive only grows (an adopted revision of a count or an average, the one change of
stored values, adds a row of its own), so
:func:`borderflow.services.queries.archive_version` (largest ids) names its state. A response rendered for one version is reused until the version
changes (or, for answers that depend on the clock, until ``valid_until``). The version
is looked up at most once per ``ttl_seconds``.

- ``ttl_seconds == 0``: looked up for every request (requests arriving while a lookup
  runs share it), and a request whose entry is outdated waits for the new answer: an
  answer is never older than one lookup (about a millisecond).
- ``ttl_seconds > 0``: an outdated entry is still served while one background task
  renders the new one (stale-while-revalidate), so a busy feed never stalls on its
  rebuild: an answer is at most ``ttl_seconds`` plus one rebuild behind the archive.

The API's own writes drop the version at once. Concurrent requests for the same missing
entry share one computation. At most ``max_entries`` responses of at most
``max_body_bytes`` each are kept (least recently used dropped first).

Entries are keyed by the request itself (host, path, raw query string): a route stores
what it rendered under its request's key, and :class:`CachedResponses`, in front of the
routing, answers a GET whose key holds a current entry without routing, validating or
querying again (the entry exists only because the same request was valid before).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from borderflow.services.queries import archive_version

#: Bodies at least this long are also kept gzip-compressed, for clients that accept it.
GZIP_MIN_BYTES = 1024
#: Media types already compressed.
_COMPRESSED_TYPES = ("application/vnd.apache.parquet",)

Key = tuple[str, str, bytes]
log = logging.getLogger("borderflow.api")


@dataclass(frozen=True)
class Rendered:
    """A response body ready to send, with its validators (ETag always).

    ``gzipped`` is the same body gzip-compressed (None when small or already
    compressed); its ETag is ``etag`` with "-gzip" inside the quotes.
    """

    body: bytes
    media_type: str
    etag: str
    last_modified: dt.datetime | None = None
    headers: dict[str, str] = field(default_factory=dict)
    gzipped: bytes | None = None

    @property
    def gzip_etag(self) -> str:
        return self.etag[:-1] + '-gzip"'


def strong_etag(body: bytes) -> str:
    """A strong ETag: the first 32 hex digits of the body's SHA-256, quoted."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def rendered(body: bytes, media_type: str, last_modified: dt.datetime | None = None,
             headers: dict[str, str] | None = None) -> Rendered:
    """A Rendered with its ETag, and its gzip form when the body is large enough to gain."""
    packed = None
    if len(body) >= GZIP_MIN_BYTES and not media_type.startswith(_COMPRESSED_TYPES):
        packed = gzip.compress(body, compresslevel=6, mtime=0)
    return Rendered(body, media_type, strong_etag(body), last_modified, headers or {}, packed)


def request_key(scope: Scope) -> Key:
    """What a GET's body depends on: host (``next`` links are absolute), path, raw query."""
    host = ""
    for name, value in scope.get("headers", ()):
        if name == b"host":
            host = value.decode("latin-1")
            break
    return host, scope.get("path", ""), scope.get("query_string", b"")


class ResponseCache:
    def __init__(self, engine: Engine, ttl_seconds: float = 0.0, max_entries: int = 256,
                 max_body_bytes: int = 4_000_000) -> None:
        self.engine = engine
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self.max_body_bytes = max_body_bytes
        self._version: tuple[int, ...] | None = None
        self._checked = 0.0
        self._lookup: asyncio.Future[tuple[int, ...]] | None = None
        #: key -> (version, response, valid_until, how to render it again)
        self._entries: OrderedDict[Hashable, tuple[tuple[int, ...], Rendered, float | None,
                                                   Callable[[], Rendered]]] = OrderedDict()
        self._background: set[asyncio.Task[None]] = set()
        self._pending: dict[tuple[Hashable, tuple[int, ...]], asyncio.Future[Rendered]] = {}

    def invalidate(self) -> None:
        """Forget the version so the next request looks it up (after a write)."""
        self._checked = 0.0
        self._version = None

    async def version(self) -> tuple[int, ...]:
        if self._version is not None and time.monotonic() - self._checked < self.ttl_seconds:
            return self._version
        if self._lookup is not None:  # one lookup in flight: share its answer
            return await asyncio.shield(self._lookup)
        lookup: asyncio.Future[tuple[int, ...]] = asyncio.get_running_loop().create_future()
        self._lookup = lookup
        started = time.monotonic()
        try:
            version = await run_in_threadpool(archive_version, self.engine)
        except BaseException as exc:
            lookup.set_exception(exc)
            lookup.exception()  # retrieved: only the waiters re-raise it
            raise
        finally:
            self._lookup = None
        self._version, self._checked = version, started
        lookup.set_result(version)
        return version

    async def lookup(self, key: Hashable) -> Rendered | None:
        """The entry for ``key`` if it is current (or may be served while it is renewed), else None."""
        found = self._entries.get(key)
        if found is None:
            return None
        entry_version, item, valid_until, compute = found
        if valid_until is not None and time.time() >= valid_until:
            return None
        version = await self.version()
        if entry_version != version:
            if self.ttl_seconds <= 0:
                return None
            self._renew(key, version, compute, valid_until)
        self._entries.move_to_end(key)
        return item

    def _renew(self, key: Hashable, version: tuple[int, ...], compute: Callable[[], Rendered],
               valid_until: float | None) -> None:
        """Render ``key`` for ``version`` in the background, once."""
        if (key, version) in self._pending:
            return
        future: asyncio.Future[Rendered] = asyncio.get_running_loop().create_future()
        self._pending[(key, version)] = future

        async def renew() -> None:
            try:
                result = await run_in_threadpool(compute)
            except Exception as exc:  # noqa: BLE001 - the next request renders it and reports
                log.warning("renewing a cached answer failed (%s); dropped", type(exc).__name__)
                self._entries.pop(key, None)
                future.set_exception(exc)
                future.exception()
                return
            finally:
                self._pending.pop((key, version), None)
            future.set_result(result)
            self._store(key, version, result, valid_until, compute)

        task = asyncio.get_running_loop().create_task(renew())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _store(self, key: Hashable, version: tuple[int, ...], result: Rendered, valid_until: float | None,
               compute: Callable[[], Rendered]) -> None:
        if len(result.body) <= self.max_body_bytes:
            self._entries[key] = (version, result, valid_until, compute)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    async def get(self, key: Hashable, compute: Callable[[], Rendered], valid_until: float | None = None) -> Rendered:
        """The response for ``key`` at the current version, computing it (in a thread) if needed.

        ``valid_until`` (epoch seconds): the answer also depends on the clock and is
        good until then.
        """
        found = await self.lookup(key)
        if found is not None:
            return found
        version = await self.version()
        pending = self._pending.get((key, version))
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Rendered] = asyncio.get_running_loop().create_future()
        self._pending[(key, version)] = future
        try:
            result = await run_in_threadpool(compute)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it, nobody else must
            raise
        finally:
            self._pending.pop((key, version), None)
        future.set_result(result)
        self._store(key, version, result, valid_until, compute)
        return result


class CachedResponses:
    """ASGI middleware: a GET whose request key holds a current entry is answered from it."""

    def __init__(self, app: ASGIApp, cache: ResponseCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            try:
                item = await self.cache.lookup(request_key(scope))
            except Exception:  # noqa: BLE001 - the database could not answer: the route reports it
                item = None
            if item is not None:
                from borderflow.api.responses import conditional

                response: Any = conditional(Headers(scope=scope), item)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
