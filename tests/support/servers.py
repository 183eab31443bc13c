"""Real servers for tests: the app under gunicorn, and a client for it."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade

from election import create_app
from election.extensions import db
from tests.support.web import ROOT, free_port

SECRET = "server-test-secret"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def make_app(url: str, instance_path: str | None = None) -> Flask:
    """The app on ``url``, its schema migrated; its instance folder (where the ballot
    box's key is kept) a temporary one unless given, never the checkout's own."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": SECRET,
            "REQUIRE_2FA_FOR_STAFF": False,
            "INSTANCE_PATH": instance_path or tempfile.mkdtemp(prefix="server-instance-"),
        }
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return app


@dataclass
class Server:
    base_port: int
    process: subprocess.Popen[bytes]

    def workers(self) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        ).stdout
        return [int(pid) for pid in out.split()]


@contextlib.contextmanager
def gunicorn(url: str, workers: int = 3, **env_extra: str) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        **env_extra,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "REQUIRE_2FA_FOR_STAFF": "0",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "20",
            "--log-level",
            "error",
            "election:create_app()",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield Server(port, process)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def request(port: int, method: str, path: str, body: str = "", cookie: str = "") -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if cookie:
            headers["Cookie"] = f"session={cookie}"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        conn.close()
