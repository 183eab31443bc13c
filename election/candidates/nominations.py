"""Nominations: who may be nominated, by whom and when; reading the nominations.

Every function takes the session (and an :class:`Actor` when it changes something),
checks, changes, records the audit event and flushes; the caller commits. Their review
is in :mod:`election.candidates.review`, the published list in
:mod:`election.candidates.published`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from election.access import Role
from election.audit.service import Actor, record
from election.auth.models import User
from election.candidates import rules
from election.candidates.models import STANDING, Candidate, CandidateStatus, Supplement
from election.collation import clean_name, collapse_spaces, polish_sort_key
from election.db import utcnow
from election.elections.models import Election, Phase
from election.errors import N_, Conflict, Forbidden, NotFound, ValidationFailed, WrongPhase
from election.labels import GROUP_LABELS
from election.partners.models import GROUPS, Partner, PartnerGroup
from election.partners.service import in_register_order

#: The largest id the database's integer columns hold.
MAX_ID = 2**31 - 1


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


def get_candidate(session: Session, election: Election, candidate_id: int) -> Candidate:
    """A nomination of ``election``, or :class:`NotFound`."""
    candidate = session.get(Candidate, candidate_id)
    if candidate is None or candidate.election_id != election.id:
        raise NotFound(N_("Nie ma takiego zgłoszenia."))
    return candidate


def _sorted(candidates: list[Candidate]) -> list[Candidate]:
    return sorted(candidates, key=lambda c: polish_sort_key(c.full_name))


def by_group(candidates: list[Candidate]) -> dict[PartnerGroup, list[Candidate]]:
    """``candidates`` per group (every group a key), each in Polish order of names."""
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
    return by_group(list(rows))


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


def nominable_partners(session: Session, group: PartnerGroup | None = None) -> list[Partner]:
    """Active Partners a candidate may represent (of ``group``, or all), in register order."""
    stmt = select(Partner).where(Partner.active.is_(True))
    if group is not None:
        stmt = stmt.where(Partner.group == group)
    return in_register_order(session.scalars(stmt))


@dataclass(frozen=True)
class NominationWindow:
    """Whether nominations are accepted now, and if not, why (a message for people)."""

    open: bool
    reason: str | None = None


def nomination_window(election: Election, now: dt.datetime | None = None) -> NominationWindow:
    """Whether a nomination would be accepted at ``now`` (the deadline counts)."""
    now = now or utcnow()
    if election.candidates_public:
        return NominationWindow(False, ListLocked().message)
    if election.phase != Phase.NOMINATIONS:
        return NominationWindow(False, N_("Zgłaszanie kandydatów nie jest jeszcze otwarte."))
    if election.nomination_deadline is not None and now > election.nomination_deadline:
        return NominationWindow(False, N_("Termin zgłaszania kandydatów minął."))
    return NominationWindow(True)


# --- guards -------------------------------------------------------------------------------


def require_list_open(election: Election) -> None:
    """Refuse any change to nominations unless the election is in the nominations phase."""
    if election.candidates_public:
        raise ListLocked()
    if election.phase != Phase.NOMINATIONS:
        raise WrongPhase(N_("Zgłaszanie kandydatów nie jest jeszcze otwarte."))


def _require_window(election: Election, now: dt.datetime | None) -> None:
    require_list_open(election)
    window = nomination_window(election, now)
    if not window.open:
        raise WrongPhase(window.reason)


def accepting_supplement(
    session: Session, election: Election, group: PartnerGroup | None = None
) -> Supplement | None:
    """The supplementary nominations of ``group`` (of any group when ``None``) that
    accept nominations now, or ``None``."""
    stmt = select(Supplement).where(
        Supplement.election_id == election.id,
        Supplement.published_at.is_(None),
        Supplement.cancelled_at.is_(None),
    )
    if group is not None:
        stmt = stmt.where(Supplement.group == group)
    return session.scalars(stmt.order_by(Supplement.id).limit(1)).first()


def _require_any_window(session: Session, election: Election, now: dt.datetime | None) -> None:
    """Refuse before reading the form unless nominations are open (or a supplement is)."""
    if election.phase == Phase.VOTING and accepting_supplement(session, election) is not None:
        return
    _require_window(election, now)


def _window_for(
    session: Session, election: Election, group: PartnerGroup, now: dt.datetime | None
) -> Supplement | None:
    """The supplement a nomination in ``group`` joins (``None``: the ordinary nominations).

    Raises :class:`ListLocked`/:class:`WrongPhase` when neither accepts it now, and
    :class:`NominationInvalid` for a group the election has no seats for (a by-election).
    """
    if not election.elects(group):
        raise NominationInvalid(
            N_("W tych wyborach nie ma miejsc dla grupy „%(group)s”."),
            "partner_id",
            group=str(GROUP_LABELS[group]),
        )
    if election.phase == Phase.VOTING:
        supplement = accepting_supplement(session, election, group)
        if supplement is not None:
            return supplement
        raise WrongPhase(
            N_("Zgłoszenia uzupełniające nie są otwarte dla grupy „%(group)s”."),
            group=str(GROUP_LABELS[group]),
        )
    _require_window(election, now)
    return None


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
        N_(
            "%(name)s: ta osoba jest już zgłoszona w tych wyborach; jedna osoba może "
            "kandydować raz."
        ),
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
    supplement: Supplement | None = None,
) -> Candidate:
    full_name = clean_name(nomination.full_name)
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
        position=collapse_spaces(nomination.position),
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
        supplement_id=supplement.id if supplement else None,
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
        supplement=supplement.id if supplement else None,
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

    Raises :class:`WrongPhase` outside the nominations phase (or, during voting, the
    open supplementary nominations of the group) or after the deadline,
    :class:`ListLocked` after publication, :class:`Forbidden` for a Partner of another
    group (e.g. a forged form field), :class:`NominationInvalid` for bad data and
    :class:`Conflict` when the person already stands in this election.
    """
    if rep.role != Role.PARTNER_REP or rep.partner is None:
        raise Forbidden(N_("Kandydatów zgłaszają przedstawiciele Partnerów."))
    _require_any_window(session, election, now)
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
            group=str(GROUP_LABELS[own.group]),
            name=partner.name,
        )
    supplement = _window_for(session, election, partner.group, now)
    return _create(
        session,
        actor,
        election,
        nomination,
        partner,
        by_partner=own,
        by_user=rep,
        on_behalf=False,
        supplement=supplement,
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
    During voting, a nomination in a group whose supplementary nominations are open
    joins them (:mod:`election.candidates.supplements`).
    """
    _require_any_window(session, election, now)
    _check(nomination)
    partner = _partner(session, nomination.partner_id)
    supplement = _window_for(session, election, partner.group, now)
    return _create(
        session,
        actor,
        election,
        nomination,
        partner,
        by_partner=partner,
        by_user=admin,
        on_behalf=True,
        supplement=supplement,
    )
