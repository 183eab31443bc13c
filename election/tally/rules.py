"""Counting a round, ties across the last seat, runoffs, lots and quorum — pure functions.

Only the standard library, :mod:`election.errors` and the quorum rule of the pure
:mod:`election.elections.rules`: the services feed these with the
totals of one SQL aggregation (:mod:`election.tally.counting`) or the rows already read
(:mod:`election.tally.results`) and store or show what they return.
"""

from __future__ import annotations

import enum
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

# The quorum rule is the elections' (the attendance below the tally shows it too); the
# counting decides a round's validity with it, so it is named here as well.
from election.elections.rules import quorum_applies as quorum_applies
from election.elections.rules import quorum_met as quorum_met
from election.elections.rules import required_ballots as required_ballots
from election.errors import N_, ValidationFailed


class RoundKind(enum.StrEnum):
    FIRST = "first"
    #: Among the candidates tied across the last seat of the previous round.
    RUNOFF = "runoff"
    #: The previous round was invalid (no quorum): same candidates, same seats.
    REPEAT = "repeat"


#: ``TieRule.LOTS`` of an election: lots settle a tie at once, without a runoff.
TIE_RULE_LOTS = "lots"


def round_kind(previous_valid: bool | None) -> RoundKind:
    """What a round is, from the group's previous round.

    ``previous_valid`` is ``None`` when there is no previous round or it was not
    counted (a first round), else whether its count reached the quorum: after a valid
    round the next one is a runoff among the tied, after an invalid one a repeat.
    """
    if previous_valid is None:
        return RoundKind.FIRST
    return RoundKind.RUNOFF if previous_valid else RoundKind.REPEAT


def attempt(previous_valid: Sequence[bool]) -> int:
    """Which attempt at the same seats a round is, from the validity of the group's
    earlier counted rounds (annulled rounds left out), latest first: 1, plus one for
    each invalid round right before it. A runoff after a valid round starts again at 1.
    """
    tries = 1
    for valid in previous_valid:
        if valid:
            break
        tries += 1
    return tries


def lots_allowed(tie_rule: str, kind: RoundKind) -> bool:
    """Whether lots may settle a tie of a round (else a runoff must).

    The Regulamin's rule: under the "lots" tie rule always; under "runoff, then lots"
    only a tie that persisted in a runoff. ``tie_rule`` is the election's ``TieRule``.
    """
    return tie_rule == TIE_RULE_LOTS or kind == RoundKind.RUNOFF


@dataclass(frozen=True)
class Ranked:
    """One candidate's place: ``rank`` is shared by candidates with equal votes (1, 2, 2, 4)."""

    candidate_id: int
    votes: int
    rank: int


@dataclass(frozen=True)
class Count:
    """The outcome of one round.

    ``elected`` are the candidates clearly in (by rank, in ranking order);
    ``tied`` are those tied across the last seat, of whom ``seats_open`` more must be
    chosen (by a runoff or by lots). Without a tie ``tied`` is empty.
    """

    ranking: tuple[Ranked, ...]
    ballots: int
    blank: int
    seats: int
    elected: tuple[int, ...]
    tied: tuple[int, ...]

    @property
    def seats_filled(self) -> int:
        return len(self.elected)

    @property
    def seats_open(self) -> int:
        """Seats the tie leaves to fill (0 without a tie)."""
        return self.seats - self.seats_filled if self.tied else 0

    @property
    def total_votes(self) -> int:
        return sum(r.votes for r in self.ranking)

    @property
    def votes(self) -> dict[int, int]:
        return {r.candidate_id: r.votes for r in self.ranking}

    def rank_of(self, candidate_id: int) -> int:
        return next(r.rank for r in self.ranking if r.candidate_id == candidate_id)


