"""With ``REDIS_URL`` the login limit holds across several worker processes."""

from __future__ import annotations

import http.client
import os
import re
import uuid
from pathlib import Path

import pytest

from election.extensions import db
from tests.factories import make_user
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
