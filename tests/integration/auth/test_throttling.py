"""Wrong passwords are throttled without locking anyone out who is not guessing.

Each client has an address of its own (``REMOTE_ADDR``), as behind the proxy. The
limits are the defaults of ``election/config.py``; ``election/auth/throttle.py`` says
why they stop guessing.
"""

from __future__ import annotations

from email.header import decode_header, make_header

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from election.auth.models import Role
from election.extensions import db
from election.partners.models import GROUPS
from tests.factories import PASSWORD, make_partner, make_user
from tests.support.mail import Mailbox
from tests.support.web import login, post_form

CHAIR = "przewodniczacy@example.pl"
GUESSER = "203.0.113.9"
LAPTOP = "198.51.100.7"
ROOM = "192.0.2.50"  # the meeting room's one NAT address


def client_at(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def attempt(client: FlaskClient, email: str, password: str) -> int:
    return post_form(client, "/login", {"email": email, "password": password}).status_code


#: A cheap hash: these tests are about the limits, not about scrypt's cost.
CHEAP = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def make_chair(app: Flask) -> None:
    with app.app_context():
        make_user(Role.CHAIR, email=CHAIR, password=None).password_hash = CHEAP
        db.session.commit()


def test_a_strangers_wrong_passwords_do_not_lock_the_chair_out(app):
    make_chair(app)
    guesser = client_at(app, GUESSER)
    assert [attempt(guesser, CHAIR, f"guess-{n}") for n in range(6)] == [401] * 5 + [429]
    # Where guessing is blocked even the right password is refused unchecked: the
    # answer says nothing about it. The Polish page says when to try again.
    blocked = post_form(guesser, "/login", {"email": CHAIR, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Zbyt wiele prób. Spróbuj ponownie za 1 minutę" in blocked.get_data(as_text=True)
    assert 0 < int(blocked.headers["Retry-After"]) <= 60

    # The chair, from the laptop at another address, logs in at once.
    assert login(client_at(app, LAPTOP), CHAIR, PASSWORD).status_code == 302


def test_the_chairs_own_browser_gets_in_while_the_account_is_guessed_from_many_addresses(app):
    make_chair(app)
    laptop = client_at(app, LAPTOP)
    login(laptop, CHAIR, PASSWORD)  # once before the meeting: the laptop is trusted now
    post_form(laptop, "/logout")

    for n in range(10):  # five guesses from each of ten addresses: 50 in the hour
        guesser = client_at(app, f"203.0.113.{n}")
        assert [attempt(guesser, CHAIR, f"guess-{n}-{i}") for i in range(5)] == [401] * 5
    # A browser the account never logged in from now waits, whatever its address …
    assert attempt(client_at(app, "192.0.2.200"), CHAIR, PASSWORD) == 429
    # … the chair's laptop does not.
    assert attempt(laptop, CHAIR, PASSWORD) == 302


def test_the_device_cookie_is_signed_http_only_and_sent_to_the_login_only(app):
    make_chair(app)
    laptop = client_at(app, LAPTOP)
    response = login(laptop, CHAIR, PASSWORD)
    device = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("login_device=")
    )
    assert "HttpOnly" in device and "SameSite=Lax" in device and "Path=/login" in device
    assert CHAIR not in device and "przewodniczacy" not in device
    # A forged or altered cookie makes a browser untrusted, nothing worse.
    forged = client_at(app, "203.0.113.77")
    forged.set_cookie("login_device", device.split(";")[0].split("=", 1)[1] + "x", path="/login")
    assert [attempt(forged, CHAIR, f"guess-{n}") for n in range(6)] == [401] * 5 + [429]


def test_two_hundred_reps_behind_one_address_log_in_despite_their_typos(app):
    with app.app_context():
        partners = [make_partner(group) for group in GROUPS for _ in range(4)]
        emails = []
        for n in range(200):
            rep = make_user(
                Role.PARTNER_REP,
                partner=partners[n % len(partners)],
                email=f"rep{n}@example.pl",
                password=None,
            )
            rep.password_hash = CHEAP
            emails.append(rep.email)
        db.session.commit()

    typos, logged_in = 0, 0
    for n, email in enumerate(emails):
        rep = client_at(app, ROOM)
        if n % 8 == 0:  # one rep in eight mistypes first: 25 failures from the room
            assert attempt(rep, email, "Pasword-typo") == 401
            typos += 1
        logged_in += attempt(rep, email, PASSWORD) == 302
    assert (typos, logged_in) == (25, 200)


def test_guessing_one_password_for_many_accounts_from_one_address_is_stopped(app):
    with app.app_context():
        rep = make_user(Role.PARTNER_REP, partner=make_partner(), email="rep@example.pl")
        db.session.commit()
        rep_email = rep.email
    trusted = client_at(app, ROOM)
    login(trusted, rep_email, PASSWORD)
    post_form(trusted, "/logout")

    sprayer = client_at(app, ROOM)
    statuses = [attempt(sprayer, f"user{n}@example.pl", "Wiosna2026!") for n in range(31)]
    assert statuses == [401] * 30 + [429]
    assert attempt(client_at(app, ROOM), rep_email, PASSWORD) == 429
    # The rep's own browser in the same room is not held by the sprayer's failures.
    assert attempt(trusted, rep_email, PASSWORD) == 302


def test_the_owner_is_emailed_after_repeated_failures_not_after_each(app, mailbox: Mailbox):
    make_chair(app)
    for n in range(4):
        assert attempt(client_at(app, f"203.0.113.{n}"), CHAIR, "guess") == 401
    assert mailbox.to(CHAIR) == []
    assert attempt(client_at(app, "203.0.113.4"), CHAIR, "guess") == 401
    [notice] = mailbox.to(CHAIR)
    body = notice.get_payload(decode=True).decode()
    assert "Nieudane próby logowania" in str(make_header(decode_header(notice["Subject"])))
    assert "203.0.113.4" in body and "nie jest zablokowane" in body
    for n in range(5, 15):
        attempt(client_at(app, f"203.0.113.{n}"), CHAIR, "guess")
    assert len(mailbox.to(CHAIR)) == 1  # at most one an hour
    # Nobody is written to about an account that does not exist.
    for n in range(6):
        attempt(client_at(app, f"203.0.113.{n}"), "nobody@example.pl", "guess")
    assert len(mailbox.messages) == 1
