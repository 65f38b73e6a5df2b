"""exchange: versioned exchange records and the hash-chained exchange audit log

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 20:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import borderflow.store.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exchange_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('record_id', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('supersedes', sa.Integer(), nullable=True),
    sa.Column('owner_country', sa.String(length=2), nullable=False),
    sa.Column('owner_agency', sa.String(length=120), nullable=False),
    sa.Column('classification', sa.String(length=10), nullable=False),
    sa.Column('share_agencies', sa.Text(), nullable=False),
    sa.Column('share_roles', sa.Text(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('encrypted', sa.Boolean(), nullable=False),
    sa.Column('published_by', sa.String(length=80), nullable=False),
    sa.Column('published_at', borderflow.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_records')),
    sa.UniqueConstraint('record_id', 'version', name='uq_exchange_records_version')
    )
    op.create_table('exchange_audit',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('at', borderflow.store.types.UTCDateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('agency', sa.String(length=120), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.String(length=40), nullable=True),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('record_sha256', sa.String(length=64), nullable=True),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_exchange_audit'))
    )
    op.create_index('ix_exchange_audit_record', 'exchange_audit', ['record_id', 'version'], unique=False)
    op.create_table('exchange_audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_audit_head'))
    )


def downgrade() -> None:
    op.drop_table('exchange_audit_head')
    op.drop_index('ix_exchange_audit_record', table_name='exchange_audit')
    op.drop_table('exchange_audit')
    op.drop_table('exchange_records')
