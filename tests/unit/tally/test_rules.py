import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from election.elections.models import TieRule
from election.errors import ValidationFailed
from election.tally.rules import (
    RoundKind,
    apply_lots,
    attempt,
    count,
    count_ballots,
    decryptable,
    lots_allowed,
    quorum_met,
    required_ballots,
    round_kind,
    seeded_draw,
    turnout_percent,
)

# --- examples -----------------------------------------------------------------------------


def test_the_top_seats_are_elected_in_ranking_order():
    result = count([1, 2, 3, 4], {1: 5, 2: 9, 3: 1, 4: 7}, ballots=11, blank=0, seats=2)
    assert result.elected == (2, 4)
    assert result.tied == ()
    assert [(r.candidate_id, r.votes, r.rank) for r in result.ranking] == [
        (2, 9, 1),
        (4, 7, 2),
        (1, 5, 3),
        (3, 1, 4),
    ]


def test_equal_votes_share_a_rank():
    result = count([1, 2, 3, 4], {1: 5, 2: 5, 3: 5, 4: 1}, ballots=8, blank=0, seats=3)
    assert [r.rank for r in result.ranking] == [1, 1, 1, 4]
    assert result.elected == (1, 2, 3) and result.tied == ()


def test_a_tie_across_the_last_seat_elects_only_those_clearly_in():
    result = count([1, 2, 3, 4], {1: 9, 2: 5, 3: 5, 4: 1}, ballots=10, blank=0, seats=2)
    assert result.elected == (1,)
    assert result.tied == (2, 3)
    assert result.seats_filled == 1 and result.seats_open == 1


def test_a_tie_of_everybody_for_every_seat():
    result = count([1, 2, 3], {}, ballots=4, blank=4, seats=2)
    assert result.elected == ()
    assert result.tied == (1, 2, 3)
    assert result.seats_open == 2


def test_a_tie_below_the_last_seat_does_not_matter():
    result = count([1, 2, 3, 4], {1: 9, 2: 8, 3: 2, 4: 2}, ballots=10, blank=0, seats=2)
    assert result.elected == (1, 2) and result.tied == ()


def test_fewer_candidates_than_seats_are_all_elected():
    result = count([1], {1: 0}, ballots=0, blank=0, seats=2)
    assert result.elected == (1,) and result.tied == () and result.seats_filled == 1


def test_votes_for_a_candidate_outside_the_round_are_refused():
    with pytest.raises(ValueError):
        count([1, 2], {3: 1}, ballots=1, blank=0, seats=1)


def test_lots_complete_the_elected():
    tie = count([1, 2, 3, 4], {1: 9, 2: 5, 3: 5, 4: 1}, ballots=10, blank=0, seats=2)
    settled = apply_lots(tie, [3])
    assert settled.elected == (1, 3) and settled.tied == ()


@pytest.mark.parametrize(
    ("winners", "message"),
    [
        ([4], "remis na ostatnim miejscu"),
        ([2, 3], "dokładnie tylu"),
        ([], "dokładnie tylu"),
        ([2, 2], "więcej niż raz"),
    ],
)
def test_lots_refuse_a_wrong_outcome(winners, message):
    tie = count([1, 2, 3, 4], {1: 9, 2: 5, 3: 5, 4: 1}, ballots=10, blank=0, seats=2)
    with pytest.raises(ValidationFailed) as excinfo:
        apply_lots(tie, winners)
    assert message in str(excinfo.value)


def test_lots_without_a_tie_are_refused():
    result = count([1, 2], {1: 2, 2: 1}, ballots=3, blank=0, seats=1)
    with pytest.raises(ValidationFailed):
        apply_lots(result, [1])


def test_a_seeded_draw_is_reproducible_and_documented():
    first = seeded_draw("a1b2c3d4e5f60718", [7, 3, 5], 2)
    assert first == seeded_draw("a1b2c3d4e5f60718", [5, 7, 3], 2)
    # What the public page tells anyone to run.
    assert first == random.Random("a1b2c3d4e5f60718").sample([3, 5, 7], 2)
    assert set(first) <= {3, 5, 7} and len(set(first)) == 2


def test_different_seeds_eventually_draw_differently():
    draws = {tuple(seeded_draw(f"seed{i}", [1, 2, 3, 4], 1)) for i in range(50)}
    assert len(draws) > 1


