"""Faults while voting: a killed worker, a database that goes away, a full or read-only
database. What was acknowledged is stored, nothing is half-stored, the audit chain holds.

The election is secret: a ballot is acknowledged by the cast's answer (200) showing its
tracking code; it is stored as an encrypted ballot beside its Partner's roll mark. After
the fault the rounds are closed and counted with the server's key, and the election
record — every ballot's proofs, the sums, the decryption — is recounted by the verifier.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from election import create_app
from election.audit.service import Actor, verify
from election.elections.models import Election
from election.extensions import db
from election.tally.audit import verify_results, verify_roll_marks
from election.tally.record import election_record, has_record
from election.verify.record import verify_record
from election.voting import rounds
from election.voting.models import EncryptedBallot, RollMark, Round, RoundStatus
from tests.support import burst
from tests.support.postgres import PrivatePostgres
from tests.support.servers import SECRET, gunicorn, make_app, request

VOTERS = 45
#: The tracking code in the cast's answer (the receipt page).
RECEIPT = re.compile(r'id="receipt-code"[^>]*>\s*([0-9A-Z]{5}-[0-9A-Z]{5})\s*<')


@dataclass(frozen=True)
class Answer:
    """What a voter got back: the HTTP status (or why there was none) and, for an
    acknowledged ballot, its tracking code."""

    status: int | str
    code: str | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status == 200 and self.code is not None


def answer_of(status: int, body: str) -> Answer:
    if status == 503:
        assert "chwilowo niedostępna" in body
    if status == 200:
        found = RECEIPT.search(body)
        assert found, "a 200 answer to a cast without its tracking code"
        return Answer(status, found.group(1))
    return Answer(status)


def cast_all(port: int, voters: list[burst.Voter], during: Any = None) -> dict[int, Answer]:
    """Cast every voter's ballot from 6 threads; ``during`` runs once a third are sent."""
    results: dict[int, Answer] = {}
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
            results[voter.partner_id] = Answer(f"connection: {exc.__class__.__name__}")
            return
        results[voter.partner_id] = answer_of(status, body)

    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(one, v) for v in voters]
        if during is not None:
            third.wait(timeout=60)
            during()
        for f in futures:
            f.result()
    return results


def acknowledged_of(*answers: dict[int, Answer]) -> dict[int, str]:
    """Partner id → tracking code of every acknowledged ballot."""
    return {
        pid: a.code
        for results in answers
        for pid, a in results.items()
        if a.acknowledged and a.code
    }


