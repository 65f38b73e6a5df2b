"""Adopting a kept-aside version of a record as the stored one, deliberately and traceably.

An ingest never changes a stored record: when a source publishes a record again with
other values (BTS revising earlier months, TxDOT or Cascade re-exporting, CBP re-issuing
its averages) the new version is kept aside in ``conflicts``, open. Adopting it makes it
the stored record: its values, and the payload it came from, so every stored record still
names the file its values are in.

The rules:

- **Volumes and historical averages only** (:data:`ADOPTABLE_KINDS`). A wait-time
  reading is refused: the current waits and the CBP-compatible feed already show, at each
  instant, the version its source had published last by then, read from its clashes as
  they are kept; replacing the stored reading would make a replay of an earlier instant
  show a version not yet published then.
- **Never over values the user has not seen.** A clash is adopted only while the stored
  record holds the values it was kept against (its ``stored``). When an adoption has
  changed the record since, the clash is *stale* and refused; ingesting its file again
  keeps it against the current values (:func:`borderflow.store.writes.record_conflicts`).
- **All or none.** The clashes asked for are adopted in one transaction, or, when any
  one is refused (unknown, a reading, stale, two versions of one record), none is, and
  every refusal is reported. A clash adopted before whose values are still stored is
  left as it is (asking again is safe).
- **Nothing lost.** The version an adoption replaces is kept in ``conflicts`` with status
  ``replaced``, its values and the payload they came from; adopting it puts it back. The
  adopted clash becomes ``adopted``. Every adoption is a row of ``adoptions`` (never
  changed): the record, the values and payload before and after, who, when and why. A
  new row there also moves the archive's version, so cached API answers are rebuilt.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Row, and_, bindparam, exists, func, select

from borderflow.errors import BadInputError, NotFoundError
from borderflow.store.db import writing
from borderflow.store.schema import (
    adoptions,
    conflict_files,
    conflicts,
    historical_averages,
    payloads,
    volumes,
)
from borderflow.store.writes import ADOPTABLE_KINDS, CHUNK, values_text, volume_key_text

#: Every kind of clash the ``conflicts`` table keeps.
KINDS = ("observation", "volume", "historical_average")
#: What each adoptable kind is called in a message.
_NAMED = {"volume": "count", "historical_average": "historical average"}
#: Why a wait-time reading is not adopted, said where one is asked for.
READINGS_RULE = ("wait-time readings are not adopted: the current waits and the CBP-compatible feed already show "
                 "each reading as its source had published it last by then; adopt volumes and historical averages")
MAX_LIMIT = 100_000


@dataclass(frozen=True)
class Change:
    """One clash adopted (or, in a dry run, that would be): the record's values and payload
    before (``replaced``) and after (``adopted``)."""

    conflict_id: int
    kind: str
    key: str
    replaced: dict[str, Any]
    replaced_payload_sha256: str | None
    adopted: dict[str, Any]
    payload_sha256: str | None
    file: str
    #: The ``conflicts`` row that keeps the replaced version, and the adoption (None in a dry run).
    kept_as: int | None = None
    adoption_id: int | None = None


@dataclass(frozen=True)
class Refusal:
    """A clash that cannot be adopted, and the one-line reason naming the fix."""

    conflict_id: int | None
    reason: str


@dataclass
class AdoptionResult:
    """What an adoption did (or would do): ``changes`` when nothing was refused, else
    ``refused`` and no change at all."""

    dry_run: bool
    changes: list[Change] = field(default_factory=list)
    #: Clashes asked for that were adopted before and whose values are stored: left alone.
    already: list[int] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    #: Open clashes of wait-time readings the bulk selection matched and left alone.
    readings_left: int = 0
    #: Replaced versions the bulk selection matched and left, since a file it names holds
    #: the stored version too (adopting them would undo that adoption).
    undoing_left: int = 0
    #: The stored record's row of each change, by clash id (for the writes).
    record_rows: dict[int, int] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "adopted": [asdict(c) for c in self.changes], "already": self.already,
                "refused": [asdict(r) for r in self.refused], "readings_left": self.readings_left,
                "undoing_left": self.undoing_left}


@dataclass(frozen=True)
class _Stored:
    """A stored record: its row id, its values and the payload they came from."""

    row_id: int
    values: dict[str, Any]
    payload_sha256: str | None
    #: More than one stored record has this key text (a '|' in a site or source, allowed
    #: before it was refused): which one a clash is of cannot be told.
    ambiguous: bool = False


def check_kind(kind: str | None, *, adoptable: bool = False) -> None:
    """BadInputError unless ``kind`` (when given) is a kind of clash, or one that can be adopted."""
    if kind is None:
        return
    if adoptable and kind == "observation":
        raise BadInputError(f"--kind observation: {READINGS_RULE}")
    choices = ADOPTABLE_KINDS if adoptable else KINDS
    if kind not in choices:
        raise BadInputError(f"--kind must be one of {', '.join(choices)}; got {kind!r}")


#: The statuses of versions not stored now: kept aside by an ingest, or taken out by an adoption.
NOT_STORED = ("open", "replaced")


def held_by(file_contains: str) -> ColumnElement[bool]:
    """Versions that a file whose name contains ``file_contains`` (any case) holds: the
    first file that brought one or any later one (``conflict_files``)."""
    f = conflict_files.c
    return exists().where(f.conflict_id == conflicts.c.id,
                          f.source_name.icontains(file_contains, autoescape=True))


def adopt(engine: Engine, *, ids: Sequence[int] = (), file_contains: str | None = None, kind: str | None = None,
          by: str, why: str = "", dry_run: bool = False, now: dt.datetime | None = None) -> AdoptionResult:
    """Adopt the clashes ``ids``, or every version of an adoptable kind (``kind``, else
    both) not stored now (open or replaced) that files whose name contains
    ``file_contains`` hold, less those that would undo an adoption of a version those
    files hold too; see the module's rules.

    ``by`` is who adopts (kept with each adoption), ``why`` the reason (may be empty). A
    dry run checks and reports everything and writes nothing.
    """
    if bool(ids) == (file_contains is not None):
        raise BadInputError("name the clashes to adopt: their ids, or --file with a part of their files' names")
    check_kind(kind, adoptable=True)
    at = now or dt.datetime.now(dt.UTC)
    if dry_run:
        with engine.connect() as conn:
            return _plan(conn, ids, file_contains, kind, dry_run=True)
    with writing(engine) as conn:  # takes turns with ingests: what was checked is what is written
        result = _plan(conn, ids, file_contains, kind, dry_run=False)
        if result.refused or not result.changes:
            return result
        result.changes = _write(conn, result.changes, result.record_rows, by, why, at)
    return result


def undo(engine: Engine, adoption_id: int, *, by: str, why: str = "", dry_run: bool = False,
         now: dt.datetime | None = None) -> AdoptionResult:
    """Undo the run of adoptions ``adoption_id`` was made in (one ``conflicts adopt``: the
    same time and account): adopt every version that run replaced, all or none."""
    a = adoptions.c
    with engine.connect() as conn:
        first = conn.execute(select(a.adopted_at, a.adopted_by).where(a.id == adoption_id)).first()
        if first is None:
            raise NotFoundError(f"no adoption {adoption_id}; 'borderflow conflicts history' lists them with their ids")
        ids = list(conn.execute(select(a.replaced_conflict_id).where(
            a.adopted_at == first.adopted_at, a.adopted_by == first.adopted_by)).scalars())
    return adopt(engine, ids=ids, by=by, why=why, dry_run=dry_run, now=now)


def _plan(conn: Connection, ids: Sequence[int], file_contains: str | None, kind: str | None,
          *, dry_run: bool) -> AdoptionResult:
    """The changes an adoption makes, or the refusals that stop it: reads only."""
    result = AdoptionResult(dry_run=dry_run)
    c = conflicts.c
    if ids:
        wanted = sorted(set(ids))
        rows = [r for start in range(0, len(wanted), CHUNK) for r in _rows(conn, c.id.in_(wanted[start:start + CHUNK]))]
        for missing in sorted(set(wanted) - {r.id for r in rows}):
            result.refused.append(Refusal(missing, f"no clash {missing}; 'borderflow conflicts --all' lists them "
                                                   "with their ids"))
    else:
        assert file_contains is not None
        where = [c.status.in_(NOT_STORED), held_by(file_contains)]
        rows = _rows(conn, *where, c.kind.in_([kind] if kind else ADOPTABLE_KINDS))
        rows = _leave_undoing(conn, rows, file_contains, result)
        if kind is None:
            result.readings_left = conn.execute(select(func.count()).select_from(conflicts).where(
                *where, c.kind == "observation")).scalar_one()
    by_record: dict[tuple[str, str], list[Row[Any]]] = defaultdict(list)
    for row in rows:
        if row.kind not in ADOPTABLE_KINDS:
            result.refused.append(Refusal(row.id, f"clash {row.id}: {READINGS_RULE}"))
        else:
            by_record[(row.kind, row.natural_key)].append(row)
    stored = {k: stored_records(conn, k, sorted(key for kind_, key in by_record if kind_ == k)) for k in ADOPTABLE_KINDS}
    for (record_kind, key), versions in sorted(by_record.items(), key=lambda item: item[1][0].id):
        if len(versions) > 1:
            numbers = ", ".join(str(v.id) for v in versions)
            result.refused.append(Refusal(versions[0].id, f"clashes {numbers} are versions of one "
                                          f"{_NAMED[record_kind]} ({key}); adopt one of them"))
            continue
        row = versions[0]
        current = stored[record_kind].get(key)
        if current is None:
            result.refused.append(Refusal(row.id, f"clash {row.id}: the stored {_NAMED[record_kind]} {key} is not in "
                                                  "the archive, so there is nothing to replace; ingest its file again "
                                                  "to store it"))
            continue
        if current.ambiguous:
            result.refused.append(Refusal(row.id, f"clash {row.id}: more than one stored {_NAMED[record_kind]} has "
                                                  f"the key {key} (a '|' in a site or source), so which one it "
                                                  "revises cannot be told; it is not adopted"))
            continue
        now_text = values_text(current.values)
        if row.status == "adopted" and now_text == row.incoming:
            result.already.append(row.id)
        elif now_text != row.stored:
            result.refused.append(Refusal(row.id, _stale(row, record_kind, key, now_text)))
        else:
            result.changes.append(Change(
                conflict_id=row.id, kind=record_kind, key=key, replaced=current.values,
                replaced_payload_sha256=current.payload_sha256, adopted=json.loads(row.incoming),
                payload_sha256=row.payload_sha256, file=row.source_name))
            result.record_rows[row.id] = current.row_id
    result.refused.sort(key=lambda r: r.conflict_id or 0)
    if result.refused:  # all or none
        result.changes, result.record_rows = [], {}
    return result


def _leave_undoing(conn: Connection, rows: list[Row[Any]], file_contains: str,
                   result: AdoptionResult) -> list[Row[Any]]:
    """``rows`` without the replaced versions of records whose stored version a file the
    selection names holds too: adopting them would undo an adoption of that file's
    version, so ``--file`` asked twice would go back and forth (adopt those by id)."""
    replaced = [r for r in rows if r.status == "replaced"]
    if not replaced:
        return rows
    c = conflicts.c
    undoing: set[int] = set()
    for start in range(0, len(replaced), CHUNK):
        chunk = replaced[start:start + CHUNK]
        held = conn.execute(select(c.kind, c.natural_key).where(
            c.status == "adopted", c.natural_key.in_(sorted({r.natural_key for r in chunk})),
            held_by(file_contains)))
        stored_held = {(r.kind, r.natural_key) for r in held}
        undoing.update(r.id for r in chunk if (r.kind, r.natural_key) in stored_held)
    result.undoing_left = len(undoing)
    return [r for r in rows if r.id not in undoing]


def _stale(row: Row[Any], kind: str, key: str, now_text: str) -> str:
    again = f"ingest its file again ({row.source_name}"
    if row.payload_sha256:
        again += f"; 'borderflow payload {row.payload_sha256[:12]} -o FILE' gives it back"
    return (f"clash {row.id} is stale: the stored {_NAMED[kind]} {key} holds {_shown(now_text)} now, not "
            f"{_shown(row.stored)} as when the clash was kept; {again}) to keep it against the current values, "
            "then adopt it")


def _shown(text: str) -> str:
    return ", ".join(f"{k} {v}" for k, v in json.loads(text).items())


def _rows(conn: Connection, *where: Any) -> list[Row[Any]]:
    c = conflicts.c
    return list(conn.execute(select(c.id, c.kind, c.natural_key, c.stored, c.incoming, c.payload_sha256,
                                    c.source_name, c.status).where(*where).order_by(c.id)))


#: The port of a count's key (``2304||month|2024-01-01|Trucks|...``) and every date that
#: may be its first day (a '|' kept in a site or source may read as more), to narrow the
#: search; the whole key is compared after.
_VOLUME_PORT = re.compile(r"^([^|]*)\|")
_VOLUME_START = re.compile(r"\|(?:month|day)\|(\d{4}-\d{2}-\d{2})(?=\|)")


def stored_records(conn: Connection, kind: str, keys: list[str]) -> dict[str, _Stored]:
    """The stored records of ``keys`` (as the ``conflicts`` table writes them) that exist."""
    found: dict[str, _Stored] = {}
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start:start + CHUNK]
        if kind == "historical_average":
            h = historical_averages.c
            for r in conn.execute(select(h.id, h.natural_key, h.wait_minutes, h.payload_sha256)
                                  .where(h.natural_key.in_(chunk))):
                found[r.natural_key] = _Stored(r.id, {"wait_minutes": r.wait_minutes}, r.payload_sha256)
            continue
        ports = {m.group(1) for m in map(_VOLUME_PORT.match, chunk) if m is not None}
        starts = {day for k in chunk for d in _VOLUME_START.findall(k) if (day := _day(d)) is not None}
        if not ports or not starts:
            continue
        v = volumes.c
        wanted = set(chunk)
        query = select(v.id, v.port_code, v.site, v.period, v.period_start, v.measure, v.direction, v.source,
                       v.value, v.payload_sha256).where(v.port_code.in_(sorted(ports)), v.period_start.in_(sorted(starts)))
        for count in conn.execute(query):
            key = volume_key_text(count.port_code, count.site, count.period, count.period_start, count.measure,
                                  count.direction, count.source)
            if key in wanted:
                found[key] = _Stored(count.id, {"value": count.value}, count.payload_sha256, ambiguous=key in found)
    return found


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:  # digits in a site or source that read as a date but are none
        return None


#: Changes written per round of batched statements. Each statement goes to the driver
#: once with all its rows (``executemany``: SQLite runs it without a round trip per row,
#: psycopg pipelines it), so a whole release costs a few statements per round, not some
#: eight per record; lists of ids are read back :data:`CHUNK` at a time, under each
#: database's limit of bound values.
WRITE_BATCH = 2_000


def _write(conn: Connection, changes: list[Change], record_rows: dict[int, int], by: str, why: str,
           at: dt.datetime) -> list[Change]:
    """Write checked changes: the stored records, the replaced versions, the adoptions;
    the changes given back with where each replaced version is kept and its adoption.

    ``conn`` holds the archive's write lock (:func:`borderflow.store.db.writing`): no other
    adoption writes meanwhile, so the adoptions past the newest one before are this run's.
    """
    a = adoptions.c
    newest_before = conn.execute(select(func.max(a.id))).scalar() or 0
    written: list[Change] = []
    for start in range(0, len(changes), WRITE_BATCH):
        written.extend(_write_batch(conn, changes[start:start + WRITE_BATCH], record_rows, by, why, at,
                                    newest_before))
    return written


def _write_batch(conn: Connection, changes: list[Change], record_rows: dict[int, int], by: str, why: str,
                 at: dt.datetime, newest_before: int) -> list[Change]:
    """One round of :func:`_write`. The changes are of distinct records (the plan refuses
    two versions of one), so no write of one change meets another's rows."""
    texts = [(values_text(change.replaced), values_text(change.adopted)) for change in changes]
    _store_adopted(conn, changes, record_rows)
    kept = _keep_replaced(conn, changes, texts, at)
    a = adoptions.c
    conn.execute(adoptions.insert(), [
        {"conflict_id": change.conflict_id, "replaced_conflict_id": kept_as, "kind": change.kind,
         "natural_key": change.key, "replaced": replaced, "replaced_payload_sha256": change.replaced_payload_sha256,
         "adopted": adopted, "adopted_payload_sha256": change.payload_sha256, "adopted_at": at, "adopted_by": by,
         "why": why}
        for change, kept_as, (replaced, adopted) in zip(changes, kept, texts)])
    adopted_ids = [change.conflict_id for change in changes]
    adoption_of: dict[int, int] = {}
    for start in range(0, len(adopted_ids), CHUNK):
        adoption_of.update((int(r.conflict_id), int(r.id)) for r in conn.execute(select(a.conflict_id, a.id).where(
            a.id > newest_before, a.conflict_id.in_(adopted_ids[start:start + CHUNK]))))
    ids = [adoption_of[number] for number in adopted_ids]
    c = conflicts.c
    conn.execute(conflicts.update().where(c.id == bindparam("row")).values(
        status=bindparam("new_status"), adoption_id=bindparam("adoption")),
        [{"row": number, "new_status": "adopted", "adoption": i} for number, i in zip(adopted_ids, ids)])
    conn.execute(conflicts.update().where(c.id == bindparam("row")).values(adoption_id=bindparam("adoption")),
                 [{"row": kept_as, "adoption": i} for kept_as, i in zip(kept, ids)])
    return [replace(change, kept_as=kept_as, adoption_id=i) for change, kept_as, i in zip(changes, kept, ids)]


