"""Nothing secret in the client-side cookies: Flask's session cookie is signed, not
encrypted — whoever holds it can read it. At every step of voting, of setting up two-
factor login and of logging in with it, the cookies are decoded and searched for the
receipt (tracking) code, the TOTP secret and the recovery codes."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from election.auth import totp
from election.auth.models import Role
from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import PASSWORD, make_user, voting_election
from tests.factories.voting import ballot_url, receipt_on
from tests.support.web import csrf_token, login, post_form

G = PartnerGroup.GMINA


class CookieJar:
    """What the browser's cookies held after each step, decoded as a reader would."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.seen: list[tuple[str, str]] = []

    def after(self, step: str) -> None:
        for name, path in (("session", "/"), ("login_device", "/login")):
            cookie = self.client.get_cookie(name, path=path)
            if cookie is None or not cookie.value:
                continue
            # The payload without the key: anyone with the cookie can do this.
            _ok, payload = URLSafeTimedSerializer("not-the-key").loads_unsafe(cookie.value)
            assert isinstance(payload, dict | list), f"{name} not decoded after {step}"
            self.seen.append((f"{step}: {name}", f"{cookie.value} {json.dumps(payload)}"))

    def assert_free_of(self, *secrets: str) -> None:
        assert self.seen, "no cookie was looked at"
        for where, text in self.seen:
            flat = re.sub(r"[\s-]", "", text).upper()
            for secret in secrets:
                bare = re.sub(r"[\s-]", "", secret).upper()
                assert bare not in flat, f"{secret!r} in the cookie after {where}"


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    with app.app_context():
        w = voting_election(per_group=2, candidates_per_group=2)
        db.session.commit()
        return {
            "election": w["election"].id,
            "round": w["rounds"][G].id,
            "rep": w["reps"][G][0].email,
            "partner": w["partners"][G][0].id,
            "candidate": w["candidates"][G][0].id,
        }


def test_no_receipt_code_in_the_cookie_at_any_step_of_voting(app, world):
    e, r = world["election"], world["round"]
    rep = app.test_client()
    jar = CookieJar(rep)
    login(rep, world["rep"], PASSWORD)
    jar.after("login")
    assert rep.get(ballot_url(e, r)).status_code == 200
    jar.after("ballot")
    ballot = {
        "csrf_token": csrf_token(rep, ballot_url(e, r)),
        "partner_id": str(world["partner"]),
        "candidate": [str(world["candidate"])],
    }
    confirm = rep.post(ballot_url(e, r, "confirm"), data=ballot)
    assert confirm.status_code == 200
    jar.after("confirmation")
    # The receipt is the cast's answer (or, were it a redirect, the page it leads to).
    cast = rep.post(ballot_url(e, r, "cast"), data=ballot, follow_redirects=True)
    code = receipt_on(cast.get_data(as_text=True))
    assert cast.status_code == 200 and code
    jar.after("cast")
    jar.assert_free_of(code)
    assert rep.get(ballot_url(e, r, "receipt")).status_code == 200
    jar.after("receipt page")
    saved = post_form(rep, ballot_url(e, r, "receipt.txt"), {"code": code})
    assert saved.status_code == 200
    jar.after("receipt file")
    rep.get(f"/voting/{e}")
    jar.after("the election's page")
    jar.assert_free_of(code)


def secret_on(page: str) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert match, page[:2000]
    return match.group(1).replace(" ", "")


def test_no_totp_secret_or_recovery_code_in_the_cookie_during_setup_and_login(app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_2FA_FOR_STAFF", True)
    with app.app_context():
        make_user(Role.CHAIR, email="chair@example.pl")
        db.session.commit()
    chair = app.test_client()
    jar = CookieJar(chair)
    login(chair, "chair@example.pl", PASSWORD)
    jar.after("password (setup due)")

    secret = secret_on(chair.get("/account/2fa").get_data(as_text=True))
    jar.after("secret shown")
    assert secret_on(chair.get("/account/2fa").get_data(as_text=True)) == secret  # reload
    jar.after("secret shown again")
    assert post_form(chair, "/account/2fa", {"code": "000000"}).status_code == 400
    jar.after("wrong code entered")
    done = post_form(chair, "/account/2fa", {"code": totp.current_code(secret)})
    codes = re.findall(r"<li><code>([A-Z0-9-]{14})</code></li>", done.get_data(as_text=True))
    assert done.status_code == 200 and len(codes) == 10
    jar.after("code entered, recovery codes shown")
    chair.get("/account")
    jar.after("account page")
    post_form(chair, "/logout")

    assert (
        post_form(chair, "/login", {"email": "chair@example.pl", "password": PASSWORD}).status_code
        == 302
    )
    jar.after("password step")
    later = totp.current_code(secret, at=time.time() + totp.INTERVAL)
    assert post_form(chair, "/login/2fa", {"code": later}).status_code == 302
    jar.after("code step")
    post_form(chair, "/logout")

    post_form(chair, "/login", {"email": "chair@example.pl", "password": PASSWORD})
    assert post_form(chair, "/login/2fa", {"code": codes[0]}).status_code == 302
    jar.after("recovery code step")

    jar.assert_free_of(secret, *codes)
