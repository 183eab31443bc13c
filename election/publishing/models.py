"""The LMS outbox and connection settings."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from election.db import Base, UTCDateTime, enum_type, utcnow


class PublicationKind(enum.StrEnum):
    CANDIDATES = "candidates"
    RESULTS = "results"


class PublicationStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class DeliveryAction(enum.StrEnum):
    """What a delivery did in Moodle."""

    CREATED = "created"
    UPDATED = "updated"
    #: Posted anew in the configured course: the post it had is in another course.
    MOVED = "moved"


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
    #: The last failure in Polish (logs, older rows); ``error_code`` and ``error_params``
    #: let a page or a command show it in the reader's language.
    last_error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(40))
    error_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    discussion_id: Mapped[int | None] = mapped_column(Integer)
    post_id: Mapped[int | None] = mapped_column(Integer)
    post_url: Mapped[str | None] = mapped_column(String(500))
    #: Where the discussion lives: checked before every update, so a post whose
    #: course was changed in the settings is posted anew in the new course.
    forum_id: Mapped[int | None] = mapped_column(Integer)
    course_id: Mapped[int | None] = mapped_column(Integer)
    course_name: Mapped[str | None] = mapped_column(String(255))
    #: The post left behind in the previous course when the course changed.
    moved_from_url: Mapped[str | None] = mapped_column(String(500))
    moved_from_course: Mapped[str | None] = mapped_column(String(255))
    last_action: Mapped[DeliveryAction | None] = mapped_column(
        enum_type(DeliveryAction, "delivery_action")
    )
    #: What changed in the published data since the post was sent (a short code, as in
    #: ``election.signals.published_data_changed``), until the update is sent.
    outdated_by: Mapped[str | None] = mapped_column(String(100))
    outdated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
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
