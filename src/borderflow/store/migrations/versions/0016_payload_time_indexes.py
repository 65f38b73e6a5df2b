"""payloads: indexes on stored_at and published_at, so the newest payload (every answer's
Last-Modified) and the newest live captures (the CBP-compatible feed) are found without
reading every payload

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 19:20:00.000000
"""

from __future__ import annotations

from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain CREATE INDEX on both databases: the table (and its payload bytes) is not copied
    op.create_index('ix_payloads_stored_at', 'payloads', ['stored_at'], unique=False)
    op.create_index('ix_payloads_published_at', 'payloads', ['published_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_payloads_published_at', table_name='payloads')
    op.drop_index('ix_payloads_stored_at', table_name='payloads')
