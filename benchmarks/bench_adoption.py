"""Adopt a revised BTS release record by record and in batches, and compare.

Builds an archive through the real ingest path: the first N counts of the BTS file in
``tests/data`` as first published, then the same counts re-published with every value
revised, so N clashes are kept aside. Two copies of it are made. On one, a plain
reference applies the adoption one record at a time with the statements ``conflicts
adopt`` used before it wrote in batches (an UPDATE of the record, a look-up of the
replaced version's row and file, an INSERT or UPDATE of it, a link to its file, an
INSERT of the adoption, two UPDATEs of the clashes: some eight statements a record);
on the other, :func:`borderflow.services.adoption.adopt` writes them in batches. Both
hold the write lock the same way and plan the same way; only the writes differ.

Printed per database: seconds, records per second, the ratio, and whether the two
archives hold the same rows afterwards (stored counts, clashes, their files, adoptions,
ids included). With ``--undo`` the run is undone both ways too, and compared again.

    python benchmarks/bench_adoption.py [--records 50000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--undo]

``--pg`` names a server database used to create (and drop) two scratch databases.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import gzip
import io
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, select, text

from borderflow.services import adoption
from borderflow.services.ingest import Ingestor
from borderflow.store.catalog import seed_catalog
from borderflow.store.db import make_engine, migrate, open_database, writing
from borderflow.store.schema import (
    adoptions,
    conflict_files,
    conflicts,
    historical_averages,
    payloads,
    volumes,
)
from borderflow.store.writes import link_files, values_text

BTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "bts" / "border-crossing-entry-us-mexico-1996-01_2025-02.csv.gz"
AT = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)
UNDO_AT = AT + dt.timedelta(hours=1)
BY = "bench (login)"


# -- the archive: two releases of BTS counts ---------------------------------------------


def releases(records: int) -> tuple[bytes, bytes]:
    """The first ``records`` counts of the BTS file (by port, month, measure) as published,
    and again with every value revised."""
    with gzip.open(BTS, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = sorted(reader, key=lambda r: (r[2], dt.datetime.strptime(r[4], "%b %Y"), r[5]))
    if records > len(rows):
        sys.exit(f"--records must be at most {len(rows)} (the counts of {BTS.name}); got {records}")
    first = rows[:records]
    revised = [[*r[:6], str(int(r[6]) + 1 + int(r[6]) // 50), *r[7:]] for r in first]
    return _csv(header, first), _csv(header, revised)


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def build(engine: Engine, first: bytes, later: bytes) -> int:
    """Ingest both releases; the number of clashes the second one kept aside."""
    ingestor = Ingestor(engine)
    for data, name in ((first, "bts-release-1.csv"), (later, "bts-release-2.csv")):
        summary = ingestor.ingest_bytes(data, name)
        if summary.error is not None:
            sys.exit(f"ingest of {name} failed: {summary.error}")
    return int(summary.conflicts)


# -- the reference: one record at a time, with the statements used before batching -------


def reference_adopt(engine: Engine, *, ids: list[int] | None = None, file_contains: str | None = None,
                    at: dt.datetime) -> adoption.AdoptionResult:
    """``adoption.adopt`` as it was written record by record."""
    with writing(engine) as conn:
        result = adoption._plan(conn, ids or (), file_contains, None, dry_run=False)
        if result.refused or not result.changes:
            return result
        result.changes = [_apply(conn, change, result.record_rows[change.conflict_id], BY, "", at)
                          for change in result.changes]
    return result


def _apply(conn: Connection, change: adoption.Change, record_row: int, by: str, why: str,
           at: dt.datetime) -> adoption.Change:
    if change.kind == "volume":
        conn.execute(volumes.update().where(volumes.c.id == record_row)
                     .values(value=float(change.adopted["value"]), payload_sha256=change.payload_sha256))
    else:
        conn.execute(historical_averages.update().where(historical_averages.c.id == record_row)
                     .values(wait_minutes=change.adopted["wait_minutes"], payload_sha256=change.payload_sha256))
    kept_as = _keep_replaced(conn, change, at)
    adoption_id = _inserted(conn, adoptions.insert().values(
        conflict_id=change.conflict_id, replaced_conflict_id=kept_as, kind=change.kind, natural_key=change.key,
        replaced=values_text(change.replaced), replaced_payload_sha256=change.replaced_payload_sha256,
        adopted=values_text(change.adopted), adopted_payload_sha256=change.payload_sha256,
        adopted_at=at, adopted_by=by, why=why))
    c = conflicts.c
    conn.execute(conflicts.update().where(c.id == change.conflict_id).values(status="adopted", adoption_id=adoption_id))
    conn.execute(conflicts.update().where(c.id == kept_as).values(adoption_id=adoption_id))
    return dataclasses.replace(change, kept_as=kept_as, adoption_id=adoption_id)


def _keep_replaced(conn: Connection, change: adoption.Change, at: dt.datetime) -> int:
    c = conflicts.c
    replaced_text, adopted_text = values_text(change.replaced), values_text(change.adopted)
    name = None
    if change.replaced_payload_sha256 is not None:
        name = conn.execute(select(payloads.c.name).where(payloads.c.sha256 == change.replaced_payload_sha256)).scalar()
    row = conn.execute(select(c.id).where(c.kind == change.kind, c.natural_key == change.key,
                                          c.incoming == replaced_text)).first()
    values: dict[str, Any] = {"stored": adopted_text, "status": "replaced"}
    if change.replaced_payload_sha256 is not None:
        values.update(payload_sha256=change.replaced_payload_sha256, source_name=name or "")
    if row is not None:
        conn.execute(conflicts.update().where(c.id == row.id).values(**values))
        kept = int(row.id)
    else:
        kept = _inserted(conn, conflicts.insert().values(
            kind=change.kind, natural_key=change.key, incoming=replaced_text, created_at=at,
            **{"payload_sha256": None, "source_name": "", **values}))
    if name:
        link_files(conn, [kept], change.replaced_payload_sha256, name, at)
    return kept


def _inserted(conn: Connection, statement: Any) -> int:
    key = conn.execute(statement).inserted_primary_key
    assert key is not None
    return int(key[0])


# -- running both, and comparing ---------------------------------------------------------


def run_ids(engine: Engine) -> list[int]:
    """The versions the adoption at ``AT`` replaced (what ``conflicts undo`` adopts)."""
    a = adoptions.c
    with engine.connect() as conn:
        return list(conn.execute(select(a.replaced_conflict_id).where(a.adopted_at == AT, a.adopted_by == BY)).scalars())


def contents(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables an adoption writes, by id."""
    with engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(select(t).order_by(t.c.id))]
                for t in (volumes, historical_averages, conflicts, conflict_files, adoptions)}


