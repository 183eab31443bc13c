"""Appointments, the composition of the Council and certification, over the session."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.audit.service import head_hash
from election.council import service
from election.council.models import AppointedSeat, Appointment
from election.elections.models import Phase
from election.errors import Conflict, ValidationFailed, WrongPhase
from election.extensions import db
from election.partners.models import PartnerGroup
from election.publishing.models import Publication, PublicationKind, PublicationStatus
from tests.factories import SYSTEM, make_election
from tests.factories.council import closed_election, make_appointment

DATA = service.AppointmentData(
    full_name="Anna Wójcik",
    position="Zastępca Dyrektora",
    document_ref="Zarządzenie nr 12/2026",
    document_date=dt.date(2026, 6, 1),
)


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
    leader = service.appoint(db.session, SYSTEM, election, AppointedSeat.LEADER, DATA)
    scsi = service.appoint(db.session, SYSTEM, election, AppointedSeat.SCSI, DATA)
    assert (leader.slot, leader.authority) == (1, "Zarząd Województwa Śląskiego")
    assert scsi.authority == "Dyrektor Śląskiego Centrum Społeczeństwa Informacyjnego"
    events = _events("appointment.created")
    assert [e.details["seat"] for e in events] == ["leader", "scsi"]
    assert events[0].details["document_ref"] == "Zarządzenie nr 12/2026"


def test_an_explicit_authority_is_kept(ctx):
    election = make_election()
    data = service.AppointmentData(**{**DATA.__dict__, "authority": "Marszałek Województwa"})
    leader = service.appoint(db.session, SYSTEM, election, AppointedSeat.LEADER, data)
    assert leader.authority == "Marszałek Województwa"


def test_a_third_scsi_appointment_is_refused_and_nothing_changes(ctx):
    election = make_election()
    service.appoint(db.session, SYSTEM, election, AppointedSeat.SCSI, DATA)
    service.appoint(db.session, SYSTEM, election, AppointedSeat.SCSI, DATA)
    with pytest.raises(Conflict) as exc:
        service.appoint(db.session, SYSTEM, election, AppointedSeat.SCSI, DATA)
    assert "są już obsadzone" in str(exc.value)
    assert len(_current(election)) == 2
    assert len(_events("appointment.created")) == 2


def test_a_second_leader_is_refused_when_the_election_has_one_leader_seat(ctx):
    election = make_election()
    service.appoint(db.session, SYSTEM, election, AppointedSeat.LEADER, DATA)
    with pytest.raises(Conflict):
        service.appoint(db.session, SYSTEM, election, AppointedSeat.LEADER, DATA, slot=1)
    with pytest.raises(ValidationFailed):
        service.appoint(db.session, SYSTEM, election, AppointedSeat.LEADER, DATA, slot=2)


def test_a_replacement_supersedes_the_old_holder_in_the_same_place(ctx):
    election = make_election()
    old = make_appointment(election, AppointedSeat.SCSI, 2)
    new = service.replace(db.session, SYSTEM, election, old.id, DATA)
    assert old.superseded_at is not None and new.superseded_at is None
    assert (new.seat, new.slot) == (AppointedSeat.SCSI, 2)
    assert [a.full_name for a in _current(election)] == ["Anna Wójcik"]
    event = _events("appointment.replaced")[0]
    assert event.details["replaced_id"] == old.id
    assert event.details["replaced_name"] == "Ignacy Kuć"
    with pytest.raises(Conflict):
        service.replace(db.session, SYSTEM, election, old.id, DATA)


def test_a_concurrent_appointment_to_the_same_place_is_a_conflict(ctx, monkeypatch):
    # Another request filled the place between our read and our write: the partial
    # unique index refuses the second current holder.
    election = make_election()
    make_appointment(election, AppointedSeat.SCSI, 1)
    monkeypatch.setattr(service, "current_appointments", lambda session, election: [])
    with pytest.raises(Conflict) as exc:
        service.appoint(db.session, SYSTEM, election, AppointedSeat.SCSI, DATA, slot=1)
    assert "właśnie obsadzone" in str(exc.value)
    assert len(_current(election)) == 1


def test_no_appointment_changes_after_certification(ctx):
    election = make_election("certified")
    old = make_appointment(election, AppointedSeat.LEADER, 1)
    with pytest.raises(WrongPhase):
        service.appoint(db.session, SYSTEM, election, AppointedSeat.SCSI, DATA)
    with pytest.raises(WrongPhase):
        service.replace(db.session, SYSTEM, election, old.id, DATA)


def test_the_council_lists_the_appointed_then_the_elected_and_the_leader_chairs(ctx):
    world = closed_election()
    members = service.council_members(db.session, world["election"])
    assert len(members) == world["election"].council_size == 9
    assert [m.seat for m in members] == [
        "leader", "scsi", "scsi", "gmina", "gmina", "powiat", "powiat", "miasto_npp",
        "miasto_npp",
    ]  # fmt: skip
    assert [m.chairs for m in members].count(True) == 1 and members[0].chairs
    gmina = world["candidates"][PartnerGroup.GMINA]
    assert members[3].name == gmina[0].full_name
    assert members[3].partner == gmina[0].partner.name
    assert service.missing_seats(db.session, world["election"]) == []


def test_missing_seats_name_empty_places_and_unresolved_ties(ctx):
    world = closed_election(tie_in=PartnerGroup.POWIAT, appointed=False)
    election = world["election"]
    make_appointment(election, AppointedSeat.SCSI, 2)
    texts = [m.text for m in service.missing_seats(db.session, election)]
    assert "Nie powołano: przedstawiciel Lidera (miejsce nr 1)." in texts
    assert "Nie powołano: przedstawiciel ŚCSI (miejsce nr 1)." in texts
    assert not any("miejsce nr 2" in t for t in texts)
    assert any(t.startswith("Grupa „powiaty”: Remis") for t in texts)
    assert "Grupa „powiaty”: wybrano 1 z 2 członków." in texts
    assert not any("gminy" in t for t in texts)


def test_certify_moves_to_certified_records_the_chain_head_and_enqueues_results(ctx):
    world = closed_election()
    election = world["election"]
    head_before = head_hash(db.session)
    service.certify(db.session, SYSTEM, election)
    assert election.phase is Phase.CERTIFIED and election.certified_at is not None
    event = _events("council.certified")[0]
    assert event.details["audit_head"] == head_before
    assert len(event.details["council"]) == 9
    publication = db.session.scalar(select(Publication))
    assert publication.kind is PublicationKind.RESULTS
    assert publication.status is PublicationStatus.PENDING


def _nothing_certified(election):
    assert election.phase is not Phase.CERTIFIED and election.certified_at is None
    assert db.session.scalar(select(func.count()).select_from(Publication)) == 0
    assert _events("council.certified") == []


def test_certify_is_refused_with_a_seat_empty(ctx):
    world = closed_election(appointed=False)
    election = world["election"]
    make_appointment(election, AppointedSeat.LEADER, 1)
    make_appointment(election, AppointedSeat.SCSI, 1)
    with pytest.raises(service.CouncilIncomplete) as exc:
        service.certify(db.session, SYSTEM, election)
    assert "przedstawiciel ŚCSI (miejsce nr 2)" in str(exc.value)
    assert [m.seat for m in exc.value.missing] == ["scsi"]
    _nothing_certified(election)


def test_certify_is_refused_while_a_tie_is_unresolved(ctx):
    world = closed_election(tie_in=PartnerGroup.MIASTO_NPP)
    with pytest.raises(service.CouncilIncomplete) as exc:
        service.certify(db.session, SYSTEM, world["election"])
    assert "Remis" in str(exc.value) and "miasta na prawach powiatu" in str(exc.value)
    _nothing_certified(world["election"])


@pytest.mark.parametrize("phase", ["draft", "voting", "certified"])
def test_certify_is_refused_in_the_wrong_phase(ctx, phase):
    world = closed_election()
    election = world["election"]
    election.phase = Phase(phase)
    db.session.flush()
    with pytest.raises(WrongPhase):
        service.certify(db.session, SYSTEM, election)
    assert election.phase is Phase(phase)
    assert db.session.scalar(select(func.count()).select_from(Publication)) == 0


def test_a_tie_settled_by_runoff_and_lots_completes_the_council(ctx):
    world = closed_election(tie_in=PartnerGroup.GMINA, settle="lots")
    election = world["election"]
    assert service.missing_seats(db.session, election) == []
    a, _b, c = world["candidates"][PartnerGroup.GMINA]
    gmina = [m.name for m in service.council_members(db.session, election) if m.seat == "gmina"]
    assert gmina == [a.full_name, c.full_name]
    service.certify(db.session, SYSTEM, election)
    assert election.phase is Phase.CERTIFIED


def test_a_council_of_another_size_is_certified_without_assuming_nine(ctx):
    world = closed_election(appointed=False)
    election = world["election"]
    election.scsi_seats = 1
    election.leader_seats = 2
    make_appointment(election, AppointedSeat.LEADER, 1)
    make_appointment(election, AppointedSeat.LEADER, 2, "Druga Osoba")
    make_appointment(election, AppointedSeat.SCSI, 1)
    members = service.council_members(db.session, election)
    assert len(members) == election.council_size == 9
    assert [m.chairs for m in members] == [True] + [False] * 8
    election.seats_miasto_npp = 3
    texts = [m.text for m in service.missing_seats(db.session, election)]
    assert texts, "a third seat of the cities is not filled by a two-seat round"
    with pytest.raises(service.CouncilIncomplete):
        service.certify(db.session, SYSTEM, election)
