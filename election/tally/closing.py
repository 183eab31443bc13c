"""Closing the voting of an election: the step from ``voting`` to ``closed``.

Here rather than with the other phase steps (:mod:`election.elections.service`)
because it needs the rounds, which are above the elections in the layers.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.elections.models import Election, Phase
from election.errors import N_, Conflict
from election.voting.models import Round, RoundStatus


def close_voting(session: Session, actor: Actor, election: Election) -> None:
    """voting → closed. Refused while a round of the election is open or not yet held.

    Raises :class:`WrongPhase` when the election is not voting, :class:`Conflict` while
    a round is open or pending; records ``election.voting_closed`` otherwise.
    """
    if election.phase != Phase.VOTING:
        election.advance_to(Phase.CLOSED)  # raises, saying why
    unfinished = session.scalar(
        select(func.count())
        .select_from(Round)
        .where(
            Round.election_id == election.id,
            Round.status.in_([RoundStatus.OPEN, RoundStatus.PENDING]),
        )
    )
    if unfinished:
        raise Conflict(
            N_(
                "Nie można zakończyć głosowania, dopóki są tury otwarte lub oczekujące "
                "na otwarcie (liczba: %(count)s). Najpierw je zamknij."
            ),
            count=unfinished,
        )
    election.advance_to(Phase.CLOSED)
    session.flush()
    record(session, actor, "election.voting_closed", election)
