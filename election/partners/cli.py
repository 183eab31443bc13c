"""``flask partners``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from election import transaction
from election.audit.service import Actor
from election.partners import service

partners_cli = AppGroup("partners", help="The Partner register.")


def echo_report(report: service.ImportReport) -> None:
    for error in report.errors:
        text = error.message % error.params if error.params else error.message
        click.echo(f"line {error.line}: {text}", err=True)
    verb = "" if report.applied else "would be "
    click.echo(
        f"{len(report.added)} {verb}added, {len(report.updated)} {verb}updated, "
        f"{report.unchanged} unchanged"
    )


@partners_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
def import_command(file: Path, dry_run: bool) -> None:
    """Import Partners from a CSV FILE (comma or semicolon; UTF-8 or Windows-1250).

    All or nothing: if any row is bad, every bad row is listed and nothing is written.
    """
    # A bad file writes nothing (the service returns before any change), so the
    # commit at the edge has nothing to commit.
    report = transaction.run_command(
        service.import_csv, Actor.system("cli"), file.read_bytes(), dry_run=dry_run
    )
    echo_report(report)
    if not report.ok:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(partners_cli)
