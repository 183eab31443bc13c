"""Counting a round of a secret election: when the box is opened, and by whom.

* A round that is invalid — the quorum not met, or fewer than ``min(3, roll)`` ballots —
  is never summed nor decrypted (:func:`election.tally.tallies.store_undecrypted`).
* ``server`` custody: a valid round is counted when it closes, with the server's key —
  unless paper ballots issued in the room are still to be entered; then the chair
  finishes the paper ballots (:func:`finish_paper`) and the round is counted.
* ``tellers`` custody: a valid round is summed when it closes (or when the paper is
  finished) and waits; each teller enters their share (:func:`enter_share`), which
  gives that teller's decryption shares for every round waiting; once ``k`` tellers
  have, the round is counted.

Every step is an audit event; no secret (key, share) is ever written anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.db import utcnow
from election.elections import custody
from election.elections.custody import KeyStore
from election.elections.models import BallotBoxKey, Custody, Election
from election.errors import N_, Conflict, ValidationFailed
from election.tally import decryption, rules
from election.tally.models import RoundAggregate, RoundTally
from election.tally.tallies import attempt_of, store_count, store_undecrypted, turnout
from election.voting.models import EncryptedBallot, Round, RoundStatus
from election.voting.paper import paper_pending
from election.voting.rounds import lock, rounds_of


def encrypted_count(session: Session, round_: Round) -> int:
    """How many encrypted ballots the round's box holds."""
    return (
        session.scalar(
            select(func.count())
            .select_from(EncryptedBallot)
            .where(EncryptedBallot.round_id == round_.id)
        )
        or 0
    )


def count_secret_round(
    session: Session, actor: Actor, round_: Round, election: Election, keys: KeyStore
) -> RoundTally | None:
    """A secret round has just closed: open the box now, or wait for the paper ballots.

    Returns the tally when the round was counted (or found invalid), ``None`` while it
    waits for paper ballots or for the tellers.
    """
    if paper_pending(round_) > 0:
        record(
            session,
            actor,
            "round.awaiting_paper",
            round_,
            issued=round_.paper_issued,
            entered=round_.paper_entered,
        )
        return None
    return _open_box(session, actor, round_, election, keys)


def _open_box(
    session: Session, actor: Actor, round_: Round, election: Election, keys: KeyStore
) -> RoundTally | None:
    """Validity first; then sum the box and, with the server's key, decrypt and count."""
    round_.open_box(utcnow())
    seen = turnout(session, round_)
    ballots = encrypted_count(session, round_)
    if ballots > seen.marks:
        raise Conflict(
            N_("W urnie jest więcej kart (%(ballots)s) niż oznaczeń w spisie (%(marks)s)."),
            ballots=ballots,
            marks=seen.marks,
        )
    if not rules.decryptable(
        ballots,
        seen.roll,
        election.quorum_percent,
        attempt=attempt_of(session, round_),
        waived_from=election.quorum_waived_from,
    ):
        return store_undecrypted(
            session,
            actor,
            round_,
            election,
            roll=seen.roll,
            ballots=ballots,
            online=seen.online,
            paper=round_.paper_entered,
        )
    key = custody.key_of(session, election)
    summed, aggregates = decryption.aggregate(session, round_)
    if key.custody is Custody.SERVER:
        secret = custody.server_key(election, keys)
        decryption.add_shares(session, round_, key, aggregates, "server", secret)
        return _finish(session, actor, round_, election, key, aggregates)
    record(
        session,
        actor,
        "round.awaiting_tellers",
        round_,
        ballots=summed,
        threshold=key.threshold,
        ballots_digest=round_.ballots_digest,
    )
    return None


def _finish(
    session: Session,
    actor: Actor,
    round_: Round,
    election: Election,
    key: BallotBoxKey,
    aggregates: list[RoundAggregate],
) -> RoundTally:
    """Decrypt the sums with the stored shares, count, and store the tally."""
    seen = turnout(session, round_)
    ballots = encrypted_count(session, round_)
    counts = decryption.decrypt(session, round_, key, aggregates, ballots)
    blank, marked = counts[0], ballots - counts[0]
    votes = dict(zip((c.id for c in decryption.candidates_by_id(round_)), counts[1:], strict=True))
    if not marked <= sum(votes.values()) <= round_.seats * marked:
        raise Conflict(N_("Odszyfrowane liczby głosów nie mogą pochodzić z ważnych kart."))
    return store_count(
        session,
        actor,
        round_,
        election,
        roll=seen.roll,
        ballots=ballots,
        online=seen.online,
        paper=round_.paper_entered,
        blank=blank,
        votes=votes,
        valid=True,
        custody=key.custody.value,
        decrypted_by=sorted(decryption.holders(session, round_)),
    )


