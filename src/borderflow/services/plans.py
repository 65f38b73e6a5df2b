"""Action plans in the store: import/export, edits under the two-sides rule.

The permission rule (strict, and the same for API and CLI):

1. Reading is public. Every write needs a user with the role ``editor`` or ``admin``.
2. Every action field belongs to one country side. ``lead_agency_us``, ``notes_us``,
   ``next_steps_us`` are the US side's; the ``_mx`` ones Mexico's. Milestones and
   evidence carry a ``side``; only a user of that country adds or edits them.
3. The shared fields (``title``, ``kind``, ``subcommittee``, ``lead_side``) and the
   **status** belong to the action's lead side (``lead_side``): only its users change
   them. A status change needs a reason and is kept forever (who, country, when, why).
4. Anything else is :class:`ForbiddenError` (HTTP 403), and nothing changes. Roles do
   not cross borders: an ``admin`` of one country does not edit the other's fields.
   Importing or deleting whole plans is an operator task (CLI, database access).

Every accepted edit of an action's field or a milestone is kept in ``plan_edits`` (the
value it replaced, the value it wrote, who, when), written in the edit's own transaction
from the row as locked there, and an action or milestone added to a stored plan keeps
when (``added_at``): a report for a past meeting reads the plan as it stood then
(:mod:`borderflow.plans.report`, :func:`borderflow.services.plan_reports.meeting_report`). Edits of KPI definitions and
meetings are kept the same way, by :mod:`borderflow.services.plan_definitions`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import IntegrityError

from borderflow.errors import BadInputError, ConflictError, ForbiddenError, NotFoundError
from borderflow.plans.model import (
    ADDED,
    SHARED_FIELDS,
    SIDE_FIELDS,
    SIDES,
    STATUSES,
    Action,
    Evidence,
    FieldEdit,
    KpiDefinition,
    Meeting,
    Milestone,
    Plan,
    Source,
    StatusChange,
    Subcommittee,
    choice,
    milestone_data,
    milestone_field,
    parse_evidence,
    parse_milestone,
    plan_to_dict,
    readable_text,
    side_of_field,
    text_value,
)
from borderflow.services.accounts import WRITER_ROLES, User
from borderflow.store.db import writing
from borderflow.store.ordering import in_byte_order
from borderflow.store.plans_schema import (
    plan_actions,
    plan_edits,
    plan_evidence,
    plan_kpis,
    plan_meetings,
    plan_milestones,
    plan_status_changes,
    plan_subcommittees,
    plans,
)
from borderflow.text_rules import unstorable_character

#: Columns of the CSV exchange: one row per action, then one per milestone.
CSV_COLUMNS: tuple[str, ...] = (
    "record", "plan", "code", "subcommittee", "title", "kind", "lead_side", "status",
    "lead_agency_us", "lead_agency_mx", "notes_us", "notes_mx", "next_steps_us", "next_steps_mx",
    "side", "due_on", "done_on",
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- permissions ----------------------------------------------------------------------


def require_editor(user: User, what: str) -> None:
    if not WRITER_ROLES.intersection(user.roles):
        raise ForbiddenError(f"{what} needs the role editor or admin; user {user.username!r} has "
                             f"{', '.join(user.roles)}")


def require_side(user: User, side: str, what: str) -> None:
    """ForbiddenError unless ``user`` is an editor of country ``side``."""
    require_editor(user, what)
    if user.country != side:
        raise ForbiddenError(f"{what} belongs to the {side} side; user {user.username!r} is of {user.country} "
                             f"({user.agency}) and may edit only {user.country} fields")


# -- writing at the same time ----------------------------------------------------------
#
# An edit reads what it checks (a status, a lead side, whether a name is taken) and then
# writes. Writes that read first run in ``writing`` (on SQLite it holds the write lock from
# the start, so a second writer waits and then reads the first one's result) and write
# only while what they read still holds (an UPDATE's WHERE); on PostgreSQL a name taken
# meanwhile by another writer surfaces as the unique key's error, made a ConflictError here.


@contextmanager
def unique_or(conflict: ConflictError) -> Iterator[None]:
    """Raise ``conflict`` when a unique key refuses the write (another writer got there first)."""
    try:
        yield
    except IntegrityError:
        raise conflict from None


# -- reading --------------------------------------------------------------------------


def _plan_row(conn: Connection, ref: str | int) -> Any:
    query = select(plans)
    by_id = str(ref).isascii() and str(ref).isdigit()
    query = query.where(plans.c.id == int(ref)) if by_id else query.where(plans.c.slug == str(ref))
    # a ref holding a NUL, or an id no row can have, names no plan: asked of the database it
    # would be refused as a value instead (PostgreSQL's NUL, SQLite's integer overflow)
    unaskable = unstorable_character(str(ref)) or (by_id and not 0 < int(ref) <= 2_147_483_647)
    row = None if unaskable else conn.execute(query).first()
    if row is None:
        raise NotFoundError(f"no plan {ref!r}; list plans with 'borderflow plans list' or GET /api/v1/plans",
                            key="plan.unknown", fields={"ref": ref})
    return row


def list_plans(engine: Engine) -> list[dict[str, Any]]:
    counts = select(plan_actions.c.plan_id, func.count().label("actions")).group_by(plan_actions.c.plan_id).subquery()
    query = (select(plans.c.id, plans.c.slug, plans.c.year, plans.c.title, plans.c.is_example,
                    func.coalesce(counts.c.actions, 0).label("actions"))
             .outerjoin(counts, counts.c.plan_id == plans.c.id).order_by(plans.c.year, in_byte_order(plans.c.slug)))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def _actions(conn: Connection, plan_id: int, only: int | None = None) -> list[Action]:
    query = (select(plan_actions, plan_subcommittees.c.key.label("sub_key"))
             .join(plan_subcommittees, plan_subcommittees.c.id == plan_actions.c.subcommittee_id)
             .where(plan_actions.c.plan_id == plan_id).order_by(plan_actions.c.id))
    if only is not None:
        query = query.where(plan_actions.c.id == only)
    rows = list(conn.execute(query))
    ids = [r.id for r in rows]
    stones: dict[int, list[Milestone]] = {i: [] for i in ids}
    proofs: dict[int, list[Evidence]] = {i: [] for i in ids}
    changes: dict[int, list[StatusChange]] = {i: [] for i in ids}
    edits: dict[int, list[FieldEdit]] = {i: [] for i in ids}
    stone_edits: dict[int, list[FieldEdit]] = {}
    if ids:
        for e in conn.execute(select(plan_edits).where(plan_edits.c.action_id.in_(ids))
                              .order_by(plan_edits.c.at, plan_edits.c.id)):
            edit = FieldEdit(e.field, e.old_value, e.new_value, e.at, e.username, e.country)
            (edits[e.action_id] if e.milestone_id is None else stone_edits.setdefault(e.milestone_id, [])).append(edit)
        for m in conn.execute(select(plan_milestones).where(plan_milestones.c.action_id.in_(ids))
                              .order_by(plan_milestones.c.due_on, plan_milestones.c.id)):
            stones[m.action_id].append(Milestone(m.side, m.title, m.due_on, m.done_on, m.id, m.added_at,
                                                 tuple(stone_edits.get(m.id, ()))))
        for e in conn.execute(select(plan_evidence).where(plan_evidence.c.action_id.in_(ids)).order_by(plan_evidence.c.id)):
            proofs[e.action_id].append(Evidence(e.side, e.kind, e.text, e.url, e.sha256, e.added_at, e.username))
        for h in conn.execute(select(plan_status_changes).where(plan_status_changes.c.action_id.in_(ids))
                              .order_by(plan_status_changes.c.at, plan_status_changes.c.id)):
            changes[h.action_id].append(StatusChange(h.from_status, h.to_status, h.at, h.username, h.country, h.why))
    return [Action(code=r.code, subcommittee=r.sub_key, title=r.title, kind=r.kind, lead_side=r.lead_side,
                   status=r.status, **{n: getattr(r, n) for n in SIDE_FIELDS["US"] | SIDE_FIELDS["MX"]},
                   milestones=tuple(stones[r.id]), evidence=tuple(proofs[r.id]), history=tuple(changes[r.id]), id=r.id,
                   added_at=r.added_at, edits=tuple(edits[r.id]))
            for r in rows]


def edits_of(conn: Connection, subject: Any, ids: list[int]) -> dict[int, list[FieldEdit]]:
    """The kept edits of the KPIs or meetings ``ids`` (``subject``: ``plan_edits.c.kpi_id`` or
    ``.meeting_id``), each subject's oldest first."""
    found: dict[int, list[FieldEdit]] = {}
    if ids:
        for e in conn.execute(select(plan_edits, subject.label("subject")).where(subject.in_(ids))
                              .order_by(plan_edits.c.at, plan_edits.c.id)):
            found.setdefault(e.subject, []).append(FieldEdit(e.field, e.old_value, e.new_value, e.at, e.username,
                                                             e.country))
    return found


