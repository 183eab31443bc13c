"""Ballots changed, deleted or inserted directly in the database are caught by
``flask audit verify`` (the digest recorded in the chain when the round closed; the
recount from the encrypted ballots)."""

import pytest
from sqlalchemy import select, text

from election.audit.service import Actor
from election.extensions import db
from election.partners.models import PartnerGroup
from election.voting import ballots, rounds
from election.voting.models import Ballot, EncryptedBallot
from tests.factories import voting_election
from tests.factories.tally import encrypt

G = PartnerGroup.GMINA


def _world(secret: bool):
    world = voting_election(per_group=4, candidates_per_group=3)
    world["election"].secret = secret
    round_ = world["rounds"][G]
    candidates = world["candidates"][G]
    for i, rep in enumerate(world["reps"][G]):
        actor = Actor(rep.id, rep.email)
        ballots.cast_ballot(db.session, actor, rep, round_, [candidates[i % 3].id])
    chair = world["chair"]
    rounds.close_round(db.session, Actor(chair.id, chair.email), round_)
    db.session.commit()
    return round_, candidates


@pytest.fixture
def closed_round(ctx):
    """A secret election's round: 4 encrypted ballots, closed and counted."""
    return _world(secret=True)


@pytest.fixture
def open_round(ctx):
    """An open election's round: 4 plaintext ballots, closed and counted."""
    return _world(secret=False)


def verify(runner, *args):
    return runner.invoke(args=["audit", "verify", *args])


def test_untouched_ballots_verify(closed_round, runner):
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "ballots, roll marks, results, candidates and the Council match" in result.output


def test_a_changed_ciphertext_is_detected(closed_round, runner):
    round_, _ = closed_round
    ballot = db.session.scalars(
        select(EncryptedBallot).where(EncryptedBallot.round_id == round_.id)
    ).first()
    other = encrypt(round_, [])  # a well-formed ciphertext of a blank ballot
    db.session.delete(other)
    db.session.execute(
        text("UPDATE encrypted_ballots SET ciphertexts = :c WHERE id = :i"),
        {"c": other.ciphertexts, "i": ballot.id},
    )
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "differ from the digest" in result.output
    assert "RESULTS: round" in result.output


def test_a_deleted_ballot_is_detected(closed_round, runner):
    round_, _ = closed_round
    ballot_id = db.session.scalar(
        select(EncryptedBallot.id).where(EncryptedBallot.round_id == round_.id).limit(1)
    )
    db.session.execute(text("DELETE FROM encrypted_ballots WHERE id = :b"), {"b": ballot_id})
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "BALLOTS" in result.output and "RESULTS" in result.output


def test_an_inserted_ballot_is_detected(closed_round, runner):
    round_, _ = closed_round
    encrypt(round_, [])
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "BALLOTS" in result.output and "differ from the digest" in result.output


def test_a_changed_choice_of_an_open_ballot_is_detected(open_round, runner):
    round_, candidates = open_round
    assert verify(runner).exit_code == 0
    ballot_id, chosen = db.session.execute(
        text(
            "SELECT c.ballot_id, c.candidate_id FROM ballot_choices c "
            "JOIN ballots b ON b.id = c.ballot_id WHERE b.round_id = :r LIMIT 1"
        ),
        {"r": round_.id},
    ).one()
    other = next(c.id for c in candidates if c.id != chosen)
    db.session.execute(
        text("UPDATE ballot_choices SET candidate_id = :c WHERE ballot_id = :b"),
        {"c": other, "b": ballot_id},
    )
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "differ from the digest" in result.output
    assert "differ from the recount" in result.output


def test_a_deleted_open_ballot_is_detected(open_round, runner):
    round_, _ = open_round
    ballot_id = db.session.scalar(select(Ballot.id).where(Ballot.round_id == round_.id).limit(1))
    db.session.execute(text("DELETE FROM ballot_choices WHERE ballot_id = :b"), {"b": ballot_id})
    db.session.execute(text("DELETE FROM ballots WHERE id = :b"), {"b": ballot_id})
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "BALLOTS" in result.output
