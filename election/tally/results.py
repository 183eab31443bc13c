"""The results read model: every round of every group with turnout, counts and ties.

Everything here is computed from the database on each call (no state in process
memory), so several app processes can serve the live views of one election. The
public results page and JSON (council, API), the live views and the protocol read
:func:`results`; the Council is certified on :func:`group_status`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from election.candidates.models import Candidate, CandidateStatus
from election.collation import polish_sort_key
from election.elections.models import Channel, Election, RollEntry
from election.errors import N_
from election.partners.models import GROUPS, PartnerGroup
from election.tally import rules
from election.tally.counting import votes_query
from election.tally.models import CandidateResult, LotDraw, RoundAggregate, RoundTally
from election.tally.rules import RoundKind
from election.voting.models import Ballot, RollMark, Round, RoundStatus


class Awaiting(enum.StrEnum):
    """Why a closed round of a secret election is not counted yet."""

    #: Paper ballots issued in the room are still to be entered (or declared missing).
    PAPER = "paper"
    #: The box was summed; the tellers' shares are needed to decrypt it.
    TELLERS = "tellers"


class NextStep(enum.StrEnum):
    """What the chair must do after a counted round, if anything."""

    REPEAT = "repeat"
    RUNOFF = "runoff"
    LOTS = "lots"


# Reasons a group is not complete. Plain msgids (no parameters) so that whoever shows
# them can translate them with ``gettext``.
PENDING_NO_ROUND = N_("Głosowanie w tej grupie jeszcze się nie rozpoczęło.")
PENDING_ROUND_WAITING = N_("Tura czeka na otwarcie.")
PENDING_ROUND_OPEN = N_("Trwa głosowanie.")
PENDING_NOT_COUNTED = N_("Tura jest zamknięta, ale jeszcze nie policzona.")
PENDING_PAPER = N_("Tura jest zamknięta; czeka na wprowadzenie kart papierowych.")
PENDING_TELLERS = N_("Tura jest zamknięta; czeka na udziały komisji skrutacyjnej.")
PENDING_INVALID = N_("Tura jest nieważna (brak kworum) i trzeba ją powtórzyć.")
PENDING_TIE = N_("Remis na ostatnim miejscu nie został rozstrzygnięty.")
PENDING_SHORT = N_("Za mało kandydatów, by obsadzić wszystkie miejsca.")


@dataclass
class CandidateLine:
    candidate: Candidate
    #: ``None`` while counts must stay hidden (secret ballot, round not closed).
    votes: int | None
    rank: int | None
    elected: bool = False
    tied: bool = False
    by_lot: bool = False


@dataclass
class RoundView:
    """One round with its turnout, count and tie settlement, ready to show."""

    round: Round
    kind: RoundKind
    roll: int
    voted: int
    online: int
    paper: int
    tally: RoundTally | None
    lots: LotDraw | None
    lines: list[CandidateLine]
    lots_allowed: bool
    #: What the chair must do next (only for the last round of a group).
    next_step: NextStep | None = None
    #: A closed, uncounted round of a secret election: what it waits for.
    awaiting: Awaiting | None = None
    #: The round's attempt at its seats (:func:`rules.attempt`): 2 for a first repeat.
    attempt: int = 1

    @property
    def number(self) -> int:
        return self.round.number

    @property
    def status(self) -> RoundStatus:
        return self.round.status

    @property
    def counted(self) -> bool:
        return self.tally is not None

    @property
    def annulled(self) -> bool:
        return self.round.status == RoundStatus.ANNULLED

    @property
    def standing_tied(self) -> list[Candidate]:
        """The tied candidates who have not withdrawn since: who a runoff or lots choose
        among."""
        return [c for c in self.tied_candidates if c.status == CandidateStatus.VERIFIED]

    @property
    def standing(self) -> list[Candidate]:
        """The round's candidates who have not withdrawn since (a repeat's ballot)."""
        return [c for c in self.round.candidates if c.status == CandidateStatus.VERIFIED]

    @property
    def percent(self) -> float:
        return rules.turnout_percent(self.voted, self.roll)

    @property
    def decrypted(self) -> bool:
        """Whether the round's counts exist: not for an invalid secret round, whose box
        was never opened (its blank ballots, like its votes, are known to nobody)."""
        return self.tally is not None and self.tally.blank is not None

    @property
    def show_counts(self) -> bool:
        return any(line.votes is not None for line in self.lines)

    @property
    def tied_candidates(self) -> list[Candidate]:
        return [line.candidate for line in self.lines if line.tied]

    @property
    def lot_winners(self) -> list[Candidate]:
        if self.lots is None:
            return []
        by_id = {line.candidate.id: line.candidate for line in self.lines}
        return [by_id[cid] for cid in self.lots.winners if cid in by_id]


@dataclass
class GroupStatus:
    """Whether a group's seats are filled; the council feature certifies on this."""

    seats: int
    #: Elected candidates, in the order they won their seats (round, then rank).
    elected: list[Candidate]
    complete: bool
    #: Why the group is not complete (a msgid to translate), or ``None``.
    pending: str | None


