"""Appointing the members of the Council and replacing one, over the session."""

import datetime as dt

import pytest
from sqlalchemy import select

from election.audit.models import AuditEvent
from election.council import appointments
from election.council.models import AppointedSeat, Appointment
from election.errors import Conflict, ValidationFailed, WrongPhase
from election.extensions import db
from tests.factories import SYSTEM, make_election
from tests.factories.council import make_appointment

DATA = appointments.AppointmentData(
    full_name="Anna Wójcik",
    position="Zastępca Dyrektora",
    document_ref="Zarządzenie nr 12/2026",
    document_date=dt.date(2026, 6, 1),
)


def person(name: str) -> appointments.AppointmentData:
    """``DATA`` for another person (one person, one seat)."""
    return appointments.AppointmentData(**{**DATA.__dict__, "full_name": name})


def _current(election):
    return db.session.scalars(
        select(Appointment).where(
            Appointment.election_id == election.id, Appointment.superseded_at.is_(None)
        )
    ).all()


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_appointing_uses_the_seat_default_authority_and_is_audited(ctx):
    election = make_election()
    leader = appointments.appoint(db.session, SYSTEM, election, AppointedSeat.LEADER, DATA)
    scsi = appointments.appoint(
        db.session, SYSTEM, election, AppointedSeat.SCSI, person("Ewa Kruk")
    )
    assert (leader.slot, leader.authority) == (1, "Zarząd Województwa Śląskiego")
    assert scsi.authority == "Dyrektor Śląskiego Centrum Społeczeństwa Informacyjnego"
    events = _events("appointment.created")
    assert [e.details["seat"] for e in events] == ["leader", "scsi"]
    assert events[0].details["document_ref"] == "Zarządzenie nr 12/2026"


def test_an_explicit_authority_is_kept(ctx):
    election = make_election()
    data = appointments.AppointmentData(**{**DATA.__dict__, "authority": "Marszałek Województwa"})
    leader = appointments.appoint(db.session, SYSTEM, election, AppointedSeat.LEADER, data)
    assert leader.authority == "Marszałek Województwa"


def test_a_third_scsi_appointment_is_refused_and_nothing_changes(ctx):
    election = make_election()
    appointments.appoint(db.session, SYSTEM, election, AppointedSeat.SCSI, DATA)
    appointments.appoint(db.session, SYSTEM, election, AppointedSeat.SCSI, person("Ewa Kruk"))
    with pytest.raises(Conflict) as exc:
        appointments.appoint(db.session, SYSTEM, election, AppointedSeat.SCSI, person("Jan Lis"))
    assert "są już obsadzone" in str(exc.value)
    assert len(_current(election)) == 2
    assert len(_events("appointment.created")) == 2


def test_a_second_leader_is_refused_when_the_election_has_one_leader_seat(ctx):
    election = make_election()
    appointments.appoint(db.session, SYSTEM, election, AppointedSeat.LEADER, DATA)
    other = person("Jan Lis")
    with pytest.raises(Conflict):
        appointments.appoint(db.session, SYSTEM, election, AppointedSeat.LEADER, other, slot=1)
    with pytest.raises(ValidationFailed):
        appointments.appoint(db.session, SYSTEM, election, AppointedSeat.LEADER, other, slot=2)


def test_a_replacement_supersedes_the_old_holder_in_the_same_place(ctx):
    election = make_election()
    old = make_appointment(election, AppointedSeat.SCSI, 2)
    new = appointments.replace(db.session, SYSTEM, election, old.id, DATA)
    assert old.superseded_at is not None and new.superseded_at is None
    assert (new.seat, new.slot) == (AppointedSeat.SCSI, 2)
    assert [a.full_name for a in _current(election)] == ["Anna Wójcik"]
    event = _events("appointment.replaced")[0]
    assert event.details["replaced_id"] == old.id
    assert event.details["replaced_name"] == "Ignacy Kuć"
    with pytest.raises(Conflict):
        appointments.replace(db.session, SYSTEM, election, old.id, DATA)


def test_a_concurrent_appointment_to_the_same_place_is_a_conflict(ctx, monkeypatch):
    # Another request filled the place between our read and our write: the partial
    # unique index refuses the second current holder.
    election = make_election()
    make_appointment(election, AppointedSeat.SCSI, 1)
    monkeypatch.setattr(appointments, "current_appointments", lambda session, election: [])
    with pytest.raises(Conflict) as exc:
        appointments.appoint(db.session, SYSTEM, election, AppointedSeat.SCSI, DATA, slot=1)
    assert "właśnie obsadzone" in str(exc.value)
    assert len(_current(election)) == 1


def test_no_new_appointment_after_certification(ctx):
    election = make_election("certified")
    make_appointment(election, AppointedSeat.LEADER, 1)
    with pytest.raises(WrongPhase):
        appointments.appoint(db.session, SYSTEM, election, AppointedSeat.SCSI, DATA)


def test_one_person_cannot_hold_two_appointed_seats(ctx):
    election = make_election()
    appointments.appoint(db.session, SYSTEM, election, AppointedSeat.LEADER, DATA)
    with pytest.raises(Conflict) as exc:
        appointments.appoint(
            db.session, SYSTEM, election, AppointedSeat.SCSI, person("anna  WOJCIK")
        )
    assert "Jedna osoba, jedno miejsce" in str(exc.value)
    assert len(_current(election)) == 1


def test_replacing_a_holder_with_themselves_is_allowed_but_not_with_another_member(ctx):
    election = make_election()
    leader = appointments.appoint(db.session, SYSTEM, election, AppointedSeat.LEADER, DATA)
    scsi = appointments.appoint(
        db.session, SYSTEM, election, AppointedSeat.SCSI, person("Ewa Kruk")
    )
    # A corrected document for the same person is a replacement by themselves.
    appointments.replace(db.session, SYSTEM, election, leader.id, DATA)
    with pytest.raises(Conflict):
        appointments.replace(db.session, SYSTEM, election, scsi.id, DATA)
