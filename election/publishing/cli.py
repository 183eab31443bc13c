"""``flask lms``: the outbox from the command line (for cron, or when the web is down)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from election import transaction
from election.audit.service import Actor
from election.extensions import db
from election.publishing import outbox, settings
from election.publishing.client import MoodleError
from election.publishing.models import PublicationStatus
from election.publishing.sender import client_factory, send_now

lms_cli = AppGroup("lms", help="Publishing to the Moodle course (LMS).")

CLI = Actor.system("cli")


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "-"  # type: ignore[attr-defined]


@lms_cli.command("status")
def status_command() -> None:
    """List every publication with its status."""
    rows = outbox.list_publications(db.session)
    if not rows:
        click.echo("No publications yet.")
        return
    for publication, election in rows:
        click.echo(
            f"#{publication.id} election {election.id} ({election.title}) "
            f"{publication.kind.value}: {publication.status.value}, "
            f"attempts {publication.attempts}, sent {_when(publication.sent_at)}, "
            f"post {publication.post_url or '-'}"
        )
        if publication.status != PublicationStatus.SENT and publication.next_attempt_at:
            click.echo(f"    next attempt {_when(publication.next_attempt_at)}")
        if publication.last_error:
            click.echo(f"    error: {publication.last_error}")


@lms_cli.command("publish")
@click.option(
    "--election",
    "election_id",
    type=int,
    default=None,
    help="Re-publish this election's publications (updating their posts).",
)
def publish_command(election_id: int | None) -> None:
    """Send every unsent publication now, whatever its backoff.

    Exits with status 1, and the reason, when any publication could not be sent.
    """
    if election_id is not None:
        transaction.run_command(outbox.republish, CLI, election_id=election_id, wake=False)
    report = send_now(
        current_app._get_current_object(), force=True, election_id=election_id, actor=CLI
    )  # type: ignore[attr-defined]
    if not report.outcomes and report.error is None:
        click.echo("Nothing to publish.")
        return
    for outcome in report.outcomes:
        what = f"#{outcome.publication_id} election {outcome.election_id} {outcome.kind.value}"
        if outcome.ok:
            click.echo(f"{what}: {outcome.action} {outcome.url or ''}".rstrip())
        else:
            click.echo(f"{what}: FAILED: {outcome.message}", err=True)
    if report.error and not report.outcomes:
        click.echo(f"Error: {report.error}", err=True)
    if not report.ok:
        raise SystemExit(1)


@lms_cli.command("check")
def check_command() -> None:
    """Test the connection: the site, the course and its news forum."""
    config = settings.effective_config(db.session, current_app.config)
    try:
        report = settings.check_connection(client_factory(current_app)(config), config)
    except MoodleError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(1) from exc
    click.echo(f"Site: {report.site.sitename} (Moodle {report.site.release})")
    click.echo(f"Course: {report.course.get('fullname')} (id {report.course.get('id')})")
    click.echo(f"News forum: {report.forum.get('name')} (id {report.forum.get('id')})")
    for problem in report.problems:
        click.echo(f"Warning: {problem}", err=True)


def init_app(app: Flask) -> None:
    app.cli.add_command(lms_cli)
