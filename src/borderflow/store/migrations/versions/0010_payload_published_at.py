"""payloads.published_at: when the source says it published a payload, so a feed replay
shows a reading only from the time a feed first carried it

Payloads stored before this revision have none until ``borderflow reparse`` reads them again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 04:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import borderflow.store.types

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payloads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', borderflow.store.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('payloads', schema=None) as batch_op:
        batch_op.drop_column('published_at')
