"""Who voted in a round, and how many: turnout, the voters, those still to vote.

Everything here is read from the roll marks, so it says *that* a Partner voted (when,
how, entered by whom) and never how.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.auth.models import User
from election.collation import polish_text_key
from election.elections.models import Channel, Election, RollEntry
from election.partners.models import GROUPS, PartnerGroup
from election.voting.models import RollMark, Round


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
    """Turnout of the round: its group's roll and the round's roll marks by channel."""
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

    Every group is in the result.
    """
    rolls = dict(
        session.execute(
            select(RollEntry.group, func.count())
            .where(RollEntry.election_id == election.id)
            .group_by(RollEntry.group)
        ).all()
    )
    latest: dict[PartnerGroup, Round] = {}
    for round_ in session.scalars(
        select(Round).where(Round.election_id == election.id).order_by(Round.number)
    ):
        latest[round_.group] = round_  # by number: the last one wins
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
        found = latest.get(group)
        online = marks.get((found.id, Channel.ONLINE), 0) if found else 0
        paper = marks.get((found.id, Channel.PAPER), 0) if found else 0
        result[group] = Turnout(
            roll=rolls.get(group, 0), voted=online + paper, online=online, paper=paper
        )
    return result


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


def _by_name(entry: RollEntry) -> tuple[object, ...]:
    return (*polish_text_key(entry.partner_name), entry.teryt)


def voters(session: Session, round_: Round) -> list[Voter]:
    """The Partners that voted in the round, in Polish order of names (as on the roll)."""
    rows = session.execute(
        select(RollMark, RollEntry, User)
        .join(
            RollEntry,
            (RollEntry.partner_id == RollMark.partner_id)
            & (RollEntry.election_id == round_.election_id),
        )
        .join(User, User.id == RollMark.cast_by_id)
        .where(RollMark.round_id == round_.id)
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
        for mark, entry, user in sorted(rows, key=lambda row: _by_name(row[1]))
    ]


def not_voted(session: Session, round_: Round) -> list[RollEntry]:
    """The roll of the round's group without the Partners that voted, in Polish order."""
    voted = select(RollMark.partner_id).where(RollMark.round_id == round_.id)
    entries = session.scalars(
        select(RollEntry).where(
            RollEntry.election_id == round_.election_id,
            RollEntry.group == round_.group,
            RollEntry.partner_id.not_in(voted),
        )
    )
    return sorted(entries, key=_by_name)
