"""Corrections during the meeting, each with a reason and audited: annulling a round
before it is counted, a candidate withdrawing after the list was published, a Partner
added to the frozen roll.

Each keeps a way forward: an annulled round is replaced at once by a new round of the
group (opened at once when the annulled one was open), on the candidates still
standing; a withdrawal annuls and replaces every uncounted round the candidate is on;
a Partner is added only while its group's rounds hold no ballot, so no count ever mixes
two rolls. Every function takes the session and an :class:`Actor`, checks, changes,
records the audit event and flushes; the caller commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.candidates import review
from election.candidates.models import Candidate
from election.candidates.nominations import get_candidate
from election.collation import collapse_spaces
from election.db import utcnow
from election.elections import roll
from election.elections.models import Election, Phase, RollEntry
from election.errors import N_, Conflict, NotFound, ValidationFailed
from election.labels import GROUP_LABELS
from election.partners.models import Partner
from election.tally.counting import new_round, standing
from election.tally.models import CandidateResult, RoundTally
from election.voting import rounds
from election.voting.models import RollMark, Round, RoundStatus

#: The longest reason of an annulment (the column's length).
MAX_REASON = 500


def _reason(text: str) -> str:
    """The reason as one line; :class:`ValidationFailed` when missing or unusable."""
    reason = collapse_spaces(text or "")
    if not reason:
        raise ValidationFailed(N_("Podaj powód unieważnienia tury."))
    if len(reason) > MAX_REASON or any(c in reason for c in "<>") or not reason.isprintable():
        raise ValidationFailed(
            N_("Powód może mieć najwyżej %(max)s znaków, bez znaków < > i sterujących."),
            max=MAX_REASON,
        )
    return reason


@dataclass
class Annulment:
    """What annulling a round did: the round annulled and the round replacing it
    (``None`` when no candidate was left to vote on)."""

    annulled: Round
    replacement: Round | None


def annul_round(session: Session, actor: Actor, round_: Round, reason: str) -> Annulment:
    """Annul a round that is pending, open, or closed but not counted, for ``reason``.

    Its ballots and roll marks stay in the database and are never counted; the digest
    of its ballots goes into the ``round.annulled`` event. A new round of the group
    replaces it at once — the same seats, the candidates still standing — and is opened
    at once when the annulled round was open (the reps vote again there). Raises
    :class:`WrongPhase` outside voting, :class:`Conflict` for a round counted or annulled
    already, :class:`ValidationFailed` for a missing reason; nothing changes then.
    """
    reason = _reason(reason)
    election = session.get_one(Election, round_.election_id)
    election.require_phase(Phase.VOTING)
    round_ = rounds.lock(session, round_)
    if session.get(RoundTally, round_.id) is not None:
        raise Conflict(N_("Ta tura została już policzona; jej wyniku nie można unieważnić."))
    was = round_.annul(utcnow(), reason)
    session.flush()
    record(
        session,
        actor,
        "round.annulled",
        round_,
        election_id=election.id,
        group=round_.group.value,
        number=round_.number,
        was=was.value,
        reason=reason,
        ballots=rounds.ballot_count(session, round_),
        marks=rounds.count_rows(session, RollMark, round_),
        ballots_digest=rounds.round_digest(session, round_) if was != RoundStatus.PENDING else None,
    )
    replacement = _replace(session, actor, election, round_)
    if replacement is not None and was == RoundStatus.OPEN:
        rounds.open_round(session, actor, replacement)
    return Annulment(round_, replacement)


def _replace(session: Session, actor: Actor, election: Election, annulled: Round) -> Round | None:
    candidates = standing(list(annulled.candidates))
    if not candidates:
        return None
    last = session.scalar(
        select(func.max(Round.number)).where(
            Round.election_id == election.id, Round.group == annulled.group
        )
    )
    if last != annulled.number:  # a later round exists: never expected for an uncounted one
        raise Conflict(N_("W tej grupie utworzono już kolejną turę."))
    replacement = new_round(session, annulled, candidates, annulled.seats)
    record(
        session,
        actor,
        "round.replacement_created",
        replacement,
        election_id=election.id,
        group=annulled.group.value,
        replaces=annulled.number,
        number=replacement.number,
        seats=replacement.seats,
        candidates=[c.id for c in candidates],
    )
    return replacement


# --- a withdrawal after publication ---------------------------------------------------------


@dataclass
class Withdrawal:
    """A candidate withdrawn after publication, and the rounds annulled for it."""

    candidate: Candidate
    annulments: list[Annulment] = field(default_factory=list)


def withdraw_candidate(
    session: Session, actor: Actor, election: Election, candidate_id: int, reason: str
) -> Withdrawal:
    """A candidate on the published list withdraws: status withdrawn (audited, with the
    reason), and every uncounted round with them is annulled and replaced by a round
    without them (:func:`annul_round`). A tie they are in is settled among the others.

    A candidate already elected cannot withdraw this way: their seat is a mandate, and
    ending it is the Council's business (a mandate that ends, then a by-election).
    Raises what :func:`election.candidates.review.withdraw_published` raises, and
    :class:`Conflict` for an elected candidate; nothing changes then.
    """
    candidate = get_candidate(session, election, candidate_id)
    elected = session.scalar(
        select(CandidateResult.round_id)
        .join(RoundTally, RoundTally.round_id == CandidateResult.round_id)
        .where(
            CandidateResult.candidate_id == candidate.id,
            CandidateResult.elected.is_(True),
            RoundTally.valid.is_(True),
        )
        .limit(1)
    )
    if elected is not None:
        raise Conflict(
            N_(
                "Kandydatury %(name)s nie można wycofać: ta osoba jest już wybrana do Rady. "
                "Rezygnację z mandatu zapisuje się jako wygaśnięcie mandatu w składzie Rady; "
                "miejsce obsadzą wybory uzupełniające."
            ),
            name=candidate.full_name,
        )
    review.withdraw_published(session, actor, election, candidate, reason)
    result = Withdrawal(candidate)
    uncounted = [
        r
        for r in rounds.rounds_of(session, election)
        if r.status != RoundStatus.ANNULLED
        and r.counted_at is None
        and any(c.id == candidate.id for c in r.candidates)
    ]
    why = f"{candidate.full_name}: wycofanie kandydatury — {collapse_spaces(reason)}"
    for round_ in uncounted:
        result.annulments.append(annul_round(session, actor, round_, why[:MAX_REASON]))
    return result


# --- a Partner added to the roll -------------------------------------------------------------


def add_to_roll(
    session: Session,
    actor: Actor,
    election: Election,
    partner_id: int,
    reason: str,
    *,
    register_error: bool = False,
) -> RollEntry:
    """Add a Partner wrongly left off the frozen roll (:func:`election.elections.roll.
    add_entry`), while no round of its group that counts (every one not annulled) holds a
    ballot — the rounds are locked first, so no vote slips in meanwhile.

    Raises :class:`Conflict` once its group's round has a ballot (annul that round first
    if the omission must be repaired), else what ``add_entry`` raises.
    """
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(N_("Nie ma takiego Partnera."))
    group_rounds = [
        rounds.lock(session, r)
        for r in rounds.rounds_of(session, election)
        if r.group == partner.group and r.status != RoundStatus.ANNULLED
    ]
    voted = [r for r in group_rounds if rounds.count_rows(session, RollMark, r)]
    if voted:
        raise Conflict(
            N_(
                "%(group)s: w turze %(number)s oddano już głosy — Partnera nie można już "
                "dopisać do spisu tej grupy. Jeśli trzeba, unieważnij tę turę (przed jej "
                "policzeniem) i dopisz Partnera, zanim ktoś zagłosuje w nowej."
            ),
            group=str(GROUP_LABELS[partner.group]),
            number=voted[0].number,
        )
    return roll.add_entry(
        session, actor, election, partner.id, reason, register_error=register_error
    )
