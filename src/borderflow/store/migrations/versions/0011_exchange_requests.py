"""exchange_requests: writes made with an Idempotency-Key, so a retried publish, correction
or retraction answers what the first one made instead of writing a second time

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 06:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import borderflow.store.types

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exchange_requests',
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('request_sha256', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('at', borderflow.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'key', name=op.f('pk_exchange_requests'))
    )


def downgrade() -> None:
    op.drop_table('exchange_requests')
