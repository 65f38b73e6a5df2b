"""``borderflow conflicts`` and ``conflicts adopt`` as a user runs them after a source
re-published its counts: real BTS rows, a few revised in the test; SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from borderflow.cli.main import run
from tests.services.test_adoption import LAREDO, bts_releases

HEADER = "crossing_id,mode,program,observed_at,wait_minutes,lanes_open,status,source\n"


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _exported(capsys: pytest.CaptureFixture[str], db: str) -> dict[tuple[str, str], float]:
    code, out, _ = _run(capsys, "--db", db, "export", "volumes", "--port", LAREDO, "--source", "bts")
    assert code == 0
    return {(r["period_start"], r["measure"]): float(r["value"]) for r in csv.DictReader(io.StringIO(out))}


def _releases(tmp_path: Path) -> tuple[Path, Path, dict[tuple[str, str], float]]:
    first, later, revised = bts_releases()
    old, new = tmp_path / "bts-2025-01.csv", tmp_path / "bts-2025-03.csv"
    old.write_bytes(first)
    new.write_bytes(later)
    return old, new, {(month.isoformat(), measure): value for (month, measure), value in revised.items()}


def test_a_newer_bts_release_is_adopted_and_can_be_put_back(engine: Engine, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    db = _url(engine)
    old, new, revised = _releases(tmp_path)
    assert _run(capsys, "--db", db, "ingest", str(old), "-q")[0] == 0
    code, _, err = _run(capsys, "--db", db, "ingest", str(new), "-q")
    assert code == 0 and f"{len(revised)} record(s) have the key of a stored one with other values" in err
    first = _exported(capsys, db)

    code, out, _ = _run(capsys, "--db", db, "conflicts", "--file", "bts-2025-03", "--json")
    listed = json.loads(out)
    assert code == 0 and listed["total"] == len(revised) and listed["resolved"] == 0
    assert {(i["key"].split("|")[3], i["key"].split("|")[4]): i["incoming"]["value"] for i in listed["items"]} == revised
    assert all(i["status"] == "open" and i["adoption"] is None and i["kind"] == "volume" for i in listed["items"])
    code, out, _ = _run(capsys, "--db", db, "conflicts", "--kind", "volume")
    assert code == 0 and f"Versions not stored now (open or replaced): newest {len(revised)} of {len(revised)}" in out
    assert f"{len(revised)} open, 0 replaced, 0 adopted (stored now)" in out

    code, out, err = _run(capsys, "--db", db, "conflicts", "adopt", "--file", "bts-2025-03", "--dry-run", "--json")
    dry = json.loads(out)
    assert code == 0 and dry["dry_run"] and len(dry["adopted"]) == len(revised) and dry["refused"] == []
    assert all(c["kept_as"] is None and c["file"] == str(new) for c in dry["adopted"])
    code, out, _ = _run(capsys, "--db", db, "conflicts", "adopt", "--file", "bts-2025-03", "--dry-run")
    assert code == 0 and f"Would adopt {len(revised)} clash(es) (dry run: nothing changed)" in out
    assert _exported(capsys, db) == first

    code, out, err = _run(capsys, "--db", db, "conflicts", "adopt", "--file", "bts-2025-03", "--why",
                          "BTS revised 2024", "--json")
    done = json.loads(out)
    assert code == 0 and not done["dry_run"] and len(done["adopted"]) == len(revised)
    assert err == "note: the replaced versions are kept ('borderflow conflicts --all'); adopting one puts it back\n"
    assert _exported(capsys, db) == {**first, **revised}

    code, out, err = _run(capsys, "--db", db, "ingest", str(new), "--json")  # the same release again
    summary = json.loads(out)
    assert code == 0 and (summary["stored"], summary["conflicts"]) == (0, 0) and err == ""
    code, out, _ = _run(capsys, "--db", db, "conflicts")
    assert f"{len(revised)} open" not in out and f"0 open, {len(revised)} replaced, {len(revised)} adopted" in out
    code, out, _ = _run(capsys, "--db", db, "status", "--json")
    assert json.loads(out)["conflicts_by_status"] == {"open": 0, "replaced": len(revised), "adopted": len(revised)}
    code, out, _ = _run(capsys, "--db", db, "status")
    assert "adopted (stored now)" in out and "replaced (not stored)" in out
    code, out, _ = _run(capsys, "--db", db, "conflicts", "--all", "--json")
    every = json.loads(out)["items"]
    assert sorted(i["status"] for i in every) == ["adopted"] * len(revised) + ["replaced"] * len(revised)
    replaced = [i for i in every if i["status"] == "replaced"]
    assert all(i["file"] == str(old) and i["adoption"]["why"] == "BTS revised 2024" for i in replaced)
    assert all(i["adoption"]["by"].endswith(" (login)") for i in every)

    code, out, _ = _run(capsys, "--db", db, "conflicts", "history", "--json")
    log = json.loads(out)
    assert code == 0 and log["total"] == len(revised)
    assert {(e["replaced_file"], e["file"]) for e in log["items"]} == {(str(old), str(new))}

    # put the first release's values back: adopt the versions the adoption replaced
    code, out, _ = _run(capsys, "--db", db, "conflicts", "adopt", *(str(i["id"]) for i in replaced))
    assert code == 0 and f"Adopted {len(revised)} clash(es)" in out
    assert _exported(capsys, db) == first
    code, out, _ = _run(capsys, "--db", db, "conflicts", "history", "--key", "|2024-", "--limit", "1")
    assert code == 0 and f"Adoptions: newest 1 of {2 * len(revised)}" in out


def test_a_refused_adoption_is_one_line_per_clash_and_changes_nothing(engine: Engine, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    db = _url(engine)
    old, new, revised = _releases(tmp_path)
    sensors = tmp_path / "sensors.csv"
    sensors.write_text(HEADER + "250401,passenger,standard,2026-08-01T12:00:00Z,30,5,delay,city-sensors\n")
    sensors_later = tmp_path / "sensors-later.csv"
    sensors_later.write_text(HEADER + "250401,passenger,standard,2026-08-01T12:00:00Z,45,5,delay,city-sensors\n")
    for path in (old, new, sensors, sensors_later):
        assert _run(capsys, "--db", db, "ingest", str(path), "-q")[0] == 0
    counts = json.loads(_run(capsys, "--db", db, "conflicts", "--kind", "volume", "--json")[1])["items"]
    reading = json.loads(_run(capsys, "--db", db, "conflicts", "--kind", "observation", "--json")[1])["items"][0]
    before = _exported(capsys, db)

    code, out, err = _run(capsys, "--db", db, "conflicts", "adopt", str(counts[0]["id"]), str(reading["id"]), "424242")
    lines = err.splitlines()
    assert code == 1 and out == "" and len(lines) == 3 and "Traceback" not in err
    assert lines[0] == (f"error: clash {reading['id']}: wait-time readings are not adopted: the current waits and "
                        "the CBP-compatible feed already show each reading as its source had published it last by "
                        "then; adopt volumes and historical averages")
    assert lines[1] == "error: no clash 424242; 'borderflow conflicts --all' lists them with their ids"
    assert lines[2].startswith("error: nothing was adopted: 2 clash(es) refused, and clashes are adopted all or none")
    assert _exported(capsys, db) == before

    code, out, err = _run(capsys, "--db", db, "conflicts", "adopt", "--file", "sensors", "--json")
    assert code == 0 and json.loads(out)["readings_left"] == 1 and json.loads(out)["adopted"] == []
    assert "note: 1 open clash(es) of wait-time readings from these files are left as they are" in err

    # a clash adopted before, asked for again with another: left as it is, the other adopted
    assert _run(capsys, "--db", db, "conflicts", "adopt", str(counts[0]["id"]), "-q")[0] == 2  # no such option
    assert _run(capsys, "--db", db, "conflicts", "adopt", str(counts[0]["id"]))[0] == 0
    code, out, err = _run(capsys, "--db", db, "conflicts", "adopt", str(counts[0]["id"]), str(counts[1]["id"]))
    assert code == 0 and err.startswith(f"note: clash {counts[0]['id']} was adopted before and its values are stored")

    for args, words in (
        ([], "name the clashes to adopt"),
        (["1", "--file", "bts"], "do not go together"),
        (["--kind", "volume"], "--kind goes with --file"),
        (["--file", " "], "--file needs a part of a file name"),
        (["x"], "valid integer"),
    ):
        code, out, err = _run(capsys, "--db", db, "conflicts", "adopt", *args)
        assert code == 2 and err.count("\n") == 1 and err.startswith("error: ") and words in err, (args, err)
        assert err.rstrip().endswith("(borderflow conflicts adopt --help)")
    for args, words in (
        (["--file", "bts", "--kind", "observation"], "error: --kind observation: wait-time readings are not adopted"),
        (["--file", "bts", "--kind", "trucks"], "error: --kind must be one of volume, historical_average; got 'trucks'"),
        (["1", "--as", "nobody"], "error: no user 'nobody'"),
    ):
        code, out, err = _run(capsys, "--db", db, "conflicts", "adopt", *args)
        assert code == 1 and err.count("\n") == 1 and err.startswith(words), (args, err)
    code, _, err = _run(capsys, "--db", db, "conflicts", "--kind", "trucks")
    assert code == 1 and err == ("error: --kind must be one of observation, volume, historical_average; "
                                 "got 'trucks'\n")
    assert _exported(capsys, db) == {**before, **{(k[0], k[1]): v for k, v in revised.items()
                                                  if (k[0], k[1]) in {(c["key"].split("|")[3], c["key"].split("|")[4])
                                                                      for c in counts[:2]}}}


def test_an_adoption_as_an_account_is_audited(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    old, new, revised = _releases(tmp_path)
    for path in (old, new):
        assert _run(capsys, "--db", db, "ingest", str(path), "-q")[0] == 0
    assert _run(capsys, "--db", db, "users", "create", "ana", "--agency", "BTS", "--country", "US",
                "--role", "editor")[0] == 0
    assert _run(capsys, "--db", db, "users", "create", "vic", "--agency", "BTS", "--country", "US")[0] == 0
    code, _, err = _run(capsys, "--db", db, "conflicts", "adopt", "--file", "bts-2025-03", "--as", "vic")
    assert code == 1 and err == ("error: adopting a version needs the role editor or admin; user 'vic' has "
                                 "viewer\n")
    code, out, _ = _run(capsys, "--db", db, "conflicts", "adopt", "--file", "bts-2025-03", "--as", "ana", "--why",
                        "BTS revised 2024", "--json")
    adopted = [c["conflict_id"] for c in json.loads(out)["adopted"]]
    assert code == 0 and len(adopted) == len(revised)
    code, out, _ = _run(capsys, "--db", db, "users", "audit", "--json")
    denied, entry = sorted((e for e in json.loads(out) if e["action"] == "conflicts.adopt"),
                           key=lambda e: e["username"] != "vic")
    assert (denied["username"], denied["outcome"]) == ("vic", "denied")
    assert (entry["username"], entry["outcome"]) == ("ana", "ok") and entry["details"]["adopted"] == adopted
    code, out, _ = _run(capsys, "--db", db, "conflicts", "history", "--json")
    assert {e["by"] for e in json.loads(out)["items"]} == {"ana"}


def test_a_long_id_list_is_looked_up_and_a_whole_run_undone(engine: Engine, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from borderflow.services.adoption import adopt

    db = _url(engine)
    old, new, revised = _releases(tmp_path)
    assert _run(capsys, "--db", db, "ingest", str(old), "-q")[0] == 0
    assert _run(capsys, "--db", db, "ingest", str(new), "-q")[0] == 0
    first = _exported(capsys, db)
    many = adopt(engine, ids=range(1, 70_001), by="tester", dry_run=True)  # over PostgreSQL's 65,535 parameters
    assert len(many.refused) == 70_000 - len(revised)
    assert _run(capsys, "--db", db, "conflicts", "adopt", "--file", "bts-2025-03", "--json")[0] == 0
    code, out, _ = _run(capsys, "--db", db, "conflicts", "history", "--json")
    run_of = json.loads(out)["items"][0]["id"]
    code, out, _ = _run(capsys, "--db", db, "conflicts", "undo", str(run_of), "--dry-run", "--json")
    assert code == 0 and len(json.loads(out)["adopted"]) == len(revised)
    code, out, _ = _run(capsys, "--db", db, "conflicts", "undo", str(run_of), "--why", "back")
    assert code == 0 and f"Adopted {len(revised)} clash(es)" in out and _exported(capsys, db) == first
    code, _, err = _run(capsys, "--db", db, "conflicts", "undo", "987654")
    assert code == 1 and err.startswith("error: no adoption 987654") and err.count("\n") == 1


def test_bad_ids_and_text_are_refused_in_one_line_and_a_long_login_name_is_cut(
        engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import update

    from borderflow.store import schema

    db = _url(engine)
    old, new, _ = _releases(tmp_path)
    for path in (old, new):
        assert _run(capsys, "--db", db, "ingest", str(path), "-q")[0] == 0
    bad_byte = b"bad\xffbyte".decode("utf-8", "surrogateescape")  # as a shell passes a byte that is not UTF-8
    for args in (["adopt", "99999999999999999999999"], ["adopt", "0"], ["undo", str(2**63)],
                 ["adopt", "1", "--why", bad_byte], ["adopt", "1", "--why", "esc\x1b[31m"],
                 ["adopt", "--file", bad_byte], ["adopt", "1", "--as", bad_byte],
                 ["--file", bad_byte], ["history", "--file", bad_byte]):
        code, _, err = _run(capsys, "--db", db, "conflicts", *args)
        assert code == 2 and err.count("\n") == 1 and err.startswith("error: ") and "Error" not in err, (args, err)

    monkeypatch.setattr("getpass.getuser", lambda: "x" * 200)
    code, _, _ = _run(capsys, "--db", db, "conflicts", "adopt", "--file", "bts-2025-03", "--json")
    assert code == 0
    with engine.begin() as conn:  # a reason kept before control characters were refused
        conn.execute(update(schema.adoptions).values(why="esc\x1b[31m"))
    code, out, _ = _run(capsys, "--db", db, "conflicts", "history", "--json")
    assert {e["by"] for e in json.loads(out)["items"]} == {"x" * 112 + " (login)"}
    code, out, _ = _run(capsys, "--db", db, "conflicts", "history")
    assert code == 0 and "\x1b" not in out and "\\x1b" in out


def test_stored_keys_and_file_names_are_printed_with_control_characters_escaped(
        engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from sqlalchemy import update

    from borderflow.cli.context import out as console
    from borderflow.store import schema

    monkeypatch.setattr(console, "width", 1000)  # each row of a table on one line
    db = _url(engine)
    old, new, revised = _releases(tmp_path)
    for path in (old, new):
        assert _run(capsys, "--db", db, "ingest", str(path), "-q")[0] == 0
    file_name, key = "bts\x1b[31m\n2025-03.csv", "2304|Site\x1b[2J\x07\u202eX\tY|month|2024-01-01|Trucks|northbound|bts"
    with engine.begin() as conn:  # text kept before control characters were refused from names and keys
        conn.execute(update(schema.conflicts).values(source_name=file_name))
        conn.execute(schema.conflicts.insert().values(
            kind="volume", natural_key=key, stored='{"value": 1.0}', incoming='{"value": 2.0}',
            source_name="old\x1b]0;title\x07.csv", created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)))
    shown_file = "bts\\x1b[31m\\x0a2025-03.csv"
    shown_key = "2304|Site\\x1b[2J\\x07\\u202eX\\x09Y|month|2024-01-01|Trucks|northbound|bts"
    for args in ([], ["--all"], ["--key", "Site"]):
        code, out, _ = _run(capsys, "--db", db, "conflicts", *args)
        assert code == 0 and not set(out) & {"\x1b", "\x07", "\t", "\u202e"}, (args, out)
        lines = out.splitlines()
        assert sum(shown_key in line and "old\\x1b]0;title\\x07.csv" in line for line in lines) == 1, out
        assert sum(shown_file in line for line in lines) == (0 if "--key" in args else len(revised)), out

    # adopting: the table of changes and a refusal print them escaped too
    code, out, err = _run(capsys, "--db", db, "conflicts", "adopt", "--file", "2025-03", "--dry-run")
    assert code == 0 and "\x1b" not in out and sum(shown_file in line for line in out.splitlines()) == len(revised)
    with engine.begin() as conn:
        clash = conn.execute(schema.conflicts.select().where(schema.conflicts.c.natural_key == key)).one()
        conn.execute(schema.volumes.insert().values(
            port_code="2304", site="Site\x1b[2J\x07\u202eX\tY", period="month", period_start=dt.date(2024, 1, 1),
            measure="Trucks", direction="northbound", value=5, source="bts"))
    code, _, err = _run(capsys, "--db", db, "conflicts", "adopt", str(clash.id))
    assert code == 1 and not set(err) & {"\x1b", "\x07", "\t", "\u202e"} and f"{shown_key} holds value 5.0" in err
    assert len(err.splitlines()) == 2, err
