"""A planned closing time for a round, shown with a countdown (issue 15).

A plan only: nothing closes a round when its time comes — the chair closes it
(:func:`election.voting.rounds.close_round`). Setting and clearing the plan are audited
(``round.close_planned``). Like the other services: check, change, record, flush; the
caller commits.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.db import utcnow
from election.elections.rules import WARSAW, warsaw_to_utc
from election.errors import N_, ValidationFailed
from election.voting.models import Round, RoundStatus
from election.voting.rounds import lock

#: The rounds whose planned closing time is shown: those that have not closed.
PLANNABLE = (RoundStatus.PENDING, RoundStatus.OPEN)


def plan_close(session: Session, actor: Actor, round_: Round, when: dt.datetime | None) -> Round:
    """Plan the closing of a pending or open round at ``when`` (an aware time), or clear
    the plan with ``None``; records ``round.close_planned`` when the plan changes.

    Raises :class:`Conflict` for a round closed or annulled and :class:`ValidationFailed`
    for a time that is not in the future (:meth:`Round.plan_close`); nothing changes then.
    """
    round_ = lock(session, round_)
    before = round_.planned_close_at
    round_.plan_close(utcnow(), when)
    if before != round_.planned_close_at:
        record(
            session,
            actor,
            "round.close_planned",
            round_,
            election_id=round_.election_id,
            group=round_.group.value,
            number=round_.number,
            planned_close_at=when.astimezone(dt.UTC).isoformat() if when else None,
            previous=before.isoformat() if before else None,
        )
    session.flush()
    return round_


#: "10:45", "9:05", "10.45" (as Poles often write it), "10:45:00" (a browser's time field).
_CLOCK = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)(?::[0-5]\d)?", re.ASCII)


def parse_clock(text: str | None) -> dt.time:
    """A time of day typed as ``HH:MM``; raises :class:`ValidationFailed` otherwise."""
    match = _CLOCK.fullmatch((text or "").strip())
    if match is None:
        raise ValidationFailed(N_("Podaj godzinę w postaci GG:MM, np. 10:45."))
    return dt.time(int(match.group(1)), int(match.group(2)))


def today_at(clock: dt.time, now: dt.datetime | None = None) -> dt.datetime:
    """``clock`` (a wall-clock time in Warsaw) on the day ``now`` falls on in Warsaw, in
    UTC: what the chair means by "10:45" at the meeting."""
    day = (now or utcnow()).astimezone(WARSAW).date()
    return warsaw_to_utc(dt.datetime.combine(day, clock))


def shown_plan(round_: Round) -> dt.datetime | None:
    """The round's planned closing time while it is worth showing (the round has not
    closed), else ``None``."""
    if round_.status not in PLANNABLE:
        return None
    return round_.planned_close_at


def minutes_left(when: dt.datetime, now: dt.datetime | None = None) -> int:
    """Whole minutes until ``when``, rounded up (30 s left is "1 min"); 0 once it passed."""
    seconds = (when - (now or utcnow())).total_seconds()
    return max(0, math.ceil(seconds / 60))
