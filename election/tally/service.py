"""The tally: counting closed rounds, ties, runoffs, lots, quorum, and reading the results.

Everything here is computed from the database on each call (no state in process
memory), so several app processes can serve the live views of one election.
"""

from __future__ import annotations

import enum
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from election.audit.service import Actor, record
from election.candidates.models import Candidate
from election.elections.models import Channel, Election, Phase, RollEntry, TieRule
from election.errors import N_, Conflict, Forbidden, NotFound, ValidationFailed
from election.partners.models import PartnerGroup
from election.tally import rules
from election.tally.models import CandidateResult, LotDraw, RoundTally
from election.voting.models import Ballot, BallotChoice, RollMark, Round, RoundStatus

GROUPS = (PartnerGroup.GMINA, PartnerGroup.POWIAT, PartnerGroup.MIASTO_NPP)

#: ``LotDraw.drawn_by`` of a draw the app made with a published seed.
SYSTEM_DRAW = "system"


class RoundKind(enum.StrEnum):
    FIRST = "first"
    #: Among the candidates tied across the last seat of the previous round.
    RUNOFF = "runoff"
    #: The previous round was invalid (no quorum): same candidates, same seats.
    REPEAT = "repeat"


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
    def percent(self) -> float:
        return rules.turnout_percent(self.voted, self.roll)

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
    election: Election
    groups: dict[PartnerGroup, GroupResults] = field(default_factory=dict)


# --- reading ------------------------------------------------------------------------------


def get_round(session: Session, round_id: int, election: Election | None = None) -> Round:
    round_ = session.get(Round, round_id)
    if round_ is None or (election is not None and round_.election_id != election.id):
        raise NotFound(N_("Nie ma takiej tury."))
    return round_


