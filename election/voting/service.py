"""Rounds, casting ballots (online and on paper), turnout and receipts.

Every function takes the session (and an :class:`Actor` when it changes something),
checks, changes, records the audit event and flushes; the caller commits once.

Secret ballot: in a secret election the :class:`Ballot` row gets a random id, a random
receipt and nothing else that names the voter; the :class:`RollMark` records *that*
the Partner voted. The audit event of a vote names the Partner and the channel, never
the ballot, its receipt or its choices. Ballots are always read in the order of their
random id, so no listing reveals the order in which they were cast.

Locking: a vote reads its round ``FOR SHARE`` and opening or closing reads it ``FOR
UPDATE`` (PostgreSQL; on SQLite every write transaction already holds the database's
write lock), so no ballot is committed into a round that is being closed after its
digest was taken. Operations on several rounds lock all of them first, before the
audit chain's lock, so they cannot deadlock with votes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from election.audit.service import Actor, record
from election.auth.models import Role, User
from election.candidates.models import Candidate, CandidateStatus
from election.candidates.rules import polish_sort_key
from election.db import random_code, utcnow
from election.elections import service as elections
from election.elections.models import (
    BallotOrder,
    Channel,
    Election,
    Phase,
    RollEntry,
)
from election.errors import (
    N_,
    AlreadyVoted,
    Conflict,
    Forbidden,
    NotEligible,
    NotFound,
    RoundClosed,
    ValidationFailed,
)
from election.partners.models import Partner, PartnerGroup
from election.voting import rules
from election.voting.models import (
    Ballot,
    BallotChoice,
    RollMark,
    Round,
    RoundCandidate,
    RoundStatus,
)

GROUPS = (PartnerGroup.GMINA, PartnerGroup.POWIAT, PartnerGroup.MIASTO_NPP)

#: Shown to every rep of a Partner that has voted, and to the chair entering paper.
ALREADY_VOTED = N_("Ten Partner już oddał głos w tej turze.")


# --- reading ------------------------------------------------------------------------------


def get_round(session: Session, round_id: int, election_id: int | None = None) -> Round:
    """The round (of ``election_id`` when given), or :class:`NotFound`."""
    round_ = session.get(Round, round_id)
    if round_ is None or (election_id is not None and round_.election_id != election_id):
        raise NotFound(N_("Nie ma takiej tury głosowania."))
    return round_


def rounds_of(session: Session, election: Election) -> list[Round]:
    """All rounds of the election, by group (gminy, powiaty, miasta) and number."""
    found = session.scalars(select(Round).where(Round.election_id == election.id)).all()
    return sorted(found, key=lambda r: (GROUPS.index(r.group), r.number))


def rounds_by_group(session: Session, election: Election) -> dict[PartnerGroup, list[Round]]:
    grouped: dict[PartnerGroup, list[Round]] = {group: [] for group in GROUPS}
    for round_ in rounds_of(session, election):
        grouped[round_.group].append(round_)
    return grouped


def latest_round(session: Session, election: Election, group: PartnerGroup) -> Round | None:
    """The group's round with the highest number (the one in progress or the last one)."""
    return session.scalar(
        select(Round)
        .where(Round.election_id == election.id, Round.group == group)
        .order_by(Round.number.desc())
        .limit(1)
    )


def ballot_candidates(round_: Round) -> list[Candidate]:
    """The round's candidates in the Polish alphabetical order of their surnames."""
    return sorted(round_.candidates, key=lambda c: polish_sort_key(c.full_name))


def ballot_for(election: Election, round_: Round, user_id: int) -> list[Candidate]:
    """The candidates in the order this voter sees them.

    Alphabetical, or shuffled per voter when the election says so — stable for the
    voter (seeded by round and user), so the confirmation page and a reload agree.
    """
    ordered = ballot_candidates(round_)
    if election.ballot_order == BallotOrder.SHUFFLED:
        return rules.shuffled_for(ordered, f"ballot:{round_.id}:{user_id}")
    return ordered


def roll_entry(
    session: Session, election_id: int, partner_id: int, group: PartnerGroup
) -> RollEntry | None:
    """The Partner's entry on the frozen roll, only if it is in ``group``."""
    entry = elections.is_on_roll(session, election_id, partner_id)
    return entry if entry is not None and entry.group == group else None


