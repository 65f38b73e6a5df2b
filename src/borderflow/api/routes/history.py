"""History of one crossing and lane over a window: raw readings or hourly/daily statistics,
paged as JSON or downloaded as CSV or Parquet; and the hour-of-week profile."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from borderflow.api.auth import engine_of
from borderflow.api.caching import Rendered, rendered
from borderflow.api.models import History, Profile
from borderflow.api.params import (
    Aggregate,
    CrossingId,
    DownloadFormat,
    End,
    Offset,
    SourceFilter,
    Start,
    only_known_query_parameters,
    utc,
)
from borderflow.api.responses import link_header, next_link, send
from borderflow.api.routes import ERRORS, JSON, cached, json_bytes
from borderflow.errors import BadInputError
from borderflow.services import queries
from borderflow.vocabulary import Direction, Mode, Observation, Program

router = APIRouter(prefix="/api/v1", tags=["history"], dependencies=[Depends(only_known_query_parameters)])

PARQUET = "application/vnd.apache.parquet"
DOWNLOADS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}},
                      PARQUET: {"schema": {"type": "string", "format": "binary"}}},
          "description": "JSON (paged), or the whole page as CSV / Parquet with format=csv|parquet."},
    **ERRORS,
}
_BUCKET_COLUMNS = ("start", "count", "mean_wait_minutes", "p50_wait_minutes", "p90_wait_minutes",
                   "min_wait_minutes", "max_wait_minutes")
DownloadLimit = Annotated[int | None, Query(
    ge=1, le=queries.MAX_DOWNLOAD_ROWS,
    description=f"Rows per page: JSON 1-{queries.MAX_LIMIT} (default 100); CSV/Parquet "
                f"1-{queries.MAX_DOWNLOAD_ROWS} (default {queries.MAX_DOWNLOAD_ROWS}).")]


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c].isoformat() if hasattr(row[c], "isoformat")
                         else row[c] for c in columns])
    return out.getvalue().encode("utf-8")


def _readings_csv(crossing_id: str, mode: str, program: str, rows: list[dict[str, Any]]) -> bytes:
    """Raw readings in the observations CSV, so a download can be ingested elsewhere as is."""
    from borderflow.feeds.observations_csv import write_observations_csv

    out = io.StringIO()
    write_observations_csv((Observation(crossing_id=crossing_id, mode=mode, program=program, **r) for r in rows), out)
    return out.getvalue().encode("utf-8")


def _readings_parquet(crossing_id: str, mode: str, program: str, rows: list[dict[str, Any]]) -> bytes:
    """Raw readings with the columns and types of ``borderflow export --format parquet``,
    whatever the page holds (an empty page, a page without lanes_open, included)."""
    from borderflow.services.export import write_observations_parquet

    out = io.BytesIO()
    write_observations_parquet((Observation(crossing_id=crossing_id, mode=mode, program=program, **r)
                                for r in rows), out)
    return out.getvalue()


def _buckets_parquet(rows: list[dict[str, Any]]) -> bytes:
    """Hourly or daily statistics, typed the same whatever the page holds."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("start", pa.timestamp("us", tz="UTC")), ("count", pa.int64()),
                        *((c, pa.float64()) for c in _BUCKET_COLUMNS[2:])])
    table = pa.Table.from_pylist([{c: r[c] for c in _BUCKET_COLUMNS} for r in rows], schema=schema)
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


@router.get("/crossings/{crossing_id}/lanes/{mode}/{program}/history", response_model=History,
            responses=DOWNLOADS, summary="History of a lane")
