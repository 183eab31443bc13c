"""Ballots: the ballot a voter sees, checking it, and casting it online or on paper.

Secret ballot: in a secret election the :class:`Ballot` row gets a random id, a random
receipt and nothing else that names the voter; the :class:`RollMark` records *that*
the Partner voted. The audit event of a vote names the Partner and the channel, never
the ballot, its receipt or its choices.

Every function takes the session; those that write check, write, record the audit
event and flush — the caller commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election.access import STAFF, Role
from election.audit.service import Actor, record
from election.auth.models import User
from election.candidates.models import Candidate
from election.collation import polish_sort_key
from election.db import random_code, utcnow
from election.elections.models import BallotOrder, Channel, Election, Phase, RollEntry
from election.elections.roll import roll_entry
from election.errors import (
    N_,
    AlreadyVoted,
    Conflict,
    Forbidden,
    NotEligible,
    NotFound,
)
from election.partners.models import Partner
from election.voting import rules
from election.voting.models import Ballot, BallotChoice, RollMark, Round, RoundCandidate
from election.voting.rounds import lock
from election.voting.turnout import mark_of

#: Shown to every rep of a Partner that has voted, and to the chair entering paper.
ALREADY_VOTED = N_("Ten Partner już oddał głos w tej turze.")


# --- the ballot shown -----------------------------------------------------------------------


def ballot_candidates(round_: Round) -> list[Candidate]:
    """The round's candidates in the Polish alphabetical order of their surnames."""
    return sorted(round_.candidates, key=lambda c: polish_sort_key(c.full_name))


def ballot_for(election: Election, round_: Round, user_id: int) -> list[Candidate]:
    """The candidates in the order this voter sees them.

    Alphabetical, or shuffled per voter when the election says so — stable for the
    voter (seeded by round and user), so the confirmation page and a reload agree.
    """
    ordered = ballot_candidates(round_)
    if election.ballot_order == BallotOrder.SHUFFLED:
        return rules.shuffled_for(ordered, f"ballot:{round_.id}:{user_id}")
    return ordered


# --- checking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A ballot that passed every check, ready to be written (or shown for confirmation)."""

    election: Election
    round: Round
    entry: RollEntry
    choices: list[int]


def _check_ballot(
    session: Session,
    round_: Round,
    partner_id: int,
    candidate_ids: Sequence[int],
    *,
    lock_round: bool,
) -> Checked:
    """Every check of a ballot, in the order a voter would want to hear about them."""
    if lock_round:
        round_ = lock(session, round_, shared=True)
    round_.require_open()
    election = session.get_one(Election, round_.election_id)
    election.require_phase(Phase.VOTING)
    entry = roll_entry(session, election.id, partner_id, round_.group)
    if entry is None:
        raise NotEligible(
            N_("Ten Partner nie jest w spisie uprawnionych do głosowania w tej turze.")
        )
    if mark_of(session, round_, partner_id) is not None:
        raise AlreadyVoted(ALREADY_VOTED)
    allowed = set(
        session.scalars(
            select(RoundCandidate.candidate_id).where(RoundCandidate.round_id == round_.id)
        )
    )
    choices = rules.validate_choices(list(candidate_ids), allowed, round_.seats)
    return Checked(election=election, round=round_, entry=entry, choices=choices)


def _require_rep(user: User) -> int:
    if user.role != Role.PARTNER_REP or user.partner_id is None:
        raise NotEligible(N_("Głosować może tylko przedstawiciel Partnera."))
    return user.partner_id


def preview_ballot(
    session: Session, user: User, round_: Round, candidate_ids: Sequence[int]
) -> list[Candidate]:
    """Check a rep's ballot without writing it; the chosen candidates, for confirmation.

    Raises what :func:`cast_ballot` would raise; writes nothing.
    """
    checked = _check_ballot(session, round_, _require_rep(user), candidate_ids, lock_round=False)
    by_id = {c.id: c for c in round_.candidates}
    return [by_id[c] for c in checked.choices]


# --- casting --------------------------------------------------------------------------------