def load_plan(engine: Engine, ref: str | int) -> Plan:
    """The whole plan by slug or id (NotFoundError when unknown)."""
    with engine.connect() as conn:
        row = _plan_row(conn, ref)
        subs = tuple(Subcommittee(s.key, s.name) for s in conn.execute(
            select(plan_subcommittees).where(plan_subcommittees.c.plan_id == row.id).order_by(plan_subcommittees.c.id)))
        actions = _actions(conn, row.id)
        codes = {a.id: a.code for a in actions}
        kpi_rows = list(conn.execute(select(plan_kpis).where(plan_kpis.c.plan_id == row.id).order_by(plan_kpis.c.id)))
        meeting_rows = list(conn.execute(select(plan_meetings).where(plan_meetings.c.plan_id == row.id)
                                         .order_by(plan_meetings.c.held_on, plan_meetings.c.id)))
        kpi_edits = edits_of(conn, plan_edits.c.kpi_id, [k.id for k in kpi_rows])
        meeting_edits = edits_of(conn, plan_edits.c.meeting_id, [m.id for m in meeting_rows])
        defs = tuple(KpiDefinition(k.key, k.name, json.loads(k.spec), codes.get(k.action_id), k.id,
                                   tuple(kpi_edits.get(k.id, ()))) for k in kpi_rows)
        meetings = tuple(Meeting(m.name, m.held_on, m.place, m.id, tuple(meeting_edits.get(m.id, ())))
                         for m in meeting_rows)
    return Plan(slug=row.slug, year=row.year, title=row.title, strategy=row.strategy, is_example=bool(row.is_example),
                sources=tuple(Source(s["title"], s.get("url", "")) for s in json.loads(row.sources)),
                subcommittees=subs, meetings=meetings, actions=tuple(actions), kpis=defs, id=row.id)


