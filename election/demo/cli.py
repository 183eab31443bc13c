"""``flask demo``: realistic demo data for trying and rehearsing the app."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from election.demo import data

PHASES = ["draft", "nominations", "candidates_published", "voting", "closed", "certified"]


@click.command("demo")
@click.option(
    "--through",
    type=click.Choice(PHASES),
    default=None,
    help="Also build a rehearsal election brought to this phase.",
)
def demo_command(through: str | None) -> None:
    """Load all Silesian local governments, demo accounts and (optionally) an election.

    Idempotent: running it again changes nothing already there.
    """
    from election.extensions import db

    summary = data.load(db.session, Path(current_app.config["PARTNERS_CSV"]).read_bytes())
    db.session.commit()
    if through:
        from election.demo import rehearsal
        from election.elections.custody import KeyStore

        election = rehearsal.build(db.session, through, KeyStore(current_app.instance_path))
        db.session.commit()
        click.echo(
            f"Rehearsal election #{election.id} “{election.title}”"
            f" is in phase {election.phase.value}."
        )
    click.echo(
        f"Partners: {summary.partners} ({summary.eligible} eligible on {data.CUTOFF.isoformat()})"
    )
    click.echo(f"Logins (password for every demo account: {data.DEMO_PASSWORD}):")
    for email, role, partner in summary.logins:
        suffix = f" — {partner}" if partner else ""
        click.echo(f"  {email:36} {role}{suffix}")


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_command)
