"""Adopting a source's revised release: real files re-published with a few values changed,
on SQLite and PostgreSQL alike."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from borderflow.feeds import detect
from borderflow.services import kept_aside, queries
from borderflow.services.adoption import READINGS_RULE, adopt, history
from borderflow.services.export import export_volumes
from borderflow.services.ingest import Ingestor
from borderflow.store import schema
from borderflow.store.db import _alembic_config, migrate
from borderflow.store.writes import volume_key_text
from tests.plans.test_meetings import blank_engine  # noqa: F401  (a fixture: a database without tables)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette asks for httpx2; httpx works
    from fastapi.testclient import TestClient

from borderflow.api import create_app

DATA = Path(__file__).resolve().parent.parent / "data"
BTS = DATA / "bts" / "border-crossing-entry-us-mexico-1996-01_2025-02.csv.gz"
TXDOT = DATA / "txdot" / "monthly_crossings_2008_2025.csv.gz"
CASCADE = DATA / "cascade" / "trucks-daily-volume-2018-01_2020-03.csv"
AVERAGES = DATA / "cbp-historical" / "elpaso-2025-hourly-averages.csv"
LAREDO = "2304"


# -- releases: a real file as first published, and re-published with revised values -------


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def bts_releases(revisions: int = 3, bump: float = 1.03) -> tuple[bytes, bytes, dict[tuple[dt.date, str], float]]:
    """Laredo's BTS counts of 2023-2024 as first published, and the release after it: two
    more months (2025), and the first ``revisions`` counts over 1,000 of 2024 revised by
    ``bump``. Also the revised values: (month, measure) -> count."""
    with gzip.open(BTS, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [r for r in reader if r[2] == LAREDO and r[4][-4:] in ("2023", "2024", "2025")]
    month = {tuple(r): dt.datetime.strptime(r[4], "%b %Y").date() for r in rows}
    rows.sort(key=lambda r: (month[tuple(r)], r[5]))
    first = [r for r in rows if month[tuple(r)].year < 2025]
    chosen = [i for i, r in enumerate(rows) if month[tuple(r)].year == 2024 and float(r[6]) > 1000][:revisions]
    later = [list(r) for r in rows]
    revised = {}
    for i in chosen:
        later[i][6] = str(round(float(rows[i][6]) * bump))
        revised[(month[tuple(rows[i])], rows[i][5])] = float(later[i][6])
    return _csv(header, first), _csv(header, later), revised


def revised_cells(data: bytes, lines: list[int], column: int, change: Callable[[str], str]) -> bytes:
    """``data`` (a CSV) with the cell ``column`` of each of ``lines`` (0 = the header) changed."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    for line in lines:
        rows[line][column] = change(rows[line][column])
    return _csv(rows[0], rows[1:])


def _ingest(engine: Engine, data: bytes, name: str) -> Any:
    summary = Ingestor(engine).ingest_bytes(data, name)
    assert summary.error is None, summary.error
    return summary


def _laredo(engine: Engine) -> dict[tuple[dt.date, str], tuple[float, str | None]]:
    v = schema.volumes.c
    with engine.connect() as conn:
        rows = conn.execute(select(v.period_start, v.measure, v.value, v.payload_sha256)
                            .where(v.port_code == LAREDO, v.source == "bts"))
        return {(r.period_start, r.measure): (r.value, r.payload_sha256) for r in rows}


