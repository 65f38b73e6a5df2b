"""``borderflow plans ...`` and ``borderflow report``: binational action plans from the command line.

Thin: every command calls :mod:`borderflow.services.plans`. Writes name the user they
act for (``--as USER``); the same two-sides rule as the API applies, and each write is
recorded in the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich import box
from rich.table import Table

from borderflow.cli.context import check_range, emit_json, err, out, state, usage_error
from borderflow.cli.output import output_for, write_output
from borderflow.errors import BadInputError, BorderFlowError, ForbiddenError

T = TypeVar("T")

plans_app = typer.Typer(help="Binational action plans: actions, milestones, status history, KPIs.",
                        no_args_is_help=True)


#: The largest row id the archive stores (a 32-bit integer on every database), as the API's.
ROW_ID_MAX = 2_147_483_647


def _row_id(ctx: typer.Context, param: typer.CallbackParam, value: int | None) -> int | None:
    """An action, milestone, KPI or meeting id: a whole number from 1 to :data:`ROW_ID_MAX`
    (a usage error otherwise, one line, as the API's 422), never asked of the database."""
    if value is not None:
        check_range(ctx, (param.opts[0] if param.opts and param.opts[0].startswith("-") else
                          (param.name or "id").upper()), value, 1, ROW_ID_MAX)
    return value


def _read_plan_file(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInputError(f"plan file {str(path)!r} does not exist") from None
    except ValueError as exc:
        raise BadInputError(f"plan file {str(path)!r} is not valid JSON: {exc}") from None


@plans_app.command("list")
def list_plans(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """List the stored plans."""
    from borderflow.services import plans

    rows = plans.list_plans(state(ctx).engine())
    if as_json:
        emit_json(rows)
        return
    table = Table(title="Action plans")
    for col in ("id", "slug", "year", "title", "actions", "example"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["id"]), r["slug"], str(r["year"]), r["title"], str(r["actions"]), "yes" if r["is_example"] else "")
    out.print(table)


@plans_app.command("show")
def show(ctx: typer.Context, plan: str = typer.Argument(..., help="Plan slug or id."),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """Show a plan's actions with their status and leads, its milestones, KPIs and meetings,
    each with the id that 'plans status', 'plans edit', 'plans milestone', 'plans edit-kpi',
    'plans edit-meeting' and 'plans retire-kpi' / 'retire-meeting' take; retired KPIs and
    meetings are listed apart."""
    from borderflow.services import plans

    loaded = plans.load_plan(state(ctx).engine(), plan)
    if as_json:
        emit_json(plans.plan_with_ids(loaded))
        return
    out.print(f"{loaded.title} ({loaded.year})" + ("  [EXAMPLE]" if loaded.is_example else ""), markup=False)
    # ids, codes, statuses and counts never wrap (cut short they are no use); texts fold into
    # the width left, which light borders (as 'exchange list') keep for them on 80 columns
    table = Table(box=box.SIMPLE_HEAD, padding=0, show_edge=False)
    for col in ("id", "code", "subcommittee", "title", "lead US", "lead MX", "lead\nside", "status", "mile-\nstones"):
        table.add_column(col, no_wrap=col in ("id", "code", "lead\nside", "status", "mile-\nstones"), overflow="fold",
                         max_width={"subcommittee": 12, "lead US": 10, "lead MX": 10}.get(col))
    for a in loaded.actions:
        done = sum(1 for m in a.milestones if m.done_on)
        table.add_row(str(a.id), a.code, a.subcommittee, a.title, a.lead_agency_us, a.lead_agency_mx, a.lead_side,
                      a.status, f"{done}/{len(a.milestones)}")
    out.print(table)
    stones = Table(title="Milestones")
    for col in ("id", "action", "side", "title", "due", "done"):
        stones.add_column(col, no_wrap=col != "title", overflow="fold")
    for a in loaded.actions:
        for m in a.milestones:
            stones.add_row(str(m.id), a.code, m.side, m.title, m.due_on.isoformat(),
                           m.done_on.isoformat() if m.done_on else "")
    out.print(stones)
    indicators = Table(title="KPIs")
    for col in ("id", "key", "action", "name", "edits"):
        indicators.add_column(col, no_wrap=col != "name", overflow="fold")
    for k in loaded.kpis:
        if k.retired is None:
            indicators.add_row(str(k.id), k.key, k.action or "", k.name, str(len(k.edits)))
    out.print(indicators)
    meetings = Table(title="Meetings")
    for col in ("id", "name", "held on", "place", "edits"):
        meetings.add_column(col, no_wrap=col in ("id", "held on", "edits"), overflow="fold")
    for held in loaded.meetings:
        if held.retired is None:
            meetings.add_row(str(held.id), held.name, held.held_on.isoformat(), held.place, str(len(held.edits)))
    out.print(meetings)
    retired = [(f"KPI {k.key}", k.id, k.name, k.retired) for k in loaded.kpis if k.retired]
    retired += [(f"meeting {m.held_on}", m.id, m.name, m.retired) for m in loaded.meetings if m.retired]
    if retired:
        gone = Table(title="Retired (kept with their edits)")
        for col in ("id", "what", "name", "retired", "why"):
            gone.add_column(col, no_wrap=col in ("id", "retired"), overflow="fold")
        for what, row_id, title, edit in retired:
            assert edit is not None
            gone.add_row(str(row_id), what, title, f"{edit.at.date()} {edit.username}", edit.new or "")
        out.print(gone)


@plans_app.command("import")
def import_file(ctx: typer.Context, file: Path = typer.Argument(..., help="A plan file (.json) or a plans CSV (.csv)."),
                fmt: str | None = typer.Option(None, "--format", help="json or csv (default: by extension)."),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """Import a plan (JSON, the whole plan) or actions and milestones (CSV, into existing plans)."""
    from borderflow.plans.model import parse_plan
    from borderflow.services import plans

    kind = fmt or ("csv" if file.suffix.lower() == ".csv" else "json")
    engine = state(ctx).engine(create=True)
    if kind == "csv":
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BadInputError(f"file {str(file)!r} does not exist") from None
        result: dict[str, object] = dict(plans.import_csv(engine, text))
    elif kind == "json":
        plan = parse_plan(_read_plan_file(file))
        result = {"plan_id": plans.import_plan(engine, plan), "slug": plan.slug, "actions": len(plan.actions),
                  "kpis": len(plan.kpis), "example": plan.is_example}
    else:
        raise BadInputError(f"--format must be json or csv; got {kind!r}")
    if as_json:
        emit_json(result)
    else:
        out.print("imported " + ", ".join(f"{k} {v}" for k, v in result.items()), markup=False, highlight=False)


@plans_app.command("export")
def export(ctx: typer.Context, plan: str = typer.Argument(..., help="Plan slug or id."),
           fmt: str = typer.Option("json", "--format", help="json (the whole plan) or csv (actions, milestones)."),
           output: str | None = typer.Option(None, "--out", "--output", "-o",
                                             help="File to write (default, or -: stdout).")) -> None:
    """Export a plan as a plan file (JSON) or as CSV."""
    from borderflow.plans.model import plan_to_dict
    from borderflow.services import plans

    if fmt not in ("json", "csv"):
        raise BadInputError(f"--format must be json or csv; got {fmt!r}")
    cli = state(ctx)
    destination = output_for(output, binary=False, protect=cli.archive_files())
    loaded = plans.load_plan(cli.engine(), plan)
    if fmt == "json":
        text = json.dumps(plan_to_dict(loaded), indent=1, ensure_ascii=False) + "\n"
    else:
        text = plans.export_csv(loaded)
    write_output(destination, text)
    if not destination.is_stdout:
        err.print(f"wrote {destination.shown}", markup=False, highlight=False, soft_wrap=True)


@plans_app.command("kpis")
def kpis(ctx: typer.Context, plan: str = typer.Option(..., "--plan", help="Plan slug or id."),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """Compute the plan's KPIs from the archive now: baseline, target, measured values."""
    from borderflow.plans.i18n import number
    from borderflow.services import plan_reports

    series = plan_reports.plan_kpis_computed(state(ctx).engine(), plan, base=Path.cwd())
    if as_json:
        emit_json([s.as_dict() for s in series])
        return
    for s in series:
        if s.error:
            out.print(f"{s.key}: {s.name}: cannot be measured: {s.error}", markup=False, highlight=False)
            continue
        table = Table(title=f"{s.key}: {s.name}")
        table.add_column("period")
        table.add_column(f"value ({s.spec.unit})", justify="right")
        table.add_column("n", justify="right")
        for v in s.values:
            table.add_row(v.period, number(v.value), str(v.n))
        out.print(table)
        base = "-" if s.baseline is None else number(s.baseline)
        target = "-" if s.spec.target is None else number(s.spec.target)
        met = {True: "met", False: "not met", None: "-"}[s.met]
        note = ("; the baseline already meets the target: a level to hold (if an improvement was meant, check "
                "target and better)") if s.target_met_at_baseline else ""
        out.print(f"baseline {base}, target {target} ({s.spec.better} is better): {met}{note}", markup=False)


def _user(ctx: typer.Context, username: str, action: str):  # type: ignore[no-untyped-def]
    from borderflow.services import plans

    return plans.user_for_cli(state(ctx).engine(), username, action)


def _audited(ctx: typer.Context, user: Any, action: str, target: str, details: dict[str, Any],
             work: Callable[[], T], done: Callable[[T], dict[str, Any]] | None = None) -> T:
    """Run a write for ``user`` and audit it as the API does: ``ok``, ``denied`` (the
    two-sides rule refused it) or ``refused`` (any other error); then re-raise."""
    from borderflow.services import plans

    engine = state(ctx).engine()
    try:
        result = work()
    except BorderFlowError as exc:
        outcome = "denied" if isinstance(exc, ForbiddenError) else "refused"
        plans.cli_audit(engine, user, action, target, {**details, "reason": str(exc)[:500]}, outcome, exc.http_status)
        raise
    plans.cli_audit(engine, user, action, target, done(result) if done else details)
    return result


def _the_plan(engine: Any, plan: str | None) -> str:
    """``plan``, or the slug of the only stored plan (BadInputError naming them otherwise)."""
    from borderflow.services import plans

    if plan is not None:
        return plan
    stored = plans.list_plans(engine)
    if len(stored) != 1:
        raise BadInputError(f"name the plan with --plan; there are {len(stored)}: "
                            f"{', '.join(p['slug'] for p in stored) or 'none (import one first)'}")
    return str(stored[0]["slug"])


@plans_app.command("status")
def status(ctx: typer.Context, action_id: int = typer.Argument(..., help="Action id (see 'plans show').", callback=_row_id),
           to: str = typer.Option(..., "--to", help="planned, in_progress, done, delayed or cancelled."),
           why: str = typer.Option(..., "--why", help="The reason, kept with the change."),
           as_user: str = typer.Option(..., "--as", help="The user acting (their country must lead the action)."),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Change an action's status; the change is kept with who, when and why."""
    from borderflow.services import plans

    engine = state(ctx).engine()
    user = _user(ctx, as_user, "plans.status")
    change = _audited(ctx, user, "plans.status", f"action {action_id}", {"to": to, "why": why},
                      lambda: plans.change_status(engine, action_id, to, why, user),
                      lambda c: {"from": c.from_status, "to": c.to_status, "why": c.why})
    if as_json:
        emit_json({"action_id": action_id, "from_status": change.from_status, "to_status": change.to_status,
                   "at": change.at.isoformat(), "username": change.username, "why": change.why})
    else:
        out.print(f"action {action_id}: {change.from_status} -> {change.to_status} by {change.username}", markup=False)


@plans_app.command("edit")
def edit(ctx: typer.Context, action_id: int = typer.Argument(..., callback=_row_id),
         assign: list[str] = typer.Option(..., "--set", help="FIELD=VALUE, e.g. notes_mx='...'; repeat."),
         as_user: str = typer.Option(..., "--as", help="The user acting."),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """Edit action fields; each side edits only its own fields (shared ones: the lead side)."""
    from borderflow.services import plans

    changes = {}
    for item in assign:
        name, sep, value = item.partition("=")
        if not sep:
            raise BadInputError(f"--set takes FIELD=VALUE; got {item!r}")
        changes[name.strip()] = value
    engine = state(ctx).engine()
    user = _user(ctx, as_user, "plans.edit")
    edited = _audited(ctx, user, "plans.edit", f"action {action_id}", {"fields": sorted(changes)},
                      lambda: plans.update_action(engine, action_id, changes, user))
    if as_json:  # as the API answers PATCH /plan-actions/{id}
        emit_json({"action_id": edited.action_id, "changed": edited.changed})
    else:
        out.print(f"action {action_id}: changed {', '.join(sorted(changes))}", markup=False, highlight=False)


@plans_app.command("milestone")
def milestone(ctx: typer.Context, milestone_id: int = typer.Argument(..., callback=_row_id),
              done_on: str | None = typer.Option(None, "--done-on", help="YYYY-MM-DD; empty text clears it."),
              due_on: str | None = typer.Option(None, "--due-on", help="YYYY-MM-DD."),
              as_user: str = typer.Option(..., "--as", help="The user acting (of the milestone's side)."),
              as_json: bool = typer.Option(False, "--json")) -> None:
    """Mark a milestone done, or move its due date."""
    from borderflow.services import plans

    changes = {k: v for k, v in (("done_on", done_on), ("due_on", due_on)) if v is not None}
    engine = state(ctx).engine()
    user = _user(ctx, as_user, "plans.milestone")
    result = _audited(ctx, user, "plans.milestone", f"milestone {milestone_id}", {"fields": sorted(changes)},
                      lambda: plans.update_milestone(engine, milestone_id, changes, user), lambda r: r)
    if as_json:  # as the API answers PATCH /plan-milestones/{id}
        emit_json({"id": milestone_id, "changed": result})
        return
    said = []
    if "done_on" in result:
        said.append(f"done on {result['done_on']}" if result["done_on"] else "marked not done")
    if "due_on" in result:
        said.append(f"due on {result['due_on']}")
    if "title" in result:
        said.append(f"titled {result['title']}")
    out.print(f"milestone {milestone_id}: {', '.join(said)}", markup=False, highlight=False)


@plans_app.command("history")
def history(ctx: typer.Context, action_id: int = typer.Argument(..., callback=_row_id), as_json: bool = typer.Option(False, "--json")) -> None:
    """Every status change of an action: who, when, why."""
    from borderflow.services import plans

    _, action = plans.get_action(state(ctx).engine(), action_id)
    rows = [{"from_status": h.from_status, "to_status": h.to_status, "at": h.at.isoformat(), "username": h.username,
             "country": h.country, "why": h.why} for h in action.history]
    if as_json:
        emit_json(rows)
        return
    table = Table(title=f"{action.code}: {action.title}")
    for col in ("at", "from", "to", "who", "country", "why"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["at"], r["from_status"] or "", r["to_status"], r["username"], r["country"], r["why"])
    out.print(table)


@plans_app.command("edits")
def edits(ctx: typer.Context,
          action_id: int | None = typer.Argument(None, help="Action id (see 'plans show').", callback=_row_id),
          kpi_id: int | None = typer.Option(None, "--kpi", callback=_row_id, help="A KPI's id instead: the edits of its name and "
                                            "definition."),
          meeting_id: int | None = typer.Option(None, "--meeting", callback=_row_id, help="A meeting's id instead: the edits of its "
                                                "name and place."),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Every edit of an action's fields and of its milestones (or of a KPI, or a meeting):
    old and new value, who, when."""
    from borderflow.services import plan_definitions, plans

    named = [n for n, v in (("ACTION_ID", action_id), ("--kpi", kpi_id), ("--meeting", meeting_id)) if v is not None]
    if len(named) != 1:
        raise usage_error(ctx, "name one action id, or --kpi KPI_ID, or --meeting MEETING_ID; got "
                               f"{' and '.join(named) or 'none'}")
    engine = state(ctx).engine()
    rows: list[dict[str, Any]]
    if kpi_id is not None:
        _, kpi, _ = plan_definitions.get_kpi(engine, kpi_id)
        title, rows = f"KPI {kpi.key}: {kpi.name}", plan_definitions.field_edit_rows(kpi.edits)
    elif meeting_id is not None:
        _, held = plan_definitions.get_meeting(engine, meeting_id)
        title, rows = f"meeting {held.name} ({held.held_on})", plan_definitions.field_edit_rows(held.edits)
    else:
        assert action_id is not None
        _, action = plans.get_action(engine, action_id)
        title, rows = f"{action.code}: {action.title}", plans.edit_rows(action)
    if as_json:
        emit_json(rows)
        return
    # times to the minute, in UTC (--json has them whole); values fold into the width left
    columns = ("at (UTC)", "mile-\nstone", "field", "old", "new", "who")
    table = Table(title=title, box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), show_edge=False)
    for col in columns if action_id is not None else tuple(c for c in columns if c != "mile-\nstone"):
        table.add_column(col, no_wrap=col in ("at (UTC)", "mile-\nstone", "field"), overflow="fold")
    for r in rows:
        when = dt.datetime.fromisoformat(r["at"]).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
        stone = ["" if r["milestone_id"] is None else str(r["milestone_id"])] if "milestone_id" in r else []
        table.add_row(when, *stone, r["field"], "" if r["old"] is None else r["old"],
                      "" if r["new"] is None else r["new"],
                      f"{r['username']} ({r['country']})" if r["country"] else r["username"])
    out.print(table)


@plans_app.command("edit-kpi")
def edit_kpi(ctx: typer.Context, kpi_id: int = typer.Argument(..., help="KPI id (see 'plans show').", callback=_row_id),
             name: str | None = typer.Option(None, "--name", help="The KPI's new name."),
             assign: list[str] = typer.Option([], "--set", help="KEY=VALUE of its definition, VALUE as JSON (45, "
                                              "[6, 10], '{\"from\": \"2024-01\", \"to\": \"2024-12\"}'; other text "
                                              "as text: minutes); null unsets the key. Repeat."),
             as_user: str = typer.Option(..., "--as", help="The user acting (a KPI of an action: of its lead side)."),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Edit a KPI's name or keys of its definition (target, baseline, unit, ...); each edit is kept."""
    from borderflow.services import plan_definitions

    spec: dict[str, Any] = {}
    for item in assign:
        key, sep, value = item.partition("=")
        if not sep:
            raise BadInputError(f"--set takes KEY=VALUE, e.g. target=45; got {item!r}")
        try:
            spec[key.strip()] = json.loads(value)
        except ValueError:
            spec[key.strip()] = value  # text, as written
    changes = {**({"name": name} if name is not None else {}), **({"spec": spec} if spec else {})}
    engine = state(ctx).engine()
    user = _user(ctx, as_user, "plans.edit-kpi")
    result = _audited(ctx, user, "plans.edit-kpi", f"kpi {kpi_id}", {"fields": sorted(changes), "keys": sorted(spec)},
                      lambda: plan_definitions.update_kpi(engine, kpi_id, changes, user))
    if as_json:  # as the API answers PATCH /plan-kpis/{id}
        emit_json({"id": kpi_id, "changed": result})
    else:
        said = ([f"named {result['name']}"] if "name" in result else []) + [f"set {k}" for k in sorted(spec)]
        out.print(f"KPI {kpi_id}: {', '.join(said)}", markup=False, highlight=False)


@plans_app.command("edit-meeting")
def edit_meeting(ctx: typer.Context, meeting_id: int = typer.Argument(..., help="Meeting id (see 'plans show').", callback=_row_id),
                 name: str | None = typer.Option(None, "--name", help="The meeting's new name."),
                 place: str | None = typer.Option(None, "--place", help="Its new place (empty text clears it)."),
                 as_user: str = typer.Option(..., "--as", help="The user acting (an editor of either country)."),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """Edit a meeting's name or place (its date stays); each edit is kept."""
    from borderflow.services import plan_definitions

    changes = {k: v for k, v in (("name", name), ("place", place)) if v is not None}
    engine = state(ctx).engine()
    user = _user(ctx, as_user, "plans.edit-meeting")
    result = _audited(ctx, user, "plans.edit-meeting", f"meeting {meeting_id}", {"fields": sorted(changes)},
                      lambda: plan_definitions.update_meeting(engine, meeting_id, changes, user), lambda r: r)
    if as_json:  # as the API answers PATCH /plan-meetings/{id}
        emit_json({"id": meeting_id, "changed": result})
    else:
        said = [f"{k} {v}" if v else f"{k} cleared" for k, v in sorted(result.items())]
        out.print(f"meeting {meeting_id}: {', '.join(said)}", markup=False, highlight=False)


@plans_app.command("meeting")
def meeting(ctx: typer.Context, name: str = typer.Argument(..., help="Meeting name, e.g. 'Plenary 2026'."),
            held_on: str = typer.Option(..., "--on", help="YYYY-MM-DD."),
            place: str = typer.Option("", "--place"),
            plan: str | None = typer.Option(None, "--plan", help="Plan slug or id (default: the only plan)."),
            as_user: str = typer.Option(..., "--as", help="The user acting (an editor of either country)."),
            as_json: bool = typer.Option(False, "--json")) -> None:
    """Record a plenary meeting of a plan (its reports cover the time since the previous one);
    the addition is kept in the meeting's edits (who, their country, when)."""
    from borderflow.plans.model import parse_meeting
    from borderflow.services import plans

    engine = state(ctx).engine()
    user = _user(ctx, as_user, "plans.meeting")
    slug = _the_plan(engine, plan)
    details = {"plan": slug, "name": name[:120], "held_on": held_on[:40]}

    def add() -> tuple[int, Any]:
        recorded = parse_meeting({"name": name, "held_on": held_on, "place": place}, "meeting")
        return plans.add_meeting(engine, slug, recorded, user), recorded

    meeting_id, recorded = _audited(ctx, user, "plans.meeting", f"plan {slug}", details, add,
                                    lambda r: {**details, "meeting_id": r[0]})
    if as_json:
        emit_json({"id": meeting_id, "plan": slug, "name": recorded.name, "held_on": recorded.held_on.isoformat(),
                   "place": recorded.place, "username": user.username, "country": user.country})
    else:
        out.print(f"recorded meeting {recorded.name} of plan {slug} on {recorded.held_on}", markup=False,
                  highlight=False)


@plans_app.command("retire-kpi")
def retire_kpi(ctx: typer.Context, kpi_id: int = typer.Argument(..., help="KPI id (see 'plans show').", callback=_row_id),
               why: str = typer.Option(..., "--why", help="The reason, kept with the retirement."),
               as_user: str = typer.Option(..., "--as", help="The user acting (a KPI of an action: of its lead side)."),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """Retire a KPI: it is no longer measured, nor in the reports of meetings held from today;
    earlier meetings' reports keep it, and its record and edits stay."""
    from borderflow.services import plan_definitions, plans

    engine = state(ctx).engine()
    user = _user(ctx, as_user, "plans.retire-kpi")
    kpi = _audited(ctx, user, "plans.retire-kpi", f"kpi {kpi_id}", {"why": why[:500]},
                   lambda: plan_definitions.retire_kpi(engine, kpi_id, why, user))
    if as_json:  # as the API answers DELETE /plan-kpis/{id}
        emit_json({"id": kpi_id, "key": kpi.key, "name": kpi.name, "retired": plans.retirement_data(kpi.retired)})
    else:
        out.print(f"KPI {kpi_id} ({kpi.key}) retired by {user.username}", markup=False, highlight=False)


@plans_app.command("retire-meeting")
def retire_meeting(ctx: typer.Context,
                   meeting_id: int = typer.Argument(..., help="Meeting id (see 'plans show').", callback=_row_id),
                   why: str = typer.Option(..., "--why", help="The reason, kept with the retirement."),
                   as_user: str = typer.Option(..., "--as", help="The user acting (an editor of either country)."),
                   as_json: bool = typer.Option(False, "--json")) -> None:
    """Retire a meeting entered by mistake: it has no report and is no longer listed; its
    record and edits stay."""
    from borderflow.services import plan_definitions

    engine = state(ctx).engine()
    user = _user(ctx, as_user, "plans.retire-meeting")
    held = _audited(ctx, user, "plans.retire-meeting", f"meeting {meeting_id}", {"why": why[:500]},
                    lambda: plan_definitions.retire_meeting(engine, meeting_id, why, user))
    if as_json:  # as the API answers DELETE /plan-meetings/{id}
        emit_json(plan_definitions.meeting_data(held))
    else:
        out.print(f"meeting {meeting_id} ({held.name}) retired by {user.username}", markup=False, highlight=False)


def report(ctx: typer.Context,
           meeting_name: str = typer.Option(..., "--meeting", help="The meeting the report is for."),
           lang: str = typer.Option("en", "--lang", help="en or es."),
           fmt: str = typer.Option("html", "--format", help="html, pdf or md."),
           plan: str | None = typer.Option(None, "--plan", help="Plan slug or id (default: the only plan)."),
           output: str | None = typer.Option(None, "--out", "--output", "-o",
                                             help="File to write (default, or -: stdout).")) -> None:
    """The progress report for a plenary: per subcommittee, done, late and why, KPIs, next steps."""
    from borderflow.plans.i18n import check_language
    from borderflow.plans.render import FORMATS, render
    from borderflow.services import plan_reports

    check_language(lang)
    if fmt not in FORMATS:
        raise BadInputError(f"--format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    cli = state(ctx)
    # html and md are text (UTF-8): written as bytes, as rendered; a PDF never to a terminal
    destination = output_for(output, binary=True, protect=cli.archive_files(), what="a PDF",
                             terminal_ok=fmt != "pdf")
    engine = cli.engine()
    plan = _the_plan(engine, plan)
    data = render(plan_reports.meeting_report(engine, plan, meeting_name, base=Path.cwd()), lang, fmt)
    write_output(destination, data)
    if not destination.is_stdout:
        err.print(f"wrote {destination.shown} ({len(data):,} bytes)", markup=False, highlight=False,
                  soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(plans_app, name="plans")
    app.command("report")(report)