def mark_of(session: Session, round_: Round, partner_id: int) -> RollMark | None:
    """The mark that the Partner voted in the round (when, how, by whom), if it did."""
    return session.scalar(
        select(RollMark).where(RollMark.round_id == round_.id, RollMark.partner_id == partner_id)
    )


@dataclass(frozen=True)
class Voter:
    """A Partner that voted in a round — never how."""

    partner_id: int
    partner_name: str
    teryt: str
    channel: Channel
    voted_at: dt.datetime
    cast_by: str


def voters(session: Session, round_: Round) -> list[Voter]:
    """The Partners that voted in the round, by name (as on the frozen roll)."""
    election_id = round_.election_id
    rows = session.execute(
        select(RollMark, RollEntry, User)
        .join(
            RollEntry,
            (RollEntry.partner_id == RollMark.partner_id) & (RollEntry.election_id == election_id),
        )
        .join(User, User.id == RollMark.cast_by_id)
        .where(RollMark.round_id == round_.id)
        .order_by(RollEntry.partner_name, RollEntry.teryt)
    ).all()
    return [
        Voter(
            partner_id=mark.partner_id,
            partner_name=entry.partner_name,
            teryt=entry.teryt,
            channel=mark.channel,
            voted_at=mark.voted_at,
            cast_by=user.full_name,
        )
        for mark, entry, user in rows
    ]


def not_voted(session: Session, round_: Round) -> list[RollEntry]:
    """The roll of the round's group without the Partners that voted, by name."""
    voted = select(RollMark.partner_id).where(RollMark.round_id == round_.id)
    return list(
        session.scalars(
            select(RollEntry)
            .where(
                RollEntry.election_id == round_.election_id,
                RollEntry.group == round_.group,
                RollEntry.partner_id.not_in(voted),
            )
            .order_by(RollEntry.partner_name, RollEntry.teryt)
        )
    )


@dataclass(frozen=True)
class Turnout:
    """Turnout of one group: Partners on the roll, and those that voted (online, paper)."""

    roll: int
    voted: int
    online: int
    paper: int

    @property
    def percent(self) -> float:
        return round(100 * self.voted / self.roll, 1) if self.roll else 0.0


def round_turnout(session: Session, round_: Round) -> Turnout:
    roll = session.scalar(
        select(func.count())
        .select_from(RollEntry)
        .where(RollEntry.election_id == round_.election_id, RollEntry.group == round_.group)
    )
    by_channel = dict(
        session.execute(
            select(RollMark.channel, func.count())
            .where(RollMark.round_id == round_.id)
            .group_by(RollMark.channel)
        ).all()
    )
    online = by_channel.get(Channel.ONLINE, 0)
    paper = by_channel.get(Channel.PAPER, 0)
    return Turnout(roll=roll or 0, voted=online + paper, online=online, paper=paper)


def turnout(session: Session, election: Election) -> dict[PartnerGroup, Turnout]:
    """Turnout per group in the group's latest round (zero before there is a round).

    Every group is in the result. Counts come from the roll marks, so they say who
    voted and never how.
    """
    rolls = dict(
        session.execute(
            select(RollEntry.group, func.count())
            .where(RollEntry.election_id == election.id)
            .group_by(RollEntry.group)
        ).all()
    )
    latest = {r.group: r for r in rounds_of(session, election)}  # sorted: last number wins
    marks: dict[tuple[int, Channel], int] = {}
    if latest:
        for round_id, channel, n in session.execute(
            select(RollMark.round_id, RollMark.channel, func.count())
            .where(RollMark.round_id.in_([r.id for r in latest.values()]))
            .group_by(RollMark.round_id, RollMark.channel)
        ):
            marks[(round_id, channel)] = n
    result: dict[PartnerGroup, Turnout] = {}
    for group in GROUPS:
        round_ = latest.get(group)
        online = marks.get((round_.id, Channel.ONLINE), 0) if round_ else 0
        paper = marks.get((round_.id, Channel.PAPER), 0) if round_ else 0
        result[group] = Turnout(
            roll=rolls.get(group, 0), voted=online + paper, online=online, paper=paper
        )
    return result


