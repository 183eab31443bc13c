"""``flask users``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from election.audit.service import Actor
from election.auth import service
from election.auth.models import Role
from election.errors import DomainError
from election.extensions import db

users_cli = AppGroup("users", help="User accounts.")


@users_cli.command("create-admin")
@click.option("--email", prompt=True, help="Login email of the administrator.")
@click.option("--name", "full_name", default="Administrator", show_default=True)
@click.password_option(help="At least 12 characters.")
def create_admin(email: str, full_name: str, password: str) -> None:
    """Create an administrator account."""
    try:
        user = service.create_user(
            db.session,
            Actor.system("cli"),
            email=email,
            full_name=full_name,
            role=Role.ADMIN,
            password=password,
        )
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created admin {user.email}")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
