"""Rounds: finding them, creating the first rounds, opening and closing them.

Every function takes the session (and an :class:`Actor` when it changes something),
checks, changes, records the audit event and flushes; the caller commits once. The
state changes themselves are the :class:`Round`'s (``Round.open``, ``Round.close``).

Locking: a vote reads its round ``FOR SHARE`` and opening or closing reads it ``FOR
UPDATE`` (PostgreSQL; on SQLite every write transaction already holds the database's
write lock), so no ballot is committed into a round that is being closed after its
digest was taken. Operations on several rounds lock all of them first, before the
audit chain's lock, so they cannot deadlock with votes.

Closing a round sends :data:`election.signals.round_closed` in the same transaction;
the tally counts the round on it.
"""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election import signals
from election.audit.service import Actor, record
from election.candidates.models import Candidate, CandidateStatus
from election.collation import polish_sort_key
from election.db import utcnow
from election.elections.models import Election, Phase
from election.elections.regulamin import rules_adopted
from election.errors import N_, Conflict, NotFound
from election.labels import group_order
from election.partners.models import GROUPS, PartnerGroup
from election.voting import rules
from election.voting.models import (
    Ballot,
    BallotChoice,
    EncryptedBallot,
    RollMark,
    Round,
    RoundStatus,
)
from election.voting.turnout import round_turnout

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
    return sorted(found, key=lambda r: (group_order(r.group), r.number))


def rounds_by_group(session: Session, election: Election) -> dict[PartnerGroup, list[Round]]:
    """:func:`rounds_of` per group; every group is a key (an empty list before round 1)."""
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


def round_digest(session: Session, round_: Round) -> str:
    """SHA-256 over the round's ballots as stored now.

    A secret election's ballots are encrypted: the digest covers every tracking code,
    ciphertext and proof (:func:`rules.encrypted_digest`). An open election's covers
    each ballot's id and choices (:func:`rules.ballot_digest`).
    """
    election = session.get_one(Election, round_.election_id)
    if election.secret:
        rows = session.execute(
            select(
                EncryptedBallot.tracking_code, EncryptedBallot.ciphertexts, EncryptedBallot.proof
            ).where(EncryptedBallot.round_id == round_.id)
        )
        return rules.encrypted_digest((code, bytes(c), bytes(p)) for code, c, p in rows)
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


def count_rows(
    session: Session, model: type[Ballot] | type[EncryptedBallot] | type[RollMark], round_: Round
) -> int:
    """How many ballots (or roll marks) the round holds, counted in the database."""
    return (
        session.scalar(select(func.count()).select_from(model).where(model.round_id == round_.id))
        or 0
    )


def ballot_count(session: Session, round_: Round) -> int:
    """The round's ballots of either kind (encrypted, or open), counted in the database."""
    return count_rows(session, Ballot, round_) + count_rows(session, EncryptedBallot, round_)


def lock(session: Session, round_: Round, *, shared: bool = False) -> Round:
    """Re-read the round under a row lock (``FOR SHARE`` or ``FOR UPDATE``) and return it.

    SQLite ignores the clause; its write transactions are serialised anyway.
    """
    return session.scalars(
        select(Round)
        .where(Round.id == round_.id)
        .with_for_update(read=shared)
        .execution_options(populate_existing=True)
    ).one()


# --- creating and opening -----------------------------------------------------------------


def create_rounds(session: Session, actor: Actor, election: Election) -> list[Round]:
    """Round 1 of every group that has none yet, pending, with the group's candidates.

    The round gets the group's verified candidates and ``election.seats_for(group)``
    seats. A group without verified candidates gets no round (nothing to vote on).
    Idempotent: returns only the rounds created now. Raises :class:`WrongPhase` outside
    voting, :class:`Conflict` when another chair created them at the same moment.
    """
    election.require_phase(Phase.VOTING)
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
    another_open = session.scalar(
        select(Round.id).where(
            Round.election_id == round_.election_id,
            Round.group == round_.group,
            Round.status == RoundStatus.OPEN,
            Round.id != round_.id,
        )
    )
    # The opening check: a round starts empty. Counted from the database, not assumed.
    ballots = ballot_count(session, round_)
    marks = count_rows(session, RollMark, round_)
    round_.open(utcnow(), ballots=ballots, marks=marks, another_open=another_open is not None)
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
        roll=round_turnout(session, round_).roll,
        opening_ballots=ballots,
        opening_marks=marks,
    )
    # The representatives are emailed on this signal (voting/notifications.py).
    signals.round_opened.send(session, actor=actor, round=round_)
    return round_


def _require_open_allowed(session: Session, election: Election) -> None:
    election.require_phase(Phase.VOTING)
    if not rules_adopted(session, election):
        raise Conflict(N_("Regulamin nie został jeszcze przyjęty; głosowania nie można otworzyć."))


