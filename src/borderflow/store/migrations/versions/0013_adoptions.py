"""conflicts.status, conflicts.adoption_id and adoptions: a kept-aside version of a volume
or historical average can be adopted as the stored one, the version it replaces kept
beside it, every adoption recorded with who, when and why

Clashes kept before this revision are open: nothing was ever adopted.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import borderflow.store.types

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), nullable=False, server_default='open'))
        batch_op.add_column(sa.Column('adoption_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      nullable=True))
    op.create_table('adoptions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('conflict_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('replaced_conflict_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('natural_key', sa.Text(), nullable=False),
    sa.Column('replaced', sa.Text(), nullable=False),
    sa.Column('replaced_payload_sha256', sa.String(length=64), nullable=True),
    sa.Column('adopted', sa.Text(), nullable=False),
    sa.Column('adopted_payload_sha256', sa.String(length=64), nullable=True),
    sa.Column('adopted_at', borderflow.store.types.UTCDateTime(), nullable=False),
    sa.Column('adopted_by', sa.String(length=120), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adoptions'))
    )
    op.create_index('ix_adoptions_record', 'adoptions', ['kind', 'natural_key'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_adoptions_record', table_name='adoptions')
    op.drop_table('adoptions')
    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.drop_column('adoption_id')
        batch_op.drop_column('status')
