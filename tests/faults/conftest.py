"""Real servers for the fault tests: gunicorn processes and a private PostgreSQL cluster.

These tests pick their own databases (a temporary SQLite file, a PostgreSQL cluster of
their own that they may stop and start), so they never disturb the suite's database.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade

from election import create_app
from election.extensions import db
from tests.conftest import ROOT, free_port

SECRET = "fault-test-secret"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def make_app(url: str) -> Flask:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": SECRET,
            "REQUIRE_2FA_FOR_STAFF": False,
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
def gunicorn(url: str, workers: int = 3) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
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


@dataclass
class PrivatePostgres:
    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.directory),
                *args,
            ],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self._ctl(
            "-o",
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.directory}",
            "-l",
            str(self.directory / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of the fault tests' own (initdb in a temporary folder)."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL binaries not found in {PG_BIN} (install the postgresql package)")
    directory = Path(tempfile.mkdtemp(prefix="faults-pg-"))
    shutil.chown(directory, "postgres", "postgres")
    subprocess.run(
        [
            "runuser",
            "-u",
            "postgres",
            "--",
            str(PG_BIN / "initdb"),
            "-D",
            str(directory),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        check=True,
        capture_output=True,
    )
    cluster = PrivatePostgres(directory, free_port())
    cluster.start()
    yield cluster
    with contextlib.suppress(subprocess.CalledProcessError):
        cluster.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'faults.db'}"


@pytest.fixture
def fresh_private_pg(private_postgres: PrivatePostgres) -> str:
    """An empty database in the private cluster."""
    import psycopg

    url = private_postgres.url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return private_postgres.url
