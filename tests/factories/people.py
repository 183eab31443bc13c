"""Builders for the people in the room: attendance, authorisations, the mail outbox."""

from __future__ import annotations

import datetime as dt
import re
from email.header import decode_header, make_header
from email.message import Message as Email
from typing import Any

from sqlalchemy import select

from election.elections.people import (
    Attendance,
    AttendanceMode,
    Authorisation,
    AuthorisationStatus,
)
from election.elections.rules import WARSAW
from election.extensions import db
from election.mail.models import MailStatus, OutboxMail

#: A scan that passes the content check: the PDF magic and a trailer.
SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
#: The password link in an invitation.
LINK_RE = re.compile(r"https?://[^/\s]+(/password/[^\s]+)")


def make_attendance(election: Any, partner: Any, mode: str = "room") -> Attendance:
    row = Attendance(election_id=election.id, partner_id=partner.id, mode=AttendanceMode(mode))
    db.session.add(row)
    db.session.flush()
    return row


def make_authorisation(
    election: Any,
    partner: Any,
    *,
    full_name: str = "Halina Pełnomocna",
    email: str = "pelnomocnik@example.pl",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    status: str = "submitted",
) -> Authorisation:
    """An authorisation as a representative records it (not verified); valid today
    (Warsaw) unless the days are given."""
    today = dt.datetime.now(WARSAW).date()
    valid_from, valid_until = valid_from or today, valid_until or today
    row = Authorisation(
        election_id=election.id,
        partner_id=partner.id,
        full_name=full_name,
        position="Sekretarz",
        email=email,
        valid_from=valid_from,
        valid_until=valid_until,
        scan=SCAN,
        scan_filename="pelnomocnictwo.pdf",
        status=AuthorisationStatus(status),
    )
    db.session.add(row)
    db.session.flush()
    return row


def password_path(message: Email) -> str:
    """The path of the password link an email carries."""
    body = message.get_payload(decode=True).decode()
    match = LINK_RE.search(body)
    assert match, body
    return match.group(1)


def subject(message: Email) -> str:
    """The message's subject, decoded (Polish letters are encoded in the header)."""
    return str(make_header(decode_header(message["Subject"])))


def outbox_statuses() -> list[MailStatus]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMail.status).order_by(OutboxMail.id)))
