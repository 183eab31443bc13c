import re

import pytest
from sqlalchemy import select

from election.auth.models import Role, User
from election.extensions import db
from tests.factories import PASSWORD, make_partner, make_user
from tests.support.web import csrf_token, login, post_form


@pytest.fixture
def admin(client, app):
    with app.app_context():
        make_user(email="admin@example.pl")
        db.session.commit()
    login(client, "admin@example.pl", PASSWORD)
    return client


def link_in(message) -> str:
    body = message.get_payload(decode=True).decode()
    match = re.search(r"http://localhost(/password/\S+)", body)
    assert match, body
    return match.group(1)


def test_guest_is_sent_to_login_and_wrong_role_gets_403(client, app):
    assert client.get("/admin/partners/").status_code == 302
    assert "/login" in client.get("/admin/users").headers["Location"]
    with app.app_context():
        partner = make_partner()
        make_user(Role.PARTNER_REP, partner=partner, email="rep@example.pl")
        db.session.commit()
    login(client, "rep@example.pl", PASSWORD)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Nie masz uprawnień" in response.get_data(as_text=True)


def test_wrong_password_is_refused_with_a_polish_message(client, app):
    with app.app_context():
        make_user(email="a@example.pl")
        db.session.commit()
    response = post_form(client, "/login", {"email": "a@example.pl", "password": "wrong"})
    assert response.status_code == 401
    assert "Nieprawidłowy adres e-mail lub hasło" in response.get_data(as_text=True)


def test_login_is_rate_limited_per_account(client, app):
    with app.app_context():
        make_user(email="a@example.pl")
        db.session.commit()
    statuses = [
        post_form(client, "/login", {"email": "a@example.pl", "password": f"bad{i}"}).status_code
        for i in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    blocked = post_form(client, "/login", {"email": "a@example.pl", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Zbyt wiele prób" in blocked.get_data(as_text=True)


def test_invitation_arrives_by_smtp_and_its_link_sets_the_password_once(admin, app, mailbox):
    with app.app_context():
        partner_id = make_partner().id
        db.session.commit()
    response = post_form(
        admin,
        "/admin/users",
        {
            "email": "Rep@Bedzin.pl",
            "full_name": "Ewa Nowak",
            "role": "partner_rep",
            "partner_id": partner_id,
        },
    )
    assert response.status_code == 302
    [message] = mailbox.to("rep@bedzin.pl")
    assert "Zaproszenie" in message["Subject"]
    path = link_in(message)

    guest = app.test_client()
    opened = guest.get(path)
    # The token is exchanged at once; the form lives at a URL without it.
    assert opened.status_code == 303 and opened.headers["Location"] == "/password/set"
    assert "rep@bedzin.pl" in guest.get("/password/set").get_data(as_text=True)
    weak = post_form(guest, "/password/set", {"password": "short", "confirm": "short"})
    assert "co najmniej 12 znaków" in weak.get_data(as_text=True)
    done = post_form(
        guest, "/password/set", {"password": "Zielona-łąka-2026", "confirm": "Zielona-łąka-2026"}
    )
    assert done.status_code == 302
    login(guest, "rep@bedzin.pl", "Zielona-łąka-2026")
    reused = app.test_client().get(path)
    assert reused.status_code == 400
    assert "już użyty" in reused.get_data(as_text=True)


def test_tampered_link_is_refused(client):
    response = client.get("/password/not-a-real-token")
    assert response.status_code == 400
    assert "nieprawidłowy" in response.get_data(as_text=True)


def test_password_reset_sends_a_link_and_does_not_reveal_accounts(client, app, mailbox):
    with app.app_context():
        make_user(email="a@example.pl")
        db.session.commit()
    for email in ("a@example.pl", "nobody@example.pl"):
        response = post_form(client, "/password/forgot", {"email": email})
        assert response.status_code == 302
    assert len(mailbox.messages) == 1
    path = link_in(mailbox.messages[0])
    assert client.get(path).status_code == 303
    assert (
        post_form(
            client, "/password/set", {"password": "Nowe-hasło-2026!", "confirm": "Nowe-hasło-2026!"}
        ).status_code
        == 302
    )
    login(client, "a@example.pl", "Nowe-hasło-2026!")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": ""}, "Podaj adres e-mail"),
        ({"email": "no-at-sign"}, "poprawny adres"),
        ({"full_name": ""}, "Podaj imię i nazwisko"),
        ({"full_name": "<b>x</b>"}, "nie może zawierać"),
        ({"role": "superuser"}, "Błąd:"),
        ({"role": "partner_rep", "partner_id": 0}, "przypisany do istniejącego Partnera"),
        ({"role": "partner_rep", "partner_id": 99999}, "Błąd:"),
        ({"email": "admin@example.pl"}, "już istnieje"),
    ],
)
def test_bad_invitations_change_nothing(admin, app, data, message):
    base = {"email": "new@example.pl", "full_name": "Nowy", "role": "observer", "partner_id": 0}
    response = post_form(admin, "/admin/users", {**base, **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "new@example.pl")) is None


def test_logout_ends_the_session_on_the_server(client, app):
    with app.app_context():
        make_user(email="a@example.pl")
        db.session.commit()
    login(client, "a@example.pl", PASSWORD)
    stolen = client.get_cookie("session").value
    token = csrf_token(client)
    client.post("/logout", data={"csrf_token": token})
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/admin/partners/").status_code == 302


def test_admin_ends_all_sessions_of_a_user(admin, app):
    with app.app_context():
        user = make_user(Role.CHAIR, email="chair@example.pl")
        db.session.commit()
        user_id = user.id
    chair = app.test_client()
    login(chair, "chair@example.pl", PASSWORD)
    assert chair.get("/admin/partners/").status_code == 200
    post_form(admin, f"/admin/users/{user_id}/end-sessions")
    assert chair.get("/admin/partners/").status_code == 302


def test_session_cookie_is_httponly_and_lax(client, app):
    with app.app_context():
        make_user(email="a@example.pl")
        db.session.commit()
    response = post_form(client, "/login", {"email": "a@example.pl", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_cli_creates_an_admin(runner, app):
    result = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "root@example.pl",
            "--password",
            "Bardzo-dlugie-haslo-1",
        ]
    )
    assert result.exit_code == 0, result.output
    weak = runner.invoke(
        args=["users", "create-admin", "--email", "x@example.pl", "--password", "short"]
    )
    assert weak.exit_code != 0


def test_logging_out_keeps_the_chosen_language(client, app):
    with app.app_context():
        make_user(email="a@example.pl")
        db.session.commit()
    login(client, "a@example.pl", PASSWORD)
    post_form(client, "/lang/en", {"next": "/"})
    post_form(client, "/logout")
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