def get_action(engine: Engine, action_id: int) -> tuple[str, Action]:
    """(plan slug, action) for an action id; NotFoundError when unknown."""
    with engine.connect() as conn:
        row = conn.execute(select(plan_actions.c.plan_id, plans.c.slug).join(plans, plans.c.id == plan_actions.c.plan_id)
                           .where(plan_actions.c.id == action_id)).first()
        if row is None:
            raise NotFoundError(f"no action with id {action_id}; see 'borderflow plans show PLAN'")
        return row.slug, _actions(conn, row.plan_id, only=action_id)[0]


def plan_with_ids(plan: Plan) -> dict[str, Any]:
    """The plan file of ``plan`` with the id of each action, milestone, KPI and meeting
    (what the edits take), and each KPI's and meeting's retirement (:func:`retirement_data`):
    ``plans show --json`` and ``GET /plans/{plan}``."""
    data = plan_to_dict(plan)
    for item, a in zip(data["actions"], plan.actions, strict=True):
        item["id"] = a.id
        for stone, m in zip(item["milestones"], a.milestones, strict=True):
            stone["id"] = m.id
    for item, kpi in zip(data["kpis"], plan.kpis, strict=True):
        item["id"], item["retired"] = kpi.id, retirement_data(kpi.retired)
    for item, meeting in zip(data["meetings"], plan.meetings, strict=True):
        item["id"], item["retired"] = meeting.id, retirement_data(meeting.retired)
    return data


def retirement_data(retired: FieldEdit | None) -> dict[str, Any] | None:
    """A retirement as the API and ``--json`` answer it (``at``, ``username``, ``country``,
    ``why``), or None for a KPI or meeting that stands."""
    if retired is None:
        return None
    return {"at": retired.at.isoformat(), "username": retired.username, "country": retired.country,
            "why": retired.new}