def ballots_of(session: Session, round_: Round) -> list[Ballot]:
    """The round's ballots with their choices, in the order of their random id."""
    return list(
        session.scalars(
            select(Ballot)
            .where(Ballot.round_id == round_.id)
            .options(selectinload(Ballot.choices))
            .order_by(Ballot.id)
        )
    )


def round_digest(session: Session, round_: Round) -> str:
    """SHA-256 over the round's ballots as stored now (see :func:`rules.ballot_digest`)."""
    ballots: dict[str, list[int]] = {}
    rows = session.execute(
        select(Ballot.id, BallotChoice.candidate_id)
        .outerjoin(BallotChoice, BallotChoice.ballot_id == Ballot.id)
        .where(Ballot.round_id == round_.id)
        .order_by(Ballot.id, BallotChoice.candidate_id)
    )
    for ballot_id, candidate_id in rows:
        choices = ballots.setdefault(ballot_id, [])
        if candidate_id is not None:
            choices.append(candidate_id)
    return rules.ballot_digest(ballots.items())


def _count(session: Session, model: type[Ballot] | type[RollMark], round_: Round) -> int:
    return (
        session.scalar(select(func.count()).select_from(model).where(model.round_id == round_.id))
        or 0
    )


# --- rounds -------------------------------------------------------------------------------


def _lock(session: Session, round_: Round, *, shared: bool = False) -> Round:
    """Re-read the round under a row lock (``FOR SHARE`` or ``FOR UPDATE``) and return it.

    SQLite ignores the clause; its write transactions are serialised anyway.
    """
    return session.scalars(
        select(Round)
        .where(Round.id == round_.id)
        .with_for_update(read=shared)
        .execution_options(populate_existing=True)
    ).one()


def _require_voting(election: Election) -> None:
    election.require_phase(Phase.VOTING)


def create_rounds(session: Session, actor: Actor, election: Election) -> list[Round]:
    """Round 1 of every group that has none yet, pending, with the group's candidates.

    The round gets the group's verified candidates and ``election.seats_for(group)``
    seats. A group without verified candidates gets no round (nothing to vote on).
    Idempotent: returns only the rounds created now.
    """
    _require_voting(election)
    existing = {r.group for r in rounds_of(session, election)}
    created: list[Round] = []
    for group in GROUPS:
        if group in existing:
            continue
        candidates = list(
            session.scalars(
                select(Candidate).where(
                    Candidate.election_id == election.id,
                    Candidate.group == group,
                    Candidate.status == CandidateStatus.VERIFIED,
                )
            )
        )
        if not candidates:
            continue
        candidates.sort(key=lambda c: polish_sort_key(c.full_name))
        round_ = Round(
            election_id=election.id,
            group=group,
            number=1,
            seats=election.seats_for(group),
            status=RoundStatus.PENDING,
        )
        round_.candidates = candidates
        session.add(round_)
        try:
            session.flush()
        except IntegrityError as exc:  # another chair created it at the same moment
            raise Conflict(
                N_("Tury głosowania właśnie zostały utworzone. Odśwież stronę.")
            ) from exc
        record(
            session,
            actor,
            "round.created",
            round_,
            election_id=election.id,
            group=group.value,
            number=1,
            seats=round_.seats,
            candidates=[c.id for c in candidates],
        )
        created.append(round_)
    return created


def _open(session: Session, actor: Actor, election: Election, round_: Round) -> Round:
    if round_.status == RoundStatus.OPEN:
        raise Conflict(N_("Ta tura jest już otwarta."))
    if round_.status == RoundStatus.CLOSED:
        raise RoundClosed(N_("Ta tura została już zamknięta; nie można jej ponownie otworzyć."))
    other_open = session.scalar(
        select(Round.id).where(
            Round.election_id == round_.election_id,
            Round.group == round_.group,
            Round.status == RoundStatus.OPEN,
            Round.id != round_.id,
        )
    )
    if other_open is not None:
        raise Conflict(N_("W tej grupie trwa już inna tura głosowania."))
    if not round_.candidates:
        raise ValidationFailed(N_("Tura nie ma kandydatów; nie można jej otworzyć."))
    # The opening check: a round starts empty. Counted from the database, not assumed.
    ballots = _count(session, Ballot, round_)
    marks = _count(session, RollMark, round_)
    if ballots or marks:
        raise Conflict(
            N_(
                "Kontrola otwarcia nie powiodła się: w turze są już karty (%(ballots)s)"
                " lub oznaczenia w spisie (%(marks)s)."
            ),
            ballots=ballots,
            marks=marks,
        )
    round_.status = RoundStatus.OPEN
    round_.opened_at = utcnow()
    round_.opening_ballots = ballots
    round_.opening_marks = marks
    roll = round_turnout(session, round_).roll
    record(
        session,
        actor,
        "round.opened",
        round_,
        election_id=election.id,
        group=round_.group.value,
        number=round_.number,
        seats=round_.seats,
        candidates=[c.id for c in round_.candidates],
        roll=roll,
        opening_ballots=ballots,
        opening_marks=marks,
    )
    return round_


