"""Export: the interchange CSV round trip is lossless; volumes as port_code,month,measure,value."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from borderflow.feeds.observations_csv import parse as parse_csv
from borderflow.feeds.observations_csv import write_observations_csv
from borderflow.services.export import ObservationFilter, export_observations, export_volumes
from borderflow.services.ingest import Ingestor, ingest
from borderflow.store.catalog import seed_catalog
from borderflow.store.db import make_engine, migrate
from borderflow.vocabulary import DIRECTIONS, MODES, PROGRAMS, STATUSES, Observation

DATA = Path(__file__).resolve().parent.parent / "data"
UTC = dt.UTC


def _export_csv(engine: Engine, **filters: object) -> str:
    out = io.StringIO()
    export_observations(engine, out, "csv", ObservationFilter(**filters))  # type: ignore[arg-type]
    return out.getvalue()


def test_export_then_import_is_the_identity(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, [str(DATA / "cbp-feed" / "bwtnew-2022-06-29.json"), str(DATA / "cbp-feed" / "bwt-2017-03-17.xml")])
    text = _export_csv(engine)
    header, *rows = text.splitlines()
    assert header == "crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source,direction"
    keys = [tuple(r.split(",")[:4]) for r in rows]
    assert keys == sorted(keys)  # sorted by crossing, mode, program, observed_at
    # import the export into an empty archive, export again: the same bytes
    other = make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    migrate(other)
    seed_catalog(other)
    path = tmp_path / "export.csv"
    path.write_text(text)
    summary = ingest(other, [str(path)])
    assert summary.total("stored") == len(rows) and not summary.refused_anything
    assert _export_csv(other) == text


def test_export_filters(engine: Engine) -> None:
    ingest(engine, [str(DATA / "cbp-feed" / "bwtnew-2022-06-29.json")])
    text = _export_csv(engine, crossing_id="250401", mode="passenger", program="standard")
    rows = text.splitlines()[1:]
    assert rows and all(r.startswith("250401,passenger,standard,") for r in rows)
    start = dt.datetime(2022, 6, 29, 17, tzinfo=UTC)
    late = _export_csv(engine, start=start).splitlines()[1:]
    assert all(r.split(",")[3] >= "2022-06-29T17:00:00Z" for r in late)


def test_parquet_and_json_exports_hold_the_same_rows(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, [str(DATA / "cbp-feed" / "bwt-2014-03-15.xml")])
    csv_rows = _export_csv(engine).splitlines()[1:]
    with open(tmp_path / "o.parquet", "wb") as fh:
        n = export_observations(engine, fh, "parquet", ObservationFilter())
    table = pq.read_table(tmp_path / "o.parquet")
    assert n == table.num_rows == len(csv_rows)
    out = io.StringIO()
    export_observations(engine, out, "json", ObservationFilter())
    items = json.loads(out.getvalue())
    assert len(items) == len(csv_rows) and items[0]["observed_at"].endswith("Z")


def test_volumes_export(engine: Engine) -> None:
    ingest(engine, [str(DATA / "bts" / "border-crossing-entry-us-mexico-1996-01_2025-02.csv.gz")])
    out = io.StringIO()
    export_volumes(engine, out, "csv", port_code="2608")
    lines = out.getvalue().splitlines()
    assert lines[0] == "port_code,site,period,period_start,measure,direction,value,source"
    assert "2608,,month,2024-04-01,Buses,northbound,10,bts" in lines  # San Luis, Apr 2024, Buses: 10 in the BTS file


def test_every_stored_count_exports_and_ingests_back_into_another_archive(engine: Engine, tmp_path: Path) -> None:
    """BTS, TxDOT bridges and Cascade daily truck counts: the whole volumes table round-trips."""
    from sqlalchemy import select

    from borderflow.store.db import make_engine, migrate
    from borderflow.store.schema import volumes

    ingest(engine, [str(DATA / "bts" / "border-crossing-entry-us-mexico-1996-01_2025-02.csv.gz"),
                    *(str(p) for p in sorted((DATA / "txdot").glob("*"))),
                    *(str(p) for p in sorted((DATA / "cascade").glob("*volume*")))])
    path = tmp_path / "volumes.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        written = export_volumes(engine, fh, "csv")
    other = make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    migrate(other)
    summary = ingest(other, [str(path)])
    assert summary.files[0].format == "volumes-csv" and not summary.refused_anything

    def rows(e: Engine) -> list[tuple[object, ...]]:
        t = volumes.c
        with e.connect() as conn:
            return sorted(conn.execute(select(t.port_code, t.site, t.period, t.period_start, t.measure,
                                              t.direction, t.value, t.source)).all())

    mine = rows(engine)
    assert written == len(mine) and rows(other) == mine
    assert {r[-1] for r in mine} >= {"bts", "txdot"} and any(r[1] for r in mine)  # bridge-level rows too


observations = st.builds(
    Observation,
    crossing_id=st.sampled_from(["250401", "535501", "240201", "300402"]),
    mode=st.sampled_from(MODES),
    program=st.sampled_from(PROGRAMS),
    observed_at=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2025, 12, 31),  # the past: see FUTURE_SLACK
                             timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0)),
    wait_minutes=st.none() | st.integers(0, 600),
    lanes_open=st.none() | st.integers(0, 40),
    status=st.none() | st.sampled_from(STATUSES),
    source=st.sampled_from(["test", "scraper-a"]),
    direction=st.sampled_from(DIRECTIONS),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(observations, max_size=30))
def test_ingesting_twice_equals_once_and_export_reads_back(sqlite_engine: Engine, batch: list[Observation]) -> None:
    from borderflow.store import schema

    with sqlite_engine.begin() as conn:
        conn.execute(schema.observations.delete())
        conn.execute(schema.payloads.delete())
        conn.execute(schema.conflicts.delete())
    buffer = io.StringIO()
    write_observations_csv(batch, buffer)
    data = buffer.getvalue().encode()
    first = Ingestor(sqlite_engine).ingest_bytes(data, "batch.csv")
    snapshot = _export_csv(sqlite_engine)
    second = Ingestor(sqlite_engine).ingest_bytes(data, "batch.csv")
    assert second.stored == 0
    assert _export_csv(sqlite_engine) == snapshot  # twice == once
    # what was exported parses back to exactly the stored readings (first of each key)
    kept: dict[tuple, Observation] = {}
    for obs in batch:
        kept.setdefault(obs.key, obs)
    exported = parse_csv(snapshot.encode()).observations
    assert sorted(exported, key=lambda o: (o.key, o.values)) == sorted(kept.values(), key=lambda o: (o.key, o.values))
    assert first.stored == len(kept)