def edit_rows(action: Action) -> list[dict[str, Any]]:
    """Every kept edit of ``action`` and of its milestones, oldest first: ``at``,
    ``milestone_id`` (None for the action's own fields), ``field``, ``old``, ``new``,
    ``username``, ``country``."""
    edits = [(None, e) for e in action.edits] + [(m.id, e) for m in action.milestones for e in m.edits]
    return [{"at": e.at.isoformat(), "milestone_id": mid, "field": e.field, "old": e.old, "new": e.new,
             "username": e.username, "country": e.country}
            for mid, e in sorted(edits, key=lambda pair: pair[1].at)]


# -- import / export ------------------------------------------------------------------


def _insert_action(conn: Connection, plan_id: int, sub_ids: dict[str, int], action: Action, now: dt.datetime) -> int:
    values = {n: getattr(action, n) for n in SIDE_FIELDS["US"] | SIDE_FIELDS["MX"]}
    key = conn.execute(plan_actions.insert().values(
        plan_id=plan_id, subcommittee_id=sub_ids[action.subcommittee], code=action.code, title=action.title,
        kind=action.kind, lead_side=action.lead_side, status=action.status, updated_at=now,
        added_at=action.added_at, **values,
    )).inserted_primary_key
    assert key is not None
    action_id = int(key[0])
    insert_edits(conn, action.edits, action_id=action_id)
    for m in action.milestones:
        stone = conn.execute(plan_milestones.insert().values(action_id=action_id, side=m.side, title=m.title,
                                                             due_on=m.due_on, done_on=m.done_on,
                                                             added_at=m.added_at)).inserted_primary_key
        assert stone is not None
        insert_edits(conn, m.edits, action_id=action_id, milestone_id=int(stone[0]))
    for e in action.evidence:
        conn.execute(plan_evidence.insert().values(action_id=action_id, side=e.side, kind=e.kind, text=e.text,
                                                   url=e.url, sha256=e.sha256, added_at=e.added_at or now,
                                                   username=e.username))
    # An action without history keeps none: the import is not a status change, so it
    # never shows as "done since the last meeting" (its status holds at every meeting).
    for h in action.history:
        conn.execute(plan_status_changes.insert().values(action_id=action_id, from_status=h.from_status,
                                                         to_status=h.to_status, at=h.at, username=h.username,
                                                         country=h.country, why=h.why))
    return action_id


def insert_edits(conn: Connection, edits: tuple[FieldEdit, ...], **subject: int) -> None:
    """Keep ``edits`` of one subject: ``action_id`` (and ``milestone_id`` for a milestone's),
    ``kpi_id`` or ``meeting_id``."""
    for e in edits:
        conn.execute(plan_edits.insert().values(**subject, field=e.field, old_value=e.old, new_value=e.new, at=e.at,
                                                username=e.username, country=e.country))


def import_plan(engine: Engine, plan: Plan) -> int:
    """Store a validated plan with its own meetings; ConflictError when its slug exists.

    Its actions and milestones keep the ``added_at`` and edits the file gives: without
    them they count as always there (the file states the plan as adopted)."""
    now = _now()
    taken = ConflictError(f"plan {plan.slug!r} already exists; choose another slug or edit it in place")
    with unique_or(taken), writing(engine, serialize=False) as conn:
        if conn.execute(select(plans.c.id).where(plans.c.slug == plan.slug)).first() is not None:
            raise taken
        key = conn.execute(plans.insert().values(
            slug=plan.slug, strategy=plan.strategy, year=plan.year, title=plan.title, is_example=plan.is_example,
            sources=json.dumps([{"title": s.title, "url": s.url} for s in plan.sources]), created_at=now,
        )).inserted_primary_key
        assert key is not None
        plan_id = int(key[0])
        sub_ids = {}
        for s in plan.subcommittees:
            k = conn.execute(plan_subcommittees.insert().values(plan_id=plan_id, key=s.key, name=s.name)).inserted_primary_key
            assert k is not None
            sub_ids[s.key] = int(k[0])
        action_ids = {a.code: _insert_action(conn, plan_id, sub_ids, a, now) for a in plan.actions}
        for d in plan.kpis:
            kpi = conn.execute(plan_kpis.insert().values(
                plan_id=plan_id, action_id=action_ids.get(d.action or ""), key=d.key, name=d.name,
                spec=json.dumps(d.spec, sort_keys=True))).inserted_primary_key
            assert kpi is not None
            insert_edits(conn, d.edits, kpi_id=int(kpi[0]))
        for m in plan.meetings:
            meeting = conn.execute(plan_meetings.insert().values(plan_id=plan_id, name=m.name, held_on=m.held_on,
                                                                 place=m.place)).inserted_primary_key
            assert meeting is not None
            insert_edits(conn, m.edits, meeting_id=int(meeting[0]))
    return plan_id


