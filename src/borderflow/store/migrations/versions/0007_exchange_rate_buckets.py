"""exchange_rate_buckets: the exchange's rate limit, shared by every server process

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 03:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exchange_rate_buckets',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('tokens', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_exchange_rate_buckets'))
    )
    op.create_index('ix_exchange_rate_buckets_updated_at', 'exchange_rate_buckets', ['updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_exchange_rate_buckets_updated_at', table_name='exchange_rate_buckets')
    op.drop_table('exchange_rate_buckets')
