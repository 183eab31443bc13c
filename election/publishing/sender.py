"""The background sender: posts the outbox to the LMS in a thread of this process.

:func:`init_app` gives the app one :class:`BackgroundSender`. An entry queued by a
request wakes it after the commit (:func:`election.publishing.outbox.wake_sender`, an
after-commit effect of :func:`~election.publishing.outbox.enqueue`); the request does
not wait for Moodle. A failed entry is retried when due by a timer, and a periodic
sweep sends what other processes queued (``flask demo``, a command, a process that
stopped) — both only while ``LMS_AUTO_RETRY`` is on (default: on, off in tests).
``LMS_BACKGROUND = False`` turns the thread off: entries then wait for the worker
(``flask lms worker``, :mod:`election.publishing.worker`), the admin page or
``flask lms publish``. The worker and any number of app processes may send side by
side: an entry is claimed before it is sent.
"""

from __future__ import annotations

import logging
import threading
from functools import partial
from typing import Any

from flask import Flask, has_request_context

from election import transaction
from election.db import utcnow
from election.extensions import db
from election.publishing import delivery, outbox
from election.publishing.client import DEFAULT_TIMEOUT, MoodleClient
from election.publishing.settings import LmsConfig, effective_config

log = logging.getLogger(__name__)


def client_factory(app: Flask) -> delivery.ClientFactory:
    """Clients with the app's timeout (``LMS_TIMEOUT``, seconds or (connect, read))."""
    timeout = app.config.get("LMS_TIMEOUT") or DEFAULT_TIMEOUT

    def make(config: LmsConfig) -> MoodleClient:
        return MoodleClient(config.base_url, config.token, timeout=timeout)

    return make


def send_now(app: Flask, **kwargs: Any) -> delivery.SendReport:
    """Send due entries in the current app context, committing as it goes.

    Keyword arguments go to :func:`~election.publishing.delivery.send_due` (``force``,
    ``election_id``, ``actor``). An unexpected error rolls back and propagates.
    """
    try:
        return delivery.send_due(
            db.session,
            client_factory(app),
            utcnow(),
            env=app.config,
            commit=partial(transaction.commit, db.session),
            **kwargs,
        )
    except Exception:
        db.session.rollback()
        raise


class BackgroundSender:
    """Sends due entries in a thread of this process; one thread at a time.

    :meth:`kick` starts a run; while a run is in progress a new kick makes it run once
    more, so nothing queued meanwhile waits for the next one. Whatever happens to this
    process, unsent entries stay in the database for the next sender.
    """

    #: How often the outbox is checked for entries queued by other processes.
    SWEEP_SECONDS = 300.0
    #: The first check, soon after the app starts (a restart picks up what was left).
    FIRST_SWEEP_SECONDS = 30.0

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._again = False
        self._thread: threading.Thread | None = None
        #: The retry of the earliest failed entry, when due.
        self._timer: threading.Timer | None = None
        #: The next sweep; ``None`` when not sweeping.
        self._sweep_timer: threading.Timer | None = None
        self._sweeping = False

    @property
    def automatic(self) -> bool:
        """Retries and sweeps run by themselves (``LMS_AUTO_RETRY``; off in tests)."""
        return bool(self.app.config.get("LMS_AUTO_RETRY", not self.app.testing))

    def wake(self) -> None:
        """After a request's commit that queued an entry: send it in the background.

        Only in a request (a command's process ends with its command; what it queued
        is sent by the sweep or ``flask lms publish``), with ``LMS_BACKGROUND`` on and
        the connection configured. Never raises: the request's answer must not depend
        on publishing.
        """
        if not has_request_context() or not self.app.config.get("LMS_BACKGROUND", True):
            return
        try:
            if effective_config(db.session, self.app.config).complete:
                self.kick()
        except Exception:
            log.exception("could not start LMS sending")

    def kick(self) -> None:
        """Start a run in the background (or have the current one run once more)."""
        with self._lock:
            self._again = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lms-outbox", daemon=True)
                self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        """Wait until no run is in progress (tests, shutdown)."""
        while True:
            with self._lock:
                thread = self._thread
            if thread is None:
                return
            thread.join(timeout)
            if timeout is not None and thread.is_alive():
                return

    def start(self) -> None:
        """Sweep the outbox soon, then every :attr:`SWEEP_SECONDS`."""
        with self._lock:
            self._sweeping = True
        self._schedule_sweep(self.FIRST_SWEEP_SECONDS)

    def stop(self) -> None:
        """Cancel the retry and the sweeps (tests, shutdown); a run in progress ends."""
        with self._lock:
            self._sweeping = False
            for timer in (self._timer, self._sweep_timer):
                if timer is not None:
                    timer.cancel()
            self._timer = self._sweep_timer = None

    def sweep(self) -> None:
        """Send what is due though nobody in this process queued it; sweep again later."""
        try:
            with self.app.app_context():
                due = effective_config(db.session, self.app.config).complete and bool(
                    outbox.due_ids(db.session, utcnow())
                )
            if due and self.app.config.get("LMS_BACKGROUND", True):
                self.kick()
        except Exception:
            log.exception("LMS outbox sweep failed")
        finally:
            self._schedule_sweep(self.SWEEP_SECONDS)

    def _schedule_sweep(self, delay: float) -> None:
        with self._lock:
            if not self._sweeping:
                return
            if self._sweep_timer is not None:
                self._sweep_timer.cancel()
            self._sweep_timer = threading.Timer(delay, self.sweep)
            self._sweep_timer.daemon = True
            self._sweep_timer.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._again:
                    self._thread = None
                    return
                self._again = False
            try:
                with self.app.app_context():
                    report = send_now(self.app)
                    for outcome in report.outcomes:
                        log.info(
                            "LMS publication %s (%s): %s",
                            outcome.publication_id,
                            outcome.kind.value,
                            outcome.action,
                        )
                    self._schedule_retry()
            except Exception:
                log.exception("LMS background sending failed")

    def _schedule_retry(self) -> None:
        if not self.automatic:
            return
        due = outbox.next_due(db.session)
        db.session.rollback()
        if due is None:
            return
        delay = max((due - utcnow()).total_seconds(), 1.0)
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(delay, self.kick)
            self._timer.daemon = True
            self._timer.start()


def init_app(app: Flask) -> None:
    """Give ``app`` its background sender; start the sweeps unless they are off."""
    sender = BackgroundSender(app)
    app.extensions[outbox.SENDER] = sender
    if sender.automatic and app.config.get("LMS_BACKGROUND", True):
        sender.start()
