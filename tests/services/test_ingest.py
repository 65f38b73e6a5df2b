"""Ingest end to end (file -> parser -> store) on SQLite and PostgreSQL, counted
independently of the parsers and checked by hand against the raw files."""

from __future__ import annotations

import datetime as dt
import gzip
import re
from pathlib import Path

from sqlalchemy import Engine, func, select

from borderflow.services.ingest import Ingestor, ingest, reparse
from borderflow.store import schema

DATA = Path(__file__).resolve().parent.parent / "data"
UTC = dt.UTC


def count(engine: Engine, table: str, **where: object) -> int:
    t = getattr(schema, table)
    q = select(func.count()).select_from(t)
    for column, value in where.items():
        q = q.where(t.c[column] == value)
    with engine.connect() as conn:
        return conn.execute(q).scalar_one()


def test_feed_samples_land_and_twice_is_once(engine: Engine) -> None:
    files = [str(DATA / "cbp-feed" / n) for n in ("bwt-2014-03-15.xml", "bwt-2017-03-17.xml", "bwtnew-2022-06-29.json")]
    first = ingest(engine, files)
    assert not first.refused_anything
    # independent count: lanes with a non-empty update time, per raw file, by regex
    timed = 0
    for name in files:
        text = Path(name).read_bytes().decode("latin-1")
        timed += len(re.findall(r"<update_time>[^<]+</update_time>", text))
        timed += len(re.findall(r'"update_time":\s*"[^"]+"', text))
    stored_timed = count(engine, "observations", source="cbp-feed") - _untimed(engine)
    assert stored_timed == timed
    assert count(engine, "payloads") == 3
    before = count(engine, "observations")
    again = ingest(engine, files)
    assert again.total("stored") == 0 and again.total("duplicates") == first.total("read") - first.total("conflicts")
    assert count(engine, "observations") == before


def _untimed(engine: Engine) -> int:
    t = schema.observations
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(t).where(t.c.reported_time.is_(None))).scalar_one()


def test_hand_checked_readings_from_three_eras(engine: Engine) -> None:
    ingest(engine, [str(DATA / "cbp-feed" / n) for n in ("bwt-2014-03-15.xml", "bwtnew-2022-06-29.json")])
    t = schema.observations.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.crossing_id, t.mode, t.program, t.observed_at, t.wait_minutes, t.lanes_open, t.status, t.reported_time)
            .where(t.crossing_id == "070801", t.mode == "passenger", t.program == "standard")
            .order_by(t.observed_at)
        ).all()
    # bwt-2014-03-15.xml, Alexandria Bay: "At 3:00 pm EDT", no delay, 0 min, 3 lanes open;
    # 15:00 EDT (UTC-4) on 2014-03-15 = 19:00 UTC.
    assert rows[0].observed_at == dt.datetime(2014, 3, 15, 19, 0, tzinfo=UTC)
    assert (rows[0].wait_minutes, rows[0].lanes_open, rows[0].status) == (0, 3, "no_delay")
    assert rows[0].reported_time == "At 3:00 pm EDT"
    # bwtnew-2022-06-29.json, Alexandria Bay: "At Noon EDT", no delay, 5 min, 4 lanes;
    # 12:00 EDT on 2022-06-29 = 16:00 UTC.
    assert rows[1].observed_at == dt.datetime(2022, 6, 29, 16, 0, tzinfo=UTC)
    assert (rows[1].wait_minutes, rows[1].lanes_open) == (5, 4)


def test_rss_snapshots_store_each_reading_once(engine: Engine) -> None:
    snapshots = sorted((DATA / "cbp-rss-brownsville" / "snapshots").glob("*.xml"))
    summary = ingest(engine, [str(p) for p in snapshots[:60]])
    assert summary.total("read") > summary.total("stored") > 0
    # Independent count of distinct timed readings: (item title, lane line, update text)
    # with the description's date; readings repeat across snapshots.
    distinct = set()
    for path in snapshots[:60]:
        text = path.read_text()
        for item in re.findall(r"<item>(.*?)</item>", text, re.DOTALL):
            title = re.search(r"<title>(.*?)</title>", item).group(1)
            date = re.search(r"Date: (\S+)", item).group(1)
            mode = None
            for part in re.split(r"<br/>|&lt;br/&gt;", item):
                if "Passenger" in part or "Pedestrian" in part or "Commercial" in part:
                    mode = part.strip()[:20]
                m = re.search(r"(\w+) Lanes: (At [^<]*?(?:am|pm|Noon|Midnight)[^<]*?[A-Z]{3})", part)
                if m:
                    distinct.add((title, date, mode, m.group(1), m.group(2)))
    timed = count(engine, "observations", source="cbp-rss") - _untimed(engine)
    # the same (lane, time text) on a description dated a day later is a different reading only
    # when the time is later than the feed; CBP's own corrections are conflicts, not rows.
    assert timed + summary.total("conflicts") >= len({d[:1] + d[2:] for d in distinct})
    assert timed <= len(distinct)


