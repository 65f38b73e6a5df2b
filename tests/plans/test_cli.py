"""``borderflow plans ...`` and ``borderflow report`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from borderflow.cli.main import run
from tests.plans.conftest import EXAMPLE


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert run(["--db", url, "plans", "import", str(EXAMPLE), "--json"]) == 0
    assert run(["--db", url, "users", "create", "ana.cbp", "--agency", "CBP", "--country", "US", "--role", "editor"]) == 0
    assert run(["--db", url, "users", "create", "luis.anam", "--agency", "ANAM", "--country", "MX",
                "--role", "editor"]) == 0
    return url


def test_status_change_with_who_and_why_and_the_other_side_refused(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    # INF-2 (id 2) is led by Mexico.
    assert run(["--db", db, "plans", "status", "2", "--to", "in_progress", "--why", "contract signed",
                "--as", "ana.cbp"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error:") and "MX side" in err
    assert run(["--db", db, "plans", "status", "2", "--to", "in_progress", "--why", "contract signed",
                "--as", "luis.anam", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["from_status"] == "delayed"
    assert run(["--db", db, "plans", "history", "2", "--json"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert history[-1]["why"] == "contract signed" and history[-1]["username"] == "luis.anam"
    assert run(["--db", db, "plans", "edit", "2", "--set", "notes_us=counts shared", "--as", "ana.cbp"]) == 0
    assert run(["--db", db, "users", "audit", "--json"]) == 0
    audit = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert [r["action"] for r in audit][:2] == ["plans.edit", "plans.status"]


def test_export_json_and_csv(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert run(["--db", db, "plans", "export", "21cbm-example", "--format", "json", "--out", str(tmp_path / "p.json")]) == 0
    exported = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    assert exported["example"] is True and len(exported["actions"]) == 5
    assert run(["--db", db, "plans", "export", "21cbm-example", "--format", "csv"]) == 0
    csv_text = capsys.readouterr().out
    assert csv_text.startswith("record,plan,code") and csv_text.count("\nmilestone,") == 9


def test_report_files_in_both_languages(db: str, tmp_path: Path) -> None:
    for lang in ("en", "es"):
        for fmt in ("html", "md", "pdf"):
            out = tmp_path / f"r-{lang}.{fmt}"
            assert run(["--db", db, "report", "--meeting", "Example plenary B", "--lang", lang, "--format", fmt,
                        "--out", str(out)]) == 0
            assert out.stat().st_size > 1000
    assert "Próximos pasos" in (tmp_path / "r-es.md").read_text(encoding="utf-8")
    assert run(["--db", db, "report", "--meeting", "Example plenary B", "--lang", "fr"]) == 1
    assert run(["--db", db, "report", "--meeting", "No such meeting"]) == 1


def test_user_text_in_plan_tables_is_printed_as_written(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    why = "permits [/] pending [link=https://evil.example]x[/link]"
    assert run(["--db", db, "plans", "status", "2", "--to", "in_progress", "--why", why, "--as", "luis.anam"]) == 0
    capsys.readouterr()
    assert run(["--db", db, "plans", "history", "2"]) == 0
    shown = capsys.readouterr().out
    assert "[/]" in shown and "[link=" in shown


def test_refused_cli_writes_are_audited_as_denied(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    # INF-2 (id 2) is led by Mexico; INF-1 (id 1) by the US.
    assert run(["--db", db, "plans", "status", "2", "--to", "done", "--why", "x", "--as", "ana.cbp"]) == 1
    assert run(["--db", db, "plans", "edit", "1", "--set", "notes_mx=from the US", "--as", "ana.cbp"]) == 1
    assert run(["--db", db, "plans", "edit", "1", "--set", "title= ", "--as", "ana.cbp"]) == 1
    assert run(["--db", db, "plans", "milestone", "1", "--done-on", "2026-05-01", "--as", "luis.anam"]) == 1
    assert run(["--db", db, "plans", "edit", "1", "--set", "notes_us=ok", "--as", "ana.cbp"]) == 0
    capsys.readouterr()
    assert run(["--db", db, "users", "audit", "--json"]) == 0
    audit = json.loads(capsys.readouterr().out)
    assert [(r["username"], r["action"], r["outcome"]) for r in audit][:5] == [
        ("ana.cbp", "plans.edit", "ok"),
        ("luis.anam", "plans.milestone", "denied"),
        ("ana.cbp", "plans.edit", "refused"),
        ("ana.cbp", "plans.edit", "denied"),
        ("ana.cbp", "plans.status", "denied"),
    ]


def test_report_and_kpis_with_a_results_file_missing(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sqlalchemy import select

    from borderflow.store.db import make_engine
    from borderflow.store.plans_schema import plan_kpis, plans

    engine = make_engine(db)
    with engine.begin() as conn:
        conn.execute(plan_kpis.insert().values(
            plan_id=conn.execute(select(plans.c.id)).scalar_one(), key="gone", name="Gone", spec=json.dumps(
                {"source": "results", "better": "higher", "results": [
                    {"period": "2026Q1", "file": "/tmp/nonexistent.json", "field": "x"}]})))
    engine.dispose()
    capsys.readouterr()
    assert run(["--db", db, "plans", "kpis", "--plan", "21cbm-example"]) == 0
    assert "gone: Gone: cannot be measured: KPI results file '/tmp/nonexistent.json' does not exist" in \
        capsys.readouterr().out.replace("\n", "")
    out = tmp_path / "r.md"
    assert run(["--db", db, "report", "--meeting", "Example plenary B", "--format", "md", "--out", str(out)]) == 0
    assert "cannot be measured" in out.read_text(encoding="utf-8")


def test_an_unknown_or_disabled_user_named_by_as_is_audited_as_denied(db: str,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--db", db, "users", "disable", "ana.cbp"]) == 0
    assert run(["--db", db, "plans", "edit", "1", "--set", "notes_us=x", "--as", "ana.cbp"]) == 1
    assert run(["--db", db, "plans", "status", "1", "--to", "done", "--why", "x", "--as", "nobody"]) == 1
    capsys.readouterr()
    assert run(["--db", db, "users", "audit", "--json"]) == 0
    audit = json.loads(capsys.readouterr().out)
    assert [(r["username"], r["action"], r["outcome"]) for r in audit][:2] == [
        ("", "plans.status", "denied"), ("ana.cbp", "plans.edit", "denied")]


def test_cli_milestone_edits_follow_the_plan_files_rules(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    # milestone 2 is INF-1's "Additional northbound booths open", a US one
    capsys.readouterr()
    assert run(["--db", db, "plans", "milestone", "2", "--done-on", "2099-12-31", "--as", "ana.cbp"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "milestone.done_on 2099-12-31 has not come yet" in err
    assert run(["--db", db, "plans", "milestone", "2", "--done-on", "2026-05-01", "--as", "ana.cbp"]) == 0
    assert run(["--db", db, "plans", "milestone", "2", "--done-on", "", "--as", "ana.cbp"]) == 0
    capsys.readouterr()
    assert run(["--db", db, "users", "audit", "--json"]) == 0
    audit = json.loads(capsys.readouterr().out)
    assert [(r["action"], r["outcome"]) for r in audit][:3] == [
        ("plans.milestone", "ok"), ("plans.milestone", "ok"), ("plans.milestone", "refused")]


def test_show_gives_the_milestone_ids_that_plans_milestone_takes(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert run(["--db", db, "plans", "show", "21cbm-example", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    stones = {(a["code"], m["title"]): m["id"] for a in shown["actions"] for m in a["milestones"]}
    assert len(stones) == 9 and all(isinstance(i, int) for i in stones.values())
    counts = stones[("INF-2", "Field counts complete (illustrative)")]
    assert run(["--db", db, "plans", "milestone", str(counts), "--done-on", "2026-05-01", "--as", "luis.anam"]) == 0
    capsys.readouterr()
    assert run(["--db", db, "plans", "show", "21cbm-example"]) == 0
    table = capsys.readouterr().out
    assert "Milestones" in table
    rows = [line.split("│") for line in table.splitlines() if line.count("│") >= 6]
    cells = {(r[1].strip(), r[2].strip(), r[3].strip()) for r in rows}
    assert (str(counts), "INF-2", "MX") in cells
    assert any(r[1].strip() == str(counts) and r[6].strip() == "2026-05-01" for r in rows)


def test_a_terminal_that_cannot_show_every_character(db: str, tmp_path: Path) -> None:
    """Under PYTHONIOENCODING=ascii or latin-1, human output shows what it cannot print as
    escapes, and an export to stdout is the same UTF-8 bytes as the file -o writes."""
    import os
    import subprocess
    import sys

    import borderflow

    # a character neither encoding has (the table itself cuts nothing short on 80 columns)
    assert run(["--db", db, "plans", "edit", "1", "--set", "title=Modernize a port \u2013 San Ysidro", "--as",
                "ana.cbp"]) == 0
    assert run(["--db", db, "plans", "export", "21cbm-example", "--format", "csv", "-o", str(tmp_path / "p.csv")]) == 0
    written = (tmp_path / "p.csv").read_bytes()
    assert not written.isascii()  # the example plan's Spanish texts
    source = str(Path(borderflow.__file__).resolve().parents[1])
    for encoding in ("ascii", "latin-1"):
        env = {**os.environ, "PYTHONIOENCODING": encoding,
               "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")])}

        def borderflow_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
            return subprocess.run([sys.executable, "-m", "borderflow", "--db", db, *args],
                                  check=False, capture_output=True, env=env, timeout=120)  # noqa: B023

        shown = borderflow_cli("plans", "show", "21cbm-example")
        assert shown.returncode == 0, shown.stderr
        assert b"Modern" in shown.stdout and b"\\u2013" in shown.stdout  # the dash, escaped
        exported = borderflow_cli("plans", "export", "21cbm-example", "--format", "csv")
        assert exported.returncode == 0, exported.stderr
        assert exported.stdout == written


def test_plans_writes_answer_in_words_or_json(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert run(["--db", db, "plans", "milestone", "2", "--done-on", "2026-05-01", "--due-on", "2026-06-30",
                "--as", "ana.cbp"]) == 0
    assert capsys.readouterr().out == "milestone 2: done on 2026-05-01, due on 2026-06-30\n"  # not a Python dict
    assert run(["--db", db, "plans", "milestone", "2", "--done-on", "", "--as", "ana.cbp"]) == 0
    assert capsys.readouterr().out == "milestone 2: marked not done\n"
    assert run(["--db", db, "plans", "milestone", "2", "--done-on", "2026-05-02", "--as", "ana.cbp", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"id": 2, "changed": {"done_on": "2026-05-02"}}
    assert run(["--db", db, "plans", "edit", "1", "--set", "notes_us=permits filed", "--as", "ana.cbp", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"action_id": 1, "changed": {"notes_us": "permits filed"}}
    assert run(["--db", db, "plans", "meeting", "Plenary 2027", "--on", "2027-03-01", "--place", "Laredo",
                "--as", "luis.anam", "--json"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added == {"id": added["id"], "plan": "21cbm-example", "name": "Plenary 2027", "held_on": "2027-03-01",
                     "place": "Laredo", "username": "luis.anam", "country": "MX"}


def test_show_keeps_codes_and_statuses_whole_on_80_columns(db: str, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from borderflow.cli import context

    monkeypatch.setattr(context.out, "_width", 80)  # as piped
    capsys.readouterr()
    assert run(["--db", db, "plans", "show", "21cbm-example"]) == 0
    shown = capsys.readouterr().out
    assert max(len(line) for line in shown.splitlines()) <= 80
    for code, status, done in (("INF-1", "in_progress", "1/3"), ("INF-2", "delayed", "2/3"), ("SF-2", "in_progress", "0/1")):
        assert any(code in line and f" {status} " in line and line.rstrip().endswith(done)
                   for line in shown.splitlines()), (code, shown)