@pytest.mark.parametrize(
    ("turnout", "roll", "quorum", "met"),
    [
        (0, 10, None, True),
        (5, 10, 50, True),
        (4, 10, 50, False),
        (2, 3, 50, True),
        (1, 3, 50, False),
        (0, 0, 50, True),
        (10, 10, 100, True),
    ],
)
def test_quorum(turnout, roll, quorum, met):
    assert quorum_met(turnout, roll, quorum) is met


def test_turnout_percent():
    assert turnout_percent(1, 3) == 33.3
    assert turnout_percent(0, 0) == 0.0


# --- properties ---------------------------------------------------------------------------


@st.composite
def rounds(draw: st.DrawFn) -> tuple[list[int], list[list[int]], int]:
    candidates = draw(st.lists(st.integers(1, 40), min_size=1, max_size=8, unique=True))
    seats = draw(st.integers(1, 4))
    ballot = st.lists(st.sampled_from(candidates), max_size=seats, unique=True)
    ballots = draw(st.lists(ballot, max_size=40))
    return candidates, ballots, seats


@given(rounds())
def test_total_votes_equal_the_sum_of_choices(data):
    candidates, ballots, seats = data
    result = count_ballots(candidates, ballots, seats)
    assert result.total_votes == sum(len(b) for b in ballots)
    assert result.ballots == len(ballots)
    assert result.blank == sum(1 for b in ballots if not b)


@given(rounds())
def test_never_more_elected_than_seats(data):
    candidates, ballots, seats = data
    result = count_ballots(candidates, ballots, seats)
    assert len(result.elected) <= seats
    assert len(result.elected) + result.seats_open <= seats
    assert set(result.elected).isdisjoint(result.tied)


@given(rounds(), st.randoms(use_true_random=False))
def test_the_order_of_ballots_does_not_matter(data, rnd):
    candidates, ballots, seats = data
    shuffled = [list(b) for b in ballots]
    rnd.shuffle(shuffled)
    for b in shuffled:
        rnd.shuffle(b)
    assert count_ballots(candidates, ballots, seats) == count_ballots(candidates, shuffled, seats)


@given(rounds())
def test_ties_are_detected_exactly(data):
    candidates, ballots, seats = data
    result = count_ballots(candidates, ballots, seats)
    votes = result.votes
    ordered = sorted(votes.values(), reverse=True)
    if len(ordered) <= seats:
        # Everybody fits: nobody is tied, everybody is elected.
        assert result.tied == () and set(result.elected) == set(candidates)
        return
    last_in, first_out = ordered[seats - 1], ordered[seats]
    if last_in != first_out:
        assert result.tied == ()
        assert len(result.elected) == seats
        assert all(votes[c] >= last_in for c in result.elected)
    else:
        assert set(result.tied) == {c for c, v in votes.items() if v == last_in}
        assert set(result.elected) == {c for c, v in votes.items() if v > last_in}
        assert result.seats_open == seats - len(result.elected) >= 1


@given(rounds())
def test_every_elected_has_more_votes_than_every_other(data):
    candidates, ballots, seats = data
    result = count_ballots(candidates, ballots, seats)
    rest = set(candidates) - set(result.elected)
    for winner in result.elected:
        assert all(result.votes[winner] > result.votes[o] for o in rest)


@given(rounds(), st.text(min_size=1, max_size=16))
def test_lots_settle_every_tie_into_exactly_the_seats(data, seed):
    candidates, ballots, seats = data
    result = count_ballots(candidates, ballots, seats)
    if not result.tied:
        return
    winners = seeded_draw(seed, result.tied, result.seats_open)
    settled = apply_lots(result, winners)
    assert len(settled.elected) == seats
    assert winners == seeded_draw(seed, reversed(result.tied), result.seats_open)


# --- runoff or lots: the one rule ---------------------------------------------------------


@pytest.mark.parametrize(
    ("previous_valid", "kind"),
    [(None, RoundKind.FIRST), (True, RoundKind.RUNOFF), (False, RoundKind.REPEAT)],
)
def test_a_round_is_first_a_runoff_or_a_repeat_by_the_previous_count(previous_valid, kind):
    assert round_kind(previous_valid) == kind


@pytest.mark.parametrize(
    ("tie_rule", "kind", "allowed"),
    [
        ("lots", RoundKind.FIRST, True),
        ("lots", RoundKind.REPEAT, True),
        ("lots", RoundKind.RUNOFF, True),
        ("runoff_then_lots", RoundKind.FIRST, False),
        ("runoff_then_lots", RoundKind.REPEAT, False),
        ("runoff_then_lots", RoundKind.RUNOFF, True),
    ],
)
def test_lots_settle_a_tie_under_the_lots_rule_or_after_a_runoff(tie_rule, kind, allowed):
    assert lots_allowed(tie_rule, kind) is allowed