def test_bts_file_counts_and_conflict_kept_aside(engine: Engine) -> None:
    path = DATA / "bts" / "border-crossing-entry-us-mexico-1996-01_2025-02.csv.gz"
    summary = ingest(engine, [str(path)])
    with gzip.open(path, "rt") as fh:
        rows = fh.read().splitlines()[1:]
    keys: dict[tuple[str, str, str], set[str]] = {}
    for line in rows:
        fields = line.split(",")
        keys.setdefault((fields[2], fields[4], fields[5]), set()).add(fields[6])
    agreeing = sum(1 for values in keys.values() if len(values) == 1)
    assert count(engine, "volumes", source="bts") == agreeing
    assert summary.refused_anything  # the conflicting Sasabe pair is refused ...
    with engine.connect() as conn:
        reasons = conn.execute(select(schema.quarantine.c.reason)).scalars().all()
    assert len(reasons) == 2 and all("Sasabe" in r or "2604" in r or "Bus Passengers" in r for r in reasons)
    with engine.connect() as conn:  # ... and a hand-checked value lands: San Luis, Apr 2024, Buses = 10
        value = conn.execute(
            select(schema.volumes.c.value).where(
                schema.volumes.c.port_code == "2608", schema.volumes.c.measure == "Buses",
                schema.volumes.c.period_start == dt.date(2024, 4, 1))
        ).scalar_one()
    assert value == 10


def test_historical_averages_stay_out_of_observations(engine: Engine) -> None:
    summary = ingest(engine, [str(DATA / "cbp-historical" / "elpaso-2025-hourly-averages.csv")])
    assert summary.total("stored") == count(engine, "historical_averages") > 0
    assert count(engine, "observations") == 0


def test_truncated_file_is_refused_whole_and_kept(engine: Engine, tmp_path: Path) -> None:
    good = (DATA / "cbp-feed" / "bwtnew-2022-06-29.json").read_bytes()
    broken = tmp_path / "bwtnew-truncated.json"
    broken.write_bytes(good[: good.index(b"\n    }")])  # cut inside the first port: nothing whole
    summary = ingest(engine, [str(broken), str(DATA / "cbp-feed" / "bwt-2017-03-17.xml")])
    refused, landed = summary.files
    assert refused.error is not None and "bwtnew-truncated.json" in refused.error and "\n" not in refused.error
    assert landed.error is None and landed.stored > 0  # the other file still lands
    assert count(engine, "quarantine", place="whole file") == 1
    assert count(engine, "payloads") == 2  # the bad bytes are kept for a later reparse
    assert count(engine, "observations", payload_sha256=refused.sha256) == 0