def _store_adopted(conn: Connection, changes: list[Change], record_rows: dict[int, int]) -> None:
    """The adopted values, and the payload they came from, into the stored records."""
    volume = [{"row": record_rows[c.conflict_id], "new_value": float(c.adopted["value"]),
               "payload": c.payload_sha256} for c in changes if c.kind == "volume"]
    average = [{"row": record_rows[c.conflict_id], "new_value": c.adopted["wait_minutes"],
                "payload": c.payload_sha256} for c in changes if c.kind != "volume"]
    if volume:
        conn.execute(volumes.update().where(volumes.c.id == bindparam("row")).values(
            value=bindparam("new_value"), payload_sha256=bindparam("payload")), volume)
    if average:
        h = historical_averages.c
        conn.execute(historical_averages.update().where(h.id == bindparam("row")).values(
            wait_minutes=bindparam("new_value"), payload_sha256=bindparam("payload")), average)


def _keep_replaced(conn: Connection, changes: list[Change], texts: list[tuple[str, str]],
                   at: dt.datetime) -> list[int]:
    """The ``conflicts`` rows that keep the versions ``changes`` replace, as ``replaced``,
    one per change: the row of that version when there is one (it was adopted before, or
    kept aside), else a new one. Each names the payload the replaced values came from,
    and is linked to that payload's file. ``texts``: each change's replaced and adopted
    values as :func:`values_text` writes them."""
    c = conflicts.c
    shas = sorted({sha for change in changes if (sha := change.replaced_payload_sha256) is not None})
    names: dict[str, str] = {}
    for start in range(0, len(shas), CHUNK):
        names.update((r.sha256, r.name) for r in conn.execute(select(payloads.c.sha256, payloads.c.name).where(
            payloads.c.sha256.in_(shas[start:start + CHUNK]))))
    version = [(change.kind, change.key, replaced) for change, (replaced, _) in zip(changes, texts)]
    rows = _version_rows(conn, version)
    shapes: dict[bool, list[dict[str, Any]]] = {True: [], False: []}  # with the payload and file, and without
    new: list[dict[str, Any]] = []
    for change, (replaced, adopted), k in zip(changes, texts, version):
        sha = change.replaced_payload_sha256
        values: dict[str, Any] = {"stored": adopted, "status": "replaced", "payload_sha256": None, "source_name": ""}
        if sha is not None:
            values.update(payload_sha256=sha, source_name=names.get(sha) or "")
        if k in rows:
            shapes[sha is not None].append({"row": rows[k], **{f"new_{n}": v for n, v in values.items()}})
        else:
            new.append({"kind": change.kind, "natural_key": change.key, "incoming": replaced, "created_at": at,
                        **values})
    for named, updates in shapes.items():
        if updates:
            columns = ("stored", "status", *(("payload_sha256", "source_name") if named else ()))
            conn.execute(conflicts.update().where(c.id == bindparam("row")).values(
                {n: bindparam(f"new_{n}") for n in columns}), updates)
    if new:
        conn.execute(conflicts.insert(), new)
        rows.update(_version_rows(conn, [(r["kind"], r["natural_key"], r["incoming"]) for r in new]))
    kept = [rows[k] for k in version]
    _link_replaced(conn, [(kept_as, sha, names.get(sha) or "") for kept_as, change in zip(kept, changes)
                          if (sha := change.replaced_payload_sha256) is not None], at)
    return kept


