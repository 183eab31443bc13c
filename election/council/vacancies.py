"""Dead end C, the way out without more candidates: a group elected fewer members than
it has seats, and the chair records the empty seats as a vacancy. The Council is then
certified with it — named in the protocol and the public results — and a by-election
(:mod:`election.council.by_elections`) fills it during the term.

Every function takes the session, checks, changes, records the audit event and
flushes; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.candidates import supplements
from election.candidates.nominations import accepting_supplement
from election.candidates.rules import MAX_REASON, line_problem
from election.collation import collapse_spaces
from election.council.models import Vacancy
from election.db import utcnow
from election.elections.models import Election, Phase
from election.errors import N_, Conflict, NotFound, ValidationFailed
from election.labels import GROUP_LABELS
from election.partners.models import GROUPS, PartnerGroup
from election.tally.results import PENDING_SHORT, GroupStatus, group_status


def shortfall(
    session: Session, election: Election, statuses: dict[PartnerGroup, GroupStatus] | None = None
) -> dict[PartnerGroup, int]:
    """Groups whose voting is over with seats left (fewer candidates than seats): how
    many seats each left empty. Only these may get supplementary nominations or a
    vacancy. ``statuses``: the groups' statuses when the caller has read them already."""
    statuses = statuses or group_status(session, election)
    return {
        group: statuses[group].seats - len(statuses[group].elected)
        for group in GROUPS
        if election.elects(group) and statuses[group].pending == PENDING_SHORT
    }


def vacancies_of(session: Session, election: Election) -> dict[PartnerGroup, Vacancy]:
    """The vacancies recorded (and not withdrawn), per group."""
    rows = session.scalars(
        select(Vacancy).where(Vacancy.election_id == election.id, Vacancy.cancelled_at.is_(None))
    )
    return {v.group: v for v in rows}


def record_vacancy(
    session: Session, actor: Actor, election: Election, group: PartnerGroup, reason: str
) -> Vacancy:
    """Record the seats ``group`` left empty as a vacancy, so the Council can be
    certified with it; supplementary nominations of the group still open are cancelled.

    Raises :class:`WrongPhase` before voting or once certified, :class:`Conflict`
    unless the group's voting is over with seats left or when a vacancy is recorded
    already, :class:`ValidationFailed` for a missing or bad reason.
    """
    election.require_phase(Phase.VOTING, Phase.CLOSED)
    reason = collapse_spaces(reason or "")
    if not reason:
        raise ValidationFailed(N_("Podaj powód wakatu (np. za mało kandydatów)."))
    problem = line_problem(reason, max_length=MAX_REASON)
    if problem:
        raise ValidationFailed(problem, max=MAX_REASON)
    label = str(GROUP_LABELS[group])
    if group in vacancies_of(session, election):
        raise Conflict(N_("Wakat w grupie „%(group)s” jest już zapisany."), group=label)
    empty = shortfall(session, election).get(group)
    if not empty:
        raise Conflict(
            N_(
                "W grupie „%(group)s” nie ma miejsc, które zostałyby puste po zakończeniu "
                "głosowania; wakat zapisuje się tylko wtedy, gdy kandydatów było za mało."
            ),
            group=label,
        )
    supplement = accepting_supplement(session, election, group)
    if supplement is not None:
        supplements.cancel(session, actor, election, supplement)
    vacancy = Vacancy(
        election_id=election.id,
        group=group,
        seats=empty,
        reason=reason,
        recorded_by_id=actor.id,
    )
    try:
        with session.begin_nested():
            session.add(vacancy)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(N_("Wakat w grupie „%(group)s” jest już zapisany."), group=label) from exc
    record(
        session,
        actor,
        "council.vacancy_recorded",
        vacancy,
        election_id=election.id,
        group=group.value,
        seats=empty,
        reason=reason,
    )
    return vacancy


def cancel_vacancy(session: Session, actor: Actor, election: Election, vacancy_id: int) -> Vacancy:
    """Withdraw a vacancy before certification (e.g. to open supplementary nominations).

    Raises :class:`NotFound`, :class:`WrongPhase` once certified, :class:`Conflict` when
    withdrawn already.
    """
    election.require_phase(Phase.VOTING, Phase.CLOSED)
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None or vacancy.election_id != election.id:
        raise NotFound(N_("Nie ma takiego wakatu."))
    if vacancy.cancelled_at is not None:
        raise Conflict(N_("Ten wakat został już wycofany."))
    vacancy.cancelled_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        "council.vacancy_cancelled",
        vacancy,
        election_id=election.id,
        group=vacancy.group.value,
    )
    return vacancy
