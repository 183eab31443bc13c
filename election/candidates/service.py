"""Nominations, their verification and withdrawal, and publication of the candidate list.

Every function takes the session (and an :class:`Actor` when it changes something),
checks, changes, records the audit event and flushes; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from election.audit.service import Actor, record
from election.auth.models import Role, User
from election.candidates import rules
from election.candidates.models import STANDING, Candidate, CandidateStatus
from election.db import utcnow
from election.elections.models import Election, Phase
from election.errors import N_, Conflict, Forbidden, NotFound, ValidationFailed, WrongPhase
from election.partners.models import Partner, PartnerGroup
from election.publishing.models import PublicationKind

GROUPS = (PartnerGroup.GMINA, PartnerGroup.POWIAT, PartnerGroup.MIASTO_NPP)

#: Group names as they appear inside messages ("w grupie gminy").
GROUP_NAMES = {
    PartnerGroup.GMINA: N_("gminy"),
    PartnerGroup.POWIAT: N_("powiaty"),
    PartnerGroup.MIASTO_NPP: N_("miasta na prawach powiatu"),
}

#: The largest id the database's integer columns hold.
MAX_ID = 2**31 - 1

#: Phases in which the candidate list is public (and locked).
PUBLISHED_PHASES = (Phase.CANDIDATES_PUBLISHED, Phase.VOTING, Phase.CLOSED, Phase.CERTIFIED)


class ListLocked(WrongPhase):
    """The candidate list is published: nothing on it may change."""

    code = "list_locked"

    def default_message(self) -> str:
        return N_(
            "Lista kandydatów została opublikowana i jest zablokowana; nie można jej zmieniać."
        )


class NominationInvalid(ValidationFailed):
    """Bad nomination data; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None, **params: object) -> None:
        super().__init__(message, **params)
        self.field = field


# --- reading ------------------------------------------------------------------------------


def is_published(election: Election) -> bool:
    return election.phase in PUBLISHED_PHASES


def get_candidate(session: Session, election: Election, candidate_id: int) -> Candidate:
    """A nomination of ``election``, or :class:`NotFound`."""
    candidate = session.get(Candidate, candidate_id)
    if candidate is None or candidate.election_id != election.id:
        raise NotFound(N_("Nie ma takiego zgłoszenia."))
    return candidate


def _sorted(candidates: list[Candidate]) -> list[Candidate]:
    return sorted(candidates, key=lambda c: rules.polish_sort_key(c.full_name))


def _by_group(candidates: list[Candidate]) -> dict[PartnerGroup, list[Candidate]]:
    groups: dict[PartnerGroup, list[Candidate]] = {g: [] for g in GROUPS}
    for candidate in candidates:
        groups[candidate.group].append(candidate)
    return {g: _sorted(cs) for g, cs in groups.items()}


def nominations_by_group(
    session: Session, election: Election
) -> dict[PartnerGroup, list[Candidate]]:
    """Every nomination of the election (any status), per group, in Polish order."""
    rows = session.scalars(
        select(Candidate)
        .options(joinedload(Candidate.partner))
        .where(Candidate.election_id == election.id)
    ).all()
    return _by_group(list(rows))


def nominations_of_partner(
    session: Session, election: Election, partner_id: int
) -> list[Candidate]:
    """Nominations made by (or on behalf of) one Partner, in Polish order."""
    rows = session.scalars(
        select(Candidate)
        .options(joinedload(Candidate.partner))
        .where(
            Candidate.election_id == election.id,
            Candidate.nominated_by_partner_id == partner_id,
        )
    ).all()
    return _sorted(list(rows))


def published_list(session: Session, election: Election) -> dict[PartnerGroup, list[Candidate]]:
    """The published candidate list: verified candidates per group, in Polish order.

    Every group is a key (possibly with an empty list). Raises :class:`NotFound`
    before the list is published. This is what the public page, the API, the LMS and
    the ballots show.
    """
    if not is_published(election):
        raise NotFound(N_("Lista kandydatów tych wyborów nie została jeszcze opublikowana."))
    rows = session.scalars(
        select(Candidate)
        .options(joinedload(Candidate.partner))
        .where(
            Candidate.election_id == election.id,
            Candidate.status == CandidateStatus.VERIFIED,
        )
    ).all()
    return _by_group(list(rows))


def nominable_partners(session: Session, group: PartnerGroup | None = None) -> list[Partner]:
    """Active Partners a candidate may represent (of ``group``, or all), by group and name."""
    stmt = select(Partner).where(Partner.active.is_(True))
    if group is not None:
        stmt = stmt.where(Partner.group == group)
    return sorted(
        session.scalars(stmt),
        key=lambda p: (GROUPS.index(p.group), rules.polish_text_key(p.name)),
    )


