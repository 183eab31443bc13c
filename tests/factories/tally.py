"""Builders for the tally tests: ballots and roll marks written directly, rounds closed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from election.access import Role
from election.auth.models import User
from election.db import random_code, utcnow
from election.elections.models import Channel, Election
from election.extensions import db
from election.partners.models import Partner
from election.voting.models import Ballot, BallotChoice, RollMark, Round, RoundStatus
from tests.factories import make_user


def _caster(partner: Partner, channel: Channel) -> User:
    if channel == Channel.PAPER:
        chair = db.session.scalar(select(User).where(User.role == Role.CHAIR).limit(1))
        return chair or make_user(Role.CHAIR)
    rep = db.session.scalar(select(User).where(User.partner_id == partner.id).limit(1))
    return rep or make_user(Role.PARTNER_REP, partner=partner)


def cast(
    round_: Round,
    partner: Partner,
    choices: Sequence[Any] = (),
    *,
    channel: str = "online",
) -> Ballot:
    """``partner`` votes for ``choices`` (candidates or ids) in ``round_``: a roll mark and
    a ballot, as the voting service writes them (no partner on a secret ballot)."""
    election = db.session.get(Election, round_.election_id)
    assert election is not None
    chan = Channel(channel)
    db.session.add(
        RollMark(
            round_id=round_.id,
            partner_id=partner.id,
            channel=chan,
            cast_by_id=_caster(partner, chan).id,
            voted_at=utcnow(),
        )
    )
    ballot = Ballot(
        round_id=round_.id,
        receipt=random_code(10),
        partner_id=None if election.secret else partner.id,
    )
    ballot.choices = [BallotChoice(candidate_id=c if isinstance(c, int) else c.id) for c in choices]
    db.session.add(ballot)
    db.session.flush()
    return ballot


def cast_all(round_: Round, partners: Sequence[Partner], ballots: Sequence[Sequence[Any]]) -> None:
    """The i-th partner casts the i-th ballot."""
    assert len(ballots) <= len(partners)
    for partner, choices in zip(partners, ballots, strict=False):
        cast(round_, partner, choices)


def close(round_: Round) -> Round:
    round_.status = RoundStatus.CLOSED
    round_.closed_at = utcnow()
    db.session.flush()
    return round_


def open_(round_: Round) -> Round:
    round_.status = RoundStatus.OPEN
    round_.opened_at = utcnow()
    round_.opening_ballots = 0
    round_.opening_marks = 0
    db.session.flush()
    return round_
