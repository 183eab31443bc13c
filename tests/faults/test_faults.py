"""Faults while voting: a killed worker, a database that goes away, a full or read-only
database. What was acknowledged is stored, nothing is half-stored, the audit chain holds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from election import create_app
from election.audit.service import verify
from election.extensions import db
from election.voting.models import Ballot, RollMark
from tests.support import burst
from tests.support.postgres import PrivatePostgres
from tests.support.servers import SECRET, gunicorn, make_app, request

VOTERS = 45


def cast_all(port: int, voters: list[burst.Voter], during: Any = None) -> dict[int, int | str]:
    """Cast every voter's ballot from 6 threads; ``during`` runs once a third are sent."""
    results: dict[int, int | str] = {}
    third = threading.Event()
    sent = [0]
    lock = threading.Lock()

    def one(voter: burst.Voter) -> None:
        with lock:
            sent[0] += 1
            if sent[0] == len(voters) // 3:
                third.set()
        try:
            status, body = request(port, "POST", voter.path, voter.body, voter.cookie)
        except OSError as exc:
            results[voter.partner_id] = f"connection: {exc.__class__.__name__}"
            return
        results[voter.partner_id] = status
        if status == 503:
            assert "chwilowo niedostępna" in body

    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(one, v) for v in voters]
        if during is not None:
            third.wait(timeout=60)
            during()
        for f in futures:
            f.result()
    return results


def assert_consistent(app: Any, acknowledged: set[int]) -> None:
    with app.app_context():
        marks = set(db.session.scalars(select(RollMark.partner_id)))
        ballots = db.session.scalar(select(func.count()).select_from(Ballot))
        assert acknowledged <= marks, "an acknowledged ballot was lost"
        assert ballots == len(marks), "ballots and roll marks disagree (half-stored vote)"
        orphans = db.session.scalar(
            text(
                "SELECT count(*) FROM ballot_choices c LEFT JOIN ballots b ON b.id = c.ballot_id "
                "WHERE b.id IS NULL"
            )
        )
        assert orphans == 0
        report = verify(db.session)
        assert report.ok, report
        db.session.remove()
        db.engine.dispose()


def acknowledged_of(results: dict[int, int | str]) -> set[int]:
    return {pid for pid, status in results.items() if status == 303}


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_worker_killed_mid_burst_loses_no_acknowledged_ballot(
    database: str, sqlite_url: str, request: pytest.FixtureRequest
) -> None:
    url = sqlite_url if database == "sqlite" else request.getfixturevalue("fresh_private_pg")
    app = make_app(url)
    election_id, round_of = burst.seed(app, VOTERS, real_partners=False)
    voters = burst.log_in(app, election_id, round_of)
    with gunicorn(url, workers=3) as server:
        victim = server.workers()[0]
        results = cast_all(server.base_port, voters, lambda: os.kill(victim, signal.SIGKILL))
        # Whoever did not get an answer tries again, as a voter would.
        retry = [v for v in voters if results[v.partner_id] != 303]
        retried = cast_all(server.base_port, retry)
    acknowledged = acknowledged_of(results) | acknowledged_of(retried)
    assert len(acknowledged) >= VOTERS - 6
    assert all(
        (isinstance(s, int) and s < 500) or s == 503 or isinstance(s, str) for s in results.values()
    )
    assert_consistent(app, acknowledged)


def test_postgres_going_away_gives_try_again_and_the_app_recovers(
    private_postgres: PrivatePostgres, fresh_private_pg: str
) -> None:
    app = make_app(fresh_private_pg)
    election_id, round_of = burst.seed(app, VOTERS, real_partners=False)
    voters = burst.log_in(app, election_id, round_of)
    with app.app_context():
        db.engine.dispose()

    def outage() -> None:
        private_postgres.stop()
        time.sleep(1.5)
        private_postgres.start()

    with gunicorn(fresh_private_pg, workers=3) as server:
        results = cast_all(server.base_port, voters, outage)
        statuses = set(results.values())
        assert statuses <= {303, 503}, statuses
        # After the outage the same server serves again, without a restart.
        retry = [v for v in voters if results[v.partner_id] != 303]
        retried = cast_all(server.base_port, retry)
        assert set(retried.values()) <= {303}, retried
    assert_consistent(app, acknowledged_of(results) | acknowledged_of(retried))


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB filesystem (tmpfs) that the test can fill up."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs for the full-disk test: {done.stderr.decode()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory: Path) -> Path:
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_gives_a_clear_error_and_no_half_written_ballot(tiny_disk: Path) -> None:
    url = f"sqlite:///{tiny_disk / 'full.db'}"
    app = make_app(url)
    election_id, round_of = burst.seed(app, 6, real_partners=False)
    voters = burst.log_in(app, election_id, round_of)
    with app.app_context():
        db.engine.dispose()
    filler = fill(tiny_disk)
    client = app.test_client()
    statuses = []
    for voter in voters:
        client.set_cookie("session", voter.cookie)
        response = client.post(
            voter.path, data=voter.body, content_type="application/x-www-form-urlencoded"
        )
        statuses.append(response.status_code)
        if response.status_code == 503:
            assert "chwilowo niedostępna" in response.get_data(as_text=True)
    assert 503 in statuses, statuses
    assert set(statuses) <= {303, 503}
    with app.app_context():
        db.engine.dispose()
    filler.unlink()
    acknowledged = {v.partner_id for v, s in zip(voters, statuses) if s == 303}
    with app.app_context():
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    assert_consistent(app, acknowledged)


def test_a_read_only_database_gives_a_clear_error(sqlite_url: str) -> None:
    app = make_app(sqlite_url)
    election_id, round_of = burst.seed(app, 3, real_partners=False)
    voters = burst.log_in(app, election_id, round_of)
    path = sqlite_url.removeprefix("sqlite:///")

    ro_app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///file:{path}?mode=ro&uri=true",
            "SECRET_KEY": SECRET,
            "REQUIRE_2FA_FOR_STAFF": False,
        }
    )
    client = ro_app.test_client()
    client.set_cookie("session", voters[0].cookie)
    response = client.post(
        voters[0].path, data=voters[0].body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 503
    assert "chwilowo niedostępna" in response.get_data(as_text=True)
    with ro_app.app_context():
        db.engine.dispose()
    assert_consistent(app, set())
