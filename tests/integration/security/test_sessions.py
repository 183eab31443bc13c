"""Sessions end on the server: idle and absolute timeouts, password change, renewal at login."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.auth.models import Role
from election.extensions import db
from tests.factories import PASSWORD, make_user
from tests.support.web import login, post_form

EMAIL = "chair@example.pl"
NEW_PASSWORD = "Zielona-łąka-nad-Wisłą-7"


@pytest.fixture
def chair(client: FlaskClient, app: Flask) -> FlaskClient:
    with app.app_context():
        make_user(Role.CHAIR, email=EMAIL)
        db.session.commit()
    login(client, EMAIL, PASSWORD)
    return client


def backdate(client: FlaskClient, key: str, seconds: int) -> None:
    with client.session_transaction() as session:
        session[key] = session[key] - seconds


def is_logged_in(client: FlaskClient) -> bool:
    return client.get("/admin/partners/").status_code == 200


def test_a_session_idle_for_longer_than_the_timeout_is_logged_out(chair):
    backdate(chair, "seen_at", 31 * 60)
    response = chair.get("/admin/partners/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = chair.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sesja wygasła. Zaloguj się ponownie." in page
    # And stays logged out: the user is gone from the session, not just refused once.
    assert not is_logged_in(chair)


def test_activity_keeps_a_session_alive(chair):
    backdate(chair, "seen_at", 29 * 60)
    assert is_logged_in(chair)
    backdate(chair, "seen_at", 29 * 60)  # 29 minutes after the last request, not the first
    assert is_logged_in(chair)


def test_a_session_ends_at_the_absolute_timeout_even_when_active(chair):
    backdate(chair, "auth_at", 12 * 3600 + 1)
    assert not is_logged_in(chair)


def test_the_timeouts_are_configurable(chair, app, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 5)
    backdate(chair, "seen_at", 6 * 60)
    assert not is_logged_in(chair)
    login(chair, EMAIL, PASSWORD)
    monkeypatch.setitem(app.config, "SESSION_ABSOLUTE_HOURS", 1)
    backdate(chair, "auth_at", 3601)
    assert not is_logged_in(chair)


def test_a_post_after_the_timeout_changes_nothing(chair, app):
    backdate(chair, "seen_at", 31 * 60)
    with app.app_context():
        events = db.session.scalar(select(func.count(AuditEvent.id)))
    response = post_form(chair, "/admin/partners/new", {"name": "X", "teryt": "2401011"})
    assert response.status_code in (302, 400)
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def test_the_session_cookie_lives_no_longer_than_the_absolute_timeout(app, client):
    with app.app_context():
        make_user(Role.CHAIR, email=EMAIL)
        db.session.commit()
    response = login(client, EMAIL, PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie
    assert app.permanent_session_lifetime.total_seconds() == 12 * 3600


def test_login_starts_a_new_session(client, app):
    with app.app_context():
        make_user(Role.CHAIR, email=EMAIL)
        db.session.commit()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        old_csrf = session.get("csrf_token")
    login(client, EMAIL, PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != old_csrf
        assert {"auth_at", "seen_at", "_user_id"} <= set(session)


def test_changing_the_password_keeps_this_session_and_ends_every_other(chair, app):
    other_device = app.test_client()
    login(other_device, EMAIL, PASSWORD)
    copied = chair.get_cookie("session").value  # a cookie stolen before the change

    page = chair.get("/account/password")
    assert page.status_code == 200
    response = post_form(
        chair,
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert is_logged_in(chair)
    assert not is_logged_in(other_device)
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/admin/partners/").status_code == 302

    assert (
        post_form(app.test_client(), "/login", {"email": EMAIL, "password": PASSWORD}).status_code
        == 401
    )
    login(app.test_client(), EMAIL, NEW_PASSWORD)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(
                    AuditEvent.action == "user.password_changed"
                )
            )
            == 1
        )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"current_password": "wrong-password-1"}, "Obecne hasło jest nieprawidłowe"),
        ({"current_password": ""}, "Podaj obecne hasło"),
        ({"password": "short", "confirm": "short"}, "co najmniej 12 znaków"),
        ({"password": "qwerty123456", "confirm": "qwerty123456"}, "zbyt popularne"),
        ({"confirm": "something-else-12"}, "Hasła nie są takie same"),
        ({"password": PASSWORD, "confirm": PASSWORD}, "musi się różnić"),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(chair, app, data, message):
    base = {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = post_form(chair, "/account/password", {**base, **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert is_logged_in(chair)
    login(app.test_client(), EMAIL, PASSWORD)  # the old password still works


def test_a_guest_cannot_change_a_password(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
