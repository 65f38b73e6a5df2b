"""Request parameters shared by the routes: identifiers, filters, paging, instants.

Every string parameter has a pattern, so nothing unexpected reaches a query; every
number has bounds. Instants are ISO 8601 with an offset or Z (an instant without an
offset is refused: guessing a zone would shift readings).
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any, Literal

from fastapi import Path, Query, Request
from pydantic import AfterValidator, AwareDatetime

from borderflow.errors import BadInputError
from borderflow.services.queries import MAX_LIMIT

CrossingId = Annotated[str, Path(pattern=r"^[0-9]{6}$", description="CBP's 6-digit crossing number (port_number).",
                                 examples=["250401"])]
PortCode = Annotated[str, Path(pattern=r"^[0-9]{4}$", description="4-digit CBP port code.", examples=["2504"])]
CrossingFilter = Annotated[str | None, Query(pattern=r"^[0-9]{6}$", description="Only this 6-digit crossing.")]
PortFilter = Annotated[str | None, Query(pattern=r"^[0-9]{4}$", description="Only this 4-digit port code.")]
StateFilter = Annotated[str | None, Query(pattern=r"^[A-Za-z][A-Za-z .'-]{0,39}$",
                                          description="US state, full name, any case (e.g. Texas).")]
SourceFilter = Annotated[str | None, Query(pattern=r"^[^\s\x00-\x1f\x7f]([^\x00-\x1f\x7f]{0,38}[^\s\x00-\x1f\x7f])?$",
                                           description="Only readings of this source (e.g. cbp-feed): any source "
                                                       "name the archive accepts, at most 40 characters.")]
MeasureFilter = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ,./()&'-]{0,59}$",
                                            description="BTS measure, any case (e.g. Personal Vehicles).")]
MonthParam = Annotated[str | None, Query(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="Month YYYY-MM.")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Rows per page, 1-{MAX_LIMIT}.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")]
def _in_range(value: dt.datetime | None) -> dt.datetime | None:
    """An instant BorderFlow can compute with (a day either side must still be a date)."""
    if value is not None and not FIRST_YEAR <= value.astimezone(dt.UTC).year <= LAST_YEAR:
        raise ValueError(f"must be an instant in the years {FIRST_YEAR}-{LAST_YEAR}")
    return value


FIRST_YEAR, LAST_YEAR = 1900, 2200
Instant = Annotated[AwareDatetime, AfterValidator(_in_range)]
At = Annotated[Instant | None, Query(description="The state as it stood at this instant "
                                           "(ISO 8601 with offset or Z); omitted = now.")]
Start = Annotated[Instant, Query(description="Window start, inclusive (ISO 8601 with offset or Z).")]
End = Annotated[Instant, Query(description="Window end, exclusive (ISO 8601 with offset or Z); "
                                     "at most 366 days after start.")]


class Border(str, Enum):
    mexico = "mexico"
    canada = "canada"


class Aggregate(str, Enum):
    raw = "raw"
    hour = "hour"
    day = "day"


class DownloadFormat(str, Enum):
    json = "json"
    csv = "csv"
    parquet = "parquet"


VolumeLevel = Literal["port", "site", "all"]
AverageKind = Literal["mean", "min", "max"]


def utc(value: dt.datetime | None, name: str) -> dt.datetime | None:
    """An aware instant converted to UTC; BadInputError when it cannot be (year 1 at +14:00)."""
    if value is None:
        return None
    try:
        return value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise BadInputError(f"{name} {value.isoformat()} is outside the range of UTC timestamps") from None


async def only_known_query_parameters(request: Request) -> None:
    """Refuse a query parameter the route does not take (422), naming it and the ones it
    does: a misspelt filter (``?port=2304`` for ``port_code``) would otherwise be dropped
    and the answer hold everything, which reads like the filtered one."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known: set[str] = set()
    single: set[str] = set()
    pending = [dependant]
    while pending:  # the route's own parameters and those of its dependencies
        node = pending.pop()
        known.update(p.alias for p in node.query_params)
        single.update(p.alias for p in node.query_params if not _many(p.field_info.annotation))
        pending.extend(node.dependencies)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        taken = ", ".join(sorted(known)) or "none"
        raise BadInputError(f"unknown query parameter(s) {', '.join(repr(u[:40]) for u in unknown[:5])}; "
                            f"this address takes: {taken}")
    # a parameter of one value given twice (?at=A&at=B): the last would silently win
    twice = sorted(name for name in single if len(request.query_params.getlist(name)) > 1)
    if twice:
        raise BadInputError(f"query parameter(s) {', '.join(repr(t) for t in twice)} given more than once; "
                            "give each once")


def _many(annotation: Any) -> bool:
    """Whether a parameter's type takes several values (a list, maybe optional)."""
    import typing

    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    return any(_many(arg) for arg in typing.get_args(annotation)) if origin is not None else False