def assert_consistent(app: Any, acknowledged: dict[int, str]) -> None:
    """Every acknowledged ballot is stored (its Partner's roll mark, its tracking code),
    each roll mark has exactly one encrypted ballot in its round, no plaintext ballot
    exists, the audit chain holds and records every vote; then the rounds are counted
    and the record recounts: every stored ballot is whole (its proofs check) and every
    voter's choice (the round's first candidate) is counted."""
    with app.app_context():
        session = db.session
        marks = set(session.scalars(select(RollMark.partner_id)))
        codes = set(session.scalars(select(EncryptedBallot.tracking_code)))
        assert set(acknowledged) <= marks, "an acknowledged ballot lost its roll mark"
        assert set(acknowledged.values()) <= codes, "an acknowledged ballot was lost"
        per_round_marks = dict(
            session.execute(
                select(RollMark.round_id, func.count()).group_by(RollMark.round_id)
            ).all()
        )
        per_round_ballots = dict(
            session.execute(
                select(EncryptedBallot.round_id, func.count()).group_by(EncryptedBallot.round_id)
            ).all()
        )
        assert per_round_ballots == per_round_marks, "ballots and roll marks disagree"
        for table in ("ballots", "ballot_choices"):
            plaintext = session.scalar(text(f"SELECT count(*) FROM {table}"))
            assert plaintext == 0, f"a secret election wrote {plaintext} rows to {table}"
        report = verify(session)
        assert report.ok, report
        assert verify_roll_marks(session) == []

        actor = Actor.system("faults")
        for round_ in session.scalars(select(Round).where(Round.status == RoundStatus.OPEN)):
            rounds.close_round(session, actor, round_)
        session.commit()
        assert verify_results(session) == []
        election = session.scalars(select(Election)).one()
        if has_record(session, election):
            counted = verify_record(election_record(session, election))
            for result in counted:
                # Every burst voter marks the round's first candidate by id.
                blank, first, *others = result.counts
                assert blank[1] == 0 and first[1] == result.ballots, result
                assert all(votes == 0 for _name, votes in others), result
        session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_worker_killed_mid_burst_loses_no_acknowledged_ballot(
    database: str, sqlite_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = sqlite_url if database == "sqlite" else request.getfixturevalue("fresh_private_pg")
    app = make_app(url, str(tmp_path / "instance"))
    election_id, round_of = burst.seed(app, VOTERS, real_partners=False)
    voters = burst.log_in(app, election_id, round_of)
    with gunicorn(url, workers=3) as server:
        victim = server.workers()[0]
        results = cast_all(server.base_port, voters, lambda: os.kill(victim, signal.SIGKILL))
        # Whoever did not get a receipt tries again, as a voter would: a ballot stored
        # before its worker died is refused as already cast (303), nobody votes twice.
        retry = [v for v in voters if not results[v.partner_id].acknowledged]
        retried = cast_all(server.base_port, retry)
    acknowledged = acknowledged_of(results, retried)
    assert len(acknowledged) >= VOTERS - 6
    assert all(a.status in (200, 503) or isinstance(a.status, str) for a in results.values())
    assert {a.status for a in retried.values()} <= {200, 303}, retried
    assert_consistent(app, acknowledged)
    with app.app_context():
        # In the end every voter voted, once.
        assert db.session.scalar(select(func.count()).select_from(RollMark)) == VOTERS
        db.session.remove()
        db.engine.dispose()


def test_postgres_going_away_gives_try_again_and_the_app_recovers(
    private_postgres: PrivatePostgres, fresh_private_pg: str, tmp_path: Path
) -> None:
    app = make_app(fresh_private_pg, str(tmp_path / "instance"))
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
        statuses = {a.status for a in results.values()}
        assert statuses <= {200, 503}, statuses
        # After the outage the same server serves again, without a restart.
        retry = [v for v in voters if not results[v.partner_id].acknowledged]
        retried = cast_all(server.base_port, retry)
        # (303: already cast — a commit that went through as the connection broke.)
        assert {a.status for a in retried.values()} <= {200, 303}, retried
    assert_consistent(app, acknowledged_of(results, retried))
    with app.app_context():
        # In the end every voter voted, once.
        assert db.session.scalar(select(func.count()).select_from(RollMark)) == VOTERS
        db.session.remove()
        db.engine.dispose()


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


def test_a_full_disk_gives_a_clear_error_and_no_half_written_ballot(
    tiny_disk: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tiny_disk / 'full.db'}"
    app = make_app(url, str(tmp_path / "instance"))
    election_id, round_of = burst.seed(app, 6, real_partners=False)
    voters = burst.log_in(app, election_id, round_of)
    with app.app_context():
        db.engine.dispose()
    filler = fill(tiny_disk)
    client = app.test_client()
    answers = {}
    for voter in voters:
        client.set_cookie("session", voter.cookie)
        response = client.post(
            voter.path, data=voter.body, content_type="application/x-www-form-urlencoded"
        )
        answers[voter.partner_id] = answer_of(response.status_code, response.get_data(as_text=True))
    statuses = [a.status for a in answers.values()]
    assert 503 in statuses, statuses
    assert set(statuses) <= {200, 503}
    with app.app_context():
        db.engine.dispose()
    filler.unlink()
    acknowledged = acknowledged_of(answers)
    with app.app_context():
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    assert_consistent(app, acknowledged)


def test_a_read_only_database_gives_a_clear_error(sqlite_url: str, tmp_path: Path) -> None:
    app = make_app(sqlite_url, str(tmp_path / "instance"))
    election_id, round_of = burst.seed(app, 3, real_partners=False)
    voters = burst.log_in(app, election_id, round_of)
    path = sqlite_url.removeprefix("sqlite:///")

    ro_app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///file:{path}?mode=ro&uri=true",
            "SECRET_KEY": SECRET,
            "REQUIRE_2FA_FOR_STAFF": False,
            "INSTANCE_PATH": str(tmp_path / "instance"),
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
    assert_consistent(app, {})
