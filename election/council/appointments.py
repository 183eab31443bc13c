"""The appointed members of the Council: appointing them, replacing one (also during
the term, when the appointing body names a successor), and who may record them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election.access import Role
from election.audit.service import Actor, record
from election.council import rules, term
from election.council.members import (
    current_appointments,
    elected,
    key_of,
    seats,
    superseded_appointments,
)
from election.council.models import (
    AppointedSeat,
    Appointment,
    Council,
    MandateEnd,
    MandateEndReason,
)
from election.db import utcnow
from election.elections.models import Election, Phase
from election.errors import N_, Conflict, Forbidden, NotFound, ValidationFailed
from election.labels import SEAT_LABELS

__all__ = [
    "APPOINTMENT_PHASES",
    "AppointmentData",
    "allow_chair",
    "appoint",
    "chair_appoints",
    "current_appointments",
    "get_appointment",
    "replace",
    "require_may_record",
    "seats",
    "superseded_appointments",
]

#: Appointments can be recorded in any phase until the results are certified; after
#: that only a replacement during the term changes an appointed seat.
APPOINTMENT_PHASES = tuple(p for p in Phase if p is not Phase.CERTIFIED)


def get_appointment(session: Session, election: Election, appointment_id: int) -> Appointment:
    """The election's appointment ``appointment_id``, or :class:`NotFound`."""
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.election_id != election.id:
        raise NotFound(N_("Nie ma takiego powołania."))
    return appointment


# --- who records them ---------------------------------------------------------------------


def chair_appoints(session: Session, election: Election) -> bool:
    """Whether the admin lets the meeting's chair record this election's appointments."""
    row = session.get(Council, election.id)
    return bool(row and row.chair_appoints)


def require_may_record(session: Session, election: Election, role: Role) -> None:
    """Refuse (:class:`Forbidden`, saying who must) unless ``role`` may record
    appointments: the admin always, the chair when the admin allows it."""
    if role == Role.ADMIN or (role == Role.CHAIR and chair_appoints(session, election)):
        return
    raise Forbidden(
        N_(
            "Powołania zapisuje administrator. Przewodniczący może je zapisywać, jeśli "
            "administrator na to pozwoli na stronie składu Rady."
        )
    )


def allow_chair(session: Session, actor: Actor, election: Election, allowed: bool) -> bool:
    """The admin lets the chair record appointments (or stops letting them); audited.
    Returns the new setting."""
    row = term.council_row(session, election)
    if bool(row.chair_appoints) == allowed:
        return allowed
    row.chair_appoints = allowed
    session.flush()
    record(
        session,
        actor,
        "council.chair_appointments_allowed" if allowed else "council.chair_appointments_revoked",
        election,
    )
    return allowed


# --- appointing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AppointmentData:
    """What the admin enters about an appointed member."""

    full_name: str
    position: str
    document_ref: str
    document_date: dt.date
    #: Empty: the seat's usual authority (:data:`rules.DEFAULT_AUTHORITY`).
    authority: str = ""


def _fill(appointment: Appointment, data: AppointmentData) -> None:
    appointment.full_name = data.full_name
    appointment.position = data.position
    appointment.authority = data.authority or rules.DEFAULT_AUTHORITY[appointment.seat.value]
    appointment.document_ref = data.document_ref
    appointment.document_date = data.document_date


def _slot_taken() -> Conflict:
    return Conflict(N_("To miejsce zostało właśnie obsadzone przez kogoś innego. Odśwież stronę."))


def _one_seat(name: str, taken: dict[str, object]) -> None:
    """One person, one seat: refuse ``name`` when its person key holds a seat already
    (``taken``: person key → the seat's label)."""
    seat = taken.get(key_of(name))
    if seat is not None:
        raise Conflict(
            N_(
                "Jedna osoba, jedno miejsce: %(name)s zasiada już w Radzie (%(seat)s). "
                "Powołaj inną osobę."
            ),
            name=name,
            seat=str(seat),
        )


def _held_before_certification(
    session: Session, election: Election, but: Appointment | None = None
) -> dict[str, object]:
    taken: dict[str, object] = {
        key_of(c.full_name): SEAT_LABELS[c.group.value] for c in elected(session, election)
    }
    for a in current_appointments(session, election):
        if a is not but:
            taken.setdefault(key_of(a.full_name), SEAT_LABELS[a.seat.value])
    return taken


