"""``flask backup create PATH`` and ``flask backup restore PATH``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from election.audit.service import verify
from election.backup import service
from election.extensions import db

backup_cli = AppGroup("backup", help="Back up and restore the database.")


def _url() -> str:
    return str(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _release_connections() -> None:
    # The app's pooled connections must not hold the database during a restore,
    # nor keep serving what was there before it.
    db.session.remove()
    db.engine.dispose()


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def create_command(path: Path, force: bool) -> None:
    """Write a consistent backup of the whole database to PATH.

    SQLite: the online backup API (safe while the app runs). PostgreSQL: pg_dump in
    its custom format.
    """
    try:
        info = service.create_backup(_url(), path, overwrite=force)
    except service.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup of the {info.dialect} database written to {info.path} ({info.size} bytes)")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the contents of a database that is not empty.")
def restore_command(path: Path, force: bool) -> None:
    """Restore the backup at PATH into the configured database.

    The database must be empty (a schema with no rows counts as empty) unless --force.
    Stop the app before restoring. The audit chain is verified afterwards.
    """
    _release_connections()
    try:
        info = service.restore_backup(_url(), path, force=force)
    except service.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        _release_connections()
    click.echo(f"Restored the {info.dialect} database from {info.path}")
    report = verify(db.session)
    db.session.remove()
    if not report.ok:
        raise click.ClickException(
            f"the restored audit chain is BROKEN at event {report.broken_at}: {report.reason}"
        )
    click.echo(f"Audit chain OK: {report.count} events, head {report.head}")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_cli)
