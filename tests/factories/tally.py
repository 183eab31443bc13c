"""Builders for the tally tests: ballots and roll marks written directly, rounds closed.

In a secret election a ballot is encrypted with the election's key (``election.crypto``)
exactly as casting does; in an open one it is a plaintext ballot with its choices. Each
vote also gets its ``ballot.cast`` audit event, and closing records the digest of the
box in ``round.closed``, as the voting service does — so the data pass ``flask audit
verify``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from election import crypto
from election.access import Role
from election.audit.service import record
from election.auth.models import User
from election.db import random_code, utcnow
from election.elections import custody
from election.elections.models import BallotBoxKey, Channel, Election
from election.extensions import db
from election.partners.models import Partner
from election.voting.models import (
    Ballot,
    BallotChoice,
    EncryptedBallot,
    RollMark,
    Round,
    RoundStatus,
)
from election.voting.rounds import round_digest
from tests.factories import SYSTEM, give_key, key_store, make_user


def _caster(partner: Partner, channel: Channel) -> User:
    if channel == Channel.PAPER:
        chair = db.session.scalar(select(User).where(User.role == Role.CHAIR).limit(1))
        return chair or make_user(Role.CHAIR)
    rep = db.session.scalar(select(User).where(User.partner_id == partner.id).limit(1))
    return rep or make_user(Role.PARTNER_REP, partner=partner)


def _ids(choices: Sequence[Any]) -> set[int]:
    return {c if isinstance(c, int) else c.id for c in choices}


def encrypt(round_: Round, choices: Sequence[Any] = ()) -> EncryptedBallot:
    """An encrypted ballot of ``round_`` marking ``choices`` (candidates or ids), written."""
    election = db.session.get_one(Election, round_.election_id)
    context = custody.context(custody.key_of(db.session, election), round_.id)
    chosen = _ids(choices)
    marks = [1 if c.id in chosen else 0 for c in sorted(round_.candidates, key=lambda c: c.id)]
    sealed = crypto.encrypt_ballot(context, round_.seats, marks)
    row = EncryptedBallot(
        round_id=round_.id,
        tracking_code=sealed.tracking_code,
        ciphertexts=b"".join(b"".join(position) for position in sealed.ciphertexts),
        proof=b"".join(sealed.proof),
    )
    db.session.add(row)
    db.session.flush()
    return row


def mark(round_: Round, partner: Partner, channel: str = "online") -> RollMark:
    """``partner``'s roll mark in ``round_`` with its ``ballot.cast`` event (who, not what)."""
    chan = Channel(channel)
    caster = _caster(partner, chan)
    roll_mark = RollMark(
        round_id=round_.id,
        partner_id=partner.id,
        channel=chan,
        cast_by_id=caster.id,
        voted_at=utcnow(),
    )
    db.session.add(roll_mark)
    db.session.flush()
    record(
        db.session,
        SYSTEM,
        "ballot.cast",
        round_,
        election_id=round_.election_id,
        group=round_.group.value,
        number=round_.number,
        partner_id=partner.id,
        teryt=partner.teryt,
        channel=chan.value,
        cast_by_id=caster.id,
    )
    return roll_mark


def cast(
    round_: Round,
    partner: Partner,
    choices: Sequence[Any] = (),
    *,
    channel: str = "online",
) -> Ballot | EncryptedBallot:
    """``partner`` votes for ``choices`` (candidates or ids) in ``round_``: a roll mark and
    a ballot, as the voting service writes them — encrypted in a secret election (a
    paper ballot is then issued and entered at once), with its Partner in an open one."""
    election = db.session.get_one(Election, round_.election_id)
    mark(round_, partner, channel)
    if election.secret:
        if channel == "paper":
            round_.paper_issued += 1
            round_.paper_entered += 1
        return encrypt(round_, choices)
    ballot = Ballot(round_id=round_.id, receipt=random_code(10), partner_id=partner.id)
    ballot.choices = [BallotChoice(candidate_id=c) for c in sorted(_ids(choices))]
    db.session.add(ballot)
    db.session.flush()
    return ballot


def cast_all(round_: Round, partners: Sequence[Partner], ballots: Sequence[Sequence[Any]]) -> None:
    """The i-th partner casts the i-th ballot."""
    assert len(ballots) <= len(partners)
    for partner, choices in zip(partners, ballots, strict=False):
        cast(round_, partner, choices)


def issue_paper(round_: Round, partner: Partner) -> RollMark:
    """A paper ballot issued to ``partner`` in a secret election, not yet entered."""
    roll_mark = mark(round_, partner, "paper")
    round_.paper_issued += 1
    db.session.flush()
    return roll_mark


def enter_paper(round_: Round, choices: Sequence[Any] = ()) -> EncryptedBallot:
    """A paper ballot entered after closing, without a name; the chain records the digest."""
    round_.paper_entered += 1
    ballot = encrypt(round_, choices)
    round_.ballots_digest = round_digest(db.session, round_)
    record(
        db.session,
        SYSTEM,
        "ballot.paper_entered",
        round_,
        paper_issued=round_.paper_issued,
        paper_entered=round_.paper_entered,
        ballots_digest=round_.ballots_digest,
    )
    return ballot


def close(round_: Round) -> Round:
    """Close the round as the voting service does (without the signal that counts it)."""
    round_.status = RoundStatus.CLOSED
    round_.closed_at = utcnow()
    db.session.flush()
    round_.ballots_digest = round_digest(db.session, round_)
    db.session.flush()
    record(
        db.session,
        SYSTEM,
        "round.closed",
        round_,
        election_id=round_.election_id,
        ballots_digest=round_.ballots_digest,
    )
    return round_


def open_(round_: Round) -> Round:
    round_.status = RoundStatus.OPEN
    round_.opened_at = utcnow()
    round_.opening_ballots = 0
    round_.opening_marks = 0
    db.session.flush()
    return round_


def tellers_custody(election: Election, threshold: int = 2, tellers: int = 3) -> dict[int, str]:
    """Give ``election`` (in voting, so holding a server key) a key dealt to tellers
    instead, and hand every share out; returns each teller's share (hex) by index."""
    old = db.session.get(BallotBoxKey, election.id)
    if old is not None:
        db.session.delete(old)
        db.session.flush()
    key_store().destroy_all(election.id)
    give_key(election, "tellers", threshold, tellers)
    return {
        i: custody.hand_out(db.session, SYSTEM, election, key_store(), i).share
        for i in range(1, tellers + 1)
    }
