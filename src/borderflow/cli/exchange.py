"""``borderflow exchange`` (records between agencies) and ``borderflow audit`` (the chain).

``--as USER`` names the account whose rights apply: the CLI runs where the database is,
so it is for the operator acting for a user; every command is logged with ``via: cli``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from borderflow.cli.context import emit_json, err, out, state
from borderflow.errors import BadInputError

exchange_app = typer.Typer(help="The binational exchange of records (alerts, incidents, seizures, "
                                "wanted vehicles, closures).", no_args_is_help=True)
audit_app = typer.Typer(help="The exchange's hash-chained audit log.", no_args_is_help=True)

AS_USER = typer.Option(..., "--as", help="The user whose rights apply (borderflow users list).")
AS_JSON = typer.Option(False, "--json", help="Machine-readable output.")
KEY = typer.Option(None, "--idempotency-key", help="Any 1-200 printable ASCII characters (a UUID): run again with "
                   "the same key after a lost answer, and what the first run made is shown instead of a second write.")


def _user(ctx: typer.Context, username: str):  # type: ignore[no-untyped-def]
    """The user ``--as`` names; an unknown or disabled one is refused, and the refusal is
    logged in the exchange audit as a sign-in denied (as the API logs a refused token)."""
    from borderflow.errors import NotFoundError
    from borderflow.services import exchange
    from borderflow.services.accounts import get_user

    engine = state(ctx).engine()
    try:
        user = get_user(engine, username)
    except NotFoundError as exc:
        exchange.record_refused_sign_in(engine, exchange.Channel("cli"), str(exc), None,
                                        {"asked": username[:80]})
        raise
    if user.disabled:
        error = BadInputError(f"user {user.username!r} is disabled; a disabled user cannot use the exchange")
        exchange.record_refused_sign_in(engine, exchange.Channel("cli"), str(error), user)
        raise error
    return user


def _show(record, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    if as_json:
        emit_json(record.as_dict())
        return
    if record.replayed:
        err.print(f"already done by an earlier run with this idempotency key: {record.record_id} v{record.version}",
                  markup=False, highlight=False)
    state_text = "RETRACTED" if record.retracted else record.action
    out.print(f"{record.record_id} v{record.version} ({state_text}) {record.kind} {record.classification} "
              f"owner {record.owner_country}:{record.owner_agency}", markup=False, highlight=False)
    out.print(f"{record.title}\n{record.body}" if not record.retracted else f"reason: {record.reason}",
              markup=False, highlight=False)


@exchange_app.command("keygen")
def keygen() -> None:
    """Print a new key for BORDERFLOW_EXCHANGE_KEY (national records are encrypted with it)."""
    from borderflow.exchange.crypto import new_key

    typer.echo(new_key())
    err.print("set BORDERFLOW_EXCHANGE_KEY to this value on every server of this database and keep a copy "
              "offline: national records cannot be read without it", markup=False, highlight=False)


RECORD_FILE = typer.Argument(..., help="JSON: kind, classification, title, body, port_code, share_agencies, "
                                        "share_roles.")


@exchange_app.command("publish")
def publish(ctx: typer.Context, file: Path = RECORD_FILE, as_user: str = AS_USER, as_json: bool = AS_JSON,
            key: str | None = KEY) -> None:
    """Publish a record from a JSON file, owned by the user's agency (the fields and their
    types as POST /api/v1/exchange/records takes them)."""
    from borderflow.services import exchange

    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{file} is not a readable JSON file: {exc}") from None
    if not isinstance(doc, dict):
        raise BadInputError(f"{file} must hold one JSON object; got {type(doc).__name__}")
    _show(exchange.publish_fields(state(ctx).engine(), _user(ctx, as_user), doc, channel=exchange.Channel("cli"),
                                  idempotency_key=key), as_json)


@exchange_app.command("list")
def list_records(ctx: typer.Context, as_user: str = AS_USER, kind: str | None = typer.Option(None, "--kind"),
                 limit: int = typer.Option(100, "--limit", min=1, max=10_000),
                 offset: int = typer.Option(0, "--offset", min=0, max=1_000_000,
                                            help="Skip this many of the newest records."),
                 as_json: bool = AS_JSON) -> None:
    """The latest version of every record the user may read, newest first (a note on stderr says when more follow)."""
    from borderflow.services import exchange

    shown: list[str] = []

    def render(page: exchange.RecordPage) -> None:  # before the list is logged as shown
        found = page.records
        if as_json:
            shown.append(json.dumps([r.as_dict() for r in found], indent=1, default=str) + "\n")
            return
        # light borders, so an 80-column terminal keeps the whole id and time and a readable title
        table = Table(title="Exchange records", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False,
                      collapse_padding=True)
        for col in ("id", "v", "kind", "class", "owner", "title", "published (UTC)"):
            # an id or a time cut short is no use; the title takes what width is left, wrapped
            table.add_column(col, no_wrap=col in ("id", "published (UTC)"), min_width=10 if col == "title" else None,
                             overflow="ellipsis" if col in ("kind", "class", "owner") else "fold")
        for r in found:  # user text as Text: never read as markup (see cli.context)
            table.add_row(r.record_id, str(r.version), r.kind, r.classification,
                          Text(f"{r.owner_country}:{r.owner_agency}"),
                          Text(f"SEALED: {r.sealed}" if r.sealed is not None
                               else "RETRACTED: " + r.reason if r.retracted else r.title),
                          r.published_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"))
        with out.capture() as captured:
            out.print(table)
        shown.append(captured.get())

    page = exchange.list_visible(state(ctx).engine(), _user(ctx, as_user), kind=kind, limit=limit, offset=offset,
                                 channel=exchange.Channel("cli"), present=render)
    out.file.write(shown[0])  # characters the terminal cannot show are escaped
    if page.more:
        err.print(f"records {offset + 1}-{offset + len(page.records)} of {page.total} shown, newest first; "
                  f"--offset {offset + len(page.records)} for the next ones", markup=False, highlight=False)
    elif not page.records and page.total:
        err.print(f"--offset {offset} is past the last of the {page.total} records; use a smaller one",
                  markup=False, highlight=False)


@exchange_app.command("show")
def show(ctx: typer.Context, record_id: str = typer.Argument(...), as_user: str = AS_USER,
         version: int | None = typer.Option(None, "--version", help="1 to 1,000,000."),
         as_json: bool = AS_JSON) -> None:
    """One record (its latest version, or --version)."""
    from borderflow.services import exchange

    _show(exchange.read(state(ctx).engine(), _user(ctx, as_user), record_id, version,
                        channel=exchange.Channel("cli")), as_json)


@exchange_app.command("correct")
def correct(ctx: typer.Context, record_id: str = typer.Argument(...), as_user: str = AS_USER,
            supersedes: int = typer.Option(..., "--supersedes", min=1, help="The latest version."),
            title: str = typer.Option(..., "--title"),
            body: str | None = typer.Option(None, "--body", help="The whole corrected text; left out: kept; "
                                                                 "'' empties it."),
            port_code: str | None = typer.Option(None, "--port", help="Left out: kept; '' clears it."),
            reason: str = typer.Option("", "--reason"), as_json: bool = AS_JSON, key: str | None = KEY) -> None:
    """Publish a corrected version of a record of the user's agency (body and port carry over unless given)."""
    from borderflow.services import exchange

    keep = exchange.Keep.PREVIOUS
    _show(exchange.correct(state(ctx).engine(), _user(ctx, as_user), record_id, supersedes=supersedes, title=title,
                           body=keep if body is None else body,
                           port_code=keep if port_code is None else (port_code or None), reason=reason,
                           channel=exchange.Channel("cli"), idempotency_key=key), as_json)


