"""plan_meetings.plan_id: each plan has its own meetings

Before this revision a meeting belonged to no plan: every plan's report saw every
meeting. Each meeting stored then is given to **every plan stored then** (any of their
reports could have used it), under the same name, date and place; a plan's own
meetings are then unique by name within the plan. With no plan stored, meetings date
no report and none is kept.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 04:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _stored(*extra: sa.ColumnClause[object]) -> sa.TableClause:
    """plan_meetings as stored, typed (so dates come back as dates on every database)."""
    return sa.table('plan_meetings', sa.column('id', sa.Integer), sa.column('name', sa.String(120)),
                    sa.column('held_on', sa.Date), sa.column('place', sa.String(200)), *extra)


def upgrade() -> None:
    conn = op.get_bind()
    old = _stored()
    meetings = [dict(r._mapping) for r in conn.execute(
        sa.select(old.c.name, old.c.held_on, old.c.place).order_by(old.c.id))]
    plan_ids = [r[0] for r in conn.execute(sa.text('SELECT id FROM plans ORDER BY id'))]
    op.drop_table('plan_meetings')
    table = op.create_table('plan_meetings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_meetings_plan_id_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_meetings')),
    sa.UniqueConstraint('plan_id', 'name', name='uq_plan_meetings_name')
    )
    rows = [{**m, 'plan_id': plan_id} for plan_id in plan_ids for m in meetings]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    conn = op.get_bind()
    new = _stored(sa.column('plan_id', sa.Integer))
    kept: dict[str, dict[str, object]] = {}
    for r in conn.execute(sa.select(new.c.name, new.c.held_on, new.c.place).order_by(new.c.plan_id, new.c.id)):
        kept.setdefault(r.name, dict(r._mapping))  # before 0009 a name was unique across plans
    op.drop_table('plan_meetings')
    table = op.create_table('plan_meetings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_meetings')),
    sa.UniqueConstraint('name', name=op.f('uq_plan_meetings_name'))
    )
    if kept:
        op.bulk_insert(table, list(kept.values()))
