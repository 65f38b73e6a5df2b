"""forecasts.newest_reading_id: a stored forecast is reused only while no reading has
arrived for the hours it read, including a late one for an earlier hour

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 04:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_OLD = ['crossing_id', 'mode', 'program', 'direction', 'model_version', 'origin', 'last_reading_at', 'target_at']
_NEW = [*_OLD[:-1], 'newest_reading_id', 'target_at']


def upgrade() -> None:
    with op.batch_alter_table('forecasts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('newest_reading_id', sa.BigInteger(), nullable=True))
        batch_op.drop_constraint('uq_forecasts_target', type_='unique')
        batch_op.create_unique_constraint('uq_forecasts_target', _NEW)


def downgrade() -> None:
    with op.batch_alter_table('forecasts', schema=None) as batch_op:
        batch_op.drop_constraint('uq_forecasts_target', type_='unique')
        batch_op.create_unique_constraint('uq_forecasts_target', _OLD)
        batch_op.drop_column('newest_reading_id')
