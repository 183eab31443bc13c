"""Queueing emails in the outbox and delivering them over SMTP.

:func:`queue` writes the rows in the caller's transaction (nothing is sent if it rolls
back). :func:`deliver` sends due rows: it first takes them with a **lease** — one
``UPDATE`` that moves their ``next_attempt_at`` :data:`LEASE` into the future under a
random token, committed before anything is sent — so another deliverer (another app
process, ``flask mail worker``) leaves them alone; then it sends each and commits its
outcome at once. A deliverer that dies between the lease and the send frees the row
when the lease ends; the next one sends it. Only a death between the server's "250 OK"
and the commit of "sent" can repeat an email — the repeat carries the same
``Message-ID``, so mail programs show it once.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from election.db import random_id, utcnow
from election.mail.models import MailStatus, OutboxMail

log = logging.getLogger(__name__)

#: How long a deliverer holds the rows it took; one that died frees them then.
LEASE = dt.timedelta(minutes=5)
#: Waits after the 1st, 2nd … failure; the last one repeats.
BACKOFF = tuple(dt.timedelta(minutes=m) for m in (1, 2, 5, 15, 30, 60))
#: Failures after which a row is given up (``failed``; ``flask mail send --retry-failed``).
MAX_ATTEMPTS = 10
#: Rows one delivery run takes at most (a run repeats until nothing is due).
BATCH = 200
#: Seconds to wait for the mail server.
TIMEOUT = 10


@dataclass(frozen=True)
class Message:
    """One plain-text email."""

    to: str
    subject: str
    body: str


@dataclass
class Delivery:
    """What became of messages: the addresses sent to, and those that failed (for now)."""

    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def queue(session: Session, messages: Iterable[Message]) -> list[int]:
    """Add ``messages`` to the outbox in the caller's transaction; their row ids."""
    rows = [
        OutboxMail(to_address=m.to[:254], subject=m.subject[:300], body=m.body) for m in messages
    ]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next try of a row that failed ``attempts`` times (≥ 1)."""
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


def _due(now: dt.datetime) -> Any:
    return (OutboxMail.status == MailStatus.PENDING) & (OutboxMail.next_attempt_at <= now)


def take(
    session: Session, now: dt.datetime, *, ids: Sequence[int] | None = None, limit: int = BATCH
) -> str:
    """Lease up to ``limit`` due rows (only ``ids`` when given) to a new token; commits.

    The due condition is checked again by the ``UPDATE`` itself, so of two deliverers
    taking the same rows at once one gets them and the other none (PostgreSQL re-reads
    a row another transaction changed; SQLite runs one writer at a time).
    """
    token = random_id()
    pick = select(OutboxMail.id).where(_due(now))
    if ids is not None:
        pick = pick.where(OutboxMail.id.in_(list(ids)))
    pick = pick.order_by(OutboxMail.id).limit(limit)
    session.execute(
        update(OutboxMail)
        .where(OutboxMail.id.in_(pick.scalar_subquery()), _due(now))
        .values(next_attempt_at=now + LEASE, lease=token)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return token


def _sender_domain(config: Mapping[str, Any]) -> str:
    address = parseaddr(config.get("SMTP_SENDER") or "")[1]
    return address.rpartition("@")[2] or "localhost"


def _email(config: Mapping[str, Any], row: Any) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config["SMTP_SENDER"]
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    # The same id on every try of a row: a repeat after a crash is shown once.
    stamp = int(row.created_at.timestamp())
    message["Message-ID"] = f"<outbox.{row.id}.{stamp}@{_sender_domain(config)}>"
    message.set_content(row.body)
    return message


class _Server:
    """One SMTP connection, opened when first needed and reused for a delivery run."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=TIMEOUT)
        try:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Send ``message``; a dropped connection is opened again once."""
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                self._smtp.send_message(message)
                return
            except smtplib.SMTPServerDisconnected:
                self._smtp.close()
                self._smtp = None
                if attempt == 2:
                    raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


def permanent(exc: BaseException) -> bool:
    """Whether the server refused for good (a 5xx reply): trying again cannot help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def unreachable(exc: BaseException) -> bool:
    """Whether the failure is the server's, not the message's: the rest of the run
    would fail the same way (no connection, or the connection dropped)."""
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    # Every SMTP reply is an OSError too; only a bare socket error means no server.
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def _describe(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:300]


