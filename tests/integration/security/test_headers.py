"""Security headers on every kind of response, and cookie flags with and without HTTPS."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from election import create_app
from election.auth.models import Role
from election.config import from_environment
from election.extensions import db, limiter
from tests.factories import PASSWORD, make_user
from tests.support.web import csrf_token, login

PAGES = ["/", "/login", "/password/forgot", "/no-such-page", "/api/v1/elections", "/healthz"]


def directives(csp: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in csp.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    parsed = directives(csp)
    assert parsed["default-src"] == ["'self'"]
    assert parsed["script-src"] == ["'self'"]
    assert parsed["style-src"] == ["'self'"]
    assert parsed["object-src"] == ["'none'"]
    assert parsed["frame-ancestors"] == ["'none'"]
    assert parsed["base-uri"] == ["'self'"]
    assert parsed["form-action"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")
    assert response.headers["X-Frame-Options"] == "DENY"
    # Plain HTTP (development): no HSTS, which would lock browsers out of http://.
    assert "Strict-Transport-Security" not in response.headers


def test_pages_have_no_inline_script_or_style_and_load_nothing_from_elsewhere(client, app):
    with app.app_context():
        make_user(Role.OBSERVER, email="o@example.pl")
        db.session.commit()
    login(client, "o@example.pl", PASSWORD)
    for path in ("/", "/account", "/account/password", "/account/2fa"):
        body = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), path
        assert "style=" not in body, path
        assert not re.search(r"\bon[a-z]+=\"", body), path  # no inline event handlers
        assert not re.search(r'(src|href|action)="(https?:)?//', body), path


def test_logged_in_pages_are_not_cached(client, app):
    with app.app_context():
        make_user(Role.OBSERVER, email="o@example.pl")
        db.session.commit()
    login(client, "o@example.pl", PASSWORD)
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_the_session_cookie_is_httponly_and_lax_but_not_secure_over_http(client, app):
    with app.app_context():
        make_user(Role.OBSERVER, email="o@example.pl")
        db.session.commit()
    cookie = login(client, "o@example.pl", PASSWORD).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


@pytest.fixture
def https_app(app: Flask, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app as configured in production behind HTTPS (``HTTPS=1``), same database."""
    production = from_environment(str(tmp_path), {"HTTPS": "1", "REQUIRE_2FA_FOR_STAFF": "0"})
    secure = create_app(
        {
            **production,
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
        }
    )
    yield secure
    with secure.app_context():
        db.session.remove()
        db.engine.dispose()


def test_with_https_on_there_is_hsts_and_the_cookie_is_secure(https_app):
    assert https_app.config["SESSION_COOKIE_SECURE"] is True
    client = https_app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    response = client.get("/")
    hsts = response.headers["Strict-Transport-Security"]
    assert "max-age=" in hsts and int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000
    with https_app.app_context():
        make_user(Role.OBSERVER, email="o@example.pl")
        db.session.commit()
    # Over HTTPS Flask-WTF also wants a same-origin Referer, as a browser sends.
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(client), "email": "o@example.pl", "password": PASSWORD},
        headers={"Referer": "https://localhost/login"},
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_staff_must_use_2fa_by_default_in_production(monkeypatch, tmp_path):
    monkeypatch.delenv("REQUIRE_2FA_FOR_STAFF", raising=False)
    from election.config import from_environment

    assert from_environment(str(tmp_path))["REQUIRE_2FA_FOR_STAFF"] is True
    monkeypatch.setenv("REQUIRE_2FA_FOR_STAFF", "0")
    assert from_environment(str(tmp_path))["REQUIRE_2FA_FOR_STAFF"] is False


def test_session_timeouts_come_from_the_environment(monkeypatch, tmp_path):
    from election.config import from_environment

    monkeypatch.delenv("SESSION_IDLE_MINUTES", raising=False)
    monkeypatch.delenv("SESSION_ABSOLUTE_HOURS", raising=False)
    config = from_environment(str(tmp_path))
    assert (config["SESSION_IDLE_MINUTES"], config["SESSION_ABSOLUTE_HOURS"]) == (30, 12)
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "10")
    monkeypatch.setenv("SESSION_ABSOLUTE_HOURS", "8")
    config = from_environment(str(tmp_path))
    assert (config["SESSION_IDLE_MINUTES"], config["SESSION_ABSOLUTE_HOURS"]) == (10, 8)
    assert config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 8 * 3600


@pytest.fixture
def proxied_app(app: Flask, database_url: str, smtp_server) -> Iterator[Flask]:
    """The app behind one reverse proxy (``TRUSTED_PROXIES=1``), same database."""
    behind = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REQUIRE_2FA_FOR_STAFF": False,
            "TRUSTED_PROXIES": 1,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp_server[1],
        }
    )
    yield behind
    with behind.app_context():
        limiter.reset()
        db.session.remove()
        db.engine.dispose()


def test_behind_a_proxy_rate_limits_count_each_client_not_the_proxy(proxied_app):
    def attempt(client_ip: str, n: int) -> int:
        client = proxied_app.test_client()
        token = csrf_token(client)
        return client.post(
            "/login",
            # One account: its failures are counted per address (the client's, not nginx's).
            data={"csrf_token": token, "email": "nobody@example.pl", "password": f"x{n}"},
            headers={"X-Forwarded-For": client_ip},
        ).status_code

    assert [attempt("203.0.113.7", n) for n in range(6)] == [401] * 5 + [429]
    assert attempt("198.51.100.20", 99) == 401  # another participant is not locked out


def test_behind_a_proxy_links_use_the_public_https_address(proxied_app, mailbox):
    with proxied_app.app_context():
        make_user(Role.OBSERVER, email="o@example.pl")
        db.session.commit()
    client = proxied_app.test_client()
    public = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "wybory.example.pl"}
    page = client.get("/password/forgot", headers=public).get_data(as_text=True)
    form_token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    response = client.post(
        "/password/forgot",
        data={"csrf_token": form_token, "email": "o@example.pl"},
        headers={**public, "Referer": "https://wybory.example.pl/password/forgot"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    [message] = mailbox.to("o@example.pl")
    body = message.get_payload(decode=True).decode()
    assert "https://wybory.example.pl/password/" in body


def test_without_a_proxy_a_forged_forwarded_for_does_not_evade_the_limits(client):
    statuses = []
    for n in range(6):
        token = csrf_token(client)
        statuses.append(
            client.post(
                "/login",
                data={"csrf_token": token, "email": "nobody@example.pl", "password": f"x{n}"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            ).status_code
        )
    assert statuses == [401] * 5 + [429]
