"""With ``REDIS_URL`` the login limits hold across several worker processes — and still
lock nobody out but the guesser."""

from __future__ import annotations

import http.client
import os
import re
import urllib.parse
import uuid
from pathlib import Path

import pytest

from election.auth.models import Role
from election.extensions import db
from tests.factories import PASSWORD, make_user
from tests.support.servers import gunicorn, make_app

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def test_failed_logins_are_counted_across_gunicorn_workers(tmp_path: Path) -> None:
    if not redis_available():
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    url = f"sqlite:///{tmp_path / 'limits.db'}"
    app = make_app(url)
    with app.app_context():
        make_user(email="ewa@example.pl")
        db.session.commit()
        db.engine.dispose()
    # A fresh key space per run, so earlier runs do not count.
    with gunicorn(
        url, workers=3, REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=uuid.uuid4().hex
    ) as server:
        codes = []
        for attempt in range(7):
            # A new connection each time, so the attempts spread over the workers.
            conn = http.client.HTTPConnection("127.0.0.1", server.base_port, timeout=10)
            conn.request("GET", "/login")
            response = conn.getresponse()
            cookie = response.getheader("Set-Cookie", "").split(";")[0]
            token = CSRF.search(response.read().decode()).group(1)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", server.base_port, timeout=10)
            conn.request(
                "POST",
                "/login",
                body=f"csrf_token={token}&email=ewa%40example.pl&password=wrong-{attempt}",
                headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
            )
            codes.append(conn.getresponse().status)
            conn.close()
    assert codes[:5] == [401] * 5, codes
    assert codes[5:] == [429, 429], codes


def _post_login(
    port: int, email: str, password: str, address: str, cookie: str = ""
) -> tuple[int, str]:
    """One login over a new connection (spread over the workers), from ``address`` as
    nginx would forward it; the status and any device cookie set."""
    headers = {"X-Forwarded-For": address}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/login", headers={**headers, **({"Cookie": cookie} if cookie else {})})
    response = conn.getresponse()
    session = response.getheader("Set-Cookie", "").split(";")[0]
    token = CSRF.search(response.read().decode()).group(1)
    conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
    cookies = "; ".join(c for c in (session, cookie) if c)
    conn.request(
        "POST",
        "/login",
        body=body,
        headers={
            **headers,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookies,
        },
    )
    response = conn.getresponse()
    device = next(
        (
            c.split(";")[0]
            for c in response.headers.get_all("Set-Cookie") or []
            if c.startswith("login_device=")
        ),
        "",
    )
    conn.close()
    return response.status, device


def test_across_gunicorn_workers_strangers_cannot_lock_the_chair_out(
    tmp_path: Path, smtp_server
) -> None:
    if not redis_available():
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    mailbox, smtp_port = smtp_server
    mailbox.clear()
    url = f"sqlite:///{tmp_path / 'limits.db'}"
    app = make_app(url)
    chair = "przewodniczacy@example.pl"
    with app.app_context():
        make_user(Role.CHAIR, email=chair)
        db.session.commit()
        db.engine.dispose()
    with gunicorn(
        url,
        workers=3,
        REDIS_URL=REDIS_URL,
        RATELIMIT_KEY_PREFIX=uuid.uuid4().hex,
        TRUSTED_PROXIES="1",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
    ) as server:
        port = server.base_port
        # The chair's laptop logged in once before the meeting.
        status, laptop = _post_login(port, chair, PASSWORD, "198.51.100.7")
        assert status == 302 and laptop

        # A stranger guesses from one address: counted across the workers.
        guesses = [_post_login(port, chair, f"guess-{n}", "203.0.113.9")[0] for n in range(7)]
        assert guesses == [401] * 5 + [429, 429]
        # The chair, from another address and a browser never used before, gets in.
        assert _post_login(port, chair, PASSWORD, "198.51.100.20")[0] == 302

        # Guessing from ten addresses fills the account's hourly allowance: a new browser
        # waits, the chair's laptop does not.
        for n in range(10):
            for i in range(5):
                _post_login(port, chair, f"guess-{n}-{i}", f"192.0.2.{n}")
        assert _post_login(port, chair, PASSWORD, "192.0.2.200")[0] == 429
        assert _post_login(port, chair, PASSWORD, "198.51.100.7", cookie=laptop)[0] == 302

    # Told once, though every worker saw failures.
    assert len(mailbox.to(chair)) == 1
