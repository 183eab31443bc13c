"""The tamper corpus (issue 13, item 7): a record the app made passes the standalone
verifier; each of these changes to it fails, with a message that says where and why."""

import copy

import pytest

from election import crypto
from election.extensions import db
from election.partners.models import PartnerGroup
from election.tally.record import election_record
from election.verify import Context, VerificationError
from election.verify.record import verify_record
from tests.factories.council import closed_election

#: y = 2 encodes no point of the curve: x² = (y² − 1)/(d·y² + 1) has no root mod p.
OFF_CURVE = "02" + "00" * 31
#: A point of order 8 (on the curve, outside the prime-order subgroup).
SMALL_ORDER = "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"
IDENTITY = "01" + "00" * 31


@pytest.fixture(scope="module")
def genuine(app):
    """The record of a closed election (its gmina tie went to a runoff and lots), made once."""
    with app.app_context():
        world = closed_election(tie_in=PartnerGroup.GMINA, settle="lots")
        made = election_record(db.session, world["election"])
        db.session.rollback()
    return made


@pytest.fixture
def record(genuine):
    return copy.deepcopy(genuine)


def fails(record, *fragments):
    with pytest.raises(VerificationError) as excinfo:
        verify_record(record)
    message = str(excinfo.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_the_genuine_record_passes(record):
    assert len(verify_record(record)) == 4


def test_a_changed_ciphertext_fails(record):
    ballot = record["rounds"][1]["ballots"][0]
    ballot["ciphertexts"][1]["b"] = record["rounds"][1]["ballots"][1]["ciphertexts"][1]["b"]
    fails(record, "ballot 1, position 1", "encrypts 0 or 1 fails")


def test_a_dropped_ballot_fails(record):
    del record["rounds"][1]["ballots"][2]
    fails(record, "position 0", "aggregate is not the sum of the ballots")


def test_an_added_ballot_fails(record):
    entry = record["rounds"][1]
    context = Context(record["election"]["id"], entry["id"], bytes.fromhex(record["public_key"]))
    extra = crypto.encrypt_ballot(
        context, entry["seats"], [1] + [0] * (len(entry["candidates"]) - 1)
    )
    entry["ballots"].append(
        {
            "tracking_code": extra.tracking_code,
            "ciphertexts": [
                {"a": a.hex(), "b": b.hex(), "proof": [x.hex() for x in proof]}
                for a, b, *proof in extra.ciphertexts
            ],
            "proof": {
                "c": [x.hex() for x in extra.proof[: entry["seats"]]],
                "z": [x.hex() for x in extra.proof[entry["seats"] :]],
            },
        }
    )
    entry["ballots"].sort(key=lambda b: b["tracking_code"])
    fails(record, f"round {entry['id']}", "ballots ≤ roll marks ≤ roll does not hold")
    entry["roll_marks"] = entry["roll"] = len(entry["ballots"])  # the roll forged as well
    fails(record, "aggregate is not the sum of the ballots")


def test_a_proof_copied_from_another_round_fails(record):
    first, other = record["rounds"][0], record["rounds"][1]
    # The same seats and number of positions, so only the context differs.
    assert first["seats"] == other["seats"] and len(first["candidates"]) == len(other["candidates"])
    first["ballots"][0]["ciphertexts"] = copy.deepcopy(other["ballots"][0]["ciphertexts"])
    fails(record, f"round {first['id']}, ballot 1, position 0", "encrypts 0 or 1 fails")
    record["rounds"][0]["ballots"][0] = copy.deepcopy(other["ballots"][0])
    fails(record, f"round {first['id']}, ballot 1, position 0", "encrypts 0 or 1 fails")


def test_a_changed_count_fails(record):
    record["rounds"][2]["counts"][2] += 1
    fails(record, "position 2", "the record says")


def test_a_changed_decryption_share_fails(record):
    shares = record["rounds"][2]["decryption"][1]["shares"]
    shares[0]["d"] = record["rounds"][2]["decryption"][2]["shares"][0]["d"]
    fails(record, "position 1", "decryption proof of server fails")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (OFF_CURVE, "not a valid point of the group"),
        (SMALL_ORDER, "not a valid point of the group"),
        (IDENTITY, "the identity point, which cannot appear here"),
    ],
    ids=["off the curve", "small order", "identity"],
)
@pytest.mark.parametrize(
    "where",
    ["ballot", "aggregate share", "public key"],
)
def test_a_bad_point_fails(record, value, reason, where):
    if where == "ballot":
        record["rounds"][0]["ballots"][0]["ciphertexts"][0]["a"] = value
        fails(record, "ballot 1, position 0, A", reason)
    elif where == "aggregate share":
        record["rounds"][0]["decryption"][0]["shares"][0]["d"] = value
        fails(record, "position 0, share of server", reason)
    else:
        record["public_key"] = value
        fails(record, "public key", reason)


def test_a_truncated_or_malformed_record_fails_clearly(record):
    record["rounds"][0]["ballots"][0]["ciphertexts"][0]["a"] = "abc"
    fails(record, "not a hexadecimal value")
    record = {"format": "something else"}
    fails(record, "not a rada-sekap/record/v1 document")
