"""Receipts: the public list of counted ballots and the check of one code.

Only ballots of **counted** rounds are public: a round is counted when the count
recorded its ``round.counted`` event (:func:`election.voting.integrity.counted_round_ids`),
so nothing here is public before the first count. Ballots are listed by code, never in
the order they were cast.

A secret election's receipts are the tracking codes of its encrypted ballots
(``ABCDE-FGHIJ``) — exactly the codes of the published election record. An open
election's are the random receipt codes of its ballots, listed with the Partner and
the choices (an open vote is public anyway).

A code is checked by POST (:func:`check_receipt` behind a form), so it appears in no
URL, no browser history and no access log.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from election.candidates.models import Candidate
from election.collation import polish_sort_key
from election.elections.models import Election, RollEntry
from election.errors import N_, NotFound
from election.labels import group_order
from election.partners.models import GROUPS, PartnerGroup
from election.voting import rules
from election.voting.integrity import counted_round_ids
from election.voting.models import Ballot, EncryptedBallot, Round
from election.voting.rounds import rounds_of

#: Why the lists are not there yet.
NOT_YET = N_("Lista pokwitowań będzie dostępna po policzeniu pierwszej tury.")


def _counted(session: Session, election: Election) -> list[Round]:
    """The election's counted rounds; :class:`NotFound` while there is none."""
    counted = counted_round_ids(session, election)
    found = [r for r in rounds_of(session, election) if r.id in counted]
    if not found:
        raise NotFound(NOT_YET)
    return found


def _codes(
    session: Session, election: Election, round_ids: Collection[int]
) -> list[tuple[int, str]]:
    """(round id, code) of every ballot of those rounds, by code."""
    if election.secret:
        query = select(EncryptedBallot.round_id, EncryptedBallot.tracking_code).order_by(
            EncryptedBallot.tracking_code
        )
        query = query.where(EncryptedBallot.round_id.in_(round_ids))
    else:
        query = select(Ballot.round_id, Ballot.receipt).order_by(Ballot.receipt)
        query = query.where(Ballot.round_id.in_(round_ids))
    return [(round_id, code) for round_id, code in session.execute(query)]


def receipts(session: Session, election: Election) -> dict[PartnerGroup, list[str]]:
    """The codes of the counted ballots per group, sorted; every group is a key.

    Raises :class:`NotFound` while no round is counted. The public JSON list of
    receipts (DESIGN §7) is this.
    """
    counted = {r.id: r for r in _counted(session, election)}
    result: dict[PartnerGroup, list[str]] = {group: [] for group in GROUPS}
    for round_id, code in _codes(session, election, list(counted)):
        result[counted[round_id].group].append(code)
    return result


@dataclass(frozen=True)
class PublicBallot:
    """A counted ballot as the public sees it: in secret mode only where it was counted."""

    receipt: str
    group: PartnerGroup
    round_number: int
    #: Open mode only: the Partner and the names chosen (empty tuple: a blank ballot).
    partner_name: str | None = None
    candidates: tuple[str, ...] | None = None


def _open_ballots(
    session: Session, election: Election, rounds: dict[int, Round], ballots: Sequence[Ballot]
) -> list[PublicBallot]:
    names = dict(
        session.execute(
            select(Candidate.id, Candidate.full_name).where(Candidate.election_id == election.id)
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


def _public(session: Session, election: Election, rounds: dict[int, Round]) -> list[PublicBallot]:
    if election.secret:
        return [
            PublicBallot(code, rounds[round_id].group, rounds[round_id].number)
            for round_id, code in _codes(session, election, list(rounds))
        ]
    ballots = session.scalars(
        select(Ballot)
        .where(Ballot.round_id.in_(list(rounds)))
        .options(selectinload(Ballot.choices))
        .order_by(Ballot.receipt)
    ).all()
    return _open_ballots(session, election, rounds, ballots)


def public_ballots(session: Session, election: Election) -> list[PublicBallot]:
    """The counted ballots by group, round and code.

    In a secret election only the tracking codes; in an open one also the Partner and
    the choices. Raises :class:`NotFound` while no round is counted.
    """
    rounds = {r.id: r for r in _counted(session, election)}
    found = _public(session, election, rounds)
    return sorted(found, key=lambda b: (group_order(b.group), b.round_number, b.receipt))


def check_receipt(session: Session, election: Election, text: str) -> PublicBallot | None:
    """The counted ballot with this code (typed in any case, with dashes or spaces), if any.

    Only ballots of counted rounds are found; an unknown or malformed code is None.
    """
    counted = counted_round_ids(session, election)
    if not counted:
        return None
    rounds = {r.id: r for r in rounds_of(session, election) if r.id in counted}
    if election.secret:
        code = rules.normalise_tracking_code(text)
        if code is None:
            return None
        round_id = session.scalar(
            select(EncryptedBallot.round_id).where(
                EncryptedBallot.tracking_code == code,
                EncryptedBallot.round_id.in_(list(rounds)),
            )
        )
        if round_id is None:
            return None
        return PublicBallot(code, rounds[round_id].group, rounds[round_id].number)
    receipt = rules.normalise_receipt(text)
    if not rules.is_receipt(receipt):
        return None
    ballot = session.scalar(
        select(Ballot)
        .where(Ballot.receipt == receipt, Ballot.round_id.in_(list(rounds)))
        .options(selectinload(Ballot.choices))
    )
    if ballot is None:
        return None
    return _open_ballots(session, election, rounds, [ballot])[0]
