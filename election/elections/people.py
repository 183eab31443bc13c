"""The people at the meeting: which Partners are present (:class:`Attendance`) and who
votes for a Partner on its authorisation (:class:`Authorisation`, pełnomocnictwo).

Models only; the services are :mod:`election.elections.attendance` and
:mod:`election.elections.authorisations`.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from election.db import Base, UTCDateTime, enum_type, utcnow
from election.errors import N_
from election.partners.models import Partner


class AttendanceMode(enum.StrEnum):
    #: In the meeting room (votes on paper or on a device in the room).
    ROOM = "room"
    #: Taking part online.
    ONLINE = "online"


ATTENDANCE_LABELS: dict[AttendanceMode, str] = {
    AttendanceMode.ROOM: N_("na sali"),
    AttendanceMode.ONLINE: N_("online"),
}


class Attendance(Base):
    """A Partner present at the meeting of an election, in the room or online.

    No row: not present. The chair records it (``attendance.marked`` in the audit log).
    """

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("election_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    mode: Mapped[AttendanceMode] = mapped_column(enum_type(AttendanceMode, "attendance_mode"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuthorisationStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"


AUTHORISATION_LABELS: dict[AuthorisationStatus, str] = {
    AuthorisationStatus.SUBMITTED: N_("czeka na sprawdzenie"),
    AuthorisationStatus.VERIFIED: N_("zweryfikowane"),
    AuthorisationStatus.REJECTED: N_("odrzucone"),
}


class Authorisation(Base):
    """A Partner's authorisation of a person to act for it at an election (pełnomocnictwo).

    Recorded by the Partner's representative or the admin with a scan of the signed
    document; verified or rejected by the admin or the chair. A verified one gives the
    person an account of a representative of that Partner, valid only from
    ``valid_from`` to ``valid_until`` (``User.valid_from``/``valid_until``): the Partner
    still casts one ballot per round, whoever of its representatives casts it.
    """

    __tablename__ = "authorisations"
    __table_args__ = (
        CheckConstraint("valid_from <= valid_until", name="dates"),
        CheckConstraint(
            "(status = 'submitted' AND decided_at IS NULL)"
            " OR (status <> 'submitted' AND decided_at IS NOT NULL)",
            name="decided",
        ),
        CheckConstraint("status <> 'rejected' OR rejection_reason IS NOT NULL", name="reason"),
        CheckConstraint("status <> 'verified' OR user_id IS NOT NULL", name="account"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    #: The authorised person.
    full_name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    #: The days (Warsaw) the authorisation is valid, both included.
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    #: The signed document: PDF, JPEG or PNG, checked by its content (``election.scans``).
    scan: Mapped[bytes] = mapped_column(LargeBinary)
    scan_filename: Mapped[str] = mapped_column(String(200))
    status: Mapped[AuthorisationStatus] = mapped_column(
        enum_type(AuthorisationStatus, "authorisation_status"),
        default=AuthorisationStatus.SUBMITTED,
    )
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    #: The representative's account the verification gave (or found) for the person.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    partner: Mapped[Partner] = relationship()
