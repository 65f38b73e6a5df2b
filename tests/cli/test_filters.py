"""A filter naming what the archive does not hold (a crossing number with a digit
missing, a source spelt another way, a port without volumes) is refused, naming what
there is; a filter that is right but matches nothing is an empty answer and a note."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from borderflow.cli.main import run

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'filters.sqlite3'}"
    assert run(["--db", url, "ingest", str(DATA / "cbp-feed" / "bwtnew-2022-06-29.json"), "-q"]) == 0
    return url


def _refused(capsys: pytest.CaptureFixture[str], args: list[str], *words: str) -> None:
    capsys.readouterr()
    assert run(args) == 1, args
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and captured.err.startswith("error: "), captured
    assert all(w in captured.err for w in words), (words, captured.err)


def test_export_refuses_names_the_archive_does_not_hold(db: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    _refused(capsys, ["--db", db, "export", "observations", "--crossing", "53550"], "6-digit", "'53550'")
    _refused(capsys, ["--db", db, "export", "observations", "--crossing", "999999"],
             "crossing 999999 is not in the archive", "/api/v1/crossings")
    _refused(capsys, ["--db", db, "export", "observations", "--crossing", "250499"],
             "crossing 250499 is not in the archive", "250401, 250407, 250409")
    _refused(capsys, ["--db", db, "export", "observations", "--source", "cbp_feed"],
             "no readings of source 'cbp_feed'", "its sources are cbp-feed")
    _refused(capsys, ["--db", db, "export", "volumes", "--source", "bogus", "--format", "json"],
             "no volumes of source 'bogus'", "no volumes yet")
    _refused(capsys, ["--db", db, "export", "volumes", "--port", "2504"], "no volumes of port 2504")
    target = tmp_path / "out.csv"
    _refused(capsys, ["--db", db, "export", "observations", "--crossing", "999999", "-o", str(target)], "999999")
    assert not target.exists() and [p.name for p in tmp_path.iterdir() if "out" in p.name] == []


def test_a_right_filter_that_matches_nothing_is_empty_with_a_note(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert run(["--db", db, "export", "observations", "--crossing", "250401", "--from", "2030-01-01T00:00:00Z"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source,direction"]
    assert captured.err == "note: no stored readings match these filters\n"
    assert run(["--db", db, "export", "observations", "--crossing", "250401", "--source", "cbp-feed",
                "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) > 0


def test_volume_filters_name_the_ports_and_sources_there_are(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'v.sqlite3'}"
    counts = tmp_path / "counts.csv"
    counts.write_text("port_code,site,period,period_start,measure,direction,value,source\n"
                      "2504,,month,2024-01-01,Personal Vehicles,northbound,100,city-counts\n"
                      "2506,,month,2024-01-01,Trucks,northbound,50,city-counts\n")
    assert run(["--db", db, "ingest", str(counts), "-q"]) == 0
    _refused(capsys, ["--db", db, "export", "volumes", "--port", "2304"], "no volumes of port 2304",
             "ports with volumes: 2504, 2506")
    _refused(capsys, ["--db", db, "export", "volumes", "--source", "bts"], "its sources are city-counts")
    assert run(["--db", db, "export", "volumes", "--port", "2506", "--source", "city-counts", "--format", "json"]) == 0
    assert [v["value"] for v in json.loads(capsys.readouterr().out)] == [50]


def test_other_read_commands_check_their_filters(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    _refused(capsys, ["--db", db, "forecast", "train", "--crossing", "999999"], "crossing 999999 is not in the archive")
    _refused(capsys, ["--db", db, "forecast", "train", "--source", "cbp_feed"], "its sources are cbp-feed")
    _refused(capsys, ["--db", db, "backtest", "--crossing", "250401", "--start", "2022-06-01", "--end", "2022-06-02",
                      "--source", "bogus"], "no readings of source 'bogus'")
    _refused(capsys, ["--db", db, "payloads", "--format", "cbp_json"], "--format 'cbp_json'", "cbp-json", "unknown")
    _refused(capsys, ["--db", db, "reparse", "--format", "json"], "--format 'json'")
    _refused(capsys, ["--db", db, "users", "audit", "--user", "nobody"], "no user 'nobody'")
    assert run(["--db", db, "payloads", "--format", "unknown", "--json"]) == 0  # files no parser recognised
    assert json.loads(capsys.readouterr().out)["total"] == 0
