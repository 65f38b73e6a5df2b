"""Edits of a plan's KPI definitions and meetings, each kept as an action's edits are.

Who may edit them (the two-sides rule of :mod:`borderflow.services.plans`, extended):

- A KPI of an action (its ``name``, the keys of its definition) belongs to the action's
  lead side, as the action's shared fields do: only editors of that country change it,
  and an edit is refused as a conflict when the lead side changed while it was made.
- A KPI of the whole plan and a meeting (its ``name`` and ``place``) belong to both
  sides: an editor or admin of either country changes them, and the edit is kept with
  that user's country, so the other side sees who did. A meeting's date is not edited:
  it says which edits came by the meeting, so it dates every report.

Every accepted edit is written with the value it replaced and the value it wrote, who and
when (``plan_edits``), in the edit's own transaction and from the row as locked there: two
edits of one field at once both land (the second's old value is the first's new one), and
two edits of different keys of one definition at once both land (each merges into the
definition as it is then). Setting a field to the value it has is no edit. A meeting name
taken meanwhile by another writer is a conflict, on SQLite and PostgreSQL alike. A
definition's keys are kept as JSON text (:func:`~borderflow.plans.model.spec_value_text`),
so a report for a past meeting measures the KPI as it was defined then
(:func:`borderflow.plans.report.kpi_definition_at`).

A KPI or a meeting is never deleted: it is **retired** (:func:`retire_kpi`,
:func:`retire_meeting`) by whoever may edit it, with a reason, kept as its last edit
(``retired``: who, their country, when, why). A retired KPI is not measured now nor in the
report of a meeting held on or after the day it was retired, and still is in the reports of
earlier meetings; a retired meeting has no report and is no longer the meeting before
another, for meetings held on or after that day. A retired one is not edited nor retired again
(a ConflictError): its record and edits stay, and a plan file exports and imports them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, select

from borderflow.errors import BadInputError, BorderFlowError, ConflictError, NotFoundError
from borderflow.plans import kpi as kpis
from borderflow.plans.model import (
    KPI_NAME_LIMIT,
    MEETING_EDIT_FIELDS,
    RETIRED,
    FieldEdit,
    KpiDefinition,
    Meeting,
    meeting_edit_value,
    spec_value_text,
    text_value,
)
from borderflow.services.accounts import User
from borderflow.services.plans import (
    edits_of,
    insert_edits,
    require_editor,
    require_side,
    retirement_data,
    unique_or,
)
from borderflow.store.db import writing
from borderflow.store.plans_schema import plan_actions, plan_edits, plan_kpis, plan_meetings, plans

#: Why an API edit may not set a KPI's results files (:func:`update_kpi`, ``names_files``).
RESULTS_BY_OPERATOR = ("kpi.spec.results names files on the server and is not set or changed through the API (the "
                       "definition's results must stay as they are); results files are named in the plan file "
                       "imported on the server, or with 'borderflow plans edit-kpi' by its operator")
#: What a KPI edit may send: its name, and keys of its definition to set (``None``: unset).
KPI_EDIT_KEYS: tuple[str, ...] = ("name", "spec")


def field_edit_rows(edits: tuple[FieldEdit, ...]) -> list[dict[str, Any]]:
    """``edits`` as the CLI and the API list them, oldest first: ``at``, ``field``, ``old``,
    ``new``, ``username``, ``country``."""
    return [{"at": e.at.isoformat(), "field": e.field, "old": e.old, "new": e.new, "username": e.username,
             "country": e.country} for e in sorted(edits, key=lambda e: e.at)]


# -- reading ----------------------------------------------------------------------------


def get_kpi(engine: Engine, kpi_id: int) -> tuple[str, KpiDefinition, str | None]:
    """(plan slug, the KPI with its edits, the lead side of its action or None) for a KPI id;
    NotFoundError when unknown."""
    with engine.connect() as conn:
        row = conn.execute(select(plan_kpis, plans.c.slug, plan_actions.c.code, plan_actions.c.lead_side)
                           .join(plans, plans.c.id == plan_kpis.c.plan_id)
                           .outerjoin(plan_actions, plan_actions.c.id == plan_kpis.c.action_id)
                           .where(plan_kpis.c.id == kpi_id)).first()
        if row is None:
            raise NotFoundError(f"no KPI with id {kpi_id}; 'borderflow plans show PLAN' lists them")
        edits = tuple(edits_of(conn, plan_edits.c.kpi_id, [kpi_id]).get(kpi_id, ()))
    return row.slug, KpiDefinition(row.key, row.name, _spec_of(row.spec), row.code, row.id, edits), row.lead_side


def get_meeting(engine: Engine, meeting_id: int) -> tuple[str, Meeting]:
    """(plan slug, the meeting with its edits) for a meeting id; NotFoundError when unknown."""
    with engine.connect() as conn:
        row = conn.execute(select(plan_meetings, plans.c.slug).join(plans, plans.c.id == plan_meetings.c.plan_id)
                           .where(plan_meetings.c.id == meeting_id)).first()
        if row is None:
            raise NotFoundError(f"no meeting with id {meeting_id}; 'borderflow plans show PLAN' lists them")
        edits = tuple(edits_of(conn, plan_edits.c.meeting_id, [meeting_id]).get(meeting_id, ()))
    return row.slug, Meeting(row.name, row.held_on, row.place, row.id, edits)


def _spec_of(text: str) -> dict[str, Any]:
    """A stored definition as a mapping (one stored as anything else reads as empty: an edit
    then gives it whole)."""
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _still_standing(conn: Connection, subject: Any, subject_id: int, what: str) -> None:
    """ConflictError when the KPI or meeting (``subject``: ``plan_edits.c.kpi_id`` or
    ``.meeting_id``) was retired: read in the write's transaction, after its row is locked,
    so of an edit and a retirement made at once the later one sees the first."""
    retired = conn.execute(select(plan_edits).where(subject == subject_id, plan_edits.c.field == RETIRED)).first()
    if retired is not None:
        raise ConflictError(f"{what} was retired on {retired.at.date().isoformat()} by {retired.username} "
                            f"({retired.new_value}); a retired one is kept as it is and not changed again")


def _reason(why: Any) -> str:
    """Why a KPI or meeting is retired: required text, as a status change's reason."""
    if not isinstance(why, str) or not why.strip():
        raise BadInputError("retiring needs a reason (why); e.g. 'entered twice by mistake'")
    return text_value(why, "why")


