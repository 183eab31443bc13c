"""The ballot box's cryptography on its own: encryption, proofs, decryption, tellers."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from election import crypto
from election.verify import (
    IDENTITY,
    Context,
    base,
    check_decryption,
    check_disjunction,
    discrete_log,
    hash_to_scalar,
    is_canonical_scalar,
    is_valid_point,
    mul,
    scalar,
    sub,
    tracking_code,
)

KEY = crypto.new_keypair()
CONTEXT = Context(election_id=1, round_id=7, public_key=KEY.public)


def decrypt_all(ballots, width, context=CONTEXT, secret=KEY.secret):
    sums_a = crypto.aggregate([[b.ciphertexts[j][0] for b in ballots] for j in range(width)])
    sums_b = crypto.aggregate([[b.ciphertexts[j][1] for b in ballots] for j in range(width)])
    counts = []
    for j in range(width):
        share = crypto.decryption_share(context, j, "server", secret, sums_a[j])
        counts.append(crypto.count(sums_b[j], crypto.combine([share]), len(ballots)))
    return counts


def bit_proof_holds(context, position, ciphertext):
    a, b, c0, c1, z0, z1 = ciphertext
    return check_disjunction("bit", context, [position], a, b, [0, 1], [c0, c1], [z0, z1])


@settings(max_examples=15, deadline=None)
@given(st.lists(st.lists(st.integers(0, 1), min_size=3, max_size=3), min_size=1, max_size=6))
def test_the_homomorphic_count_is_the_sum_of_the_ballots(votes):
    votes = [v if sum(v) <= 2 else [1, 1, 0] for v in votes]
    ballots = [crypto.encrypt_ballot(CONTEXT, 2, v) for v in votes]
    blank = sum(1 for v in votes if not any(v))
    expected = [blank] + [sum(col) for col in zip(*votes, strict=True)]
    assert decrypt_all(ballots, 4) == expected


def test_every_proof_of_an_honest_ballot_holds():
    ballot = crypto.encrypt_ballot(CONTEXT, 2, [0, 1, 1])
    assert all(bit_proof_holds(CONTEXT, j, c) for j, c in enumerate(ballot.ciphertexts))
    assert all(is_valid_point(c[0]) and is_valid_point(c[1]) for c in ballot.ciphertexts)
    assert all(is_canonical_scalar(s) for c in ballot.ciphertexts for s in c[2:])


@pytest.mark.parametrize("marks", [[1, 1, 1], [2, 0, 0], [1, 0, -1]])
def test_an_over_vote_or_a_mark_other_than_0_or_1_cannot_be_encrypted(marks):
    with pytest.raises(ValueError):
        crypto.encrypt_ballot(CONTEXT, 2, marks)


def test_a_proof_does_not_hold_in_another_round_or_election_or_position():
    ballot = crypto.encrypt_ballot(CONTEXT, 1, [1, 0])
    other_round = Context(1, 8, KEY.public)
    other_election = Context(2, 7, KEY.public)
    assert bit_proof_holds(CONTEXT, 1, ballot.ciphertexts[1])
    assert not bit_proof_holds(other_round, 1, ballot.ciphertexts[1])
    assert not bit_proof_holds(other_election, 1, ballot.ciphertexts[1])
    assert not bit_proof_holds(CONTEXT, 2, ballot.ciphertexts[1])


def test_a_ciphertext_of_two_has_no_valid_bit_proof():
    # A cheating client encrypts 2 and tries to reuse an honest proof: it fails.
    r = crypto.random_scalar()
    a, b = base(r), mul(r, KEY.public)
    b_two = crypto.add(b, base(scalar(2)))
    cs, zs = crypto.prove_disjunction("bit", CONTEXT, [1], a, b, r, [0, 1], 0)
    assert check_disjunction("bit", CONTEXT, [1], a, b, [0, 1], cs, zs)
    assert not check_disjunction("bit", CONTEXT, [1], a, b_two, [0, 1], cs, zs)


def test_the_tracking_code_changes_with_any_byte_of_the_ballot():
    ballot = crypto.encrypt_ballot(CONTEXT, 2, [1, 0, 0])
    assert len(ballot.tracking_code) == 11 and ballot.tracking_code[5] == "-"
    changed = list(ballot.ciphertexts)
    a, *rest = changed[1]
    changed[1] = (crypto.add(a, base(scalar(1))), *rest)
    assert tracking_code(CONTEXT, changed, ballot.proof) != ballot.tracking_code


def test_a_decryption_share_proves_it_used_the_key():
    ballots = [crypto.encrypt_ballot(CONTEXT, 1, [1, 0]) for _ in range(3)]
    sum_a = crypto.aggregate([[b.ciphertexts[1][0] for b in ballots]])[0]
    share = crypto.decryption_share(CONTEXT, 1, "server", KEY.secret, sum_a)
    assert check_decryption(CONTEXT, 1, KEY.public, sum_a, share.d, share.a, share.b, share.z)
    wrong = crypto.decryption_share(CONTEXT, 1, "server", crypto.random_scalar(), sum_a)
    assert not check_decryption(CONTEXT, 1, KEY.public, sum_a, wrong.d, wrong.a, wrong.b, wrong.z)


def test_hashing_separates_its_items():
    assert hash_to_scalar("t", b"ab", b"c") != hash_to_scalar("t", b"a", b"bc")
    assert hash_to_scalar("t", 12) == hash_to_scalar("t", "12")
    assert hash_to_scalar("t", 1) != hash_to_scalar("u", 1)


def test_the_identity_is_never_a_valid_point_and_the_sum_can_be_zero():
    assert not is_valid_point(IDENTITY)
    g = base(scalar(1))
    assert sub(g, g) == IDENTITY


@pytest.mark.parametrize(("k", "n"), [(1, 1), (2, 3), (3, 5)])
def test_any_k_of_n_tellers_count_and_fewer_cannot(k, n):
    dealing = crypto.deal(k, n)
    context = Context(1, 9, dealing.public)
    votes = [[1, 0], [0, 1], [1, 0], [0, 0]]
    ballots = [crypto.encrypt_ballot(context, 1, v) for v in votes]
    sums_a = crypto.aggregate([[b.ciphertexts[j][0] for b in ballots] for j in range(3)])
    sums_b = crypto.aggregate([[b.ciphertexts[j][1] for b in ballots] for j in range(3)])
    for group in itertools.combinations(range(1, n + 1), k):
        counts = []
        for j in range(3):
            shares = [
                crypto.decryption_share(context, j, str(i), dealing.shares[i], sums_a[j])
                for i in group
            ]
            counts.append(crypto.count(sums_b[j], crypto.combine(shares), len(ballots)))
        assert counts == [1, 2, 1]
    if k > 1:
        shares = [
            crypto.decryption_share(context, 1, str(i), dealing.shares[i], sums_a[1])
            for i in range(1, k)
        ]
        with pytest.raises(ValueError):
            crypto.count(sums_b[1], crypto.combine(shares), len(ballots))


def test_a_share_is_checked_against_its_public_share():
    dealing = crypto.deal(2, 3)
    assert all(crypto.share_matches(dealing.commitments, i, s) for i, s in dealing.shares.items())
    assert not crypto.share_matches(dealing.commitments, 1, dealing.shares[2])
    assert not crypto.share_matches(dealing.commitments, 1, crypto.random_scalar())


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 5000), st.integers(0, 5000))
def test_the_discrete_log_finds_a_count_within_its_limit_and_nothing_beyond(t, limit):
    point = base(scalar(t))
    assert discrete_log(point, limit) == (t if t <= limit else None)


def test_the_discrete_log_of_a_large_count_and_of_a_point_off_the_table():
    assert discrete_log(base(scalar(100_000)), 100_000) == 100_000
    assert discrete_log(base(scalar(100_001)), 100_000) is None
    assert discrete_log(IDENTITY, 0) == 0
