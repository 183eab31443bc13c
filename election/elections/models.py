"""Elections of the Council, their Regulamin, motions, the frozen voter roll and the
public side of the ballot box's key."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from election.db import Base, UTCDateTime, enum_type, utcnow
from election.elections.rules import motion_adopted
from election.errors import N_, Conflict, WrongPhase
from election.partners.models import Partner, PartnerGroup


class Phase(enum.StrEnum):
    DRAFT = "draft"
    NOMINATIONS = "nominations"
    CANDIDATES_PUBLISHED = "candidates_published"
    VOTING = "voting"
    CLOSED = "closed"
    CERTIFIED = "certified"


PHASE_LABELS: dict[Phase, str] = {
    Phase.DRAFT: N_("projekt"),
    Phase.NOMINATIONS: N_("zgłaszanie kandydatów"),
    Phase.CANDIDATES_PUBLISHED: N_("lista kandydatów opublikowana"),
    Phase.VOTING: N_("głosowanie"),
    Phase.CLOSED: N_("głosowanie zakończone"),
    Phase.CERTIFIED: N_("wyniki zatwierdzone"),
}

#: The only moves an election can make, in order.
NEXT_PHASE: dict[Phase, Phase] = {
    Phase.DRAFT: Phase.NOMINATIONS,
    Phase.NOMINATIONS: Phase.CANDIDATES_PUBLISHED,
    Phase.CANDIDATES_PUBLISHED: Phase.VOTING,
    Phase.VOTING: Phase.CLOSED,
    Phase.CLOSED: Phase.CERTIFIED,
}


class TieRule(enum.StrEnum):
    RUNOFF_THEN_LOTS = "runoff_then_lots"
    LOTS = "lots"


class BallotOrder(enum.StrEnum):
    ALPHABETICAL = "alphabetical"
    SHUFFLED = "shuffled"


class MajorityRule(enum.StrEnum):
    #: More yes than no among the votes cast (abstentions do not count).
    SIMPLE = "simple"
    #: More yes than no and abstain together.
    ABSOLUTE = "absolute"


class Election(Base):
    __tablename__ = "elections"
    __table_args__ = (
        CheckConstraint("seats_gmina >= 0 AND seats_gmina <= 20", name="seats_gmina"),
        CheckConstraint("seats_powiat >= 0 AND seats_powiat <= 20", name="seats_powiat"),
        CheckConstraint("seats_miasto_npp >= 0 AND seats_miasto_npp <= 20", name="seats_miasto"),
        CheckConstraint("leader_seats >= 0 AND leader_seats <= 5", name="leader_seats"),
        CheckConstraint("scsi_seats >= 0 AND scsi_seats <= 5", name="scsi_seats"),
        # A Council's election fills every group and the Leader's seat; only a by-election
        # (which completes a certified Council) elects some seats and appoints none.
        CheckConstraint(
            "completes_id IS NOT NULL OR (seats_gmina >= 1 AND seats_powiat >= 1"
            " AND seats_miasto_npp >= 1 AND leader_seats >= 1)",
            name="council_seats",
        ),
        CheckConstraint(
            "completes_id IS NULL OR (leader_seats = 0 AND scsi_seats = 0)",
            name="by_election_elects",
        ),
        CheckConstraint(
            "quorum_percent IS NULL OR (quorum_percent >= 0 AND quorum_percent <= 100)",
            name="quorum_percent",
        ),
        CheckConstraint(
            "quorum_waived_from IS NULL OR (quorum_waived_from >= 2 AND quorum_waived_from <= 9)",
            name="quorum_waived_from",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: The Council's term, e.g. "2026–2030".
    term: Mapped[str] = mapped_column(String(60), default="")
    meeting_date: Mapped[dt.date | None] = mapped_column(Date)
    meeting_place: Mapped[str] = mapped_column(String(200), default="")
    seats_gmina: Mapped[int] = mapped_column(Integer, default=2)
    seats_powiat: Mapped[int] = mapped_column(Integer, default=2)
    seats_miasto_npp: Mapped[int] = mapped_column(Integer, default=2)
    #: Appointed by the Leader; the first of them chairs the Council.
    leader_seats: Mapped[int] = mapped_column(Integer, default=1)
    #: Appointed by the Director of ŚCSI.
    scsi_seats: Mapped[int] = mapped_column(Integer, default=2)
    secret: Mapped[bool] = mapped_column(Boolean, default=True)
    tie_rule: Mapped[TieRule] = mapped_column(
        enum_type(TieRule, "tie_rule"), default=TieRule.RUNOFF_THEN_LOTS
    )
    ballot_order: Mapped[BallotOrder] = mapped_column(
        enum_type(BallotOrder, "ballot_order"), default=BallotOrder.ALPHABETICAL
    )
    majority_rule: Mapped[MajorityRule] = mapped_column(
        enum_type(MajorityRule, "majority_rule"), default=MajorityRule.SIMPLE
    )
    #: Partners whose agreement was signed on or before this date may vote.
    cutoff_date: Mapped[dt.date] = mapped_column(Date)
    nomination_deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: Minimum turnout per group, as a share of the roll (from the Regulamin).
    quorum_percent: Mapped[int | None] = mapped_column(Integer)
    #: The Regulamin's way out of a quorum never met: from this attempt of a group's
    #: round on (2: the first repeat after a round without quorum) the quorum no longer
    #: applies. Empty: the quorum always applies (``tally/rules.py: quorum_met``).
    quorum_waived_from: Mapped[int | None] = mapped_column(Integer)
    phase: Mapped[Phase] = mapped_column(enum_type(Phase, "phase"), default=Phase.DRAFT)
    #: Secret part of the projector view's link; empty: the projector needs a login.
    projector_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    voting_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    certified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: A by-election: the certified election whose Council it completes (its seats are
    #: that Council's open seats of one group; ``election.council.term``).
    completes_id: Mapped[int | None] = mapped_column(ForeignKey("elections.id"), index=True)

    rules: Mapped[Rules | None] = relationship(back_populates="election", uselist=False)

    def seats_for(self, group: PartnerGroup) -> int:
        return {
            PartnerGroup.GMINA: self.seats_gmina,
            PartnerGroup.POWIAT: self.seats_powiat,
            PartnerGroup.MIASTO_NPP: self.seats_miasto_npp,
        }[group]

    @property
    def by_election(self) -> bool:
        """Whether this election completes a certified Council (``completes_id``)."""
        return self.completes_id is not None

    def elects(self, group: PartnerGroup) -> bool:
        """Whether the election has seats for ``group`` (a by-election elects one group)."""
        return self.seats_for(group) > 0

    @property
    def council_size(self) -> int:
        return (
            self.leader_seats
            + self.scsi_seats
            + self.seats_gmina
            + self.seats_powiat
            + self.seats_miasto_npp
        )

    # --- what the phase makes visible: the one place that says so ------------------------

    @property
    def settings_locked(self) -> bool:
        """Settings that shape the vote (and the voter roll) cannot change once voting starts."""
        return self.phase in (Phase.VOTING, Phase.CLOSED, Phase.CERTIFIED)

    @property
    def announced(self) -> bool:
        """Out of the draft: reps (to nominate) and the public see the election."""
        return self.phase is not Phase.DRAFT

    @property
    def candidates_public(self) -> bool:
        """The candidate list is published (and locked): anyone may read it."""
        return self.phase in (
            Phase.CANDIDATES_PUBLISHED,
            Phase.VOTING,
            Phase.CLOSED,
            Phase.CERTIFIED,
        )

    @property
    def voting_started(self) -> bool:
        """Rounds exist, ballots may have been cast: the voting pages list the election."""
        return self.settings_locked

    @property
    def results_public(self) -> bool:
        """Voting is over: the results and the Council so far are public."""
        return self.phase in (Phase.CLOSED, Phase.CERTIFIED)

    @property
    def certified(self) -> bool:
        """The Council is certified: the protocol exists, nothing changes any more."""
        return self.phase is Phase.CERTIFIED

    def advance_to(self, target: Phase) -> None:
        """Move to ``target`` if it is the next phase; raise :class:`WrongPhase` otherwise.

        Preconditions beyond the order (a published list, adopted Regulamin …) are the
        service's to check; this guards the order itself.
        """
        if NEXT_PHASE.get(self.phase) != target:
            raise WrongPhase(
                N_("Wybory są w fazie „%(current)s”; nie można przejść do fazy „%(target)s”."),
                current=PHASE_LABELS[self.phase],
                target=PHASE_LABELS[target],
            )
        self.phase = target

    def require_phase(self, *phases: Phase) -> None:
        if self.phase not in phases:
            raise WrongPhase(
                N_("Tej operacji nie można wykonać w fazie „%(current)s”."),
                current=PHASE_LABELS[self.phase],
            )


class RulesStatus(enum.StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ADOPTED = "adopted"
    REJECTED = "rejected"


RULES_STATUS_LABELS: dict[RulesStatus, str] = {
    RulesStatus.DRAFT: N_("projekt"),
    RulesStatus.SENT: N_("wysłany Partnerom"),
    RulesStatus.ADOPTED: N_("przyjęty"),
    RulesStatus.REJECTED: N_("odrzucony"),
}


class Rules(Base):
    """The Regulamin wyboru of one election: draft → sent → adopted or rejected (by a
    motion; a rejected one may change, goes back to draft and is sent again)."""

    __tablename__ = "rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    pdf_filename: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[RulesStatus] = mapped_column(
        enum_type(RulesStatus, "rules_status"), default=RulesStatus.DRAFT
    )
    sent_on: Mapped[dt.date | None] = mapped_column(Date)

    election: Mapped[Election] = relationship(back_populates="rules")

    def mark_sent(self, sent_on: dt.date) -> None:
        """draft → sent on ``sent_on``; :class:`Conflict` from any other status."""
        if self.status != RulesStatus.DRAFT:
            raise Conflict(
                N_("Regulamin ma status „%(status)s”; wysłać można tylko projekt."),
                status=RULES_STATUS_LABELS[self.status],
            )
        self.status = RulesStatus.SENT
        self.sent_on = sent_on

    def settle(self, adopted: bool) -> None:
        """The motion on it decided: adopted, or rejected (it may then change and go
        to a new motion)."""
        self.status = RulesStatus.ADOPTED if adopted else RulesStatus.REJECTED


class MotionStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class MotionChoice(enum.StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class Motion(Base):
    """A yes/no/abstain vote of the Partners present, e.g. approving the Regulamin."""

    __tablename__ = "motions"

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    #: "rules_approval" for the Regulamin; free for others.
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[MotionStatus] = mapped_column(
        enum_type(MotionStatus, "motion_status"), default=MotionStatus.OPEN
    )
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    yes: Mapped[int | None] = mapped_column(Integer)
    no: Mapped[int | None] = mapped_column(Integer)
    abstain: Mapped[int | None] = mapped_column(Integer)
    adopted: Mapped[bool | None] = mapped_column(Boolean)

    election: Mapped[Election] = relationship()

    def close(
        self, *, yes: int, no: int, abstain: int, rule: MajorityRule, now: dt.datetime
    ) -> None:
        """Record the count and whether the motion passes under ``rule``; closed.

        Raises :class:`Conflict` if it is closed already. The Regulamin the motion
        decides is the caller's to settle (:meth:`Rules.settle`).
        """
        if self.status != MotionStatus.OPEN:
            raise Conflict(N_("Głosowanie nad tą uchwałą jest już zamknięte."))
        self.yes, self.no, self.abstain = yes, no, abstain
        self.adopted = motion_adopted(yes, no, abstain, rule.value)
        self.status = MotionStatus.CLOSED
        self.closed_at = now


class Channel(enum.StrEnum):
    ONLINE = "online"
    PAPER = "paper"


class MotionVote(Base):
    """One Partner's vote on a motion (motions are voted openly)."""

    __tablename__ = "motion_votes"
    __table_args__ = (UniqueConstraint("motion_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    choice: Mapped[MotionChoice] = mapped_column(enum_type(MotionChoice, "motion_choice"))
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "channel"))
    cast_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    cast_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner] = relationship()


