"""Text the archive cannot store (a NUL, a lone surrogate) refuses its record alone, the
same on SQLite and PostgreSQL: the rest of the file lands, the payload is kept byte for
byte, and the quarantine keeps the refused part escaped, with its reason."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from borderflow.feeds.records import CrossingSeen, Parsed, Volume
from borderflow.services.ingest import Ingestor
from borderflow.store import schema
from borderflow.store.payloads import load_payload
from borderflow.store.storable import refuse_unstorable
from borderflow.text_rules import shown_storable, unstorable_character
from borderflow.vocabulary import Observation

DATA = Path(__file__).resolve().parent.parent / "data"
HEADER = b"crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
#: A file of one good row and one whose wait holds a NUL byte.
ONE_BAD_ROW = (HEADER + b"535501,passenger,standard,2026-08-03T10:00:00Z,12,3,delay,t\n"
               b"535501,passenger,standard,2026-08-03T11:00:00Z,1\x002,3,delay,t\n")


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(getattr(schema, table))).scalar_one()


def _quarantined(engine: Engine) -> list[tuple[str, str, str, str]]:
    q = schema.quarantine.c
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(q.source_name, q.place, q.reason, q.raw).order_by(q.id))]


def test_one_row_with_a_nul_is_quarantined_and_the_rest_lands(engine: Engine) -> None:
    summary = Ingestor(engine).ingest_bytes(ONE_BAD_ROW, "f.csv")
    assert summary.error is None
    assert (summary.read, summary.stored, summary.quarantined) == (2, 1, 1)
    assert _count(engine, "observations") == 1
    [(name, place, reason, raw)] = _quarantined(engine)
    assert (name, place) == ("f.csv", "line 3")
    assert "wait_minutes must be a whole number" in reason and "shown escaped" in reason and "\\x00" in reason
    assert raw == "535501,passenger,standard,2026-08-03T11:00:00Z,1\\x002,3,delay,t"
    with engine.connect() as conn:  # the payload keeps the exact bytes, NUL included
        assert load_payload(conn, summary.sha256) == ONE_BAD_ROW


def _bwtnew(change: Callable[[list[dict[str, object]]], None]) -> bytes:
    ports = json.loads((DATA / "cbp-feed" / "bwtnew-2022-06-29.json").read_text())[:3]
    change(ports)
    return json.dumps(ports).encode()


def _new_port(ports: list[dict[str, object]], name: str) -> None:
    stranger = json.loads(json.dumps(ports[0]))
    stranger.update(port_number="999901", port_name=name)
    ports.append(stranger)


def _lines(path: Path, count: int, edit: Callable[[list[bytes]], None]) -> bytes:
    raw = path.read_bytes()
    lines = (gzip.decompress(raw) if path.suffix == ".gz" else raw).split(b"\n")[:count]
    edit(lines)
    return b"\n".join(lines) + b"\n"


def _replace(index: int, old: bytes, new: bytes) -> Callable[[list[bytes]], None]:
    def edit(lines: list[bytes]) -> None:
        assert old in lines[index]
        lines[index] = lines[index].replace(old, new, 1)
    return edit


def _averages() -> bytes:
    rows = (DATA / "cbp-historical" / "elpaso-2025-hourly-averages.csv").read_bytes().split(b"\n")
    timed = [r for r in rows[1:] if r.count(b",,") < 3][:4]  # rows with waits
    timed[1] = timed[1].replace(b"Commercial", b"Comm\x00ercial", 1)
    return b"\n".join([rows[0], *timed]) + b"\n"


#: (format, payload with a NUL, or a lone surrogate, in one field; read, stored, quarantined)
CASES: dict[str, tuple[bytes, tuple[int, int, int]]] = {
    "observations-csv, a NUL in the source": (
        HEADER + (b"535501,passenger,standard,2026-08-03T10:00:00Z,12,3,delay,t\n"
                  b"535501,passenger,standard,2026-08-03T11:00:00Z,12,3,delay,a\x00b\n"), (2, 1, 1)),
    "volumes-csv, a NUL in site, measure and source": (
        (b"port_code,site,period,period_start,measure,direction,value,source\n"
         b"2504,,month,2024-01-01,Trucks,northbound,5,bts\n2504,Br\x00idge,month,2024-01-01,Trucks,northbound,5,bts\n"
         b"2504,,month,2024-01-01,Tr\x00ucks,northbound,5,bts\n2504,,month,2024-02-01,Trucks,northbound,5,b\x00ts\n"),
        (4, 1, 3)),
    # SQLite stored the measure with its NUL: now refused on both
    "bts-csv, a NUL in a measure": (
        _lines(DATA / "bts" / "border-crossing-entry-us-mexico-1996-01_2025-02.csv.gz", 5,
               _replace(3, b"Truck Containers", b"Tru\x00ck Containers")), (4, 3, 1)),
    "txdot-csv, a NUL in a bridge's name": (
        _lines(DATA / "txdot" / "monthly_crossings_2008_2025.csv.gz", 5,
               _replace(2, b"Bridge of", b"Bridge\x00of")), (4, 3, 1)),
    "cascade-csv, a NUL in a wait": (
        _lines(DATA / "cascade" / "peace-arch-north-cars-daily-2018-01_2020-03.csv", 4,
               _replace(2, b"8.9", b"8\x00.9")), (12, 11, 1)),
    "cbp-averages-csv, a NUL in a lane": (_averages(), (16, 15, 1)),
    # a crossing first seen in the feed, its name holding a NUL: added without the name
    "cbp-json, a NUL in a new crossing's name": (
        _bwtnew(lambda ports: _new_port(ports, "Bad\x00Name")), (19, 18, 1)),
    "cbp-json, a lone surrogate in a new crossing's name": (
        _bwtnew(lambda ports: _new_port(ports, "Bad\ud800Name")), (19, 18, 1)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_format_refuses_the_field_alone_on_both_databases(engine: Engine, case: str) -> None:
    data, (read, stored, quarantined) = CASES[case]
    summary = Ingestor(engine).ingest_bytes(data, "upload.bin")
    assert summary.error is None, summary.error
    assert (summary.read, summary.stored, summary.quarantined) == (read, stored, quarantined)
    assert _count(engine, "payloads") == 1
    for text in (field for row in _quarantined(engine) for field in row):
        assert unstorable_character(text) is None
    with engine.connect() as conn:
        assert load_payload(conn, summary.sha256) == data


def test_a_crossing_whose_name_cannot_be_stored_is_added_without_it(engine: Engine) -> None:
    summary = Ingestor(engine).ingest_bytes(CASES["cbp-json, a NUL in a new crossing's name"][0], "feed.json")
    c = schema.crossings.c
    with engine.connect() as conn:
        added = conn.execute(select(c.port_name, c.crossing_name).where(c.crossing_id == "999901")).one()
        readings = conn.execute(select(func.count()).select_from(schema.observations)
                                .where(schema.observations.c.crossing_id == "999901")).scalar_one()
    assert tuple(added) == ("", "") and readings > 0
    [(_, place, reason, raw)] = _quarantined(engine)
    assert place == "crossing 999901 description"
    assert reason.startswith("port_name holds NUL (U+0000) at position 4, which the archive cannot store")
    assert "Bad\\x00Name" in raw
    assert summary.quarantined == 1


def test_a_file_name_that_is_not_utf8_is_kept_escaped(engine: Engine, tmp_path: Path) -> None:
    from borderflow.services.ingest import ingest

    name = os.fsdecode(b"caf\xe9.csv")  # a Latin-1 file name on a UTF-8 system: a lone surrogate
    (tmp_path / name).write_bytes(ONE_BAD_ROW)
    summary = ingest(engine, [str(tmp_path / name)])
    assert summary.total("stored") == 1 and summary.total("quarantined") == 1
    p, q = schema.payloads.c, schema.quarantine.c
    with engine.connect() as conn:
        assert conn.execute(select(p.name)).scalar_one().endswith("caf\\xe9.csv")
        assert conn.execute(select(q.source_name)).scalar_one().endswith("caf\\xe9.csv")


def test_refuse_unstorable_names_the_field_and_keeps_the_rest() -> None:
    at = dt.datetime(2026, 8, 3, 10, tzinfo=dt.UTC)
    good = Observation("535501", "passenger", "standard", at, 12, 3, "delay", "t")
    bad = Observation("535501", "passenger", "standard", at, 12, 3, "delay", "t", reported_time="At\x00 Noon")
    count = Volume("2504", dt.date(2024, 1, 1), "Trucks", 5.0, "bts", site="Bridge\ud800")
    parsed = refuse_unstorable(Parsed("x", observations=[good, bad], volumes=[count],
                                      crossings=[CrossingSeen("53550\x00")]))
    assert parsed.observations == [good] and parsed.volumes == [] and parsed.crossings == []
    reasons = [r.reason for r in parsed.rejected]
    assert reasons[0].startswith("reported_time holds NUL (U+0000) at position 3")
    assert reasons[1].startswith("site holds U+D800 (half of a UTF-16 surrogate pair, not a character) at position 7")
    assert reasons[2].startswith("crossing_id holds NUL (U+0000) at position 6")
    clean = Parsed("x", observations=[good])
    assert refuse_unstorable(clean) is clean


def test_shown_storable_escapes_visibly() -> None:
    assert shown_storable("a\x00b") == "a\\x00b"
    assert shown_storable(os.fsdecode(b"caf\xe9")) == "caf\\xe9"
    assert shown_storable("x\ud800") == "x\\ud800"
    assert shown_storable("café ✓") == "café ✓"


def test_a_file_with_a_nul_through_the_cli_on_both_databases(engine: Engine, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from borderflow.cli.main import run

    path = tmp_path / "f.csv"
    path.write_bytes(ONE_BAD_ROW)
    url = engine.url.render_as_string(hide_password=False)
    code = run(["--db", url, "ingest", str(path), "--json"])
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert code == 1 and summary["errors"] == []  # exit 1: a record was refused
    assert (summary["stored"], summary["quarantined"]) == (1, 1)
    assert "cannot contain NUL" not in captured.err
    assert run(["--db", url, "quarantine", "--json"]) == 0
    [kept] = json.loads(capsys.readouterr().out)["items"]
    assert kept["place"] == "line 3" and kept["raw"].endswith(",1\\x002,3,delay,t")


#: (payload with one field longer than its column, which only PostgreSQL enforces;
#: read, stored, quarantined)
TOO_LONG: dict[str, tuple[bytes, tuple[int, int, int]]] = {
    "bts-csv, a measure of 100 characters": (
        _lines(DATA / "bts" / "border-crossing-entry-us-mexico-1996-01_2025-02.csv.gz", 5,
               _replace(3, b"Truck Containers Empty", b"T" * 100)), (4, 3, 1)),
    "txdot-csv, a bridge name of 200 characters": (
        _lines(DATA / "txdot" / "monthly_crossings_2008_2025.csv.gz", 5,
               _replace(2, b"Bridge of the Americas", b"B" * 200)), (4, 3, 1)),
    "cbp-json, a new crossing named in 200 characters": (
        _bwtnew(lambda ports: _new_port(ports, "N" * 200)), (19, 18, 1)),
}


@pytest.mark.parametrize("case", list(TOO_LONG))
def test_a_field_longer_than_its_column_is_refused_alone_on_both_databases(engine: Engine, case: str) -> None:
    data, (read, stored, quarantined) = TOO_LONG[case]
    summary = Ingestor(engine).ingest_bytes(data, "upload.bin")
    assert summary.error is None, summary.error
    assert (summary.read, summary.stored, summary.quarantined) == (read, stored, quarantined)
    [(_, _, reason, _)] = _quarantined(engine)
    assert " characters long; the archive keeps at most " in reason