@dataclass(frozen=True)
class NominationWindow:
    """Whether nominations are accepted now, and if not, why (a message for people)."""

    open: bool
    reason: str | None = None


def nomination_window(election: Election, now: dt.datetime | None = None) -> NominationWindow:
    now = now or utcnow()
    if is_published(election):
        return NominationWindow(False, ListLocked().message)
    if election.phase != Phase.NOMINATIONS:
        return NominationWindow(False, N_("Zgłaszanie kandydatów nie jest jeszcze otwarte."))
    if election.nomination_deadline is not None and now > election.nomination_deadline:
        return NominationWindow(False, N_("Termin zgłaszania kandydatów minął."))
    return NominationWindow(True)


# --- guards -------------------------------------------------------------------------------


def require_list_open(election: Election) -> None:
    """Refuse any change to nominations unless the election is in the nominations phase."""
    if is_published(election):
        raise ListLocked()
    if election.phase != Phase.NOMINATIONS:
        raise WrongPhase(N_("Zgłaszanie kandydatów nie jest jeszcze otwarte."))


def _require_window(election: Election, now: dt.datetime | None) -> None:
    require_list_open(election)
    window = nomination_window(election, now)
    if not window.open:
        raise WrongPhase(window.reason)


# --- nominating ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Nomination:
    """What a nomination form says (raw, as typed)."""

    full_name: str
    position: str
    partner_id: int | None
    statement: str = ""
    consent_confirmed: bool = False
    consent_scan: bytes | None = None
    consent_filename: str | None = None


def _check(nomination: Nomination) -> None:
    problem = rules.name_problem(nomination.full_name)
    if problem:
        raise NominationInvalid(problem, "full_name")
    problem = rules.line_problem(nomination.position, max_length=rules.MAX_POSITION)
    if problem:
        raise NominationInvalid(problem, "position", max=rules.MAX_POSITION)
    problem = rules.statement_problem(nomination.statement or "")
    if problem:
        raise NominationInvalid(problem, "statement")
    if nomination.consent_scan is not None:
        problem = rules.scan_problem(nomination.consent_scan)
        if problem:
            raise NominationInvalid(problem, "consent_scan")
    if not nomination.consent_confirmed and not nomination.consent_scan:
        raise NominationInvalid(
            N_(
                "Potwierdź posiadanie podpisanej zgody kandydata albo załącz skan zgody "
                "(wymagane jest co najmniej jedno)."
            ),
            "consent_confirmed",
        )


def _partner(session: Session, partner_id: int | None) -> Partner:
    # An id beyond the database's integer (a forged field) would be a database error.
    known = partner_id is not None and 0 < partner_id <= MAX_ID
    partner = session.get(Partner, partner_id) if known else None
    if partner is None:
        raise NominationInvalid(
            N_("Wybierz Partnera, którego reprezentuje kandydat."), "partner_id"
        )
    if not partner.active:
        raise NominationInvalid(
            N_("Partner %(name)s jest nieaktywny; nie może zgłaszać kandydatów."),
            "partner_id",
            name=partner.name,
        )
    return partner


def _standing(session: Session, election: Election, key: str) -> Candidate | None:
    return session.scalar(
        select(Candidate).where(
            Candidate.election_id == election.id,
            Candidate.person_key == key,
            Candidate.status.in_(STANDING),
        )
    )


def _duplicate(full_name: str) -> Conflict:
    return Conflict(
        N_("%(name)s jest już zgłoszony(-a) w tych wyborach; jedna osoba może kandydować raz."),
        name=full_name,
    )


def _create(
    session: Session,
    actor: Actor,
    election: Election,
    nomination: Nomination,
    partner: Partner,
    *,
    by_partner: Partner,
    by_user: User | None,
    on_behalf: bool,
) -> Candidate:
    full_name = rules.clean_name(nomination.full_name)
    key = rules.person_key(full_name)
    if _standing(session, election, key) is not None:
        raise _duplicate(full_name)
    scan = nomination.consent_scan or None
    media_type = rules.scan_type(scan) if scan else None
    candidate = Candidate(
        election_id=election.id,
        group=partner.group,
        full_name=full_name,
        person_key=key,
        position=rules.collapse_spaces(nomination.position),
        partner_id=partner.id,
        nominated_by_partner_id=by_partner.id,
        nominated_by_user_id=by_user.id if by_user else None,
        statement=(nomination.statement or "").strip(),
        consent_confirmed=bool(nomination.consent_confirmed),
        consent_scan=scan,
        consent_scan_filename=(
            rules.safe_filename(nomination.consent_filename, media_type) if media_type else None
        ),
        status=CandidateStatus.NOMINATED,
    )
    try:
        # A savepoint: a concurrent nomination of the same person trips the partial
        # unique index, and the rest of the transaction must stay usable.
        with session.begin_nested():
            session.add(candidate)
            session.flush()
    except IntegrityError as exc:
        raise _duplicate(full_name) from exc
    record(
        session,
        actor,
        "candidate.nominated",
        candidate,
        election_id=election.id,
        name=full_name,
        group=partner.group.value,
        partner=partner.teryt,
        nominated_by=by_partner.teryt,
        on_behalf=on_behalf,
        consent_confirmed=candidate.consent_confirmed,
        consent_scan=scan is not None,
    )
    return candidate