def _require_open_allowed(session: Session, election: Election) -> None:
    _require_voting(election)
    if not elections.rules_adopted(session, election):
        raise Conflict(N_("Regulamin nie został jeszcze przyjęty; głosowania nie można otworzyć."))


def open_round(session: Session, actor: Actor, round_: Round) -> Round:
    """Open a pending round: the election votes and its Regulamin is adopted.

    Records the opening check (ballots and roll marks found, which must be 0) in the
    round and in the audit event. Raises :class:`WrongPhase`, :class:`Conflict` or
    :class:`RoundClosed`.
    """
    election = session.get_one(Election, round_.election_id)
    _require_open_allowed(session, election)
    round_ = _lock(session, round_)
    opened = _open(session, actor, election, round_)
    session.flush()
    return opened


def open_all(session: Session, actor: Actor, election: Election) -> list[Round]:
    """Create the missing first rounds, then open every pending round of the election."""
    _require_open_allowed(session, election)
    create_rounds(session, actor, election)
    pending = [r for r in rounds_of(session, election) if r.status == RoundStatus.PENDING]
    locked = [_lock(session, r) for r in pending]  # all locks before the audit chain's
    opened = [_open(session, actor, election, r) for r in locked if r.status == RoundStatus.PENDING]
    session.flush()
    return opened


def _reseal(session: Session, round_: Round) -> None:
    """Rewrite the round's ballots in the closing transaction, in the order of their id.

    On PostgreSQL a row keeps the id of the transaction that wrote it (``xmin``) and
    its place in the table file; a ballot written in the same transaction as its roll
    mark could be matched to the mark by either, and ``pg_dump`` copies rows in file
    order. Written again here, every ballot of the round carries the closing
    transaction's id and lies in the order of its random id. Content is unchanged (the
    caller checks the digest). On SQLite, whose ballot tables are WITHOUT ROWID, this
    changes nothing.
    """
    in_round = select(Ballot.id).where(Ballot.round_id == round_.id)
    ballots = [
        dict(row._mapping)
        for row in session.execute(
            select(Ballot.id, Ballot.round_id, Ballot.receipt, Ballot.partner_id)
            .where(Ballot.round_id == round_.id)
            .order_by(Ballot.id)
        )
    ]
    if not ballots:
        return
    choices = [
        dict(row._mapping)
        for row in session.execute(
            select(BallotChoice.ballot_id, BallotChoice.candidate_id)
            .where(BallotChoice.ballot_id.in_(in_round))
            .order_by(BallotChoice.ballot_id, BallotChoice.candidate_id)
        )
    ]
    # Core statements: the rows come back identical, so objects already loaded in the
    # session stay true.
    session.execute(delete(BallotChoice.__table__).where(BallotChoice.ballot_id.in_(in_round)))
    session.execute(delete(Ballot.__table__).where(Ballot.round_id == round_.id))
    session.execute(insert(Ballot.__table__), ballots)
    if choices:
        session.execute(insert(BallotChoice.__table__), choices)


