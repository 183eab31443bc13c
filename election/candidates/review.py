"""The admin's review of nominations (verify, reject) and their withdrawal.

All refused once the list is published (:func:`nominations.require_list_open`), except
a withdrawal after publication (:func:`withdraw_published`), which the chair records
with a reason.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from election.access import Role
from election.audit.service import Actor, record
from election.auth.models import User
from election.candidates import rules
from election.candidates.models import STANDING, Candidate, CandidateStatus
from election.candidates.nominations import NominationInvalid, get_candidate, require_list_open
from election.collation import collapse_spaces
from election.elections.models import Election, Phase
from election.errors import N_, Conflict, Forbidden, WrongPhase


def verify(session: Session, actor: Actor, election: Election, candidate_id: int) -> Candidate:
    """The admin confirms a nomination (status nominated → verified)."""
    require_list_open(election)
    candidate = get_candidate(session, election, candidate_id)
    if candidate.status != CandidateStatus.NOMINATED:
        raise Conflict(
            N_("Zgłoszenie %(name)s nie czeka na weryfikację."), name=candidate.full_name
        )
    candidate.status = CandidateStatus.VERIFIED
    candidate.reject_reason = None
    session.flush()
    record(session, actor, "candidate.verified", candidate, election_id=election.id)
    return candidate


def reject(
    session: Session, actor: Actor, election: Election, candidate_id: int, reason: str
) -> Candidate:
    """The admin rejects a nomination (nominated or verified) with a reason (required)."""
    require_list_open(election)
    candidate = get_candidate(session, election, candidate_id)
    return reject_candidate(session, actor, election, candidate, reason)


def reject_candidate(
    session: Session,
    actor: Actor,
    election: Election,
    candidate: Candidate,
    reason: str,
    **detail: object,
) -> Candidate:
    """Reject a standing nomination with a reason (required), audited with ``detail``;
    the window it may be rejected in is the caller's to check."""
    # A reason typed in a text area may span lines; it is stored as one line.
    reason = collapse_spaces(reason or "")
    if not reason:
        raise NominationInvalid(N_("Podaj powód odrzucenia zgłoszenia."), "reason")
    problem = rules.line_problem(reason, max_length=rules.MAX_REASON)
    if problem:
        raise NominationInvalid(problem, "reason", max=rules.MAX_REASON)
    if candidate.status not in STANDING:
        raise Conflict(
            N_("Zgłoszenie %(name)s jest już wycofane lub odrzucone."), name=candidate.full_name
        )
    candidate.status = CandidateStatus.REJECTED
    candidate.reject_reason = reason
    session.flush()
    record(
        session,
        actor,
        "candidate.rejected",
        candidate,
        election_id=election.id,
        reason=reason,
        **detail,
    )
    return candidate


def can_withdraw(user: User, candidate: Candidate) -> bool:
    """The admin, or a rep of the Partner that made the nomination."""
    if user.role == Role.ADMIN:
        return True
    return (
        user.role == Role.PARTNER_REP
        and user.partner_id is not None
        and user.partner_id == candidate.nominated_by_partner_id
    )


def withdraw(
    session: Session, actor: Actor, user: User, election: Election, candidate_id: int
) -> Candidate:
    """The nominating Partner's rep (or the admin) withdraws a nomination before publication."""
    require_list_open(election)
    candidate = get_candidate(session, election, candidate_id)
    if not can_withdraw(user, candidate):
        raise Forbidden(N_("Możesz wycofać tylko zgłoszenia dokonane przez Twojego Partnera."))
    if candidate.status not in STANDING:
        raise Conflict(
            N_("Zgłoszenie %(name)s jest już wycofane lub odrzucone."), name=candidate.full_name
        )
    candidate.status = CandidateStatus.WITHDRAWN
    session.flush()
    record(session, actor, "candidate.withdrawn", candidate, election_id=election.id)
    return candidate


#: Phases in which a candidate on the published list may still withdraw (the voting
#: service annuls and replaces the rounds they are on: ``election.tally.corrections``).
WITHDRAWAL_AFTER_PUBLICATION = (Phase.CANDIDATES_PUBLISHED, Phase.VOTING)


def withdraw_published(
    session: Session, actor: Actor, election: Election, candidate: Candidate, reason: str
) -> Candidate:
    """A candidate on the published list withdraws (the chair or the admin records it,
    with the reason — e.g. the candidate's statement in the room): status withdrawn,
    audited. Only the candidate's status changes here; the rounds they stand in are
    the caller's (:func:`election.tally.corrections.withdraw_candidate`).

    Raises :class:`WrongPhase` before publication (then :func:`withdraw` applies) or
    once voting is closed, :class:`Conflict` for a candidate not on the list,
    :class:`NominationInvalid` for a missing or unusable reason.
    """
    if election.phase not in WITHDRAWAL_AFTER_PUBLICATION:
        if election.phase == Phase.NOMINATIONS:
            raise WrongPhase(
                N_("Lista nie jest jeszcze opublikowana: zgłoszenie wycofuje się zwykłym trybem.")
            )
        raise WrongPhase(N_("Głosowanie jest zakończone; kandydatury nie można już wycofać."))
    reason = collapse_spaces(reason or "")
    if not reason:
        raise NominationInvalid(N_("Podaj powód wycofania kandydatury."), "reason")
    problem = rules.line_problem(reason, max_length=rules.MAX_REASON)
    if problem:
        raise NominationInvalid(problem, "reason", max=rules.MAX_REASON)
    if candidate.election_id != election.id or candidate.status != CandidateStatus.VERIFIED:
        raise Conflict(
            N_("%(name)s nie jest na liście kandydatów (zgłoszenie wycofane lub odrzucone)."),
            name=candidate.full_name,
        )
    candidate.status = CandidateStatus.WITHDRAWN
    session.flush()
    record(
        session,
        actor,
        "candidate.withdrawn",
        candidate,
        election_id=election.id,
        after_publication=True,
        reason=reason,
    )
    return candidate
