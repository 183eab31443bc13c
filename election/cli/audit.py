"""``flask audit``: the chain, and what the features recorded in it."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from election.audit import service
from election.extensions import db
from election.voting.integrity import verify_ballots

audit_cli = AppGroup("audit", help="The audit log (Dziennik zdarzeń).")


@audit_cli.command("verify")
def verify_command() -> None:
    """Verify the hash chain and the ballots against it; exit 1 on any problem.

    The ballots of a closed round must match the digest recorded in the chain when the
    round closed, and every round must hold as many ballots as roll marks.
    """
    report = service.verify(db.session)
    problems = verify_ballots(db.session)
    if not report.ok:
        click.echo(
            f"BROKEN at event {report.broken_at}: {report.reason} "
            f"({report.count} events verified before it)",
            err=True,
        )
    for problem in problems:
        click.echo(f"BALLOTS: {problem}", err=True)
    if not report.ok or problems:
        raise SystemExit(1)
    click.echo(f"OK: {report.count} events, head {report.head}; ballots match the chain")


def init_app(app: Flask) -> None:
    app.cli.add_command(audit_cli)
