"""``flask lms worker``: entries queued by any process reach Moodle without a web request."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from election.db import utcnow
from election.extensions import db
from election.publishing import cli
from election.publishing.models import Publication, PublicationStatus
from election.publishing.worker import Worker
from tests.factories.publishing import configure_lms, published_candidates_election
from tests.support.moodle import flask_process_env
from tests.support.web import ROOT


def wait_for(condition: Callable[[], bool], seconds: float = 60.0) -> bool:
    """Poll ``condition`` (a bound for a hung test, not a measure of speed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@contextmanager
def running(worker: Worker) -> Iterator[threading.Thread]:
    thread = threading.Thread(target=worker.run, name="test-lms-worker")
    thread.start()
    try:
        yield thread
    finally:
        worker.stop()
        thread.join(30)


def test_an_entry_committed_without_a_request_is_sent_by_the_worker(app, moodle):
    """A plain service call and a commit — a command, ``flask demo`` — and no request:
    the worker, already running and asleep, picks the entry up at its next look."""
    with app.app_context():
        configure_lms(moodle.url)
        db.session.commit()
    sent = []
    worker = Worker(app, interval=0.2, on_outcome=sent.append)

    with running(worker):
        assert wait_for(lambda: worker_has_slept(worker))
        with app.app_context():
            published_candidates_election()  # enqueue() inside, as the receiver does
            db.session.commit()
        assert wait_for(lambda: bool(moodle.discussions))

    assert [o.action for o in sent] == ["created"]
    with app.app_context():
        assert db.session.scalar(select(Publication.status)) == PublicationStatus.SENT


def worker_has_slept(worker: Worker) -> bool:
    return worker.looks >= 1


def test_two_workers_side_by_side_post_an_entry_once(app, moodle):
    with app.app_context():
        configure_lms(moodle.url)
        db.session.commit()
    workers = [Worker(app, interval=0.05), Worker(app, interval=0.05)]
    threads = []
    try:
        for worker in workers:
            thread = threading.Thread(target=worker.run)
            thread.start()
            threads.append(thread)
        with app.app_context():
            published_candidates_election()
            db.session.commit()
        assert wait_for(lambda: bool(moodle.discussions))
        assert wait_for(lambda: all(w.looks >= 3 for w in workers))
    finally:
        for worker in workers:
            worker.stop()
        for thread in threads:
            thread.join(30)

    assert len(moodle.calls("mod_forum_add_discussion")) == 1


def test_after_a_failure_the_worker_sleeps_until_the_retry_is_due(app, ctx, moodle):
    configure_lms(moodle.url)
    published_candidates_election()
    db.session.commit()
    moodle.stop()

    sleep = Worker(app, interval=600).run_once()

    publication = db.session.scalars(select(Publication)).one()
    db.session.refresh(publication)
    assert publication.status == PublicationStatus.FAILED
    until_retry = (publication.next_attempt_at - utcnow()).total_seconds()
    assert 0 < sleep <= 30 and abs(sleep - until_retry) < 5
    moodle.start()


def test_flask_lms_worker_runs_as_its_own_process_and_stops_on_sigterm(app, moodle):
    """The command itself, as systemd runs it: another process commits an entry; the
    worker process posts it; SIGTERM ends it cleanly. Its output is Polish."""
    with app.app_context():
        configure_lms(moodle.url)
        db.session.commit()
        url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = flask_process_env(url)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "flask"), "lms", "worker", "--interval", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with app.app_context():
            published_candidates_election()
            db.session.commit()
        delivered = wait_for(lambda: bool(moodle.discussions) or process.poll() is not None)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)

    assert delivered and moodle.discussions, err
    assert process.returncode == 0, err
    assert "Wysyłanie do Moodle: kolejka sprawdzana co najwyżej co 1 s." in out
    assert "lista kandydatów: opublikowano (kurs „Umowy SEKAP”)" in out
    assert "Zatrzymano wysyłanie do Moodle." in out
    # Logs: English, timestamped, on stderr, never mixed into the output.
    assert "LMS worker started" in err and "LMS worker started" not in out
    with app.app_context():
        assert db.session.scalar(select(Publication.status)) == PublicationStatus.SENT


def test_the_worker_prints_a_failure_that_repeats_only_once(app, runner, monkeypatch):
    """Not configured yet: every look fails the same way; the journal gets one line."""

    class ThreeLooks(Worker):
        def run_once(self) -> float:
            super().run_once()
            if self.looks >= 3:
                self.stop()
            return 0.01

    monkeypatch.setattr(cli, "Worker", ThreeLooks)
    with app.app_context():
        published_candidates_election()
        db.session.commit()

    result = runner.invoke(args=["lms", "worker", "--interval", "1"])

    assert result.exit_code == 0, result.output
    assert result.output.count("nie jest skonfigurowane") == 1
    assert result.output.endswith("Zatrzymano wysyłanie do Moodle.\n")