@exchange_app.command("retract")
def retract(ctx: typer.Context, record_id: str = typer.Argument(...), as_user: str = AS_USER,
            supersedes: int = typer.Option(..., "--supersedes", min=1),
            reason: str = typer.Option(..., "--reason"), as_json: bool = AS_JSON, key: str | None = KEY) -> None:
    """Retract a record of the user's agency (a last version, with a reason)."""
    from borderflow.services import exchange

    _show(exchange.retract(state(ctx).engine(), _user(ctx, as_user), record_id, supersedes=supersedes,
                           reason=reason, channel=exchange.Channel("cli"),
                           idempotency_key=key), as_json)


@audit_app.command("verify")
def verify(ctx: typer.Context,
           anchor: str | None = typer.Option(None, "--anchor", help="SEQ:HASH kept from 'borderflow audit head'."),
           as_json: bool = AS_JSON) -> None:
    """Check the chain and every record version; exit 1 naming the first bad entry."""
    from borderflow.services import exchange

    result = exchange.verify(state(ctx).engine(), exchange.parse_anchor(anchor) if anchor else None)
    if as_json:
        emit_json({"ok": result.ok, "entries": result.entries, "versions": result.versions,
                   "head": f"{result.head_seq}:{result.head_hash}",
                   "first_bad": str(result.first) if result.first else None,
                   "problems": [str(p) for p in result.problems]})
    elif result.ok:
        out.print(f"ok: {result.entries} entries, {result.versions} record versions; head "
                  f"{result.head_seq}:{result.head_hash}", markup=False, highlight=False)
    else:
        err.print(f"TAMPERED: first bad {result.first}", markup=False, highlight=False, soft_wrap=True)
        for problem in result.problems[:20]:
            err.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("head")
def head(ctx: typer.Context) -> None:
    """Print SEQ:HASH of the newest entry: keep it off this machine; pass it to verify --anchor."""
    from borderflow.services import exchange

    seq, digest = exchange.head(state(ctx).engine())
    typer.echo(f"{seq}:{digest}")


def register(app: typer.Typer) -> None:
    app.add_typer(exchange_app, name="exchange")
    app.add_typer(audit_app, name="audit")
