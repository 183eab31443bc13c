"""Certifying asks for confirmation and lists what will be certified and published; one
person, one seat; the chair records appointments when the admin allows it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.auth.models import Role
from election.council import composition
from election.council.models import AppointedSeat, Appointment, Council
from election.elections.models import Election, Phase
from election.extensions import db
from election.partners.models import PartnerGroup
from election.publishing.models import Publication
from tests.factories import SYSTEM, key_store
from tests.factories.council import closed_election, make_appointment
from tests.factories.elections import logged_in
from tests.support.web import post_form

APPOINTMENT = {
    "seat": "scsi",
    "slot": "",
    "position": "Zastępca Dyrektora",
    "authority": "",
    "document_ref": "Zarządzenie nr 12/2026",
    "document_date": "2026-06-01",
}


@pytest.fixture
def complete(app):
    with app.app_context():
        world = closed_election()
        db.session.commit()
        return {
            "id": world["election"].id,
            "gmina": world["candidates"][PartnerGroup.GMINA][0].full_name,
        }


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_confirmation_lists_the_council_and_what_will_be_published(app, client, complete):
    logged_in(app, client, Role.CHAIR)
    page = _text(client.get(f"/council/{complete['id']}/"))
    assert f'href="/council/{complete["id"]}/certify"' in page
    body = _text(client.get(f"/council/{complete['id']}/certify"))
    assert "Co zostanie zatwierdzone" in body and "Co zostanie opublikowane" in body
    assert "Skład Rady: 9 członków" in body
    assert complete["gmina"] in body and "Bożena Żółtańska-Jaźwiec" in body
    assert "Protokół wyborów (PDF)" in body
    assert "kursie na platformie LMS" in body
    assert "Zatwierdzam wyniki i skład Rady" in body
    # Looking at the confirmation changes nothing.
    with app.app_context():
        assert db.session.get(Election, complete["id"]).phase is Phase.CLOSED


def test_confirming_certifies_with_the_term_of_office(app, client, complete):
    logged_in(app, client, Role.CHAIR)
    response = post_form(
        client,
        f"/council/{complete['id']}/certify",
        {"starts_on": "2026-07-01", "ends_on": "2030-07-01"},
    )
    assert response.status_code == 302
    with app.app_context():
        council = db.session.get(Council, complete["id"])
        assert (council.starts_on, council.ends_on) == (dt.date(2026, 7, 1), dt.date(2030, 7, 1))
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "council.certified")
        )
        assert event.details["term"] == {"starts_on": "2026-07-01", "ends_on": "2030-07-01"}
        assert db.session.scalar(select(func.count()).select_from(Publication)) == 1


def test_a_term_ending_before_it_begins_is_refused_and_nothing_changes(app, client, complete):
    logged_in(app, client, Role.CHAIR)
    response = post_form(
        client,
        f"/council/{complete['id']}/certify",
        {"starts_on": "2026-07-01", "ends_on": "2026-06-01"},
    )
    assert response.status_code == 400
    assert "Koniec kadencji musi przypadać po jej początku" in _text(response)
    with app.app_context():
        assert db.session.get(Election, complete["id"]).phase is Phase.CLOSED


def test_the_confirmation_of_an_incomplete_council_offers_no_button(app, client):
    with app.app_context():
        world = closed_election(tie_in=PartnerGroup.POWIAT)
        db.session.commit()
        eid = world["election"].id
    logged_in(app, client, Role.CHAIR)
    body = _text(client.get(f"/council/{eid}/certify"))
    assert "Wyników nie można jeszcze zatwierdzić" in body
    assert "Remis na ostatnim miejscu" in body
    assert "Zatwierdzam wyniki i skład Rady" not in body


def test_an_elected_person_cannot_be_appointed(app, client, complete):
    with app.app_context():
        election = db.session.get(Election, complete["id"])
        holder = db.session.scalar(
            select(Appointment).where(
                Appointment.election_id == election.id, Appointment.seat == AppointedSeat.SCSI
            )
        )
        holder_id = holder.id
        db.session.commit()
    logged_in(app, client, Role.ADMIN)
    # The same person, written otherwise (case, spaces, no diacritics), is the same person.
    name = complete["gmina"].upper().replace("Ł", "L")
    response = post_form(
        client,
        f"/council/{complete['id']}/appointments/{holder_id}/replace",
        {k: v for k, v in {**APPOINTMENT, "full_name": name}.items() if k not in ("seat", "slot")},
    )
    assert response.status_code == 409
    assert "Jedna osoba, jedno miejsce" in _text(response)


def test_certification_is_refused_when_an_appointee_is_also_elected(app, client):
    with app.app_context():
        world = closed_election(appointed=False)
        election = world["election"]
        elected = world["candidates"][PartnerGroup.GMINA][0].full_name
        make_appointment(election, AppointedSeat.LEADER, 1)
        make_appointment(election, AppointedSeat.SCSI, 1)
        # Written directly (as an old database might hold it): the service would refuse.
        make_appointment(election, AppointedSeat.SCSI, 2, elected)
        db.session.commit()
        eid = election.id
    logged_in(app, client, Role.CHAIR)
    page = _text(client.get(f"/council/{eid}/"))
    assert "Jedna osoba, jedno miejsce" in page
    response = post_form(client, f"/council/{eid}/certify")
    assert response.status_code == 409
    assert "Jedna osoba, jedno miejsce" in _text(response)
    with app.app_context():
        election = db.session.get(Election, eid)
        assert election.phase is Phase.CLOSED
        # Nine rows, eight people: never certified.
        assert len(composition.council_members(db.session, election)) == 9
        with pytest.raises(composition.CouncilIncomplete):
            composition.certify(db.session, SYSTEM, election, key_store())


def test_the_chair_records_appointments_only_when_the_admin_allows_it(app, client):
    with app.app_context():
        world = closed_election(appointed=False)
        db.session.commit()
        eid = world["election"].id
    logged_in(app, client, Role.CHAIR)
    body = _text(client.get(f"/council/{eid}/appointments/new?seat=leader&slot=1"))
    assert "Powołanie zapisuje administrator" in body and "<form" not in body.split("<main")[-1]

    admin = app.test_client()
    logged_in(app, admin, Role.ADMIN)
    body = _text(
        post_form(
            admin, f"/council/{eid}/chair-appointments", {"allowed": "1"}, follow_redirects=True
        )
    )
    assert "Przewodniczący może zapisywać powołania." in body

    body = _text(client.get(f"/council/{eid}/"))
    assert "Administrator pozwolił przewodniczącemu zapisywać powołania." in body
    response = post_form(
        client,
        f"/council/{eid}/appointments/new",
        {**APPOINTMENT, "seat": "leader", "full_name": "Halina Poświatowska"},
    )
    assert response.status_code == 302
    post_form(admin, f"/council/{eid}/chair-appointments", {"allowed": "0"})
    response = post_form(
        client, f"/council/{eid}/appointments/new", {**APPOINTMENT, "full_name": "Jan Kochanowski"}
    )
    assert response.status_code == 409
    with app.app_context():
        names = db.session.scalars(select(Appointment.full_name)).all()
        assert names == ["Halina Poświatowska"]
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("council.chair_%"))
        ).all()
        assert actions == [
            "council.chair_appointments_allowed",
            "council.chair_appointments_revoked",
        ]