def _close(session: Session, actor: Actor, round_: Round) -> Round:
    if round_.status == RoundStatus.PENDING:
        raise Conflict(N_("Ta tura nie została jeszcze otwarta."))
    if round_.status == RoundStatus.CLOSED:
        raise RoundClosed(N_("Ta tura została już zamknięta."))
    round_.status = RoundStatus.CLOSED
    round_.closed_at = utcnow()
    session.flush()
    digest = round_digest(session, round_)
    _reseal(session, round_)
    if round_digest(session, round_) != digest:  # never expected: refuse to close
        raise Conflict(N_("Kontrola zamknięcia nie powiodła się: karty zmieniły się."))
    round_.ballots_digest = digest
    ballots = _count(session, Ballot, round_)
    counts = round_turnout(session, round_)
    record(
        session,
        actor,
        "round.closed",
        round_,
        election_id=round_.election_id,
        group=round_.group.value,
        number=round_.number,
        ballots=ballots,
        marks=counts.voted,
        online=counts.online,
        paper=counts.paper,
        roll=counts.roll,
        ballots_digest=round_.ballots_digest,
    )
    # Counting is the tally's; here, so close_round and close_all both count.
    from election.tally import service as tally_service

    tally_service.count_round(session, actor, round_)
    return round_


def close_round(session: Session, actor: Actor, round_: Round) -> Round:
    """Close an open round: no more ballots; the digest of its ballots is recorded.

    The digest (:func:`round_digest`) goes into the round and the audit event, so the
    count can later be checked against the ballots as they were at closing. The round
    is then counted (:func:`election.tally.service.count_round`) in the same transaction.
    """
    round_ = _lock(session, round_)
    closed = _close(session, actor, round_)
    session.flush()
    return closed


def close_all(session: Session, actor: Actor, election: Election) -> list[Round]:
    """Close every open round of the election."""
    open_rounds = [r for r in rounds_of(session, election) if r.status == RoundStatus.OPEN]
    locked = [_lock(session, r) for r in open_rounds]
    closed = [_close(session, actor, r) for r in locked if r.status == RoundStatus.OPEN]
    session.flush()
    return closed


# --- casting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A ballot that passed every check, ready to be written (or shown for confirmation)."""

    election: Election
    round: Round
    entry: RollEntry
    choices: list[int]


def _check_ballot(
    session: Session,
    round_: Round,
    partner_id: int,
    candidate_ids: Sequence[int],
    *,
    lock: bool,
) -> Checked:
    """Every check of a ballot, in the order a voter would want to hear about them."""
    if lock:
        round_ = _lock(session, round_, shared=True)
    if round_.status == RoundStatus.PENDING:
        raise RoundClosed(N_("Głosowanie w tej turze jeszcze się nie rozpoczęło."))
    if round_.status == RoundStatus.CLOSED:
        raise RoundClosed(N_("Ta tura została zamknięta; nie można już głosować."))
    election = session.get_one(Election, round_.election_id)
    _require_voting(election)
    entry = roll_entry(session, election.id, partner_id, round_.group)
    if entry is None:
        raise NotEligible(
            N_("Ten Partner nie jest w spisie uprawnionych do głosowania w tej turze.")
        )
    if mark_of(session, round_, partner_id) is not None:
        raise AlreadyVoted(ALREADY_VOTED)
    allowed = set(
        session.scalars(
            select(RoundCandidate.candidate_id).where(RoundCandidate.round_id == round_.id)
        )
    )
    choices = rules.validate_choices(list(candidate_ids), allowed, round_.seats)
    return Checked(election=election, round=round_, entry=entry, choices=choices)


def _require_rep(user: User) -> int:
    if user.role != Role.PARTNER_REP or user.partner_id is None:
        raise NotEligible(N_("Głosować może tylko przedstawiciel Partnera."))
    return user.partner_id


def preview_ballot(
    session: Session, user: User, round_: Round, candidate_ids: Sequence[int]
) -> list[Candidate]:
    """Check a rep's ballot without writing it; the chosen candidates, for confirmation."""
    checked = _check_ballot(session, round_, _require_rep(user), candidate_ids, lock=False)
    by_id = {c.id: c for c in round_.candidates}
    return [by_id[c] for c in checked.choices]


def _new_receipt(session: Session) -> str:
    while True:
        code = random_code(rules.RECEIPT_LENGTH)
        if session.scalar(select(Ballot.id).where(Ballot.receipt == code)) is None:
            return code


