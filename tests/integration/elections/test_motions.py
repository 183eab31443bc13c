"""The motion approving the Regulamin: who votes, once, and what the result does."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.audit.service import Actor
from election.auth.models import Role
from election.elections import motions, regulamin
from election.elections.models import (
    MajorityRule,
    MotionChoice,
    MotionStatus,
    MotionVote,
    RulesStatus,
)
from election.errors import AlreadyVoted, Conflict, Forbidden, NotEligible, WrongPhase
from election.extensions import db
from tests.factories import GROUPS, make_election, make_partner, make_user
from tests.factories.elections import make_motion, make_rules

pytestmark = pytest.mark.usefixtures("ctx")


def events(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


# --- the motion ----------------------------------------------------------------------------


@pytest.fixture
def chair() -> Actor:
    user = make_user(Role.CHAIR)
    return Actor(user.id, user.email)


def test_a_motion_opens_only_for_a_sent_regulamin(chair):
    election = make_election()
    with pytest.raises(Conflict, match="nie został jeszcze wysłany"):
        motions.open_rules_motion(db.session, chair, election)
    rules = make_rules(election, "draft")
    with pytest.raises(Conflict, match="nie został jeszcze wysłany"):
        motions.open_rules_motion(db.session, chair, election)
    rules.status = RulesStatus.SENT
    motion = motions.open_rules_motion(db.session, chair, election)
    assert motion.status == MotionStatus.OPEN
    assert motion.title == "Zatwierdzenie Regulaminu wyboru"
    with pytest.raises(Conflict, match="już otwarte"):
        motions.open_rules_motion(db.session, chair, election)


def test_a_motion_does_not_open_after_voting_closed(chair):
    election = make_election("closed")
    make_rules(election, "sent")
    with pytest.raises(WrongPhase):
        motions.open_rules_motion(db.session, chair, election)


def test_partners_of_any_group_vote_once_and_the_result_is_recorded(chair):
    election = make_election("candidates_published")
    rules = make_rules(election, "sent")
    motion = motions.open_rules_motion(db.session, chair, election)
    partners = [make_partner(g) for g in GROUPS]
    rep = make_user(Role.PARTNER_REP, partner=partners[0])
    rep_actor = Actor(rep.id, rep.email)
    motions.vote_online(
        db.session,
        rep_actor,
        motion.id,
        rep_partner_id=partners[0].id,
        partner_id=partners[0].id,
        choice=MotionChoice.YES,
    )
    motions.vote_on_paper(
        db.session, chair, motion.id, partner_id=partners[1].id, choice=MotionChoice.YES
    )
    motions.vote_on_paper(
        db.session, chair, motion.id, partner_id=partners[2].id, choice=MotionChoice.NO
    )
    with pytest.raises(AlreadyVoted, match="już głosował"):
        motions.vote_on_paper(
            db.session, chair, motion.id, partner_id=partners[0].id, choice=MotionChoice.NO
        )
    # The refused double vote left the transaction usable and the first vote intact.
    assert motions.motion_counts(db.session, motion.id) == {
        MotionChoice.YES: 2,
        MotionChoice.NO: 1,
        MotionChoice.ABSTAIN: 0,
    }
    closed = motions.close_motion(db.session, chair, motion.id)
    assert (closed.yes, closed.no, closed.abstain, closed.adopted) == (2, 1, 0, True)
    assert closed.status == MotionStatus.CLOSED and closed.closed_at is not None
    assert rules.status == RulesStatus.ADOPTED
    assert regulamin.rules_adopted(db.session, election)
    assert events("motion.voted") == 3 and events("motion.closed") == 1
    with pytest.raises(Conflict, match="zamknięte"):
        motions.vote_on_paper(
            db.session, chair, motion.id, partner_id=partners[0].id, choice=MotionChoice.YES
        )
    with pytest.raises(Conflict, match="Regulamin został już przyjęty"):
        motions.open_rules_motion(db.session, chair, election)


def test_the_unique_constraint_stops_a_double_vote_that_passed_the_check(chair, monkeypatch):
    election = make_election()
    make_rules(election, "sent")
    motion = motions.open_rules_motion(db.session, chair, election)
    partner = make_partner()
    motions.vote_on_paper(
        db.session, chair, motion.id, partner_id=partner.id, choice=MotionChoice.YES
    )
    # As if a concurrent request had checked before the first vote was written.
    monkeypatch.setattr(motions, "partner_vote", lambda *args: None)
    with pytest.raises(AlreadyVoted):
        motions.vote_on_paper(
            db.session, chair, motion.id, partner_id=partner.id, choice=MotionChoice.NO
        )
    assert db.session.scalar(select(func.count()).select_from(MotionVote)) == 1


def test_a_rep_cannot_vote_for_another_partner(chair):
    election = make_election()
    make_rules(election, "sent")
    motion = motions.open_rules_motion(db.session, chair, election)
    own, other = make_partner(), make_partner()
    rep = make_user(Role.PARTNER_REP, partner=own)
    with pytest.raises(Forbidden, match="swojego Partnera"):
        motions.vote_online(
            db.session,
            Actor(rep.id, rep.email),
            motion.id,
            rep_partner_id=own.id,
            partner_id=other.id,
            choice=MotionChoice.YES,
        )
    assert motions.motion_counts(db.session, motion.id)[MotionChoice.YES] == 0


@pytest.mark.parametrize("partner_kwargs", [{"signed": None}, {"active": False}])
def test_only_active_partners_with_an_agreement_vote_on_a_motion(chair, partner_kwargs):
    election = make_election()
    make_rules(election, "sent")
    motion = motions.open_rules_motion(db.session, chair, election)
    partner = make_partner(**partner_kwargs)
    with pytest.raises(NotEligible):
        motions.vote_on_paper(
            db.session, chair, motion.id, partner_id=partner.id, choice=MotionChoice.YES
        )


def test_a_rejected_regulamin_can_be_voted_again_under_the_absolute_rule(chair):
    election = make_election(majority_rule=MajorityRule.ABSOLUTE)
    rules = make_rules(election, "sent")
    a, b, c = make_partner(), make_partner(), make_partner()
    first = motions.open_rules_motion(db.session, chair, election)
    motions.vote_on_paper(db.session, chair, first.id, partner_id=a.id, choice=MotionChoice.YES)
    motions.vote_on_paper(db.session, chair, first.id, partner_id=b.id, choice=MotionChoice.ABSTAIN)
    # 1 yes against 0 no + 1 abstain: a simple majority, but not an absolute one.
    assert motions.close_motion(db.session, chair, first.id).adopted is False
    assert rules.status == RulesStatus.REJECTED
    assert not regulamin.rules_adopted(db.session, election)

    second = motions.open_rules_motion(db.session, chair, election)
    for partner in (a, b, c):
        motions.vote_on_paper(
            db.session, chair, second.id, partner_id=partner.id, choice=MotionChoice.YES
        )
    assert motions.close_motion(db.session, chair, second.id).adopted is True
    assert rules.status == RulesStatus.ADOPTED
    assert [m.id for m in motions.motions(db.session, election)] == [second.id, first.id]


def test_a_motion_with_no_votes_is_not_adopted(chair):
    election = make_election()
    make_rules(election, "sent")
    motion = make_motion(election)
    closed = motions.close_motion(db.session, chair, motion.id)
    assert closed.adopted is False and (closed.yes, closed.no, closed.abstain) == (0, 0, 0)
    with pytest.raises(Conflict, match="już zamknięte"):
        motions.close_motion(db.session, chair, motion.id)


def test_motion_voters_follow_the_elections_eligibility_rule_and_cutoff(chair):
    cutoff = dt.date(2026, 5, 31)
    election = make_election(cutoff_date=cutoff)
    make_rules(election, "sent")
    motion = motions.open_rules_motion(db.session, chair, election)
    on_cutoff = make_partner(name="Gmina Żarki", signed=cutoff)
    county = make_partner(GROUPS[1], name="Powiat będziński")
    late = make_partner(name="Gmina Późna", signed=cutoff + dt.timedelta(days=1))
    make_partner(name="Gmina Bez Umowy", signed=None)
    make_partner(name="Gmina Nieaktywna", active=False)
    # The motion's voters are exactly the election's roll (any group), in Polish order.
    assert motions.motion_voters(db.session, election) == [on_cutoff, county]
    with pytest.raises(NotEligible, match=r"31\.05\.2026"):
        motions.vote_on_paper(
            db.session, chair, motion.id, partner_id=late.id, choice=MotionChoice.YES
        )
    motions.vote_on_paper(
        db.session, chair, motion.id, partner_id=on_cutoff.id, choice=MotionChoice.YES
    )
    assert motions.motion_counts(db.session, motion.id)[MotionChoice.YES] == 1
