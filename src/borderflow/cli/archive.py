"""Archive verbs: ingest, reparse, export, poll, status, quarantine, payloads, catalog (conflicts: cli.conflicts)."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from borderflow.cli.context import check_length, check_range, emit_json, err, out, state
from borderflow.cli.output import open_output, output_for, write_output
from borderflow.errors import BadInputError
from borderflow.text_rules import shown_on_terminal

if TYPE_CHECKING:
    from borderflow.services.ingest import FileSummary, IngestSummary

#: The longest part of a file name or URL a filter (--file, --name) takes: a path's limit
#: on Linux (PATH_MAX). Far below SQLite's own limit on a LIKE pattern (50,000 bytes,
#: which a longer filter would hit as "pattern too complex").
MAX_NAME_FILTER = 4096


def _print_summary(summary: IngestSummary, as_json: bool, *, kept_before: bool = False) -> None:
    """The summary (a table, or JSON) on stdout; notes, errors and warnings on stderr.

    ``kept_before``: every refusal of this run was already kept in quarantine (a reparse
    that found nothing new to refuse): said as notes, not errors.
    """
    if as_json:
        emit_json(summary.as_dict())
    else:
        table = Table(title="Ingest summary")
        for col in ("files", "read", "stored", "duplicates", "conflicts", "quarantined", "new crossings"):
            table.add_column(col, justify="right")
        table.add_row(
            str(summary.file_count),
            *(str(summary.total(k)) for k in ("read", "stored", "duplicates", "conflicts", "quarantined", "new_crossings")),
        )
        out.print(table)
    for f in summary.files:
        for note in f.notes:
            err.print(f"note: {f.name}: {note}", markup=False, highlight=False, soft_wrap=True)
        if f.error and kept_before and f.format == "unknown":
            err.print(f"note: still not recognised, as when it was stored (kept in quarantine): {f.error}",
                      markup=False, highlight=False, soft_wrap=True)
        elif f.error:
            err.print(f"error: {f.error}", markup=False, highlight=False, soft_wrap=True)
        elif f.quarantined and kept_before:
            err.print(f"note: {f.name}: {f.quarantined} record(s) refused, as before (kept in quarantine)",
                      markup=False, highlight=False, soft_wrap=True)
        elif f.quarantined:
            err.print(
                f"warning: {f.name}: {f.quarantined} record(s) refused and kept in quarantine "
                "(see 'borderflow quarantine')", markup=False, highlight=False, soft_wrap=True,
            )
        if f.conflicts:
            err.print(f"warning: {f.name}: {_conflicts_text(f)}", markup=False, highlight=False,
                      soft_wrap=True)


def _conflicts_text(f: FileSummary) -> str:
    """What a file's conflicts were: records (readings, counts or averages) whose key was
    stored already, or came earlier in the same file, with other values."""
    stored = f.conflicts - f.conflicts_in_file
    parts = []
    if stored:
        parts.append(f"{stored} record(s) have the key of a stored one with other values; the "
                     "stored one stands")
    if f.conflicts_in_file:
        parts.append(f"{f.conflicts_in_file} record(s) repeat the key of an earlier record of "
                     "this file with other values; the first one stands")
    return "; ".join(parts) + "; the other versions are kept aside (see 'borderflow conflicts')"


def _with_progress(run: Callable[[Callable[[FileSummary], None]], IngestSummary], quiet: bool) -> IngestSummary:
    if quiet or not sys.stderr.isatty():
        return run(lambda _f: None)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task("ingesting", total=None)
        return run(lambda f: progress.update(task, advance=1, description=Path(f.name).name[:40] or "ingesting"))


def ingest_command(
    ctx: typer.Context,
    sources: list[str] = typer.Argument(..., help="Files, folders, globs or http(s) URLs."),
    format: str | None = typer.Option(None, "--format", help="Force a format instead of detecting it."),
    as_json: bool = typer.Option(False, "--json", help="Write the summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Ingest wait-time and volume files of any supported format into the archive."""
    from borderflow.services.ingest import ingest

    engine = state(ctx).engine(create=True)
    stored = 0

    def counted(report: Callable[[FileSummary], None]) -> Callable[[FileSummary], None]:
        def each(done: FileSummary) -> None:  # called once a file's transaction is committed
            nonlocal stored
            stored += done.error is None or done.quarantined > 0  # a refused file is kept, in quarantine
            report(done)
        return each

    try:
        summary = _with_progress(lambda cb: ingest(engine, sources, format, counted(cb)), quiet)
    except KeyboardInterrupt:
        # Every file is stored whole or not at all: the files being read or written when
        # Ctrl-C came are rolled back; an ingest again recognises what is stored by its hash.
        err.print(f"interrupted: {stored} file(s) were stored before Ctrl-C; the file(s) being read then were "
                  "not stored (none is stored in part); running the same command again is safe: files already "
                  "stored are recognised and nothing is stored twice", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    _print_summary(summary, as_json)
    if summary.refused_anything:
        raise typer.Exit(1)


def reparse_command(
    ctx: typer.Context,
    format: str | None = typer.Option(None, "--format", help="Only payloads of this format."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Parse every stored raw payload again (after a parser fix) and store what is new.

    Exit 1 only for a problem of this run: a record or file refused that was not kept in
    quarantine already, or a payload that could not be read or stored. A file no parser
    recognised when it was stored, and still none does, is a note (it stays in quarantine).
    """
    from borderflow.services.ingest import reparse
    from borderflow.services.kept_aside import quarantined

    _check_payload_format(format)
    engine = state(ctx).engine()
    kept = quarantined(engine, limit=1)["total"]
    summary = reparse(engine, format)
    kept_before = quarantined(engine, limit=1)["total"] == kept  # the quarantine keeps a refusal once
    # an error other than "still unrecognised" (stored as "unknown", read as such again) is new
    failed = any(f.error and not (f.format == "unknown" and f.quarantined) for f in summary.files)
    _print_summary(summary, as_json, kept_before=kept_before)
    if failed or not kept_before:
        raise typer.Exit(1)


def _check_payload_format(format: str | None) -> None:
    """A stored payload's format is one ingest knows, or "unknown" (kept, not recognised)."""
    from borderflow.feeds.detect import FORMATS

    if format is not None and format not in FORMATS and format != "unknown":
        raise BadInputError(f"--format {format!r} is not a format payloads are stored as; use one of: "
                            f"{', '.join(sorted(FORMATS))}, or unknown (files no parser recognised)")


def _parse_time(value: str | None, label: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise BadInputError(f"--{label} must be ISO 8601 with an offset, e.g. 2024-05-01T00:00:00Z; got {value!r}") from exc
    if parsed.tzinfo is None:
        raise BadInputError(f"--{label} needs an offset or Z, e.g. {value}Z; got {value!r}")
    try:
        return parsed.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise BadInputError(f"--{label} {value} is outside the range of UTC timestamps") from None


def export_command(
    ctx: typer.Context,
    what: str = typer.Argument(..., help="observations or volumes"),
    crossing: str | None = typer.Option(None, "--crossing", help="6-digit crossing number."),
    mode: str | None = typer.Option(None, "--mode"),
    program: str | None = typer.Option(None, "--program"),
    start: str | None = typer.Option(None, "--from", help="ISO 8601 start (inclusive)."),
    end: str | None = typer.Option(None, "--to", help="ISO 8601 end (exclusive)."),
    port: str | None = typer.Option(None, "--port", help="4-digit port code (volumes)."),
    source: str | None = typer.Option(None, "--source", help="Only this source."),
    format: str = typer.Option("csv", "--format", help="csv, parquet or json."),
    output: str | None = typer.Option(None, "-o", "--output", help="File to write; stdout if omitted or -."),
) -> None:
    """Export observations or volumes, in their interchange CSVs (which ingest reads back)."""
    from borderflow.services.archive_names import (
        check_crossing_id,
        require_crossing,
        require_observation_source,
        require_volume_port,
        require_volume_source,
    )
    from borderflow.services.export import EXPORT_FORMATS

    if what not in ("observations", "volumes"):
        raise BadInputError(f"export takes 'observations' or 'volumes'; got {what!r}")
    if format not in EXPORT_FORMATS:
        raise BadInputError(f"--format must be one of {', '.join(EXPORT_FORMATS)}; got {format!r}")
    from borderflow.services.export import ObservationFilter

    # every filter is checked before a byte is written (no half file, no lone "[")
    filt = ObservationFilter(crossing_id=crossing, mode=mode, program=program,
                             start=_parse_time(start, "from"), end=_parse_time(end, "to"), source=source)
    filt.validate()
    if what == "volumes":
        given = [flag for flag, value in (("--crossing", crossing), ("--mode", mode), ("--program", program),
                                          ("--from", start), ("--to", end)) if value is not None]
        if given:
            raise BadInputError(f"{', '.join(given)} filter observations; volumes take --port and --source")
        if port is not None and not re.fullmatch(r"[0-9]{4}", port):
            raise BadInputError(f"--port must be a 4-digit CBP port code such as 2304; got {port!r}")
    elif port is not None:
        raise BadInputError("--port filters volumes; observations take --crossing (a 6-digit crossing number)")
    if crossing is not None:
        check_crossing_id(crossing)
    cli = state(ctx)
    destination = output_for(output, binary=format == "parquet", protect=cli.archive_files(),
                             what=f"{format} output")
    engine = cli.engine()
    # a name the archive does not hold is a typo, not a filter that matches nothing
    if what == "observations":
        if crossing is not None:
            require_crossing(engine, crossing)
        if source is not None:
            require_observation_source(engine, source)
    else:
        if port is not None:
            require_volume_port(engine, port)
        if source is not None:
            require_volume_source(engine, source)
    with open_output(destination) as fh:
        count = _export(what, engine, fh, format, filt, port, source)
    if not destination.is_stdout:
        err.print(f"wrote {count} rows to {destination.shown}", markup=False, highlight=False, soft_wrap=True)
    elif not count:
        err.print(f"note: no stored {'readings' if what == 'observations' else 'volumes'} match these filters",
                  markup=False, highlight=False)


def _export(what, engine, fh, format, filt, port, source) -> int:  # type: ignore[no-untyped-def]
    from borderflow.services.export import export_observations, export_volumes

    if what == "volumes":
        return export_volumes(engine, fh, format, port_code=port, source=source)
    return export_observations(engine, fh, format, filt)


def status_command(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """How much the archive holds, by table and source."""
    from borderflow.services.status import archive_status

    info = archive_status(state(ctx).engine())
    if as_json:
        emit_json(info)
        return
    table = Table(title="Archive")
    table.add_column("what")
    table.add_column("rows", justify="right")
    by_status = info["conflicts_by_status"]
    for name, count in info["tables"].items():
        if name == "conflicts":  # every version kept; say which are not stored now
            table.add_row("conflicts (versions kept)", str(count))
            table.add_row("  open (not stored)", str(by_status["open"]))
            table.add_row("  replaced (not stored)", str(by_status["replaced"]))
            table.add_row("  adopted (stored now)", str(by_status["adopted"]))
        else:
            table.add_row(name, str(count))
    out.print(table)
    if info["observations_by_source"]:
        by_source = Table(title="Observations by source")
        # a time cut short is no use: the times never wrap, a long source name folds instead
        by_source.add_column("source", overflow="fold")
        by_source.add_column("rows", justify="right", no_wrap=True)
        by_source.add_column("first (UTC)", no_wrap=True)
        by_source.add_column("last (UTC)", no_wrap=True)
        for row in info["observations_by_source"]:
            by_source.add_row(row["source"], str(row["rows"]), _utc(row["first"]), _utc(row["last"]))
        out.print(by_source)


def _utc(iso: str | None) -> str:
    """An ISO time in UTC as ``2013-01-01T08:00:00Z`` (the status table's short form)."""
    if not iso:
        return ""
    return dt.datetime.fromisoformat(iso).astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def catalog_build_command(
    ctx: typer.Context,
    data_dir: Path = typer.Argument(..., help="Folder with cbp-feed/, bts/ and txdot/ as published."),
    output: str = typer.Option("src/borderflow/catalog/crossings.json", "-o", "--output", help="File to write (-: stdout)."),
) -> None:
    """Rebuild the shipped catalog of ports and crossings from the public source files."""
    import json

    from borderflow.catalog.build import build_catalog

    if not data_dir.is_dir():
        raise BadInputError(f"{data_dir}: not a folder; name the folder that holds cbp-feed/, bts/ and txdot/")
    destination = output_for(output, binary=False, protect=state(ctx).archive_files())
    catalog = build_catalog(data_dir)
    write_output(destination, json.dumps(catalog, indent=1, ensure_ascii=False) + "\n")
    if not destination.is_stdout:
        out.print(f"{len(catalog['crossings'])} crossings written to {destination.shown}", markup=False,
                  highlight=False)


def kept_aside_table(title: str, found: dict[str, Any], columns: tuple[str, ...],
                     row: Callable[[dict[str, Any]], tuple[str, ...]]) -> None:
    shown = len(found["items"])
    if not shown:
        out.print(f"{title}: none.", highlight=False)
        return
    table = Table(title=f"{title}: newest {shown} of {found['total']}")
    for col in columns:
        table.add_column(col, overflow="fold")
    for item in found["items"]:
        # stored names, keys and raw excerpts may hold characters a terminal would act on
        table.add_row(*(shown_on_terminal(cell) for cell in row(item)))
    out.print(table)


def shown_when(iso: str | None) -> str:
    return f"{iso[:16].replace('T', ' ')} UTC" if iso else ""


def shown_values(values: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items())


def quarantine_command(
    ctx: typer.Context,
    file: str | None = typer.Option(None, "--file", help="Only records from files whose name contains this."),
    limit: int = typer.Option(50, "--limit", help="Newest records shown (1-100000)."),
    as_json: bool = typer.Option(False, "--json", help="Write the records as JSON."),
) -> None:
    """Records an ingest refused and kept aside: file, place, reason, raw text."""
    from borderflow.services.kept_aside import MAX_LIMIT, quarantined

    check_range(ctx, "--limit", limit, 1, MAX_LIMIT)
    check_length(ctx, "--file", file, MAX_NAME_FILTER, "a part of a file name or URL")
    found = quarantined(state(ctx).engine(), file_contains=file, limit=limit)
    if as_json:
        emit_json(found)
        return
    kept_aside_table("Refused records", found, ("kept at", "file", "place", "reason", "raw"),
                     lambda r: (shown_when(r["kept_at"]), r["file"], r["place"], r["reason"], r["raw"][:200]))


def payloads_command(
    ctx: typer.Context,
    format: str | None = typer.Option(None, "--format", help="Only payloads of this format."),
    name: str | None = typer.Option(None, "--name", help="Only payloads whose file name or URL contains this."),
    limit: int = typer.Option(50, "--limit", help="Newest payloads shown (1-100000)."),
    as_json: bool = typer.Option(False, "--json", help="Write the list as JSON."),
) -> None:
    """The raw files and fetched feeds the archive keeps, newest first (see 'borderflow payload')."""
    from borderflow.services.payload_files import MAX_LIMIT, list_payloads

    check_range(ctx, "--limit", limit, 1, MAX_LIMIT)
    check_length(ctx, "--name", name, MAX_NAME_FILTER, "a part of a file name or URL")
    _check_payload_format(format)
    found = list_payloads(state(ctx).engine(), format=format, name_contains=name, limit=limit)
    if as_json:
        emit_json(found)
        return
    if not found["items"]:
        out.print("Stored payloads: none.", highlight=False)
        return
    table = Table(title=f"Stored payloads: newest {len(found['items'])} of {found['total']}")
    for col in ("sha256", "format", "bytes", "stored", "name"):
        table.add_column(col, overflow="fold")
    for p in found["items"]:
        table.add_row(p["sha256"][:16], p["format"], str(p["size_bytes"]), shown_when(p["stored_at"]),
                      shown_on_terminal(p["name"]))
    out.print(table)


def payload_command(
    ctx: typer.Context,
    sha256: str = typer.Argument(..., help="The payload's SHA-256 (or a unique prefix of 6+ hex digits)."),
    output: str | None = typer.Option(None, "-o", "--output",
                                      help="Write the bytes to this file (default, or -: stdout)."),
) -> None:
    """Give back a stored payload byte for byte, as it was ingested or fetched."""
    from borderflow.services.payload_files import payload_bytes

    cli = state(ctx)
    # the bytes were asked for by name: they go to stdout even when it is a terminal
    destination = output_for(output, binary=True, protect=cli.archive_files(), terminal_ok=True)
    info, data = payload_bytes(cli.engine(), sha256)
    write_output(destination, data)
    if not destination.is_stdout:
        err.print(f"wrote {len(data)} bytes of {info['name']} ({info['format']}, sha256 {info['sha256']}) to "
                  f"{destination.shown}", markup=False, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)
    app.command("reparse")(reparse_command)
    app.command("export")(export_command)
    app.command("status")(status_command)
    app.command("quarantine")(quarantine_command)
    app.command("payloads")(payloads_command)
    app.command("payload")(payload_command)
    app.command("catalog-build")(catalog_build_command)
    from borderflow.cli.conflicts import conflicts_app
    from borderflow.cli.poll import poll_command

    app.add_typer(conflicts_app, name="conflicts")
    app.command("poll")(poll_command)
