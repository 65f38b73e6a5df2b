"""Binational action plans (SQLAlchemy Core, on the archive's ``metadata``).

strategy -> plan (one year's action plan) -> subcommittee -> action -> milestones,
status changes (every one kept: who, when, why), evidence; KPIs belong to a plan (and
optionally to an action) and hold only their *definition* (JSON): their values are
computed from the archive each time. Meetings (plenaries) belong to a plan and date its
progress report. Every edit of an action's fields, a milestone, a KPI's definition or
a meeting is kept in ``plan_edits`` (old and new value, who, when), and actions and
milestones record when they were added, so a report for a past meeting reads the plan
as it stood then. Migration ``0004_plans`` mirrors this file, ``0009_plan_meetings``
gives meetings their plan, ``0012_plan_edits`` adds the record of edits and additions,
``0014_plan_definition_edits`` extends it to KPIs and meetings.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from borderflow.store.schema import metadata
from borderflow.store.types import UTCDateTime

plans = Table(
    "plans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    #: Stable name used by import/export and the CLI ("21cbm-2011").
    Column("slug", String(80), nullable=False, unique=True),
    Column("strategy", Text, nullable=False, default=""),
    Column("year", Integer, nullable=False),
    Column("title", String(300), nullable=False),
    #: True for the shipped illustration built from the public record; never real data.
    Column("is_example", Boolean, nullable=False, default=False),
    #: JSON list of {"title", "url"}: where the plan's facts come from.
    Column("sources", Text, nullable=False, default="[]"),
    Column("created_at", UTCDateTime(), nullable=False),
)

plan_subcommittees = Table(
    "plan_subcommittees",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=False),
    Column("key", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    UniqueConstraint("plan_id", "key", name="uq_plan_subcommittees_key"),
)

plan_actions = Table(
    "plan_actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=False),
    Column("subcommittee_id", Integer, ForeignKey("plan_subcommittees.id"), nullable=False),
    Column("code", String(40), nullable=False),
    Column("title", Text, nullable=False),
    #: port_project, program or study.
    Column("kind", String(20), nullable=False),
    #: "US" or "MX": the side that owns the shared fields and the status.
    Column("lead_side", String(2), nullable=False),
    Column("lead_agency_us", String(120), nullable=False, default=""),
    Column("lead_agency_mx", String(120), nullable=False, default=""),
    Column("status", String(20), nullable=False),
    Column("notes_us", Text, nullable=False, default=""),
    Column("notes_mx", Text, nullable=False, default=""),
    Column("next_steps_us", Text, nullable=False, default=""),
    Column("next_steps_mx", Text, nullable=False, default=""),
    Column("updated_at", UTCDateTime(), nullable=False),
    #: When the action was added to its plan; NULL for one that came with the plan (its
    #: file) or was stored before migration 0012: it counts as always there.
    Column("added_at", UTCDateTime()),
    UniqueConstraint("plan_id", "code", name="uq_plan_actions_code"),
)

plan_milestones = Table(
    "plan_milestones",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action_id", Integer, ForeignKey("plan_actions.id"), nullable=False),
    #: "US" or "MX": only that side edits it.
    Column("side", String(2), nullable=False),
    Column("title", Text, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("done_on", Date),
    #: When the milestone was added; NULL as for an action (always there).
    Column("added_at", UTCDateTime()),
    Index("ix_plan_milestones_action", "action_id"),
)

plan_status_changes = Table(
    "plan_status_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action_id", Integer, ForeignKey("plan_actions.id"), nullable=False),
    #: NULL for the status an action was created (or imported) with.
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("username", String(80), nullable=False),
    Column("country", String(2), nullable=False, default=""),
    Column("why", Text, nullable=False),
    Index("ix_plan_status_changes_action", "action_id", "at"),
)

plan_evidence = Table(
    "plan_evidence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action_id", Integer, ForeignKey("plan_actions.id"), nullable=False),
    Column("side", String(2), nullable=False),
    #: note, link or file.
    Column("kind", String(10), nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("url", Text, nullable=False, default=""),
    #: For a file: hex SHA-256 of its bytes, so the copy cited can be checked.
    Column("sha256", String(64), nullable=False, default=""),
    Column("added_at", UTCDateTime(), nullable=False),
    Column("username", String(80), nullable=False, default=""),
    Index("ix_plan_evidence_action", "action_id"),
)

plan_edits = Table(
    "plan_edits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    #: The action edited, or the action of the milestone edited; NULL for an edit of a KPI
    #: or a meeting (each edit has exactly one of action_id, kpi_id, meeting_id).
    Column("action_id", Integer, ForeignKey("plan_actions.id")),
    #: NULL for an edit of an action's own field.
    Column("milestone_id", Integer, ForeignKey("plan_milestones.id")),
    #: The KPI whose name or definition was edited.
    Column("kpi_id", Integer, ForeignKey("plan_kpis.id")),
    #: The meeting whose name or place was edited.
    Column("meeting_id", Integer, ForeignKey("plan_meetings.id")),
    #: An action field (title, subcommittee as its key, notes_us, ...), a milestone's
    #: title, due_on or done_on (YYYY-MM-DD), a KPI's name or one key of its definition
    #: (spec.target, ...), or a meeting's name or place.
    Column("field", String(40), nullable=False),
    #: The value replaced and the value written, as text (NULL: a done_on left empty, a key
    #: of a KPI's definition not set). A KPI definition's values are JSON (60.0, "minutes").
    Column("old_value", Text),
    Column("new_value", Text),
    Column("at", UTCDateTime(), nullable=False),
    Column("username", String(80), nullable=False),
    Column("country", String(2), nullable=False, default=""),
    CheckConstraint("(CASE WHEN action_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN kpi_id IS NULL THEN 0 ELSE 1 END)"
                    " + (CASE WHEN meeting_id IS NULL THEN 0 ELSE 1 END) = 1", name="ck_plan_edits_one_subject"),
    Index("ix_plan_edits_action", "action_id", "at"),
    Index("ix_plan_edits_kpi", "kpi_id", "at"),
    Index("ix_plan_edits_meeting", "meeting_id", "at"),
)

plan_kpis = Table(
    "plan_kpis",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=False),
    Column("action_id", Integer, ForeignKey("plan_actions.id")),
    Column("key", String(60), nullable=False),
    Column("name", String(300), nullable=False),
    #: JSON of borderflow.plans.kpi.KpiSpec (definition only; values are computed).
    Column("spec", Text, nullable=False),
    UniqueConstraint("plan_id", "key", name="uq_plan_kpis_key"),
)

plan_meetings = Table(
    "plan_meetings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    #: The plan whose progress the meeting reviews: each plan has its own meetings
    #: (migration 0009 gave each meeting stored before it to every plan then stored).
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("place", String(200), nullable=False, default=""),
    UniqueConstraint("plan_id", "name", name="uq_plan_meetings_name"),
)

__all__ = [
    "plan_actions", "plan_edits", "plan_evidence", "plan_kpis", "plan_meetings", "plan_milestones",
    "plan_status_changes", "plan_subcommittees", "plans",
]
