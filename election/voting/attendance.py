"""What the chair sees of the room: per group, Partners present, the ballots the quorum
requires, the ballots cast, and who has not voted yet in an open round — never how.

Attendance itself is :mod:`election.elections.attendance`; this read model lives here,
beside the rounds and roll marks it reads. The quorum is the one rule of
:func:`election.elections.rules.required_ballots` (the tally decides a round's validity
with it). ``templates/elections/_attendance.html`` shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.elections import attendance as presence
from election.elections.models import Election, RollEntry
from election.elections.people import AttendanceMode
from election.elections.rules import quorum_applies, required_ballots
from election.labels import GROUP_LABELS
from election.partners.models import GROUPS, PartnerGroup
from election.voting.models import Round, RoundStatus
from election.voting.turnout import not_voted, round_turnout


@dataclass(frozen=True)
class GroupAttendance:
    """One group: the roll, who is present, the quorum and the group's current round."""

    group: PartnerGroup
    roll: int
    in_room: int
    online: int
    #: Ballots the quorum requires in the group's round (0: no quorum applies).
    required: int
    #: Whether the election has a quorum that applies to this round at all.
    quorum: bool
    #: The open round, else the group's latest; ``None`` before the first.
    round: Round | None = None
    #: Ballots cast in ``round`` (roll marks: who, never how).
    voted: int = 0
    #: The Partners on the roll that have not voted in ``round`` while it is open.
    not_voted: list[RollEntry] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The group's name, for the partial shown on other features' pages."""
        return str(GROUP_LABELS[self.group])

    @property
    def present(self) -> int:
        return self.in_room + self.online

    @property
    def open(self) -> bool:
        return self.round is not None and self.round.status == RoundStatus.OPEN

    @property
    def quorum_met(self) -> bool:
        """The ballots cast reach the quorum (always, when none applies)."""
        return self.voted >= self.required

    @property
    def needed(self) -> int:
        """Ballots still missing for the quorum (0 once met)."""
        return max(0, self.required - self.voted)

    @property
    def too_few_present(self) -> bool:
        """Fewer Partners present than ballots required: the quorum cannot be met unless
        more arrive (or vote online without being marked)."""
        return self.present < self.required


@dataclass(frozen=True)
class AttendanceSummary:
    election: Election
    groups: list[GroupAttendance]

    @property
    def present(self) -> int:
        return sum(g.present for g in self.groups)

    @property
    def roll(self) -> int:
        return sum(g.roll for g in self.groups)


def _current_rounds(session: Session, election: Election) -> dict[PartnerGroup, Round]:
    """Each group's open round, else its latest."""
    current: dict[PartnerGroup, Round] = {}
    for round_ in session.scalars(
        select(Round).where(Round.election_id == election.id).order_by(Round.number)
    ):
        held = current.get(round_.group)
        if held is None or held.status != RoundStatus.OPEN:
            current[round_.group] = round_
    return current


def summary(
    session: Session, election: Election, *, attempts: Mapping[PartnerGroup, int] | None = None
) -> AttendanceSummary:
    """Present / required / voted per group (every group), and who has not voted yet.

    ``attempts`` gives a group's current round's attempt when it repeats a round without
    quorum (the tally knows it; 1 when not given), so the Regulamin's waiver of the
    quorum (``Election.quorum_waived_from``) shows as "no quorum required".
    """
    attendance = presence.present(session, election)
    rolls = presence.roll_entries(session, election)
    rounds = _current_rounds(session, election)
    waived_from = election.quorum_waived_from
    groups = []
    for group in GROUPS:
        entries = [e for e in rolls if e.group == group]
        modes = [attendance[e.partner_id].mode for e in entries if e.partner_id in attendance]
        attempt = (attempts or {}).get(group, 1)
        round_ = rounds.get(group)
        voted = round_turnout(session, round_).voted if round_ is not None else 0
        waiting = (
            not_voted(session, round_)
            if round_ is not None and round_.status == RoundStatus.OPEN
            else []
        )
        groups.append(
            GroupAttendance(
                group=group,
                roll=len(entries),
                in_room=modes.count(AttendanceMode.ROOM),
                online=modes.count(AttendanceMode.ONLINE),
                required=required_ballots(
                    len(entries), election.quorum_percent, attempt=attempt, waived_from=waived_from
                ),
                quorum=election.quorum_percent is not None and quorum_applies(attempt, waived_from),
                round=round_,
                voted=voted,
                not_voted=waiting,
            )
        )
    return AttendanceSummary(election, groups)
