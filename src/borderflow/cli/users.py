"""``borderflow users`` and ``borderflow tokens``: accounts and bearer tokens for writing.

A token is printed once, on stdout, when it is made; only its hash is stored.
"""

from __future__ import annotations

import datetime as dt

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from borderflow.cli.context import check_length, emit_json, err, out, state
from borderflow.services.accounts import MAX_DISPLAY_NAME, MAX_TOKEN_NAME

#: The most audit entries one ``users audit`` shows.
MAX_AUDIT_LIMIT = 10_000

users_app = typer.Typer(help="Accounts: who may write (users belong to an agency of the US or MX).",
                        no_args_is_help=True)
tokens_app = typer.Typer(help="Bearer tokens for the API's write endpoints.", no_args_is_help=True)


@users_app.command("create")
def create_user(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="Login name: lowercase letters, digits, . _ @ -"),
    agency: str = typer.Option(..., "--agency", help="The user's agency, e.g. CBP, GSA, ANAM, INDAABIN."),
    country: str = typer.Option(..., "--country", help="US or MX."),
    role: list[str] = typer.Option(["viewer"], "--role",
                                   help="viewer, editor or admin; repeat for several."),
    name: str = typer.Option("", "--name", help="Display name."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add a user."""
    from borderflow.services.accounts import create_user as create

    check_length(ctx, "--name", name.strip(), MAX_DISPLAY_NAME, "a display name")
    user = create(state(ctx).engine(create=True), username, agency=agency, country=country, roles=role, display_name=name)
    if as_json:
        emit_json(user.as_dict())
    else:
        out.print(f"created user {user.username} ({user.agency}, {user.country}; roles {', '.join(user.roles)})",
                  markup=False, highlight=False)


@users_app.command("list")
def list_users(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """List users, disabled ones included."""
    from borderflow.services.accounts import list_users as listing

    found = listing(state(ctx).engine())
    if as_json:
        emit_json([u.as_dict() for u in found])
        return
    table = Table(title="Users")
    for col in ("username", "name", "agency", "country", "roles", "state", "created"):
        table.add_column(col)
    for u in found:
        table.add_row(u.username, u.display_name, u.agency, u.country, ", ".join(u.roles),
                      "disabled" if u.disabled else "active", u.created_at.isoformat(timespec="seconds"))
    out.print(table)


@users_app.command("disable")
def disable_user(ctx: typer.Context, username: str = typer.Argument(...),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """Disable a user: every token of theirs is refused from now on."""
    from borderflow.services.accounts import disable_user as disable

    user = disable(state(ctx).engine(), username)
    if as_json:
        emit_json(user.as_dict())
    else:
        out.print(f"disabled user {user.username}", markup=False, highlight=False)


@users_app.command("audit")
def audit(ctx: typer.Context, user: str | None = typer.Option(None, "--user", help="Only this user."),
          limit: int = typer.Option(50, "--limit", min=1, max=MAX_AUDIT_LIMIT, help="Newest entries shown."),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """The audit log of writes, newest first: who, when, what, from where."""
    from borderflow.services.accounts import get_user, list_audit

    engine = state(ctx).engine()
    if user is not None:
        get_user(engine, user)  # a name no account has is a typo, not a user who did nothing
    rows = list_audit(engine, limit=limit + 1, username=user)  # one more: are older entries left out?
    more = len(rows) > limit
    rows = rows[:limit]
    if more:  # on stderr, so the JSON list keeps its shape
        err.print(f"note: the newest {limit} entries are shown; older ones are kept (--limit up to {MAX_AUDIT_LIMIT}"
                  f"{', --user to narrow' if user is None else ''})", markup=False, highlight=False, soft_wrap=True)
    if as_json:
        emit_json(rows)
        return
    table = Table(title="Audit log")
    for col in ("at", "user", "action", "outcome", "status", "from", "details"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["at"].isoformat(timespec="seconds"), r["username"], r["action"], r["outcome"],
                      str(r["status_code"]), r["remote_addr"], str(r["details"])[:80])
    out.print(table)


@tokens_app.command("create")
def create_token(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="The user the token acts for."),
    name: str = typer.Option("", "--name", help="What the token is for, e.g. 'loop detector uploader'."),
    expires: str | None = typer.Option(None, "--expires", help="Lifetime: 30m, 12h, 90d, 2w. Default: never."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Make a token and print it once; it cannot be shown again."""
    from borderflow.services.accounts import create_token as create
    from borderflow.services.accounts import parse_lifetime

    check_length(ctx, "--name", name.strip(), MAX_TOKEN_NAME, "what the token is for")
    lifetime = parse_lifetime(expires) if expires else None
    issued = create(state(ctx).engine(), username, name=name, expires_in=lifetime)
    if as_json:
        emit_json({"token": issued.text, **issued.info.as_dict()})
        return
    typer.echo(issued.text)
    until = issued.info.expires_at.isoformat(timespec="seconds") if issued.info.expires_at else "never"
    err.print(f"token {issued.info.id} for {issued.info.username} (expires: {until}); store it now, it is not "
              "shown again", markup=False, highlight=False, soft_wrap=True)


@tokens_app.command("revoke")
def revoke_token(ctx: typer.Context, token_id: int = typer.Argument(..., help="The token's id (tokens list)."),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """Revoke a token: it is refused from now on."""
    from borderflow.services.accounts import revoke_token as revoke

    info = revoke(state(ctx).engine(), token_id)
    if as_json:
        emit_json(info.as_dict())
    else:
        out.print(f"revoked token {info.id} ({info.prefix}...) of {info.username}", markup=False, highlight=False)


@tokens_app.command("list")
def list_tokens(ctx: typer.Context, user: str | None = typer.Option(None, "--user", help="Only this user."),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """List tokens (never their text): id, prefix, owner, state."""
    from borderflow.services.accounts import list_tokens as listing

    found = listing(state(ctx).engine(), user)
    if as_json:
        emit_json([t.as_dict() for t in found])
        return
    # light borders, as 'exchange list': an 80-column terminal keeps every id, prefix, time and
    # state whole (they never wrap); user and name fold into the width that is left
    table = Table(title="Tokens", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, collapse_padding=True)
    for col in ("id", "prefix", "user", "name", "created (UTC)", "expires (UTC)", "state"):
        table.add_column(col, no_wrap=col not in ("user", "name"), overflow="fold",
                         min_width=6 if col in ("user", "name") else None)
    for t in found:
        table.add_row(str(t.id), t.prefix + "...", Text(t.username), Text(t.name), _minute(t.created_at),
                      _minute(t.expires_at) if t.expires_at else "never", t.state(dt.datetime.now(dt.UTC)))
    out.print(table)


def _minute(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
