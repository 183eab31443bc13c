"""Receipts: the public list of counted ballots and the check of one receipt code.

Only ballots of closed rounds are counted ones, so nothing here is public before the
first round closes. Ballots are listed by receipt code (a random string), so no
listing reveals the order in which they were cast.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from election.voting.models import Ballot, Round, RoundStatus
from election.voting.rounds import rounds_of

#: Why the lists are not there yet.
NOT_YET = N_("Lista pokwitowań będzie dostępna po zamknięciu pierwszej tury.")


def _closed_rounds(session: Session, election: Election) -> list[Round]:
    return [r for r in rounds_of(session, election) if r.status == RoundStatus.CLOSED]


def receipts(session: Session, election: Election) -> dict[PartnerGroup, list[str]]:
    """Receipt codes of the counted ballots (closed rounds) per group, sorted.

    Every group is a key. Raises :class:`NotFound` while no round is closed. The public
    JSON list of receipts (DESIGN §7) is this.
    """
    closed = _closed_rounds(session, election)
    if not closed:
        raise NotFound(NOT_YET)
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
    #: Open mode only: the Partner and the names chosen (empty tuple: a blank ballot).
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
        raise NotFound(NOT_YET)
    ballots = session.scalars(
        select(Ballot)
        .where(Ballot.round_id.in_([r.id for r in closed]))
        .options(selectinload(Ballot.choices))
        .order_by(Ballot.receipt)
    ).all()
    found = _public(session, election, ballots)
    return sorted(found, key=lambda b: (group_order(b.group), b.round_number, b.receipt))


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
