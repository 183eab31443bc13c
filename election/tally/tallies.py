"""Storing the count of a round: its :class:`RoundTally`, each candidate's result and the
``round.counted`` event — the same for a round counted from plaintext ballots (an open
election) and one decrypted from the ballot box (a secret election).

The tally rules (:mod:`election.tally.rules`) decide the ranking, the elected and the
tie; what is stored here is what every page, export and post reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.db import utcnow
from election.elections.models import Channel, Election, RollEntry
from election.tally import rules
from election.tally.models import CandidateResult, RoundTally
from election.voting.models import RollMark, Round

#: The audit action of a count; ``flask audit verify`` compares the stored results with it.
COUNTED = "round.counted"


@dataclass(frozen=True)
class Turnout:
    """Who may vote in the round and how many roll marks it holds, per channel."""

    roll: int
    online: int
    paper: int

    @property
    def marks(self) -> int:
        return self.online + self.paper


def turnout(session: Session, round_: Round) -> Turnout:
    """The round's roll (the frozen roll of its group) and its roll marks per channel."""
    channels = dict(
        session.execute(
            select(RollMark.channel, func.count())
            .where(RollMark.round_id == round_.id)
            .group_by(RollMark.channel)
        ).all()
    )
    roll = (
        session.scalar(
            select(func.count())
            .select_from(RollEntry)
            .where(RollEntry.election_id == round_.election_id, RollEntry.group == round_.group)
        )
        or 0
    )
    return Turnout(roll, channels.get(Channel.ONLINE, 0), channels.get(Channel.PAPER, 0))


def earlier_validity(session: Session, round_: Round) -> list[bool]:
    """Whether each earlier counted round of the round's group was valid, latest first;
    annulled rounds (never counted) are left out. What :func:`rules.round_kind` and
    :func:`rules.attempt` are computed from."""
    return list(
        session.scalars(
            select(RoundTally.valid)
            .join(Round, Round.id == RoundTally.round_id)
            .where(
                Round.election_id == round_.election_id,
                Round.group == round_.group,
                Round.number < round_.number,
            )
            .order_by(Round.number.desc())
        )
    )


def attempt_of(session: Session, round_: Round) -> int:
    """The round's attempt at its seats (:func:`rules.attempt`): what the quorum's
    fallback (``Election.quorum_waived_from``) is judged on."""
    return rules.attempt(earlier_validity(session, round_))


def quorum_details(election: Election, attempt: int) -> dict[str, Any]:
    """What the ``round.counted`` event records of the quorum rule applied."""
    return {
        "quorum_percent": election.quorum_percent,
        "attempt": attempt,
        "quorum_waived_from": election.quorum_waived_from,
    }


def candidate_names(round_: Round) -> dict[str, str]:
    """The round's candidates as the chain records them: id → name."""
    return {str(c.id): c.full_name for c in sorted(round_.candidates, key=lambda c: c.id)}


def store_count(
    session: Session,
    actor: Actor,
    round_: Round,
    election: Election,
    *,
    roll: int,
    ballots: int,
    online: int,
    paper: int,
    blank: int,
    votes: dict[int, int],
    valid: bool,
    **details: Any,
) -> RoundTally:
    """Rank the candidates (:func:`rules.count`), store the tally and every candidate's
    result, and record ``round.counted``. Below validity nobody is elected."""
    candidates = {c.id: c for c in round_.candidates}
    result = rules.count(candidates, votes, ballots, blank, round_.seats)
    elected = set(result.elected) if valid else set()
    round_.mark_counted(utcnow())
    tally = RoundTally(
        round_id=round_.id,
        roll=roll,
        ballots=ballots,
        online=online,
        paper=paper,
        blank=blank,
        valid=valid,
        tied=list(result.tied) if valid else [],
        seats_filled=len(elected),
    )
    session.add(tally)
    for ranked in result.ranking:
        session.add(
            CandidateResult(
                round_id=round_.id,
                candidate_id=ranked.candidate_id,
                votes=ranked.votes,
                rank=ranked.rank,
                elected=ranked.candidate_id in elected,
            )
        )
    session.flush()
    record(
        session,
        actor,
        COUNTED,
        round_,
        group=round_.group.value,
        number=round_.number,
        seats=round_.seats,
        roll=roll,
        ballots=ballots,
        online=online,
        paper=paper,
        blank=blank,
        **quorum_details(election, attempt_of(session, round_)),
        valid=valid,
        votes={str(cid): n for cid, n in result.votes.items()},
        elected=[cid for cid in result.elected if cid in elected],
        tied=tally.tied,
        candidates=candidate_names(round_),
        digest=round_.ballots_digest,
        **details,
    )
    return tally


def store_undecrypted(
    session: Session,
    actor: Actor,
    round_: Round,
    election: Election,
    *,
    roll: int,
    ballots: int,
    online: int,
    paper: int,
) -> RoundTally:
    """A secret round that is invalid (no quorum, or fewer than ``min(3, roll)`` ballots):
    its tally holds turnout only. Nothing was summed or decrypted, so no count of it —
    blank ballots included — exists anywhere; it must be repeated."""
    round_.mark_counted(utcnow())
    tally = RoundTally(
        round_id=round_.id,
        roll=roll,
        ballots=ballots,
        online=online,
        paper=paper,
        blank=None,
        valid=False,
        tied=[],
        seats_filled=0,
    )
    session.add(tally)
    session.flush()
    record(
        session,
        actor,
        COUNTED,
        round_,
        group=round_.group.value,
        number=round_.number,
        seats=round_.seats,
        roll=roll,
        ballots=ballots,
        online=online,
        paper=paper,
        **quorum_details(election, attempt_of(session, round_)),
        valid=False,
        decrypted=False,
        candidates=candidate_names(round_),
        digest=round_.ballots_digest,
    )
    return tally