# -- KPIs -------------------------------------------------------------------------------


def _normalized(spec: dict[str, Any]) -> dict[str, Any]:
    """A stored definition as an edit writes one (:meth:`~borderflow.plans.kpi.KpiSpec.as_dict`:
    defaults written out), so a key only spelled otherwise is not an edit; one that breaks
    a rule added since stays as stored (the edit then writes a valid one)."""
    try:
        return kpis.parse_spec(spec, "kpi.spec").as_dict()
    except BorderFlowError:
        return spec


def _kpi_changes(changes: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """(the new name or None, the keys of the definition to set: ``None`` unsets one) of a
    KPI edit, checked for shape: BadInputError naming what may be sent."""
    unknown = sorted(set(changes) - set(KPI_EDIT_KEYS))
    if unknown or not changes:
        fixed = ("; its key and its action are not edited: they say which KPI it is"
                 if {"key", "action"} & set(unknown) else "")
        raise BadInputError(f"a KPI edit may change name and spec (keys of its definition); got "
                            f"{', '.join(unknown or sorted(changes)) or 'nothing'}{fixed}")
    name = text_value(changes["name"], "kpi.name", limit=KPI_NAME_LIMIT) if "name" in changes else None
    spec = changes.get("spec", {})
    if not isinstance(spec, Mapping):
        raise BadInputError(f"kpi.spec must be an object of the keys to change, e.g. {{\"target\": 45}}; got "
                            f"{type(spec).__name__}")
    wrong = sorted(str(k) for k in spec if k not in kpis.SPEC_KEYS)
    if wrong:
        raise BadInputError(f"kpi.spec has no key {wrong[0]!r}; a KPI's definition has {', '.join(kpis.SPEC_KEYS)} "
                            "(null unsets a key)")
    if "spec" in changes and not spec:
        raise BadInputError("kpi.spec names no key to change; send e.g. {\"target\": 45}")
    return name, dict(spec)


def _may_change_kpi(user: User, slug: str, kpi: KpiDefinition, lead_side: str | None) -> str:
    """ForbiddenError unless ``user`` may edit or retire ``kpi`` (its action's lead side, or
    either side for a KPI of the whole plan); the KPI as a message names it."""
    what = f"KPI {kpi.key!r} of plan {slug!r}"
    if lead_side is None:
        require_editor(user, what)
    else:
        require_side(user, lead_side, f"{what} (of action {kpi.action}, led by {lead_side})")
    return what


def _locked_kpi(conn: Connection, kpi: KpiDefinition, lead_side: str | None, what: str) -> Any:
    """The KPI's row read again, locked, in the write's transaction (the values an edit
    records as replaced are the ones it replaces); ConflictError when its action's lead side
    changed since the permission was checked, or it was retired."""
    row = conn.execute(select(plan_kpis).where(plan_kpis.c.id == kpi.id).with_for_update()).one()
    if row.action_id is not None:
        now_lead = conn.execute(select(plan_actions.c.lead_side).where(plan_actions.c.id == row.action_id)
                                .with_for_update()).scalar_one()
        if now_lead != lead_side:
            raise ConflictError(f"the lead side of action {kpi.action} became {now_lead} while this edit of "
                                f"{what} was made (it was {lead_side}); nothing was changed: read it again")
    _still_standing(conn, plan_edits.c.kpi_id, row.id, what)
    return row


def update_kpi(engine: Engine, kpi_id: int, changes: Mapping[str, Any], user: User,
               at: dt.datetime | None = None, *, names_files: bool = True) -> dict[str, Any]:
    """Edit a KPI's ``name`` and keys of its definition (``spec``: the keys to set, ``None``
    to unset one), under the plan file's rules; returns what is stored of what was sent
    (``name``, the whole ``spec``). A KPI of an action is its lead side's; one of the whole
    plan, both sides'. Each field changed is kept as an edit (``name``, ``spec.KEY``).

    ``names_files``: whether the caller may set or change the results files the KPI reads
    (``spec.results``). They are files of the server, read when the KPI is measured: the
    server's operator names them (the CLI, a plan file imported on the server); an API
    caller may not (``False``), or any editor could have the server read any of its files."""
    slug, kpi, lead_side = get_kpi(engine, kpi_id)
    what = _may_change_kpi(user, slug, kpi, lead_side)
    name, spec_changes = _kpi_changes(changes)
    with writing(engine, serialize=False) as conn:
        row = _locked_kpi(conn, kpi, lead_side, what)
        stored = _normalized(_spec_of(row.spec))
        merged = {k: v for k, v in {**stored, **spec_changes}.items() if v is not None}
        spec = kpis.parse_spec(merged, "kpi.spec").as_dict() if spec_changes else stored
        if not names_files and spec.get("results") != stored.get("results"):
            raise BadInputError(RESULTS_BY_OPERATOR)
        at = at or dt.datetime.now(dt.UTC)
        edits = [FieldEdit("name", row.name, name, at, user.username, user.country)] if name not in (None, row.name) else []
        edits += [FieldEdit(f"spec.{key}", before, after, at, user.username, user.country)
                  for key in kpis.SPEC_KEYS
                  if (before := spec_value_text(stored.get(key))) != (after := spec_value_text(spec.get(key)))]
        if edits:
            conn.execute(plan_kpis.update().where(plan_kpis.c.id == kpi_id).values(
                name=name or row.name, spec=json.dumps(spec, sort_keys=True)))
            insert_edits(conn, tuple(edits), kpi_id=kpi_id)
    return {**({"name": name} if name is not None else {}), **({"spec": spec} if spec_changes else {})}


def retire_kpi(engine: Engine, kpi_id: int, why: str, user: User, at: dt.datetime | None = None) -> KpiDefinition:
    """Retire a KPI (whoever may edit it) with a reason; returns it as retired. It stays,
    with its edits, in the reports of meetings held before ``at`` (now by default)."""
    slug, kpi, lead_side = get_kpi(engine, kpi_id)
    what = _may_change_kpi(user, slug, kpi, lead_side)
    reason = _reason(why)
    with writing(engine, serialize=False) as conn:
        _locked_kpi(conn, kpi, lead_side, what)
        insert_edits(conn, (FieldEdit(RETIRED, None, reason, at or dt.datetime.now(dt.UTC), user.username,
                                      user.country),), kpi_id=kpi_id)
    return get_kpi(engine, kpi_id)[1]


# -- meetings ---------------------------------------------------------------------------


def update_meeting(engine: Engine, meeting_id: int, changes: Mapping[str, Any], user: User,
                   at: dt.datetime | None = None) -> dict[str, Any]:
    """Edit a meeting's ``name`` and ``place`` (an editor of either country), under the plan
    file's rules; returns the values stored. Each field changed is kept as an edit. A name
    another meeting of the plan has (or takes meanwhile) is a ConflictError."""
    slug, meeting = get_meeting(engine, meeting_id)
    require_editor(user, f"meeting {meeting.name!r} of plan {slug!r}")
    unknown = sorted(set(changes) - set(MEETING_EDIT_FIELDS))
    if unknown or not changes:
        dated = "; its date (held_on) is not edited: it dates the meeting's report" if "held_on" in unknown else ""
        raise BadInputError(f"a meeting edit may change {', '.join(MEETING_EDIT_FIELDS)}; got "
                            f"{', '.join(unknown or sorted(changes)) or 'nothing'}{dated}")
    values = {name: meeting_edit_value(name, value, f"meeting.{name}") for name, value in changes.items()}
    taken = ConflictError(f"plan {slug!r} has a meeting named {values.get('name')!r}; pick another name")
    with unique_or(taken), writing(engine, serialize=False) as conn:
        row = conn.execute(select(plan_meetings).where(plan_meetings.c.id == meeting_id).with_for_update()).one()
        _still_standing(conn, plan_edits.c.meeting_id, meeting_id, f"meeting {meeting.name!r} of plan {slug!r}")
        if "name" in values and values["name"] != row.name and conn.execute(select(plan_meetings.c.id).where(
                plan_meetings.c.plan_id == row.plan_id, plan_meetings.c.name == values["name"])).first():
            raise taken
        at = at or dt.datetime.now(dt.UTC)
        edits = tuple(FieldEdit(name, getattr(row, name), new, at, user.username, user.country)
                      for name, new in sorted(values.items()) if getattr(row, name) != new)
        if edits:
            conn.execute(plan_meetings.update().where(plan_meetings.c.id == meeting_id).values(**values))
            insert_edits(conn, edits, meeting_id=meeting_id)
    return values


def retire_meeting(engine: Engine, meeting_id: int, why: str, user: User,
                   at: dt.datetime | None = None) -> Meeting:
    """Retire a meeting (an editor of either country, as for its edits) with a reason;
    returns it as retired. It keeps its record and edits; it has no report, and is no longer
    the meeting before another held on or after the day it was retired (``at``, now by default)."""
    slug, meeting = get_meeting(engine, meeting_id)
    what = f"meeting {meeting.name!r} of plan {slug!r}"
    require_editor(user, what)
    reason = _reason(why)
    with writing(engine, serialize=False) as conn:
        conn.execute(select(plan_meetings.c.id).where(plan_meetings.c.id == meeting_id).with_for_update()).one()
        _still_standing(conn, plan_edits.c.meeting_id, meeting_id, what)
        insert_edits(conn, (FieldEdit(RETIRED, None, reason, at or dt.datetime.now(dt.UTC), user.username,
                                      user.country),), meeting_id=meeting_id)
    return get_meeting(engine, meeting_id)[1]


def meeting_data(meeting: Meeting) -> dict[str, Any]:
    """A meeting as the API and ``--json`` answer it: ``id``, ``name``, ``held_on``,
    ``place`` and its ``retired`` (who, when, why; null while it stands)."""
    return {"id": meeting.id, "name": meeting.name, "held_on": meeting.held_on.isoformat(), "place": meeting.place,
            "retired": retirement_data(meeting.retired)}
