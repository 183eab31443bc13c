"""The LMS worker (``flask lms worker``): delivery that does not wait for web requests.

One long-running process sends the outbox: it sends what is due, then sleeps until
the next entry is due (a retry after a failure) — but never longer than its interval
(30 s by default), so an entry queued by any other process (a request, ``flask demo``,
a command) is sent within a minute of its commit. It may run beside any number of app
processes and their background senders: every sender claims an entry before sending
it (:func:`election.publishing.outbox.claim`), so an entry is posted once. Run it under
systemd (``docs/deploy.md``). Logs are in English, like every log of the app.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from flask import Flask

from election.db import utcnow
from election.extensions import db
from election.publishing import outbox, rules
from election.publishing.delivery import Outcome
from election.publishing.sender import send_now

log = logging.getLogger(__name__)


class Worker:
    """Sends the outbox until :meth:`stop`; ``on_outcome`` hears of every entry tried."""

    def __init__(
        self,
        app: Flask,
        *,
        interval: float = rules.WORKER_INTERVAL,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.app = app
        self.interval = interval
        self.on_outcome = on_outcome
        #: How many times it has looked at the outbox.
        self.looks = 0
        self._stopped = threading.Event()

    def stop(self) -> None:
        """End :meth:`run` (a signal handler, another thread); a run in progress ends first."""
        self._stopped.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def run_once(self) -> float:
        """Send what is due now; the seconds to sleep before the next look. Never raises:
        a failure is logged and tried again after the interval."""
        self.looks += 1
        with self.app.app_context():
            try:
                report = send_now(self.app)
                for outcome in report.outcomes:
                    log.info(
                        "LMS publication %s (%s, election %s): %s%s",
                        outcome.publication_id,
                        outcome.kind.value,
                        outcome.election_id,
                        outcome.action,
                        f" ({outcome.error.code})" if outcome.error is not None else "",
                    )
                    if self.on_outcome is not None:
                        self.on_outcome(outcome)
                progressed = any(o.ok for o in report.outcomes)
                due = outbox.next_due(db.session)
                db.session.rollback()  # end the read; nothing is held while sleeping
            except Exception:
                log.exception("LMS worker: sending failed; trying again in %.0f s", self.interval)
                return self.interval
        return rules.worker_sleep(due, utcnow(), self.interval, progressed=progressed)

    def run(self) -> None:
        """Send, sleep, send … until :meth:`stop`."""
        log.info("LMS worker started: looking at the outbox at least every %.0f s", self.interval)
        while not self._stopped.is_set():
            delay = self.run_once()
            self._stopped.wait(delay)
        log.info("LMS worker stopped")
