"""The meeting's ways out: annulled rounds, and the Regulamin's fallback for a quorum
never met; lots drawn past a withdrawn candidate

`rounds` may be `annulled` (with `annulled_at` and `annulment_reason`, required exactly
for an annulled round): the chair annuls a round before it is counted — by mistake, or
because a candidate withdrew — and a new round replaces it; its ballots stay but are
never counted. `elections.quorum_waived_from`: from this attempt of a group's round on
(2 = the first repeat after a round without quorum) the quorum no longer applies; empty
for existing elections (the quorum always applies, as before). `lot_draws.withdrawn`: the
tied candidates who had withdrawn before the app's draw (never drawn; empty before).

Revision ID: 1b673b191084
Revises: b3c169cfe0e7
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import election.db


# revision identifiers, used by Alembic.
revision = '1b673b191084'
down_revision = 'b3c169cfe0e7'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('pending', 'open', 'closed')"
NEW_STATUSES = "status IN ('pending', 'open', 'closed', 'annulled')"
ANNULMENT = (
    "(status = 'annulled' AND annulled_at IS NOT NULL AND annulment_reason IS NOT NULL)"
    " OR (status != 'annulled' AND annulled_at IS NULL AND annulment_reason IS NULL)"
)


def upgrade():
    with op.batch_alter_table('elections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quorum_waived_from', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            'quorum_waived_from',
            'quorum_waived_from IS NULL OR (quorum_waived_from >= 2 AND quorum_waived_from <= 9)',
        )

    with op.batch_alter_table('lot_draws', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('annulled_at', election.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('annulment_reason', sa.String(length=500), nullable=True))
        batch_op.drop_constraint(op.f('ck_rounds_round_status'), type_='check')
        batch_op.create_check_constraint('round_status', NEW_STATUSES)
        batch_op.create_check_constraint('annulment', ANNULMENT)


def downgrade():
    # Annulled rounds have no place in the old schema: they go back to closed.
    op.execute(
        "UPDATE rounds SET status = 'closed', closed_at = COALESCE(closed_at, annulled_at)"
        " WHERE status = 'annulled'"
    )
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_rounds_annulment'), type_='check')
        batch_op.drop_constraint(op.f('ck_rounds_round_status'), type_='check')
        batch_op.create_check_constraint('round_status', OLD_STATUSES)
        batch_op.drop_column('annulment_reason')
        batch_op.drop_column('annulled_at')

    with op.batch_alter_table('lot_draws', schema=None) as batch_op:
        batch_op.drop_column('withdrawn')

    with op.batch_alter_table('elections', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_elections_quorum_waived_from'), type_='check')
        batch_op.drop_column('quorum_waived_from')
