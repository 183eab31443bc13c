"""The ballots checked against the audit chain (``flask audit verify`` composes this).

The audit log knows no feature; the CLI runs this check beside the chain's own.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from election.audit.models import AuditEvent
from election.voting.models import Ballot, RollMark, Round, RoundStatus
from election.voting.rounds import count_rows, round_digest


def ballots_of(session: Session, round_: Round) -> list[Ballot]:
    """The round's ballots with their choices, in the order of their random id."""
    return list(
        session.scalars(
            select(Ballot)
            .where(Ballot.round_id == round_.id)
            .options(selectinload(Ballot.choices))
            .order_by(Ballot.id)
        )
    )


def verify_ballots(session: Session) -> list[str]:
    """Check the stored ballots against what the audit chain recorded about them.

    For every round: as many ballots as roll marks (a ballot inserted or deleted
    directly shows). For every closed round: the digest of its ballots as stored now
    equals the digest recorded in its ``round.closed`` event, which the hash chain
    protects (a changed choice shows). Returns the problems found, empty when none.
    """
    recorded = {
        event.object_id: event.details.get("ballots_digest")
        for event in session.scalars(select(AuditEvent).where(AuditEvent.action == "round.closed"))
    }
    problems = []
    for round_ in session.scalars(select(Round).order_by(Round.id)):
        ballots = count_rows(session, Ballot, round_)
        marks = count_rows(session, RollMark, round_)
        if ballots != marks:
            problems.append(f"round {round_.id}: {ballots} ballots but {marks} roll marks")
        if round_.status == RoundStatus.CLOSED:
            expected = recorded.get(str(round_.id))
            if expected is None:
                problems.append(f"round {round_.id}: closed without a round.closed event")
            elif round_digest(session, round_) != expected:
                problems.append(
                    f"round {round_.id}: ballots differ from the digest recorded at closing"
                )
    return problems
