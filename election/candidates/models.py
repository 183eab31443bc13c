"""Candidates nominated in one group of one election."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from election.db import Base, UTCDateTime, enum_type, utcnow
from election.partners.models import Partner, PartnerGroup


class CandidateStatus(enum.StrEnum):
    NOMINATED = "nominated"
    VERIFIED = "verified"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


#: Statuses in which a person occupies a place on the list.
STANDING = (CandidateStatus.NOMINATED, CandidateStatus.VERIFIED)


class Candidate(Base):
    __tablename__ = "candidates"
    __table_args__ = (
        # One person cannot stand twice in one election (rejected or withdrawn
        # nominations do not count).
        Index(
            "uq_candidates_election_person",
            "election_id",
            "person_key",
            unique=True,
            sqlite_where=text("status IN ('nominated', 'verified')"),
            postgresql_where=text("status IN ('nominated', 'verified')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    group: Mapped[PartnerGroup] = mapped_column(enum_type(PartnerGroup, "partner_group"))
    full_name: Mapped[str] = mapped_column(String(200))
    #: Normalised full name (case, spaces, diacritics folded) identifying the person.
    person_key: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200))
    #: The Partner the candidate represents; always of the same group.
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    nominated_by_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    nominated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    statement: Mapped[str] = mapped_column(Text, default="")
    #: The nominating rep confirms holding the candidate's signed consent.
    consent_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_scan: Mapped[bytes | None] = mapped_column(LargeBinary)
    consent_scan_filename: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[CandidateStatus] = mapped_column(
        enum_type(CandidateStatus, "candidate_status"), default=CandidateStatus.NOMINATED
    )
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Nominated in supplementary nominations for a group's unfilled seats (dead end C).
    supplement_id: Mapped[int | None] = mapped_column(ForeignKey("supplements.id"))

    partner: Mapped[Partner] = relationship(foreign_keys=[partner_id])
    nominated_by_partner: Mapped[Partner | None] = relationship(
        foreign_keys=[nominated_by_partner_id]
    )

    @property
    def surname(self) -> str:
        return self.full_name.split()[-1] if self.full_name.split() else ""


class Supplement(Base):
    """Supplementary nominations for the seats a group left unfilled (fewer candidates
    than seats): reopened for that group only during voting, verified, published, then
    voted on in a round for the open seats (``election.council.supplementary``)."""

    __tablename__ = "supplements"
    __table_args__ = (
        # One unfinished supplement per group of an election.
        Index(
            "uq_supplements_unfinished",
            "election_id",
            "group",
            unique=True,
            sqlite_where=text("published_at IS NULL AND cancelled_at IS NULL"),
            postgresql_where=text("published_at IS NULL AND cancelled_at IS NULL"),
        ),
        CheckConstraint("seats >= 1", name="seats"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    group: Mapped[PartnerGroup] = mapped_column(enum_type(PartnerGroup, "partner_group"))
    #: The seats left open when the supplement was opened: what its round fills.
    seats: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: The round voting on the supplement's candidates (set when it is published).
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))

    @property
    def accepting(self) -> bool:
        """Nominations are accepted: neither published nor cancelled."""
        return self.published_at is None and self.cancelled_at is None
