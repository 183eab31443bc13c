from flask import current_app
from sqlalchemy import func, select

from election.audit.service import verify
from election.auth.models import User
from election.council.composition import council_members
from election.elections.custody import KeyStore
from election.elections.models import BallotBoxKey, Custody, Election, Phase
from election.extensions import db
from election.partners.models import Partner
from election.tally.record import election_record
from election.verify.record import verify_record
from election.voting.integrity import verify_ballots
from election.voting.models import Ballot, BallotChoice, EncryptedBallot, RollMark, Round


def test_demo_loads_the_register_and_accounts_and_is_idempotent(runner, ctx):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin@sekap.demo" in first.output and "demo-sekap-2026" in first.output
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert db.session.scalar(select(func.count(Partner.id))) == 184
    assert db.session.scalar(select(func.count(User.id))) == 16


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_rehearsal_goes_through_every_phase_to_a_certified_council(runner, ctx):
    result = runner.invoke(args=["demo", "--through", "candidates_published"])
    assert result.exit_code == 0, result.output
    election = db.session.scalar(select(Election))
    assert election.phase == Phase.CANDIDATES_PUBLISHED

    result = runner.invoke(args=["demo", "--through", "certified"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    election = db.session.scalar(select(Election))
    assert election.phase == Phase.CERTIFIED
    # A tie among the powiaty went to a runoff.
    assert db.session.scalar(select(func.count(Round.id))) == 4
    # Secret and encrypted, in the server's custody: no plaintext ballot anywhere; every
    # online vote and every paper ballot entered is one encrypted ballot.
    assert count(Ballot) == count(BallotChoice) == 0
    rounds = db.session.scalars(select(Round)).all()
    assert sum(r.paper_issued for r in rounds) > 0
    assert all(r.paper_entered == r.paper_issued for r in rounds)
    assert count(EncryptedBallot) == count(RollMark)
    assert verify_ballots(db.session) == []
    key = db.session.get(BallotBoxKey, election.id)
    assert key.custody == Custody.SERVER and key.destroyed_at is not None
    assert KeyStore(current_app.instance_path).read_key(election.id) is None
    assert len(council_members(db.session, election)) == election.council_size
    assert verify(db.session).ok

    again = runner.invoke(args=["demo", "--through", "certified"])
    assert again.exit_code == 0, again.output
    assert db.session.scalar(select(func.count(Election.id))) == 1


def test_the_rehearsal_record_recounts_with_the_standalone_verifier(runner, ctx):
    result = runner.invoke(args=["demo", "--through", "closed"])
    assert result.exit_code == 0, result.output
    election = db.session.scalar(select(Election))
    counts = verify_record(election_record(db.session, election))
    assert len(counts) == 4