def test_the_rule_reads_the_elections_tie_rule_enum():
    assert lots_allowed(TieRule.LOTS, RoundKind.FIRST)
    assert not lots_allowed(TieRule.RUNOFF_THEN_LOTS, RoundKind.FIRST)


# --- a secret round is decrypted only when valid ------------------------------------------


@pytest.mark.parametrize(
    ("ballots", "roll", "quorum", "expected"),
    [
        (3, 10, None, True),
        (2, 10, None, False),  # two ballots would reveal how both Partners voted
        (1, 10, None, False),
        (2, 2, None, True),  # a roll of two: min(3, roll) = 2
        (1, 1, None, True),
        (0, 0, None, False),  # nothing to decrypt
        (5, 10, 60, False),  # the quorum not met
        (6, 10, 60, True),
    ],
)
def test_a_secret_round_is_decryptable_only_with_quorum_and_min_3_or_roll_ballots(
    ballots, roll, quorum, expected
):
    assert decryptable(ballots, roll, quorum) is expected


@given(st.integers(0, 50), st.integers(0, 50), st.one_of(st.none(), st.integers(0, 100)))
def test_a_decryptable_round_is_always_a_valid_one(ballots, roll, quorum):
    if decryptable(ballots, roll, quorum):
        assert quorum_met(ballots, roll, quorum) and ballots >= min(3, roll) and ballots >= 1


# --- the Regulamin's fallback for a quorum never met ---------------------------------------


@pytest.mark.parametrize(
    ("previous", "expected"),
    [
        ([], 1),  # a first round
        ([True], 1),  # a runoff after a valid round starts again
        ([False], 2),  # the first repeat
        ([False, False, True], 3),  # two invalid rounds right before it
        ([True, False, False], 1),  # the latest earlier round was valid
    ],
)
def test_the_attempt_counts_the_invalid_rounds_right_before(previous, expected):
    assert attempt(previous) == expected


@pytest.mark.parametrize(
    ("turnout", "roll", "attempt_", "waived_from", "met"),
    [
        (1, 5, 1, 2, False),  # the first attempt needs the quorum
        (1, 5, 2, 2, True),  # from the 2nd attempt on it no longer applies
        (0, 5, 3, 2, True),
        (1, 5, 2, 3, False),  # waived only from the 3rd attempt
        (1, 5, 2, None, False),  # no fallback: the quorum applies to every repeat
    ],
)
def test_the_quorum_no_longer_applies_from_the_attempt_the_regulamin_says(
    turnout, roll, attempt_, waived_from, met
):
    assert quorum_met(turnout, roll, 60, attempt=attempt_, waived_from=waived_from) is met
    needed = required_ballots(roll, 60, attempt=attempt_, waived_from=waived_from)
    assert (turnout >= needed) is met


@given(
    st.integers(0, 50),
    st.integers(0, 50),
    st.one_of(st.none(), st.integers(0, 100)),
    st.integers(1, 9),
    st.one_of(st.none(), st.integers(2, 9)),
)
def test_no_fallback_ever_decrypts_a_secret_box_below_min_3_or_roll(
    ballots, roll, quorum, attempt_, waived_from
):
    if decryptable(ballots, roll, quorum, attempt=attempt_, waived_from=waived_from):
        assert ballots >= min(3, roll) and ballots >= 1


@given(st.text(max_size=20), st.lists(st.integers(1, 500), min_size=1, max_size=21, unique=True))
def test_a_draw_past_the_withdrawn_orders_all_the_tied_and_takes_the_first_standing(seed, ids):
    k = 1 + len(ids) // 3
    # Nobody withdrew: the plain draw, as anyone repeats it.
    assert seeded_draw(seed, ids, k) == random.Random(seed).sample(sorted(ids), k)
    assert seeded_draw(seed, ids, k, []) == seeded_draw(seed, ids, k)
    out = sorted(ids)[: len(ids) - k]
    winners = seeded_draw(seed, ids, k, out)
    order = random.Random(seed).sample(sorted(ids), len(ids))
    assert winners == [c for c in order if c not in out][:k]
    assert not set(winners) & set(out)