def nominate_as_rep(
    session: Session,
    actor: Actor,
    rep: User,
    election: Election,
    nomination: Nomination,
    *,
    now: dt.datetime | None = None,
) -> Candidate:
    """A partner rep nominates a candidate representing a Partner of the rep's own group.

    Raises :class:`WrongPhase` outside the nominations phase or after the deadline,
    :class:`ListLocked` after publication, :class:`Forbidden` for a Partner of another
    group (e.g. a forged form field), :class:`NominationInvalid` for bad data and
    :class:`Conflict` when the person already stands in this election.
    """
    if rep.role != Role.PARTNER_REP or rep.partner is None:
        raise Forbidden(N_("Kandydatów zgłaszają przedstawiciele Partnerów."))
    _require_window(election, now)
    _check(nomination)
    own = rep.partner
    if not own.active:
        raise Forbidden(N_("Twój Partner jest nieaktywny; nie może zgłaszać kandydatów."))
    partner = _partner(session, nomination.partner_id)
    if partner.group != own.group:
        raise NominationInvalid(
            N_(
                "Kandydat musi reprezentować Partnera z Twojej grupy (%(group)s); "
                "%(name)s należy do innej grupy."
            ),
            "partner_id",
            group=GROUP_NAMES[own.group],
            name=partner.name,
        )
    return _create(
        session,
        actor,
        election,
        nomination,
        partner,
        by_partner=own,
        by_user=rep,
        on_behalf=False,
    )


def nominate_as_admin(
    session: Session,
    actor: Actor,
    election: Election,
    nomination: Nomination,
    *,
    admin: User | None = None,
    now: dt.datetime | None = None,
) -> Candidate:
    """The admin nominates on behalf of the candidate's Partner (any group).

    The candidate's Partner decides the group and counts as the nominating Partner,
    so its reps see the nomination and may withdraw it. The deadline applies as for reps.
    """
    _require_window(election, now)
    _check(nomination)
    partner = _partner(session, nomination.partner_id)
    return _create(
        session,
        actor,
        election,
        nomination,
        partner,
        by_partner=partner,
        by_user=admin,
        on_behalf=True,
    )


# --- reviewing ----------------------------------------------------------------------------


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
    reason = rules.collapse_spaces(reason or "")
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


def can_view_scan(user: User, candidate: Candidate) -> bool:
    return can_withdraw(user, candidate)


# --- publication --------------------------------------------------------------------------


def publish_list(session: Session, actor: Actor, election: Election) -> dict[PartnerGroup, int]:
    """Publish the candidate list: lock it and move the election to ``candidates_published``.

    Requires the nominations phase, no nomination still awaiting verification and at
    least one verified candidate in every group. Queues the publication to the LMS.
    Returns the number of candidates per group.
    """
    require_list_open(election)
    everyone = nominations_by_group(session, election)
    waiting = [
        c.full_name for g in GROUPS for c in everyone[g] if c.status == CandidateStatus.NOMINATED
    ]
    if waiting:
        raise Conflict(
            N_("Nie wszystkie zgłoszenia są rozpatrzone; zweryfikuj lub odrzuć: %(names)s."),
            names=", ".join(waiting),
        )
    counts = {
        g: sum(1 for c in everyone[g] if c.status == CandidateStatus.VERIFIED) for g in GROUPS
    }
    missing = [g for g in GROUPS if counts[g] == 0]
    if missing:
        if len(missing) == 1:
            raise Conflict(
                N_("Brak zweryfikowanych kandydatów w grupie: %(group)s."),
                group=GROUP_NAMES[missing[0]],
            )
        raise Conflict(
            N_("Brak zweryfikowanych kandydatów w grupach: %(groups)s."),
            groups=", ".join(GROUP_NAMES[g] for g in missing),
        )
    election.advance_to(Phase.CANDIDATES_PUBLISHED)
    session.flush()
    record(
        session,
        actor,
        "candidates.published",
        election,
        **{g.value: counts[g] for g in GROUPS},
    )
    # Imported here: publishing sits above candidates in the order of features.
    from election.publishing.service import enqueue

    enqueue(session, election.id, PublicationKind.CANDIDATES)
    return counts
