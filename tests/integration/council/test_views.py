"""The Council pages: appointments, composition, certification and role checks."""

import pytest
from sqlalchemy import func, select

from election.auth.models import Role
from election.council.models import AppointedSeat, Appointment
from election.elections.models import Election, Phase
from election.extensions import db
from election.partners.models import PartnerGroup
from election.publishing.models import Publication, PublicationKind
from tests.factories import PASSWORD, make_election, make_partner, make_user
from tests.factories.council import closed_election, make_appointment
from tests.support.web import login, post_form

GOOD = {
    "seat": "scsi",
    "slot": "",
    "full_name": "Anna Wójcik",
    "position": "Zastępca Dyrektora",
    "authority": "",
    "document_ref": "Zarządzenie nr 12/2026",
    "document_date": "2026-06-01",
}


def _login_as(client, app, role, **kwargs):
    with app.app_context():
        if role is Role.PARTNER_REP:
            kwargs["partner"] = make_partner()
        user = make_user(role, **kwargs)
        db.session.commit()
        email = user.email
    login(client, email, PASSWORD)
    return client


@pytest.fixture
def election_id(app):
    with app.app_context():
        election = make_election("nominations")
        db.session.commit()
        return election.id


@pytest.fixture
def closed_id(app):
    with app.app_context():
        world = closed_election()
        db.session.commit()
        return world["election"].id


@pytest.fixture
def admin(client, app):
    return _login_as(client, app, Role.ADMIN)


@pytest.fixture
def chair(client, app):
    return _login_as(client, app, Role.CHAIR)


def _appointments(app, election_id):
    with app.app_context():
        return [
            (a.seat.value, a.slot, a.full_name, a.superseded_at is None)
            for a in db.session.scalars(
                select(Appointment)
                .where(Appointment.election_id == election_id)
                .order_by(Appointment.id)
            )
        ]


def test_admin_appoints_through_the_form_with_the_default_authority(admin, app, election_id):
    page = admin.get(f"/council/{election_id}/appointments/new?seat=leader&slot=1")
    assert "Zarząd Województwa Śląskiego" in page.get_data(as_text=True)
    response = post_form(admin, f"/council/{election_id}/appointments/new", GOOD)
    assert response.status_code == 302
    assert _appointments(app, election_id) == [("scsi", 1, "Anna Wójcik", True)]
    with app.app_context():
        authority = db.session.scalar(select(Appointment.authority))
    assert authority == "Dyrektor Śląskiego Centrum Społeczeństwa Informacyjnego"
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Powołano: Anna Wójcik" in page
    assert "Nie powołano: przedstawiciel Lidera (miejsce nr 1)." in page


def test_a_third_scsi_appointment_through_the_form_is_refused(admin, app, election_id):
    for name in ("Pierwsza Osoba", "Druga Osoba"):
        assert (
            post_form(
                admin, f"/council/{election_id}/appointments/new", {**GOOD, "full_name": name}
            ).status_code
            == 302
        )
    response = post_form(
        admin, f"/council/{election_id}/appointments/new", {**GOOD, "full_name": "Trzecia"}
    )
    assert response.status_code == 409
    assert "Wszystkie miejsca" in response.get_data(as_text=True)
    assert [a[2] for a in _appointments(app, election_id)] == ["Pierwsza Osoba", "Druga Osoba"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"full_name": ""}, "Podaj imię i nazwisko"),
        ({"full_name": "<b>x</b>"}, "nie może zawierać"),
        ({"position": ""}, "Podaj stanowisko"),
        ({"document_ref": ""}, "Podaj znak dokumentu"),
        ({"document_date": ""}, "Podaj datę dokumentu"),
        ({"document_date": "2026-02-31"}, "Nieprawidłowa"),
        ({"seat": "wojewoda"}, "Nieprawidłowy wybór"),
        ({"slot": "3"}, "Nieprawidłowy wybór"),
        ({"full_name": "x" * 201}, "nie może mieć więcej niż"),
    ],
)
def test_bad_appointment_input_gets_a_message_and_writes_nothing(
    admin, app, election_id, changes, message
):
    response = post_form(admin, f"/council/{election_id}/appointments/new", {**GOOD, **changes})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Błąd:" in body and message in body, body[body.find("error-summary") :][:800]
    assert _appointments(app, election_id) == []


def test_a_scsi_place_the_election_lacks_is_refused_with_a_message(admin, app, election_id):
    with app.app_context():
        db.session.get(Election, election_id).leader_seats = 2
        db.session.commit()
    response = post_form(admin, f"/council/{election_id}/appointments/new", {**GOOD, "slot": "2"})
    assert response.status_code == 302
    response = post_form(
        admin, f"/council/{election_id}/appointments/new", {**GOOD, "seat": "scsi", "slot": "2"}
    )
    assert response.status_code == 409
    assert "jest już obsadzone" in response.get_data(as_text=True)


def test_admin_replaces_an_appointed_member(admin, app, election_id):
    with app.app_context():
        old_id = make_appointment(db.session.get(Election, election_id), AppointedSeat.SCSI, 2).id
        db.session.commit()
    page = admin.get(f"/council/{election_id}/appointments/{old_id}/replace")
    assert "Zastąpienie: Ignacy Kuć" in page.get_data(as_text=True)
    response = post_form(
        admin,
        f"/council/{election_id}/appointments/{old_id}/replace",
        {k: v for k, v in GOOD.items() if k not in ("seat", "slot")},
    )
    assert response.status_code == 302
    assert _appointments(app, election_id) == [
        ("scsi", 2, "Ignacy Kuć", False),
        ("scsi", 2, "Anna Wójcik", True),
    ]
    assert admin.get(f"/council/{election_id}/appointments/999/replace").status_code == 404


