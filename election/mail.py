"""Sending email over SMTP — always after the transaction that decided it commits."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from election.transaction import after_commit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """One plain-text email."""

    to: str
    subject: str
    body: str


@dataclass
class Delivery:
    """What became of the messages of one action; filled in once the action has committed."""

    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def send_mail(config: dict[str, Any], to: str, subject: str, body: str) -> None:
    """Send one plain-text message; raises ``OSError``/``smtplib.SMTPException`` on failure."""
    message = EmailMessage()
    message["From"] = config["SMTP_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(message)


def send_after_commit(
    session: Session,
    messages: Sequence[Message] | Callable[[], Sequence[Message]],
    delivery: Delivery | None = None,
) -> Delivery:
    """Send ``messages`` once ``session``'s transaction commits; nothing if it rolls back.

    ``messages`` may be a function, called after the commit, for messages that need
    what the action wrote (a new user's id in a link). The returned :class:`Delivery`
    tells the caller, after the edge returns, who was sent a message and who was not;
    a failure is logged, never raised (the action is committed).
    """
    delivery = delivery if delivery is not None else Delivery()

    def effect() -> None:
        config = current_app.config
        for message in messages() if callable(messages) else messages:
            try:
                send_mail(config, message.to, message.subject, message.body)
            except (OSError, smtplib.SMTPException) as exc:
                log.warning("mail to %s failed: %s", message.to, exc.__class__.__name__)
                delivery.failed.append(message.to)
            else:
                delivery.sent.append(message.to)

    after_commit(session, effect)
    return delivery
