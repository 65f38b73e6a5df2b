"""``borderflow conflicts``: the versions of records an ingest kept aside, adopting one as
the stored record (``conflicts adopt``) and the adoptions made (``conflicts history``)."""

from __future__ import annotations

import getpass
from typing import Any

import typer
from rich.table import Table

from borderflow.cli.archive import MAX_NAME_FILTER, kept_aside_table, shown_values, shown_when
from borderflow.cli.context import (
    check_length,
    check_range,
    emit_json,
    err,
    out,
    state,
    usage_error,
)
from borderflow.text_rules import shown_on_terminal

conflicts_app = typer.Typer(
    name="conflicts",
    help="Records that clash with stored ones (same key, other values): both versions; adopt one.",
    no_args_is_help=False,
)

FILE_HELP = "a part of a file name or URL"
#: The largest id either database holds (a 64-bit signed integer).
MAX_ID = 2**63 - 1
#: The characters of a login name kept as who adopted (with " (login)": 120, the column's size).
LOGIN_CHARACTERS = 112
#: Characters never printed raw (text kept before they were refused may hold them): C0 and
#: C1 controls, tab and line breaks included (a table cell is one line of its row), the
#: Unicode line and paragraph separators, and the direction overrides and isolates.
def _texts(ctx: typer.Context, **options: str | None) -> None:
    """A usage error, in one line, for a text option holding a control character or a byte
    that is not UTF-8 (seen as a lone surrogate): such text is neither stored nor printed."""
    from borderflow.errors import BadInputError
    from borderflow.text_rules import checked_text

    for name, value in options.items():
        if value is not None:
            try:
                checked_text(value, f"--{name}", one_line=True)
            except BadInputError as exc:
                raise usage_error(ctx, str(exc)) from None


def _ids(ctx: typer.Context, ids: list[int]) -> None:
    for number in ids:
        if not 1 <= number <= MAX_ID:
            raise usage_error(ctx, f"an id is a whole number from 1 to {MAX_ID}; got {number}")


def _visible(text: str) -> str:
    """``text`` as a terminal may show it (:func:`~borderflow.text_rules.shown_on_terminal`)."""
    return shown_on_terminal(text)