def test_the_council_page_shows_the_members_and_what_is_missing(chair, app):
    with app.app_context():
        world = closed_election(tie_in=PartnerGroup.POWIAT)
        db.session.commit()
        election_id = world["election"].id
        gmina = world["candidates"][PartnerGroup.GMINA][0].full_name
    body = chair.get(f"/council/{election_id}/").get_data(as_text=True)
    assert "Członkowie Rady: 8 z 9" in body
    assert "Bożena Żółtańska-Jaźwiec" in body and "przewodniczy Radzie" in body
    assert gmina in body
    assert "Grupa „powiaty”: wybrano 1 z 2 członków." in body
    # Certification is offered only once the Council is complete.
    assert f"/council/{election_id}/certify" not in body
    assert "Wyniki można zatwierdzić, gdy skład Rady jest kompletny" in body
    # The chair does not manage appointments unless the admin allows it, and is told so.
    assert "Zastąp" not in body
    assert "Powołania zapisuje administrator" in body


def test_the_chair_certifies_and_the_results_publication_is_queued(chair, app, closed_id):
    response = post_form(chair, f"/council/{closed_id}/certify")
    assert response.status_code == 302
    body = chair.get(response.headers["Location"]).get_data(as_text=True)
    assert "Wyniki zatwierdzone" in body
    with app.app_context():
        assert db.session.get(Election, closed_id).phase is Phase.CERTIFIED
        assert db.session.scalar(select(Publication.kind)) is PublicationKind.RESULTS


def test_certify_with_a_seat_empty_shows_what_is_missing_and_changes_nothing(chair, app):
    with app.app_context():
        world = closed_election(appointed=False)
        make_appointment(world["election"], AppointedSeat.LEADER, 1)
        db.session.commit()
        election_id = world["election"].id
    response = post_form(chair, f"/council/{election_id}/certify")
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Nie można zatwierdzić wyników" in body
    assert "Nie powołano: przedstawiciel ŚCSI (miejsce nr 2)." in body
    with app.app_context():
        assert db.session.get(Election, election_id).phase is Phase.CLOSED
        assert db.session.scalar(select(func.count()).select_from(Publication)) == 0


def test_certify_in_the_wrong_phase_is_refused_with_a_message(chair, app, election_id):
    response = post_form(chair, f"/council/{election_id}/certify")
    assert response.status_code == 409
    assert "Tej operacji nie można wykonać w fazie" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Election, election_id).phase is Phase.NOMINATIONS


def test_certify_without_csrf_token_is_refused(chair, app, closed_id):
    assert chair.post(f"/council/{closed_id}/certify").status_code == 400
    with app.app_context():
        assert db.session.get(Election, closed_id).phase is Phase.CLOSED


def test_appointments_cannot_change_once_certified(admin, app):
    with app.app_context():
        election = make_election("certified")
        old_id = make_appointment(election, AppointedSeat.LEADER, 1).id
        db.session.commit()
        election_id = election.id
    response = post_form(admin, f"/council/{election_id}/appointments/new", GOOD)
    assert response.status_code == 409
    assert "Tej operacji nie można wykonać" in response.get_data(as_text=True)
    response = post_form(
        admin,
        f"/council/{election_id}/appointments/{old_id}/replace",
        {k: v for k, v in GOOD.items() if k not in ("seat", "slot")},
    )
    assert response.status_code == 409
    assert len(_appointments(app, election_id)) == 1


@pytest.mark.parametrize(
    ("role", "method", "path", "status"),
    [
        # The chair is told who records appointments (the admin), and nothing is written.
        (Role.CHAIR, "post", "/council/{id}/appointments/new", 409),
        (Role.PARTNER_REP, "post", "/council/{id}/appointments/new", 403),
        (Role.ADMIN, "post", "/council/{id}/certify", 403),
        (Role.PARTNER_REP, "post", "/council/{id}/certify", 403),
        (Role.OBSERVER, "get", "/council/{id}/", 403),
        (Role.PARTNER_REP, "get", "/council/{id}/", 403),
        (Role.PARTNER_REP, "get", "/council/{id}/protocol.pdf", 403),
        (Role.ADMIN, "get", "/council/{id}/", 200),
        (Role.CHAIR, "get", "/council/", 200),
    ],
)
def test_role_checks(client, app, role, method, path, status):
    # A closed election without results is enough: the role check comes first.
    with app.app_context():
        closed_id = make_election("closed").id
        db.session.commit()
    _login_as(client, app, role)
    url = path.format(id=closed_id)
    response = post_form(client, url, GOOD) if method == "post" else client.get(url)
    assert response.status_code == status
    with app.app_context():
        assert db.session.get(Election, closed_id).phase is Phase.CLOSED
        assert db.session.scalar(select(func.count()).select_from(Publication)) == 0


@pytest.mark.parametrize("path", ["/council/", "/council/{id}/", "/council/{id}/protocol.pdf"])
def test_guests_are_sent_to_login(client, election_id, path):
    response = client.get(path.format(id=election_id))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_unknown_election_is_404(admin):
    assert admin.get("/council/9999/").status_code == 404
    assert admin.get("/council/9999/appointments/new").status_code == 404


def test_the_index_lists_elections_and_goes_to_one_by_query(admin, election_id):
    body = admin.get("/council/").get_data(as_text=True)
    assert f"/council/{election_id}/" in body
    response = admin.get(f"/council/?election_id={election_id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/council/{election_id}/")
