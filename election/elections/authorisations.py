"""Authorised voters (pełnomocnictwa): a Partner sends a person in place of its head.

The Partner's representative (or the admin, for any Partner) records the authorisation
with a scan of the signed document and the days it is valid; the admin or the chair
verifies or rejects it (audited). A verified authorisation gives the person an account
of a representative of that Partner that signs in only on those days
(``User.valid_from``/``valid_until``), with an invitation to set its password. The
Partner still casts one ballot per round, whoever casts it (the roll mark's unique
constraint); the protocol lists the authorisations.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from election import scans
from election.access import Role
from election.audit.service import Actor, record
from election.auth import links
from election.auth import service as accounts
from election.auth.models import User
from election.collation import clean_name, polish_text_key
from election.db import utcnow
from election.elections import roll
from election.elections.models import Election, Phase
from election.elections.people import Authorisation, AuthorisationStatus
from election.elections.rules import warsaw_to_utc
from election.errors import N_, Conflict, NotFound, ValidationFailed, WrongPhase
from election.mail import Delivery, Message, send_after_commit
from election.partners import reps
from election.partners.models import Partner

#: The longest authorisation accepted: a meeting's, not a term's.
MAX_DAYS = 366
MAX_REASON = 500


@dataclass(frozen=True)
class AuthorisationData:
    """What a Partner's representative (or the admin) types and uploads."""

    partner_id: int
    full_name: str
    position: str
    email: str
    valid_from: dt.date
    valid_until: dt.date
    scan: bytes
    filename: str | None


def _require_open(election: Election) -> None:
    if election.phase in (Phase.DRAFT, Phase.CERTIFIED):
        raise WrongPhase(
            N_("Pełnomocnictwa przyjmuje się od ogłoszenia wyborów do zatwierdzenia wyników.")
        )


def may_vote(session: Session, election: Election, partner_id: int) -> bool:
    """Whether the Partner votes in the election: on the frozen roll once voting started,
    else eligible under the election's rule."""
    if election.settings_locked:
        return roll.roll_entry(session, election.id, partner_id) is not None
    return roll.is_eligible(session, election, partner_id)


def _check_dates(valid_from: dt.date, valid_until: dt.date, today: dt.date) -> None:
    if valid_until < valid_from:
        raise ValidationFailed(N_("Data końca ważności nie może być wcześniejsza niż początku."))
    if valid_until < today:
        raise ValidationFailed(N_("Pełnomocnictwo już wygasło (data końca ważności minęła)."))
    if (valid_until - valid_from).days >= MAX_DAYS:
        raise ValidationFailed(N_("Pełnomocnictwo może obowiązywać najwyżej rok."))


def submit(
    session: Session, actor: Actor, election: Election, data: AuthorisationData, today: dt.date
) -> Authorisation:
    """Record an authorisation, waiting for verification (``authorisation.submitted``).

    Raises :class:`WrongPhase` (draft, certified), :class:`NotFound` (a Partner that does
    not vote in the election), :class:`ValidationFailed` (dates, the scan, a name) or
    :class:`Conflict` (the same person already authorised and not rejected).
    """
    _require_open(election)
    if session.get(Partner, data.partner_id) is None or not may_vote(
        session, election, data.partner_id
    ):
        raise NotFound(N_("Ten Partner nie głosuje w tych wyborach."))
    full_name = clean_name(data.full_name)
    if len(full_name.split(" ")) < 2 or len(full_name) > 200:
        raise ValidationFailed(N_("Podaj imię i nazwisko osoby upoważnionej."))
    position = " ".join(data.position.split())
    if not position or len(position) > 200:
        raise ValidationFailed(N_("Podaj stanowisko osoby upoważnionej."))
    email = accounts.normalise_email(data.email)
    if "@" not in email or len(email) > 254 or " " in email:
        raise ValidationFailed(N_("Podaj poprawny adres e-mail."))
    _check_dates(data.valid_from, data.valid_until, today)
    problem = scans.scan_problem(data.scan)
    if problem:
        raise ValidationFailed(problem)
    standing = session.scalar(
        select(Authorisation.id).where(
            Authorisation.election_id == election.id,
            Authorisation.partner_id == data.partner_id,
            Authorisation.email == email,
            Authorisation.status != AuthorisationStatus.REJECTED,
        )
    )
    if standing is not None:
        raise Conflict(N_("Ta osoba ma już pełnomocnictwo tego Partnera w tych wyborach."))
    media_type = scans.scan_type(data.scan) or "application/pdf"
    authorisation = Authorisation(
        election_id=election.id,
        partner_id=data.partner_id,
        full_name=full_name,
        position=position,
        email=email,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        scan=data.scan,
        scan_filename=scans.safe_filename(data.filename, media_type, "pelnomocnictwo"),
        submitted_by_id=actor.id,
    )
    session.add(authorisation)
    session.flush()
    record(
        session,
        actor,
        "authorisation.submitted",
        authorisation,
        election_id=election.id,
        partner_id=data.partner_id,
        full_name=full_name,
        email=email,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        scan_sha256=hashlib.sha256(data.scan).hexdigest(),
    )
    return authorisation


