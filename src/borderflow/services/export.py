"""Export the archive: observations in the interchange CSV (or Parquet, JSON) and volumes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import Engine, Select, select

from borderflow.errors import BadInputError
from borderflow.store.ordering import in_byte_order
from borderflow.store.schema import observations, volumes
from borderflow.vocabulary import MODES, PROGRAMS, Observation

EXPORT_FORMATS = ("csv", "parquet", "json")
OBSERVATION_COLUMNS = (
    "crossing_id", "mode", "program", "observed_at", "wait_minutes", "lanes_open", "status", "source", "direction",
)
#: Rows fetched from the database at a time; keeps memory flat for any archive size.
BATCH_ROWS = 20_000


@dataclass(frozen=True)
class ObservationFilter:
    crossing_id: str | None = None
    mode: str | None = None
    program: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    source: str | None = None
    direction: str | None = None

    def validate(self) -> None:
        if self.mode is not None and self.mode not in MODES:
            raise BadInputError(f"mode must be one of {', '.join(MODES)}; got {self.mode!r}")
        if self.program is not None and self.program not in PROGRAMS:
            raise BadInputError(f"program must be one of {', '.join(PROGRAMS)}; got {self.program!r}")
        for label, value in (("from", self.start), ("to", self.end)):
            if value is not None and value.tzinfo is None:
                raise BadInputError(f"--{label} needs a time zone offset or Z, e.g. 2024-05-01T00:00:00Z; got {value.isoformat()}")
        if self.start and self.end and self.start > self.end:
            raise BadInputError(f"--from {self.start.isoformat()} is after --to {self.end.isoformat()}; swap them")

    def apply(self, query: Select[Any]) -> Select[Any]:
        t = observations.c
        if self.crossing_id:
            query = query.where(t.crossing_id == self.crossing_id)
        if self.mode:
            query = query.where(t.mode == self.mode)
        if self.program:
            query = query.where(t.program == self.program)
        if self.source:
            query = query.where(t.source == self.source)
        if self.direction:
            query = query.where(t.direction == self.direction)
        if self.start:
            query = query.where(t.observed_at >= self.start)
        if self.end:
            query = query.where(t.observed_at < self.end)
        return query


def iter_observations(engine: Engine, filt: ObservationFilter) -> Iterator[Observation]:
    """Stored observations in export order: crossing, mode, program, observed_at (then
    direction and source, so the order is total)."""
    filt.validate()
    t = observations.c
    query = filt.apply(
        select(t.crossing_id, t.mode, t.program, t.observed_at, t.wait_minutes, t.lanes_open,
               t.status, t.source, t.direction)
    # crossing ids (6 digits) and modes and programs (lowercase words of the vocabulary) sort
    # alike under every collation, so they are left plain: PostgreSQL then streams the export
    # along ix_observations_lane_time instead of sorting the whole table first
    ).order_by(t.crossing_id, t.mode, t.program, t.observed_at, *map(in_byte_order, (t.direction, t.source)))
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(query)
        for row in result:
            yield Observation(
                crossing_id=row[0], mode=row[1], program=row[2], observed_at=row[3], wait_minutes=row[4],
                lanes_open=row[5], status=row[6], source=row[7], direction=row[8],
            )


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def export_observations(engine: Engine, out: IO[Any], format: str, filt: ObservationFilter) -> int:
    """Write observations to ``out`` (text for csv/json, binary for parquet); returns rows."""
    rows = iter_observations(engine, filt)
    if format == "csv":
        from borderflow.feeds.observations_csv import write_observations_csv

        return write_observations_csv(rows, out)
    if format == "json":
        count = 0
        out.write("[")
        for obs in rows:
            item = {c: getattr(obs, c) for c in OBSERVATION_COLUMNS}
            item["observed_at"] = _iso(obs.observed_at)
            out.write(("," if count else "") + "\n" + json.dumps(item))
            count += 1
        out.write("\n]\n")
        return count
    if format == "parquet":
        return write_observations_parquet(rows, out)
    raise BadInputError(f"--format must be one of {', '.join(EXPORT_FORMATS)}; got {format!r}")


def observations_parquet_schema() -> Any:
    """The Parquet schema of readings (the observations CSV's columns, typed): the same
    for an export and an API download, whatever the rows hold (none included)."""
    import pyarrow as pa

    return pa.schema([
        ("crossing_id", pa.string()), ("mode", pa.string()), ("program", pa.string()),
        ("observed_at", pa.timestamp("us", tz="UTC")), ("wait_minutes", pa.int32()),
        ("lanes_open", pa.int32()), ("status", pa.string()), ("source", pa.string()),
        ("direction", pa.string()),
    ])


def write_observations_parquet(rows: Iterable[Observation], out: IO[bytes]) -> int:
    """Readings as Parquet (:func:`observations_parquet_schema`), in batches; the count."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = observations_parquet_schema()
    count = 0
    with pq.ParquetWriter(out, schema) as writer:
        batch: list[Observation] = []

        def flush() -> None:
            columns = {c: [getattr(o, c) for o in batch] for c in OBSERVATION_COLUMNS}
            writer.write_table(pa.table(columns, schema=schema))
            batch.clear()

        for obs in rows:
            batch.append(obs)
            count += 1
            if len(batch) >= BATCH_ROWS:
                flush()
        if batch or count == 0:
            flush()
    return count


def export_volumes(engine: Engine, out: IO[Any], format: str, port_code: str | None = None,
                   source: str | None = None) -> int:
    """Every stored count in the volumes CSV's shape (:mod:`borderflow.feeds.volumes_csv`:
    ``port_code,site,period,period_start,measure,direction,value,source``), which ingest
    reads back; JSON and Parquet hold the same fields. Ordered by port, site, period,
    start, measure, direction, source."""
    from borderflow.feeds.volumes_csv import COLUMNS, write_volumes_csv

    t = volumes.c
    query = select(*(getattr(t, c) for c in COLUMNS)).order_by(
        *map(in_byte_order, (t.port_code, t.site, t.period)), t.period_start,
        *map(in_byte_order, (t.measure, t.direction, t.source)))
    if port_code:
        query = query.where(t.port_code == port_code)
    if source:
        query = query.where(t.source == source)
    with engine.connect() as conn:
        records = [dict(zip(COLUMNS, r)) for r in conn.execute(query)]
    for r in records:
        r["period_start"] = r["period_start"].isoformat()
        r["value"] = int(r["value"]) if float(r["value"]).is_integer() else r["value"]
    if format == "csv":
        return write_volumes_csv(records, out)
    elif format == "json":
        json.dump(records, out, indent=1)
        out.write("\n")
    elif format == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([(c, pa.date32() if c == "period_start" else pa.float64() if c == "value" else pa.string())
                            for c in COLUMNS])
        rows = [{**r, "value": float(r["value"]), "period_start": dt.date.fromisoformat(r["period_start"])}
                for r in records]
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), out)  # typed columns even with no row
    else:
        raise BadInputError(f"--format must be one of {', '.join(EXPORT_FORMATS)}; got {format!r}")
    return len(records)
