"""Closing the voting of an election: the step from ``voting`` to ``closed``.

Here rather than with the other phase steps (:mod:`election.elections.service`)
because it needs the rounds, which are above the elections in the layers.

Voting closes only when nothing in any group still needs a vote: no round open,
waiting to be opened, or closed but waiting for its paper ballots or the tellers; no
round without quorum waiting for its repeat; no tie waiting for a runoff or lots. After
closing, no new round can be opened — so what would need one must happen first, and
the refusal names the group and what to do (:func:`unfinished`). A group that is
*short* (fewer candidates than seats) does not hold the closing up: no vote can fill
it (the Council's supplementary nominations or vacancy do).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.candidates.models import Candidate, CandidateStatus
from election.candidates.nominations import accepting_supplement
from election.elections.models import Election, Phase
from election.errors import N_, Conflict
from election.labels import GROUP_LABELS
from election.partners.models import GROUPS, PartnerGroup
from election.tally.results import Awaiting, GroupResults, NextStep, Results, RoundView, results
from election.voting.models import RoundStatus


class Unfinished(enum.StrEnum):
    """Why a group still needs a vote (and so voting cannot close yet)."""

    NO_ROUND = "no_round"
    PENDING = "pending"
    OPEN = "open"
    PAPER = "paper"
    TELLERS = "tellers"
    NOT_COUNTED = "not_counted"
    REPEAT = "repeat"
    RUNOFF = "runoff"
    LOTS = "lots"


#: The refusal's words per reason: the group, what holds it, what to do first.
UNFINISHED_MESSAGES: dict[Unfinished, str] = {
    Unfinished.NO_ROUND: N_(
        "Grupa „%(group)s”: głosowanie w tej grupie jeszcze się nie rozpoczęło — najpierw "
        "otwórz turę."
    ),
    Unfinished.PENDING: N_(
        "Grupa „%(group)s”: tura %(number)s czeka na otwarcie — najpierw ją otwórz i przeprowadź "
        "głosowanie."
    ),
    Unfinished.OPEN: N_(
        "Grupa „%(group)s”: trwa głosowanie w turze %(number)s — najpierw zamknij turę."
    ),
    Unfinished.PAPER: N_(
        "Grupa „%(group)s”: tura %(number)s czeka na wprowadzenie kart papierowych — najpierw je "
        "wprowadź i policz turę."
    ),
    Unfinished.TELLERS: N_(
        "Grupa „%(group)s”: tura %(number)s czeka na udziały komisji skrutacyjnej — najpierw niech "
        "komisja je wprowadzi."
    ),
    Unfinished.NOT_COUNTED: N_(
        "Grupa „%(group)s”: tura %(number)s jest zamknięta, ale niepoliczona — najpierw ją policz "
        "albo unieważnij."
    ),
    Unfinished.REPEAT: N_(
        "Grupa „%(group)s”: tura %(number)s jest nieważna — najpierw utwórz i przeprowadź turę "
        "powtórzoną."
    ),
}

#: A tie's refusal: (reason, several seats open) → words.
TIE_MESSAGES: dict[tuple[Unfinished, bool], str] = {
    (Unfinished.RUNOFF, False): N_(
        "Grupa „%(group)s”: remis o %(place)s. miejsce — najpierw otwórz dogrywkę."
    ),
    (Unfinished.RUNOFF, True): N_(
        "Grupa „%(group)s”: remis o miejsca %(first)s.–%(last)s. — najpierw otwórz dogrywkę."
    ),
    (Unfinished.LOTS, False): N_(
        "Grupa „%(group)s”: remis o %(place)s. miejsce — najpierw rozstrzygnij go losowaniem."
    ),
    (Unfinished.LOTS, True): N_(
        "Grupa „%(group)s”: remis o miejsca %(first)s.–%(last)s. — najpierw rozstrzygnij go "
        "losowaniem."
    ),
}


@dataclass(frozen=True)
class Blocker:
    """One group's unfinished business: the reason, the round it concerns (``None`` for a
    group without a round), and the words (a msgid and its parameters)."""

    group: PartnerGroup
    reason: Unfinished
    round: RoundView | None
    message: str
    params: dict[str, Any] = field(default_factory=dict)


def tie_places(group: GroupResults, view: RoundView) -> dict[str, int]:
    """The places a tie of ``view`` is about: ``{"place": n}`` for one open seat, else
    ``{"first": n, "last": m}`` — the seats after those the group has filled."""
    filled = len(group.status.elected)
    open_seats = view.round.seats - (view.tally.seats_filled if view.tally else 0)
    if open_seats <= 1:
        return {"place": filled + 1}
    return {"first": filled + 1, "last": filled + open_seats}


def _reason(view: RoundView) -> Unfinished | None:
    status = view.round.status
    if status == RoundStatus.PENDING:
        return Unfinished.PENDING
    if status == RoundStatus.OPEN:
        return Unfinished.OPEN
    if status == RoundStatus.CLOSED and view.tally is None:
        return {Awaiting.PAPER: Unfinished.PAPER, Awaiting.TELLERS: Unfinished.TELLERS}.get(
            view.awaiting or "", Unfinished.NOT_COUNTED
        )
    return {
        NextStep.REPEAT: Unfinished.REPEAT,
        NextStep.RUNOFF: Unfinished.RUNOFF,
        NextStep.LOTS: Unfinished.LOTS,
    }.get(view.next_step or "")


def groups_with_candidates(session: Session, election: Election) -> set[PartnerGroup]:
    """The groups that have verified candidates: those a first round is made for."""
    return set(
        session.scalars(
            select(Candidate.group)
            .where(
                Candidate.election_id == election.id,
                Candidate.status == CandidateStatus.VERIFIED,
            )
            .distinct()
        )
    )


def unfinished(session: Session, election: Election, found: Results | None = None) -> list[Blocker]:
    """What still needs a vote, per group in list order (empty: voting may close).

    A group with candidates but no round; a round pending, open, or closed and waiting
    (paper ballots, tellers); a round without quorum to repeat; a tie for a runoff or
    lots. A group that is short of candidates is not listed (no vote can help it).
    ``found``: the election's :func:`results`, when the caller has them already.
    """
    found = found or results(session, election)
    with_candidates = groups_with_candidates(session, election)
    blockers: list[Blocker] = []
    for group in GROUPS:
        g = found.groups[group]
        label = GROUP_LABELS[group]
        current = g.current
        if current is None:
            if group in with_candidates:
                reason = Unfinished.NO_ROUND
                message = UNFINISHED_MESSAGES[reason]
                blockers.append(Blocker(group, reason, None, message, {"group": label}))
            continue
        reason = _reason(current)
        if reason is None:
            continue
        params: dict[str, Any] = {"group": label, "number": current.number}
        if reason in (Unfinished.RUNOFF, Unfinished.LOTS):
            places = tie_places(g, current)
            params.update(places)
            message = TIE_MESSAGES[(reason, "first" in places)]
        else:
            message = UNFINISHED_MESSAGES[reason]
        blockers.append(Blocker(group, reason, current, message, params))
    return blockers


class VotingUnfinished(Conflict):
    """Closing the voting refused: ``blockers`` say which groups still need what."""

    code = "voting_unfinished"

    def __init__(self, blockers: list[Blocker]) -> None:
        self.blockers = blockers
        first = blockers[0]
        super().__init__(first.message, **first.params)


def voting_may_close(session: Session, election: Election, blockers: list[Blocker]) -> bool:
    """No group needs another vote (``blockers``: :func:`unfinished`) and no supplementary
    nominations are open — closing then would strand them: the group could only end in a
    vacancy. :func:`close_voting` refuses otherwise, saying which."""
    return not blockers and accepting_supplement(session, election) is None


def close_voting(session: Session, actor: Actor, election: Election) -> None:
    """voting → closed, once no group needs another vote (:func:`unfinished`).

    Raises :class:`WrongPhase` when the election is not voting, :class:`VotingUnfinished`
    (naming the first group and what to do there) while a group still needs a vote;
    records ``election.voting_closed`` otherwise.
    """
    if election.phase != Phase.VOTING:
        election.advance_to(Phase.CLOSED)  # raises, saying why
    blockers = unfinished(session, election)
    if blockers:
        raise VotingUnfinished(blockers)
    supplement = accepting_supplement(session, election)
    if supplement is not None:
        raise Conflict(
            N_(
                "W grupie „%(group)s” trwają zgłoszenia uzupełniające — opublikuj je (powstanie "
                "tura na wolne miejsca) albo je anuluj, zanim zakończysz głosowanie."
            ),
            group=str(GROUP_LABELS[supplement.group]),
        )
    election.advance_to(Phase.CLOSED)
    session.flush()
    record(session, actor, "election.voting_closed", election)