class RollEntry(Base):
    """One Partner on the frozen voter roll of an election (snapshot at entering voting)."""

    __tablename__ = "roll_entries"
    __table_args__ = (UniqueConstraint("election_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    group: Mapped[PartnerGroup] = mapped_column(enum_type(PartnerGroup, "partner_group"))
    #: Name and TERYT as they were when the roll was frozen.
    partner_name: Mapped[str] = mapped_column(String(200))
    teryt: Mapped[str] = mapped_column(String(7))

    partner: Mapped[Partner] = relationship()


class Custody(enum.StrEnum):
    """Who holds the key that decrypts a round's sums (``docs/ballot-box.md``)."""

    #: The app, in a file of its own in the instance folder, destroyed at certification.
    SERVER = "server"
    #: k of n tellers, each holding a Shamir share; nobody holds the whole key.
    TELLERS = "tellers"


class BallotBoxKey(Base):
    """The public side of an election's ballot-box key, chosen when voting starts.

    The secret never enters the database: in ``server`` custody it is a file in the
    instance folder; in ``tellers`` custody it was dealt as shares and never stored.
    """

    __tablename__ = "ballot_box_keys"
    __table_args__ = (
        CheckConstraint(
            "(custody = 'server' AND threshold IS NULL AND tellers IS NULL)"
            " OR (custody = 'tellers' AND threshold >= 1 AND tellers >= threshold"
            " AND tellers <= 9)",
            name="custody_shape",
        ),
    )

    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), primary_key=True)
    custody: Mapped[Custody] = mapped_column(enum_type(Custody, "custody"))
    #: Y = x·G, 32 bytes.
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    #: Tellers: k, the shares needed to count; n, the shares dealt.
    threshold: Mapped[int | None] = mapped_column(Integer)
    tellers: Mapped[int | None] = mapped_column(Integer)
    #: Tellers: Feldman commitments C_0…C_{k−1} (hex), C_0 = Y.
    commitments: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the secret was destroyed (server: the key file at certification; tellers:
    #: the last undelivered share). From then on nobody can decrypt a single ballot.
    destroyed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Teller(Base):
    """One holder of a share of the key, in ``tellers`` custody."""

    __tablename__ = "tellers"
    __table_args__ = (
        UniqueConstraint("election_id", "index"),
        CheckConstraint('"index" >= 1 AND "index" <= 9', name="index_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    #: i in f(i): the share's x coordinate.
    index: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    #: Y_i = x_i·G, 32 bytes: a share typed at counting is refused unless it matches.
    public_share: Mapped[bytes] = mapped_column(LargeBinary(32))
    #: Printed on the share sheet, so the teller can check a copy of the share.
    check_code: Mapped[str] = mapped_column(String(11))
    handed_out_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
