"""Finding a round's counts from the decrypted points: one walk for every position."""

import pytest

from election.tally.decryption import find_counts
from election.verify import IDENTITY, G, add, base, scalar


def points(*counts):
    return [IDENTITY if t == 0 else base(scalar(t)) for t in counts]


def test_every_count_is_found_in_one_walk():
    assert find_counts(points(0, 3, 7, 3, 12), 12) == [0, 3, 7, 3, 12]


def test_a_point_beyond_the_ballots_is_no_count():
    assert find_counts(points(2, 13), 12) is None
    assert find_counts([add(base(scalar(5)), G), base(scalar(99))], 10) is None


@pytest.mark.parametrize("limit", [0, 1, 5])
def test_zero_votes_are_the_identity(limit):
    assert find_counts(points(0, 0), limit) == [0, 0]
