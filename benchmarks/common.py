"""Shared machinery of the benchmarks: databases, a gunicorn server, the load generator."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Database:
    kind: str  # "sqlite" or "postgresql"
    url: str

    @property
    def is_sqlite(self) -> bool:
        return self.kind == "sqlite"


def fresh_database(kind: str, name: str = "bench") -> Database:
    """An empty database built by the migrations."""
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="bench-")) / "bench.db"
        db = Database("sqlite", f"sqlite:///{path}")
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        db = Database("postgresql", f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "election", "db", "upgrade"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": db.url},
        check=True,
        capture_output=True,
    )
    return db


def app_env(db: Database) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db.url,
        "SECRET_KEY": "benchmark-secret-key",
        "REQUIRE_2FA_FOR_STAFF": "0",
        "PYTHONPATH": str(ROOT),
    }


@contextlib.contextmanager
def gunicorn(db: Database, workers: int = 4) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            str(workers),
            # Threaded workers keep connections alive (sync workers close each one).
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            "benchmarks.benchapp:create()",
        ],
        cwd=ROOT,
        env=app_env(db),
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + "/bench/hello")
        yield base, proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def _wait_for(url: str, timeout: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - local URL
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer at {url}")


def worker_pids(master: subprocess.Popen[bytes]) -> list[int]:
    out = subprocess.run(
        ["pgrep", "-P", str(master.pid)], capture_output=True, text=True, check=False
    ).stdout
    return [int(p) for p in out.split()]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) the processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def load(mode: str, base: str, concurrency: int, arg: str) -> dict[str, Any]:
    """Run the locust load generator in its own process (gevent patches everything)."""
    result = subprocess.run(
        [sys.executable, str(BENCH_DIR / "loadgen.py"), mode, base, str(concurrency), arg],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("LOAD "))
    figures: dict[str, Any] = json.loads(line[len("LOAD ") :])
    return figures


def raw_commit_rate(db: Database, n: int = 2000) -> float:
    """INSERT + COMMIT in a loop on one connection with the app's durability settings."""
    if db.is_sqlite:
        path = db.url.removeprefix("sqlite:///")
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, note TEXT)")
        start = time.perf_counter()
        for _ in range(n):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO bench_raw (note) VALUES ('x')")
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        conn.close()
    else:
        import psycopg

        url = db.url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url) as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS bench_raw (id BIGSERIAL PRIMARY KEY, note TEXT)"
            )
            conn.commit()
            start = time.perf_counter()
            for _ in range(n):
                conn.execute("INSERT INTO bench_raw (note) VALUES ('x')")
                conn.commit()
            elapsed = time.perf_counter() - start
    return n / elapsed


def load_average() -> str:
    """The machine's load average (1, 5, 15 minutes): other work shares the 2 cores."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def crypto_cost(app: Any, election_id: int, n: int = 200) -> float:
    """CPU seconds of one thread to encrypt and prove one ballot of the election's first round
    (its seats and candidates), as casting does: :func:`election.crypto.encrypt_ballot`."""
    from sqlalchemy import select

    from election import crypto
    from election.elections import custody
    from election.elections.models import Election
    from election.extensions import db
    from election.voting.models import Round

    with app.app_context():
        election = db.session.get(Election, election_id)
        round_ = db.session.scalars(
            select(Round).where(Round.election_id == election_id).order_by(Round.id)
        ).first()
        context = custody.context(custody.key_of(db.session, election), round_.id)
        marks = [1] + [0] * (len(round_.candidates) - 1)
        seats = round_.seats
        db.session.remove()
    crypto.encrypt_ballot(context, seats, marks)
    # CPU time, not wall time: other work shares the machine's cores.
    start = time.process_time()
    for _ in range(n):
        crypto.encrypt_ballot(context, seats, marks)
    return (time.process_time() - start) / n


def print_table(title: str, rows: list[tuple[str, str]]) -> None:
    print(f"\n## {title}")
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key.ljust(width)}  {value}")
