"""Two-factor secrets are encrypted at rest with a key kept outside the database: a copy
of the database alone cannot produce codes; the key is rotated by a command; the
upgrade encrypts the plain secrets stored before."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool
from werkzeug.security import generate_password_hash

from election import create_app
from election.audit.models import AuditEvent
from election.auth import service as auth_service
from election.auth import totp
from election.auth.keyring import CannotOpen, TotpKeyring, key_id
from election.auth.models import Role, User
from election.config import TOTP_KEY_FILE, read_totp_key_file
from election.extensions import db
from tests.factories import PASSWORD, make_user
from tests.factories.auth import make_user_with_2fa
from tests.support.app import app_config
from tests.support.web import post_form

#: The revision before the secrets were sealed, and the one that seals them.
BEFORE, SEALING = "5f2085389aa9", "b7e3d41c9a52"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
CHEAP = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own: a new SQLite file or a new PostgreSQL database."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    url = make_url(database_url)
    name = f"{url.database}_totp_{secrets.token_hex(4)}"
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def app_with(url: str, instance: Path, **extra: Any) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": url,
            "REQUIRE_2FA_FOR_STAFF": False,
            **extra,
        }
    )


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def second_step(app: Flask, email: str, code: str) -> int:
    client = app.test_client()
    assert post_form(client, "/login", {"email": email, "password": PASSWORD}).status_code == 302
    return post_form(client, "/login/2fa", {"code": code}).status_code


def every_stored_text(url: str) -> str:
    """Every value of every row of every table, as a reader of a dump sees them."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return " ".join(
                str(value)
                for table in db.metadata.sorted_tables
                for row in conn.execute(table.select())
                for value in row
            )
    finally:
        engine.dispose()


def test_a_restored_backup_without_the_key_cannot_check_or_make_codes(
    app, runner, database_url, fresh_url, tmp_path
):
    with app.app_context():
        made = make_user_with_2fa(Role.ADMIN, email="admin2fa@example.pl")
        db.session.commit()
    assert made.secret not in every_stored_text(database_url)
    backup = tmp_path / "election.backup"
    assert runner.invoke(args=["backup", "create", str(backup)]).exit_code == 0

    # The backup restored elsewhere, where the key file is not: its own new key.
    elsewhere = app_with(fresh_url, tmp_path / "elsewhere")
    try:
        restored = elsewhere.test_cli_runner().invoke(args=["backup", "restore", str(backup)])
        assert restored.exit_code == 0, restored.output
        with elsewhere.app_context():
            sealed = db.session.get(User, made.id).totp_secret_sealed
            with pytest.raises(CannotOpen):
                TotpKeyring(elsewhere.config["TOTP_KEYS"]).open(sealed, made.id)
        # Not even the right code is accepted: the secret to check it against is unreadable.
        assert second_step(elsewhere, made.email, totp.current_code(made.secret)) == 401
    finally:
        dispose(elsewhere)

    # The same backup with the key: codes work (the key, not the data, was missing).
    with_key = app_with(fresh_url, tmp_path / "with-key", TOTP_KEYS=app.config["TOTP_KEYS"])
    try:
        later = totp.current_code(made.secret, at=time.time() + totp.INTERVAL)
        assert second_step(with_key, made.email, later) == 302
    finally:
        dispose(with_key)


