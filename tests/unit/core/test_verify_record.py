"""The standalone verifier on records built with the prover alone (no app): tellers'
decryption shares combined over any k of n, and what it refuses."""

import copy

import pytest

from election import crypto
from election.verify import Context, VerificationError, public_share
from election.verify.record import verify_record

ELECTION, ROUND, SEATS = 5, 11, 2
NAMES = ["Anna Nowak", "Piotr Ćwik", "Ewa Śliwa"]
BALLOTS = [[1, 1, 0], [1, 0, 0], [0, 0, 0], [0, 1, 1], [1, 0, 1]]


def _record(k, n, holders):
    dealing = crypto.deal(k, n)
    context = Context(ELECTION, ROUND, dealing.public)
    sealed = sorted(
        (crypto.encrypt_ballot(context, SEATS, marks) for marks in BALLOTS),
        key=lambda b: b.tracking_code,
    )
    width = len(NAMES) + 1
    sums_a = crypto.aggregate([[b.ciphertexts[j][0] for b in sealed] for j in range(width)])
    sums_b = crypto.aggregate([[b.ciphertexts[j][1] for b in sealed] for j in range(width)])
    decryption, counts = [], []
    for j in range(width):
        shares = [
            crypto.decryption_share(context, j, str(i), dealing.shares[i], sums_a[j])
            for i in holders
        ]
        decryption.append(
            {
                "shares": [
                    {
                        "holder": s.holder,
                        "d": s.d.hex(),
                        "a": s.a.hex(),
                        "b": s.b.hex(),
                        "z": s.z.hex(),
                    }
                    for s in shares
                ]
            }
        )
        counts.append(crypto.count(sums_b[j], crypto.combine(shares), len(sealed)))
    return {
        "format": "rada-sekap/record/v1",
        "election": {"id": ELECTION},
        "public_key": dealing.public.hex(),
        "custody": {
            "mode": "tellers",
            "k": k,
            "n": n,
            "commitments": [c.hex() for c in dealing.commitments],
            "public_shares": {
                str(i): public_share(dealing.commitments, i).hex() for i in range(1, n + 1)
            },
        },
        "rounds": [
            {
                "id": ROUND,
                "label": "gmina, 1",
                "seats": SEATS,
                "candidates": [{"name": name} for name in NAMES],
                "roll": 6,
                "roll_marks": 5,
                "ballots": [
                    {
                        "tracking_code": b.tracking_code,
                        "ciphertexts": [
                            {"a": c[0].hex(), "b": c[1].hex(), "proof": [x.hex() for x in c[2:]]}
                            for c in b.ciphertexts
                        ],
                        "proof": {
                            "c": [x.hex() for x in b.proof[:SEATS]],
                            "z": [x.hex() for x in b.proof[SEATS:]],
                        },
                    }
                    for b in sealed
                ],
                "aggregates": [{"a": a.hex(), "b": b.hex()} for a, b in zip(sums_a, sums_b)],
                "decryption": decryption,
                "counts": counts,
            }
        ],
    }


@pytest.mark.parametrize("holders", [(1, 2), (2, 3), (1, 3), (1, 2, 3)])
def test_any_k_of_n_tellers_decrypt_the_same_counts(holders):
    (result,) = verify_record(_record(2, 3, holders))
    assert result.counts == [("(blank)", 1), ("Anna Nowak", 3), ("Piotr Ćwik", 2), ("Ewa Śliwa", 2)]


def test_fewer_than_k_tellers_do_not_decrypt():
    record = _record(2, 3, (1, 2))
    for position in record["rounds"][0]["decryption"]:
        position["shares"] = position["shares"][:1]
    with pytest.raises(VerificationError, match="fewer than k = 2 tellers"):
        verify_record(record)


def test_a_teller_share_under_another_tellers_name_fails():
    record = _record(2, 3, (1, 2))
    record["rounds"][0]["decryption"][0]["shares"][0]["holder"] = "3"
    with pytest.raises(VerificationError, match="decryption proof of 3 fails"):
        verify_record(record)


def test_a_forged_public_share_fails():
    record = _record(2, 3, (1, 2))
    forged = copy.deepcopy(record)
    forged["custody"]["public_shares"]["2"] = forged["custody"]["public_shares"]["1"]
    with pytest.raises(VerificationError, match="public share 2 does not match"):
        verify_record(forged)


def test_more_ballots_than_roll_marks_fail():
    record = _record(2, 3, (1, 2))
    record["rounds"][0]["roll_marks"] = 4
    with pytest.raises(VerificationError, match="ballots ≤ roll marks ≤ roll"):
        verify_record(record)


def test_a_count_that_is_not_the_decryption_fails():
    record = _record(2, 3, (1, 2))
    record["rounds"][0]["counts"][1] -= 1
    with pytest.raises(VerificationError, match="decryption gives 3, the record says 2"):
        verify_record(record)
