"""The LMS outbox and connection settings."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from election.db import Base, UTCDateTime, enum_type, utcnow


class PublicationKind(enum.StrEnum):
    CANDIDATES = "candidates"
    RESULTS = "results"


class PublicationStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Publication(Base):
    """One thing to publish to the course's news forum (an outbox entry)."""

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("election_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    kind: Mapped[PublicationKind] = mapped_column(enum_type(PublicationKind, "publication_kind"))
    status: Mapped[PublicationStatus] = mapped_column(
        enum_type(PublicationStatus, "publication_status"), default=PublicationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    discussion_id: Mapped[int | None] = mapped_column(Integer)
    post_id: Mapped[int | None] = mapped_column(Integer)
    post_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class LmsSettings(Base):
    """Connection to the Moodle course, set in the admin pages (one row)."""

    __tablename__ = "lms_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    base_url: Mapped[str] = mapped_column(String(300), default="")
    token: Mapped[str] = mapped_column(String(128), default="")
    #: Course shortname, or its numeric id.
    course: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