def export_csv(plan: Plan) -> str:
    """The plan's actions and milestones as CSV (:data:`CSV_COLUMNS`)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for a in plan.actions:
        writer.writerow({"record": "action", "plan": plan.slug, "code": a.code, "subcommittee": a.subcommittee,
                         "title": a.title, "kind": a.kind, "lead_side": a.lead_side, "status": a.status,
                         **{n: getattr(a, n) for n in SIDE_FIELDS["US"] | SIDE_FIELDS["MX"]}})
        for m in a.milestones:
            writer.writerow({"record": "milestone", "plan": plan.slug, "code": a.code, "title": m.title,
                             "side": m.side, "due_on": m.due_on.isoformat(),
                             "done_on": m.done_on.isoformat() if m.done_on else ""})
    return out.getvalue()


def import_csv(engine: Engine, text: str) -> dict[str, int]:
    """Add the actions (and their milestones) of a CSV export to existing plans.

    Actions whose code the plan already has are left as they are (``skipped``); the
    whole file is checked first, so a bad row changes nothing. The actions added, and
    their milestones, are stamped as added now: they are not in a past meeting's report.
    """
    from borderflow.plans.model import parse_action

    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("record", "plan", "code") if c not in (reader.fieldnames or [])]
    if missing:
        raise BadInputError(f"the plans CSV needs the columns {', '.join(CSV_COLUMNS)}; missing {', '.join(missing)}")
    by_plan: dict[str, dict[str, dict[str, Any]]] = {}
    last_line = reader.line_num  # the header's
    for row in reader:
        # A row starts on the line after the previous one ended (a quoted note may span lines).
        where, last_line = f"line {last_line + 1}", reader.line_num
        actions = by_plan.setdefault(row["plan"], {})
        if row["record"] == "action":
            if row["code"] in actions:  # a second row would silently replace the first and its milestones
                raise BadInputError(f"{where}: action {row['code']!r} of plan {row['plan']!r} was already given on "
                                    f"{actions[row['code']]['_line']}; give each action one row, its milestone "
                                    "rows after it")
            actions[row["code"]] = {**{k: v for k, v in row.items() if k not in ("record", "plan", "side", "due_on", "done_on")},
                                    "milestones": [], "_line": where}
        elif row["record"] == "milestone":
            if row["code"] not in actions:
                raise BadInputError(f"{where}: a milestone must follow its action row; no action {row['code']!r} above it")
            stone = {k: row.get(k) for k in ("side", "title", "due_on", "done_on")}
            parse_milestone(stone, where)  # checked here, so an error cites the milestone's own line
            actions[row["code"]]["milestones"].append(stone)
        else:
            raise BadInputError(f"{where}: record must be action or milestone; got {row['record']!r}")
    summary = {"added": 0, "skipped": 0}
    raced = ConflictError("another import added some of this file's actions while it was imported; nothing of "
                          "this file was stored: import it again (the codes a plan has are skipped)")
    with unique_or(raced), writing(engine, serialize=False) as conn:
        for slug, actions in by_plan.items():
            prow = _plan_row(conn, slug)
            sub_ids = {s.key: s.id for s in conn.execute(
                select(plan_subcommittees).where(plan_subcommittees.c.plan_id == prow.id))}
            have = set(conn.scalars(select(plan_actions.c.code).where(plan_actions.c.plan_id == prow.id)))
            for code, raw in actions.items():
                where = raw.pop("_line")
                action = parse_action(raw, where, set(sub_ids))
                if code in have:
                    summary["skipped"] += 1
                    continue
                # added to a plan that exists: from now on, not at its past meetings
                now = _now()
                added = replace(action, added_at=now, milestones=tuple(replace(m, added_at=now) for m in action.milestones))
                _insert_action(conn, prow.id, sub_ids, added, now)
                summary["added"] += 1
    return summary


# -- edits ----------------------------------------------------------------------------


def _edited_text(name: str, value: Any) -> str:
    """An edited action field under a plan file's rules: text, trimmed, within its length,
    and not blank for a required field (title, kind, subcommittee, lead_side)."""
    if not isinstance(value, str):
        raise BadInputError(f"field {name!r} must be text; got {type(value).__name__}")
    text = value.strip()
    if name in SHARED_FIELDS and not text:
        raise BadInputError(f"field {name!r} is required and may not be empty; send the new {name}")
    limit = 120 if name.startswith("lead_agency") else 10_000  # as a plan file's fields
    if len(text) > limit:
        raise BadInputError(f"field {name!r} may be at most {limit} characters; got {len(text)}")
    return readable_text(text, f"field {name!r}", name)


@dataclass(frozen=True)
class EditResult:
    action_id: int
    changed: dict[str, Any]


def update_action(engine: Engine, action_id: int, changes: dict[str, Any], user: User,
                  at: dt.datetime | None = None) -> EditResult:
    """Change action fields; each field is checked against its side (see the module rule).
    Each field changed is kept as an edit (old and new value, who, when: ``at`` or now)."""
    slug, action = get_action(engine, action_id)
    if not changes:
        raise BadInputError("send at least one field to change")
    if "status" in changes:
        raise BadInputError("the status changes only with a reason: POST .../status {\"to\", \"why\"} "
                            "or 'borderflow plans status ACTION_ID --to STATUS --why TEXT'")
    for name in sorted(changes):
        require_side(user, side_of_field(name, action.lead_side), f"field {name!r} of action {action.code}")
    values = {name: _edited_text(name, value) for name, value in changes.items()}
    stored = dict(values)
    with writing(engine, serialize=False) as conn:
        if "lead_side" in values:
            choice(values["lead_side"], SIDES, "lead_side")
        if "kind" in values:
            from borderflow.plans.model import ACTION_KINDS

            choice(values["kind"], ACTION_KINDS, "kind")
        if "subcommittee" in values:
            plan_id = _plan_row(conn, slug).id
            sub = conn.execute(select(plan_subcommittees.c.id).where(
                plan_subcommittees.c.plan_id == plan_id, plan_subcommittees.c.key == values["subcommittee"])).first()
            if sub is None:
                keys = conn.scalars(select(plan_subcommittees.c.key).where(plan_subcommittees.c.plan_id == plan_id)
                                    .order_by(plan_subcommittees.c.id))
                raise BadInputError(f"subcommittee {values['subcommittee']!r} is not one of plan {slug!r}'s; "
                                    f"use one of {', '.join(keys)}")
            values["subcommittee_id"] = sub.id
            del values["subcommittee"]
        # The row is read again, locked (FOR UPDATE on PostgreSQL; SQLite's writing() holds
        # the write lock already): the values the edits record as replaced are the ones
        # this write replaces, whatever another edit wrote since the read above.
        row = conn.execute(select(plan_actions).where(plan_actions.c.id == action_id).with_for_update()).one()
        # The sides were checked against the lead side read above: a shared field is written
        # only while that is still the lead side (another edit may have handed it over since).
        if SHARED_FIELDS & set(changes) and row.lead_side != action.lead_side:
            raise ConflictError(f"the lead side of action {action.code} became {row.lead_side} while this edit was "
                                f"made (it was {action.lead_side}); nothing was changed: read the action again")
        before = {name: getattr(row, name) for name in stored if name != "subcommittee"}
        if "subcommittee" in stored:
            before["subcommittee"] = conn.execute(select(plan_subcommittees.c.key).where(
                plan_subcommittees.c.id == row.subcommittee_id)).scalar_one()
        at = at or _now()
        conn.execute(plan_actions.update().where(plan_actions.c.id == action_id).values(**values, updated_at=at))
        insert_edits(conn, tuple(FieldEdit(name, before[name], new, at, user.username, user.country)
                                  for name, new in sorted(stored.items()) if before[name] != new), action_id=action_id)
    return EditResult(action_id, stored)


def change_status(engine: Engine, action_id: int, to_status: str, why: str, user: User,
                  at: dt.datetime | None = None) -> StatusChange:
    """Move an action to ``to_status`` (lead side only); the change is kept with who, when, why."""
    _, action = get_action(engine, action_id)
    require_side(user, action.lead_side, f"the status of action {action.code}")
    choice(to_status, STATUSES, "status")
    if not isinstance(why, str) or not why.strip():
        raise BadInputError("a status change needs a reason (why); e.g. 'permits delayed by flooding'")
    reason = text_value(why, "why")  # as a plan file's history
    if to_status == action.status:
        raise ConflictError(f"action {action.code} is already {to_status!r}; nothing to change")
    change = StatusChange(action.status, to_status, at or _now(), user.username, user.country, reason)
    with writing(engine, serialize=False) as conn:
        # Written only if the action still has the status (and lead side) read above: of two
        # changes made at once, the second finds the first's status and is refused, as a
        # stale write, instead of both landing in the history.
        done = conn.execute(plan_actions.update().where(
            plan_actions.c.id == action_id, plan_actions.c.status == action.status,
            plan_actions.c.lead_side == action.lead_side).values(status=to_status, updated_at=change.at))
        if done.rowcount != 1:
            now = conn.execute(select(plan_actions.c.status, plan_actions.c.lead_side)
                               .where(plan_actions.c.id == action_id)).one()
            if now.lead_side != action.lead_side:
                raise ConflictError(f"the lead side of action {action.code} became {now.lead_side} while this change "
                                    f"was made; only its users change the status now")
            raise ConflictError(f"action {action.code} is now {now.status!r}, not {action.status!r}: its status was "
                                "changed while this change was made; read its history and change it again if "
                                "still needed")
        conn.execute(plan_status_changes.insert().values(
            action_id=action_id, from_status=change.from_status, to_status=change.to_status, at=change.at,
            username=change.username, country=change.country, why=change.why))
    return change


def _valid_milestone(milestone: Milestone | Mapping[str, Any]) -> Milestone:
    """A milestone checked by the plan file's rule (:func:`~borderflow.plans.model.milestone_field`)."""
    return parse_milestone(milestone_data(milestone) if isinstance(milestone, Milestone) else milestone, "milestone")


