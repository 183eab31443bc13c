"""Counting a closed round, and what follows a count: a runoff, a repeat, lots.

Every function takes the session and an :class:`Actor`, checks, writes, records the
audit event and flushes; the caller commits once. :func:`count_round` runs when a
round closes (:mod:`election.tally.receivers`), in the closing transaction: an open
election's round is counted from its ballots here, a secret election's box is opened
by :mod:`election.tally.opening` (decrypting only sums, only of a valid round). What is
stored of a count: :mod:`election.tally.tallies`.

Which tie goes to a runoff and which to lots is :func:`election.tally.rules.lots_allowed`
— the same rule the results show (:mod:`election.tally.results`).
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.candidates.models import Candidate, CandidateStatus
from election.collation import polish_sort_key
from election.elections.custody import KeyStore
from election.elections.models import Election, Phase
from election.errors import N_, Conflict, Forbidden, ValidationFailed
from election.tally import opening, rules
from election.tally.models import SYSTEM_DRAW, CandidateResult, LotDraw, RoundTally
from election.tally.tallies import attempt_of, earlier_validity, store_count, turnout
from election.voting.models import Ballot, BallotChoice, Round, RoundStatus


def _stands(candidate: Candidate) -> bool:
    return candidate.status == CandidateStatus.VERIFIED


def standing(candidates: list[Candidate]) -> list[Candidate]:
    """``candidates`` without those who withdrew (or were struck off) since: what a
    new round of the group — a runoff, a repeat, a replacement — is voted on."""
    return [c for c in candidates if _stands(c)]


def votes_query() -> Select[Any]:
    """Votes per candidate: ``SELECT candidate_id, count(*) … GROUP BY candidate_id``."""
    return (
        select(BallotChoice.candidate_id, func.count())
        .join(Ballot, Ballot.id == BallotChoice.ballot_id)
        .group_by(BallotChoice.candidate_id)
    )


def count_round(
    session: Session, actor: Actor, round_: Round, keys: KeyStore | None = None
) -> RoundTally | None:
    """Count a closed round and store the tally; ``None`` while a secret round waits.

    A secret election's round is counted from its encrypted ballots
    (:func:`election.tally.opening.count_secret_round`; ``keys`` holds the server's key);
    an open election's from the ballots' choices. Below the election's quorum the round
    is invalid and nobody is elected. Raises :class:`Conflict` if the round is not
    closed or was already counted.
    """
    if round_.status != RoundStatus.CLOSED:
        raise Conflict(N_("Turę można policzyć dopiero po jej zamknięciu."))
    if session.get(RoundTally, round_.id) is not None:
        raise Conflict(N_("Ta tura została już policzona."))
    election = session.get_one(Election, round_.election_id)
    if election.secret:
        if keys is None:
            raise ValueError("counting a secret round needs the key store")
        return opening.count_secret_round(session, actor, round_, election, keys)
    return _count_open_round(session, actor, round_, election)


def _count_open_round(
    session: Session, actor: Actor, round_: Round, election: Election
) -> RoundTally:
    """An open election's round: one aggregation over its ballots' choices."""
    votes = dict(session.execute(votes_query().where(Ballot.round_id == round_.id)).all())
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
    seen = turnout(session, round_)
    if set(votes) - {c.id for c in round_.candidates}:
        raise Conflict(N_("Na kartach są głosy na kandydatów spoza tej tury; liczenie przerwane."))
    return store_count(
        session,
        actor,
        round_,
        election,
        roll=seen.roll,
        ballots=ballots,
        online=seen.online,
        paper=seen.paper,
        blank=blank,
        votes=votes,
        valid=rules.quorum_met(
            ballots,
            seen.roll,
            election.quorum_percent,
            attempt=attempt_of(session, round_),
            waived_from=election.quorum_waived_from,
        ),
    )


# --- after the count: runoff, repeat, lots ------------------------------------------------


def _counted(session: Session, round_: Round) -> tuple[Election, RoundTally]:
    """The election and tally of a counted round of a not yet certified election."""
    election = session.get_one(Election, round_.election_id)
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


def _kind(session: Session, round_: Round) -> rules.RoundKind:
    """What the round is (:func:`rules.round_kind`), from the group's previous counted
    round (an annulled round in between does not count)."""
    previous = earlier_validity(session, round_)
    return rules.round_kind(previous[0] if previous else None)


def _lots_allowed(session: Session, election: Election, round_: Round) -> bool:
    return rules.lots_allowed(election.tie_rule, _kind(session, round_))


def new_round(session: Session, round_: Round, candidates: list[Candidate], seats: int) -> Round:
    """The group's next round after ``round_`` (pending), on ``candidates`` for ``seats``.

    Raises :class:`Conflict` when another round took that number at the same moment.
    """
    new = Round(
        election_id=round_.election_id,
        group=round_.group,
        number=round_.number + 1,
        seats=seats,
        status=RoundStatus.PENDING,
    )
    new.candidates = sorted(candidates, key=lambda c: polish_sort_key(c.full_name))
    session.add(new)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(N_("W tej grupie utworzono już kolejną turę.")) from exc
    return new


def open_runoff(session: Session, actor: Actor, round_: Round) -> Round:
    """Create the runoff round (pending) among the candidates tied across the last seat,
    for the seats still open.

    Refused (:class:`ValidationFailed`/:class:`Conflict`/:class:`WrongPhase`) when there
    is no tie, the round is invalid, lots must settle the tie, or a later round exists.
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
    seats = round_.seats - tally.seats_filled
    # A tied candidate who withdrew since is not on the runoff's ballot.
    tied = [c for c in standing(round_.candidates) if c.id in set(tally.tied)]
    if not tied:
        raise Conflict(
            N_("Wszyscy kandydaci z remisu wycofali się — w tej grupie brakuje kandydatów.")
        )
    runoff = new_round(session, round_, tied, seats)
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
    """Create a new pending round with the same candidates and seats after an invalid one.

    Refused (:class:`ValidationFailed`/:class:`Conflict`/:class:`WrongPhase`) when the
    round is valid or a later round exists.
    """
    election, tally = _counted(session, round_)
    election.require_phase(Phase.VOTING)
    if tally.valid:
        raise ValidationFailed(N_("Ta tura jest ważna — nie trzeba jej powtarzać."))
    candidates = standing(round_.candidates)
    if not candidates:
        raise Conflict(N_("Wszyscy kandydaci tej tury wycofali się — nie ma kogo wybierać."))
    repeat = new_round(session, round_, candidates, round_.seats)
    record(
        session,
        actor,
        "round.repeat_created",
        repeat,
        group=round_.group.value,
        after_round=round_.number,
        number=repeat.number,
        seats=repeat.seats,
        candidates=[c.id for c in candidates],
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
    withdrawn: list[int] | None = None,
) -> LotDraw:
    """Record the drawing of lots among the tied candidates of ``round_``.

    ``winners`` (candidate ids, in the order drawn) must be exactly as many tied
    candidates as seats are open, none of them withdrawn. ``withdrawn``: the tied who had
    withdrawn before an app's draw (recorded, so the draw can be repeated). Refused with
    a message, nothing written, otherwise.
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
        tally.blank or 0,
        round_.seats,
    )
    rules.apply_lots(counted, winners)
    gone = [c.full_name for c in round_.candidates if c.id in winners and not _stands(c)]
    if gone:
        raise ValidationFailed(
            N_("Wylosować można tylko kandydatów, którzy się nie wycofali: %(names)s."),
            names=", ".join(gone),
        )
    draw = LotDraw(
        round_id=round_.id,
        drawn_by=drawn_by,
        seed=seed,
        winners=list(winners),
        withdrawn=list(withdrawn or []),
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
        withdrawn=list(withdrawn or []),
        drawn_by=drawn_by,
        seed=seed,
        note=note,
    )
    return draw


def draw_lots(session: Session, actor: Actor, round_: Round) -> LotDraw:
    """Let the app draw lots with a fresh random seed, recorded and published so anyone
    can repeat the draw with :func:`election.tally.rules.seeded_draw`.

    Refused as :func:`record_lots` is.
    """
    _election, tally = _counted(session, round_)
    if not tally.valid or not tally.tied:
        raise ValidationFailed(N_("W tej turze nie ma remisu do rozstrzygnięcia."))
    open_seats = round_.seats - tally.seats_filled
    # Those who withdrew since the count are never drawn (the seed orders all the tied,
    # the first still standing win: ``rules.seeded_draw``).
    standing_ids = {c.id for c in standing(round_.candidates)}
    withdrawn = [cid for cid in tally.tied if cid not in standing_ids]
    if len(tally.tied) - len(withdrawn) < open_seats:
        raise Conflict(
            N_("Za mało kandydatów z remisu pozostało na liście, by rozlosować miejsca.")
        )
    seed = secrets.token_hex(8)
    winners = rules.seeded_draw(seed, tally.tied, open_seats, withdrawn)
    return record_lots(session, actor, round_, SYSTEM_DRAW, winners, seed=seed, withdrawn=withdrawn)
