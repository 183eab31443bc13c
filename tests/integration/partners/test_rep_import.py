"""Inviting Partners' representatives in bulk from a CSV file: a preview, every bad row
with its line, all or nothing, the invitations sent after the commit."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.auth.models import Role, User
from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import PASSWORD, make_partner, make_user
from tests.factories.people import password_path, subject
from tests.support.web import csrf_token, free_port, login

URL = "/admin/users/import"


@pytest.fixture
def admin(client, app):
    with app.app_context():
        make_partner(PartnerGroup.GMINA, name="Gmina Będzin", teryt="2401011")
        make_partner(PartnerGroup.POWIAT, name="Powiat będziński", teryt="2401")
        make_partner(PartnerGroup.GMINA, name="Gmina Stara", teryt="2401021", active=False)
        make_user(Role.OBSERVER, email="zajety@example.pl")
        make_user(email="admin@example.pl")
        db.session.commit()
    login(client, "admin@example.pl", PASSWORD)
    return client


def upload(client, data: bytes, *, confirm: bool = False):
    form = {
        "csrf_token": csrf_token(client, URL),
        "file": (io.BytesIO(data), "przedstawiciele.csv"),
    }
    if confirm:
        form["confirm"] = "y"
    return client.post(URL, data=form, content_type="multipart/form-data")


def reps(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)).where(User.role == Role.PARTNER_REP))


#: As a spreadsheet saves it: semicolons, Polish headers, Windows-1250, a capital letter.
GOOD = (
    "e-mail;imię i nazwisko;TERYT\n"
    "Anna@Bedzin.pl;Anna Nowak;2401011\n"
    "jan@powiat.pl;Jan Kowal;2401\n"
).encode("cp1250")


def test_a_preview_writes_nothing_then_the_confirmed_file_invites_everyone(app, admin, mailbox):
    data = GOOD
    preview = upload(admin, data)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Zostanie zaproszonych 2 przedstawicieli" in page
    assert "anna@bedzin.pl" in page and "Gmina Będzin" in page and "Powiat będziński" in page
    assert reps(app) == 0 and mailbox.messages == []

    done = upload(admin, data, confirm=True)
    assert done.status_code == 303 and done.headers["Location"].endswith("/admin/users")
    users_page = admin.get("/admin/users").get_data(as_text=True)
    assert "Zaproszono 2 przedstawicieli. Wysłano zaproszeń: 2." in users_page
    assert reps(app) == 2
    [anna] = mailbox.to("anna@bedzin.pl")
    assert "Zaproszenie" in subject(anna)
    guest = app.test_client()
    assert guest.get(password_path(anna)).status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "anna@bedzin.pl"))
        assert user.partner.teryt == "2401011" and user.full_name == "Anna Nowak"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.imported"))
        assert event is not None and len(event.details["users"]) == 2


def test_every_bad_row_is_listed_with_its_line_and_nobody_is_invited(app, admin, mailbox):
    data = (
        "email,name,teryt\n"
        "ok@example.pl,Ola Dobra,2401011\n"
        "zly-adres,Jan Zły,2401011\n"
        "nowy@example.pl,Nowy Przedstawiciel,9999999\n"
        "zajety@example.pl,Zajęty Adres,2401\n"
        "ok@example.pl,Ola Powtórzona,2401\n"
        "stary@example.pl,Ktoś Stary,2401021\n"
        "jeden@example.pl,Jednowyrazowy,2401\n"
    ).encode()
    answer = upload(admin, data, confirm=True)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "nikogo nie zaproszono" in page
    for line, text in [
        (3, "Nieprawidłowy adres e-mail."),
        (4, "W rejestrze nie ma Partnera z kodem TERYT 9999999."),
        (5, "Konto z adresem zajety@example.pl już istnieje."),
        (6, "Adres ok@example.pl powtarza się (wiersz 2)."),
        (7, "Partner Gmina Stara jest nieaktywny."),
        (8, "Podaj imię i nazwisko przedstawiciela."),
    ]:
        assert f"Wiersz {line}: {text}" in page
    assert reps(app) == 0 and mailbox.messages == []


def test_a_file_without_the_columns_or_rows_is_explained(app, admin):
    missing = upload(admin, b"email,name\nx@example.pl,Jan Nowak\n", confirm=True)
    assert "Brak kolumn: teryt." in missing.get_data(as_text=True)
    empty = upload(admin, b"email,name,teryt\n", confirm=True)
    assert "Plik nie zawiera żadnych przedstawicieli." in empty.get_data(as_text=True)
    binary = upload(admin, b"\x00\x01PK", confirm=True)
    assert binary.status_code == 400 and "plik binarny" in binary.get_data(as_text=True)


def test_invitations_that_failed_wait_in_the_outbox(app, admin, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())
    upload(admin, b"email,name,teryt\nanna@bedzin.pl,Anna Nowak,2401011\n", confirm=True)
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "Wysłano zaproszeń: 0." in page and "zostaną wysłane ponownie" in page
    assert reps(app) == 1


def test_only_the_admin_imports(app, client):
    with app.app_context():
        make_user(Role.CHAIR, email="chair@example.pl")
        db.session.commit()
    login(client, "chair@example.pl", PASSWORD)
    assert client.get(URL).status_code == 403