def _record_ballot(
    session: Session,
    actor: Actor,
    round_: Round,
    *,
    partner_id: int,
    cast_by: User,
    channel: Channel,
    candidate_ids: Sequence[int],
) -> str:
    """The one path of every ballot: check, mark the roll, then write the ballot.

    The roll mark goes first, in a savepoint: its unique constraint (round, Partner)
    decides a race between two reps or two clicks before any ballot row exists, and
    the loser gets :class:`AlreadyVoted` with nothing written. Mark and ballot are
    committed together by the caller.
    """
    checked = _check_ballot(session, round_, partner_id, candidate_ids, lock=True)
    round_, election, entry = checked.round, checked.election, checked.entry

    mark = RollMark(
        round_id=round_.id,
        partner_id=partner_id,
        channel=channel,
        cast_by_id=cast_by.id,
        voted_at=utcnow(),
    )
    savepoint = session.begin_nested()
    try:
        session.add(mark)
        session.flush()
    except IntegrityError as exc:
        savepoint.rollback()
        raise AlreadyVoted(ALREADY_VOTED) from exc
    savepoint.commit()

    receipt = _new_receipt(session)
    ballot = Ballot(
        round_id=round_.id,
        receipt=receipt,
        # The link to the Partner exists only when the election is open.
        partner_id=None if election.secret else partner_id,
    )
    ballot.choices = [BallotChoice(candidate_id=c) for c in sorted(checked.choices)]
    session.add(ballot)
    try:
        session.flush()
    except IntegrityError as exc:  # a receipt taken by a concurrent ballot: vanishingly rare
        raise Conflict(N_("Nie udało się zapisać głosu. Spróbuj ponownie.")) from exc

    details: dict[str, object] = {
        "election_id": election.id,
        "group": round_.group.value,
        "number": round_.number,
        "partner_id": partner_id,
        "teryt": entry.teryt,
        "channel": channel.value,
        "cast_by_id": cast_by.id,
    }
    if not election.secret:
        # Open ballot: who voted for whom is public anyway.
        details.update(receipt=receipt, candidates=sorted(checked.choices))
    record(session, actor, "ballot.cast", round_, **details)
    return receipt


def cast_ballot(
    session: Session, actor: Actor, user: User, round_: Round, candidate_ids: Sequence[int]
) -> str:
    """Cast the ballot of ``user``'s Partner online; returns the receipt code.

    Raises :class:`NotEligible` (not a rep, Partner not on the round's roll),
    :class:`RoundClosed` (round not open), :class:`AlreadyVoted`, :class:`ValidationFailed`
    (choices) or :class:`WrongPhase`. Nothing is written when it raises.
    """
    partner_id = _require_rep(user)
    return _record_ballot(
        session,
        actor,
        round_,
        partner_id=partner_id,
        cast_by=user,
        channel=Channel.ONLINE,
        candidate_ids=candidate_ids,
    )


def record_paper_ballot(
    session: Session,
    actor: Actor,
    chair: User,
    round_: Round,
    partner_id: int,
    candidate_ids: Sequence[int],
) -> str:
    """Record the paper ballot of a Partner present in the room; returns the receipt.

    Same checks and the same one-ballot rule as online; marked as paper in the roll
    and in the audit event.
    """
    if chair.role not in (Role.CHAIR, Role.ADMIN):
        raise Forbidden(N_("Karty papierowe wprowadza przewodniczący zebrania."))
    if session.get(Partner, partner_id) is None:
        raise NotFound(N_("Nie ma takiego Partnera."))
    return _record_ballot(
        session,
        actor,
        round_,
        partner_id=partner_id,
        cast_by=chair,
        channel=Channel.PAPER,
        candidate_ids=candidate_ids,
    )


# --- receipts -------------------------------------------------------------------------------


def _closed_rounds(session: Session, election: Election) -> list[Round]:
    return [r for r in rounds_of(session, election) if r.status == RoundStatus.CLOSED]


def receipts(session: Session, election: Election) -> dict[PartnerGroup, list[str]]:
    """Receipt codes of the counted ballots (closed rounds) per group, sorted.

    Raises :class:`NotFound` while no round is closed.
    """
    closed = _closed_rounds(session, election)
    if not closed:
        raise NotFound(N_("Lista pokwitowań będzie dostępna po zamknięciu pierwszej tury."))
    result: dict[PartnerGroup, list[str]] = {group: [] for group in GROUPS}
    rows = session.execute(
        select(Round.group, Ballot.receipt)
        .join(Round, Round.id == Ballot.round_id)
        .where(Round.id.in_([r.id for r in closed]))
        .order_by(Ballot.receipt)
    )
    for group, code in rows:
        result[group].append(code)
    return result