# --- paper ballots ------------------------------------------------------------------------


def finish_paper(
    session: Session, actor: Actor, round_: Round, keys: KeyStore, never_entered: int
) -> RoundTally | None:
    """The chair has entered the round's paper ballots: record how many issued papers
    were never put in the box (``never_entered``, which must be issued − entered), then
    count the round as on closing (the box checked against the digest the chain recorded
    with the last paper ballot entered).

    Raises :class:`Conflict` unless the round is a closed, uncounted, unopened round of
    a secret election; :class:`ValidationFailed` when ``never_entered`` is not the
    number of papers issued but not entered.
    """
    round_ = lock(session, round_)
    election = session.get_one(Election, round_.election_id)
    if not election.secret or round_.status != RoundStatus.CLOSED:
        raise Conflict(N_("Karty papierowe kończy się w zamkniętej turze głosowania tajnego."))
    if session.get(RoundTally, round_.id) is not None or decryption.stored_aggregates(
        session, round_
    ):
        raise Conflict(N_("Urna tej tury została już otwarta."))
    missing = round_.paper_issued - round_.paper_entered
    if never_entered != missing:
        raise ValidationFailed(
            N_(
                "Wydano %(issued)s kart papierowych, wprowadzono %(entered)s: potwierdź, "
                "że %(missing)s nie wrzucono do urny."
            ),
            issued=round_.paper_issued,
            entered=round_.paper_entered,
            missing=missing,
        )
    record(
        session,
        actor,
        "round.paper_finished",
        round_,
        issued=round_.paper_issued,
        entered=round_.paper_entered,
        never_entered=missing,
    )
    return _open_box(session, actor, round_, election, keys)


# --- tellers ------------------------------------------------------------------------------


def awaiting_tellers(session: Session, election: Election) -> list[Round]:
    """Closed rounds of the election that were summed and wait for the tellers' shares."""
    summed = set(
        session.scalars(
            select(RoundAggregate.round_id)
            .join(Round, Round.id == RoundAggregate.round_id)
            .where(Round.election_id == election.id)
            .distinct()
        )
    )
    counted = set(
        session.scalars(
            select(RoundTally.round_id)
            .join(Round, Round.id == RoundTally.round_id)
            .where(Round.election_id == election.id)
        )
    )
    return [
        r
        for r in rounds_of(session, election)
        if r.status == RoundStatus.CLOSED and r.id in summed and r.id not in counted
    ]


@dataclass
class SharesEntered:
    """What one teller's share did: the rounds it was given for, those it completed,
    those that already had this teller's share."""

    teller: int
    given: list[Round] = field(default_factory=list)
    counted: list[Round] = field(default_factory=list)
    already: list[Round] = field(default_factory=list)


def enter_share(
    session: Session, actor: Actor, election: Election, index: int, text: str
) -> SharesEntered:
    """Teller ``index`` enters their share (hex): it is checked against Y_i, used for the
    decryption shares of every round waiting, and forgotten; a round with ``k`` tellers'
    shares is counted.

    Before a teller's share touches a round, the round's stored sums are recomputed
    from its ballots (checked against the chain): a share is never applied to anything
    but the sum of the whole box. Raises :class:`ValidationFailed` for a wrong share,
    :class:`Conflict` when the election's key is not the tellers' or nothing waits.
    """
    key = custody.key_of(session, election)
    if key.custody is not Custody.TELLERS:
        raise Conflict(N_("Klucz urny tych wyborów nie jest podzielony między komisję."))
    share = custody.read_share(session, election, index, text)
    waiting = [lock(session, r) for r in awaiting_tellers(session, election)]
    if not waiting:
        raise Conflict(N_("Żadna tura nie czeka teraz na udziały komisji skrutacyjnej."))
    result = SharesEntered(index)
    for round_ in waiting:
        if str(index) in decryption.holders(session, round_):
            result.already.append(round_)
            continue
        aggregates = decryption.stored_aggregates(session, round_)
        decryption.check_aggregates(session, round_, aggregates)
        decryption.add_shares(session, round_, key, aggregates, str(index), share)
        record(session, actor, "round.decryption_share_added", round_, teller=index)
        result.given.append(round_)
        if len(decryption.holders(session, round_)) >= (key.threshold or 1):
            _finish(session, actor, round_, election, key, aggregates)
            result.counted.append(round_)
    del share
    return result