def _version_rows(conn: Connection, versions: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], int]:
    """The ``conflicts`` row of each version (kind, key, values text) that has one."""
    c = conflicts.c
    wanted = set(versions)
    found: dict[tuple[str, str, str], int] = {}
    for kind in sorted({v[0] for v in versions}):
        keys = sorted({v[1] for v in versions if v[0] == kind})
        for start in range(0, len(keys), CHUNK):
            for r in conn.execute(select(c.id, c.natural_key, c.incoming).where(
                    c.kind == kind, c.natural_key.in_(keys[start:start + CHUNK]))):
                if (kind, r.natural_key, r.incoming) in wanted:
                    found[(kind, r.natural_key, r.incoming)] = int(r.id)
    return found


def _link_replaced(conn: Connection, links: list[tuple[int, str | None, str]], at: dt.datetime) -> None:
    """Link each kept version (id, payload, file name) to the file its values are in, once
    (:func:`borderflow.store.writes.link_files` for many files at once)."""
    f = conflict_files.c
    named = [link for link in links if link[2]]
    linked: set[tuple[int, str]] = set()
    for start in range(0, len(named), CHUNK):
        chunk = named[start:start + CHUNK]
        linked.update((int(r.conflict_id), r.source_name) for r in conn.execute(select(
            f.conflict_id, f.source_name).where(f.conflict_id.in_([link[0] for link in chunk]))))
    missing = [{"conflict_id": i, "source_name": name, "payload_sha256": sha, "created_at": at}
               for i, sha, name in named if (i, name) not in linked]
    if missing:
        conn.execute(conflict_files.insert(), missing)


