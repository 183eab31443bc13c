"""Ballots: the ballot a voter sees, checking it, and casting it online (or, in an open
election, on paper; a secret election's paper ballots are :mod:`election.voting.paper`).

Secret election: the choice is encrypted at once (:func:`election.crypto.encrypt_ballot`,
``docs/ballot-box.md``) and only the :class:`EncryptedBallot` — ciphertexts, proofs, a
tracking code, a random id — is written; no plaintext choice is stored, logged or
audited. The :class:`RollMark` records *that* the Partner voted. The audit event of a
vote names the Partner and the channel, never the ballot, its tracking code or its
choices. Open election: a :class:`Ballot` with its choices and its Partner, as before.

Every function takes the session; those that write check, write, record the audit
event and flush — the caller commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election import crypto
from election.access import STAFF, Role
from election.audit.service import Actor, record
from election.auth.models import User
from election.candidates.models import Candidate
from election.collation import polish_sort_key
from election.db import random_code, random_id, utcnow
from election.elections import custody
from election.elections.models import (
    BallotBoxKey,
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
)
from election.partners.models import Partner
from election.verify import Context
from election.voting import rules
from election.voting.models import (
    Ballot,
    BallotChoice,
    EncryptedBallot,
    RollMark,
    Round,
    RoundCandidate,
)

#: Shown to every rep of a Partner that has voted, and to the chair entering paper.
ALREADY_VOTED = N_("Ten Partner już oddał głos w tej turze.")


# --- the ballot shown -----------------------------------------------------------------------


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


# --- checking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A ballot that passed every check, ready to be written (or shown for confirmation)."""

    election: Election
    round: Round
    entry: RollEntry
    choices: list[int]
    #: The round's candidates by id: the positions of an encrypted ballot after the blank
    #: indicator (``docs/ballot-box.md``).
    candidate_ids: tuple[int, ...] = ()
    #: The ballot box's public key, read with the round (``None`` before voting started).
    public_key: bytes | None = None


def round_candidate_ids(session: Session, round_: Round) -> list[int]:
    """The round's candidates by id: the positions of an encrypted ballot after the blank
    indicator (``docs/ballot-box.md``)."""
    session.flush()  # plain SQL on the table below: what is pending goes first
    return sorted(session.scalars(_ROUND_CANDIDATES, {"round_id": round_.id}))


_ROUND_CANDIDATES = select(RoundCandidate.__table__.c.candidate_id).where(
    RoundCandidate.__table__.c.round_id == bindparam("round_id")
)


def validate(session: Session, round_: Round, chosen: Sequence[int]) -> list[int]:
    """The distinct choices of a valid ballot of the round (:func:`rules.validate_choices`)."""
    allowed = set(round_candidate_ids(session, round_))
    return rules.validate_choices(list(chosen), allowed, round_.seats)


def mark_of(session: Session, round_: Round, partner_id: int) -> int | None:
    """The id of the Partner's roll mark in the round (that it voted), or ``None``."""
    session.flush()  # plain SQL on the table below: what is pending goes first
    return session.scalar(_MARK, {"round_id": round_.id, "partner_id": partner_id})


_MARKS = RollMark.__table__
_MARK = select(_MARKS.c.id).where(
    _MARKS.c.round_id == bindparam("round_id"), _MARKS.c.partner_id == bindparam("partner_id")
)


def check_ballot(
    session: Session,
    round_: Round,
    partner_id: int,
    candidate_ids: Sequence[int],
    *,
    lock_round: bool,
    exclusive: bool = False,
) -> Checked:
    """Every check of a ballot, in the order a voter would want to hear about them: the
    round open, the election voting, the Partner on the round's roll, not voted yet, the
    choices valid.

    ``lock_round``: re-read the round under its row lock first — shared for a vote,
    ``exclusive`` when the round's own counters change (a paper ballot issued). One
    statement reads the round, the Partner's roll entry and the ballot box's public key
    (a cast is a burst's hot path: every round trip counts).
    """
    stmt = (
        select(Round, RollEntry, BallotBoxKey.public_key)
        .outerjoin(
            RollEntry,
            and_(
                RollEntry.election_id == Round.election_id,
                RollEntry.partner_id == partner_id,
                RollEntry.group == Round.group,
            ),
        )
        .outerjoin(BallotBoxKey, BallotBoxKey.election_id == Round.election_id)
        .where(Round.id == round_.id)
    )
    if lock_round:
        # As :func:`election.voting.rounds.lock` does (SQLite ignores the clause; its
        # write transactions are serialised anyway).
        stmt = stmt.with_for_update(read=not exclusive, of=Round).execution_options(
            populate_existing=True
        )
    round_, entry, public_key = session.execute(stmt).one()
    round_.require_open()
    election = session.get_one(Election, round_.election_id)
    election.require_phase(Phase.VOTING)
    if entry is None:
        raise NotEligible(
            N_("Ten Partner nie jest w spisie uprawnionych do głosowania w tej turze.")
        )
    if mark_of(session, round_, partner_id) is not None:
        raise AlreadyVoted(ALREADY_VOTED)
    ids = round_candidate_ids(session, round_)
    choices = rules.validate_choices(list(candidate_ids), set(ids), round_.seats)
    return Checked(election, round_, entry, choices, tuple(ids), public_key)


