"""After a login or a language switch the user goes to ``next`` only if it is a page
of this site, read the way a browser reads it (``election.web.safe_target``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from election.access import Role
from election.auth import totp
from election.extensions import db
from tests.factories import PASSWORD, make_user
from tests.factories.auth import make_user_with_2fa
from tests.support.web import login, post_form

HOME = "/"

#: Targets a browser would take to another host; each must land on the home page.
REFUSED = [
    "/%09/evil.example",  # an encoded tab, dropped by the browser: //evil.example
    "/\\evil.example",  # a backslash is read as a slash
    "%2F%2Fevil.example",
    "/ /evil.example",
    "\t//evil.example",  # a real tab
    "https:evil.example",
    "／／evil.example",  # full-width slashes
    "//evil.example",
    "/\t/evil.example",  # a real tab between the slashes
]

#: A page of this site, with its query: followed as it is.
ALLOWED = "/elections/1?x=1"


def assert_goes_home(response: Any, payload: str) -> None:
    assert response.status_code == 302, payload
    location = response.headers["Location"]
    assert location == HOME, (payload, location)
    assert not urlsplit(location).netloc


def _user(app: Flask, email: str = "a@example.pl") -> str:
    with app.app_context():
        make_user(Role.OBSERVER, email=email)
        db.session.commit()
    return email


def _password_login(client: FlaskClient, email: str, target: str) -> Any:
    return post_form(
        client,
        "/login",
        {"email": email, "password": PASSWORD},
        query_string={"next": target},
    )


@pytest.mark.parametrize("payload", REFUSED)
def test_login_refuses_a_next_on_another_host(client, app, payload):
    email = _user(app)
    assert_goes_home(_password_login(client, email, payload), payload)


def test_login_follows_a_next_on_this_site(client, app):
    email = _user(app)
    response = _password_login(client, email, ALLOWED)
    assert response.status_code == 302
    assert response.headers["Location"] == ALLOWED


@pytest.mark.parametrize("payload", [*REFUSED, ALLOWED])
def test_the_second_step_of_login_checks_next_the_same_way(client, app, payload):
    with app.app_context():
        made = make_user_with_2fa(Role.OBSERVER, email="twofa@example.pl")
        db.session.commit()
    first = _password_login(client, made.email, payload)
    assert first.headers["Location"].endswith("/login/2fa")
    second = post_form(client, "/login/2fa", {"code": totp.current_code(made.secret)})
    if payload == ALLOWED:
        assert second.headers["Location"] == ALLOWED
    else:
        assert_goes_home(second, payload)


@pytest.mark.parametrize("payload", REFUSED)
def test_the_language_switch_refuses_a_next_on_another_host(client, app, payload):
    login(client, _user(app), PASSWORD)
    assert_goes_home(post_form(client, "/lang/en", {"next": payload}), payload)


def test_the_language_switch_refuses_it_for_a_guest_too(client):
    assert_goes_home(post_form(client, "/lang/en", {"next": "/%09/evil.example"}), "guest")


def test_the_language_switch_follows_a_next_on_this_site(client, app):
    login(client, _user(app), PASSWORD)
    response = post_form(client, "/lang/en", {"next": ALLOWED})
    assert response.status_code == 302
    assert response.headers["Location"] == ALLOWED
