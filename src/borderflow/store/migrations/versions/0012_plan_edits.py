"""plan_edits, plan_actions.added_at, plan_milestones.added_at: every edit of an action or
milestone kept with its old and new value, who and when, and when each was added, so a
report for a past meeting reads the plan as it stood then

Actions and milestones stored before this revision have no known time of addition
(NULL): they count as always there. Edits made before it were not kept: such a field
reads as it is now in every report.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 07:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import borderflow.store.types

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('plan_actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('added_at', borderflow.store.types.UTCDateTime(), nullable=True))
    with op.batch_alter_table('plan_milestones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('added_at', borderflow.store.types.UTCDateTime(), nullable=True))
    op.create_table('plan_edits',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('at', borderflow.store.types.UTCDateTime(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['plan_actions.id'], name=op.f('fk_plan_edits_action_id_plan_actions')),
    sa.ForeignKeyConstraint(['milestone_id'], ['plan_milestones.id'],
                            name=op.f('fk_plan_edits_milestone_id_plan_milestones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_edits'))
    )
    op.create_index('ix_plan_edits_action', 'plan_edits', ['action_id', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_plan_edits_action', table_name='plan_edits')
    op.drop_table('plan_edits')
    with op.batch_alter_table('plan_milestones', schema=None) as batch_op:
        batch_op.drop_column('added_at')
    with op.batch_alter_table('plan_actions', schema=None) as batch_op:
        batch_op.drop_column('added_at')