def require_rep(user: User) -> int:
    if user.role != Role.PARTNER_REP or user.partner_id is None:
        raise NotEligible(N_("Głosować może tylko przedstawiciel Partnera."))
    return user.partner_id


def preview_ballot(
    session: Session, user: User, round_: Round, candidate_ids: Sequence[int]
) -> list[Candidate]:
    """Check a rep's ballot without writing it; the chosen candidates, for confirmation.

    Raises what :func:`cast_ballot` would raise; writes nothing.
    """
    checked = check_ballot(session, round_, require_rep(user), candidate_ids, lock_round=False)
    by_id = {c.id: c for c in round_.candidates}
    return [by_id[c] for c in checked.choices]


# --- casting --------------------------------------------------------------------------------

#: Encryptions tried when a tracking code is already taken (a 50-bit code: never, in
#: practice; each try is a fresh encryption, so a fresh code).
TRACKING_ATTEMPTS = 3


def _insert_unless_taken(session: Session, table: Table, values: dict[str, Any]) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id``: the new row's id, or ``None`` when
    a unique constraint already holds such a row — then nothing is written and the
    transaction goes on (no savepoint needed, one round trip).

    Changes pending in the session are flushed first, so the writes keep their order.
    """
    session.flush()
    dialect = session.get_bind().dialect.name
    stmt = _INSERTS.get((dialect, table.name))
    if stmt is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(table).on_conflict_do_nothing().returning(table.c.id)
        _INSERTS[(dialect, table.name)] = stmt
    return session.execute(stmt, values).scalar()


#: The statements of :func:`_insert_unless_taken`, built once per dialect and table.
_INSERTS: dict[tuple[str, str], Any] = {}


def _write_mark(
    session: Session, round_: Round, *, partner_id: int, channel: Channel, cast_by: User
) -> int:
    """Write the Partner's roll mark; its id.

    Its unique constraint (round, Partner) decides a race between two reps or two
    clicks before any ballot row exists: the loser gets :class:`AlreadyVoted` with
    nothing written.
    """
    mark_id = _insert_unless_taken(
        session,
        RollMark.__table__,
        {
            "round_id": round_.id,
            "partner_id": partner_id,
            "channel": channel,
            "cast_by_id": cast_by.id,
            "voted_at": utcnow(),
        },
    )
    if mark_id is None:
        raise AlreadyVoted(ALREADY_VOTED)
    return int(mark_id)


def mark_roll(
    session: Session, round_: Round, *, partner_id: int, channel: Channel, cast_by: User
) -> RollMark:
    """Write the Partner's roll mark first and return it.

    Its unique constraint (round, Partner) decides a race between two reps or two
    clicks before any ballot row exists: the loser gets :class:`AlreadyVoted` with
    nothing written.
    """
    mark_id = _write_mark(session, round_, partner_id=partner_id, channel=channel, cast_by=cast_by)
    return session.get_one(RollMark, mark_id)


def write_encrypted(
    session: Session,
    election: Election,
    round_: Round,
    choices: Sequence[int],
    *,
    candidate_ids: Sequence[int] | None = None,
    public_key: bytes | None = None,
) -> EncryptedBallot:
    """Encrypt a checked ballot of a secret election and write it; returns the row as
    written (not attached to the session).

    The marks go in the order of the candidates' ids (the blank indicator is the
    encryption's own); only ciphertexts, proofs and the tracking code are written, and
    the randomness dies with this call. A tracking code already taken (astronomically
    unlikely) is answered by encrypting again — fresh randomness, a fresh code.
    ``candidate_ids`` and ``public_key``, when the caller has read them
    (:class:`Checked`), spare reading them again. Raises :class:`NotFound` if the
    election's ballot box has no key.
    """
    if public_key is None:
        public_key = custody.key_of(session, election).public_key
    context = Context(election.id, round_.id, public_key)
    if candidate_ids is None:
        candidate_ids = round_candidate_ids(session, round_)
    chosen = set(choices)
    marks = [1 if candidate_id in chosen else 0 for candidate_id in candidate_ids]
    for _attempt in range(TRACKING_ATTEMPTS):
        sealed = crypto.encrypt_ballot(context, round_.seats, marks)
        values = {
            "id": random_id(),
            "round_id": round_.id,
            "tracking_code": sealed.tracking_code,
            "ciphertexts": b"".join(b"".join(position) for position in sealed.ciphertexts),
            "proof": b"".join(sealed.proof),
        }
        if _insert_unless_taken(session, EncryptedBallot.__table__, values) is not None:
            return EncryptedBallot(**values)
    raise Conflict(N_("Nie udało się zapisać głosu. Spróbuj ponownie."))


def _new_receipt(session: Session) -> str:
    while True:
        code = random_code(rules.RECEIPT_LENGTH)
        if session.scalar(select(Ballot.id).where(Ballot.receipt == code)) is None:
            return code


def _write_open(session: Session, round_: Round, partner_id: int, choices: Sequence[int]) -> str:
    """An open election's ballot: its choices and its Partner; returns the receipt."""
    receipt = _new_receipt(session)
    ballot = Ballot(round_id=round_.id, receipt=receipt, partner_id=partner_id)
    ballot.choices = [BallotChoice(candidate_id=c) for c in sorted(choices)]
    session.add(ballot)
    try:
        session.flush()
    except IntegrityError as exc:  # a receipt taken by a concurrent ballot: vanishingly rare
        raise Conflict(N_("Nie udało się zapisać głosu. Spróbuj ponownie.")) from exc
    return receipt


