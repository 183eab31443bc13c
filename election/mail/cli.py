"""``flask mail``: the mail outbox from the command line — its state, sending what is
due (for cron) and the worker that keeps sending (for systemd). ``docs/deploy.md``.

Output is Polish; ``--lang en`` or ``LANG=en_…`` makes it English. The worker's log
lines are English, on stderr, with a timestamp.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from election.db import utcnow
from election.extensions import db
from election.i18n import local_datetime, localized_command
from election.mail import outbox
from election.mail.models import MailStatus

mail_cli = AppGroup("mail", help="Wiadomości e-mail: kolejka do wysłania.")

#: How often the worker looks for new rows at least (seconds).
WORKER_INTERVAL = 30.0

log = logging.getLogger("election.mail.worker")


def _send_due() -> outbox.Delivery:
    return outbox.deliver(db.session, current_app.config)


@mail_cli.command("send")
@click.option(
    "--retry-failed",
    is_flag=True,
    help="Najpierw przywróć do kolejki wiadomości, których wysyłania zaniechano.",
)
@localized_command
def send_command(retry_failed: bool) -> None:
    """Wyślij teraz wiadomości, które czekają (po awarii, po przerwanym procesie).

    Kończy się kodem 1, gdy którejś nie udało się wysłać (zostaje w kolejce).
    """
    if retry_failed:
        restored = outbox.retry_failed(db.session)
        db.session.commit()
        click.echo(_("Przywrócono do kolejki: %(n)s.", n=restored))
    delivery = _send_due()
    if not delivery.sent and not delivery.failed:
        click.echo(_("Nie ma nic do wysłania."))
        return
    click.echo(
        _(
            "Wysłano: %(sent)s, nie udało się: %(failed)s.",
            sent=len(delivery.sent),
            failed=len(delivery.failed),
        )
    )
    if delivery.failed:
        raise SystemExit(1)


@mail_cli.command("status")
@localized_command
def status_command() -> None:
    """Wypisz, ile wiadomości wysłano, ile czeka, i te, których nie wysłano."""
    counts = outbox.counts(db.session)
    click.echo(
        _(
            "Wysłane: %(sent)s, czekające: %(pending)s, zaniechane: %(failed)s.",
            sent=counts[MailStatus.SENT],
            pending=counts[MailStatus.PENDING],
            failed=counts[MailStatus.FAILED],
        )
    )
    for row in outbox.unsent(db.session):
        state = _("zaniechana") if row.status == MailStatus.FAILED else _("czeka")
        line = _(
            "#%(id)s do %(to)s (%(state)s), próby: %(attempts)s, następna: %(when)s",
            id=row.id,
            to=row.to_address,
            state=state,
            attempts=row.attempts,
            when=local_datetime(row.next_attempt_at) if row.status == MailStatus.PENDING else "—",
        )
        click.echo(line)
        if row.last_error:
            click.echo(f"    {_('Błąd:')} {row.last_error}")


class Worker:
    """Sends the outbox until :meth:`stop`: what is due, then sleeps until the next row
    is due, but never longer than ``interval``."""

    def __init__(self, interval: float = WORKER_INTERVAL) -> None:
        self.interval = interval
        self._stopped = threading.Event()

    def stop(self, *_args: Any) -> None:
        self._stopped.set()

    def run_once(self) -> float:
        """One look at the outbox; the seconds to sleep. Never raises."""
        try:
            delivery = _send_due()
            if delivery.sent or delivery.failed:
                log.info("mail sent: %s, failed: %s", len(delivery.sent), len(delivery.failed))
            due = outbox.next_due(db.session)
            db.session.rollback()
        except Exception:
            log.exception("mail worker: delivery failed; trying again in %.0f s", self.interval)
            db.session.rollback()
            return self.interval
        if due is None:
            return self.interval
        return max(1.0, min(self.interval, (due - utcnow()).total_seconds()))

    def run(self) -> None:
        log.info("mail worker started: looking at the outbox at least every %.0f s", self.interval)
        while not self._stopped.is_set():
            self._stopped.wait(self.run_once())
        log.info("mail worker stopped")


@mail_cli.command("worker")
@click.option(
    "--interval",
    type=click.FloatRange(min=1.0),
    default=WORKER_INTERVAL,
    show_default=True,
    help="Najdłuższa przerwa między sprawdzeniami kolejki (sekundy).",
)
def worker_command(interval: float) -> None:
    """Wysyłaj wiadomości z kolejki, aż do zatrzymania (SIGTERM, Ctrl+C)."""
    logger = logging.getLogger("election")
    if not (logging.getLogger().handlers or logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    worker = Worker(interval)
    signal.signal(signal.SIGTERM, worker.stop)
    try:
        worker.run()
    except KeyboardInterrupt:
        worker.stop()


def init_app(app: Any) -> None:
    app.cli.add_command(mail_cli)