def add_milestone(engine: Engine, action_id: int, milestone: Milestone | Mapping[str, Any], user: User,
                  at: dt.datetime | None = None) -> int:
    """Add a milestone (``side``, ``title``, ``due_on``, ``done_on``?) to an action: its side's users only,
    under the plan file's rules, so the plan still exports to a file that imports back. It is
    stamped as added ``at`` (now by default): a report of a meeting before then leaves it out."""
    _, action = get_action(engine, action_id)
    stone = _valid_milestone(milestone)
    require_side(user, stone.side, f"a {stone.side} milestone of action {action.code}")
    with engine.begin() as conn:
        key = conn.execute(plan_milestones.insert().values(action_id=action_id, side=stone.side, title=stone.title,
                                                           due_on=stone.due_on, done_on=stone.done_on,
                                                           added_at=at or _now())).inserted_primary_key
    assert key is not None
    return int(key[0])


def _as_text(value: Any) -> Any:
    """A milestone value as an edit records it and the API answers it (dates YYYY-MM-DD)."""
    return value.isoformat() if isinstance(value, dt.date) else value


def update_milestone(engine: Engine, milestone_id: int, changes: Mapping[str, Any], user: User,
                     at: dt.datetime | None = None) -> dict[str, Any]:
    """Edit a milestone's title, due_on or done_on (its side's users only; the side never
    changes), each under the plan file's rules; returns the values stored. Each field
    changed is kept as an edit (old and new value, who, when: ``at`` or now)."""
    with engine.connect() as conn:
        row = conn.execute(select(plan_milestones).where(plan_milestones.c.id == milestone_id)).first()
    if row is None:
        raise NotFoundError(f"no milestone with id {milestone_id}; 'borderflow plans show PLAN' lists them")
    require_side(user, row.side, f"milestone {milestone_id}")
    unknown = set(changes) - {"title", "due_on", "done_on"}
    if unknown or not changes:
        raise BadInputError(f"a milestone edit may change title, due_on, done_on; got {', '.join(sorted(changes)) or 'nothing'}")
    values = {name: milestone_field(name, value, "milestone") for name, value in changes.items()}
    written = {k: _as_text(v) for k, v in values.items()}
    with writing(engine, serialize=False) as conn:
        # read again, locked, so each edit records the value this write replaces
        stored = conn.execute(select(plan_milestones).where(plan_milestones.c.id == milestone_id).with_for_update()).one()
        before = {name: _as_text(getattr(stored, name)) for name in written}
        at = at or _now()
        conn.execute(plan_milestones.update().where(plan_milestones.c.id == milestone_id).values(**values))
        insert_edits(conn, tuple(FieldEdit(name, before[name], new, at, user.username, user.country)
                                  for name, new in sorted(written.items()) if before[name] != new),
                      action_id=stored.action_id, milestone_id=milestone_id)
    return written


