"""plan_edits.kpi_id, plan_edits.meeting_id: every edit of a KPI's name or definition and
of a meeting's name or place kept as an action's edits are (old and new value, who, when),
so a report for a past meeting shows the KPIs and meeting names as they stood then

An edit now has exactly one subject: an action (with its milestone, for a milestone's
edit), a KPI or a meeting; ``action_id`` may be NULL for the last two. Edits stored
before this revision are all of actions and milestones and stay as they are; KPIs and
meetings edited before it (only possible in the database itself) read as they are now.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

ONE_SUBJECT = ("(CASE WHEN action_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN kpi_id IS NULL THEN 0 ELSE 1 END)"
               " + (CASE WHEN meeting_id IS NULL THEN 0 ELSE 1 END) = 1")


def upgrade() -> None:
    with op.batch_alter_table('plan_edits', schema=None) as batch_op:
        batch_op.alter_column('action_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('kpi_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('meeting_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_plan_edits_kpi_id_plan_kpis'), 'plan_kpis', ['kpi_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_plan_edits_meeting_id_plan_meetings'), 'plan_meetings',
                                    ['meeting_id'], ['id'])
        batch_op.create_check_constraint('ck_plan_edits_one_subject', ONE_SUBJECT)
        batch_op.create_index('ix_plan_edits_kpi', ['kpi_id', 'at'], unique=False)
        batch_op.create_index('ix_plan_edits_meeting', ['meeting_id', 'at'], unique=False)


def downgrade() -> None:
    # the edits of KPIs and meetings have no place in the older table
    op.execute("DELETE FROM plan_edits WHERE action_id IS NULL")
    with op.batch_alter_table('plan_edits', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_edits_meeting')
        batch_op.drop_index('ix_plan_edits_kpi')
        batch_op.drop_constraint('ck_plan_edits_one_subject', type_='check')
        batch_op.drop_constraint(batch_op.f('fk_plan_edits_meeting_id_plan_meetings'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_plan_edits_kpi_id_plan_kpis'), type_='foreignkey')
        batch_op.drop_column('meeting_id')
        batch_op.drop_column('kpi_id')
        batch_op.alter_column('action_id', existing_type=sa.Integer(), nullable=False)
