"""A planned closing time for rounds

`rounds.planned_close_at`: when the chair plans to close a pending or open round; the
pages show it with a countdown. A plan only — it never closes a round by itself. Empty
for every existing round (no plan).

Revision ID: a8f2c6d41e93
Revises: 7d2e5a9c4f31
Create Date: 2026-12-03 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import election.db


# revision identifiers, used by Alembic.
revision = 'a8f2c6d41e93'
down_revision = '7d2e5a9c4f31'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('planned_close_at', election.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('planned_close_at')