def _count(engine: Engine, table: Any, *where: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _api_counts(client: TestClient) -> dict[tuple[str, str], float]:
    items = client.get("/api/v1/volumes", params={"port_code": LAREDO, "start_month": "2023-01",
                                                  "end_month": "2025-02", "source": "bts", "limit": 1000}).json()
    return {(i["month"], i["measure"]): i["value"] for i in items["items"]}


def _export(engine: Engine) -> dict[tuple[str, str], float]:
    out = io.StringIO()
    export_volumes(engine, out, "csv", port_code=LAREDO, source="bts")
    return {(r["period_start"], r["measure"]): float(r["value"]) for r in csv.DictReader(io.StringIO(out.getvalue()))}


# -- the workflow ------------------------------------------------------------------------


def test_a_revised_bts_release_is_adopted_everywhere_and_can_be_undone(engine: Engine) -> None:
    first, later, revised = bts_releases()
    one = _ingest(engine, first, "bts/border-crossing-entry-2025-01.csv")
    two = _ingest(engine, later, "bts/border-crossing-entry-2025-03.csv")
    assert (two.stored, two.conflicts) == (two.read - one.read, len(revised))  # the new months, the revisions
    before = _laredo(engine)
    assert all(before[k][0] != value and before[k][1] == one.sha256 for k, value in revised.items())
    open_ = kept_aside.clashes(engine, file_contains="2025-03")
    assert open_["total"] == len(revised) and {i["status"] for i in open_["items"]} == {"open"}

    with TestClient(create_app(engine=engine), raise_server_exceptions=False) as client:
        shown = _api_counts(client)  # rendered, and cached on the archive's version
        assert shown == {(k[0].strftime("%Y-%m"), k[1]): v[0] for k, v in before.items()}
        version = queries.archive_version(engine)

        dry = adopt(engine, file_contains="2025-03", by="tester", dry_run=True)
        assert dry.dry_run and not dry.refused and len(dry.changes) == len(revised)
        assert {(dt.date.fromisoformat(c.key.split("|")[3]), c.key.split("|")[4]): c.adopted["value"]
                for c in dry.changes} == revised
        assert _laredo(engine) == before and _count(engine, schema.adoptions) == 0
        assert kept_aside.clashes(engine)["total"] == len(revised) and queries.archive_version(engine) == version

        done = adopt(engine, file_contains="2025-03", by="tester", why="BTS revised 2024")
        assert not done.refused and [c.conflict_id for c in done.changes] == [c.conflict_id for c in dry.changes]
        after = _laredo(engine)
        for k, (value, payload) in after.items():
            assert (value, payload) == ((revised[k], two.sha256) if k in revised else before.get(k, after[k]))
        assert queries.archive_version(engine) != version  # cached answers are rebuilt
        assert _api_counts(client) == {(k[0].strftime("%Y-%m"), k[1]): v[0] for k, v in after.items()}
    exported = _export(engine)
    assert all(exported[(k[0].isoformat(), k[1])] == value for k, value in revised.items())

    # the same revised release again: nothing stored, nothing clashes
    again = _ingest(engine, later, "bts/border-crossing-entry-2025-03.csv")
    assert (again.stored, again.conflicts, again.duplicates) == (0, 0, again.read)
    assert kept_aside.clashes(engine)["statuses"] == {"open": 0, "replaced": len(revised), "adopted": len(revised)}

    # the replaced versions are kept, naming the file they came from, and can come back
    listed = kept_aside.clashes(engine, every_status=True)
    replaced = [i for i in listed["items"] if i["status"] == "replaced"]
    assert sorted(i["id"] for i in replaced) == sorted(c.kept_as for c in done.changes)  # type: ignore[type-var]
    assert all(i["payload_sha256"] == one.sha256 and i["file"].endswith("2025-01.csv") for i in replaced)
    assert all(i["adoption"]["by"] == "tester" and i["adoption"]["why"] == "BTS revised 2024" for i in listed["items"])
    assert history(engine)["total"] == len(revised)
    undone = adopt(engine, ids=[i["id"] for i in replaced], by="tester", why="back to the January release")
    assert not undone.refused and len(undone.changes) == len(revised)
    assert _laredo(engine) == {**before, **{k: v for k, v in after.items() if k not in before}}
    statuses = {i["id"]: i["status"] for i in kept_aside.clashes(engine, every_status=True)["items"]}
    assert {statuses[c.conflict_id] for c in done.changes} == {"replaced"}
    assert {statuses[c.conflict_id] for c in undone.changes} == {"adopted"}
    assert len(statuses) == 2 * len(revised)  # versions are kept once each, whatever comes back
    log = history(engine)["items"]
    assert [e["why"] for e in log] == ["back to the January release"] * len(revised) + ["BTS revised 2024"] * len(revised)
    assert log[0]["file"].endswith("2025-01.csv") and log[0]["replaced_file"].endswith("2025-03.csv")
    # asking again changes nothing and refuses nothing
    repeat = adopt(engine, ids=[c.conflict_id for c in undone.changes], by="tester")
    assert not repeat.changes and not repeat.refused and repeat.already == [c.conflict_id for c in undone.changes]


def test_a_stale_clash_is_refused_and_nothing_is_adopted(engine: Engine) -> None:
    first, later, revised = bts_releases(revisions=2)
    (a, b) = sorted(revised)
    # a third release revises the first count again, to another value
    rows = list(csv.reader(io.StringIO(later.decode("utf-8"))))
    third = [r if (dt.datetime.strptime(r[4], "%b %Y").date(), r[5]) != a else [*r[:6], str(int(r[6]) + 11), *r[7:]]
             for r in rows[1:]]
    _ingest(engine, first, "bts-2025-01.csv")
    _ingest(engine, later, "bts-2025-03.csv")
    _ingest(engine, _csv(rows[0], third), "bts-2025-04.csv")
    by_file = {name: {i["key"]: i["id"] for i in kept_aside.clashes(engine, file_contains=name)["items"]}
               for name in ("bts-2025-03.csv", "bts-2025-04.csv")}
    key_a = volume_key_text(LAREDO, "", "month", a[0], a[1], "northbound", "bts")
    key_b = volume_key_text(LAREDO, "", "month", b[0], b[1], "northbound", "bts")
    march, april = by_file["bts-2025-03.csv"], by_file["bts-2025-04.csv"]
    # April repeats March's revision of b: one version, held by both files
    assert set(march) == set(april) == {key_a, key_b} and march[key_b] == april[key_b] != march[key_a]

    both = adopt(engine, file_contains="bts-2025", by="tester")  # two versions of one count: not guessed at
    assert not both.changes and [r.conflict_id for r in both.refused] == [march[key_a]]
    assert both.refused[0].reason == (f"clashes {march[key_a]}, {april[key_a]} are versions of one count ({key_a}); "
                                      "adopt one of them")
    original = _laredo(engine)[a][0]
    assert not adopt(engine, ids=[april[key_a]], by="tester").refused
    stored = _laredo(engine)
    late = adopt(engine, ids=[march[key_b], march[key_a]], by="tester")
    assert not late.changes and [r.conflict_id for r in late.refused] == [march[key_a]]
    listed = {i["id"]: i for i in kept_aside.clashes(engine, file_contains="bts-2025-03")["items"]}
    assert listed[march[key_a]]["stale"] == {"value": revised[a] + 11} and listed[march[key_b]]["stale"] is None
    reason = late.refused[0].reason
    assert reason.startswith(f"clash {march[key_a]} is stale: the stored count {key_a} holds value "
                             f"{revised[a] + 11} now, not value {original} as when the clash was kept; ")
    assert "ingest its file again (bts-2025-03.csv; 'borderflow payload " in reason and reason.endswith("then adopt it")
    assert _laredo(engine) == stored and _count(engine, schema.adoptions) == 1  # all or none: b stayed too

    _ingest(engine, later, "bts-2025-03.csv")  # kept again against the values stored now
    fresh = adopt(engine, ids=[march[key_b], march[key_a]], by="tester")
    assert not fresh.refused and {c.conflict_id for c in fresh.changes} == {march[key_a], march[key_b]}
    assert _laredo(engine)[a][0] == revised[a] and _laredo(engine)[b][0] == revised[b]
    assert adopt(engine, ids=[987654], by="tester").refused[0].reason == (
        "no clash 987654; 'borderflow conflicts --all' lists them with their ids")


def test_readings_are_not_adopted_so_the_feed_shows_them_as_published(engine: Engine) -> None:
    header = "crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
    row = "250401,passenger,standard,2026-08-01T12:00:00Z,{},5,delay,city-sensors\n"
    _ingest(engine, (header + row.format(30)).encode(), "sensors-1.csv")
    _ingest(engine, (header + row.format(45)).encode(), "sensors-2.csv")
    (clash,) = kept_aside.clashes(engine)["items"]
    result = adopt(engine, ids=[clash["id"]], by="tester")
    assert not result.changes and result.refused[0].reason == f"clash {clash['id']}: {READINGS_RULE}"
    bulk = adopt(engine, file_contains="sensors", by="tester")
    assert (bulk.changes, bulk.refused, bulk.readings_left) == ([], [], 1)
    assert kept_aside.clashes(engine)["items"][0]["status"] == "open"
    with engine.connect() as conn:
        assert conn.execute(select(schema.observations.c.wait_minutes)).scalar_one() == 30


@pytest.mark.parametrize("source", ["txdot", "cascade", "cbp-averages"])
def test_revised_txdot_cascade_and_cbp_average_files_are_adopted(engine: Engine, source: str) -> None:
    if source == "txdot":
        lines = gzip.decompress(TXDOT.read_bytes()).decode("utf-8").splitlines(keepends=True)
        first = "".join(lines[:200]).encode()
        later = revised_cells(first, [2, 3, 150], 7, lambda v: str(int(v) + 250))
    elif source == "cascade":
        first = b"".join(CASCADE.read_bytes().splitlines(keepends=True)[:40])
        later = revised_cells(first, [2, 30], 2, lambda v: f"{float(v) + 9:.1f}")
    else:
        first = b"".join(AVERAGES.read_bytes().splitlines(keepends=True)[:60])
        later = revised_cells(first, [8, 9], 7, lambda v: f"{float(v) + 2:.1f}")
    _ingest(engine, first, f"{source}-first.csv")
    changed = _ingest(engine, later, f"{source}-revised.csv")
    assert changed.conflicts >= 2
    result = adopt(engine, file_contains="revised", by="tester")
    assert not result.refused and len(result.changes) == changed.conflicts
    parsed = detect.parse_bytes(later, f"{source}-revised.csv")
    if source == "cbp-averages":
        page = queries.historical_averages_page(engine, limit=1000).items
        stored = {(i["month"], i["weekday"], i["hour"]): i["wait_minutes"] for i in page}
        assert stored == {(a.month, a.weekday, a.hour): a.wait_minutes for a in parsed.averages}
    else:
        out = io.StringIO()
        export_volumes(engine, out, "csv")
        stored_counts = {(r["port_code"], r["site"], r["period_start"], r["measure"], r["direction"]): float(r["value"])
                         for r in csv.DictReader(io.StringIO(out.getvalue()))}
        assert stored_counts == {(v.port_code, v.site, v.period_start.isoformat(), v.measure, v.direction): v.value
                                 for v in parsed.volumes}
    assert _ingest(engine, later, f"{source}-revised.csv").conflicts == 0


def test_an_archive_from_before_adoptions_keeps_its_clashes_open_and_adoptable(blank_engine: Engine) -> None:  # noqa: F811
    from alembic import command

    command.upgrade(_alembic_config(blank_engine), "0012")
    at = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
    key = volume_key_text(LAREDO, "", "month", dt.date(2024, 1, 1), "Trucks", "northbound", "bts")
    with blank_engine.begin() as conn:
        conn.execute(text("INSERT INTO volumes (port_code, site, period, period_start, measure, direction, value, "
                          "source, payload_sha256) VALUES ('2304', '', 'month', '2024-01-01', 'Trucks', 'northbound', "
                          "100, 'bts', 'a1')"))
        conn.execute(text("INSERT INTO conflicts (kind, natural_key, stored, incoming, payload_sha256, source_name, "
                          "created_at) VALUES ('volume', :key, '{\"value\": 100.0}', '{\"value\": 120.0}', 'b2', "
                          "'bts-later.csv', :at)"), {"key": key, "at": at})
    migrate(blank_engine)
    (clash,) = kept_aside.clashes(blank_engine)["items"]
    assert (clash["status"], clash["adoption"], clash["file"]) == ("open", None, "bts-later.csv")
    result = adopt(blank_engine, ids=[clash["id"]], by="tester")
    assert not result.refused and result.changes[0].replaced == {"value": 100.0}
    with blank_engine.connect() as conn:
        row = conn.execute(select(schema.volumes.c.value, schema.volumes.c.payload_sha256)).one()
    assert tuple(row) == (120.0, "b2")


# -- a file's versions: every one it holds, whichever file brought it first ---------------

VOLUMES = "port_code,site,period,period_start,measure,direction,value,source\n"


def _volumes_csv(*rows: str) -> bytes:
    return (VOLUMES + "".join(f"{r}\n" for r in rows)).encode()


def _stored_counts(engine: Engine) -> dict[tuple[str, str], float]:
    v = schema.volumes.c
    with engine.connect() as conn:
        return {(r.period_start.isoformat(), r.measure): r.value
                for r in conn.execute(select(v.period_start, v.measure, v.value))}


def test_a_file_selects_every_version_it_holds_even_one_an_earlier_file_brought(engine: Engine) -> None:
    jan, feb = "2304,,month,2024-01-01,Trucks,northbound,{},bts", "2304,,month,2024-02-01,Buses,northbound,{},bts"
    _ingest(engine, _volumes_csv(jan.format(244595), feb.format(2504)), "rel-2025-02.csv")
    _ingest(engine, _volumes_csv(jan.format(244600), feb.format(2504)), "rel-2025-03.csv")
    april = _ingest(engine, _volumes_csv(jan.format(244600), feb.format(2600)), "REL-2025-04.csv")
    listed = kept_aside.clashes(engine, file_contains="rel-2025-04")  # any case, on both databases
    assert april.conflicts == listed["total"] == 2
    done = adopt(engine, file_contains="2025-04", by="tester")
    assert not done.refused and len(done.changes) == 2
    assert _stored_counts(engine) == {("2024-01-01", "Trucks"): 244600, ("2024-02-01", "Buses"): 2600}
    assert not adopt(engine, file_contains="2025-04", by="tester").changes  # asked again: nothing to do

    # a release going back to the first values: its versions are the replaced ones, selected by its name
    may = _ingest(engine, _volumes_csv(jan.format(244595), feb.format(2504)), "rel-2025-05.csv")
    listed = kept_aside.clashes(engine, file_contains="2025-05")
    assert may.conflicts == listed["total"] == 2 and {i["status"] for i in listed["items"]} == {"replaced"}
    back = adopt(engine, file_contains="2025-05", by="tester")
    assert not back.refused and len(back.changes) == 2
    assert _stored_counts(engine) == {("2024-01-01", "Trucks"): 244595, ("2024-02-01", "Buses"): 2504}
    # files naming both the stored version and a replaced one: --file does not undo an adoption
    again = adopt(engine, file_contains="rel-2025", by="tester")
    assert not again.changes and not again.refused and again.undoing_left == 2
    # two files holding two versions not stored: refused, as ever
    _ingest(engine, _volumes_csv(jan.format(244700)), "rel-2025-06.csv")
    _ingest(engine, _volumes_csv(jan.format(244800)), "rel-2025-07.csv")
    both = adopt(engine, file_contains="2025-0", by="tester", dry_run=True)
    assert not both.changes and "are versions of one count" in both.refused[0].reason


def test_an_archive_from_before_conflict_files_finds_each_version_by_its_file(blank_engine: Engine) -> None:  # noqa: F811
    from alembic import command

    command.upgrade(_alembic_config(blank_engine), "0014")
    at = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
    key = volume_key_text(LAREDO, "", "month", dt.date(2024, 1, 1), "Trucks", "northbound", "bts")
    with blank_engine.begin() as conn:
        conn.execute(text("INSERT INTO volumes (port_code, site, period, period_start, measure, direction, value, "
                          "source, payload_sha256) VALUES ('2304', '', 'month', '2024-01-01', 'Trucks', 'northbound', "
                          "100, 'bts', 'a1')"))
        conn.execute(text("INSERT INTO conflicts (kind, natural_key, stored, incoming, payload_sha256, source_name, "
                          "created_at) VALUES ('volume', :key, '{\"value\": 100.0}', '{\"value\": 120.0}', 'b2', "
                          "'BTS-later.csv', :at)"), {"key": key, "at": at})
    migrate(blank_engine)
    assert kept_aside.clashes(blank_engine, file_contains="bts-LATER")["total"] == 1
    _ingest(blank_engine, _volumes_csv("2304,,month,2024-01-01,Trucks,northbound,120,bts"), "bts-again.csv")
    assert kept_aside.clashes(blank_engine, file_contains="again")["total"] == 1
    assert len(adopt(blank_engine, file_contains="again", by="tester").changes) == 1


def test_a_key_separator_in_a_key_field_is_refused_and_an_ambiguous_key_not_adopted(engine: Engine) -> None:
    one = "2304,S|month|2024-01-01|Trucks|northbound|s1,month,2024-02-01,Trucks,northbound,200,s2"
    two = "2304,S,month,2024-01-01,Trucks,northbound,{},s1|month|2024-02-01|Trucks|northbound|s2"
    summary = _ingest(engine, _volumes_csv(one, two.format(200)), "pipes.csv")
    assert (summary.stored, summary.quarantined) == (0, 2)
    reasons = [i["reason"] for i in kept_aside.quarantined(engine)["items"]]
    assert any("site may not contain '|'" in r for r in reasons) and any("source may not contain '|'" in r
                                                                          for r in reasons)
    header = "crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
    row = "250401,passenger,standard,2026-08-01T12:00:00Z,30,5,delay,a|b\n"
    assert _ingest(engine, (header + row).encode(), "sensors.csv").quarantined == 1
    # an archive from before the rule: two counts whose keys read alike
    with engine.begin() as conn:
        conn.execute(schema.volumes.insert(), [
            {"port_code": "2304", "site": "S|month|2024-01-01|Trucks|northbound|s1", "period": "month",
             "period_start": dt.date(2024, 2, 1), "measure": "Trucks", "direction": "northbound", "value": 200,
             "source": "s2"},
            {"port_code": "2304", "site": "S", "period": "month", "period_start": dt.date(2024, 1, 1),
             "measure": "Trucks", "direction": "northbound", "value": 200,
             "source": "s1|month|2024-02-01|Trucks|northbound|s2"}])
        key = volume_key_text("2304", "S", "month", dt.date(2024, 1, 1), "Trucks", "northbound",
                              "s1|month|2024-02-01|Trucks|northbound|s2")
        conn.execute(schema.conflicts.insert().values(
            kind="volume", natural_key=key, stored='{"value": 200.0}', incoming='{"value": 999.0}',
            source_name="later.csv", created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)))
    (clash,) = kept_aside.clashes(engine)["items"]
    result = adopt(engine, ids=[clash["id"]], by="tester")
    assert not result.changes and "more than one stored count has the key" in result.refused[0].reason
    with engine.connect() as conn:
        assert sorted(conn.execute(select(schema.volumes.c.value)).scalars()) == [200, 200]

    # BTS and TxDOT files: a measure, a bridge or a mode holding '|', the rest of the file lands
    bts_lines = gzip.decompress(BTS.read_bytes()).decode().splitlines()[:3]
    bts_lines[1] = bts_lines[1].replace(",Buses,10,", ",Buses|x,10,")
    txdot_lines = gzip.decompress(TXDOT.read_bytes()).decode().splitlines()[:4]
    txdot_lines[1] = txdot_lines[1].replace(",Bridge of the Americas,", ",Bridge|of the Americas,")
    txdot_lines[2] = txdot_lines[2].replace(",Commercial Trucks,", ",Commercial|Trucks,")
    for lines, name, reasons in ((bts_lines, "bts-pipe.csv", ["Measure"]),
                                 (txdot_lines, "txdot-pipe.csv", ["Crossing", "Modes"])):
        summary = _ingest(engine, "\n".join(lines).encode(), name)
        assert (summary.stored, summary.quarantined) == (1, len(reasons))
        kept = kept_aside.quarantined(engine, file_contains=name)["items"]
        assert sorted(i["reason"].split(" ")[0] for i in kept) == reasons
        assert all("may not contain '|'" in i["reason"] and "\n" not in i["reason"] for i in kept)


