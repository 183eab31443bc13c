"""Ballots changed, deleted or inserted directly in the database are caught by
``flask audit verify`` (the digest recorded in the chain when the round closed)."""

import pytest
from sqlalchemy import select, text

from election.audit.service import Actor
from election.extensions import db
from election.partners.models import PartnerGroup
from election.voting import ballots, rounds
from election.voting.models import Ballot
from tests.factories import voting_election


@pytest.fixture
def closed_round(ctx):
    world = voting_election(per_group=4, candidates_per_group=3)
    round_ = world["rounds"][PartnerGroup.GMINA]
    candidates = world["candidates"][PartnerGroup.GMINA]
    for i, rep in enumerate(world["reps"][PartnerGroup.GMINA]):
        actor = Actor(rep.id, rep.email)
        ballots.cast_ballot(db.session, actor, rep, round_, [candidates[i % 3].id])
    chair = world["chair"]
    rounds.close_round(db.session, Actor(chair.id, chair.email), round_)
    db.session.commit()
    return round_, candidates


def verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_untouched_ballots_verify(closed_round, runner):
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "ballots match the chain" in result.output


def test_a_changed_choice_is_detected(closed_round, runner):
    round_, candidates = closed_round
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


def test_a_deleted_ballot_is_detected(closed_round, runner):
    round_, _ = closed_round
    ballot_id = db.session.scalar(select(Ballot.id).where(Ballot.round_id == round_.id).limit(1))
    db.session.execute(text("DELETE FROM ballot_choices WHERE ballot_id = :b"), {"b": ballot_id})
    db.session.execute(text("DELETE FROM ballots WHERE id = :b"), {"b": ballot_id})
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "BALLOTS" in result.output


def test_an_inserted_ballot_is_detected(closed_round, runner):
    round_, candidates = closed_round
    db.session.execute(
        text("INSERT INTO ballots (id, round_id, receipt) VALUES ('f' || '0', :r, 'ZZZZZZZZZZ')"),
        {"r": round_.id},
    )
    db.session.execute(
        text("INSERT INTO ballot_choices (ballot_id, candidate_id) VALUES ('f0', :c)"),
        {"c": candidates[0].id},
    )
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "BALLOTS" in result.output