def appoint(
    session: Session,
    actor: Actor,
    election: Election,
    seat: AppointedSeat,
    data: AppointmentData,
    *,
    slot: int | None = None,
) -> Appointment:
    """Appoint a member to a free place of ``seat`` (``slot``, or the first free one).

    Raises :class:`WrongPhase` once certified, :class:`ValidationFailed` for a place
    the election does not have, :class:`Conflict` when the place — or every place of
    the seat — is held (a replacement, :func:`replace`, changes a holder) or when the
    person already sits in the Council, elected or appointed (one person, one seat).
    """
    election.require_phase(*APPOINTMENT_PHASES)
    taken = [a.slot for a in current_appointments(session, election) if a.seat == seat]
    slot = rules.choose_slot(SEAT_LABELS[seat], slot, taken, seats(election, seat))
    _one_seat(data.full_name, _held_before_certification(session, election))
    appointment = Appointment(election_id=election.id, seat=seat, slot=slot)
    _fill(appointment, data)
    try:
        with session.begin_nested():
            session.add(appointment)
            session.flush()
    except IntegrityError as exc:
        # Someone else filled the place between our read and our write.
        raise _slot_taken() from exc
    record(
        session,
        actor,
        "appointment.created",
        appointment,
        election_id=election.id,
        seat=seat.value,
        slot=slot,
        full_name=appointment.full_name,
        position=appointment.position,
        authority=appointment.authority,
        document_ref=appointment.document_ref,
        document_date=appointment.document_date,
    )
    return appointment


def replace(
    session: Session,
    actor: Actor,
    election: Election,
    appointment_id: int,
    data: AppointmentData,
    *,
    on: dt.date | None = None,
) -> Appointment:
    """Replace the holder of a place: the old appointment is superseded, not deleted.

    Before certification this corrects the composition. Once certified, it is the
    appointing body naming a successor during the term: the old holder's mandate ends
    on the new document's date (recorded as a recall unless its end was recorded
    already) and the successor holds the seat from then (``on`` is today unless given).

    Raises :class:`NotFound`; :class:`Conflict` when the appointment was already
    superseded, the person already sits in the Council (one person, one seat) or the
    term is over; :class:`ValidationFailed` for a document dated outside the term.
    """
    if election.by_election:
        raise NotFound(N_("Nie ma takiego powołania."))
    old = get_appointment(session, election, appointment_id)
    if old.superseded_at is not None:
        raise Conflict(N_("To powołanie zostało już zastąpione innym."))
    if election.certified:
        _end_for_successor(session, actor, election, old, data, on or term.today())
    else:
        election.require_phase(*APPOINTMENT_PHASES)
        _one_seat(data.full_name, _held_before_certification(session, election, but=old))
    new = Appointment(election_id=election.id, seat=old.seat, slot=old.slot)
    _fill(new, data)
    try:
        with session.begin_nested():
            old.superseded_at = utcnow()
            session.flush()
            session.add(new)
            session.flush()
    except IntegrityError as exc:
        raise _slot_taken() from exc
    record(
        session,
        actor,
        "appointment.replaced",
        new,
        election_id=election.id,
        seat=new.seat.value,
        slot=new.slot,
        replaced_id=old.id,
        replaced_name=old.full_name,
        full_name=new.full_name,
        position=new.position,
        authority=new.authority,
        document_ref=new.document_ref,
        document_date=new.document_date,
    )
    return new


def _end_for_successor(
    session: Session,
    actor: Actor,
    election: Election,
    old: Appointment,
    data: AppointmentData,
    on: dt.date,
) -> None:
    """During the term: the checks of a successor, and the end of the old mandate."""
    council = term.council_term(session, election)
    term.require_running(council, on)
    tenure = council.find(f"a{old.id}")
    _one_seat(
        data.full_name,
        {key_of(t.member.name): t.seat_label for t in council.members_on(on) if t is not tenure},
    )
    if tenure.until is not None:
        return  # the mandate ended already (resignation, death): the seat is open
    if not tenure.since <= data.document_date <= on:
        raise ValidationFailed(
            N_("Data dokumentu powołania następcy musi być między %(since)s a dzisiejszym dniem."),
            since=tenure.since.strftime("%d.%m.%Y"),
        )
    term.end_mandate(
        session,
        actor,
        election,
        tenure.ref,
        data.document_date,
        MandateEndReason.RECALLED,
        data.document_ref,
        on=on,
    )


def mandate_end_of(session: Session, appointment: Appointment) -> MandateEnd | None:
    """The recorded end of an appointee's mandate, if any."""
    return session.scalar(select(MandateEnd).where(MandateEnd.appointment_id == appointment.id))
