"""``flask users``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from election import transaction
from election.access import Role
from election.audit.service import Actor
from election.auth import service

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


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