def open_round(session: Session, actor: Actor, round_: Round) -> Round:
    """Open a pending round: the election votes and its Regulamin is adopted.

    Records the opening check (ballots and roll marks found, which must be 0) in the
    round and in the audit event. Raises :class:`WrongPhase`, :class:`Conflict`,
    :class:`ValidationFailed` or :class:`RoundClosed` (see :meth:`Round.open`).
    """
    election = session.get_one(Election, round_.election_id)
    _require_open_allowed(session, election)
    round_ = lock(session, round_)
    opened = _open(session, actor, election, round_)
    session.flush()
    return opened


def open_all(session: Session, actor: Actor, election: Election) -> list[Round]:
    """Create the missing first rounds, then open every pending round of the election.

    Returns the rounds opened now (empty when none was pending).
    """
    _require_open_allowed(session, election)
    create_rounds(session, actor, election)
    pending = [r for r in rounds_of(session, election) if r.status == RoundStatus.PENDING]
    locked = [lock(session, r) for r in pending]  # all locks before the audit chain's
    opened = [_open(session, actor, election, r) for r in locked if r.status == RoundStatus.PENDING]
    session.flush()
    return opened


# --- closing ------------------------------------------------------------------------------


def _reseal(session: Session, round_: Round) -> None:
    """Rewrite the round's ballots in the closing transaction, in the order of their id.

    On PostgreSQL a row keeps the id of the transaction that wrote it (``xmin``) and
    its place in the table file; a ballot written in the same transaction as its roll
    mark could be matched to the mark by either, and ``pg_dump`` copies rows in file
    order. Written again here, every ballot of the round carries the closing
    transaction's id and lies in the order of its random id. Content is unchanged (the
    caller checks the digest). On SQLite, whose ballot tables are WITHOUT ROWID, this
    changes nothing.

    Encrypted ballots say nothing without the key; they are rewritten all the same, so
    that even whoever later holds the database *and* the key cannot pair a roll mark
    with its ciphertext by transaction or by place.
    """
    _reseal_encrypted(session, round_)
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


#: Encrypted ballots rewritten per statement at closing (about 1 kB each).
RESEAL_CHUNK = 500


def _reseal_encrypted(session: Session, round_: Round) -> None:
    """:func:`_reseal` for encrypted ballots, a chunk at a time in the order of their id
    (rows deleted in this transaction leave room only after it, so the new rows follow
    one another in that order)."""
    table = EncryptedBallot.__table__
    after = ""
    while True:
        rows = [
            dict(row._mapping)
            for row in session.execute(
                select(table)
                .where(table.c.round_id == round_.id, table.c.id > after)
                .order_by(table.c.id)
                .limit(RESEAL_CHUNK)
            )
        ]
        if not rows:
            return
        ids = [row["id"] for row in rows]
        session.execute(delete(table).where(table.c.id.in_(ids)))
        session.execute(insert(table), rows)
        after = ids[-1]


def _close(session: Session, actor: Actor, round_: Round) -> Round:
    round_.close(utcnow())
    session.flush()
    digest = round_digest(session, round_)
    _reseal(session, round_)
    if round_digest(session, round_) != digest:  # never expected: refuse to close
        raise Conflict(N_("Kontrola zamknięcia nie powiodła się: karty zmieniły się."))
    round_.ballots_digest = digest
    counts = round_turnout(session, round_)
    record(
        session,
        actor,
        "round.closed",
        round_,
        election_id=round_.election_id,
        group=round_.group.value,
        number=round_.number,
        ballots=ballot_count(session, round_),
        marks=counts.voted,
        online=counts.online,
        paper=counts.paper,
        paper_issued=round_.paper_issued,
        roll=counts.roll,
        ballots_digest=round_.ballots_digest,
    )
    # The tally counts the round on this signal, in this transaction.
    signals.round_closed.send(session, actor=actor, round=round_)
    return round_


def close_round(session: Session, actor: Actor, round_: Round) -> Round:
    """Close an open round: no more ballots; the digest of its ballots is recorded.

    The digest (:func:`round_digest`) goes into the round and the audit event, so the
    count can later be checked against the ballots as they were at closing. Then
    :data:`election.signals.round_closed` is sent: the tally counts the round in the
    same transaction. Raises :class:`Conflict` (not yet open) or :class:`RoundClosed`.
    """
    round_ = lock(session, round_)
    closed = _close(session, actor, round_)
    session.flush()
    return closed


def close_all(session: Session, actor: Actor, election: Election) -> list[Round]:
    """Close (and so count) every open round of the election; returns those closed."""
    open_rounds = [r for r in rounds_of(session, election) if r.status == RoundStatus.OPEN]
    locked = [lock(session, r) for r in open_rounds]
    closed = [_close(session, actor, r) for r in locked if r.status == RoundStatus.OPEN]
    session.flush()
    return closed
