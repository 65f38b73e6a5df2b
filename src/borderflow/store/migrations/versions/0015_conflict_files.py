"""conflict_files: every file that brought a kept-aside version, not only the first, so
``conflicts --file`` and ``conflicts adopt --file`` find a version in every release holding it

Filled from the file each kept version names (``conflicts.source_name``).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import borderflow.store.types

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conflict_files',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('conflict_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source_name', sa.Text(), nullable=False),
    sa.Column('payload_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', borderflow.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_files')),
    sa.UniqueConstraint('conflict_id', 'source_name', name='uq_conflict_files')
    )
    op.execute("INSERT INTO conflict_files (conflict_id, source_name, payload_sha256, created_at) "
               "SELECT id, source_name, payload_sha256, created_at FROM conflicts WHERE source_name <> ''")


def downgrade() -> None:
    op.drop_table('conflict_files')
