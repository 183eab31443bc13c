"""Two-factor login (TOTP) with recovery codes; required for admin and chair."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.audit.service import verify
from election.auth import totp
from election.auth.keyring import current_keyring
from election.auth.models import RecoveryCode, Role, User
from election.extensions import db
from tests.factories import PASSWORD, make_partner, make_user
from tests.factories.auth import TwoFactorUser, make_user_with_2fa
from tests.support.web import csrf_token, login, post_form


def password_step(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return post_form(client, "/login", {"email": email, "password": password})


def is_logged_in(client: FlaskClient) -> bool:
    return client.get("/account").status_code == 200


def secret_on_page(body: str) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', body)
    assert match, body
    return match.group(1).replace(" ", "")


def codes_on_page(body: str) -> list[str]:
    return re.findall(r"<li><code>([A-Z0-9-]{14})</code></li>", body)


@pytest.fixture
def staff_2fa_required(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "REQUIRE_2FA_FOR_STAFF", True)


@pytest.fixture
def rep(app: Flask) -> str:
    with app.app_context():
        user = make_user(Role.PARTNER_REP, partner=make_partner(), email="rep@example.pl")
        db.session.commit()
        return user.email


@pytest.fixture
def admin_2fa(app: Flask) -> TwoFactorUser:
    with app.app_context():
        made = make_user_with_2fa(Role.ADMIN, email="admin2fa@example.pl")
        db.session.commit()
        return made


def test_setup_shows_the_secret_as_text_and_an_otpauth_uri_with_nothing_external(client, app, rep):
    login(client, rep, PASSWORD)
    page = client.get("/account/2fa")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    secret = secret_on_page(body)
    assert len(secret) == 32
    uri = re.search(r'id="totp-uri">([^<]+)<', body).group(1)
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    assert "issuer=Rada%20SEKAP" in uri
    # No QR service, no CDN: nothing on the page is loaded from elsewhere.
    assert "<img" not in body
    assert not re.search(r'(src|href)="(https?:)?//', body)
    # The same secret until confirmed (reloading does not invalidate the app's entry).
    assert secret_on_page(client.get("/account/2fa").get_data(as_text=True)) == secret


def test_confirming_with_a_code_turns_2fa_on_and_shows_ten_recovery_codes_once(client, app, rep):
    login(client, rep, PASSWORD)
    secret = secret_on_page(client.get("/account/2fa").get_data(as_text=True))

    wrong = post_form(client, "/account/2fa", {"code": "000000"})
    assert wrong.status_code == 400
    assert "Nieprawidłowy kod" in wrong.get_data(as_text=True)
    garbage = post_form(client, "/account/2fa", {"code": "<script>"})
    assert garbage.status_code == 400
    with app.app_context():
        assert not db.session.scalar(select(User).where(User.email == rep)).totp_enabled

    done = post_form(client, "/account/2fa", {"code": totp.current_code(secret)})
    assert done.status_code == 200
    codes = codes_on_page(done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "nie zobaczysz ich ponownie" in done.get_data(as_text=True)

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == rep))
        assert user.totp_enabled and user.totp_pending_sealed is None
        # Stored sealed, never in plain text; the app's key opens it.
        assert secret not in user.totp_secret_sealed
        assert current_keyring().open(user.totp_secret_sealed, user.id) == secret
        stored = db.session.scalars(
            select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
        ).all()
        # Hashed, never in plain text.
        assert sorted(stored) == sorted(totp.hash_recovery_code(c) for c in codes)
        assert not set(stored) & {totp.normalise_recovery_code(c) for c in codes}
        assert db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "user.2fa_enabled")
        )
    # Shown once: the setup page now leads to the account page, without codes.
    again = client.get("/account/2fa", follow_redirects=True).get_data(as_text=True)
    assert codes_on_page(again) == []
    assert "Pozostałe kody odzyskiwania: 10" in again


def test_login_with_2fa_stops_after_the_password_until_the_code_is_given(client, admin_2fa):
    response = password_step(client, admin_2fa.email)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login/2fa")
    # Half logged in is not logged in.
    assert not is_logged_in(client)
    assert client.get("/admin/users").status_code == 302

    wrong = post_form(client, "/login/2fa", {"code": "123456"})
    assert wrong.status_code == 401
    assert "Nieprawidłowy lub już użyty kod" in wrong.get_data(as_text=True)
    assert not is_logged_in(client)

    ok = post_form(client, "/login/2fa", {"code": totp.current_code(admin_2fa.secret)})
    assert ok.status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_the_second_step_keeps_the_next_page(client, admin_2fa):
    post_form(client, "/login?next=/admin/users", {"email": admin_2fa.email, "password": PASSWORD})
    ok = post_form(client, "/login/2fa", {"code": totp.current_code(admin_2fa.secret)})
    assert ok.headers["Location"] == "/admin/users"


def test_the_second_step_needs_the_password_step_first(client, admin_2fa):
    response = client.get("/login/2fa")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    forged = post_form(client, "/login/2fa", {"code": totp.current_code(admin_2fa.secret)})
    assert forged.status_code == 302 and forged.headers["Location"].endswith("/login")
    assert not is_logged_in(client)


def test_a_totp_code_cannot_be_used_twice(client, app, admin_2fa):
    code = totp.current_code(admin_2fa.secret)
    password_step(client, admin_2fa.email)
    assert post_form(client, "/login/2fa", {"code": code}).status_code == 302

    other = app.test_client()
    password_step(other, admin_2fa.email)
    replay = post_form(other, "/login/2fa", {"code": code})
    assert replay.status_code == 401
    assert not is_logged_in(other)
    # The next code of the app does work.
    later = totp.current_code(admin_2fa.secret, at=time.time() + totp.INTERVAL)
    assert post_form(other, "/login/2fa", {"code": later}).status_code == 302


def test_a_recovery_code_works_once(client, app, admin_2fa):
    code = admin_2fa.recovery_codes[3]
    password_step(client, admin_2fa.email)
    used = post_form(client, "/login/2fa", {"code": code.lower().replace("-", " ")})
    assert used.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "Pozostałe kody odzyskiwania: 9" in page

    again = app.test_client()
    password_step(again, admin_2fa.email)
    assert post_form(again, "/login/2fa", {"code": code}).status_code == 401
    assert not is_logged_in(again)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(
                    AuditEvent.action == "user.recovery_code_used"
                )
            )
            == 1
        )


def test_the_second_step_is_rate_limited_per_account(client, app, admin_2fa):
    password_step(client, admin_2fa.email)
    statuses = [
        post_form(client, "/login/2fa", {"code": f"00000{i}"}).status_code for i in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    # A new password step in another session does not reset the account's limit.
    other = app.test_client()
    password_step(other, admin_2fa.email)
    blocked = post_form(other, "/login/2fa", {"code": totp.current_code(admin_2fa.secret)})
    assert blocked.status_code == 429
    assert "Zbyt wiele prób" in blocked.get_data(as_text=True)


def test_a_half_done_login_expires(client, admin_2fa):
    password_step(client, admin_2fa.email)
    with client.session_transaction() as session:
        pending = dict(session["2fa_pending"])
        pending["at"] -= 6 * 60
        session["2fa_pending"] = pending
    response = post_form(client, "/login/2fa", {"code": totp.current_code(admin_2fa.secret)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not is_logged_in(client)


def test_a_password_change_voids_a_half_done_login(client, app, admin_2fa):
    password_step(client, admin_2fa.email)
    with app.app_context():
        user = db.session.get(User, admin_2fa.id)
        user.session_version += 1
        db.session.commit()
    response = post_form(client, "/login/2fa", {"code": totp.current_code(admin_2fa.secret)})
    assert response.headers["Location"].endswith("/login")


def test_staff_without_2fa_must_set_it_up_before_any_other_page(client, app, staff_2fa_required):
    with app.app_context():
        make_user(Role.CHAIR, email="chair@example.pl")
        db.session.commit()
    login(client, "chair@example.pl", PASSWORD)
    for path in ("/", "/admin/partners/", "/account", "/account/password"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith("/account/2fa"), path
    page = client.get("/account/2fa")
    assert page.status_code == 200
    assert "muszą logować się dwuetapowo" in page.get_data(as_text=True)
    # The public API and the language switch stay reachable; logging out too.
    assert client.get("/healthz").status_code == 200
    assert post_form(client, "/lang/en", {"next": "/"}).status_code == 302

    secret = secret_on_page(client.get("/account/2fa").get_data(as_text=True))
    assert post_form(client, "/account/2fa", {"code": totp.current_code(secret)}).status_code == 200
    assert client.get("/admin/partners/").status_code == 200


def test_staff_2fa_cannot_be_turned_off_by_themselves_when_required(
    client, app, admin_2fa, staff_2fa_required
):
    password_step(client, admin_2fa.email)
    post_form(client, "/login/2fa", {"code": totp.current_code(admin_2fa.secret)})
    assert client.get("/admin/users").status_code == 200
    refused = post_form(client, "/account/2fa/disable", {"current_password": PASSWORD})
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.get(User, admin_2fa.id).totp_enabled


def test_2fa_is_optional_for_a_partner_rep_even_when_required_for_staff(
    client, app, rep, staff_2fa_required
):
    login(client, rep, PASSWORD)
    assert client.get("/account").status_code == 200
    assert client.get("/").status_code == 200


def test_the_requirement_can_be_switched_off(client, app):
    assert app.config["REQUIRE_2FA_FOR_STAFF"] is False
    with app.app_context():
        make_user(Role.ADMIN, email="a@example.pl")
        db.session.commit()
    login(client, "a@example.pl", PASSWORD)
    assert client.get("/admin/users").status_code == 200


def test_a_rep_turns_2fa_off_with_the_password(client, app, rep):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == rep))
        secret = totp.new_secret()
        user.totp_secret_sealed = current_keyring().seal(secret, user.id)
        user.totp_enabled = True
        db.session.commit()
    password_step(client, rep)
    post_form(client, "/login/2fa", {"code": totp.current_code(secret)})
    wrong = post_form(client, "/account/2fa/disable", {"current_password": "not-my-password"})
    assert wrong.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == rep)).totp_enabled
    post_form(client, "/account/2fa/disable", {"current_password": PASSWORD})
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == rep))
        assert not user.totp_enabled and user.totp_secret_sealed is None


def test_new_recovery_codes_replace_the_old_ones(client, app, admin_2fa):
    password_step(client, admin_2fa.email)
    post_form(client, "/login/2fa", {"code": totp.current_code(admin_2fa.secret)})
    wrong = post_form(
        client, "/account/2fa/recovery-codes", {"code": "000000"}, follow_redirects=True
    )
    assert "Nieprawidłowy kod" in wrong.get_data(as_text=True)
    later = totp.current_code(admin_2fa.secret, at=time.time() + totp.INTERVAL)
    renewed = post_form(client, "/account/2fa/recovery-codes", {"code": later})
    fresh = codes_on_page(renewed.get_data(as_text=True))
    assert len(fresh) == 10 and not set(fresh) & set(admin_2fa.recovery_codes)

    other = app.test_client()
    password_step(other, admin_2fa.email)
    assert post_form(other, "/login/2fa", {"code": admin_2fa.recovery_codes[0]}).status_code == 401
    assert post_form(other, "/login/2fa", {"code": fresh[0]}).status_code == 302


def test_an_admin_resets_the_2fa_of_a_user_who_lost_the_phone(client, app, admin_2fa):
    with app.app_context():
        lost = make_user_with_2fa(Role.CHAIR, email="chair@example.pl")
        db.session.commit()
        lost_id = lost.id
    chair = app.test_client()
    password_step(chair, lost.email)
    post_form(chair, "/login/2fa", {"code": totp.current_code(lost.secret)})
    assert is_logged_in(chair)

    password_step(client, admin_2fa.email)
    post_form(client, "/login/2fa", {"code": totp.current_code(admin_2fa.secret)})
    users_page = client.get("/admin/users").get_data(as_text=True)
    assert f"/admin/users/{lost_id}/reset-2fa" in users_page
    assert post_form(client, f"/admin/users/{lost_id}/reset-2fa").status_code == 302

    assert not is_logged_in(chair)  # the reset ends the user's sessions
    with app.app_context():
        user = db.session.get(User, lost_id)
        assert not user.totp_enabled and user.totp_secret_sealed is None
        assert not db.session.scalars(
            select(RecoveryCode).where(RecoveryCode.user_id == lost_id)
        ).all()
        assert verify(db.session).ok
    # Logs in with the password alone now (and, when required, must set 2FA up again).
    login(app.test_client(), "chair@example.pl", PASSWORD)


def test_only_an_admin_may_reset_2fa(client, app, rep, admin_2fa):
    login(client, rep, PASSWORD)
    token = csrf_token(client)
    response = client.post(f"/admin/users/{admin_2fa.id}/reset-2fa", data={"csrf_token": token})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(User, admin_2fa.id).totp_enabled