async def history(request: Request, crossing_id: CrossingId, mode: Mode, program: Program, start: Start, end: End,
                  aggregate: Aggregate = Aggregate.raw, direction: Direction = Direction.northbound,
                  source: SourceFilter = None, format: DownloadFormat = DownloadFormat.json,
                  limit: DownloadLimit = None, offset: Offset = 0) -> Response:
    """Readings of one lane in ``[start, end)`` (at most 366 days), oldest first.

    ``aggregate=hour`` gives count, mean, p50, p90, min and max of the wait per UTC hour;
    ``day`` per local calendar day. Percentiles interpolate linearly (numpy's default).
    """
    engine = engine_of(request)
    start_utc, end_utc = utc(start, "start"), utc(end, "end")
    assert start_utc is not None and end_utc is not None
    downloading = format is not DownloadFormat.json
    size = limit or (queries.MAX_DOWNLOAD_ROWS if downloading else 100)
    if not downloading and size > queries.MAX_LIMIT:
        raise BadInputError(f"limit must be 1-{queries.MAX_LIMIT} for JSON (CSV and Parquet allow more); got {size}")
    lane = {"start": start_utc, "end": end_utc, "direction": direction.value, "source": source}

    def rows() -> tuple[list[dict[str, Any]], bool]:
        if aggregate is Aggregate.raw:
            page = queries.history_raw(engine, crossing_id, mode.value, program.value, limit=size, offset=offset,
                                       max_limit=queries.MAX_DOWNLOAD_ROWS, **lane)  # type: ignore[arg-type]
            return page.items, page.has_more
        buckets = queries.history_aggregated(engine, crossing_id, mode.value, program.value,
                                             interval=aggregate.value, **lane)  # type: ignore[arg-type]
        return buckets[offset:offset + size], len(buckets) > offset + size

    def compute() -> Rendered:
        items, has_more = rows()
        nxt = next_link(request, offset, size, has_more)
        name = f"{crossing_id}-{mode.value}-{program.value}-{aggregate.value}"
        if format is DownloadFormat.csv:
            body = (_readings_csv(crossing_id, mode.value, program.value, items) if aggregate is Aggregate.raw
                    else _csv(items, _BUCKET_COLUMNS))
            return rendered(body, "text/csv; charset=utf-8", headers={
                "Content-Disposition": f'attachment; filename="{name}.csv"', **link_header(nxt)})
        if format is DownloadFormat.parquet:
            body = (_readings_parquet(crossing_id, mode.value, program.value, items) if aggregate is Aggregate.raw
                    else _buckets_parquet(items))
            return rendered(body, PARQUET, headers={
                "Content-Disposition": f'attachment; filename="{name}.parquet"', **link_header(nxt)})
        key = "readings" if aggregate is Aggregate.raw else "buckets"
        body_model = History.model_validate({
            "crossing_id": crossing_id, "mode": mode.value, "program": program.value, "direction": direction.value,
            "aggregate": aggregate.value, "start": start_utc, "end": end_utc, key: items, "limit": size,
            "offset": offset, "next": nxt})
        return rendered(json_bytes(body_model), JSON, headers=link_header(nxt))

    if downloading:  # large bodies: not kept in memory between requests
        return send(request, await run_in_threadpool(compute))
    return await cached(request, compute)


@router.get("/crossings/{crossing_id}/lanes/{mode}/{program}/profile", response_model=Profile,
            responses=ERRORS, summary="Hour-of-week profile of a lane")
async def profile(request: Request, crossing_id: CrossingId, mode: Mode, program: Program, start: Start, end: End,
                  direction: Direction = Direction.northbound, source: SourceFilter = None) -> Response:
    """Wait statistics for each of the 168 hours of the week (crossing's local time) over ``[start, end)``."""
    engine = engine_of(request)
    start_utc, end_utc = utc(start, "start"), utc(end, "end")

    def compute() -> Rendered:
        assert start_utc is not None and end_utc is not None
        cells = queries.hour_of_week_profile(engine, crossing_id, mode.value, program.value, start=start_utc,
                                             end=end_utc, direction=direction.value, source=source)
        crossing = queries.get_crossing(engine, crossing_id)
        body = Profile.model_validate({
            "crossing_id": crossing_id, "mode": mode.value, "program": program.value, "direction": direction.value,
            "timezone": crossing["timezone"], "start": start_utc, "end": end_utc, "cells": cells})
        return rendered(json_bytes(body), JSON)

    return await cached(request, compute)