def _say(console: Any, text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


@conflicts_app.callback(invoke_without_command=True)
def conflicts_command(
    ctx: typer.Context,
    file: str | None = typer.Option(None, "--file", help="Only versions that files whose name contains this (any case) hold."),
    kind: str | None = typer.Option(None, "--kind", help="Only this kind: volume, historical_average or observation."),
    key: str | None = typer.Option(None, "--key", help="Only records whose key contains this (e.g. 2304|)."),
    every: bool = typer.Option(False, "--all", help="Also the adopted versions (stored now)."),
    limit: int = typer.Option(50, "--limit", help="Newest clashes shown (1-100000)."),
    as_json: bool = typer.Option(False, "--json", help="Write the clashes as JSON."),
) -> None:
    """Records that clash with stored ones (same key, other values): both versions; the stored one stands
    until a clash is adopted ('borderflow conflicts adopt')."""
    if ctx.invoked_subcommand is not None:
        return
    from borderflow.services.kept_aside import MAX_LIMIT, clashes

    check_range(ctx, "--limit", limit, 1, MAX_LIMIT)
    check_length(ctx, "--file", file, MAX_NAME_FILTER, FILE_HELP)
    check_length(ctx, "--key", key, MAX_NAME_FILTER, "a part of a record's key")
    _texts(ctx, file=file, key=key)
    found = clashes(state(ctx).engine(), file_contains=file, kind=kind, key_contains=key, every_status=every,
                    limit=limit)
    if as_json:
        emit_json(found)
        return
    columns = ("id", "kept at", "record", "stored", "incoming", "file", "status")
    if every:
        kept_aside_table("Clashes (open, replaced, adopted)", found, (*columns, "set"),
                         lambda r: (*_clash_cells(r), _set_by(r["adoption"])))
    else:
        kept_aside_table("Versions not stored now (open or replaced)", found, columns, _clash_cells)
    counts = found["statuses"]
    _say(out, f"{counts['open']} open, {counts['replaced']} replaced, {counts['adopted']} adopted (stored now)"
              + ("" if every else "; --all also lists the adopted ones"))
    stale = sum(1 for r in found["items"] if r["stale"] is not None)
    if stale:
        _say(err, f"note: {stale} listed version(s) are stale (the stored record changed since they were kept); "
                  "ingest their file again to keep them against the stored values, then adopt them")


def _clash_cells(r: dict[str, Any]) -> tuple[str, ...]:
    stored = shown_values(r["stored"])
    if r["stale"] is not None:
        stored += f" (stale: {shown_values(r['stale'])} now)"
    return (str(r["id"]), shown_when(r["kept_at"]), f"{r['kind']} {_visible(r['key'])}", stored,
            shown_values(r["incoming"]), _visible(r["file"]), r["status"])


def _set_by(adoption: dict[str, Any] | None) -> str:
    if adoption is None:
        return ""
    return f"{shown_when(adoption['at'])} by {_visible(adoption['by'])} (adoption {adoption['id']})"


@conflicts_app.command("adopt")
def adopt_command(
    ctx: typer.Context,
    ids: list[int] | None = typer.Argument(None, metavar="ID",
                                           help="Ids of the clashes to adopt ('borderflow conflicts')."),
    file: str | None = typer.Option(None, "--file",
                                    help="Instead of ids: every version not stored now that files whose name contains this hold."),
    kind: str | None = typer.Option(None, "--kind", help="With --file: only volume or historical_average."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; change nothing."),
    why: str = typer.Option("", "--why", help="The reason, kept with each adoption."),
    as_user: str | None = typer.Option(None, "--as",
                                       help="The account adopting, an editor or admin (checked, and audited); else your login name."),
    as_json: bool = typer.Option(False, "--json", help="Write what was adopted (or refused) as JSON."),
) -> None:
    """Make kept-aside versions (counts, historical averages) the stored records, in one
    transaction: all of them or, when any is refused, none. The versions they replace are
    kept; adopting one of those puts it back."""
    from borderflow.services import adoption

    if ids and (file is not None or kind is not None):
        raise usage_error(ctx, "clash ids and --file/--kind do not go together; give one or the other")
    if kind is not None and file is None:
        raise usage_error(ctx, "--kind goes with --file (every version of that kind those files hold)")
    if not ids and file is None:
        raise usage_error(ctx, "name the clashes to adopt: their ids (borderflow conflicts lists them) or "
                               "--file NAME_PART for every version those files hold that is not stored now")
    check_length(ctx, "--file", file, MAX_NAME_FILTER, FILE_HELP)
    if file is not None and not file.strip():
        raise usage_error(ctx, "--file needs a part of a file name or URL; got an empty one")
    check_length(ctx, "--why", why, 2000, "the reason")
    _texts(ctx, file=file, why=why, **{"as": as_user})
    _ids(ctx, ids or [])
    adoption.check_kind(kind, adoptable=True)
    _adopting(ctx, lambda engine, by: adoption.adopt(engine, ids=ids or (), file_contains=file, kind=kind, by=by,
                                                     why=why, dry_run=dry_run),
              as_user, why, dry_run, as_json, file)


@conflicts_app.command("undo")
def undo_command(
    ctx: typer.Context,
    adoption_id: int = typer.Argument(..., metavar="ADOPTION_ID",
                                      help="An adoption of the run to undo ('borderflow conflicts history')."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; change nothing."),
    why: str = typer.Option("", "--why", help="The reason, kept with each adoption."),
    as_user: str | None = typer.Option(None, "--as",
                                       help="The account undoing, an editor or admin (checked, and audited); else your login name."),
    as_json: bool = typer.Option(False, "--json", help="Write what was adopted (or refused) as JSON."),
) -> None:
    """Undo a whole run of adoptions (one 'conflicts adopt': the same time and account) by
    adopting every version it replaced: all of them or, when any is refused, none."""
    from borderflow.services import adoption

    check_length(ctx, "--why", why, 2000, "the reason")
    _texts(ctx, why=why, **{"as": as_user})
    _ids(ctx, [adoption_id])
    _adopting(ctx, lambda engine, by: adoption.undo(engine, adoption_id, by=by, why=why, dry_run=dry_run),
              as_user, why, dry_run, as_json, None)


def _adopting(ctx: typer.Context, call: Any, as_user: str | None, why: str, dry_run: bool, as_json: bool,
              file: str | None) -> None:
    """Run an adoption as the named account (else the login name), audit and report it."""
    engine = state(ctx).engine()
    user = None
    if as_user is not None:
        from borderflow.errors import ForbiddenError
        from borderflow.services.plans import cli_audit, require_editor, user_for_cli

        user = user_for_cli(engine, as_user, "conflicts.adopt")
        try:
            require_editor(user, "adopting a version")
        except ForbiddenError as exc:  # as a plans write: refused and audited as denied
            cli_audit(engine, user, "conflicts.adopt", "conflicts", {"reason": str(exc)[:500]}, "denied",
                      exc.http_status)
            raise
    result = call(engine, user.username if user is not None else _login())
    if user is not None and not dry_run:
        _audit(engine, user, result, why)
    if as_json:
        emit_json(result.as_dict())
    else:
        _print_adoption(result)
    _notes(result, file)
    if result.refused:
        for refusal in result.refused:
            _say(err, f"error: {_visible(refusal.reason)}")
        _say(err, f"error: nothing was adopted: {len(result.refused)} clash(es) refused, and clashes are adopted all "
                  "or none; leave the refused ones out or fix them as said")
        raise typer.Exit(1)


def _login() -> str:
    """Who adopts when no account is named: the login name of the user running the command,
    cut to its first 112 characters so the name with " (login)" fits the 120 kept on
    either database."""
    try:
        return f"{getpass.getuser()[:LOGIN_CHARACTERS]} (login)"
    except (KeyError, OSError):  # no login name in the environment nor in the password database
        return "unknown (login)"


def _audit(engine: Any, user: Any, result: Any, why: str) -> None:
    from borderflow.services.plans import cli_audit

    if result.refused:
        cli_audit(engine, user, "conflicts.adopt", "conflicts",
                  {"refused": [r.conflict_id for r in result.refused], "reason": result.refused[0].reason[:500]},
                  "refused", 409)
    elif result.changes:
        cli_audit(engine, user, "conflicts.adopt", "conflicts",
                  {"adopted": [c.conflict_id for c in result.changes],
                   "adoptions": [c.adoption_id for c in result.changes], "why": why[:500]})


def _print_adoption(result: Any) -> None:
    if not result.changes or result.refused:
        return
    count = len(result.changes)
    title = (f"Would adopt {count} clash(es) (dry run: nothing changed)" if result.dry_run
             else f"Adopted {count} clash(es)")
    table = Table(title=title)
    columns = ("clash", "kind", "key", "replaced", "adopted", "from file")
    for col in (*columns, *(() if result.dry_run else ("replaced kept as",))):
        table.add_column(col, overflow="fold")
    for c in result.changes:
        cells = (str(c.conflict_id), c.kind, _visible(c.key), shown_values(c.replaced), shown_values(c.adopted),
                 _visible(c.file))
        table.add_row(*cells, *(() if result.dry_run else (f"clash {c.kept_as}",)))
    out.print(table)


def _notes(result: Any, file: str | None) -> None:
    from borderflow.services.adoption import READINGS_RULE

    for number in result.already:
        _say(err, f"note: clash {number} was adopted before and its values are stored; left as it is")
    if result.readings_left:
        _say(err, f"note: {result.readings_left} open clash(es) of wait-time readings from these files are left as "
                  f"they are: {READINGS_RULE}")
    if result.undoing_left:
        _say(err, f"note: {result.undoing_left} replaced version(s) from these files are left: these files hold the "
                  "stored version too, and --file does not undo an adoption; adopt them by id")
    if file is not None and not (result.changes or result.refused or result.already or result.undoing_left):
        _say(err, f"note: no version of a count or historical average from files whose name contains {file!r}; "
                  "nothing to adopt")
    elif result.changes and not result.refused and not result.dry_run:
        _say(err, "note: the replaced versions are kept ('borderflow conflicts --all'); adopting one puts it back")


@conflicts_app.command("history")
def history_command(
    ctx: typer.Context,
    key: str | None = typer.Option(None, "--key", help="Only records whose key contains this."),
    file: str | None = typer.Option(None, "--file", help="Only adoptions from or of files whose name contains this."),
    limit: int = typer.Option(50, "--limit", help="Newest adoptions shown (1-100000)."),
    as_json: bool = typer.Option(False, "--json", help="Write the adoptions as JSON."),
) -> None:
    """Every adoption, newest first: the record, the values and file it replaced and adopted, who, when, why."""
    from borderflow.services.adoption import MAX_LIMIT, history

    check_range(ctx, "--limit", limit, 1, MAX_LIMIT)
    check_length(ctx, "--file", file, MAX_NAME_FILTER, FILE_HELP)
    check_length(ctx, "--key", key, MAX_NAME_FILTER, "a part of a record's key")
    _texts(ctx, file=file, key=key)
    found = history(state(ctx).engine(), key_contains=key, file_contains=file, limit=limit)
    if as_json:
        emit_json(found)
        return
    kept_aside_table("Adoptions", found, ("id", "at", "by", "clash", "key", "replaced", "adopted", "why"),
                     lambda r: (str(r["id"]), shown_when(r["adopted_at"]), _visible(r["by"]), str(r["conflict_id"]),
                                _visible(r["key"]),
                                f"{shown_values(r['replaced'])} ({_visible(r['replaced_file'] or 'file unknown')})",
                                f"{shown_values(r['adopted'])} ({_visible(r['file'] or 'file unknown')})",
                                _visible(r["why"])))
