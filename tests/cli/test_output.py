"""``-o/--output`` as every command takes it: stdout with ``-``, a file replaced whole, a
pipe or device written into, never the archive's own database, never a half file."""

from __future__ import annotations

import io
import os
import sys
import threading
from pathlib import Path

import pytest

from borderflow.cli.main import run
from borderflow.cli.output import output_for

DATA = Path(__file__).resolve().parent.parent / "data"
PLAN = Path(__file__).resolve().parent.parent.parent / "examples" / "plans" / "21cbm-example.json"


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "archive.sqlite3"
    assert run(["--db", f"sqlite:///{path}", "ingest", str(DATA / "cbp-feed" / "bwtnew-2022-06-29.json"), "-q"]) == 0
    return path


def _one_line_error(capsys: pytest.CaptureFixture[str], *words: str) -> None:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert all(w in lines[0] for w in words), (words, lines[0])
    assert ".partial" not in lines[0]


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if "partial" in p.name]


def test_the_archive_itself_is_never_an_output(archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{archive}"
    before = archive.read_bytes()[:16]
    link = tmp_path / "link.sqlite3"
    link.symlink_to(archive)
    assert run(["--db", db, "plans", "import", str(PLAN)]) == 0
    capsys.readouterr()
    for target in (archive, link, Path(f"{archive}-wal"), Path(f"{archive}-shm")):
        for command in (["export", "observations"], ["export", "volumes", "--format", "parquet"],
                        ["plans", "export", "21cbm-example"], ["report", "--meeting", "Example plenary B"],
                        ["catalog-build", str(DATA)], ["payload", "0" * 64],
                        ["calibrate", "--crossing", "250401", "--mode", "passenger", "--program", "standard",
                         "--from", "2022-06-29T00:00:00Z", "--to", "2022-06-30T00:00:00Z"]):
            assert run(["--db", db, *command, "-o", str(target)]) == 1, (command, target)
            _one_line_error(capsys, str(target), "archive's own database")
    assert archive.read_bytes()[:16] == before == b"SQLite format 3\x00" and link.is_symlink()
    assert run(["--db", db, "status", "--json"]) == 0  # still an archive
    # relative to the folder it runs in, the same file by another name
    monkeypatch.chdir(tmp_path)
    assert run(["--db", "sqlite:///archive.sqlite3", "export", "observations", "-o", "./archive.sqlite3"]) == 1
    _one_line_error(capsys, "archive's own database")
    assert _leftovers(tmp_path) == []


def test_dash_is_stdout_and_binary_is_kept_off_a_terminal(archive: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{archive}"
    monkeypatch.chdir(tmp_path)
    assert run(["--db", db, "export", "observations", "--crossing", "250401", "-o", "-"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("crossing_id,mode,program") and not Path("-").exists()

    class Piped(io.BytesIO):
        def isatty(self) -> bool:
            return False

    class Terminal(io.TextIOWrapper):
        def isatty(self) -> bool:
            return True

    piped = io.TextIOWrapper(Piped())
    monkeypatch.setattr(sys, "stdout", piped)
    assert run(["--db", db, "export", "observations", "--format", "parquet", "-o", "-"]) == 0
    piped.flush()
    assert piped.buffer.getvalue()[:4] == b"PAR1"  # type: ignore[attr-defined]
    assert run(["--db", db, "plans", "import", str(PLAN)]) == 0
    for args in (["export", "observations", "--format", "parquet"], ["export", "volumes", "--format", "parquet", "-o", "-"],
                 ["report", "--meeting", "Example plenary B", "--format", "pdf"],
                 ["report", "--meeting", "Example plenary B", "--format", "pdf", "-o", "-"]):
        terminal = Terminal(io.BytesIO())
        monkeypatch.setattr(sys, "stdout", terminal)
        capsys.readouterr()
        assert run(["--db", db, *args]) == 1, args
        _one_line_error(capsys, "not written to a terminal", "-o FILE")
        terminal.flush()
        assert terminal.buffer.getvalue() == b""  # type: ignore[attr-defined]


def test_folders_are_named_and_nothing_is_left_behind(archive: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{archive}"
    folder = tmp_path / "out"
    folder.mkdir()
    assert run(["--db", db, "plans", "import", str(PLAN)]) == 0
    capsys.readouterr()
    for target in (str(folder), f"{folder}/", str(tmp_path / "new") + "/"):
        for command in (["export", "observations"], ["plans", "export", "21cbm-example"],
                        ["payload", "0" * 64], ["report", "--meeting", "Example plenary B"],
                        ["catalog-build", str(DATA)]):
            assert run(["--db", db, *command, "-o", target]) == 1
            _one_line_error(capsys, target, "is a folder")
    assert _leftovers(tmp_path) == [] and _leftovers(folder) == [] and not (tmp_path / "new").exists()
    assert not Path(f"{folder}.partial").exists()
    assert run(["--db", db, "export", "observations", "-o", str(tmp_path / "no" / "dir" / "x.csv")]) == 1
    _one_line_error(capsys, "does not exist", str(tmp_path / "no" / "dir"))


def test_a_failure_while_writing_keeps_the_old_file_and_leaves_no_partial(
        archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from borderflow.services import export

    target = tmp_path / "waits.csv"
    target.write_text("the old file\n")
    target.chmod(0o640)

    def half_then_fail(engine, out, format, filt):  # type: ignore[no-untyped-def]
        out.write("crossing_id,mode\n")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "export_observations", half_then_fail)
    assert run(["--db", f"sqlite:///{archive}", "export", "observations", "-o", str(target)]) == 1
    _one_line_error(capsys, f"cannot write {target}", "No space left on device")
    assert target.read_text() == "the old file\n" and _leftovers(tmp_path) == []
    monkeypatch.undo()
    assert run(["--db", f"sqlite:///{archive}", "export", "observations", "-o", str(target)]) == 0
    assert target.read_text().startswith("crossing_id,") and _leftovers(tmp_path) == []
    assert target.stat().st_mode & 0o777 == 0o640  # a replaced file keeps its permissions


def test_a_link_to_a_file_stays_a_link(archive: Path, tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    assert run(["--db", f"sqlite:///{archive}", "export", "observations", "-o", str(link)]) == 0
    assert link.is_symlink() and real.read_text().startswith("crossing_id,")


def test_a_named_pipe_is_written_into_not_replaced(archive: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert run(["--db", f"sqlite:///{archive}", "export", "observations", "--crossing", "250401", "-o", str(fifo)]) == 0
    reader.join(10)
    assert received and received[0].startswith(b"crossing_id,")
    assert fifo.is_fifo() and _leftovers(tmp_path) == []


def test_devices_and_streams_are_written_into_never_replaced(tmp_path: Path) -> None:
    # checked without writing: a regression here would replace /dev/stdout for a root user
    for name in ("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1", "/dev/null"):
        checked = output_for(name, binary=False)
        assert checked.direct and checked.path == Path(name), name
    assert not output_for(str(tmp_path / "new.csv"), binary=False).direct
    assert output_for("-", binary=False).is_stdout


def test_calibrate_scenario_to_stdout_cannot_share_it_with_json(archive: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--db", f"sqlite:///{archive}", "calibrate", "--crossing", "250401", "--mode", "passenger",
                "--program", "standard", "--from", "2022-06-29T00:00:00Z", "--to", "2022-06-30T00:00:00Z",
                "--json", "-o", "-"]) == 1
    _one_line_error(capsys, "-o - and --json")