def add_evidence(engine: Engine, action_id: int, evidence: Evidence | Mapping[str, Any], user: User) -> None:
    """Add evidence (a note, a link, a file reference) to an action: its side's users only,
    under the plan file's rules; it is stamped with the user and the time now."""
    _, action = get_action(engine, action_id)
    data = ({"side": evidence.side, "kind": evidence.kind, "text": evidence.text, "url": evidence.url,
             "sha256": evidence.sha256} if isinstance(evidence, Evidence) else evidence)
    proof = parse_evidence(data, "evidence")
    require_side(user, proof.side, f"{proof.side} evidence of action {action.code}")
    with engine.begin() as conn:
        conn.execute(plan_evidence.insert().values(action_id=action_id, side=proof.side, kind=proof.kind,
                                                   text=proof.text, url=proof.url, sha256=proof.sha256,
                                                   added_at=_now(), username=user.username))


def add_meeting(engine: Engine, ref: str | int, meeting: Meeting, user: User, at: dt.datetime | None = None) -> int:
    """Record a meeting of plan ``ref`` for ``user`` (an editor or admin of either country,
    as for a meeting's edits) and return its id; ConflictError when the plan has one of that
    name (a retired one included: its record stays). The addition is kept as the meeting's
    first edit (``added``: its name, who and their country, when: ``at`` or now)."""
    require_editor(user, f"a meeting of plan {ref!r}")
    taken = ConflictError(f"plan {ref!r} has a meeting named {meeting.name!r}; pick another name (a retired "
                          "meeting keeps its name: 'borderflow plans show PLAN' lists them)")
    with unique_or(taken), writing(engine, serialize=False) as conn:
        plan_id = _plan_row(conn, ref).id
        if conn.execute(select(plan_meetings.c.id).where(plan_meetings.c.plan_id == plan_id,
                                                         plan_meetings.c.name == meeting.name)).first():
            raise taken
        key = conn.execute(plan_meetings.insert().values(plan_id=plan_id, name=meeting.name, held_on=meeting.held_on,
                                                         place=meeting.place)).inserted_primary_key
        assert key is not None
        insert_edits(conn, (FieldEdit(ADDED, None, meeting.name, at or _now(), user.username, user.country),),
                     meeting_id=int(key[0]))
    return int(key[0])


