"""Which database a command uses: a command that only reads (or changes what is stored)
refuses a SQLite file that does not exist, naming it, instead of making an empty archive
and reporting nothing; a command that stores what it is given makes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from borderflow.cli.main import run

DATA = Path(__file__).resolve().parent.parent / "data"

READERS = (
    ["status"], ["export", "observations"], ["export", "volumes", "--format", "json"], ["quarantine"], ["conflicts"],
    ["conflicts", "adopt", "1"], ["conflicts", "history"], ["payloads"], ["payload", "abcdef"], ["reparse"], ["serve", "--port", "1"], ["forecast", "--crossing", "250401"],
    ["forecast", "models"], ["forecast", "train"], ["plans", "list"], ["plans", "show", "x"], ["users", "list"],
    ["users", "audit"], ["tokens", "list"], ["tokens", "create", "ana"], ["audit", "head"], ["audit", "verify"],
    ["exchange", "list", "--as", "ana"],
)


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_a_missing_archive_is_named_not_made(command: list[str], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "typo.sqlite3"
    assert run(["--db", f"sqlite:///{missing}", *command]) == 1
    captured = capsys.readouterr()
    assert captured.err == (f"error: no archive at {missing}; check --db or BORDERFLOW_DATABASE_URL (the path is "
                            "absolute), or create it with 'borderflow ingest FILES' (make load)\n")
    assert captured.out == "" and not missing.exists() and list(tmp_path.iterdir()) == []


def test_a_relative_path_is_shown_where_it_points(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["--db", "sqlite:///srv/borderflow/archive.sqlite3", "status"]) == 1  # meant sqlite:////srv/...
    err = capsys.readouterr().err
    assert f"no archive at {tmp_path}/srv/borderflow/archive.sqlite3" in err
    assert "sqlite:///relative/path is relative to the folder you run in" in err
    assert list(tmp_path.iterdir()) == []  # not even the folder
    monkeypatch.setenv("BORDERFLOW_DATABASE_URL", "sqlite:///elsewhere.sqlite3")
    assert run(["quarantine"]) == 1
    assert f"no archive at {tmp_path}/elsewhere.sqlite3" in capsys.readouterr().err


def test_commands_that_store_make_the_archive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = Path(__file__).resolve().parents[2] / "examples" / "plans" / "21cbm-example.json"
    for name, command in (("a", ["ingest", str(DATA / "cbp-feed" / "bwt-2014-03-15.xml"), "-q"]),
                          ("b", ["users", "create", "ana", "--agency", "CBP", "--country", "US"]),
                          ("c", ["plans", "import", str(plan)])):
        path = tmp_path / "new" / f"{name}.sqlite3"
        path.parent.mkdir(exist_ok=True)
        assert run(["--db", f"sqlite:///{path}", *command]) == 0, capsys.readouterr().err
        assert path.exists()
        assert run(["--db", f"sqlite:///{path}", "status", "--json"]) == 0
