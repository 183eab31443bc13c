"""The admin's user pages: inviting a representative bound to a Partner, the emails
sent only after the commit, and the lists in Polish order."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from election.auth.models import Role, User
from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import PASSWORD, make_partner, make_user
from tests.support.web import free_port, login, post_form

NAMES = ["Żory", "Zabrze", "Łódź", "Lubliniec", "Ćmielów", "Cieszyn", "Bytom"]
POLISH_ORDER = ["Bytom", "Cieszyn", "Ćmielów", "Lubliniec", "Łódź", "Zabrze", "Żory"]


@pytest.fixture
def admin(client, app):
    with app.app_context():
        make_user(email="admin@example.pl")
        db.session.commit()
    login(client, "admin@example.pl", PASSWORD)
    return client


@pytest.fixture
def smtp_down(app, monkeypatch):
    # Nothing listens on a fresh free port: every delivery fails.
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())


def invitation(partner_id: int = 0, role: str = "observer") -> dict[str, object]:
    return {
        "email": "new@example.pl",
        "full_name": "Nowy Użytkownik",
        "role": role,
        "partner_id": partner_id,
    }


def test_the_invite_form_offers_the_partners_in_polish_order(admin, app):
    with app.app_context():
        for name in NAMES:
            make_partner(name=name)
        db.session.commit()
    page = admin.get("/admin/users").get_data(as_text=True)
    offered = re.findall(r'<option value="\d+">([^<(]+) \(', page)
    assert [name.strip() for name in offered] == POLISH_ORDER


def test_the_register_lists_partners_by_group_then_in_polish_order(admin, app):
    with app.app_context():
        for name in NAMES:
            make_partner(name=name)
        make_partner(PartnerGroup.POWIAT, name="Powiat będziński")
        db.session.commit()
    page = admin.get("/admin/partners/").get_data(as_text=True)
    listed = re.findall(r"<tr>\s*<td>([^<]+)</td><td>\d+</td>", page)
    assert listed == [*POLISH_ORDER, "Powiat będziński"]


def test_an_invited_rep_is_bound_to_the_partner_chosen(admin, app, mailbox):
    with app.app_context():
        partner_id = make_partner().id
        db.session.commit()
    response = post_form(admin, "/admin/users", invitation(partner_id, "partner_rep"))
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    assert "Wysłano zaproszenie" in admin.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@example.pl"))
        assert user.role == Role.PARTNER_REP and user.partner_id == partner_id
    assert len(mailbox.to("new@example.pl")) == 1


def test_a_refused_invitation_sends_no_email(admin, mailbox):
    response = post_form(admin, "/admin/users", invitation(0, "partner_rep"))
    assert response.status_code == 400
    assert "przypisany do istniejącego Partnera" in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_an_account_is_kept_when_its_invitation_cannot_be_sent(admin, app, smtp_down):
    response = post_form(admin, "/admin/users", invitation())
    assert response.status_code == 302
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "Konto utworzono, ale nie udało się wysłać e-maila" in page
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "new@example.pl"))


def test_resending_a_link_says_whether_it_went_out(admin, app, mailbox, monkeypatch):
    with app.app_context():
        user_id = make_user(Role.OBSERVER, email="obs@example.pl").id
        db.session.commit()
    assert post_form(admin, f"/admin/users/{user_id}/resend").status_code == 302
    assert "Wysłano link na adres obs@example.pl" in admin.get("/admin/users").get_data(
        as_text=True
    )
    [message] = mailbox.to("obs@example.pl")
    # The user has a password: a reset link, not an invitation.
    assert "Ustawienie nowego" in message["Subject"]

    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())
    post_form(admin, f"/admin/users/{user_id}/resend")
    assert "Nie udało się wysłać e-maila" in admin.get("/admin/users").get_data(as_text=True)


def test_an_admin_deactivates_an_account_but_not_their_own(admin, app):
    with app.app_context():
        other = make_user(Role.OBSERVER, email="obs@example.pl").id
        own = db.session.scalar(select(User.id).where(User.email == "admin@example.pl"))
        db.session.commit()
    assert post_form(admin, f"/admin/users/{own}/deactivate").status_code == 302
    assert "Nie możesz dezaktywować własnego konta" in admin.get("/admin/users").get_data(
        as_text=True
    )
    assert post_form(admin, f"/admin/users/{other}/deactivate").status_code == 302
    assert "Dezaktywowano konto obs@example.pl" in admin.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(User, other).active
        assert db.session.get(User, own).active
