"""simulation_runs: simulation runs submitted to the server, shared by every server process

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 00:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import borderflow.store.types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('simulation_runs',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('scenario_name', sa.String(length=200), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.Column('replications', sa.Integer(), nullable=False),
    sa.Column('replications_done', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Text(), nullable=False),
    sa.Column('lane_groups', sa.Text(), nullable=False),
    sa.Column('scenario', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('created_at', borderflow.store.types.UTCDateTime(), nullable=False),
    sa.Column('started_at', borderflow.store.types.UTCDateTime(), nullable=True),
    sa.Column('finished_at', borderflow.store.types.UTCDateTime(), nullable=True),
    sa.Column('heartbeat_at', borderflow.store.types.UTCDateTime(), nullable=False),
    sa.Column('results', sa.LargeBinary(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_simulation_runs'))
    )
    op.create_index('ix_simulation_runs_created_at', 'simulation_runs', ['created_at'], unique=False)
    op.create_index('ix_simulation_runs_status', 'simulation_runs', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_simulation_runs_status', table_name='simulation_runs')
    op.drop_index('ix_simulation_runs_created_at', table_name='simulation_runs')
    op.drop_table('simulation_runs')
