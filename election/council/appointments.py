"""The appointed members of the Council: appointing them and replacing one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.council import rules
from election.council.models import AppointedSeat, Appointment
from election.db import utcnow
from election.elections.models import Election, Phase
from election.errors import N_, Conflict, NotFound
from election.labels import SEAT_LABELS

#: Appointments can be recorded in any phase until the results are certified.
APPOINTMENT_PHASES = tuple(p for p in Phase if p is not Phase.CERTIFIED)


def current_appointments(session: Session, election: Election) -> list[Appointment]:
    """The current holders of the appointed seats: Leader first, then ŚCSI, by slot."""
    rows = session.scalars(
        select(Appointment).where(
            Appointment.election_id == election.id, Appointment.superseded_at.is_(None)
        )
    )
    return sorted(rows, key=lambda a: (a.seat != AppointedSeat.LEADER, a.slot))


def superseded_appointments(session: Session, election: Election) -> list[Appointment]:
    """Former holders, oldest replacement first (shown in the protocol's history)."""
    return list(
        session.scalars(
            select(Appointment)
            .where(Appointment.election_id == election.id, Appointment.superseded_at.is_not(None))
            .order_by(Appointment.superseded_at, Appointment.id)
        )
    )


def get_appointment(session: Session, election: Election, appointment_id: int) -> Appointment:
    """The election's appointment ``appointment_id``, or :class:`NotFound`."""
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.election_id != election.id:
        raise NotFound(N_("Nie ma takiego powołania."))
    return appointment


@dataclass(frozen=True)
class AppointmentData:
    """What the admin enters about an appointed member."""

    full_name: str
    position: str
    document_ref: str
    document_date: dt.date
    #: Empty: the seat's usual authority (:data:`rules.DEFAULT_AUTHORITY`).
    authority: str = ""


def seats(election: Election, seat: AppointedSeat) -> int:
    """How many places the election gives ``seat``."""
    return rules.seats_of(
        seat.value, leader_seats=election.leader_seats, scsi_seats=election.scsi_seats
    )


def _fill(appointment: Appointment, data: AppointmentData) -> None:
    appointment.full_name = data.full_name
    appointment.position = data.position
    appointment.authority = data.authority or rules.DEFAULT_AUTHORITY[appointment.seat.value]
    appointment.document_ref = data.document_ref
    appointment.document_date = data.document_date


def _slot_taken() -> Conflict:
    return Conflict(N_("To miejsce zostało właśnie obsadzone przez kogoś innego. Odśwież stronę."))


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
    the seat — is held (a replacement, :func:`replace`, changes a holder).
    """
    election.require_phase(*APPOINTMENT_PHASES)
    taken = [a.slot for a in current_appointments(session, election) if a.seat == seat]
    slot = rules.choose_slot(SEAT_LABELS[seat], slot, taken, seats(election, seat))
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
) -> Appointment:
    """Replace the holder of a place: the old appointment is superseded, not deleted.

    Raises :class:`NotFound`, :class:`WrongPhase` once certified, :class:`Conflict` when
    the appointment was already superseded.
    """
    election.require_phase(*APPOINTMENT_PHASES)
    old = get_appointment(session, election, appointment_id)
    if old.superseded_at is not None:
        raise Conflict(N_("To powołanie zostało już zastąpione innym."))
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