@dataclass
class GroupResults:
    group: PartnerGroup
    seats: int
    roll: int
    rounds: list[RoundView]
    status: GroupStatus

    @property
    def current(self) -> RoundView | None:
        return self.rounds[-1] if self.rounds else None

    @property
    def main(self) -> RoundView | None:
        """The round whose totals stand for the group: the first valid counted one."""
        counted = [r for r in self.rounds if r.tally is not None]
        valid = [r for r in counted if r.tally is not None and r.tally.valid]
        return (valid or counted or [None])[0]


@dataclass
class Results:
    """The results of an election: every group (every group is a key, in list order)."""

    election: Election
    groups: dict[PartnerGroup, GroupResults] = field(default_factory=dict)


def results(session: Session, election: Election) -> Results:
    """Every round of every group with turnout, counts and ties — a handful of queries.

    In a secret election the votes of a round are hidden until it is counted; in an
    open one the running counts of an open round are shown.
    """
    rounds = list(
        session.scalars(
            select(Round)
            .where(Round.election_id == election.id)
            .options(selectinload(Round.candidates).selectinload(Candidate.partner))
            .order_by(Round.group, Round.number)
        )
    )
    ids = [r.id for r in rounds]
    rolls: dict[PartnerGroup, int] = dict(
        session.execute(
            select(RollEntry.group, func.count())
            .where(RollEntry.election_id == election.id)
            .group_by(RollEntry.group)
        ).all()
    )
    marks: dict[tuple[int, Channel], int] = {}
    tallies: dict[int, RoundTally] = {}
    lines: dict[int, dict[int, CandidateResult]] = {}
    lots: dict[int, LotDraw] = {}
    live_votes: dict[int, dict[int, int]] = {}
    summed: set[int] = set()
    if ids:
        for round_id, channel, n in session.execute(
            select(RollMark.round_id, RollMark.channel, func.count())
            .where(RollMark.round_id.in_(ids))
            .group_by(RollMark.round_id, RollMark.channel)
        ):
            marks[(round_id, channel)] = n
        tallies = {
            t.round_id: t
            for t in session.scalars(select(RoundTally).where(RoundTally.round_id.in_(ids)))
        }
        for result in session.scalars(
            select(CandidateResult).where(CandidateResult.round_id.in_(ids))
        ):
            lines.setdefault(result.round_id, {})[result.candidate_id] = result
        lots = {
            d.round_id: d for d in session.scalars(select(LotDraw).where(LotDraw.round_id.in_(ids)))
        }
        summed = set(
            session.scalars(
                select(RoundAggregate.round_id).where(RoundAggregate.round_id.in_(ids)).distinct()
            )
        )
        # An annulled round's ballots are never counted, not even live.
        running = [
            r.id
            for r in rounds
            if r.id not in tallies and r.status in (RoundStatus.OPEN, RoundStatus.CLOSED)
        ]
        if running and not election.secret:
            for candidate_id, n, round_id in session.execute(
                votes_query()
                .add_columns(Ballot.round_id)
                .where(Ballot.round_id.in_(running))
                .group_by(Ballot.round_id)
            ):
                live_votes.setdefault(round_id, {})[candidate_id] = n

    out = Results(election)
    for group in GROUPS:
        views: list[RoundView] = []
        # Validity of the group's counted rounds so far, latest first (annulled rounds
        # are never counted, so they do not count here either).
        validity: list[bool] = []
        for round_ in (r for r in rounds if r.group == group):
            tally = tallies.get(round_.id)
            kind = rules.round_kind(validity[0] if validity else None)
            online = marks.get((round_.id, Channel.ONLINE), 0)
            paper = marks.get((round_.id, Channel.PAPER), 0)
            view = RoundView(
                round=round_,
                kind=kind,
                roll=tally.roll if tally else rolls.get(group, 0),
                voted=online + paper,
                online=online,
                paper=paper,
                tally=tally,
                lots=lots.get(round_.id),
                lines=_lines(
                    round_,
                    tally,
                    lines.get(round_.id, {}),
                    lots.get(round_.id),
                    live_votes.get(round_.id),
                ),
                lots_allowed=rules.lots_allowed(election.tie_rule, kind),
                awaiting=_awaiting(election, round_, tally, summed),
                attempt=rules.attempt(validity),
            )
            views.append(view)
            if tally is not None:
                validity.insert(0, tally.valid)
        if views:
            views[-1].next_step = _next_step(views[-1])
        seats = election.seats_for(group)
        out.groups[group] = GroupResults(
            group=group,
            seats=seats,
            roll=rolls.get(group, 0),
            rounds=views,
            status=_status(seats, views),
        )
    return out


