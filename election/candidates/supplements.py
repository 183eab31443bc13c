"""Supplementary nominations: a group elected fewer members than it has seats (fewer
candidates than seats), so nominations reopen for that group only, during voting.

The chair (or the admin) opens them for the seats left open; nominations come in as
usual (:func:`election.candidates.nominations.nominate_as_admin`, ``nominate_as_rep``:
a nomination in that group joins the open supplement); they are verified or rejected
here; publishing the supplement adds its verified candidates to the published list and
hands them to a round for the open seats (created above, by
:mod:`election.council.supplementary`). Every function takes the session, checks,
changes, records the audit event and flushes; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election import signals
from election.audit.service import Actor, record
from election.candidates import review
from election.candidates.models import STANDING, Candidate, CandidateStatus, Supplement
from election.candidates.nominations import (
    accepting_supplement,
    get_candidate,
)
from election.collation import polish_sort_key
from election.db import utcnow
from election.elections.models import Election, Phase
from election.errors import N_, Conflict, NotFound, ValidationFailed
from election.labels import GROUP_LABELS
from election.partners.models import PartnerGroup


def supplements_of(session: Session, election: Election) -> list[Supplement]:
    """Every supplement of the election, oldest first."""
    return list(
        session.scalars(
            select(Supplement).where(Supplement.election_id == election.id).order_by(Supplement.id)
        )
    )


def get_supplement(session: Session, election: Election, supplement_id: int) -> Supplement:
    """The election's supplement ``supplement_id``, or :class:`NotFound`."""
    supplement = session.get(Supplement, supplement_id)
    if supplement is None or supplement.election_id != election.id:
        raise NotFound(N_("Nie ma takich zgłoszeń uzupełniających."))
    return supplement


def nominations_of(session: Session, supplement: Supplement) -> list[Candidate]:
    """The supplement's nominations (any status), in Polish order of names."""
    rows = session.scalars(select(Candidate).where(Candidate.supplement_id == supplement.id))
    return sorted(rows, key=lambda c: polish_sort_key(c.full_name))


def open_supplement(
    session: Session, actor: Actor, election: Election, group: PartnerGroup, seats: int
) -> Supplement:
    """Reopen nominations for ``group`` only, for its ``seats`` open seats.

    The caller (the Council, which sees the results) has checked that the group's
    voting is over with seats left. Raises :class:`WrongPhase` outside voting,
    :class:`ValidationFailed` for no seats, :class:`Conflict` when the group's
    supplementary nominations are already open.
    """
    election.require_phase(Phase.VOTING)
    if seats < 1 or not election.elects(group):
        raise ValidationFailed(N_("W tej grupie nie ma wolnych miejsc."))
    if accepting_supplement(session, election, group) is not None:
        raise _already_open(group)
    supplement = Supplement(election_id=election.id, group=group, seats=seats)
    try:
        with session.begin_nested():
            session.add(supplement)
            session.flush()
    except IntegrityError as exc:  # another chair opened them at the same moment
        raise _already_open(group) from exc
    record(
        session,
        actor,
        "supplement.opened",
        supplement,
        election_id=election.id,
        group=group.value,
        seats=seats,
    )
    return supplement


def _already_open(group: PartnerGroup) -> Conflict:
    return Conflict(
        N_("Zgłoszenia uzupełniające w grupie „%(group)s” są już otwarte."),
        group=str(GROUP_LABELS[group]),
    )


def _accepting(session: Session, election: Election, candidate_id: int) -> Candidate:
    """A nomination of a supplement that still accepts changes, or a refusal."""
    candidate = get_candidate(session, election, candidate_id)
    supplement = (
        session.get(Supplement, candidate.supplement_id) if candidate.supplement_id else None
    )
    if supplement is None:
        raise Conflict(N_("To zgłoszenie nie należy do zgłoszeń uzupełniających."))
    if not supplement.accepting:
        raise Conflict(
            N_("Zgłoszenia uzupełniające tej grupy są już zamknięte; nie można ich zmieniać.")
        )
    return candidate


def verify(session: Session, actor: Actor, election: Election, candidate_id: int) -> Candidate:
    """Confirm a supplementary nomination (nominated → verified)."""
    candidate = _accepting(session, election, candidate_id)
    if candidate.status != CandidateStatus.NOMINATED:
        raise Conflict(
            N_("Zgłoszenie %(name)s nie czeka na weryfikację."), name=candidate.full_name
        )
    candidate.status = CandidateStatus.VERIFIED
    session.flush()
    record(
        session,
        actor,
        "candidate.verified",
        candidate,
        election_id=election.id,
        supplement=candidate.supplement_id,
    )
    return candidate


def reject(
    session: Session, actor: Actor, election: Election, candidate_id: int, reason: str
) -> Candidate:
    """Reject a supplementary nomination (nominated or verified) with a reason."""
    candidate = _accepting(session, election, candidate_id)
    return review.reject_candidate(
        session, actor, election, candidate, reason, supplement=candidate.supplement_id
    )


def publish(
    session: Session, actor: Actor, election: Election, supplement: Supplement
) -> list[Candidate]:
    """Close the supplement and publish its verified candidates; return them (in
    Polish order) for the round that fills the open seats.

    Raises :class:`WrongPhase` outside voting and :class:`Conflict` when the supplement
    is closed, a nomination awaits verification, or none is verified (cancel it then,
    and record a vacancy instead). The posts already in the LMS course are updated.
    """
    election.require_phase(Phase.VOTING)
    if not supplement.accepting:
        raise Conflict(N_("Te zgłoszenia uzupełniające są już zamknięte."))
    everyone = nominations_of(session, supplement)
    waiting = [c.full_name for c in everyone if c.status == CandidateStatus.NOMINATED]
    if waiting:
        raise Conflict(
            N_("Nie wszystkie zgłoszenia są rozpatrzone; zweryfikuj lub odrzuć: %(names)s."),
            names=", ".join(waiting),
        )
    verified = [c for c in everyone if c.status == CandidateStatus.VERIFIED]
    if not verified:
        raise Conflict(
            N_(
                "Nie ma zweryfikowanych kandydatów w zgłoszeniach uzupełniających. Anuluj je "
                "i zapisz wakat — mandat obsadzą wybory uzupełniające."
            )
        )
    supplement.published_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        "supplement.published",
        supplement,
        election_id=election.id,
        group=supplement.group.value,
        seats=supplement.seats,
        candidates=[c.id for c in verified],
    )
    # The candidate list already in the LMS course is brought up to date.
    signals.published_data_changed.send(
        session, actor=actor, election=election, what="supplement.published"
    )
    return verified


def cancel(session: Session, actor: Actor, election: Election, supplement: Supplement) -> None:
    """Cancel supplementary nominations still accepting: their nominations are withdrawn.

    Raises :class:`Conflict` once published or cancelled.
    """
    if not supplement.accepting:
        raise Conflict(N_("Te zgłoszenia uzupełniające są już zamknięte."))
    withdrawn = []
    for candidate in nominations_of(session, supplement):
        if candidate.status in STANDING:
            candidate.status = CandidateStatus.WITHDRAWN
            withdrawn.append(candidate.id)
    supplement.cancelled_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        "supplement.cancelled",
        supplement,
        election_id=election.id,
        group=supplement.group.value,
        withdrawn=withdrawn,
    )
