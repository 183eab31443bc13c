"""Publishing the candidate list: its preconditions, the lock, the signal, the list."""

import pytest
from sqlalchemy import func, select

from election import signals
from election.audit.models import AuditEvent
from election.audit.service import Actor
from election.candidates import nominations, published, review
from election.candidates.models import Candidate, CandidateStatus
from election.elections.models import Phase
from election.errors import Conflict, NotFound
from election.extensions import db
from election.partners.models import PartnerGroup
from election.publishing.models import Publication, PublicationKind, PublicationStatus
from tests.factories import GROUPS
from tests.factories.candidates import (
    make_nomination,
    nominations_world,
    one_verified_per_group,
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


def test_publishing_locks_the_list_advances_and_queues_the_lms(world):
    election = world["election"]
    one_verified_per_group(world)
    make_nomination(election, world["partners"][G][1], "Zofia Rejected", status="rejected")
    counts = published.publish_list(db.session, ACTOR, election)
    assert counts == {G: 1, P: 1, M: 1}
    assert election.phase == Phase.CANDIDATES_PUBLISHED
    publication = db.session.scalar(select(Publication))
    assert publication.kind == PublicationKind.CANDIDATES
    assert publication.status == PublicationStatus.PENDING
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert event.action == "candidates.published" and event.details["gmina"] == 1


def test_publishing_sends_candidates_published_in_the_transaction(world):
    election = world["election"]
    one_verified_per_group(world)
    heard = []

    def receiver(session, *, election):
        heard.append((session, election, election.phase))

    with signals.candidates_published.connected_to(receiver):
        published.publish_list(db.session, ACTOR, election)
    assert heard == [(db.session, election, Phase.CANDIDATES_PUBLISHED)]


def test_a_refused_publication_sends_nothing(world):
    heard = []
    with (
        signals.candidates_published.connected_to(lambda *a, **k: heard.append(k)),
        pytest.raises(Conflict),
    ):
        published.publish_list(db.session, ACTOR, world["election"])
    assert heard == []


def test_publishing_needs_a_verified_candidate_in_each_group(world):
    election = world["election"]
    make_nomination(election, world["partners"][G][0], "Anna Nowak", status="verified")
    make_nomination(election, world["partners"][P][0], "Ewa Kos", status="rejected")
    with pytest.raises(Conflict) as caught:
        published.publish_list(db.session, ACTOR, election)
    assert "powiaty" in str(caught.value) and "miasta na prawach powiatu" in str(caught.value)
    make_nomination(election, world["partners"][P][0], "Piotr Kos", status="verified")
    with pytest.raises(Conflict) as caught:
        published.publish_list(db.session, ACTOR, election)
    assert str(caught.value) == (
        "Brak zweryfikowanych kandydatów w grupie: miasta na prawach powiatu."
    )
    assert election.phase == Phase.NOMINATIONS
    assert db.session.scalar(select(Publication)) is None


def test_publishing_waits_for_every_nomination_to_be_reviewed(world):
    election = world["election"]
    one_verified_per_group(world)
    make_nomination(election, world["partners"][M][1], "Zenon Żółć")
    with pytest.raises(Conflict) as caught:
        published.publish_list(db.session, ACTOR, election)
    assert "Zenon Żółć" in str(caught.value)
    assert election.phase == Phase.NOMINATIONS


@pytest.mark.parametrize("phase", ["draft", "candidates_published", "voting"])
def test_publishing_only_from_nominations(ctx, phase):
    world = nominations_world(phase=phase)
    with pytest.raises(Conflict):
        published.publish_list(db.session, ACTOR, world["election"])


def test_after_publication_every_change_is_refused(world):
    election = world["election"]
    verified = one_verified_per_group(world)
    published.publish_list(db.session, ACTOR, election)
    candidate = verified[G]
    rep = world["reps"][G][0]
    attempts = [
        lambda: nominations.nominate_as_rep(
            db.session, ACTOR, rep, election, nomination(rep.partner_id, full_name="Nowy Ktoś")
        ),
        lambda: nominations.nominate_as_admin(
            db.session, ACTOR, election, nomination(rep.partner_id, full_name="Nowy Ktoś")
        ),
        lambda: review.verify(db.session, ACTOR, election, candidate.id),
        lambda: review.reject(db.session, ACTOR, election, candidate.id, "Za późno"),
        lambda: review.withdraw(db.session, ACTOR, rep, election, candidate.id),
        lambda: published.publish_list(db.session, ACTOR, election),
    ]
    for attempt in attempts:
        with pytest.raises(nominations.ListLocked, match="zablokowana"):
            attempt()
    assert candidate.status == CandidateStatus.VERIFIED
    assert count() == 3


def test_published_list_is_verified_only_per_group_in_polish_order(world):
    election = world["election"]
    gminy = world["partners"][G]
    for name in ["Adam Żak", "Ewa Zając", "Jan Łoś", "Anna Lis", "Olga Źrebiec", "Iza Śliwa"]:
        make_nomination(election, gminy[0], name, status="verified")
    make_nomination(election, gminy[1], "Rafał Rejected", status="rejected")
    make_nomination(election, gminy[1], "Wanda Withdrawn", status="withdrawn")
    make_nomination(election, world["partners"][P][0], "Piotr Kos", status="verified")
    make_nomination(election, world["partners"][M][0], "Maria Mazur", status="verified")
    with pytest.raises(NotFound):
        published.published_list(db.session, election)
    published.publish_list(db.session, ACTOR, election)
    groups = published.published_list(db.session, election)
    assert list(groups) == list(GROUPS)
    assert [c.full_name for c in groups[G]] == [
        "Anna Lis",
        "Jan Łoś",
        "Iza Śliwa",
        "Ewa Zając",
        "Olga Źrebiec",
        "Adam Żak",
    ]
    assert [c.full_name for c in groups[P]] == ["Piotr Kos"]