def test_file_and_name_filters_ignore_case_on_both_databases(engine: Engine) -> None:
    from borderflow.services.payload_files import list_payloads

    jan = "2304,,month,2024-01-01,Trucks,northbound,{},bts"
    _ingest(engine, _volumes_csv(jan.format(100), "2304,,month,2024-13-01,Trucks,northbound,1,bts"), "B_2025-02.csv")
    _ingest(engine, _volumes_csv(jan.format(120)), "B_2025-03.csv")
    assert kept_aside.quarantined(engine, file_contains="b_2025")["total"] == 1
    assert list_payloads(engine, name_contains="b_2025")["total"] == 2
    assert kept_aside.clashes(engine, file_contains="b_2025-03")["total"] == 1
    assert len(adopt(engine, file_contains="b_2025-03", by="tester").changes) == 1
    assert history(engine, file_contains="b_2025-03")["total"] == 1


# -- a whole release at once -------------------------------------------------------------


def _all_ports_releases() -> tuple[bytes, bytes]:
    """Every port's BTS counts of 2022-2024 as first published, and the release after it
    with every count of 2023 and 2024 revised: some 4,600 revisions."""
    with gzip.open(BTS, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [r for r in reader if r[4][-4:] in ("2022", "2023", "2024")]
    later = [r if r[4].endswith("2022") else [*r[:6], str(int(r[6]) + 7), *r[7:]] for r in rows]
    return _csv(header, rows), _csv(header, later)


def _archive_counts(engine: Engine) -> dict[tuple[Any, ...], tuple[float, str | None]]:
    with engine.connect() as conn:
        return {(r.port_code, r.site, r.period, r.period_start, r.measure, r.direction, r.source):
                (r.value, r.payload_sha256) for r in conn.execute(select(schema.volumes))}


def _release_counts(first: tuple[bytes, str], later: tuple[bytes, str] | None = None,
                    ) -> dict[tuple[Any, ...], tuple[float, str | None]]:
    """The counts of a release (``first``: its bytes and payload), each with the payload its
    value is in: a count ``later`` revised names ``later``'s payload."""
    def parsed(release: tuple[bytes, str]) -> dict[tuple[Any, ...], float]:
        return {(c.port_code, c.site, c.period, c.period_start, c.measure, c.direction, c.source): c.value
                for c in detect.parse_bytes(release[0], "bts.csv").volumes}

    counts = {k: (value, first[1]) for k, value in parsed(first).items()}
    if later is not None:
        counts.update({k: (value, later[1]) for k, value in parsed(later).items() if counts[k][0] != value})
    return counts


def test_a_whole_revised_release_is_adopted_and_undone_in_a_few_statements(engine: Engine) -> None:
    from sqlalchemy import event

    from borderflow.services.adoption import undo

    first, later = _all_ports_releases()
    one = _ingest(engine, first, "bts-2025-01.csv")
    two = _ingest(engine, later, "bts-2025-03.csv")
    revisions = two.conflicts
    assert revisions > 4000 and _archive_counts(engine) == _release_counts((first, one.sha256))
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        done = adopt(engine, file_contains="2025-03", by="tester", why="BTS revised 2022-2024")
        adopting = len(statements)
        assert not done.refused and len(done.changes) == revisions
        assert _archive_counts(engine) == _release_counts((first, one.sha256), (later, two.sha256))
        statements.clear()
        back = undo(engine, done.changes[0].adoption_id or 0, by="tester", why="back to January")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert not back.refused and len(back.changes) == revisions
    assert _archive_counts(engine) == _release_counts((first, one.sha256))
    # a few statements per batch of records (85 and 83 here), not some eight per record (41,982 and 37,332)
    assert adopting < 150 and len(statements) < 150, (adopting, len(statements))

    # each adoption names its clashes and files, both ways; every version is kept once
    log = {e["id"]: e for e in history(engine, limit=100_000)["items"]}
    assert len(log) == 2 * revisions
    for change in done.changes:
        entry = log[change.adoption_id]  # type: ignore[index]
        assert (entry["conflict_id"], entry["replaced_conflict_id"]) == (change.conflict_id, change.kept_as)
        assert (entry["file"], entry["replaced_file"], entry["why"]) == ("bts-2025-03.csv", "bts-2025-01.csv",
                                                                          "BTS revised 2022-2024")
    assert {c.conflict_id for c in back.changes} == {c.kept_as for c in done.changes}
    assert {c.kept_as for c in back.changes} == {c.conflict_id for c in done.changes}
    statuses = kept_aside.clashes(engine, every_status=True)["statuses"]
    assert statuses == {"open": 0, "replaced": revisions, "adopted": revisions}
    assert kept_aside.clashes(engine, file_contains="2025-01", every_status=True)["total"] == revisions
    assert _ingest(engine, first, "bts-2025-01.csv").conflicts == 0
