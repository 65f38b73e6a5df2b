"""forecasts: trained forecasting models and stored forecasts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 19:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import borderflow.store.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('forecast_models',
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('model_name', sa.String(length=40), nullable=False),
    sa.Column('trained_at', borderflow.store.types.UTCDateTime(), nullable=False),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('series', sa.Text(), nullable=False),
    sa.Column('train_start', borderflow.store.types.UTCDateTime(), nullable=False),
    sa.Column('train_end', borderflow.store.types.UTCDateTime(), nullable=False),
    sa.Column('train_rows', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_forecast_models'))
    )
    op.create_index('ix_forecast_models_trained_at', 'forecast_models', ['trained_at'], unique=False)
    op.create_table('forecasts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('crossing_id', sa.String(length=6), nullable=False),
    sa.Column('mode', sa.String(length=12), nullable=False),
    sa.Column('program', sa.String(length=12), nullable=False),
    sa.Column('direction', sa.String(length=12), nullable=False),
    sa.Column('made_at', borderflow.store.types.UTCDateTime(), nullable=False),
    sa.Column('origin', borderflow.store.types.UTCDateTime(), nullable=False),
    sa.Column('target_at', borderflow.store.types.UTCDateTime(), nullable=False),
    sa.Column('horizon', sa.Integer(), nullable=False),
    sa.Column('point', sa.Float(), nullable=False),
    sa.Column('lo80', sa.Float(), nullable=False),
    sa.Column('hi80', sa.Float(), nullable=False),
    sa.Column('lo95', sa.Float(), nullable=False),
    sa.Column('hi95', sa.Float(), nullable=False),
    sa.Column('model_version', sa.String(length=64), nullable=False),
    sa.Column('last_reading_at', borderflow.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forecasts')),
    sa.UniqueConstraint('crossing_id', 'mode', 'program', 'direction', 'model_version', 'origin',
                        'last_reading_at', 'target_at', name='uq_forecasts_target')
    )
    op.create_index('ix_forecasts_lane_target', 'forecasts',
                    ['crossing_id', 'mode', 'program', 'target_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_forecasts_lane_target', table_name='forecasts')
    op.drop_table('forecasts')
    op.drop_index('ix_forecast_models_trained_at', table_name='forecast_models')
    op.drop_table('forecast_models')
