"""``flask audit``: the chain, and what the features recorded in it."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from election.audit import service
from election.audit.models import AuditEvent
from election.council.audit import verify_council
from election.extensions import db
from election.tally.audit import verify_candidate_names, verify_results, verify_roll_marks
from election.voting.integrity import verify_ballots

audit_cli = AppGroup("audit", help="The audit log (Dziennik zdarzeń).")

#: What is checked beside the chain itself, each with the label of its problems.
CHECKS: list[tuple[str, Callable[[Session], list[str]]]] = [
    ("BALLOTS", verify_ballots),
    ("ROLL", verify_roll_marks),
    ("RESULTS", verify_results),
    ("CANDIDATES", verify_candidate_names),
    ("COUNCIL", verify_council),
]


@audit_cli.command("verify")
@click.option(
    "--expect-head",
    "expect_head",
    metavar="HASH",
    help="A head of the chain printed earlier (the protocol, the LMS post): it must still "
    "be in the chain, so a truncated or rewritten chain is detected.",
)
def verify_command(expect_head: str | None) -> None:
    """Verify the hash chain, then everything recorded in it; exit 1 on any problem.

    The ballots must match the digest recorded when their round closed, every roll mark
    its ``ballot.cast`` event; every counted round is recounted (a secret round from its
    encrypted ballots and decryption proofs) and compared with the stored results and
    the chain; the certified Council is recomputed from the results and appointments
    and compared with the composition certified; candidates keep the names the chain
    recorded. Prints the chain's head.
    """
    report = service.verify(db.session)
    failed = not report.ok
    if not report.ok:
        click.echo(
            f"BROKEN at event {report.broken_at}: {report.reason} "
            f"({report.count} events verified before it)",
            err=True,
        )
    if expect_head is not None:
        wanted = expect_head.strip().lower()
        found = db.session.scalar(select(AuditEvent.id).where(AuditEvent.hash == wanted))
        if found is None:
            failed = True
            click.echo(
                f"HEAD: the chain does not contain {wanted}: it was truncated or rewritten "
                "since that head was printed",
                err=True,
            )
    for label, check in CHECKS:
        for problem in check(db.session):
            failed = True
            click.echo(f"{label}: {problem}", err=True)
    if failed:
        raise SystemExit(1)
    click.echo(
        f"OK: {report.count} events, head {report.head}; ballots, roll marks, results, "
        "candidates and the Council match the chain"
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(audit_cli)
