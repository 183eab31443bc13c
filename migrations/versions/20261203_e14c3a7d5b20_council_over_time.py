"""the Council over time: supplementary nominations, recorded vacancies, the term,
mandates that end, by-elections (an election completing a certified Council)

Issue 14, dead end C and items 6–7. A by-election elects some seats of one group and
appoints none, so an election's seat counts may now be 0 — but only a by-election's
(``ck_elections_council_seats``).

Revision ID: e14c3a7d5b20
Revises: 1b673b191084
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import election.db


# revision identifiers, used by Alembic.
revision = 'e14c3a7d5b20'
# Chained after 14-1's revision so the shared checkout has one head; the lead re-chains.
down_revision = '1b673b191084'
branch_labels = None
depends_on = None

_GROUP = sa.Enum(
    'gmina', 'powiat', 'miasto_npp', name='partner_group', native_enum=False,
    create_constraint=True, length=24,
)

#: name → (old condition, new condition) of the elections table's seat checks.
_SEAT_CHECKS = {
    'seats_gmina': ('seats_gmina >= 1 AND seats_gmina <= 20', 'seats_gmina >= 0 AND seats_gmina <= 20'),
    'seats_powiat': ('seats_powiat >= 1 AND seats_powiat <= 20', 'seats_powiat >= 0 AND seats_powiat <= 20'),
    'seats_miasto': (
        'seats_miasto_npp >= 1 AND seats_miasto_npp <= 20',
        'seats_miasto_npp >= 0 AND seats_miasto_npp <= 20',
    ),
    'leader_seats': ('leader_seats >= 1 AND leader_seats <= 5', 'leader_seats >= 0 AND leader_seats <= 5'),
}
_COUNCIL_SEATS = (
    "completes_id IS NOT NULL OR (seats_gmina >= 1 AND seats_powiat >= 1"
    " AND seats_miasto_npp >= 1 AND leader_seats >= 1)"
)
_BY_ELECTION_ELECTS = "completes_id IS NULL OR (leader_seats = 0 AND scsi_seats = 0)"


def _rebuild(table, change):
    """Apply ``change`` (a function of a batch op) to ``table``.

    SQLite rebuilds a table to add a foreign key or change a CHECK, and with foreign
    keys on it cannot drop a table other rows point at (rounds point at elections,
    results at candidates). So the rows wait in a copy while the then empty table is
    rebuilt, and come back afterwards; foreign keys are checked at commit, when every
    reference is satisfied again. PostgreSQL alters the table in place.
    """
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table(table, schema=None) as batch_op:
            change(batch_op)
        return
    bind.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    bind.exec_driver_sql(f"CREATE TABLE _{table}_rows AS SELECT * FROM {table}")
    kept = {c["name"] for c in sa.inspect(bind).get_columns(f"_{table}_rows")}
    bind.exec_driver_sql(f"DELETE FROM {table}")
    with op.batch_alter_table(table, schema=None, recreate='always') as batch_op:
        change(batch_op)
    columns = ", ".join(
        f'"{c["name"]}"' for c in sa.inspect(bind).get_columns(table) if c["name"] in kept
    )
    bind.exec_driver_sql(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _{table}_rows")
    bind.exec_driver_sql(f"DROP TABLE _{table}_rows")


def _elections_up(batch_op):
    batch_op.add_column(sa.Column('completes_id', sa.Integer(), nullable=True))
    batch_op.create_index(batch_op.f('ix_elections_completes_id'), ['completes_id'], unique=False)
    batch_op.create_foreign_key(
        batch_op.f('fk_elections_completes_id_elections'), 'elections', ['completes_id'], ['id']
    )
    for name, (_old, new) in _SEAT_CHECKS.items():
        batch_op.drop_constraint(op.f(f'ck_elections_{name}'), type_='check')
        batch_op.create_check_constraint(op.f(f'ck_elections_{name}'), new)
    batch_op.create_check_constraint(op.f('ck_elections_council_seats'), _COUNCIL_SEATS)
    batch_op.create_check_constraint(op.f('ck_elections_by_election_elects'), _BY_ELECTION_ELECTS)


def _elections_down(batch_op):
    batch_op.drop_constraint(op.f('ck_elections_by_election_elects'), type_='check')
    batch_op.drop_constraint(op.f('ck_elections_council_seats'), type_='check')
    for name, (old, _new) in _SEAT_CHECKS.items():
        batch_op.drop_constraint(op.f(f'ck_elections_{name}'), type_='check')
        batch_op.create_check_constraint(op.f(f'ck_elections_{name}'), old)
    batch_op.drop_constraint(batch_op.f('fk_elections_completes_id_elections'), type_='foreignkey')
    batch_op.drop_index(batch_op.f('ix_elections_completes_id'))
    batch_op.drop_column('completes_id')


def _candidates_up(batch_op):
    batch_op.add_column(sa.Column('supplement_id', sa.Integer(), nullable=True))
    batch_op.create_foreign_key(
        batch_op.f('fk_candidates_supplement_id_supplements'), 'supplements', ['supplement_id'], ['id']
    )


def _candidates_down(batch_op):
    batch_op.drop_constraint(batch_op.f('fk_candidates_supplement_id_supplements'), type_='foreignkey')
    batch_op.drop_column('supplement_id')


def upgrade():
    _rebuild('elections', _elections_up)

    op.create_table('councils',
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('chair_appoints', sa.Boolean(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.CheckConstraint('(starts_on IS NULL AND ends_on IS NULL) OR starts_on IS NOT NULL', name=op.f('ck_councils_term_start')),
    sa.CheckConstraint('ends_on IS NULL OR ends_on > starts_on', name=op.f('ck_councils_term_order')),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_councils_election_id_elections')),
    sa.PrimaryKeyConstraint('election_id', name=op.f('pk_councils'))
    )
    op.create_table('supplements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('group', _GROUP, nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('opened_at', election.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', election.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', election.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('seats >= 1', name=op.f('ck_supplements_seats')),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_supplements_election_id_elections')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_supplements_round_id_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplements'))
    )
    with op.batch_alter_table('supplements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplements_election_id'), ['election_id'], unique=False)
        batch_op.create_index('uq_supplements_unfinished', ['election_id', 'group'], unique=True, sqlite_where=sa.text('published_at IS NULL AND cancelled_at IS NULL'), postgresql_where=sa.text('published_at IS NULL AND cancelled_at IS NULL'))

    op.create_table('vacancies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('group', _GROUP, nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('recorded_at', election.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', election.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('seats >= 1', name=op.f('ck_vacancies_seats')),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_vacancies_election_id_elections')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_vacancies_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vacancies'))
    )
    with op.batch_alter_table('vacancies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vacancies_election_id'), ['election_id'], unique=False)
        batch_op.create_index('uq_vacancies_group', ['election_id', 'group'], unique=True, sqlite_where=sa.text('cancelled_at IS NULL'), postgresql_where=sa.text('cancelled_at IS NULL'))

    op.create_table('mandate_ends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=True),
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Enum('resignation', 'death', 'partner_left', 'recalled', 'other', name='mandate_end_reason', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('recorded_at', election.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(candidate_id IS NULL) <> (appointment_id IS NULL)', name=op.f('ck_mandate_ends_one_member')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_mandate_ends_appointment_id_appointments')),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_mandate_ends_candidate_id_candidates')),
    sa.ForeignKeyConstraint(['council_id'], ['elections.id'], name=op.f('fk_mandate_ends_council_id_elections')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_mandate_ends_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mandate_ends')),
    sa.UniqueConstraint('appointment_id', name=op.f('uq_mandate_ends_appointment_id')),
    sa.UniqueConstraint('candidate_id', name=op.f('uq_mandate_ends_candidate_id'))
    )
    with op.batch_alter_table('mandate_ends', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mandate_ends_council_id'), ['council_id'], unique=False)

    _rebuild('candidates', _candidates_up)


def downgrade():
    _rebuild('candidates', _candidates_down)

    with op.batch_alter_table('mandate_ends', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mandate_ends_council_id'))
    op.drop_table('mandate_ends')
    with op.batch_alter_table('vacancies', schema=None) as batch_op:
        batch_op.drop_index('uq_vacancies_group', sqlite_where=sa.text('cancelled_at IS NULL'), postgresql_where=sa.text('cancelled_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_vacancies_election_id'))
    op.drop_table('vacancies')
    with op.batch_alter_table('supplements', schema=None) as batch_op:
        batch_op.drop_index('uq_supplements_unfinished', sqlite_where=sa.text('published_at IS NULL AND cancelled_at IS NULL'), postgresql_where=sa.text('published_at IS NULL AND cancelled_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_supplements_election_id'))
    op.drop_table('supplements')
    op.drop_table('councils')

    _rebuild('elections', _elections_down)
