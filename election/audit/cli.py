"""``flask audit``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from election.audit import service
from election.extensions import db

audit_cli = AppGroup("audit", help="The audit log (Dziennik zdarzeń).")


@audit_cli.command("verify")
def verify_command() -> None:
    """Verify the hash chain; exit 1 at the first broken link."""
    report = service.verify(db.session)
    if report.ok:
        click.echo(f"OK: {report.count} events, head {report.head}")
        return
    click.echo(
        f"BROKEN at event {report.broken_at}: {report.reason} "
        f"({report.count} events verified before it)",
        err=True,
    )
    raise SystemExit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(audit_cli)
