"""two-factor secrets sealed: encrypted at rest, and the setup's secret kept server-side

`users.totp_secret` (plain base32) becomes `users.totp_secret_sealed`, encrypted with the
app's TOTP key (docs/security.md, "Two-factor login"); `users.totp_pending_sealed` holds
the secret shown on the setup page until it is confirmed (it used to travel in the
session cookie). CHECK constraints refuse a plain secret from now on.

The existing plain secrets are encrypted **by this migration**, in its transaction, with
the key the app is configured with — `TOTP_KEY`, or `<instance>/totp_key`, made now if it
does not exist yet (`flask db upgrade` runs with the app's settings). The downgrade
decrypts them back with the same key.

Revision ID: b7e3d41c9a52
Revises: 5f2085389aa9
Create Date: 2026-12-01 22:10:00.000000

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

from election.auth.keyring import TotpKeyring


# revision identifiers, used by Alembic.
revision = 'b7e3d41c9a52'
down_revision = '5f2085389aa9'
branch_labels = None
depends_on = None


def _keyring():
    return TotpKeyring(current_app.config["TOTP_KEYS"])


def _rebuild_users(change):
    """Apply ``change`` (a function of a batch op) to the users table.

    SQLite rebuilds a table to drop a column or add a CHECK, and with foreign keys on it
    cannot drop ``users`` while other tables point at its rows (the audit log always
    does). So the rows wait in a copy while the then empty table is rebuilt, and come
    back afterwards; foreign keys are checked at commit, when every reference is
    satisfied again. PostgreSQL alters the table in place.
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


def _seal_constraints(batch_op):
    batch_op.drop_column('totp_secret')
    batch_op.create_check_constraint(
        op.f('ck_users_totp_sealed'),
        "totp_secret_sealed IS NULL OR totp_secret_sealed LIKE 'v1.%'",
    )
    batch_op.create_check_constraint(
        op.f('ck_users_totp_pending_sealed'),
        "totp_pending_sealed IS NULL OR totp_pending_sealed LIKE 'v1.%'",
    )
    batch_op.create_check_constraint(
        op.f('ck_users_totp_on_has_secret'),
        "NOT totp_enabled OR totp_secret_sealed IS NOT NULL",
    )


def _unseal_constraints(batch_op):
    batch_op.drop_constraint(op.f('ck_users_totp_on_has_secret'), type_='check')
    batch_op.drop_constraint(op.f('ck_users_totp_pending_sealed'), type_='check')
    batch_op.drop_constraint(op.f('ck_users_totp_sealed'), type_='check')
    batch_op.drop_column('totp_pending_sealed')
    batch_op.drop_column('totp_secret_sealed')


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret_sealed', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('totp_pending_sealed', sa.String(length=255), nullable=True))

    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL ORDER BY id"
    )).all()
    if rows:
        keyring = _keyring()
        for user_id, secret in rows:
            bind.execute(
                sa.text("UPDATE users SET totp_secret_sealed = :sealed WHERE id = :id"),
                {"sealed": keyring.seal(secret, user_id), "id": user_id},
            )
    _rebuild_users(_seal_constraints)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))

    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, totp_secret_sealed FROM users WHERE totp_secret_sealed IS NOT NULL"
        " ORDER BY id"
    )).all()
    if rows:
        keyring = _keyring()
        for user_id, sealed in rows:
            bind.execute(
                sa.text("UPDATE users SET totp_secret = :secret WHERE id = :id"),
                {"secret": keyring.open(sealed, user_id), "id": user_id},
            )
    _rebuild_users(_unseal_constraints)