def _new_receipt(session: Session) -> str:
    while True:
        code = random_code(rules.RECEIPT_LENGTH)
        if session.scalar(select(Ballot.id).where(Ballot.receipt == code)) is None:
            return code


def _record_ballot(
    session: Session,
    actor: Actor,
    round_: Round,
    *,
    partner_id: int,
    cast_by: User,
    channel: Channel,
    candidate_ids: Sequence[int],
) -> str:
    """The one path of every ballot: check, mark the roll, then write the ballot.

    The roll mark goes first, in a savepoint: its unique constraint (round, Partner)
    decides a race between two reps or two clicks before any ballot row exists, and
    the loser gets :class:`AlreadyVoted` with nothing written. Mark and ballot are
    committed together by the caller.
    """
    checked = _check_ballot(session, round_, partner_id, candidate_ids, lock_round=True)
    round_, election, entry = checked.round, checked.election, checked.entry

    mark = RollMark(
        round_id=round_.id,
        partner_id=partner_id,
        channel=channel,
        cast_by_id=cast_by.id,
        voted_at=utcnow(),
    )
    savepoint = session.begin_nested()
    try:
        session.add(mark)
        session.flush()
    except IntegrityError as exc:
        savepoint.rollback()
        raise AlreadyVoted(ALREADY_VOTED) from exc
    savepoint.commit()

    receipt = _new_receipt(session)
    ballot = Ballot(
        round_id=round_.id,
        receipt=receipt,
        # The link to the Partner exists only when the election is open.
        partner_id=None if election.secret else partner_id,
    )
    ballot.choices = [BallotChoice(candidate_id=c) for c in sorted(checked.choices)]
    session.add(ballot)
    try:
        session.flush()
    except IntegrityError as exc:  # a receipt taken by a concurrent ballot: vanishingly rare
        raise Conflict(N_("Nie udało się zapisać głosu. Spróbuj ponownie.")) from exc

    details: dict[str, object] = {
        "election_id": election.id,
        "group": round_.group.value,
        "number": round_.number,
        "partner_id": partner_id,
        "teryt": entry.teryt,
        "channel": channel.value,
        "cast_by_id": cast_by.id,
    }
    if not election.secret:
        # Open ballot: who voted for whom is public anyway.
        details.update(receipt=receipt, candidates=sorted(checked.choices))
    record(session, actor, "ballot.cast", round_, **details)
    return receipt


def cast_ballot(
    session: Session, actor: Actor, user: User, round_: Round, candidate_ids: Sequence[int]
) -> str:
    """Cast the ballot of ``user``'s Partner online; returns the receipt code.

    Raises :class:`NotEligible` (not a rep, Partner not on the round's roll),
    :class:`RoundClosed` (round not open), :class:`AlreadyVoted`, :class:`ValidationFailed`
    (choices) or :class:`WrongPhase`. Nothing is written when it raises.
    """
    partner_id = _require_rep(user)
    return _record_ballot(
        session,
        actor,
        round_,
        partner_id=partner_id,
        cast_by=user,
        channel=Channel.ONLINE,
        candidate_ids=candidate_ids,
    )


def record_paper_ballot(
    session: Session,
    actor: Actor,
    chair: User,
    round_: Round,
    partner_id: int,
    candidate_ids: Sequence[int],
) -> str:
    """Record the paper ballot of a Partner present in the room; returns the receipt.

    Same checks and the same one-ballot rule as online; marked as paper in the roll
    and in the audit event. Raises :class:`Forbidden` unless ``chair`` is staff,
    :class:`NotFound` for an unknown Partner, else what :func:`cast_ballot` raises.
    """
    if chair.role not in STAFF:
        raise Forbidden(N_("Karty papierowe wprowadza przewodniczący zebrania."))
    if session.get(Partner, partner_id) is None:
        raise NotFound(N_("Nie ma takiego Partnera."))
    return _record_ballot(
        session,
        actor,
        round_,
        partner_id=partner_id,
        cast_by=chair,
        channel=Channel.PAPER,
        candidate_ids=candidate_ids,
    )
