"""``flask users``."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from election import transaction
from election.access import Role
from election.audit.service import Actor
from election.auth import service
from election.auth.keyring import TotpKeyring
from election.config import TOTP_KEY_BYTES, encode_totp_key, write_totp_key_file

users_cli = AppGroup("users", help="User accounts.")


@users_cli.command("create-admin")
@click.option("--email", prompt=True, help="Login email of the administrator.")
@click.option("--name", "full_name", default="Administrator", show_default=True)
@click.password_option(help="At least 12 characters.")
def create_admin(email: str, full_name: str, password: str) -> None:
    """Create an administrator account."""
    user = transaction.run_command(
        service.create_user,
        Actor.system("cli"),
        email=email,
        full_name=full_name,
        role=Role.ADMIN,
        password=password,
    )
    click.echo(f"Created admin {user.email}")


@users_cli.command("rotate-totp-key")
def rotate_totp_key() -> None:
    """Encrypt every two-factor secret with a new key (stop the app first).

    With the key file (<instance>/totp_key): a new key is made and written beside the
    old one, every secret is resealed in one transaction, then the old key is removed
    from the file. With TOTP_KEY from the environment: set TOTP_KEY=<new>,<old> first;
    the secrets are resealed with the first key, then remove the old one.
    """
    config = current_app.config
    keys: list[bytes] = list(config["TOTP_KEYS"])
    path = Path(config["TOTP_KEY_FILE"]) if config["TOTP_KEY_FILE"] else None
    if path is None and len(keys) < 2:
        new = encode_totp_key(secrets.token_bytes(TOTP_KEY_BYTES))
        raise click.ClickException(
            "TOTP_KEY comes from the environment: set TOTP_KEY=<new key>,<old key> and run "
            f"this again, then remove the old key. A new key: {new}"
        )
    if path is not None:
        keys = [secrets.token_bytes(TOTP_KEY_BYTES), *keys]
        # Both keys on disk first: a crash at any point leaves every secret readable.
        write_totp_key_file(path, keys)
    keyring = TotpKeyring(keys)
    resealed = transaction.run_command(service.reseal_totp_secrets, Actor.system("cli"), keyring)
    if path is not None:
        write_totp_key_file(path, keys[:1])
        # This process goes on with the new key; restart the app's workers.
        config["TOTP_KEYS"] = keys[:1]
        click.echo(f"New TOTP key in {path}; {resealed} secret(s) re-encrypted.")
    else:
        click.echo(f"{resealed} secret(s) re-encrypted; now remove the old key from TOTP_KEY.")
    click.echo("Restart the app so that every worker uses the new key.")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