def _awaiting(
    election: Election, round_: Round, tally: RoundTally | None, summed: set[int]
) -> Awaiting | None:
    if not election.secret or tally is not None or round_.status != RoundStatus.CLOSED:
        return None
    if round_.id in summed:
        return Awaiting.TELLERS
    return Awaiting.PAPER if round_.paper_issued else None


def _by_name(line: CandidateLine) -> tuple[object, ...]:
    return polish_sort_key(line.candidate.full_name)


def _lines(
    round_: Round,
    tally: RoundTally | None,
    stored: dict[int, CandidateResult],
    lots: LotDraw | None,
    live: dict[int, int] | None,
) -> list[CandidateLine]:
    """The round's candidates: by rank (then name) once counted or counted live, by
    name while the counts are hidden — for ever, for a secret round never decrypted."""
    if tally is not None and tally.blank is not None:
        tied = set(tally.tied or [])
        won = set(lots.winners) if lots else set()
        out = [
            CandidateLine(
                candidate=c,
                votes=stored[c.id].votes if c.id in stored else 0,
                rank=stored[c.id].rank if c.id in stored else None,
                elected=c.id in stored and stored[c.id].elected,
                tied=c.id in tied,
                by_lot=c.id in won,
            )
            for c in round_.candidates
        ]
        return sorted(out, key=lambda line: (line.rank or 10**6, _by_name(line)))
    if live is not None:
        ids = [c.id for c in round_.candidates]
        live = {cid: n for cid, n in live.items() if cid in ids}
        counted = rules.count(ids, live, 0, 0, round_.seats)
        return sorted(
            (
                CandidateLine(candidate=c, votes=live.get(c.id, 0), rank=counted.rank_of(c.id))
                for c in round_.candidates
            ),
            key=lambda line: (line.rank or 0, _by_name(line)),
        )
    hidden = [CandidateLine(candidate=c, votes=None, rank=None) for c in round_.candidates]
    return sorted(hidden, key=_by_name)


def _next_step(view: RoundView) -> NextStep | None:
    """What follows a counted round; ``None`` also when nobody is left to vote on (every
    candidate of a repeat withdrew, or too many of the tied: the group is short)."""
    tally = view.tally
    if tally is None:
        return None
    if not tally.valid:
        return NextStep.REPEAT if view.standing else None
    if not tally.tied or view.lots is not None:
        return None
    left = len(view.standing_tied)
    if left >= view.round.seats - tally.seats_filled:
        return NextStep.LOTS if view.lots_allowed else NextStep.RUNOFF
    # Fewer of the tied left than seats: a runoff still elects them (the rest of the
    # seats stay empty); lots, which must fill every open seat, cannot.
    return NextStep.RUNOFF if left and not view.lots_allowed else None


def _status(seats: int, views: list[RoundView]) -> GroupStatus:
    elected: list[Candidate] = []
    for view in views:
        if view.tally is None or not view.tally.valid:
            continue
        clear = [line.candidate for line in view.lines if line.elected and not line.by_lot]
        elected.extend(clear)
        elected.extend(view.lot_winners)
    pending: str | None = None
    last = views[-1] if views else None
    if last is None:
        pending = PENDING_NO_ROUND
    elif last.annulled:
        # An annulled round is replaced at once unless nobody was left to vote on.
        pending = PENDING_SHORT
    elif last.status == RoundStatus.PENDING:
        pending = PENDING_ROUND_WAITING
    elif last.status == RoundStatus.OPEN:
        pending = PENDING_ROUND_OPEN
    elif last.tally is None:
        pending = {Awaiting.PAPER: PENDING_PAPER, Awaiting.TELLERS: PENDING_TELLERS}.get(
            last.awaiting or "", PENDING_NOT_COUNTED
        )
    elif last.next_step == NextStep.REPEAT:
        pending = PENDING_INVALID
    elif last.next_step in (NextStep.RUNOFF, NextStep.LOTS):
        pending = PENDING_TIE
    elif last.tally is not None and not last.tally.valid:
        pending = PENDING_SHORT  # invalid, and nobody left to repeat it with
    elif len(elected) < seats:
        pending = PENDING_SHORT
    return GroupStatus(
        seats=seats,
        elected=elected,
        complete=pending is None and len(elected) == seats,
        pending=pending,
    )


def group_status(session: Session, election: Election) -> dict[PartnerGroup, GroupStatus]:
    """Per group: seats, the elected in order, whether complete, and why not."""
    return {group: g.status for group, g in results(session, election).groups.items()}