def get(session: Session, election: Election, authorisation_id: int) -> Authorisation:
    """The election's authorisation, or :class:`NotFound`."""
    found = session.get(Authorisation, authorisation_id)
    if found is None or found.election_id != election.id:
        raise NotFound(N_("Nie ma takiego pełnomocnictwa."))
    return found


def listing(
    session: Session, election: Election, partner_id: int | None = None
) -> list[Authorisation]:
    """The election's authorisations (of one Partner when given), by Partner and person,
    in Polish order."""
    stmt = select(Authorisation).where(Authorisation.election_id == election.id)
    if partner_id is not None:
        stmt = stmt.where(Authorisation.partner_id == partner_id)
    found = session.scalars(stmt).all()
    return sorted(
        found, key=lambda a: (polish_text_key(a.partner.name), polish_text_key(a.full_name), a.id)
    )


def verified(session: Session, election: Election) -> list[Authorisation]:
    """The verified authorisations, for the protocol."""
    return [a for a in listing(session, election) if a.status == AuthorisationStatus.VERIFIED]


def account_window(valid_from: dt.date, valid_until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The account's validity for the days ``valid_from``–``valid_until`` in Warsaw: from
    the first day's midnight to the midnight after the last day."""
    start = warsaw_to_utc(dt.datetime.combine(valid_from, dt.time()))
    end = warsaw_to_utc(dt.datetime.combine(valid_until + dt.timedelta(days=1), dt.time()))
    return start, end


def _account(session: Session, actor: Actor, authorisation: Authorisation) -> tuple[User, bool]:
    """The representative's account for the authorised person, and whether it must be
    invited (it has no password yet). Raises :class:`Conflict` for an address another
    Partner's or the staff's account already has."""
    start, end = account_window(authorisation.valid_from, authorisation.valid_until)
    user = accounts.find_by_email(session, authorisation.email)
    if user is None:
        user = reps.invite(
            session,
            actor,
            email=authorisation.email,
            full_name=authorisation.full_name,
            role=Role.PARTNER_REP,
            partner_id=authorisation.partner_id,
        )
        user.valid_from, user.valid_until = start, end
        return user, True
    if user.role != Role.PARTNER_REP or user.partner_id != authorisation.partner_id:
        raise Conflict(
            N_(
                "Adres %(email)s ma już konto, które nie jest kontem przedstawiciela tego "
                "Partnera. Poproś o pełnomocnictwo z innym adresem e-mail."
            ),
            email=authorisation.email,
        )
    if not user.active:
        raise Conflict(
            N_("Konto %(email)s zostało dezaktywowane; przywrócić je może administrator."),
            email=authorisation.email,
        )
    if user.valid_from is not None or user.valid_until is not None:
        # An account given by an earlier authorisation: it now covers both.
        user.valid_from = min(user.valid_from or start, start)
        user.valid_until = max(user.valid_until or end, end)
    return user, user.password_hash is None


def _invitation(user: User, authorisation: Authorisation, partner: Partner) -> Message:
    with force_locale("pl"):
        subject = _("Pełnomocnictwo %(partner)s — Rada SEKAP", partner=partner.name)
        body = _(
            "Dzień dobry,\n\nzweryfikowano pełnomocnictwo, którym %(partner)s upoważnia "
            "Panią/Pana do działania w jego imieniu w wyborach Rady ds. systemu SEKAP. "
            "Konto przedstawiciela Partnera działa od %(start)s do %(end)s włącznie. "
            "Partner oddaje jeden głos w każdej turze, niezależnie od tego, który "
            "przedstawiciel go odda.\n\nUstaw hasło, otwierając link (ważny 3 dni, "
            "jednorazowy):\n\n%(link)s\n",
            partner=partner.name,
            start=authorisation.valid_from.strftime("%d.%m.%Y"),
            end=authorisation.valid_until.strftime("%d.%m.%Y"),
            link=links.password_link(user),
        )
    return Message(user.email, subject, body)


@dataclass(frozen=True)
class Verified:
    authorisation: Authorisation
    user: User
    #: The invitation's fate, once the edge returned; ``None``: the account had a password.
    delivery: Delivery | None


def verify(
    session: Session, actor: Actor, election: Election, authorisation_id: int, today: dt.date
) -> Verified:
    """Verify an authorisation: the person gets (or keeps) a representative's account of
    the Partner, valid on the authorisation's days, and an invitation when it has no
    password yet (``authorisation.verified``).

    Raises :class:`NotFound`, :class:`WrongPhase`, :class:`Conflict` (decided already,
    expired, an address another account has).
    """
    _require_open(election)
    authorisation = get(session, election, authorisation_id)
    if authorisation.status != AuthorisationStatus.SUBMITTED:
        raise Conflict(N_("To pełnomocnictwo zostało już rozpatrzone."))
    if authorisation.valid_until < today:
        raise Conflict(N_("Pełnomocnictwo już wygasło (data końca ważności minęła)."))
    user, invite = _account(session, actor, authorisation)
    authorisation.status = AuthorisationStatus.VERIFIED
    authorisation.decided_by_id = actor.id
    authorisation.decided_at = utcnow()
    authorisation.user_id = user.id
    session.flush()
    record(
        session,
        actor,
        "authorisation.verified",
        authorisation,
        election_id=election.id,
        partner_id=authorisation.partner_id,
        user_id=user.id,
        valid_from=user.valid_from,
        valid_until=user.valid_until,
    )
    delivery = None
    if invite:
        message = _invitation(user, authorisation, authorisation.partner)
        delivery = send_after_commit(session, [message])
    return Verified(authorisation, user, delivery)


def reject(
    session: Session, actor: Actor, election: Election, authorisation_id: int, reason: str
) -> Authorisation:
    """Reject an authorisation waiting for verification, saying why
    (``authorisation.rejected``). Raises :class:`NotFound`, :class:`WrongPhase`,
    :class:`ValidationFailed` (no reason) or :class:`Conflict` (decided already)."""
    _require_open(election)
    authorisation = get(session, election, authorisation_id)
    reason = " ".join(reason.split())
    if not reason or len(reason) > MAX_REASON:
        raise ValidationFailed(N_("Podaj powód odrzucenia (najwyżej 500 znaków)."))
    if authorisation.status != AuthorisationStatus.SUBMITTED:
        raise Conflict(N_("To pełnomocnictwo zostało już rozpatrzone."))
    authorisation.status = AuthorisationStatus.REJECTED
    authorisation.decided_by_id = actor.id
    authorisation.decided_at = utcnow()
    authorisation.rejection_reason = reason
    session.flush()
    record(
        session,
        actor,
        "authorisation.rejected",
        authorisation,
        election_id=election.id,
        partner_id=authorisation.partner_id,
        reason=reason,
    )
    return authorisation
