"""Appointed members of the Council; the Council of a certified election over its term:
recorded vacancies, mandates that ended, and the chair's right to record appointments."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from election.db import Base, UTCDateTime, enum_type, utcnow
from election.partners.models import PartnerGroup


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


class Council(Base):
    """The Council of one (non-by-) election: who may record its appointments, and its
    term once certified. A row appears when first needed."""

    __tablename__ = "councils"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on > starts_on", name="term_order"),
        CheckConstraint(
            "(starts_on IS NULL AND ends_on IS NULL) OR starts_on IS NOT NULL", name="term_start"
        ),
    )

    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), primary_key=True)
    #: The admin lets the meeting's chair record appointments (else only the admin).
    chair_appoints: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The term of office, set at certification; no end: until the next Council.
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)


class Vacancy(Base):
    """Seats of a group certified empty (fewer candidates than seats), named in the
    protocol and the public results, to be filled by a by-election."""

    __tablename__ = "vacancies"
    __table_args__ = (
        Index(
            "uq_vacancies_group",
            "election_id",
            "group",
            unique=True,
            sqlite_where=text("cancelled_at IS NULL"),
            postgresql_where=text("cancelled_at IS NULL"),
        ),
        CheckConstraint("seats >= 1", name="seats"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    group: Mapped[PartnerGroup] = mapped_column(enum_type(PartnerGroup, "partner_group"))
    seats: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Withdrawn before certification (e.g. supplementary nominations after all).
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class MandateEndReason(enum.StrEnum):
    RESIGNATION = "resignation"
    DEATH = "death"
    #: The Partner the member represents left the agreement.
    PARTNER_LEFT = "partner_left"
    #: The appointing body recalled its appointee (a replacement names the successor).
    RECALLED = "recalled"
    OTHER = "other"


class MandateEnd(Base):
    """The end of one member's mandate before the term ends: an elected member
    (``candidate_id``, of the Council's election or a by-election) or an appointed one."""

    __tablename__ = "mandate_ends"
    __table_args__ = (
        CheckConstraint("(candidate_id IS NULL) <> (appointment_id IS NULL)", name="one_member"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The Council's election (never a by-election).
    council_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id"), unique=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), unique=True)
    #: The first day the person is no longer a member.
    ended_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[MandateEndReason] = mapped_column(
        enum_type(MandateEndReason, "mandate_end_reason")
    )
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