def test_rotating_the_key_reseals_every_secret_and_forgets_the_old_key(
    app, database_url, smtp_server, tmp_path
):
    instance = tmp_path / "instance"
    rotating = create_app(app_config(database_url, str(instance), smtp_server[1]))
    old = list(rotating.config["TOTP_KEYS"])
    try:
        with rotating.app_context():
            users = [make_user_with_2fa(Role.ADMIN), make_user_with_2fa(Role.CHAIR)]
            pending = make_user(Role.OBSERVER)
            auth_service.start_totp_setup(db.session, TotpKeyring(old), pending)
            db.session.commit()
            pending_id = pending.id

        result = rotating.test_cli_runner().invoke(args=["users", "rotate-totp-key"])
        assert result.exit_code == 0, result.output
        assert "2 secret(s) re-encrypted" in result.output and "Restart" in result.output

        path = instance / TOTP_KEY_FILE
        [new] = read_totp_key_file(path)
        assert new not in old and path.stat().st_mode & 0o777 == 0o600
        with rotating.app_context():
            for made in users:
                sealed = db.session.get(User, made.id).totp_secret_sealed
                assert sealed.startswith(f"v1.{key_id(new)}.")
                assert TotpKeyring([new]).open(sealed, made.id) == made.secret
                with pytest.raises(CannotOpen):
                    TotpKeyring(old).open(sealed, made.id)
            assert db.session.get(User, pending_id).totp_pending_sealed.startswith(
                f"v1.{key_id(new)}."
            )
            event = db.session.scalar(
                select(AuditEvent).where(AuditEvent.action == "user.totp_key_rotated")
            )
            assert event is not None and event.details["resealed"] == 2
        # This process goes on with the new key: the second factor still works.
        assert second_step(rotating, users[0].email, totp.current_code(users[0].secret)) == 302
    finally:
        dispose(rotating)


def test_with_the_key_in_the_environment_the_rotation_needs_the_new_key_first(
    app, database_url, smtp_server, tmp_path
):
    old, new = secrets.token_bytes(32), secrets.token_bytes(32)
    config = app_config(database_url, str(tmp_path / "instance"), smtp_server[1])
    single = create_app({**config, "TOTP_KEYS": [old], "TOTP_KEY_FILE": ""})
    try:
        with single.app_context():
            made = make_user_with_2fa(Role.ADMIN)
            db.session.commit()
        refused = single.test_cli_runner().invoke(args=["users", "rotate-totp-key"])
        assert refused.exit_code != 0 and "TOTP_KEY=<new key>,<old key>" in refused.output
    finally:
        dispose(single)

    both = create_app({**config, "TOTP_KEYS": [new, old], "TOTP_KEY_FILE": ""})
    try:
        done = both.test_cli_runner().invoke(args=["users", "rotate-totp-key"])
        assert done.exit_code == 0 and "remove the old key" in done.output
        with both.app_context():
            sealed = db.session.get(User, made.id).totp_secret_sealed
            assert TotpKeyring([new]).open(sealed, made.id) == made.secret
    finally:
        dispose(both)


def test_the_upgrade_encrypts_the_plain_secrets_stored_before(fresh_url, tmp_path):
    legacy = app_with(fresh_url, tmp_path / "instance")
    try:
        with legacy.app_context():
            upgrade(revision=BEFORE)
            with db.engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO users (email, full_name, role, password_hash, active,"
                        " session_version, totp_secret, totp_enabled, created_at)"
                        " VALUES ('old@example.pl', 'Stary Admin', 'admin', :hash, :yes, 1,"
                        " :secret, :yes, '2026-06-01 10:00:00+00')"
                    ),
                    {"hash": CHEAP, "yes": True, "secret": SECRET},
                )
                user_id = conn.execute(text("SELECT id FROM users")).scalar_one()
                conn.execute(
                    text(
                        "INSERT INTO recovery_codes (user_id, code_hash, created_at)"
                        " VALUES (:u, :h, '2026-06-01 10:00:00+00')"
                    ),
                    {"u": user_id, "h": totp.hash_recovery_code("AAAA-BBBB-CCCC")},
                )
            upgrade(revision=SEALING)
            columns = {c["name"] for c in inspect(db.engine).get_columns("users")}
            assert "totp_secret" not in columns and "totp_secret_sealed" in columns
            with db.engine.connect() as conn:
                sealed = conn.execute(text("SELECT totp_secret_sealed FROM users")).scalar_one()
            assert SECRET not in sealed
            assert TotpKeyring(legacy.config["TOTP_KEYS"]).open(sealed, user_id) == SECRET
            # A plain secret can no longer be written, whatever the code does.
            with pytest.raises(IntegrityError), db.engine.begin() as conn:
                conn.execute(text("UPDATE users SET totp_secret_sealed = :s"), {"s": SECRET})

            downgrade(revision=BEFORE)  # and back: the plain secret again
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT totp_secret FROM users")).scalar_one() == SECRET
            upgrade()
            db.session.remove()
        assert second_step(legacy, "old@example.pl", totp.current_code(SECRET)) == 302
    finally:
        dispose(legacy)
