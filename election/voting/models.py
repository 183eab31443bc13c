"""Rounds, the per-round roll marks, and ballots.

A :class:`RollMark` records *that* a Partner voted (or was issued a paper ballot), never
how. In a secret election the ballot is an :class:`EncryptedBallot`: ciphertexts and
proofs only (``docs/ballot-box.md``) — nobody holding the database, a backup or its logs
can learn a choice from it, whatever order the rows were written in. In an open election
the ballot is a :class:`Ballot` with its :class:`BallotChoice` rows and its Partner.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from election.candidates.models import Candidate
from election.db import Base, RandomId, UTCDateTime, enum_type, random_id
from election.elections.models import Channel
from election.errors import N_, Conflict, RoundClosed, ValidationFailed
from election.partners.models import Partner, PartnerGroup


class RoundStatus(enum.StrEnum):
    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"
    #: Annulled with a reason before it was counted: it takes no ballots, its ballots are
    #: never counted, a new round of the group replaces it.
    ANNULLED = "annulled"


class Round(Base):
    """One ballot round of one group (round 2+ only for ties)."""

    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("election_id", "group", "number"),
        CheckConstraint("seats >= 1", name="seats"),
        CheckConstraint("number >= 1", name="number"),
        # Paper ballots entered after the box is opened never outnumber those issued.
        CheckConstraint(
            "paper_entered >= 0 AND paper_entered <= paper_issued", name="paper_entered"
        ),
        # An annulled round says when and why; no other round has an annulment.
        CheckConstraint(
            "(status = 'annulled' AND annulled_at IS NOT NULL AND annulment_reason IS NOT NULL)"
            " OR (status != 'annulled' AND annulled_at IS NULL AND annulment_reason IS NULL)",
            name="annulment",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    group: Mapped[PartnerGroup] = mapped_column(enum_type(PartnerGroup, "partner_group"))
    number: Mapped[int] = mapped_column(Integer, default=1)
    #: Seats this round fills (for a runoff, the seats still open).
    seats: Mapped[int] = mapped_column(Integer)
    status: Mapped[RoundStatus] = mapped_column(
        enum_type(RoundStatus, "round_status"), default=RoundStatus.PENDING
    )
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: The opening check: ballots and roll marks found when the round opened (must be 0).
    opening_ballots: Mapped[int | None] = mapped_column(Integer)
    opening_marks: Mapped[int | None] = mapped_column(Integer)
    #: SHA-256 over the sorted ballots at closing; recorded in the audit chain.
    ballots_digest: Mapped[str | None] = mapped_column(String(64))
    #: Secret elections: paper ballots issued to Partners in the room (roll marks on
    #: paper) and paper ballots entered, without a name, after the box was opened.
    paper_issued: Mapped[int] = mapped_column(Integer, default=0)
    paper_entered: Mapped[int] = mapped_column(Integer, default=0)
    #: When counting began (the box opened): no paper ballot may be entered after it.
    box_opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: When the tally stored the round's count (or found it invalid).
    counted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: When and why the chair annulled the round (before it was counted).
    annulled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    annulment_reason: Mapped[str | None] = mapped_column(String(500))
    #: When the chair plans to close the round (shown with a countdown). A plan only:
    #: it never closes the round; the chair does.
    planned_close_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    candidates: Mapped[list[Candidate]] = relationship(
        secondary="round_candidates", order_by="Candidate.full_name"
    )

    def open(
        self, now: dt.datetime, *, ballots: int, marks: int, another_open: bool = False
    ) -> None:
        """pending → open, after the opening check: the round starts empty.

        ``ballots`` and ``marks`` are counted from the database (never assumed) and
        kept in the round; ``another_open`` says whether another round of the group is
        open. Raises :class:`Conflict` (already open, another round open, not empty),
        :class:`RoundClosed` (closed rounds never reopen) or :class:`ValidationFailed`
        (no candidates); nothing changes then.
        """
        if self.status == RoundStatus.OPEN:
            raise Conflict(N_("Ta tura jest już otwarta."))
        if self.status == RoundStatus.CLOSED:
            raise RoundClosed(N_("Ta tura została już zamknięta; nie można jej ponownie otworzyć."))
        if self.status == RoundStatus.ANNULLED:
            raise RoundClosed(N_("Ta tura została unieważniona; nie można jej otworzyć."))
        if another_open:
            raise Conflict(N_("W tej grupie trwa już inna tura głosowania."))
        if not self.candidates:
            raise ValidationFailed(N_("Tura nie ma kandydatów; nie można jej otworzyć."))
        if ballots or marks:
            raise Conflict(
                N_(
                    "Kontrola otwarcia nie powiodła się: w turze są już karty (%(ballots)s)"
                    " lub oznaczenia w spisie (%(marks)s)."
                ),
                ballots=ballots,
                marks=marks,
            )
        self.status = RoundStatus.OPEN
        self.opened_at = now
        self.opening_ballots = ballots
        self.opening_marks = marks

    def close(self, now: dt.datetime) -> None:
        """open → closed: no more ballots. Raises :class:`Conflict` for a round not yet
        opened, :class:`RoundClosed` for one already closed."""
        if self.status == RoundStatus.PENDING:
            raise Conflict(N_("Ta tura nie została jeszcze otwarta."))
        if self.status == RoundStatus.CLOSED:
            raise RoundClosed(N_("Ta tura została już zamknięta."))
        if self.status == RoundStatus.ANNULLED:
            raise RoundClosed(N_("Ta tura została unieważniona."))
        self.status = RoundStatus.CLOSED
        self.closed_at = now

    def open_box(self, now: dt.datetime) -> None:
        """closed → counting: the box is opened and takes no more paper ballots.

        Raises :class:`Conflict` for a round that is not closed or whose box is open."""
        if self.status != RoundStatus.CLOSED:
            raise Conflict(N_("Turę można policzyć dopiero po jej zamknięciu."))
        if self.box_opened_at is not None:
            raise Conflict(N_("Urna tej tury została już otwarta."))
        self.box_opened_at = now

    def mark_counted(self, now: dt.datetime) -> None:
        """The tally stored the round's count: the round is counted, for good."""
        if self.counted_at is not None:
            raise Conflict(N_("Ta tura została już policzona."))
        if self.box_opened_at is None:
            self.box_opened_at = now
        self.counted_at = now

    def annul(self, now: dt.datetime, reason: str) -> RoundStatus:
        """pending, open, or closed but not counted → annulled, for ``reason``; returns the
        status it had. Its ballots stay where they are and are never counted.

        Raises :class:`Conflict` for a round counted already (its result stands) or
        annulled already; nothing changes then.
        """
        if self.status == RoundStatus.ANNULLED:
            raise Conflict(N_("Ta tura została już unieważniona."))
        if self.counted_at is not None:
            raise Conflict(N_("Ta tura została już policzona; jej wyniku nie można unieważnić."))
        was = self.status
        self.status = RoundStatus.ANNULLED
        self.annulled_at = now
        self.annulment_reason = reason
        return was

    def plan_close(self, now: dt.datetime, when: dt.datetime | None) -> None:
        """Set (or, with ``None``, clear) the planned closing time of a pending or open
        round. Raises :class:`Conflict` for a round closed or annulled, and
        :class:`ValidationFailed` for a time not after ``now``; nothing changes then."""
        if self.status not in (RoundStatus.PENDING, RoundStatus.OPEN):
            raise Conflict(
                N_(
                    "Planowane zamknięcie można ustawić tylko dla tury oczekującej na otwarcie"
                    " albo otwartej; ta tura jest już zamknięta lub unieważniona."
                )
            )
        if when is not None and when <= now:
            raise ValidationFailed(
                N_("Ta godzina już minęła; planowane zamknięcie musi być w przyszłości.")
            )
        self.planned_close_at = when

    @property
    def counted(self) -> bool:
        return self.counted_at is not None

    @property
    def annulled(self) -> bool:
        return self.status == RoundStatus.ANNULLED

    def require_open(self) -> None:
        """Raise :class:`RoundClosed`, saying why, unless the round takes ballots now."""
        if self.status == RoundStatus.PENDING:
            raise RoundClosed(N_("Głosowanie w tej turze jeszcze się nie rozpoczęło."))
        if self.status == RoundStatus.CLOSED:
            raise RoundClosed(N_("Ta tura została zamknięta; nie można już głosować."))
        if self.status != RoundStatus.OPEN:
            raise RoundClosed(
                N_("Ta tura została unieważniona; głosuje się w turze, która ją zastąpiła.")
            )


