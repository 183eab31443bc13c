"""The stored results checked against the ballots and the audit chain (``flask audit
verify`` composes this).

Every counted round is recounted from what cannot be forged unnoticed: a secret round
from its encrypted ballots (checked against the digest the chain recorded) and the
decryption shares with their proofs; an open round from its ballots' choices. The
recount must agree with the stored :class:`RoundTally` and :class:`CandidateResult`
rows — the elected recomputed with the tally rules and any lots — and with the
``round.counted`` event the chain holds. Beside that: every roll mark must have its
``ballot.cast`` event (the same Partner, round and channel), and every candidate's name
must be the one the chain recorded.

Each function returns the problems found, one line each, empty when none.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from election import crypto
from election.audit.models import AuditEvent
from election.candidates.models import Candidate
from election.elections.custody import key_of
from election.elections.models import Election
from election.errors import DomainError
from election.tally import decryption, rules
from election.tally.counting import votes_query
from election.tally.models import (
    CandidateResult,
    DecryptionShare,
    LotDraw,
    RoundAggregate,
    RoundTally,
)
from election.tally.opening import encrypted_count
from election.tally.tallies import COUNTED, attempt_of, turnout
from election.voting.models import Ballot, BallotChoice, RollMark, Round


def _events(session: Session, action: str) -> dict[str, AuditEvent]:
    """The latest event of ``action`` per object id."""
    found: dict[str, AuditEvent] = {}
    for event in session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ):
        found[event.object_id or ""] = event
    return found


def verify_results(session: Session) -> list[str]:
    """Recount every counted round and compare with the stored results and the chain."""
    counted = _events(session, COUNTED)
    lots_events = _events(session, "round.lots_drawn")
    problems: list[str] = []
    for tally in session.scalars(select(RoundTally).order_by(RoundTally.round_id)):
        round_ = session.get_one(Round, tally.round_id)
        election = session.get_one(Election, round_.election_id)
        where = f"round {round_.id} ({round_.group.value}, {round_.number})"
        try:
            problems += [
                f"{where}: {p}"
                for p in _verify_round(
                    session,
                    election,
                    round_,
                    tally,
                    counted.get(str(round_.id)),
                    lots_events.get(str(round_.id)),
                )
            ]
        except (DomainError, ValueError, RuntimeError) as exc:
            problems.append(f"{where}: cannot be recounted ({exc})")
    tallied = set(session.scalars(select(RoundTally.round_id)))
    for round_id in sorted(int(i) for i in counted if i and int(i) not in tallied):
        problems.append(f"round {round_id}: the chain records its count, the database has none")
    return problems


def _verify_round(
    session: Session,
    election: Election,
    round_: Round,
    tally: RoundTally,
    event: AuditEvent | None,
    lots_event: AuditEvent | None,
) -> list[str]:
    problems: list[str] = []
    seen = turnout(session, round_)
    quorum = {"attempt": attempt_of(session, round_), "waived_from": election.quorum_waived_from}
    if election.secret:
        ballots, paper = encrypted_count(session, round_), round_.paper_entered
        valid = rules.decryptable(ballots, seen.roll, election.quorum_percent, **quorum)
    else:
        ballots = session.scalar(
            select(func.count()).select_from(Ballot).where(Ballot.round_id == round_.id)
        )
        ballots, paper = ballots or 0, seen.paper
        valid = rules.quorum_met(ballots, seen.roll, election.quorum_percent, **quorum)
    stored = (tally.roll, tally.ballots, tally.online, tally.paper, tally.valid)
    recounted = (seen.roll, ballots, seen.online, paper, valid)
    if stored != recounted:
        problems.append(
            "the stored turnout (roll, ballots, online, paper, valid) is "
            f"{stored}, the recount gives {recounted}"
        )
    results = {
        r.candidate_id: r
        for r in session.scalars(
            select(CandidateResult).where(CandidateResult.round_id == round_.id)
        )
    }
    if event is None:
        problems.append("counted, but the chain holds no round.counted event")
    if election.secret and not valid:
        return problems + _verify_undecrypted(session, round_, tally, results, event)
    if election.secret:
        blank, votes = _recount_secret(session, round_, election)
    else:
        blank, votes = _recount_open(session, round_)
    if tally.blank != blank:
        problems.append(f"{tally.blank} blank ballots stored, the recount gives {blank}")
    stored_votes = {cid: r.votes for cid, r in results.items()}
    if stored_votes != votes:
        problems.append(f"the stored votes {stored_votes} differ from the recount {votes}")
    problems += _verify_outcome(session, round_, tally, results, votes, ballots, blank, valid)
    problems += _verify_lots_event(session, round_, lots_event)
    if event is not None:
        problems += _verify_event(event, tally, results, votes, blank, valid)
    return problems


def _verify_undecrypted(
    session: Session,
    round_: Round,
    tally: RoundTally,
    results: dict[int, CandidateResult],
    event: AuditEvent | None,
) -> list[str]:
    """An invalid secret round: nothing summed, decrypted or counted, anywhere."""
    problems = []
    opened = session.scalar(
        select(exists().where(RoundAggregate.round_id == round_.id))
    ) or session.scalar(select(exists().where(DecryptionShare.round_id == round_.id)))
    if tally.blank is not None or results or opened or tally.tied or tally.seats_filled:
        problems.append("an invalid secret round has counts, sums or decryptions stored")
    if event is not None and (event.details.get("valid") or "votes" in event.details):
        problems.append("the chain records counts of a round that is invalid")
    return problems


def _recount_secret(
    session: Session, round_: Round, election: Election
) -> tuple[int, dict[int, int]]:
    """Blank ballots and votes from the encrypted ballots and the stored decryption shares:
    the box checked against the chain's digest, summed again, compared with the stored
    sums, every decryption proof checked."""
    ballots, columns = decryption.read_box(session, round_)
    sums = crypto.aggregate(columns)
    positions = decryption.width(round_)
    recomputed = [
        RoundAggregate(round_id=round_.id, position=j, sum_a=sums[j], sum_b=sums[positions + j])
        for j in range(positions)
    ]
    stored = decryption.stored_aggregates(session, round_)
    if [(a.sum_a, a.sum_b) for a in stored] != [(a.sum_a, a.sum_b) for a in recomputed]:
        raise ValueError("the stored sums are not the sums of the ballots")
    counts = decryption.decrypt(session, round_, key_of(session, election), recomputed, ballots)
    ids = [c.id for c in decryption.candidates_by_id(round_)]
    return counts[0], dict(zip(ids, counts[1:], strict=True))


def _recount_open(session: Session, round_: Round) -> tuple[int, dict[int, int]]:
    votes = dict(session.execute(votes_query().where(Ballot.round_id == round_.id)).all())
    blank = session.scalar(
        select(func.count())
        .select_from(Ballot)
        .where(Ballot.round_id == round_.id, ~exists().where(BallotChoice.ballot_id == Ballot.id))
    )
    return blank or 0, {c.id: votes.get(c.id, 0) for c in round_.candidates}


def _verify_outcome(
    session: Session,
    round_: Round,
    tally: RoundTally,
    results: dict[int, CandidateResult],
    votes: dict[int, int],
    ballots: int,
    blank: int,
    valid: bool,
) -> list[str]:
    """Ranks, the tie and the elected, recomputed with the tally rules and the lots."""
    problems = []
    count = rules.count([c.id for c in round_.candidates], votes, ballots, blank, round_.seats)
    ranks = {cid: r.rank for cid, r in results.items()}
    if ranks != {r.candidate_id: r.rank for r in count.ranking}:
        problems.append("the stored ranks differ from the recount")
    elected = set(count.elected) if valid else set()
    tied = list(count.tied) if valid else []
    draw = session.scalar(select(LotDraw).where(LotDraw.round_id == round_.id))
    if draw is not None:
        try:
            elected |= set(rules.apply_lots(count, draw.winners).elected)
        except DomainError:
            problems.append("the lots drawn do not settle the recounted tie")
    if {cid for cid, r in results.items() if r.elected} != elected:
        problems.append(
            "the candidates marked elected differ from the recount: "
            f"stored {sorted(cid for cid, r in results.items() if r.elected)}, "
            f"recounted {sorted(elected)}"
        )
    if list(tally.tied or []) != tied or tally.seats_filled != (len(count.elected) if valid else 0):
        problems.append("the stored tie or seats filled differ from the recount")
    return problems


def _verify_lots_event(session: Session, round_: Round, event: AuditEvent | None) -> list[str]:
    draw = session.scalar(select(LotDraw).where(LotDraw.round_id == round_.id))
    if draw is None:
        return [] if event is None else ["the chain records lots the database does not hold"]
    if event is None or list(event.details.get("winners", [])) != list(draw.winners):
        return ["the lots stored differ from those the chain recorded"]
    if draw.seed and rules.seeded_draw(
        draw.seed,
        event.details.get("tied", []),
        len(draw.winners),
        event.details.get("withdrawn", []),
    ) != list(draw.winners):
        return ["the app's draw does not follow from its published seed"]
    return []


def _verify_event(
    event: AuditEvent,
    tally: RoundTally,
    results: dict[int, CandidateResult],
    votes: dict[int, int],
    blank: int,
    valid: bool,
) -> list[str]:
    """The stored results against what the chain recorded when the round was counted."""
    details: dict[str, Any] = event.details
    recorded = {int(cid): n for cid, n in details.get("votes", {}).items()}
    elected = sorted(cid for cid, r in results.items() if r.elected)
    mismatches = []
    if recorded != votes:
        mismatches.append("votes")
    if details.get("blank") != blank or details.get("ballots") != tally.ballots:
        mismatches.append("ballots")
    if details.get("valid") != valid:
        mismatches.append("validity")
    if not set(details.get("elected", [])) <= set(elected):
        mismatches.append("elected")
    if list(details.get("tied", [])) != list(tally.tied or []):
        mismatches.append("tie")
    if mismatches:
        return [
            f"the stored results differ from the chain's round.counted ({', '.join(mismatches)})"
        ]
    return []


# --- roll marks and candidates ------------------------------------------------------------


def verify_roll_marks(session: Session) -> list[str]:
    """Every roll mark matches a ``ballot.cast`` event (Partner, round, channel), and
    every such event a roll mark."""
    recorded: Counter[tuple[int, int, str]] = Counter()
    for event in session.scalars(select(AuditEvent).where(AuditEvent.action == "ballot.cast")):
        details = event.details
        recorded[
            (
                int(event.object_id or 0),
                int(details.get("partner_id") or 0),
                str(details.get("channel")),
            )
        ] += 1
    stored: Counter[tuple[int, int, str]] = Counter(
        (round_id, partner_id, channel.value)
        for round_id, partner_id, channel in session.execute(
            select(RollMark.round_id, RollMark.partner_id, RollMark.channel)
        )
    )
    problems = []
    for round_id, partner_id, channel in sorted((stored - recorded).elements()):
        problems.append(
            f"round {round_id}: a roll mark of Partner {partner_id} ({channel}) "
            "that no ballot.cast event records"
        )
    for round_id, partner_id, channel in sorted((recorded - stored).elements()):
        problems.append(
            f"round {round_id}: the chain records a vote of Partner {partner_id} ({channel}) "
            "that has no roll mark"
        )
    return problems


def verify_candidate_names(session: Session) -> list[str]:
    """Each candidate's name is the one the chain recorded: at nomination, and in the
    ``round.counted`` event of every round the candidate stood in."""
    recorded: dict[int, set[str]] = {}
    for event in session.scalars(
        select(AuditEvent).where(AuditEvent.action == "candidate.nominated")
    ):
        if event.object_id and "name" in event.details:
            recorded.setdefault(int(event.object_id), set()).add(str(event.details["name"]))
    for event in session.scalars(select(AuditEvent).where(AuditEvent.action == COUNTED)):
        for cid, name in (event.details.get("candidates") or {}).items():
            recorded.setdefault(int(cid), set()).add(str(name))
    problems = []
    for candidate in session.scalars(
        select(Candidate).where(Candidate.id.in_(list(recorded))).order_by(Candidate.id)
    ):
        names = recorded[candidate.id]
        if names != {candidate.full_name}:
            problems.append(
                f"candidate {candidate.id}: named “{candidate.full_name}”, the chain "
                f"recorded {', '.join(sorted(f'“{n}”' for n in names))}"
            )
    return problems