def user_for_cli(engine: Engine, username: str, action: str = "plans.write") -> User:
    """The user ``--as`` names for a CLI write; an unknown or disabled one is refused and
    the refusal audited as ``denied`` (with the name asked for), as every refused write is."""
    from borderflow.services.accounts import Principal, get_user, record_audit

    try:
        user = get_user(engine, username)
    except NotFoundError as exc:
        record_audit(engine, principal=None, action=action, target="", outcome="denied",
                     status_code=exc.http_status, user_agent="borderflow-cli",
                     details={"asked": username[:80], "reason": str(exc)[:500]})
        raise
    if user.disabled:
        error = ForbiddenError(f"user {user.username!r} is disabled")
        record_audit(engine, principal=Principal(user=user, token_id=None),  # type: ignore[arg-type]
                     action=action, target="", outcome="denied", status_code=error.http_status,
                     user_agent="borderflow-cli", details={"reason": str(error)})
        raise error
    return user


def cli_audit(engine: Engine, user: User, action: str, target: str, details: dict[str, Any],
              outcome: str = "ok", status_code: int = 0) -> None:
    """Audit a CLI write (no token, no remote address): ``ok``, or ``denied`` (the
    two-sides rule refused it, status 403) or ``refused`` (bad input, conflict) as the API."""
    from borderflow.services.accounts import Principal, record_audit

    record_audit(engine, principal=Principal(user=user, token_id=None),  # type: ignore[arg-type]
                 action=action, target=target, outcome=outcome, status_code=status_code,
                 user_agent="borderflow-cli", details=details)

