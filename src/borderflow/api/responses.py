"""Conditional responses and paging links.

Every successful GET carries a strong ``ETag`` (SHA-256 of the body) and, where the data
has a time, ``Last-Modified``. ``If-None-Match`` (a list of tags, ``W/`` tags compared
weakly, ``*``) answers 304 when it matches either encoding's tag; without it,
``If-Modified-Since`` answers 304 when the data is not newer (to the second). An HTTP
date cannot tell two changes within one second apart, so a time less than a second old
is not sent (and not used for 304): the client asks in full next time. A 304 has
no body. Large bodies go gzip-compressed to clients whose ``Accept-Encoding`` allows it.
"""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response
from starlette.datastructures import Headers

from borderflow.api.caching import Rendered

#: Clients may keep a copy but must revalidate it (cheap: 304 when unchanged).
CACHE_CONTROL = "no-cache"


def http_date(value: dt.datetime) -> str:
    return format_datetime(value.astimezone(dt.UTC), usegmt=True)


def _matches(header: str, *etags: str) -> bool:
    for tag in header.split(","):
        tag = tag.strip().removeprefix("W/")
        if tag == "*" or tag in etags:
            return True
    return False


def accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding header allows gzip (q=0 refuses it)."""
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
            try:
                return float(q) > 0
            except ValueError:
                return False
    return False


def _not_modified_since(header: str, last_modified: dt.datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    if since is None or since.tzinfo is None:
        return False
    return last_modified.replace(microsecond=0) <= since


def send(request: Request, item: Rendered) -> Response:
    """The rendered body, or 304 when the request's validators say the client has it."""
    return conditional(request.headers, item)


def conditional(request_headers: Headers, item: Rendered) -> Response:
    """:func:`send` for the request headers alone (used before routing, too)."""
    packed = item.gzipped is not None and accepts_gzip(request_headers.get("accept-encoding"))
    headers = {"ETag": item.gzip_etag if packed else item.etag, "Cache-Control": CACHE_CONTROL, **item.headers}
    if item.gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
    if packed:
        headers["Content-Encoding"] = "gzip"
    last_modified = item.last_modified
    if last_modified is not None and dt.datetime.now(dt.UTC) - last_modified < dt.timedelta(seconds=1):
        last_modified = None  # the same second may still change it (module doc)
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified)
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        fresh = _matches(if_none_match, item.etag, item.gzip_etag)
    else:
        since = request_headers.get("if-modified-since")
        fresh = since is not None and last_modified is not None and _not_modified_since(since, last_modified)
    if fresh:
        headers.pop("Content-Encoding", None)
        return Response(status_code=304, headers=headers)
    return Response(item.gzipped if packed and item.gzipped is not None else item.body,
                    media_type=item.media_type, headers=headers)


def next_link(request: Request, offset: int, limit: int, has_more: bool) -> str | None:
    """The URL of the next page (same query, ``offset`` moved on), or None on the last page."""
    if not has_more:
        return None
    return str(request.url.include_query_params(offset=offset + limit, limit=limit))


def link_header(next_url: str | None) -> dict[str, str]:
    return {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
