"""``borderflow poll``: fetch a live feed on a schedule and archive every payload."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import typer

from borderflow.cli.context import emit_json, err, out, state


def poll_command(
    ctx: typer.Context,
    url: str = typer.Argument(..., help="http(s) URL of a live feed (CBP bwtnew, bwt.xml or an RSS feed)."),
    every: str = typer.Option("5m", "--every", help="Time between polls: 30s, 5m, 1h."),
    timeout: str = typer.Option("20s", "--timeout", help="Give up on one fetch after this long (the whole answer)."),
    attempts: int = typer.Option(4, "--attempts", min=1, help="Tries per poll before waiting for the next."),
    format: str | None = typer.Option(None, "--format", help="Force a format instead of detecting it."),
    max_polls: int | None = typer.Option(None, "--max-polls", min=1, help="Stop after this many polls."),
    as_json: bool = typer.Option(False, "--json", help="Print the final counts as JSON."),
    spool: Path = typer.Option(Path("var/poll-spool"), "--spool",
                               help="Folder where each fetched payload waits until the archive holds it."),
) -> None:
    """Poll a live feed until stopped (Ctrl-C or SIGTERM; a second one gives up the fetch under way);
    nothing fetched is lost."""
    from borderflow.services.poll import Poller, PollPolicy, parse_duration, spooled_files

    if not url.startswith(("http://", "https://")):
        from borderflow.errors import BadInputError

        raise BadInputError(f"poll needs an http(s) URL; got {url!r} (use 'borderflow ingest' for files)")
    if format is not None:
        from borderflow.errors import BadInputError
        from borderflow.feeds.detect import FORMATS

        if format not in FORMATS:
            raise BadInputError(f"--format {format!r} is not a known format; use one of: {', '.join(sorted(FORMATS))}")
    policy = PollPolicy(every_seconds=parse_duration(every, 7 * 86400, "--every"),
                        timeout_seconds=parse_duration(timeout, 3600, "--timeout"), attempts=attempts)
    if spool.exists() and not spool.is_dir():
        from borderflow.errors import BadInputError

        raise BadInputError(f"--spool {spool} is a file, not a folder; name a folder (it is created if missing)")
    earlier = spooled_files(spool)
    if earlier:
        err.print(f"note: {len(earlier)} payload(s) fetched by an earlier poll and never stored wait in {spool}; "
                  f"'borderflow ingest {spool}' stores them (safe to repeat), then delete them",
                  markup=False, highlight=False, soft_wrap=True)

    def report(result: Any) -> None:
        if result.unstored:
            line = f"{result.error}; it waits in {spool} and is stored at the next poll"
        else:
            line = f"{result.name}: stored {result.stored}, duplicates {result.duplicates}"
            if result.error:
                line += f"; error: {result.error}"
        err.print(line, markup=False, highlight=False, soft_wrap=True)

    engine = state(ctx).engine(create=True)
    try:
        poller = Poller(engine, url, policy, format=format, on_result=report, spool=spool)
    except OSError as exc:
        from borderflow.errors import BadInputError

        raise BadInputError(f"--spool {spool}: cannot create the folder ({exc.strerror}); name a folder "
                            "this user may write") from None

    def request_stop(signum: int, _frame: Any) -> None:
        if poller.stop_event.is_set():
            err.print(f"giving up the fetch under way (signal {signum})", markup=False)
        else:
            err.print(f"stopping after the current fetch (signal {signum}; again to give it up)", markup=False)
        poller.stop()

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        stats = poller.run(max_polls=max_polls)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    summary = {k: getattr(stats, k) for k in ("polls", "fetched", "failures", "missed", "stored", "refused",
                                             "store_failures", "waiting", "last_error")}
    if as_json:
        emit_json(summary)
    else:  # the result, on stdout as every command's (each poll's line above is progress, on stderr)
        out.print(f"polls {stats.polls}, fetched {stats.fetched}, failed tries {stats.failures}, "
                  f"polls with nothing fetched {stats.missed}, stored {stats.stored}, payloads refused {stats.refused}"
                  + (f", payloads waiting to be stored {stats.waiting}" if stats.waiting else ""),
                  markup=False, highlight=False, soft_wrap=True)
    if stats.waiting:
        err.print(f"error: {stats.waiting} fetched payload(s) could not be stored ({stats.last_error}); they wait in "
                  f"{spool}: 'borderflow ingest {spool}' stores them when the database answers, then delete them",
                  markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    if stats.missed or stats.refused:
        # the source was unreachable at some poll, or sent something refused (kept aside)
        if not as_json:
            err.print(f"error: {stats.last_error or 'a poll failed'}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)