class RoundCandidate(Base):
    __tablename__ = "round_candidates"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), primary_key=True)


class RollMark(Base):
    """That a Partner on the roll voted in a round — once, by the unique constraint."""

    __tablename__ = "roll_marks"
    __table_args__ = (UniqueConstraint("round_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "channel"))
    #: The rep who cast online, or the chair who entered the paper ballot.
    cast_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    voted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    partner: Mapped[Partner] = relationship()


class Ballot(Base):
    """One Partner's choices in one round."""

    __tablename__ = "ballots"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(RandomId, primary_key=True, default=random_id)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    #: Readable code the voter keeps to check the ballot was counted.
    receipt: Mapped[str] = mapped_column(String(12), unique=True)
    #: Only in open mode; always empty in a secret election.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))

    choices: Mapped[list[BallotChoice]] = relationship(
        cascade="all, delete-orphan", order_by="BallotChoice.candidate_id"
    )


class BallotChoice(Base):
    """One candidate marked on a ballot; the key makes choices distinct."""

    __tablename__ = "ballot_choices"
    __table_args__ = ({"sqlite_with_rowid": False},)

    ballot_id: Mapped[str] = mapped_column(ForeignKey("ballots.id"), primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id"), primary_key=True, index=True
    )


#: One position of an encrypted ballot: A, B and the 0/1 proof (c₀, c₁, z₀, z₁).
POSITION_BYTES = 6 * 32


class EncryptedBallot(Base):
    """One ballot of a secret election: what it says is encrypted, and nothing names its
    voter — a random id, the round, the tracking code and the ciphertexts with proofs.

    Positions: the blank indicator first, then the round's candidates by id.
    """

    __tablename__ = "encrypted_ballots"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(RandomId, primary_key=True, default=random_id)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    #: The receipt: SHA-256 over the ballot, ``ABCDE-FGHIJ`` (Crockford base 32).
    tracking_code: Mapped[str] = mapped_column(String(11), unique=True)
    #: Every position's 192 bytes (A, B, c₀, c₁, z₀, z₁), one after the other.
    ciphertexts: Mapped[bytes] = mapped_column(LargeBinary)
    #: The ballot proof: ``seats`` challenges, then ``seats`` responses, 32 bytes each.
    proof: Mapped[bytes] = mapped_column(LargeBinary)

    def positions(self) -> list[tuple[bytes, bytes, bytes, bytes, bytes, bytes]]:
        """The ciphertexts split per position: (A, B, c₀, c₁, z₀, z₁)."""
        raw = self.ciphertexts
        return [
            tuple(raw[i + 32 * k : i + 32 * (k + 1)] for k in range(6))  # type: ignore[misc]
            for i in range(0, len(raw), POSITION_BYTES)
        ]

    def proof_parts(self) -> list[bytes]:
        return [self.proof[i : i + 32] for i in range(0, len(self.proof), 32)]