def count(
    candidate_ids: Iterable[int],
    vote_counts: dict[int, int],
    ballots: int,
    blank: int,
    seats: int,
) -> Count:
    """Rank the candidates by votes and settle who is elected for ``seats`` seats.

    A candidate is elected when the candidates with at least as many votes (itself
    included) fit in the seats. When a group of equal votes straddles the last seat,
    nobody of that group is elected; they are ``tied`` for the seats left.
    Candidates missing from ``vote_counts`` have 0 votes; votes for a candidate not
    in ``candidate_ids`` are a programming error (``ValueError``).
    """
    if seats < 1:
        raise ValueError("seats must be at least 1")
    ids = sorted(set(candidate_ids))
    unknown = set(vote_counts) - set(ids)
    if unknown:
        raise ValueError(f"votes for candidates not in the round: {sorted(unknown)}")
    if any(v < 0 for v in vote_counts.values()) or ballots < 0 or blank < 0 or blank > ballots:
        raise ValueError("negative or inconsistent totals")
    votes = {cid: vote_counts.get(cid, 0) for cid in ids}
    # Most votes first; equal votes in id order, only so the output is stable.
    order = sorted(ids, key=lambda cid: (-votes[cid], cid))
    ranking: list[Ranked] = []
    for position, cid in enumerate(order, start=1):
        same_as_previous = ranking and ranking[-1].votes == votes[cid]
        rank = ranking[-1].rank if same_as_previous else position
        ranking.append(Ranked(cid, votes[cid], rank))
    elected: list[int] = []
    tied: list[int] = []
    for r in ranking:
        better = sum(1 for o in ranking if o.votes > r.votes)
        equal = sum(1 for o in ranking if o.votes == r.votes)
        if better + equal <= seats:
            elected.append(r.candidate_id)
        elif better < seats:
            tied.append(r.candidate_id)
    return Count(tuple(ranking), ballots, blank, seats, tuple(elected), tuple(tied))


def count_ballots(
    candidate_ids: Iterable[int], ballots: Sequence[Iterable[int]], seats: int
) -> Count:
    """Count from the ballots themselves (each a set of candidate ids); used by the tests
    to state what the SQL aggregation must agree with."""
    votes: Counter[int] = Counter()
    blank = 0
    for choices in ballots:
        chosen = set(choices)
        if not chosen:
            blank += 1
        votes.update(chosen)
    return count(candidate_ids, dict(votes), len(ballots), blank, seats)


def apply_lots(result: Count, winners: Sequence[int]) -> Count:
    """The count once lots chose ``winners`` among the tied.

    Raises :class:`ValidationFailed` when there is no tie, a winner is not among the
    tied, a winner repeats, or the number of winners is not the number of open seats.
    """
    if not result.tied:
        raise ValidationFailed(N_("W tej turze nie ma remisu do rozstrzygnięcia."))
    if len(set(winners)) != len(winners):
        raise ValidationFailed(N_("Ten sam kandydat został wskazany więcej niż raz."))
    if any(w not in result.tied for w in winners):
        raise ValidationFailed(
            N_("Losowanie może wskazać tylko kandydatów, którzy mają remis na ostatnim miejscu.")
        )
    if len(winners) != result.seats_open:
        raise ValidationFailed(
            N_("Losowanie musi wskazać dokładnie tylu kandydatów, ile jest wolnych miejsc: %(n)s."),
            n=result.seats_open,
        )
    return replace(result, elected=(*result.elected, *winners), tied=())


def seeded_draw(
    seed: str, tied_ids: Iterable[int], k: int, withdrawn: Iterable[int] = ()
) -> list[int]:
    """Draw ``k`` of ``tied_ids`` with a PRNG seeded by ``seed``.

    Reproducible by anyone: ``random.Random(seed).sample(sorted(ids), k)`` in Python 3
    (string seeds are hashed with SHA-512, the same on every platform). When some of the
    tied had ``withdrawn`` before the draw, the seed orders all of them
    (``sample(sorted(ids), len(ids))``) and the first ``k`` still standing win — for
    fewer than 22 tied the same winners as the plain draw when nobody withdrew.
    """
    ids = sorted(set(tied_ids))
    out = set(withdrawn)
    standing = [c for c in ids if c not in out]
    if not 0 < k <= len(standing):
        raise ValueError("k must be between 1 and the number of tied candidates standing")
    if len(standing) == len(ids):
        return random.Random(seed).sample(ids, k)
    order = random.Random(seed).sample(ids, len(ids))
    return [c for c in order if c not in out][:k]


def secret_minimum(roll: int) -> int:
    """The fewest ballots a secret round's box is opened with: ``min(3, roll)`` (and 1)."""
    return max(1, min(3, roll))


def decryptable(
    ballots: int,
    roll: int,
    quorum_percent: int | None,
    *,
    attempt: int = 1,
    waived_from: int | None = None,
) -> bool:
    """Whether a secret round is valid, and so may be decrypted at all.

    The quorum must be met (unless waived, :func:`quorum_met`) and the box must hold at
    least ``min(3, roll)`` ballots (and at least one) whatever the quorum: a round
    closed at one or two ballots would reveal how those Partners voted, so its counts
    are never computed — it is invalid and must be repeated.
    """
    met = quorum_met(ballots, roll, quorum_percent, attempt=attempt, waived_from=waived_from)
    return met and ballots >= secret_minimum(roll)


def turnout_percent(voted: int, roll: int) -> float:
    """Turnout in percent, one decimal (0 for an empty roll)."""
    return round(voted * 100 / roll, 1) if roll else 0.0
