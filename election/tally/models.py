"""The stored count of a closed round and the drawing of lots."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from election.candidates.models import Candidate
from election.db import Base, UTCDateTime, utcnow


class RoundTally(Base):
    """Totals of a closed round."""

    __tablename__ = "round_tallies"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    roll: Mapped[int] = mapped_column(Integer)
    ballots: Mapped[int] = mapped_column(Integer)
    online: Mapped[int] = mapped_column(Integer)
    paper: Mapped[int] = mapped_column(Integer)
    #: Blank ballots; unknown (NULL) for a secret round that was never decrypted.
    blank: Mapped[int | None] = mapped_column(Integer)
    #: False when turnout is below the election's quorum: the round must be repeated.
    valid: Mapped[bool] = mapped_column(Boolean)
    #: Candidates tied across the last seat (ids), empty when none.
    tied: Mapped[list[int]] = mapped_column(JSON, default=list)
    seats_filled: Mapped[int] = mapped_column(Integer)
    counted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CandidateResult(Base):
    __tablename__ = "candidate_results"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), primary_key=True)
    votes: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    elected: Mapped[bool] = mapped_column(Boolean)

    candidate: Mapped[Candidate] = relationship()


#: ``LotDraw.drawn_by`` of a draw the app made with a published seed.
SYSTEM_DRAW = "system"


class LotDraw(Base):
    """Drawing of lots settling a tie that persisted after the runoff."""

    __tablename__ = "lot_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), unique=True)
    #: Who drew (a person in the room), or :data:`SYSTEM_DRAW` for a seeded draw.
    drawn_by: Mapped[str] = mapped_column(String(200))
    #: Seed of an app-made draw, published so anyone can reproduce it.
    seed: Mapped[str | None] = mapped_column(String(64))
    #: Candidate ids that won the lots, in order.
    winners: Mapped[list[int]] = mapped_column(JSON)
    #: Tied candidates who had withdrawn before the draw: never drawn
    #: (``tally/rules.py: seeded_draw``).
    withdrawn: Mapped[list[int]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoundAggregate(Base):
    """The homomorphic sum of one position over a secret round's ballots: (ΣA, ΣB)."""

    __tablename__ = "round_aggregates"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    #: 0: the blank indicator; 1…m: the round's candidates by id.
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    sum_a: Mapped[bytes] = mapped_column(LargeBinary(32))
    sum_b: Mapped[bytes] = mapped_column(LargeBinary(32))


class DecryptionShare(Base):
    """D = x·ΣA of one position by one key holder, with its Chaum–Pedersen proof (a, b, z).

    Public: it reveals the count of the position (once enough shares exist) and nothing
    about any single ballot.
    """

    __tablename__ = "decryption_shares"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: "server", or the teller's index.
    holder: Mapped[str] = mapped_column(String(8), primary_key=True)
    d: Mapped[bytes] = mapped_column(LargeBinary(32))
    a: Mapped[bytes] = mapped_column(LargeBinary(32))
    b: Mapped[bytes] = mapped_column(LargeBinary(32))
    z: Mapped[bytes] = mapped_column(LargeBinary(32))
