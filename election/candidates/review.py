"""The admin's review of nominations (verify, reject) and their withdrawal.

All refused once the list is published (:func:`nominations.require_list_open`).
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
from election.elections.models import Election
from election.errors import N_, Conflict, Forbidden


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
        reason=candidate.reject_reason,
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
