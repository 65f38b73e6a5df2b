"""The archive verbs as a user runs them: exit codes, one-line errors, JSON on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from borderflow.cli.main import app, run
from borderflow.settings import SETTINGS

DATA = Path(__file__).resolve().parent.parent / "data"
README = Path(__file__).resolve().parent.parent.parent / "README.md"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite3'}"


def test_ingest_json_summary_and_exit_0(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["--db", db, "ingest", str(DATA / "cbp-feed" / "bwt-2017-03-17.xml"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["files"] == 1 and out["stored"] > 0 and out["errors"] == []


def test_refused_file_is_one_line_on_stderr_and_exit_1(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xml = (DATA / "cbp-feed" / "bwt-2017-03-17.xml").read_bytes()
    bad = tmp_path / "broken.xml"
    bad.write_bytes(xml[: xml.index(b"</port>")])  # breaks off before its first port is whole
    code = run(["--db", db, "ingest", str(bad), "-q"])
    err = capsys.readouterr().err
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "broken.xml" in lines[0]
    assert "Traceback" not in err
    # broken off later: the whole ports land, the rest is one record kept aside, and it says so
    bad.write_bytes(xml[:5000])
    code = run(["--db", db, "ingest", str(bad), "-q"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert err.splitlines() == [f"warning: {bad}: 1 record(s) refused and kept in quarantine (see 'borderflow quarantine')"]


def test_parser_notes_reach_the_user(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text("Group Starts,Avg - Delay (Peace Arch South Cars)\n"
                    "2017-06-01 08:00:00,4\n2017-06-01 09:00:00,\n2017-06-01 10:00:00,6\n")
    code = run(["--db", db, "ingest", str(path), "-q"])
    err = capsys.readouterr().err
    assert code == 0
    assert f"note: {path}: 1 empty cell(s) in 'Avg - Delay (Peace Arch South Cars)': no reading made" in err
    run(["--db", db, "ingest", str(path), "--json"])
    (one,) = json.loads(capsys.readouterr().out)["per_file"]
    assert one["notes"] == ["1 empty cell(s) in 'Avg - Delay (Peace Arch South Cars)': no reading made"]


def test_missing_path_is_a_domain_error(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--db", db, "ingest", "/no/such/file.json"]) == 1
    assert "no such file" in capsys.readouterr().err


def test_usage_error_exits_2(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--db", db, "ingest", "--no-such-flag", "x"]) == 2


def test_export_to_file_and_bad_options(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(["--db", db, "ingest", str(DATA / "cbp-feed" / "bwtnew-2022-06-29.json"), "-q"])
    target = tmp_path / "out.csv"
    assert run(["--db", db, "export", "observations", "--crossing", "250401", "-o", str(target)]) == 0
    lines = target.read_text().splitlines()
    assert lines[0].startswith("crossing_id,mode,program,observed_at") and len(lines) > 1
    assert not (tmp_path / "out.csv.partial").exists()
    # parquet without -o is refused on a terminal only (tests/cli/test_output.py)
    assert run(["--db", db, "export", "observations", "--from", "2022-06-29T00:00:00"]) == 1
    assert "offset" in capsys.readouterr().err
    assert run(["--db", db, "export", "observations", "--mode", "boat"]) == 1


def test_status_json(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(["--db", db, "ingest", str(DATA / "cbp-feed" / "bwt-2014-03-15.xml"), "-q"])
    capsys.readouterr()
    assert run(["--db", db, "status", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["tables"]["observations"] > 0 and info["observations_by_source"][0]["source"] == "cbp-feed"
    assert info["tables"]["forecast_models"] == 0 and info["tables"]["simulation_runs"] == 0


def test_bad_database_url_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--db", "mysql://nobody@nowhere/db", "status"]) == 1
    assert "not supported" in capsys.readouterr().err


def test_every_command_and_setting_is_documented() -> None:
    readme = README.read_text()
    import typer.main

    group = typer.main.get_command(app)
    for name in group.commands:  # type: ignore[attr-defined]
        assert f"borderflow {name}" in readme, f"README does not show 'borderflow {name}'"
    for setting in SETTINGS:
        assert setting.env in readme, f"README does not document {setting.env}"


def test_quarantine_and_conflicts_list_what_an_ingest_kept_aside(db: str, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    header = "crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
    first = tmp_path / "first.csv"
    first.write_text(header + "250401,passenger,standard,2026-08-01T12:00:00Z,30,5,delay,city-sensors\n"
                     "250401,boat,standard,2026-08-01T12:00:00Z,30,5,delay,city-sensors\n")
    second = tmp_path / "second.csv"
    second.write_text(header + "250401,passenger,standard,2026-08-01T12:00:00Z,45,5,delay,city-sensors\n")
    assert run(["--db", db, "ingest", str(first), str(second), "-q"]) == 1  # something was kept aside
    err = capsys.readouterr().err
    assert "see 'borderflow quarantine'" in err and "see 'borderflow conflicts'" in err

    assert run(["--db", db, "quarantine", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["total"] == 1
    refused = found["items"][0]
    assert refused["file"].endswith("first.csv") and "boat" in refused["raw"] and "mode" in refused["reason"]
    assert run(["--db", db, "quarantine", "--file", "second.csv", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"total": 0, "items": []}

    assert run(["--db", db, "conflicts", "--json"]) == 0
    clash = json.loads(capsys.readouterr().out)["items"]
    assert len(clash) == 1 and clash[0]["file"].endswith("second.csv")
    assert clash[0]["stored"]["wait_minutes"] == 30 and clash[0]["incoming"]["wait_minutes"] == 45
    assert clash[0]["key"].startswith("250401|passenger|standard|northbound|2026-08-01T12:00:00")

    assert run(["--db", db, "conflicts"]) == 0
    table = capsys.readouterr().out
    assert "Versions not stored now (open or replaced): newest 1 of 1" in table and "wait_" in table and "45" in table
    assert run(["--db", db, "quarantine", "--limit", "0"]) == 2  # a usage error, as every option's range
    err = capsys.readouterr().err
    assert err.startswith("error: --limit must be") and err.count("\n") == 1


def test_payloads_are_listed_and_given_back_byte_for_byte(db: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    import hashlib

    source = DATA / "cbp-feed" / "bwt-2017-03-17.xml"
    raw = source.read_bytes()
    assert run(["--db", db, "ingest", str(source), "-q"]) == 0
    capsys.readouterr()
    assert run(["--db", db, "payloads", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["total"] == 1
    entry = listed["items"][0]
    assert entry["sha256"] == hashlib.sha256(raw).hexdigest() and entry["format"] == "cbp-xml"
    assert entry["size_bytes"] == len(raw) and entry["name"].endswith("bwt-2017-03-17.xml")
    assert run(["--db", db, "payloads", "--format", "cbp-json", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 0

    copy = tmp_path / "copy.xml"
    assert run(["--db", db, "payload", entry["sha256"][:10], "-o", str(copy)]) == 0
    assert copy.read_bytes() == raw and "wrote" in capsys.readouterr().err
    assert run(["--db", db, "payload", "0" * 64]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no stored payload with sha256") and "borderflow payloads" in err
    assert run(["--db", db, "payload", "not-a-hash"]) == 1
    assert "6 to 64 hex digits" in capsys.readouterr().err


def test_payload_to_stdout_is_the_exact_bytes(db: str, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    import hashlib

    raw = (DATA / "cbp-feed" / "bwt-2014-03-15.xml").read_bytes()
    assert run(["--db", db, "ingest", str(DATA / "cbp-feed" / "bwt-2014-03-15.xml"), "-q"]) == 0
    capfdbinary.readouterr()
    assert run(["--db", db, "payload", hashlib.sha256(raw).hexdigest()]) == 0
    assert capfdbinary.readouterr().out == raw


def test_unusable_database_or_path_is_one_line_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        (["--db", f"sqlite:///{tmp_path}/no/such/dir/x.sqlite3", "ingest", str(DATA / "cbp-feed")],
         "the database cannot be used"),
        (["--db", f"sqlite:///{tmp_path}/no/such/dir/x.sqlite3", "status"], f"no archive at {tmp_path}/no/such"),
        (["--db", "postgresql://nobody@127.0.0.1:1/db", "status"], "the database cannot be used"),
        (["--db", f"sqlite:///{tmp_path / 'a.sqlite3'}", "export", "observations", "-o",
          str(tmp_path / "no" / "such" / "dir" / "x.csv")], "check the path"),
        (["--db", f"sqlite:///{tmp_path / 'a.sqlite3'}", "export", "observations",
          "--from", "0001-01-01T00:00:00+14:00"], "outside the range of UTC timestamps"),
    ]
    for args, words in cases:
        code = run(args)
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert code == 1 and len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], (args, lines)
        assert "Traceback" not in captured.err and captured.out == ""


def test_a_bad_export_filter_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'e.sqlite3'}"
    for extra in (["--mode", "boat"], ["--from", "2024-05-02T00:00:00Z", "--to", "2024-05-01T00:00:00Z"]):
        for fmt in ("json", "csv"):
            code = run(["--db", db, "export", "observations", "--format", fmt, *extra])
            captured = capsys.readouterr()
            assert code == 1 and captured.out == "" and captured.err.startswith("error: "), (extra, fmt, captured)
        target = tmp_path / "out.csv"
        assert run(["--db", db, "export", "observations", "-o", str(target), *extra]) == 1
        assert list(tmp_path.glob("out.csv*")) == []


def test_volume_export_filters_are_checked_and_an_empty_parquet_keeps_its_columns(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pyarrow.parquet as pq

    db = f"sqlite:///{tmp_path / 'v.sqlite3'}"
    assert run(["--db", db, "ingest", str(DATA / "cbp-feed" / "bwt-2014-03-15.xml"), "-q"]) == 0  # no volumes
    capsys.readouterr()
    for what, extra, says in (("volumes", ["--port", "abc"], "4-digit"), ("volumes", ["--crossing", "250401"], "--port"),
                              ("volumes", ["--mode", "passenger"], "--mode"), ("observations", ["--port", "2304"],
                                                                                 "--crossing")):
        assert run(["--db", db, "export", what, *extra]) == 1
        captured = capsys.readouterr()
        assert captured.out == "" and says in captured.err and len(captured.err.splitlines()) == 1
    target = tmp_path / "v.parquet"
    assert run(["--db", db, "export", "volumes", "--format", "parquet", "-o", str(target)]) == 0
    table = pq.read_table(target)
    assert table.num_rows == 0 and table.column_names == [
        "port_code", "site", "period", "period_start", "measure", "direction", "value", "source"]
    assert str(table.schema.field("period_start").type) == "date32[day]"


def test_ctrl_c_during_an_ingest_says_what_was_stored(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from borderflow.services import ingest

    folder = tmp_path / "feeds"
    folder.mkdir()
    names = ("bwt-2014-03-15.xml", "bwt-2017-03-17.xml", "bwtnew-2022-06-29.json")
    for name in names:
        shutil.copy(DATA / "cbp-feed" / name, folder / name)
    db = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    monkeypatch.setattr(ingest, "GROUP_FILES", 1)  # one transaction a file, as on a slow disk
    prepare = ingest.Preparer.prepare

    def interrupted_at_the_third(self: ingest.Preparer, name: str, data: bytes) -> ingest.Prepared:
        if name.endswith(names[2]):
            raise KeyboardInterrupt
        return prepare(self, name, data)

    monkeypatch.setattr(ingest.Preparer, "prepare", interrupted_at_the_third)
    assert run(["--db", db, "ingest", str(folder), "-q"]) == 130
    captured = capsys.readouterr()
    assert captured.err == ("interrupted: 2 file(s) were stored before Ctrl-C; the file(s) being read then were not "
                            "stored (none is stored in part); running the same command again is safe: files already "
                            "stored are recognised and nothing is stored twice\n")
    assert run(["--db", db, "payloads", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 2
    monkeypatch.undo()
    assert run(["--db", db, "ingest", str(folder), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert [f["stored"] > 0 for f in again["per_file"]] == [False, False, True]


def test_status_times_are_whole_on_80_columns(db: str, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from borderflow.cli import context

    monkeypatch.setattr(context.out, "_width", 80)  # as piped
    run(["--db", db, "ingest", str(DATA / "cbp-feed" / "bwtnew-2022-06-29.json"), "-q"])
    run(["--db", db, "ingest", str(DATA / "cascade"), "-q"])
    capsys.readouterr()
    assert run(["--db", db, "status"]) == 0
    shown = capsys.readouterr().out
    assert max(len(line) for line in shown.splitlines()) <= 80
    for when in ("2013-01-01T08:00:00Z", "2018-09-01T06:00:00Z", "2022-06-29T19:00:00Z"):
        assert when in shown, shown


def test_reparse_fails_only_for_what_is_new(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sqlalchemy import delete

    from borderflow.store.db import open_database
    from borderflow.store.schema import quarantine

    db = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    junk = tmp_path / "junk.txt"
    junk.write_text("hello, this is no feed\n")
    assert run(["--db", db, "ingest", str(junk), str(DATA / "cbp-feed" / "bwt-2017-03-17.xml"), "-q"]) == 1
    capsys.readouterr()
    for _ in range(2):  # an unrecognised file stays unrecognised: not a problem of this run
        assert run(["--db", db, "reparse"]) == 0
        err = capsys.readouterr().err
        assert err.startswith("note: still not recognised, as when it was stored (kept in quarantine): ")
        assert "junk.txt" in err and "error:" not in err and err.count("\n") == 1
    with open_database(db).begin() as conn:  # as if it had never been refused
        conn.execute(delete(quarantine))
    assert run(["--db", db, "reparse", "--json"]) == 1  # refused anew: kept in quarantine, exit 1
    assert "error: " in capsys.readouterr().err
    assert run(["--db", db, "quarantine", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 1


def test_conflicts_are_worded_for_what_clashed(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = "crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"
    row = "250401,passenger,standard,2026-08-01T12:00:00Z,{},5,delay,city-sensors\n"
    inside = tmp_path / "inside.csv"
    inside.write_text(header + row.format(30) + row.format(45))  # the clash is inside the file
    run(["--db", db, "ingest", str(inside), "-q"])
    err = capsys.readouterr().err
    assert (f"warning: {inside}: 1 record(s) repeat the key of an earlier record of this file with other "
            "values; the first one stands; the other versions are kept aside (see 'borderflow conflicts')") in err
    assert "stored one" not in err
    later = tmp_path / "later.csv"
    later.write_text(header + row.format(50))
    run(["--db", db, "ingest", str(later), "-q"])
    err = capsys.readouterr().err
    assert (f"warning: {later}: 1 record(s) have the key of a stored one with other values; the stored "
            "one stands; the other versions are kept aside") in err


def test_a_volumes_csv_contradicting_itself_stores_neither_count(db: str, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "counts.csv"
    path.write_text("port_code,site,period,period_start,measure,direction,value,source\n"
                    "2304,,month,2024-01-01,Trucks,northbound,100,mine\n"
                    "2304,,month,2024-01-01,Trucks,northbound,200,mine\n"
                    "2304,,month,2024-02-01,Trucks,northbound,7,mine\n")
    assert run(["--db", db, "ingest", str(path), "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert (summary["stored"], summary["quarantined"], summary["conflicts"]) == (1, 2, 0)
    assert run(["--db", db, "export", "volumes"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["2304,,month,2024-02-01,Trucks,northbound,7,mine"]


def test_export_names_a_stored_count_the_csv_cannot_hold(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    import datetime as dt

    from borderflow.feeds.records import Parsed, Volume
    from borderflow.services.ingest import Ingestor
    from borderflow.store.db import make_engine

    run(["--db", db, "ingest", str(DATA / "cbp-feed" / "bwt-2014-03-15.xml"), "-q"])  # creates the archive
    capsys.readouterr()
    engine = make_engine(db)
    # a count stored before ingest kept the volume rule (parsers refuse it now)
    with engine.begin() as conn:
        Ingestor(engine).write_parsed(conn, Parsed(format="bts-csv", volumes=[
            Volume("2301", dt.date(2024, 1, 1), "Trucks", 1e13, "bts")]), name="old.csv", sha256="a" * 64)
    assert run(["--db", db, "export", "volumes"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # not a header alone
    assert ("the stored volume of port 2301, month 2024-01-01, Trucks, northbound, source 'bts' cannot "
            "be written to the volumes CSV") in captured.err and "--format json" in captured.err
    assert run(["--db", db, "export", "volumes", "--format", "json"]) == 0


def test_quarantine_and_payloads_print_what_a_terminal_would_act_on_as_escapes(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused row's raw text is kept as it came, escape sequences included, and a file
    name may hold a line break: the tables show them as escapes, so the terminal is not
    recoloured and no line is forged; --json keeps the text exact."""
    from borderflow.cli.context import out as console

    monkeypatch.setattr(console, "width", 1000)  # each row of a table on one line
    bad = tmp_path / "waits\nforged line.csv"
    bad.write_bytes(b"crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source,direction\n"
                    b"250401,passenger,standard,2026-01-01T10:00:00Z,\x1b[31mred\xe2\x80\xae,,,,\n")
    run(["--db", db, "ingest", str(bad), "-q"])
    capsys.readouterr()
    for command in ("quarantine", "payloads"):
        assert run(["--db", db, command]) == 0
        out = capsys.readouterr().out
        assert not set(out) & {"\x1b", "\u202e"} and "forged line" in out, out
        assert "waits\\x0aforged line.csv" in out and not any(line.startswith("forged") for line in out.splitlines())
    assert run(["--db", db, "quarantine"]) == 0
    assert "\\x1b[31mred\\u202e" in capsys.readouterr().out
    assert run(["--db", db, "quarantine", "--json"]) == 0
    assert "\x1b[31mred\u202e" in json.loads(capsys.readouterr().out)["items"][0]["raw"]