def test_a_feed_that_breaks_off_lands_its_whole_ports_and_keeps_the_rest_aside(engine: Engine,
                                                                               tmp_path: Path) -> None:
    whole = DATA / "cbp-feed" / "bwtnew-2022-06-29.json"
    good = whole.read_bytes()
    cut = tmp_path / "bwtnew-cut.json"
    cut.write_bytes(good[: len(good) // 2])
    kept = good[: len(good) // 2].count(b"\n    }")  # ports closed before the cut
    first = ingest(engine, [str(cut)]).files[0]
    assert first.error is None and first.quarantined == 1 and first.stored > 0
    with engine.connect() as conn:
        (place, reason), = conn.execute(select(schema.quarantine.c.place, schema.quarantine.c.reason)).all()
        crossings = conn.execute(select(func.count(schema.observations.c.crossing_id.distinct()))).scalar_one()
    assert place == f"port[{kept}] onward" and f"the {kept} ports before it were read" in reason
    assert "\n" not in reason and "fix: fetch or copy the file again" in reason
    assert 0 < crossings <= kept
    assert count(engine, "payloads") == 1  # every byte kept
    # fetched again whole: the rest lands, nothing stored twice, nothing in conflict
    again = ingest(engine, [str(whole)]).files[0]
    assert again.error is None and again.conflicts == 0 and again.duplicates == first.stored
    assert first.stored + again.stored == again.read
    # reparse reads the kept bytes the same way: nothing new, the kept-aside part not doubled
    assert reparse(engine).total("stored") == 0
    assert count(engine, "quarantine", place=f"port[{kept}] onward") == 1


def test_bad_rows_are_quarantined_and_good_rows_land(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
        "250401,passenger,standard,2024-05-01T08:00:00-07:00,45,12,delay,test\n"
        "250401,passenger,standard,2024-05-01T09:00:00,30,12,delay,test\n"
        "250401,boat,standard,2024-05-01T10:00:00Z,30,12,delay,test\n"
        "250401,passenger,standard,2024-05-01T11:00:00Z,-4,12,delay,test\n"
    )
    summary = ingest(engine, [str(path)])
    assert (summary.total("stored"), summary.total("quarantined")) == (1, 3)
    with engine.connect() as conn:
        places = sorted(conn.execute(select(schema.quarantine.c.place)).scalars())
    assert places == ["line 3", "line 4", "line 5"]


def test_a_reading_dated_in_the_future_is_kept_aside_and_never_shown_as_current(engine: Engine,
                                                                                tmp_path: Path) -> None:
    from borderflow.services.queries import current_waits

    now = dt.datetime.now(UTC).replace(microsecond=0)
    soon = now + dt.timedelta(hours=2)  # CBP stamps some readings with the coming hour
    path = tmp_path / "times.csv"
    path.write_text(
        "crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
        "250401,passenger,standard,2099-05-01T09:00:00-07:00,5,5,delay,test\n"
        f"250401,passenger,standard,{now.isoformat()},42,7,delay,test\n"
        f"250401,pedestrian,standard,{soon.isoformat()},20,3,delay,test\n")
    summary = ingest(engine, [str(path)])
    assert (summary.total("read"), summary.total("stored"), summary.total("quarantined")) == (3, 2, 1)
    with engine.connect() as conn:
        kept = conn.execute(select(schema.quarantine.c.place, schema.quarantine.c.reason)).one()
    assert kept.place.startswith("reading 250401 passenger/standard northbound at 2099-05-01T16:00:00")
    assert "cannot be read before it happens" in kept.reason and "time zone" in kept.reason
    waits = {w["mode"]: w["wait_minutes"] for w in current_waits(engine, crossing_id="250401")}
    assert waits == {"passenger": 42, "pedestrian": 20}
    # a reading stored before this check (written straight to the table) is not current either
    with engine.begin() as conn:
        conn.execute(schema.observations.insert().values(
            crossing_id="250401", mode="passenger", program="standard", direction="northbound",
            observed_at=dt.datetime(2099, 5, 1, 16, tzinfo=UTC), wait_minutes=5, source="old"))
    assert {w["mode"]: w["wait_minutes"] for w in current_waits(engine, crossing_id="250401")}["passenger"] == 42


def test_what_a_file_names_that_the_catalog_does_not_know_is_noted(engine: Engine, tmp_path: Path) -> None:
    readings = tmp_path / "readings.csv"
    readings.write_text("crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
                        "999999,passenger,standard,2024-05-01T08:00:00Z,30,5,delay,test\n"
                        "250401,passenger,standard,2024-05-01T08:00:00Z,30,5,delay,test\n")
    counts = tmp_path / "counts.csv"
    counts.write_text("port_code,site,period,period_start,measure,direction,value,source\n"
                      "9999,,month,2024-01-01,Flying Cars,northbound,5,me\n"
                      "2504,,month,2024-01-01,Trucks,northbound,5,me\n")
    summary = ingest(engine, [str(readings), str(counts)])
    assert summary.total("stored") == 4 and not summary.refused_anything  # told, not refused
    notes = [note for f in summary.files for note in f.notes]
    assert len(notes) == 3, notes
    assert "999999" in notes[0] and "250401" not in notes[0]
    assert "9999" in notes[1] and "2504" not in notes[1] and "'Flying Cars'" in notes[2]
    # the real files name nothing unknown
    clean = ingest(engine, [str(DATA / "cbp-feed" / "bwtnew-2022-06-29.json"), str(DATA / "cascade")])
    assert not [n for f in clean.files for n in f.notes if "not in the catalog" in n or "BTS" in n]


def test_unknown_format_names_the_file_and_the_fix(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    summary = ingest(engine, [str(path)])
    message = summary.files[0].error or ""
    assert "notes.txt" in message and "--format" in message


def test_reparse_finds_nothing_new_after_a_clean_ingest(engine: Engine) -> None:
    from borderflow.services.ingest import reparse

    ingest(engine, [str(DATA / "cbp-feed" / "bwt-2017-03-17.xml")])
    before = count(engine, "observations")
    summary = reparse(engine)
    assert summary.total("stored") == 0 and summary.total("duplicates") == summary.total("read")
    assert count(engine, "observations") == before


def test_reparse_recovers_a_file_refused_under_a_forced_wrong_format(engine: Engine) -> None:
    from borderflow.services.ingest import reparse

    path = DATA / "cbp-feed" / "bwt-2017-03-17.xml"
    wrong = ingest(engine, [str(path)], format="cbp-json")
    assert wrong.refused_anything and count(engine, "observations") == 0
    # the payload was kept, not under the format that failed: reparse detects it
    summary = reparse(engine)
    assert summary.total("stored") > 0 and not summary.refused_anything
    with engine.connect() as conn:
        assert conn.execute(select(schema.payloads.c.format)).scalar_one() == "cbp-xml"


def test_a_file_read_right_after_a_wrong_format_keeps_the_right_format(engine: Engine) -> None:
    from borderflow.services.ingest import reparse

    path = DATA / "cbp-feed" / "api-responses" / "Wait_Time_Graph.json"
    assert ingest(engine, [str(path)], format="cbp-historical-json").refused_anything
    right = ingest(engine, [str(path)])
    assert right.total("stored") > 0 and not right.refused_anything
    with engine.connect() as conn:
        assert conn.execute(select(schema.payloads.c.format)).scalar_one() == right.files[0].format
    again = reparse(engine)
    assert not again.refused_anything and again.total("duplicates") == right.total("stored")


def test_a_forced_format_that_reads_nothing_is_an_error(engine: Engine) -> None:
    path = DATA / "cbp-feed" / "api-responses" / "Wait_Time_Graph.json"
    summary = ingest(engine, [str(path)], format="cbp-json")
    message = summary.files[0].error or ""
    assert summary.refused_anything and "--format cbp-json read nothing" in message
    assert "leave --format out" in message and len(message.splitlines()) == 1


def test_worker_processes_store_exactly_what_one_process_stores(tmp_path: Path) -> None:
    """The pipeline with worker processes must not change a single row."""
    from borderflow.store.db import open_database

    files = [str(p) for p in sorted((DATA / "cbp-rss-brownsville" / "snapshots").glob("*.xml"))[:80]]
    files += [str(DATA / "cbp-feed" / "bwtnew-2022-06-29.json")]
    results = []
    for workers in (1, 2):
        engine = open_database(f"sqlite:///{tmp_path}/w{workers}.sqlite3")
        ingest(engine, files, workers=workers)
        t = schema.observations.c
        with engine.connect() as conn:
            results.append(conn.execute(
                select(t.crossing_id, t.mode, t.program, t.observed_at, t.wait_minutes, t.lanes_open, t.status, t.source)
                .order_by(t.crossing_id, t.mode, t.program, t.observed_at)).all())
        engine.dispose()
    assert results[0] == results[1] and len(results[0]) > 0


def test_repeated_feed_payloads_are_counted_as_duplicates(engine: Engine) -> None:
    """A feed polled again with only its clock moved stores nothing new."""
    data = (DATA / "cbp-feed" / "bwtnew-2022-06-29.json").read_text()
    ingestor = Ingestor(engine)
    first = ingestor.ingest_bytes(data.encode(), "poll-1")
    later = re.sub(r'"time": "13:25:(\d\d)"', r'"time": "13:30:\1"', data)
    assert later != data
    second = ingestor.ingest_bytes(later.encode(), "poll-2")
    assert second.stored == 0 and second.read == first.read
    assert count(engine, "payloads") == 2


def test_a_file_the_store_cannot_take_costs_only_itself(engine: Engine, monkeypatch) -> None:
    """An unexpected failure while storing one file (here the driver's OverflowError,
    as SQLite raises for an integer beyond 64 bits) rolls back that file alone and is
    reported in one line; the files before and after it land."""
    files = [str(DATA / "cbp-feed" / n) for n in ("bwt-2014-03-15.xml", "bwt-2017-03-17.xml", "bwtnew-2022-06-29.json")]
    real = Ingestor.write_parsed

    def failing(self, conn, parsed, *, name, sha256):  # type: ignore[no-untyped-def]
        if name.endswith("bwt-2017-03-17.xml"):
            real(self, conn, parsed, name=name, sha256=sha256)  # half-written, then:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        return real(self, conn, parsed, name=name, sha256=sha256)

    monkeypatch.setattr(Ingestor, "write_parsed", failing)
    first, failed, last = ingest(engine, files).files
    assert first.error is None and last.error is None and first.stored > 0 and last.stored > 0
    assert failed.error is not None and "\n" not in failed.error
    assert failed.error.startswith(f"{files[1]}: could not be stored (OverflowError")
    assert count(engine, "observations", payload_sha256=failed.sha256) == 0
    assert count(engine, "payloads", sha256=failed.sha256) == 0
    assert count(engine, "observations") == first.stored + last.stored


def test_a_crossing_first_seen_in_a_feed_keeps_the_zone_its_labels_name(engine: Engine, tmp_path: Path) -> None:
    text = (DATA / "cbp-feed" / "api-responses" / "Crossing.json").read_text("utf-8")
    assert '"300401"' in text and "PDT" in text
    path = tmp_path / "new-crossing.json"
    path.write_text(text.replace('"300401"', '"999901"'))
    summary = ingest(engine, [str(path)])
    assert summary.total("new_crossings") == 1 and summary.total("stored") > 0
    with engine.connect() as conn:
        zone = conn.execute(select(schema.crossings.c.timezone)
                            .where(schema.crossings.c.crossing_id == "999901")).scalar_one()
    assert zone == "America/Los_Angeles"


def test_a_crossing_named_only_by_readings_takes_its_ports_zone_and_border(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "new.csv"
    path.write_text("crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
                    "250499,passenger,standard,2024-05-01T16:00:00Z,30,,,loops\n"
                    "990099,passenger,standard,2024-05-01T16:00:00Z,30,,,loops\n")
    summary = ingest(engine, [str(path)])
    assert summary.total("new_crossings") == 2 and summary.total("stored") == 2
    c = schema.crossings.c
    with engine.connect() as conn:
        rows = {r.crossing_id: r for r in conn.execute(select(c.crossing_id, c.timezone, c.border, c.port_name)
                                                        .where(c.crossing_id.in_(["250499", "990099"])))}
    assert (rows["250499"].timezone, rows["250499"].border, rows["250499"].port_name) == (
        "America/Los_Angeles", "mexico", "San Ysidro")  # port 2504
    assert (rows["990099"].timezone, rows["990099"].border) == ("UTC", "")  # no such port: nothing to go on


def test_two_ingests_at_once_lose_nothing(engine: Engine, tmp_path: Path) -> None:
    """Two `borderflow ingest` processes at once on feeds of the same crossings: writers
    take turns, so no file is lost to a unique-key race (PostgreSQL refused one whole file
    before) and every reading one-after-the-other stores is stored. Files may land out of
    order, so a lane closed in both may also keep the later feed's copy of the same state:
    redundant, never different. On SQLite and PostgreSQL."""
    import json as _json
    import subprocess
    import sys

    feed = _json.loads((DATA / "cbp-feed" / "bwtnew-2022-06-29.json").read_bytes())
    paths = []
    for n, clock in enumerate(("17:25:00", "17:31:00", "17:37:00", "17:43:00", "17:49:00", "17:55:00")):
        for port in feed:
            port["time"] = clock
        path = tmp_path / f"feed-{n}.json"
        path.write_text(_json.dumps(feed))
        paths.append(str(path))
    url = engine.url.render_as_string(hide_password=False)

    def rows() -> set[tuple[object, ...]]:
        t = schema.observations.c
        with engine.connect() as conn:
            return {tuple(r) for r in conn.execute(select(t.crossing_id, t.mode, t.program, t.observed_at,
                                                          t.wait_minutes, t.lanes_open, t.status))}

    runs = [subprocess.Popen([sys.executable, "-m", "borderflow", "--db", url, "ingest", "-q", *paths[k::2]],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in (0, 1)]
    outcomes = [run.communicate(timeout=300) + (run.returncode,) for run in runs]
    assert all(code == 0 and "error" not in err for _, err, code in outcomes), outcomes
    together, payloads = rows(), count(engine, "payloads")
    with engine.begin() as conn:
        for table in ("observations", "crossing_states", "payloads", "conflicts", "quarantine"):
            conn.execute(getattr(schema, table).delete())
    ingest(engine, paths)
    alone = rows()
    assert payloads == count(engine, "payloads") == len(paths)
    assert alone <= together
    states = {(r[0], r[1], r[2], r[4], r[5], r[6]) for r in alone}
    assert all((r[0], r[1], r[2], r[4], r[5], r[6]) in states for r in together - alone)
