"""The rep's next action in each election: the rounds of its group, and whether its
Partner may vote in them now — what the rep's landing page and the voting list show, so
the ballot is one tap from where the rep lands."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from election.elections.models import Election
from election.elections.roll import roll_entry
from election.elections.service import list_elections
from election.partners.models import Partner
from election.voting.models import Round, RoundStatus
from election.voting.rounds import rounds_by_group
from election.voting.turnout import mark_of


@dataclass(frozen=True)
class RepRound:
    """One round of the rep's group and what the rep can do in it."""

    round: Round
    #: The Partner's vote is recorded (online or on paper).
    voted: bool
    #: Open, the Partner on the roll and not voted: the "Głosuj" button.
    can_vote: bool


@dataclass(frozen=True)
class RepElection:
    """An election whose voting has started, seen by a rep of ``partner``."""

    election: Election
    on_roll: bool
    rounds: list[RepRound] = field(default_factory=list)

    @property
    def to_vote(self) -> list[RepRound]:
        """The rounds the Partner can vote in now."""
        return [r for r in self.rounds if r.can_vote]

    @property
    def open_voted(self) -> list[RepRound]:
        """Open rounds the Partner already voted in."""
        return [r for r in self.rounds if r.voted and r.round.status == RoundStatus.OPEN]


def rep_elections(session: Session, partner: Partner) -> list[RepElection]:
    """The elections whose voting has started, newest first, with the rounds of the
    Partner's group (annulled rounds left out: a new round replaced them)."""
    found = []
    for election in list_elections(session):
        if not election.voting_started:
            continue
        on_roll = roll_entry(session, election.id, partner.id, partner.group) is not None
        rounds = []
        for round_ in rounds_by_group(session, election)[partner.group]:
            if round_.status == RoundStatus.ANNULLED:
                continue
            voted = mark_of(session, round_, partner.id) is not None
            can_vote = on_roll and not voted and round_.status == RoundStatus.OPEN
            rounds.append(RepRound(round_, voted, can_vote))
        found.append(RepElection(election, on_roll, rounds))
    return found
