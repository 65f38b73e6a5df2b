"""plans: binational action plans, actions, milestones, status history, evidence, KPIs, meetings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 20:35:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import borderflow.store.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

UTC = borderflow.store.types.UTCDateTime


def upgrade() -> None:
    op.create_table('plans',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('strategy', sa.Text(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('is_example', sa.Boolean(), nullable=False),
    sa.Column('sources', sa.Text(), nullable=False),
    sa.Column('created_at', UTC(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    sa.UniqueConstraint('slug', name=op.f('uq_plans_slug'))
    )
    op.create_table('plan_meetings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_meetings')),
    sa.UniqueConstraint('name', name=op.f('uq_plan_meetings_name'))
    )
    op.create_table('plan_subcommittees',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_subcommittees_plan_id_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_subcommittees')),
    sa.UniqueConstraint('plan_id', 'key', name='uq_plan_subcommittees_key')
    )
    op.create_table('plan_actions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('subcommittee_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('lead_side', sa.String(length=2), nullable=False),
    sa.Column('lead_agency_us', sa.String(length=120), nullable=False),
    sa.Column('lead_agency_mx', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('notes_us', sa.Text(), nullable=False),
    sa.Column('notes_mx', sa.Text(), nullable=False),
    sa.Column('next_steps_us', sa.Text(), nullable=False),
    sa.Column('next_steps_mx', sa.Text(), nullable=False),
    sa.Column('updated_at', UTC(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_actions_plan_id_plans')),
    sa.ForeignKeyConstraint(['subcommittee_id'], ['plan_subcommittees.id'],
                            name=op.f('fk_plan_actions_subcommittee_id_plan_subcommittees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_actions')),
    sa.UniqueConstraint('plan_id', 'code', name='uq_plan_actions_code')
    )
    op.create_table('plan_milestones',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=2), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['plan_actions.id'], name=op.f('fk_plan_milestones_action_id_plan_actions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_milestones'))
    )
    op.create_index('ix_plan_milestones_action', 'plan_milestones', ['action_id'], unique=False)
    op.create_table('plan_status_changes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('at', UTC(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['plan_actions.id'],
                            name=op.f('fk_plan_status_changes_action_id_plan_actions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_status_changes'))
    )
    op.create_index('ix_plan_status_changes_action', 'plan_status_changes', ['action_id', 'at'], unique=False)
    op.create_table('plan_evidence',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=2), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('added_at', UTC(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['plan_actions.id'], name=op.f('fk_plan_evidence_action_id_plan_actions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_evidence'))
    )
    op.create_index('ix_plan_evidence_action', 'plan_evidence', ['action_id'], unique=False)
    op.create_table('plan_kpis',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('spec', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_kpis_plan_id_plans')),
    sa.ForeignKeyConstraint(['action_id'], ['plan_actions.id'], name=op.f('fk_plan_kpis_action_id_plan_actions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_kpis')),
    sa.UniqueConstraint('plan_id', 'key', name='uq_plan_kpis_key')
    )


def downgrade() -> None:
    op.drop_table('plan_kpis')
    op.drop_index('ix_plan_evidence_action', table_name='plan_evidence')
    op.drop_table('plan_evidence')
    op.drop_index('ix_plan_status_changes_action', table_name='plan_status_changes')
    op.drop_table('plan_status_changes')
    op.drop_index('ix_plan_milestones_action', table_name='plan_milestones')
    op.drop_table('plan_milestones')
    op.drop_table('plan_actions')
    op.drop_table('plan_subcommittees')
    op.drop_table('plan_meetings')
    op.drop_table('plans')