def timed(call: Callable[[], adoption.AdoptionResult]) -> tuple[float, adoption.AdoptionResult]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def compare(label: str, records: int, ref: tuple[float, adoption.AdoptionResult],
            new: tuple[float, adoption.AdoptionResult], ref_engine: Engine, new_engine: Engine) -> bool:
    (ref_s, ref_result), (new_s, new_result) = ref, new
    same_result = ref_result.as_dict() == new_result.as_dict()
    same_rows = contents(ref_engine) == contents(new_engine)
    n = len(new_result.changes)
    print(f"  {label}: {n} records (of {records} asked); per record {ref_s:8.2f} s ({n / ref_s:9,.0f}/s), "
          f"batched {new_s:7.2f} s ({n / new_s:9,.0f}/s), ratio {ref_s / new_s:5.1f}x; "
          f"same result: {same_result}, same rows: {same_rows}")
    return same_result and same_rows and not new_result.refused and n == records


def bench(label: str, ref_engine: Engine, new_engine: Engine, records: int, undo: bool) -> bool:
    print(f"{label}:")
    ok = compare("adopt", records,
                 timed(lambda: reference_adopt(ref_engine, file_contains="bts-release-2", at=AT)),
                 timed(lambda: adoption.adopt(new_engine, file_contains="bts-release-2", by=BY, now=AT)),
                 ref_engine, new_engine)
    if undo:
        ids = run_ids(new_engine)
        ok &= compare("undo ", records, timed(lambda: reference_adopt(ref_engine, ids=ids, at=UNDO_AT)),
                      timed(lambda: adoption.adopt(new_engine, ids=ids, by=BY, now=UNDO_AT)),
                      ref_engine, new_engine)
    return ok


def on_sqlite(first: bytes, later: bytes, records: int, undo: bool) -> bool:
    workdir = Path(tempfile.mkdtemp(prefix="bench-adoption-"))
    try:
        base = make_engine(f"sqlite:///{workdir / 'ref.sqlite3'}")
        migrate(base)
        seed_catalog(base)
        kept = build(base, first, later)
        base.dispose()  # the last connection closed folds the WAL into the file
        shutil.copy(workdir / "ref.sqlite3", workdir / "new.sqlite3")
        ref, new = (open_database(f"sqlite:///{workdir / f'{n}.sqlite3'}") for n in ("ref", "new"))
        print(f"archive: {kept} clashes kept aside")
        return bench("SQLite", ref, new, kept, undo)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def pg_scratch(server_url: str) -> Iterator[tuple[str, str]]:
    """Two scratch databases on the server of ``server_url`` (the second made later as a
    copy of the first), dropped after."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    run = uuid.uuid4().hex[:8]
    names = [f"bench_adoption_{run}_{n}" for n in ("ref", "new")]
    base = server_url.rsplit("/", 1)[0]
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{names[0]}"'))
        yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def on_postgresql(server_url: str, first: bytes, later: bytes, records: int, undo: bool) -> bool:
    with pg_scratch(server_url) as (ref_url, new_url):
        base = make_engine(ref_url)
        migrate(base)
        seed_catalog(base)
        kept = build(base, first, later)
        base.dispose()
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{new_url.rsplit("/", 1)[1]}" TEMPLATE "{ref_url.rsplit("/", 1)[1]}"'))
        admin.dispose()
        ref, new = make_engine(ref_url), make_engine(new_url)
        print(f"archive: {kept} clashes kept aside")
        try:
            return bench("PostgreSQL", ref, new, kept, undo)
        finally:
            ref.dispose()
            new.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000, help="revised counts to adopt (default 50000)")
    parser.add_argument("--pg", default=None, help="a PostgreSQL server database URL, to run there too")
    parser.add_argument("--undo", action="store_true", help="also undo the run both ways, and compare")
    args = parser.parse_args()
    if args.records < 1:
        sys.exit(f"--records must be a whole number of at least 1; got {args.records}")
    first, later = releases(args.records)
    ok = on_sqlite(first, later, args.records, args.undo)
    if args.pg:
        ok &= on_postgresql(args.pg, first, later, args.records, args.undo)
    if not ok:
        sys.exit("the batched adoption did not write what the record-by-record one wrote")


if __name__ == "__main__":
    main()