@dataclass(frozen=True)
class PublicBallot:
    """A counted ballot as the public sees it: in secret mode only where it was counted."""

    receipt: str
    group: PartnerGroup
    round_number: int
    #: Open mode only: the Partner and the names chosen (empty list: a blank ballot).
    partner_name: str | None = None
    candidates: tuple[str, ...] | None = None


def _public(session: Session, election: Election, ballots: Sequence[Ballot]) -> list[PublicBallot]:
    rounds = {r.id: r for r in rounds_of(session, election)}
    names: dict[int, str] = {}
    partners: dict[int, str] = {}
    if not election.secret:
        names = dict(
            session.execute(
                select(Candidate.id, Candidate.full_name).where(
                    Candidate.election_id == election.id
                )
            ).all()
        )
        partners = dict(
            session.execute(
                select(RollEntry.partner_id, RollEntry.partner_name).where(
                    RollEntry.election_id == election.id
                )
            ).all()
        )
    result = []
    for ballot in ballots:
        round_ = rounds[ballot.round_id]
        if election.secret:
            result.append(PublicBallot(ballot.receipt, round_.group, round_.number))
            continue
        chosen = sorted((names[c.candidate_id] for c in ballot.choices), key=polish_sort_key)
        result.append(
            PublicBallot(
                ballot.receipt,
                round_.group,
                round_.number,
                partner_name=partners.get(ballot.partner_id or 0),
                candidates=tuple(chosen),
            )
        )
    return result


def public_ballots(session: Session, election: Election) -> list[PublicBallot]:
    """Counted ballots of closed rounds by group, round and receipt.

    In a secret election only the receipts; in an open one also the Partner and the
    choices. Raises :class:`NotFound` while no round is closed.
    """
    closed = _closed_rounds(session, election)
    if not closed:
        raise NotFound(N_("Lista pokwitowań będzie dostępna po zamknięciu pierwszej tury."))
    ballots = session.scalars(
        select(Ballot)
        .where(Ballot.round_id.in_([r.id for r in closed]))
        .options(selectinload(Ballot.choices))
        .order_by(Ballot.receipt)
    ).all()
    found = _public(session, election, ballots)
    return sorted(found, key=lambda b: (GROUPS.index(b.group), b.round_number, b.receipt))


def check_receipt(session: Session, election: Election, text: str) -> PublicBallot | None:
    """The counted ballot with this receipt code (typed in any case, with dashes), if any.

    Only ballots of closed rounds are counted ones; an unknown or malformed code is None.
    """
    code = rules.normalise_receipt(text)
    if not rules.is_receipt(code):
        return None
    ballot = session.scalar(
        select(Ballot)
        .join(Round, Round.id == Ballot.round_id)
        .where(
            Ballot.receipt == code,
            Round.election_id == election.id,
            Round.status == RoundStatus.CLOSED,
        )
        .options(selectinload(Ballot.choices))
    )
    if ballot is None:
        return None
    return _public(session, election, [ballot])[0]


def verify_ballots(session: Session) -> list[str]:
    """Check the stored ballots against what the audit chain recorded about them.

    For every round: as many ballots as roll marks (a ballot inserted or deleted
    directly shows). For every closed round: the digest of its ballots as stored now
    equals the digest recorded in its ``round.closed`` event, which the hash chain
    protects (a changed choice shows). Returns the problems found, empty when none.
    """
    from election.audit.models import AuditEvent

    recorded = {
        event.object_id: event.details.get("ballots_digest")
        for event in session.scalars(select(AuditEvent).where(AuditEvent.action == "round.closed"))
    }
    problems = []
    for round_ in session.scalars(select(Round).order_by(Round.id)):
        ballots, marks = _count(session, Ballot, round_), _count(session, RollMark, round_)
        if ballots != marks:
            problems.append(f"round {round_.id}: {ballots} ballots but {marks} roll marks")
        if round_.status == RoundStatus.CLOSED:
            expected = recorded.get(str(round_.id))
            if expected is None:
                problems.append(f"round {round_.id}: closed without a round.closed event")
            elif round_digest(session, round_) != expected:
                problems.append(
                    f"round {round_.id}: ballots differ from the digest recorded at closing"
                )
    return problems