def _failed(
    session: Session,
    row_id: int,
    token: str,
    attempts: int,
    error: str,
    *,
    final: bool,
    now: dt.datetime,
) -> None:
    tries = attempts + 1
    given_up = final or tries >= MAX_ATTEMPTS
    session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == row_id, OutboxMail.lease == token)
        .values(
            attempts=tries,
            last_error=error,
            status=MailStatus.FAILED if given_up else MailStatus.PENDING,
            next_attempt_at=now + backoff(tries),
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _sent(session: Session, row_id: int, token: str, attempts: int) -> None:
    session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == row_id, OutboxMail.lease == token)
        .values(status=MailStatus.SENT, sent_at=utcnow(), attempts=attempts + 1, last_error=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def deliver(
    session: Session,
    config: Mapping[str, Any],
    *,
    ids: Sequence[int] | None = None,
    now: dt.datetime | None = None,
    delivery: Delivery | None = None,
) -> Delivery:
    """Send the due rows (only ``ids`` when given), committing each outcome; the result.

    Rows another deliverer holds, or not due yet, are skipped (in neither list). A row
    that fails is tried again after :func:`backoff`, up to :data:`MAX_ATTEMPTS` times; a
    permanent refusal gives it up at once. When the server cannot be reached, the rest
    of the run is not tried and counts as failed. Never raises for a mail failure; a
    database error rolls back and propagates.
    """
    delivery = delivery if delivery is not None else Delivery()
    now = now or utcnow()
    server = _Server(config)
    try:
        while True:
            token = take(session, now, ids=ids)
            rows = session.execute(
                select(
                    OutboxMail.id,
                    OutboxMail.to_address,
                    OutboxMail.subject,
                    OutboxMail.body,
                    OutboxMail.created_at,
                    OutboxMail.attempts,
                )
                .where(OutboxMail.lease == token, OutboxMail.status == MailStatus.PENDING)
                .order_by(OutboxMail.id)
            ).all()
            session.rollback()  # end the read: nothing is held while talking to the server
            if not rows:
                return delivery
            down: str | None = None
            for row in rows:
                if down is not None:
                    _failed(session, row.id, token, row.attempts, down, final=False, now=now)
                    delivery.failed.append(row.to_address)
                    continue
                try:
                    server.send(_email(config, row))
                except (OSError, smtplib.SMTPException) as exc:
                    log.warning("mail %s to %s failed: %s", row.id, row.to_address, _describe(exc))
                    if unreachable(exc):
                        down = _describe(exc)
                    _failed(
                        session,
                        row.id,
                        token,
                        row.attempts,
                        _describe(exc),
                        final=permanent(exc),
                        now=now,
                    )
                    delivery.failed.append(row.to_address)
                else:
                    _sent(session, row.id, token, row.attempts)
                    delivery.sent.append(row.to_address)
            if ids is not None or down is not None or len(rows) < BATCH:
                return delivery
    except BaseException:
        session.rollback()
        raise
    finally:
        server.close()


def retry_failed(session: Session, now: dt.datetime | None = None) -> int:
    """Put every given-up row back in the queue, due now; how many. Flushes."""
    result = session.execute(
        update(OutboxMail)
        .where(OutboxMail.status == MailStatus.FAILED)
        .values(status=MailStatus.PENDING, next_attempt_at=now or utcnow(), attempts=0)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def counts(session: Session) -> dict[MailStatus, int]:
    """Rows per status (every status a key)."""
    found = dict(
        session.execute(select(OutboxMail.status, func.count()).group_by(OutboxMail.status)).all()
    )
    return {status: found.get(status, 0) for status in MailStatus}


def unsent(session: Session, limit: int = 100) -> list[OutboxMail]:
    """Rows not sent (pending or given up), the oldest first."""
    return list(
        session.scalars(
            select(OutboxMail)
            .where(OutboxMail.status != MailStatus.SENT)
            .order_by(OutboxMail.id)
            .limit(limit)
        )
    )


def next_due(session: Session) -> dt.datetime | None:
    """When the earliest pending row is due (a retry, or a lease that ends), if any."""
    return session.scalar(
        select(func.min(OutboxMail.next_attempt_at)).where(OutboxMail.status == MailStatus.PENDING)
    )
