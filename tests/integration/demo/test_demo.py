from sqlalchemy import func, select

from election.audit.service import verify
from election.auth.models import User
from election.council.composition import council_members
from election.elections.models import Election, Phase
from election.extensions import db
from election.partners.models import Partner
from election.voting.models import Ballot, RollMark, Round


def test_demo_loads_the_register_and_accounts_and_is_idempotent(runner, ctx):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin@sekap.demo" in first.output and "demo-sekap-2026" in first.output
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert db.session.scalar(select(func.count(Partner.id))) == 184
    assert db.session.scalar(select(func.count(User.id))) == 16


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
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == db.session.scalar(
        select(func.count()).select_from(RollMark)
    )
    assert len(council_members(db.session, election)) == election.council_size
    assert verify(db.session).ok

    again = runner.invoke(args=["demo", "--through", "certified"])
    assert again.exit_code == 0, again.output
    assert db.session.scalar(select(func.count(Election.id))) == 1