def results(session: Session, election: Election) -> Results:
    """Every round of every group with turnout, counts and ties — a handful of queries.

    In a secret election the votes of a round are hidden until it closes; in an open
    one the running counts of an open round are shown.
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
        running = [r.id for r in rounds if r.id not in tallies and r.status != RoundStatus.PENDING]
        if running and not election.secret:
            for candidate_id, n, round_id in session.execute(
                _votes_query()
                .add_columns(Ballot.round_id)
                .where(Ballot.round_id.in_(running))
                .group_by(Ballot.round_id)
            ):
                live_votes.setdefault(round_id, {})[candidate_id] = n

    out = Results(election)
    for group in GROUPS:
        views: list[RoundView] = []
        previous: RoundView | None = None
        for round_ in (r for r in rounds if r.group == group):
            tally = tallies.get(round_.id)
            kind = _kind(round_, previous)
            view = RoundView(
                round=round_,
                kind=kind,
                roll=tally.roll if tally else rolls.get(group, 0),
                voted=marks.get((round_.id, Channel.ONLINE), 0)
                + marks.get((round_.id, Channel.PAPER), 0),
                online=marks.get((round_.id, Channel.ONLINE), 0),
                paper=marks.get((round_.id, Channel.PAPER), 0),
                tally=tally,
                lots=lots.get(round_.id),
                lines=_lines(
                    round_,
                    tally,
                    lines.get(round_.id, {}),
                    lots.get(round_.id),
                    live_votes.get(round_.id),
                ),
                lots_allowed=election.tie_rule == TieRule.LOTS or kind == RoundKind.RUNOFF,
            )
            views.append(view)
            previous = view
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


def _votes_query() -> Select[Any]:
    """Votes per candidate: ``SELECT candidate_id, count(*) … GROUP BY candidate_id``."""
    return (
        select(BallotChoice.candidate_id, func.count())
        .join(Ballot, Ballot.id == BallotChoice.ballot_id)
        .group_by(BallotChoice.candidate_id)
    )


def _kind(round_: Round, previous: RoundView | None) -> RoundKind:
    if previous is None or previous.tally is None:
        return RoundKind.FIRST
    return RoundKind.RUNOFF if previous.tally.valid else RoundKind.REPEAT


def _lines(
    round_: Round,
    tally: RoundTally | None,
    stored: dict[int, CandidateResult],
    lots: LotDraw | None,
    live: dict[int, int] | None,
) -> list[CandidateLine]:
    if tally is not None:
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
        return sorted(out, key=lambda line: (line.rank or 10**6, line.candidate.full_name))
    if live is not None:
        ids = [c.id for c in round_.candidates]
        live = {cid: n for cid, n in live.items() if cid in ids}
        counted = rules.count(ids, live, 0, 0, round_.seats)
        return sorted(
            (
                CandidateLine(candidate=c, votes=live.get(c.id, 0), rank=counted.rank_of(c.id))
                for c in round_.candidates
            ),
            key=lambda line: (line.rank or 0, line.candidate.full_name),
        )
    return [CandidateLine(candidate=c, votes=None, rank=None) for c in round_.candidates]


def _next_step(view: RoundView) -> NextStep | None:
    tally = view.tally
    if tally is None:
        return None
    if not tally.valid:
        return NextStep.REPEAT
    if tally.tied and view.lots is None:
        return NextStep.LOTS if view.lots_allowed else NextStep.RUNOFF
    return None


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
    elif last.status == RoundStatus.PENDING:
        pending = PENDING_ROUND_WAITING
    elif last.status == RoundStatus.OPEN:
        pending = PENDING_ROUND_OPEN
    elif last.tally is None:
        pending = PENDING_NOT_COUNTED
    elif last.next_step == NextStep.REPEAT:
        pending = PENDING_INVALID
    elif last.next_step in (NextStep.RUNOFF, NextStep.LOTS):
        pending = PENDING_TIE
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


# --- counting -----------------------------------------------------------------------------


def count_round(session: Session, actor: Actor, round_: Round) -> RoundTally:
    """Count a closed round from the ballots and store the tally.

    The votes come from one aggregation over the round's ballot choices; blank
    ballots are ballots without choices; online and paper from the roll marks. Below
    the election's quorum the round is invalid and nobody is elected. Raises
    :class:`Conflict` if the round is not closed or was already counted.
    """
    if round_.status != RoundStatus.CLOSED:
        raise Conflict(N_("Turę można policzyć dopiero po jej zamknięciu."))
    if session.get(RoundTally, round_.id) is not None:
        raise Conflict(N_("Ta tura została już policzona."))
    election = session.get(Election, round_.election_id)
    assert election is not None
    votes = dict(session.execute(_votes_query().where(Ballot.round_id == round_.id)).all())
    ballots = (
        session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_.id))
        or 0
    )
    blank = (
        session.scalar(
            select(func.count())
            .select_from(Ballot)
            .where(
                Ballot.round_id == round_.id,
                ~exists().where(BallotChoice.ballot_id == Ballot.id),
            )
        )
        or 0
    )
    channels = dict(
        session.execute(
            select(RollMark.channel, func.count())
            .where(RollMark.round_id == round_.id)
            .group_by(RollMark.channel)
        ).all()
    )
    roll = (
        session.scalar(
            select(func.count())
            .select_from(RollEntry)
            .where(RollEntry.election_id == election.id, RollEntry.group == round_.group)
        )
        or 0
    )
    candidates = {c.id: c for c in round_.candidates}
    if set(votes) - set(candidates):
        raise Conflict(N_("Na kartach są głosy na kandydatów spoza tej tury; liczenie przerwane."))
    result = rules.count(candidates, votes, ballots, blank, round_.seats)
    valid = rules.quorum_met(ballots, roll, election.quorum_percent)
    elected = set(result.elected) if valid else set()
    tally = RoundTally(
        round_id=round_.id,
        roll=roll,
        ballots=ballots,
        online=channels.get(Channel.ONLINE, 0),
        paper=channels.get(Channel.PAPER, 0),
        blank=blank,
        valid=valid,
        tied=list(result.tied) if valid else [],
        seats_filled=len(elected),
    )
    session.add(tally)
    for ranked in result.ranking:
        session.add(
            CandidateResult(
                round_id=round_.id,
                candidate_id=ranked.candidate_id,
                votes=ranked.votes,
                rank=ranked.rank,
                elected=ranked.candidate_id in elected,
            )
        )
    session.flush()
    record(
        session,
        actor,
        "round.counted",
        round_,
        group=round_.group.value,
        number=round_.number,
        seats=round_.seats,
        roll=roll,
        ballots=ballots,
        online=tally.online,
        paper=tally.paper,
        blank=blank,
        quorum_percent=election.quorum_percent,
        valid=valid,
        votes={str(cid): n for cid, n in result.votes.items()},
        elected=[cid for cid in result.elected if cid in elected],
        tied=tally.tied,
        digest=round_.ballots_digest,
    )
    return tally


def _counted(session: Session, round_: Round) -> tuple[Election, RoundTally]:
    """The election and tally of a counted round of a not yet certified election."""
    election = session.get(Election, round_.election_id)
    assert election is not None
    election.require_phase(Phase.VOTING, Phase.CLOSED)
    tally = session.get(RoundTally, round_.id)
    if tally is None:
        raise Conflict(N_("Ta tura nie została jeszcze policzona."))
    later = session.scalar(
        select(Round.id).where(
            Round.election_id == round_.election_id,
            Round.group == round_.group,
            Round.number > round_.number,
        )
    )
    if later is not None:
        raise Conflict(N_("W tej grupie utworzono już kolejną turę."))
    return election, tally


def _is_runoff(session: Session, round_: Round) -> bool:
    if round_.number == 1:
        return False
    previous = session.scalar(
        select(RoundTally)
        .join(Round, Round.id == RoundTally.round_id)
        .where(
            Round.election_id == round_.election_id,
            Round.group == round_.group,
            Round.number == round_.number - 1,
        )
    )
    return previous is not None and previous.valid


def _lots_allowed(session: Session, election: Election, round_: Round) -> bool:
    """Lots settle a tie under the "lots" rule, or a tie that persisted in a runoff."""
    return election.tie_rule == TieRule.LOTS or _is_runoff(session, round_)


def _new_round(session: Session, round_: Round, candidates: list[Candidate], seats: int) -> Round:
    new = Round(
        election_id=round_.election_id,
        group=round_.group,
        number=round_.number + 1,
        seats=seats,
        status=RoundStatus.PENDING,
    )
    new.candidates = sorted(candidates, key=lambda c: c.full_name)
    session.add(new)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(N_("W tej grupie utworzono już kolejną turę.")) from exc
    return new


def open_runoff(session: Session, actor: Actor, round_: Round) -> Round:
    """Create the runoff round (pending) among the candidates tied across the last seat,
    for the seats still open.

    Refused (:class:`ValidationFailed`/:class:`Conflict`) when there is no tie, the round
    is invalid, lots must settle the tie, or a later round already exists.
    """
    election, tally = _counted(session, round_)
    election.require_phase(Phase.VOTING)  # a new round must be opened, so voting goes on
    if not tally.valid:
        raise Conflict(N_("Tura jest nieważna (brak kworum) — można ją tylko powtórzyć."))
    if not tally.tied:
        raise ValidationFailed(N_("W tej turze nie ma remisu — dogrywka nie jest potrzebna."))
    if session.scalar(select(LotDraw.id).where(LotDraw.round_id == round_.id)) is not None:
        raise Conflict(N_("Remis rozstrzygnięto już losowaniem."))
    if _lots_allowed(session, election, round_):
        raise Conflict(N_("Ten remis rozstrzyga losowanie, a nie kolejna dogrywka."))
    tied = [c for c in round_.candidates if c.id in set(tally.tied)]
    seats = round_.seats - tally.seats_filled
    runoff = _new_round(session, round_, tied, seats)
    record(
        session,
        actor,
        "round.runoff_created",
        runoff,
        group=round_.group.value,
        after_round=round_.number,
        number=runoff.number,
        seats=seats,
        candidates=[c.id for c in tied],
    )
    return runoff


def repeat_round(session: Session, actor: Actor, round_: Round) -> Round:
    """Create a new pending round with the same candidates and seats after an invalid one."""
    election, tally = _counted(session, round_)
    election.require_phase(Phase.VOTING)
    if tally.valid:
        raise ValidationFailed(N_("Ta tura jest ważna — nie trzeba jej powtarzać."))
    repeat = _new_round(session, round_, list(round_.candidates), round_.seats)
    record(
        session,
        actor,
        "round.repeat_created",
        repeat,
        group=round_.group.value,
        after_round=round_.number,
        number=repeat.number,
        seats=repeat.seats,
    )
    return repeat


def record_lots(
    session: Session,
    actor: Actor,
    round_: Round,
    drawn_by: str,
    winners: list[int],
    note: str = "",
    *,
    seed: str | None = None,
) -> LotDraw:
    """Record the drawing of lots among the tied candidates of ``round_``.

    ``winners`` (candidate ids, in the order drawn) must be exactly as many tied
    candidates as seats are open. Refused with a message, nothing written, otherwise.
    """
    election, tally = _counted(session, round_)
    if not tally.valid or not tally.tied:
        raise ValidationFailed(N_("W tej turze nie ma remisu do rozstrzygnięcia."))
    if session.scalar(select(LotDraw.id).where(LotDraw.round_id == round_.id)) is not None:
        raise Conflict(N_("Remis rozstrzygnięto już losowaniem."))
    if not _lots_allowed(session, election, round_):
        raise Conflict(N_("Według regulaminu remis rozstrzyga najpierw dogrywka, potem losowanie."))
    drawn_by = " ".join((drawn_by or "").split())
    note = (note or "").strip()
    if not drawn_by:
        raise ValidationFailed(N_("Podaj, kto losował."))
    if len(drawn_by) > 200 or len(note) > 500:
        raise ValidationFailed(N_("Za długi tekst (osoba losująca do 200 znaków, uwagi do 500)."))
    if actor.id is None:
        raise Forbidden(N_("Losowanie może zapisać tylko zalogowany przewodniczący."))
    stored = {
        r.candidate_id: r
        for r in session.scalars(
            select(CandidateResult).where(CandidateResult.round_id == round_.id)
        )
    }
    counted = rules.count(
        stored,
        {cid: r.votes for cid, r in stored.items()},
        tally.ballots,
        tally.blank,
        round_.seats,
    )
    rules.apply_lots(counted, winners)
    draw = LotDraw(
        round_id=round_.id,
        drawn_by=drawn_by,
        seed=seed,
        winners=list(winners),
        note=note,
        recorded_by_id=actor.id,
    )
    session.add(draw)
    for cid in winners:
        stored[cid].elected = True
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(N_("Remis rozstrzygnięto już losowaniem.")) from exc
    record(
        session,
        actor,
        "round.lots_drawn",
        round_,
        group=round_.group.value,
        number=round_.number,
        tied=list(tally.tied),
        winners=list(winners),
        drawn_by=drawn_by,
        seed=seed,
        note=note,
    )
    return draw


def draw_lots(session: Session, actor: Actor, round_: Round) -> LotDraw:
    """Let the app draw lots with a fresh random seed, recorded and published so anyone
    can repeat the draw with :func:`election.tally.rules.seeded_draw`."""
    _election, tally = _counted(session, round_)
    if not tally.valid or not tally.tied:
        raise ValidationFailed(N_("W tej turze nie ma remisu do rozstrzygnięcia."))
    seed = secrets.token_hex(8)
    winners = rules.seeded_draw(seed, tally.tied, round_.seats - tally.seats_filled)
    return record_lots(session, actor, round_, SYSTEM_DRAW, winners, seed=seed)


# --- the projector link -------------------------------------------------------------------


def enable_projector(session: Session, actor: Actor, election: Election) -> str:
    """Give the projector view a new secret link (the old one stops working)."""
    election.projector_token = secrets.token_urlsafe(24)
    session.flush()
    record(session, actor, "projector.link_created", election)
    return election.projector_token


def disable_projector(session: Session, actor: Actor, election: Election) -> None:
    election.projector_token = None
    session.flush()
    record(session, actor, "projector.link_disabled", election)


def projector_token_ok(election: Election, token: str | None) -> bool:
    expected = election.projector_token
    return bool(expected and token) and hmac.compare_digest(expected, token or "")
