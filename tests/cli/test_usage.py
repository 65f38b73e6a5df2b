"""Usage errors (exit 2) as the CLI contract promises them: one line on stderr naming the
problem and where to read more, never Click's multi-line box; and out-of-range options
are usage errors in every command."""

from __future__ import annotations

from pathlib import Path

import pytest

from borderflow.cli.main import run

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'usage.sqlite3'}"
    assert run(["--db", url, "ingest", str(DATA / "cbp-feed" / "bwtnew-2022-06-29.json"), "-q"]) == 0
    return url


def _usage(capsys: pytest.CaptureFixture[str], args: list[str], *words: str) -> str:
    capsys.readouterr()
    code = run(args)
    captured = capsys.readouterr()
    assert code == 2, (args, code, captured.err)
    assert captured.err.count("\n") == 1 and captured.err.startswith("error: "), captured.err
    assert "╭" not in captured.err and "Usage:" not in captured.err and captured.out == ""
    assert all(w in captured.err for w in words), (words, captured.err)
    return captured.err


def test_a_missing_required_option_is_a_usage_error(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    _usage(capsys, ["--db", db, "forecast"], "Missing option '--crossing'", "(borderflow forecast --help)")
    _usage(capsys, ["--db", db, "backtest", "--start", "2022-06-01", "--end", "2022-06-02"],
           "Missing option '--crossing'", "(borderflow backtest --help)")
    _usage(capsys, ["--db", db, "calibrate", "--crossing", "250401", "--mode", "passenger", "--program", "standard"],
           "Missing option '--from' and '--to'")


def test_out_of_range_options_are_usage_errors_everywhere(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["quarantine"], ["conflicts"], ["payloads"], ["users", "audit"], ["exchange", "list", "--as", "x"]):
        _usage(capsys, ["--db", db, *command, "--limit", "0"], "--limit", f"(borderflow {' '.join(command[:2])}"
               if command[0] != "exchange" else "(borderflow exchange list --help)")
    _usage(capsys, ["--db", db, "quarantine", "--limit", "100001"], "from 1 to 100000; got 100001")
    _usage(capsys, ["--db", db, "forecast", "--crossing", "250401", "--hours", "0"], "--hours", "from 1 to 168")
    _usage(capsys, ["--db", db, "backtest", "--crossing", "250401", "--start", "2022-06-01", "--end", "2022-06-02",
                    "--refit-every", "1"], "--refit-every", "from 24")
    _usage(capsys, ["--db", db, "simulate", "x.yaml", "--workers", "0"], "--workers")
    _usage(capsys, ["--db", db, "calibrate", "--crossing", "250401", "--mode", "passenger", "--program", "standard",
                    "--smooth-hours", "2"], "odd")


def test_unknown_options_and_commands_are_one_line(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    _usage(capsys, ["--db", db, "ingest", "--no-such-flag", "x"], "No such option: --no-such-flag",
           "(borderflow ingest --help)")
    _usage(capsys, ["--db", db, "no-such-command"], "No such command", "(borderflow --help)")
    _usage(capsys, ["--db", db, "plans", "show"], "Missing argument", "(borderflow plans show --help)")
    _usage(capsys, ["--db", db, "quarantine", "--limit", "many"], "--limit", "integer")


def test_db_after_the_command_says_where_it_goes(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    err = _usage(capsys, ["export", "observations", "--db", db])
    assert err == "error: --db goes before the command: borderflow --db URL export ... (borderflow --help)\n"
    err = _usage(capsys, ["plans", "show", "x", f"--db={db}"])
    assert "borderflow --db URL plans show ..." in err
    assert "--debug goes before the command: borderflow --debug status" in _usage(capsys, ["status", "--debug"])


def test_an_empty_db_is_refused_not_replaced_by_the_default(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _usage(capsys, ["--db", "", "status"], "--db needs a database URL")
    _usage(capsys, ["--db", "  ", "ingest", "x"], "--db needs a database URL")
    assert not (tmp_path / "var").exists()  # no archive was made at the default place


def test_help_and_bare_groups_still_work(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--help"]) == 0
    assert "Usage: borderflow" in capsys.readouterr().out
    assert run(["export", "--help"]) == 0
    assert "--output" in capsys.readouterr().out
    assert run([]) == 2  # no command: the help, as Click does
    assert "Usage: borderflow" in capsys.readouterr().out
    assert run(["--version"]) == 0
    assert capsys.readouterr().out.startswith("borderflow ")


def test_long_filters_and_names_are_refused_naming_the_limit(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    long = "a" * 60_000  # SQLite: "LIKE or GLOB pattern too complex", reported as a database fault
    for command, option in ((["quarantine"], "--file"), (["conflicts"], "--file"), (["payloads"], "--name")):
        _usage(capsys, ["--db", db, *command, option, long], f"{option} is a part of a file name or URL",
               "at most 4,096 characters; got 60,000")
        assert run(["--db", db, *command, option, "_%" * 2048, "--json"]) == 0  # at the limit: an answer
        assert json.loads(capsys.readouterr().out)["total"] == 0
    _usage(capsys, ["--db", db, "users", "create", "ana", "--agency", "CBP", "--country", "US", "--name", "N" * 201],
           "--name is a display name: at most 200 characters; got 201")
    assert run(["--db", db, "users", "create", "ana", "--agency", "CBP", "--country", "US", "--name", "N" * 200,
                "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["display_name"] == "N" * 200  # kept whole, never cut
    _usage(capsys, ["--db", db, "tokens", "create", "ana", "--name", "T" * 121],
           "--name is what the token is for: at most 120 characters; got 121")
