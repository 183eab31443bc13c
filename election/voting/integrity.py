"""The ballots checked against the audit chain: before counting, and in ``flask audit verify``.

The audit log knows no feature; counting (``election.tally``) calls :func:`check_digest`
and the CLI runs :func:`verify_ballots` beside the chain's own check.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from election.audit.models import AuditEvent
from election.elections.models import Channel, Election
from election.errors import N_, Conflict
from election.voting.models import Ballot, EncryptedBallot, RollMark, Round, RoundStatus
from election.voting.rounds import count_rows, round_digest


def ballots_of(session: Session, round_: Round) -> list[Ballot]:
    """An open election's ballots of the round with their choices, by their random id."""
    return list(
        session.scalars(
            select(Ballot)
            .where(Ballot.round_id == round_.id)
            .options(selectinload(Ballot.choices))
            .order_by(Ballot.id)
        )
    )


def encrypted_ballots(session: Session, round_: Round) -> list[EncryptedBallot]:
    """A secret election's ballots of the round, in the order of their tracking codes
    (the order of the published record)."""
    return list(
        session.scalars(
            select(EncryptedBallot)
            .where(EncryptedBallot.round_id == round_.id)
            .order_by(EncryptedBallot.tracking_code)
        )
    )


#: Audit events that record the digest of a round's ballots: the closing, and each paper
#: ballot entered after it.
DIGEST_EVENTS = ("round.closed", "ballot.paper_entered")


def recorded_digest(session: Session, round_: Round) -> str | None:
    """The digest of the round's ballots as the audit chain last recorded it, if any.

    The chain (its hashes checked by ``flask audit verify``) protects it; the copy in
    ``Round.ballots_digest`` is only a convenience.
    """
    event = session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.action.in_(DIGEST_EVENTS),
            AuditEvent.object_type == "Round",
            AuditEvent.object_id == str(round_.id),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return None if event is None else event.details.get("ballots_digest")


def check_digest(session: Session, round_: Round) -> None:
    """Raise :class:`Conflict` unless the round's ballots, as stored now, are the ones the
    audit chain recorded (at closing, and after each paper ballot entered since).

    Counting calls this first: a ballot changed, added or removed in the database
    after the round closed stops the count.
    """
    expected = recorded_digest(session, round_)
    if expected is None or round_digest(session, round_) != expected:
        raise Conflict(
            N_(
                "Karty tej tury różnią się od zapisanych w dzienniku zdarzeń przy jej"
                " zamknięciu; liczenie wstrzymane."
            )
        )


def _marks_by_channel(session: Session, round_: Round) -> dict[Channel, int]:
    return dict(
        session.execute(  # type: ignore[arg-type]
            select(RollMark.channel, func.count())
            .where(RollMark.round_id == round_.id)
            .group_by(RollMark.channel)
        ).all()
    )


def _count_problems(session: Session, election: Election, round_: Round) -> list[str]:
    """The numbers of ballots and roll marks that cannot both be true."""
    plain = count_rows(session, Ballot, round_)
    encrypted = count_rows(session, EncryptedBallot, round_)
    marks = _marks_by_channel(session, round_)
    online, paper = marks.get(Channel.ONLINE, 0), marks.get(Channel.PAPER, 0)
    if not election.secret:
        if encrypted or plain != online + paper:
            return [
                f"round {round_.id}: {plain} ballots ({encrypted} encrypted)"
                f" but {online + paper} roll marks"
            ]
        return []
    problems = []
    if plain:
        problems.append(f"round {round_.id}: {plain} plaintext ballots in a secret election")
    if paper != round_.paper_issued:
        problems.append(
            f"round {round_.id}: {paper} paper roll marks but {round_.paper_issued} issued"
        )
    if encrypted != online + round_.paper_entered:
        problems.append(
            f"round {round_.id}: {encrypted} encrypted ballots but {online} online roll marks"
            f" and {round_.paper_entered} paper ballots entered"
        )
    return problems


def verify_ballots(session: Session) -> list[str]:
    """Check the stored ballots against the roll marks and the audit chain.

    For every round: as many ballots as votes — an open election's ballots match its
    roll marks; a secret election's encrypted ballots match its online roll marks plus
    the paper ballots entered, and its paper roll marks the paper ballots issued. For
    every closed round: the digest of its ballots as stored now equals the digest last
    recorded in the audit chain (which its hashes protect), so a changed, added or
    removed ballot shows. Returns the problems found, empty when none.
    """
    problems = []
    elections: dict[int, Election] = {}
    for round_ in session.scalars(select(Round).order_by(Round.id)):
        election = elections.get(round_.election_id) or session.get_one(
            Election, round_.election_id
        )
        elections[election.id] = election
        problems += _count_problems(session, election, round_)
        if round_.status == RoundStatus.CLOSED:
            expected = recorded_digest(session, round_)
            if expected is None:
                problems.append(f"round {round_.id}: closed without a round.closed event")
            elif round_digest(session, round_) != expected:
                problems.append(
                    f"round {round_.id}: ballots differ from the digest recorded at closing"
                )
    return problems


def counted_round_ids(session: Session, election: Election) -> set[int]:
    """The ids of the election's counted rounds (:attr:`Round.counted_at`, set by the tally)."""
    return set(
        session.scalars(
            select(Round.id).where(Round.election_id == election.id, Round.counted_at.is_not(None))
        )
    )
