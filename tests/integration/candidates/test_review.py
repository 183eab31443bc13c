"""The review of nominations: verify, reject, withdraw."""

import pytest
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.audit.service import Actor
from election.candidates import nominations, review
from election.candidates.models import Candidate, CandidateStatus
from election.errors import Conflict, Forbidden, NotFound
from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import make_election
from tests.factories.candidates import (
    make_nomination,
    nominations_world,
)

G, P, M = PartnerGroup.GMINA, PartnerGroup.POWIAT, PartnerGroup.MIASTO_NPP
ACTOR = Actor(None, "test")


def nomination(partner_id, /, **changes):
    fields = {
        "full_name": "Łukasz Żak",
        "position": "Sekretarz Gminy",
        "partner_id": partner_id,
        "statement": "Od 10 lat w administracji.",
        "consent_confirmed": True,
    }
    return nominations.Nomination(**{**fields, **changes})


def count(model=Candidate):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(ctx):
    return nominations_world()


def test_verify_and_reject(world):
    election = world["election"]
    a = make_nomination(election, world["partners"][G][0], "Anna Nowak")
    b = make_nomination(election, world["partners"][G][1], "Beata Kowalska")
    review.verify(db.session, ACTOR, election, a.id)
    assert a.status == CandidateStatus.VERIFIED
    with pytest.raises(Conflict):
        review.verify(db.session, ACTOR, election, a.id)
    for reason in ("", "   ", "<b>nie</b>", "x" * 501):
        with pytest.raises(nominations.NominationInvalid):
            review.reject(db.session, ACTOR, election, b.id, reason)
    assert b.status == CandidateStatus.NOMINATED
    review.reject(db.session, ACTOR, election, b.id, "Brak  podpisu\nna zgodzie")
    assert b.status == CandidateStatus.REJECTED and b.reject_reason == "Brak podpisu na zgodzie"
    with pytest.raises(Conflict):
        review.verify(db.session, ACTOR, election, b.id)
    # A verified nomination may still be rejected before publication.
    review.reject(db.session, ACTOR, election, a.id, "Kandydat zrezygnował.")
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["candidate.verified", "candidate.rejected", "candidate.rejected"]


def test_a_candidate_of_another_election_is_not_found(world):
    other = make_election("nominations", title="Inne")
    candidate = make_nomination(other, world["partners"][G][0], "Anna Nowak")
    with pytest.raises(NotFound):
        review.verify(db.session, ACTOR, world["election"], candidate.id)


def test_withdrawal_by_the_nominating_partners_rep_only(world):
    election = world["election"]
    by_first = make_nomination(
        election, world["partners"][G][1], "Anna Nowak", by=world["partners"][G][0]
    )
    # The rep of the candidate's own Partner did not nominate: cannot withdraw.
    with pytest.raises(Forbidden):
        review.withdraw(db.session, ACTOR, world["reps"][G][1], election, by_first.id)
    with pytest.raises(Forbidden):
        review.withdraw(db.session, ACTOR, world["reps"][P][0], election, by_first.id)
    with pytest.raises(Forbidden):
        review.withdraw(db.session, ACTOR, world["chair"], election, by_first.id)
    review.withdraw(db.session, ACTOR, world["reps"][G][0], election, by_first.id)
    assert by_first.status == CandidateStatus.WITHDRAWN
    with pytest.raises(Conflict):
        review.withdraw(db.session, ACTOR, world["reps"][G][0], election, by_first.id)


def test_the_admin_may_withdraw_too(world):
    candidate = make_nomination(world["election"], world["partners"][P][0], "Anna Nowak")
    review.withdraw(db.session, ACTOR, world["admin"], world["election"], candidate.id)
    assert candidate.status == CandidateStatus.WITHDRAWN
