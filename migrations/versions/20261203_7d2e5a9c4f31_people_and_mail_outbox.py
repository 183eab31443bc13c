"""The people in the room and the mail outbox: attendance, authorisations (pełnomocnictwa),
accounts valid for a time, and every email persisted before it is sent

`attendance`: a Partner present at an election's meeting, in the room or online (one row
per election and Partner). `authorisations`: a Partner's authorisation of a person, with
the scan of the document, its validity dates and the verification; a verified one points
to the representative's account it gave. `users` gain `valid_from`/`valid_until`: an
authorised voter's account signs in only between them (empty for every existing
account: no limit). `mail_outbox`: each email, written in the transaction of the action
that sends it, leased by a deliverer before it is sent.

Revision ID: 7d2e5a9c4f31
Revises: e14c3a7d5b20
Create Date: 2026-12-03 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import election.db


# revision identifiers, used by Alembic.
revision = '7d2e5a9c4f31'
down_revision = 'e14c3a7d5b20'
branch_labels = None
depends_on = None


def _rebuild_users(change):
    """Apply ``change`` (a function of a batch op) to the users table.

    SQLite rebuilds a table to add a CHECK or drop a column, and with foreign keys on it
    cannot drop ``users`` while other tables point at its rows. So the rows wait in a
    copy while the then empty table is rebuilt, and come back afterwards; foreign keys
    are checked at commit (as in b7e3d41c9a52). PostgreSQL alters the table in place.
    """
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table('users', schema=None) as batch_op:
            change(batch_op)
        return
    bind.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    bind.exec_driver_sql("CREATE TABLE _users_rows AS SELECT * FROM users")
    kept = {c["name"] for c in sa.inspect(bind).get_columns("_users_rows")}
    bind.exec_driver_sql("DELETE FROM users")
    with op.batch_alter_table('users', schema=None, recreate='always') as batch_op:
        change(batch_op)
    columns = ", ".join(
        c["name"] for c in sa.inspect(bind).get_columns("users") if c["name"] in kept
    )
    bind.exec_driver_sql(f"INSERT INTO users ({columns}) SELECT {columns} FROM _users_rows")
    bind.exec_driver_sql("DROP TABLE _users_rows")


def _validity_constraint(batch_op):
    batch_op.create_check_constraint(
        op.f('ck_users_validity'),
        'valid_from IS NULL OR valid_until IS NULL OR valid_from < valid_until',
    )


def _no_validity(batch_op):
    batch_op.drop_constraint(op.f('ck_users_validity'), type_='check')
    batch_op.drop_column('valid_until')
    batch_op.drop_column('valid_from')


def upgrade():
    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='mail_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('next_attempt_at', election.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease', sa.String(length=32), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', election.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', election.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_mail_outbox_attempts')),
    sa.CheckConstraint("(status = 'sent' AND sent_at IS NOT NULL) OR (status <> 'sent' AND sent_at IS NULL)", name=op.f('ck_mail_outbox_sent_at')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox'))
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_mail_outbox_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('room', 'online', name='attendance_mode', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', election.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_attendance_election_id_elections')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_attendance_partner_id_partners')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_attendance_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('election_id', 'partner_id', name=op.f('uq_attendance_election_id_partner_id'))
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_election_id'), ['election_id'], unique=False)

    op.create_table('authorisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('election_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('scan', sa.LargeBinary(), nullable=False),
    sa.Column('scan_filename', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'verified', 'rejected', name='authorisation_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', election.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', election.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rejection_reason', sa.String(length=500), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('valid_from <= valid_until', name=op.f('ck_authorisations_dates')),
    sa.CheckConstraint("(status = 'submitted' AND decided_at IS NULL) OR (status <> 'submitted' AND decided_at IS NOT NULL)", name=op.f('ck_authorisations_decided')),
    sa.CheckConstraint("status <> 'rejected' OR rejection_reason IS NOT NULL", name=op.f('ck_authorisations_reason')),
    sa.CheckConstraint("status <> 'verified' OR user_id IS NOT NULL", name=op.f('ck_authorisations_account')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_authorisations_decided_by_id_users')),
    sa.ForeignKeyConstraint(['election_id'], ['elections.id'], name=op.f('fk_authorisations_election_id_elections')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_authorisations_partner_id_partners')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_authorisations_submitted_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_authorisations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authorisations'))
    )
    with op.batch_alter_table('authorisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_authorisations_election_id'), ['election_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_authorisations_partner_id'), ['partner_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', election.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('valid_until', election.db.UTCDateTime(timezone=True), nullable=True))
    _rebuild_users(_validity_constraint)


def downgrade():
    _rebuild_users(_no_validity)

    with op.batch_alter_table('authorisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authorisations_partner_id'))
        batch_op.drop_index(batch_op.f('ix_authorisations_election_id'))
    op.drop_table('authorisations')

    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_election_id'))
    op.drop_table('attendance')

    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_outbox_due')
    op.drop_table('mail_outbox')