def history(engine: Engine, *, key_contains: str | None = None, file_contains: str | None = None,
            limit: int = 50) -> dict[str, Any]:
    """Adoptions, newest first: ``{"total": n matching, "items": [...]}``. ``file_contains``
    matches the file of either version (the one adopted or the one replaced)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInputError(f"--limit must be a whole number from 1 to {MAX_LIMIT}; got {limit}")
    a = adoptions.c
    before, after = payloads.alias("before"), payloads.alias("after")
    where = []
    if key_contains:
        where.append(a.natural_key.contains(key_contains, autoescape=True))
    if file_contains:
        where.append(before.c.name.icontains(file_contains, autoescape=True)
                     | after.c.name.icontains(file_contains, autoescape=True))
    joined = (adoptions.outerjoin(before, before.c.sha256 == a.replaced_payload_sha256)
              .outerjoin(after, after.c.sha256 == a.adopted_payload_sha256))
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(joined).where(and_(True, *where))).scalar_one()
        rows = conn.execute(select(*a, before.c.name.label("replaced_file"), after.c.name.label("adopted_file"))
                            .select_from(joined).where(and_(True, *where)).order_by(a.id.desc()).limit(limit)).all()
    return {"total": total, "items": [_history_item(r) for r in rows]}


def _history_item(r: Any) -> dict[str, Any]:
    return {
        "id": r.id, "adopted_at": r.adopted_at.isoformat(), "by": r.adopted_by, "why": r.why,
        "conflict_id": r.conflict_id, "replaced_conflict_id": r.replaced_conflict_id, "kind": r.kind,
        "key": r.natural_key, "replaced": json.loads(r.replaced), "replaced_payload_sha256": r.replaced_payload_sha256,
        "replaced_file": r.replaced_file, "adopted": json.loads(r.adopted),
        "payload_sha256": r.adopted_payload_sha256, "file": r.adopted_file,
    }
