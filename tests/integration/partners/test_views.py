import pytest
from sqlalchemy import select

from election.audit.models import AuditEvent
from election.extensions import db
from election.partners.models import Partner, PartnerGroup
from tests.factories import PASSWORD, make_partner, make_user
from tests.support.web import login, post_form


@pytest.fixture
def admin(client, app):
    with app.app_context():
        user = make_user()
        db.session.commit()
        email = user.email
    login(client, email, PASSWORD)
    return client


GOOD = {
    "name": "Będzin",
    "teryt": "2401011",
    "group": "gmina",
    "agreement_signed_on": "2015-03-01",
    "email": "",
    "active": "y",
}


def test_admin_adds_a_partner_and_it_is_audited(admin, app):
    response = post_form(admin, "/admin/partners/new", GOOD)
    assert response.status_code == 302
    with app.app_context():
        partner = db.session.scalar(select(Partner))
        assert partner.name == "Będzin" and partner.group == PartnerGroup.GMINA
        assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == (
            "partner.created"
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Podaj nazwę"),
        ({"name": "x" * 201}, "nie może mieć więcej niż"),
        ({"name": "<script>alert(1)</script>"}, "nie może zawierać"),
        ({"teryt": ""}, "Podaj kod TERYT"),
        ({"teryt": "2401019"}, "musi być 1, 2 lub 3"),
        ({"teryt": "12345"}, "7 cyfr"),
        ({"teryt": "2401", "group": "gmina"}, "7 cyfr"),
        ({"teryt": "2401011", "group": "powiat"}, "4 cyfry"),
        ({"teryt": "2469011", "group": "gmina"}, "miasta na prawach powiatu"),
        ({"teryt": "2401011", "group": "miasto_npp"}, "61 lub wyższy"),
        ({"teryt": "2401011'; DROP TABLE partners;--"}, "nie może mieć więcej niż"),
        ({"group": "wojewodztwo"}, "Nieprawidłowy wybór"),
        ({"agreement_signed_on": "31.02.2020"}, "Nieprawidłowa data"),
        ({"email": "not-an-email"}, "poprawny adres"),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(admin, app, changes, message):
    response = post_form(admin, "/admin/partners/new", {**GOOD, **changes})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Błąd:" in body and message in body, body[body.find("error-summary") :][:600]
    with app.app_context():
        assert db.session.scalar(select(Partner)) is None


def test_a_duplicate_teryt_is_refused(admin, app):
    post_form(admin, "/admin/partners/new", GOOD)
    response = post_form(admin, "/admin/partners/new", {**GOOD, "name": "Inny"})
    assert response.status_code == 400
    assert "już istnieje" in response.get_data(as_text=True)


def test_missing_csrf_token_is_refused(admin, app):
    response = admin.post("/admin/partners/new", data=GOOD)
    assert response.status_code == 400
    assert "Formularz wygasł" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Partner)) is None


def test_edit_and_deactivate(admin, app):
    with app.app_context():
        partner_id = make_partner(name="Czeladź", teryt="2401021").id
        db.session.commit()
    response = post_form(
        admin,
        f"/admin/partners/{partner_id}/edit",
        {**GOOD, "teryt": "2401021", "name": "Miasto Czeladź"},
    )
    assert response.status_code == 302
    assert post_form(admin, f"/admin/partners/{partner_id}/deactivate").status_code == 302
    with app.app_context():
        partner = db.session.get(Partner, partner_id)
        assert partner.name == "Miasto Czeladź" and not partner.active


def test_list_filters_by_group_and_searches_by_name(admin, app):
    with app.app_context():
        make_partner(PartnerGroup.GMINA, name="Będzin")
        make_partner(PartnerGroup.POWIAT, name="będziński")
        make_partner(PartnerGroup.MIASTO_NPP, name="Katowice")
        db.session.commit()
    page = admin.get("/admin/partners/?group=powiat").get_data(as_text=True)
    assert "będziński" in page and "Katowice" not in page
    page = admin.get("/admin/partners/?q=kato").get_data(as_text=True)
    assert "Katowice" in page and "Będzin" not in page
    assert admin.get("/admin/partners/?group=<x>&q=%27%20OR%201=1").status_code == 200


def test_unknown_partner_is_404(admin):
    assert admin.get("/admin/partners/999/edit").status_code == 404