def cast_details(
    checked: Checked, partner_id: int, channel: Channel, cast_by: User
) -> dict[str, object]:
    """What the ``ballot.cast`` audit event says: who voted, where, how — never what."""
    return {
        "election_id": checked.election.id,
        "group": checked.round.group.value,
        "number": checked.round.number,
        "partner_id": partner_id,
        "teryt": checked.entry.teryt,
        "channel": channel.value,
        "cast_by_id": cast_by.id,
    }


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
    """The one path of a ballot with its choice: check, mark the roll, write the ballot.

    Mark and ballot are committed together by the caller. Returns the tracking code (a
    secret election) or the receipt (an open one).
    """
    checked = check_ballot(session, round_, partner_id, candidate_ids, lock_round=True)
    round_, election = checked.round, checked.election
    _write_mark(session, round_, partner_id=partner_id, channel=channel, cast_by=cast_by)
    details = cast_details(checked, partner_id, channel, cast_by)
    if election.secret:
        code = write_encrypted(
            session,
            election,
            round_,
            checked.choices,
            candidate_ids=checked.candidate_ids,
            public_key=checked.public_key,
        ).tracking_code
    else:
        code = _write_open(session, round_, partner_id, checked.choices)
        # Open ballot: who voted for whom is public anyway.
        details.update(receipt=code, candidates=sorted(checked.choices))
    record(session, actor, "ballot.cast", round_, **details)
    return code


def cast_ballot(
    session: Session, actor: Actor, user: User, round_: Round, candidate_ids: Sequence[int]
) -> str:
    """Cast the ballot of ``user``'s Partner online; returns the receipt: the tracking code
    of the encrypted ballot in a secret election, the receipt code in an open one.

    Raises :class:`NotEligible` (not a rep, Partner not on the round's roll),
    :class:`RoundClosed` (round not open), :class:`AlreadyVoted`, :class:`ValidationFailed`
    (choices) or :class:`WrongPhase`. Nothing is written when it raises.
    """
    partner_id = require_rep(user)
    return _record_ballot(
        session,
        actor,
        round_,
        partner_id=partner_id,
        cast_by=user,
        channel=Channel.ONLINE,
        candidate_ids=candidate_ids,
    )


def require_staff(user: User) -> None:
    if user.role not in STAFF:
        raise Forbidden(N_("Karty papierowe wprowadza przewodniczący zebrania."))


def record_paper_ballot(
    session: Session,
    actor: Actor,
    chair: User,
    round_: Round,
    partner_id: int,
    candidate_ids: Sequence[int],
) -> str:
    """Open election: record the paper ballot of a Partner present in the room, with its
    choices; returns the receipt.

    Same checks and the same one-ballot rule as online; marked as paper in the roll
    and in the audit event. Raises :class:`Forbidden` unless ``chair`` is staff,
    :class:`NotFound` for an unknown Partner, :class:`Conflict` in a secret election
    (its paper ballots are issued, then entered without a name:
    :mod:`election.voting.paper`), else what :func:`cast_ballot` raises.
    """
    require_staff(chair)
    if session.get(Partner, partner_id) is None:
        raise NotFound(N_("Nie ma takiego Partnera."))
    if session.get_one(Election, round_.election_id).secret:
        raise Conflict(SECRET_PAPER)
    return _record_ballot(
        session,
        actor,
        round_,
        partner_id=partner_id,
        cast_by=chair,
        channel=Channel.PAPER,
        candidate_ids=candidate_ids,
    )


#: Why a secret election's paper ballot is not typed per Partner.
SECRET_PAPER = N_(
    "W głosowaniu tajnym kartę papierową wydaje się Partnerowi, a po zamknięciu tury"
    " wprowadza się ją bez nazwy Partnera."
)
