"""Appointed members of the Council."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from election.db import Base, UTCDateTime, enum_type, utcnow


class AppointedSeat(enum.StrEnum):
    #: Representative of the Leader; chairs the Council.
    LEADER = "leader"
    SCSI = "scsi"


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        # One current holder per seat slot; a replacement supersedes the old row.
        Index(
            "uq_appointments_current_slot",
            "election_id",
            "seat",
            "slot",
            unique=True,
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
        CheckConstraint("slot >= 1", name="slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    seat: Mapped[AppointedSeat] = mapped_column(enum_type(AppointedSeat, "appointed_seat"))
    #: Which of the seat's places (1..leader_seats or 1..scsi_seats).
    slot: Mapped[int] = mapped_column(Integer)
    full_name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200))
    authority: Mapped[str] = mapped_column(String(200))
    document_ref: Mapped[str] = mapped_column(String(200))
    document_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
