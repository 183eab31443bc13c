"""The mail outbox: every email the app sends is a row here first.

A row is written in the transaction of the action that decided to send it, so an email
exists exactly when the action committed. Deliverers (:mod:`election.mail.outbox`) take
rows with a lease before sending and mark them sent after, so a crash loses nothing and
two deliverers never send one row twice.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from election.db import Base, UTCDateTime, enum_type, utcnow


class MailStatus(enum.StrEnum):
    #: Waiting to be sent (or being sent: see ``next_attempt_at``).
    PENDING = "pending"
    SENT = "sent"
    #: Given up: the server refused it for good, or it failed too many times.
    FAILED = "failed"


class OutboxMail(Base):
    """One plain-text email to one address."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts"),
        CheckConstraint(
            "(status = 'sent' AND sent_at IS NOT NULL) OR (status <> 'sent' AND sent_at IS NULL)",
            name="sent_at",
        ),
        Index("ix_mail_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[MailStatus] = mapped_column(
        enum_type(MailStatus, "mail_status"), default=MailStatus.PENDING
    )
    #: A pending row is due once this is past. In the future it is a retry's time after a
    #: failure, or the lease of the deliverer sending it now (see ``lease``).
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The token of the deliverer that took the row last (random, one per delivery run).
    lease: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The last failure: the exception's class and the server's reply, in English.
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
