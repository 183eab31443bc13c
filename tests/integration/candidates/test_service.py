"""The candidates service on a real database: nominations, review, publication, the lock."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.audit.service import Actor
from election.candidates import service
from election.candidates.models import Candidate, CandidateStatus
from election.db import utcnow
from election.elections.models import Phase
from election.errors import Conflict, Forbidden, NotFound, WrongPhase
from election.extensions import db
from election.partners.models import PartnerGroup
from election.publishing.models import Publication, PublicationKind, PublicationStatus
from tests.factories import GROUPS, make_election, make_partner
from tests.factories.candidates import (
    JPEG,
    PDF,
    PNG,
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
    return service.Nomination(**{**fields, **changes})


def count(model=Candidate):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(ctx):
    return nominations_world()


def test_a_rep_nominates_in_its_group_and_it_is_audited(world):
    rep = world["reps"][G][0]
    other = world["partners"][G][1]
    candidate = service.nominate_as_rep(
        db.session, ACTOR, rep, world["election"], nomination(other.id)
    )
    assert candidate.group == G and candidate.partner_id == other.id
    assert candidate.nominated_by_partner_id == rep.partner_id
    assert candidate.nominated_by_user_id == rep.id
    assert candidate.status == CandidateStatus.NOMINATED
    assert candidate.person_key == "lukasz zak"
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert event.action == "candidate.nominated" and event.details["group"] == "gmina"


def test_names_are_stored_tidy(world):
    rep = world["reps"][G][0]
    candidate = service.nominate_as_rep(
        db.session,
        ACTOR,
        rep,
        world["election"],
        nomination(rep.partner_id, full_name="  Jan   S\u0301liwa ", position=" Wójt  Gminy "),
    )
    assert candidate.full_name == "Jan Śliwa" and candidate.position == "Wójt Gminy"


@pytest.mark.parametrize(("scan", "name"), [(PDF, "zgoda.pdf"), (JPEG, "a.jpg"), (PNG, "b.png")])
def test_a_scan_alone_is_enough_consent(world, scan, name):
    rep = world["reps"][P][0]
    candidate = service.nominate_as_rep(
        db.session,
        ACTOR,
        rep,
        world["election"],
        nomination(
            rep.partner_id,
            consent_confirmed=False,
            consent_scan=scan,
            consent_filename=f"../{name}",
        ),
    )
    assert candidate.consent_scan == scan and candidate.consent_scan_filename == name


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consent_confirmed": False}, "consent_confirmed"),
        ({"consent_confirmed": False, "consent_scan": b"<html>zgoda</html>"}, "consent_scan"),
        ({"consent_scan": b"GIF89a..."}, "consent_scan"),
        ({"consent_scan": PDF + b"0" * (5 * 1024 * 1024)}, "consent_scan"),
        ({"full_name": ""}, "full_name"),
        ({"full_name": "Kowalski"}, "full_name"),
        ({"full_name": "x" * 150 + " " + "y" * 60}, "full_name"),
        ({"full_name": "<b>Jan</b> Kowalski"}, "full_name"),
        ({"position": ""}, "position"),
        ({"position": "x" * 201}, "position"),
        ({"position": "<script>alert(1)</script>"}, "position"),
        ({"statement": "x" * 1001}, "statement"),
        ({"statement": "<img src=x onerror=alert(1)>"}, "statement"),
        ({"partner_id": None}, "partner_id"),
        ({"partner_id": 999_999}, "partner_id"),
    ],
)
def test_bad_nominations_are_refused_and_nothing_is_written(world, changes, field):
    rep = world["reps"][G][0]
    with pytest.raises(service.NominationInvalid) as caught:
        service.nominate_as_rep(
            db.session, ACTOR, rep, world["election"], nomination(rep.partner_id, **changes)
        )
    assert caught.value.field == field
    assert count() == 0


def test_a_rep_cannot_nominate_for_a_partner_of_another_group(world):
    rep = world["reps"][G][0]
    foreign = world["partners"][P][0]
    with pytest.raises(service.NominationInvalid) as caught:
        service.nominate_as_rep(db.session, ACTOR, rep, world["election"], nomination(foreign.id))
    assert "z Twojej grupy (%(group)s)" in str(caught.value.message)
    assert str(caught.value).endswith("należy do innej grupy.")
    assert count() == 0


def test_a_rep_cannot_nominate_for_an_inactive_partner(world):
    rep = world["reps"][G][0]
    inactive = make_partner(G, active=False)
    with pytest.raises(service.NominationInvalid, match="nieaktywny"):
        service.nominate_as_rep(db.session, ACTOR, rep, world["election"], nomination(inactive.id))


def test_a_rep_of_an_inactive_partner_cannot_nominate(world):
    rep = world["reps"][G][0]
    rep.partner.active = False
    with pytest.raises(Forbidden):
        service.nominate_as_rep(
            db.session, ACTOR, rep, world["election"], nomination(world["partners"][G][1].id)
        )


def test_only_reps_nominate_as_reps(world):
    with pytest.raises(Forbidden):
        service.nominate_as_rep(
            db.session,
            ACTOR,
            world["chair"],
            world["election"],
            nomination(world["partners"][G][0].id),
        )


@pytest.mark.parametrize("twin", ["Łukasz Żak", "lukasz  zak", "ŁUKASZ ŻAK", "Lukasz Zak"])
def test_the_same_person_cannot_stand_twice(world, twin):
    election = world["election"]
    service.nominate_as_rep(
        db.session, ACTOR, world["reps"][G][0], election, nomination(world["partners"][G][0].id)
    )
    with pytest.raises(Conflict, match="już zgłoszony"):
        # Even in another group, by another Partner.
        service.nominate_as_rep(
            db.session,
            ACTOR,
            world["reps"][P][0],
            election,
            nomination(world["partners"][P][0].id, full_name=twin),
        )
    assert count() == 1


def test_the_unique_index_catches_a_duplicate_the_check_missed(world, monkeypatch):
    election = world["election"]
    make_nomination(election, world["partners"][G][0], "Łukasz Żak")
    # As if a concurrent request had written it after our check.
    monkeypatch.setattr(service, "_standing", lambda *args: None)
    with pytest.raises(Conflict, match="już zgłoszony"):
        service.nominate_as_rep(
            db.session, ACTOR, world["reps"][G][1], election, nomination(world["partners"][G][1].id)
        )
    # The savepoint kept the transaction usable.
    assert count() == 1
    db.session.commit()


def test_a_withdrawn_or_rejected_person_may_be_nominated_again(world):
    election = world["election"]
    make_nomination(election, world["partners"][G][0], "Łukasz Żak", status="withdrawn")
    make_nomination(election, world["partners"][G][1], "Łukasz Żak", status="rejected")
    service.nominate_as_rep(
        db.session, ACTOR, world["reps"][G][0], election, nomination(world["partners"][G][0].id)
    )
    assert count() == 3


def test_the_same_person_may_stand_in_another_election(world):
    other = make_election("nominations", title="Inne wybory")
    make_nomination(other, world["partners"][G][0], "Łukasz Żak")
    service.nominate_as_rep(
        db.session,
        ACTOR,
        world["reps"][G][0],
        world["election"],
        nomination(world["partners"][G][0].id),
    )
    assert count() == 2


@pytest.mark.parametrize("phase", ["draft", "voting", "closed"])
def test_no_nominations_outside_the_nominations_phase(ctx, phase):
    world = nominations_world(phase=phase)
    with pytest.raises(WrongPhase):
        service.nominate_as_rep(
            db.session,
            ACTOR,
            world["reps"][G][0],
            world["election"],
            nomination(world["partners"][G][0].id),
        )
    with pytest.raises(WrongPhase):
        service.nominate_as_admin(
            db.session, ACTOR, world["election"], nomination(world["partners"][G][0].id)
        )
    assert count() == 0


def test_no_nominations_after_the_deadline(ctx):
    deadline = dt.datetime(2026, 6, 1, 16, 0, tzinfo=dt.UTC)
    world = nominations_world(deadline=deadline)
    args = (db.session, ACTOR, world["reps"][G][0], world["election"])
    with pytest.raises(WrongPhase, match="Termin zgłaszania kandydatów minął"):
        service.nominate_as_rep(
            *args, nomination(world["partners"][G][0].id), now=deadline + dt.timedelta(seconds=1)
        )
    with pytest.raises(WrongPhase, match="minął"):
        service.nominate_as_admin(
            db.session,
            ACTOR,
            world["election"],
            nomination(world["partners"][G][0].id),
            now=deadline + dt.timedelta(days=1),
        )
    assert count() == 0
    # Up to the deadline itself it is accepted.
    service.nominate_as_rep(*args, nomination(world["partners"][G][0].id), now=deadline)
    assert count() == 1


def test_the_deadline_is_checked_against_the_clock_by_default(ctx):
    world = nominations_world(deadline=utcnow() - dt.timedelta(minutes=1))
    with pytest.raises(WrongPhase):
        service.nominate_as_rep(
            db.session,
            ACTOR,
            world["reps"][G][0],
            world["election"],
            nomination(world["partners"][G][0].id),
        )


def test_the_admin_nominates_for_any_group_and_the_partner_decides_it(world):
    city = world["partners"][M][1]
    candidate = service.nominate_as_admin(
        db.session, ACTOR, world["election"], nomination(city.id), admin=world["admin"]
    )
    assert candidate.group == M
    assert candidate.nominated_by_partner_id == city.id
    assert candidate.nominated_by_user_id == world["admin"].id
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert event.details["on_behalf"] is True


def test_verify_and_reject(world):
    election = world["election"]
    a = make_nomination(election, world["partners"][G][0], "Anna Nowak")
    b = make_nomination(election, world["partners"][G][1], "Beata Kowalska")
    service.verify(db.session, ACTOR, election, a.id)
    assert a.status == CandidateStatus.VERIFIED
    with pytest.raises(Conflict):
        service.verify(db.session, ACTOR, election, a.id)
    for reason in ("", "   ", "<b>nie</b>", "x" * 501):
        with pytest.raises(service.NominationInvalid):
            service.reject(db.session, ACTOR, election, b.id, reason)
    assert b.status == CandidateStatus.NOMINATED
    service.reject(db.session, ACTOR, election, b.id, "Brak  podpisu\nna zgodzie")
    assert b.status == CandidateStatus.REJECTED and b.reject_reason == "Brak podpisu na zgodzie"
    with pytest.raises(Conflict):
        service.verify(db.session, ACTOR, election, b.id)
    # A verified nomination may still be rejected before publication.
    service.reject(db.session, ACTOR, election, a.id, "Kandydat zrezygnował.")
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["candidate.verified", "candidate.rejected", "candidate.rejected"]


def test_a_candidate_of_another_election_is_not_found(world):
    other = make_election("nominations", title="Inne")
    candidate = make_nomination(other, world["partners"][G][0], "Anna Nowak")
    with pytest.raises(NotFound):
        service.verify(db.session, ACTOR, world["election"], candidate.id)


def test_withdrawal_by_the_nominating_partners_rep_only(world):
    election = world["election"]
    by_first = make_nomination(
        election, world["partners"][G][1], "Anna Nowak", by=world["partners"][G][0]
    )
    # The rep of the candidate's own Partner did not nominate: cannot withdraw.
    with pytest.raises(Forbidden):
        service.withdraw(db.session, ACTOR, world["reps"][G][1], election, by_first.id)
    with pytest.raises(Forbidden):
        service.withdraw(db.session, ACTOR, world["reps"][P][0], election, by_first.id)
    with pytest.raises(Forbidden):
        service.withdraw(db.session, ACTOR, world["chair"], election, by_first.id)
    service.withdraw(db.session, ACTOR, world["reps"][G][0], election, by_first.id)
    assert by_first.status == CandidateStatus.WITHDRAWN
    with pytest.raises(Conflict):
        service.withdraw(db.session, ACTOR, world["reps"][G][0], election, by_first.id)


def test_the_admin_may_withdraw_too(world):
    candidate = make_nomination(world["election"], world["partners"][P][0], "Anna Nowak")
    service.withdraw(db.session, ACTOR, world["admin"], world["election"], candidate.id)
    assert candidate.status == CandidateStatus.WITHDRAWN


def test_publishing_locks_the_list_advances_and_queues_the_lms(world):
    election = world["election"]
    one_verified_per_group(world)
    make_nomination(election, world["partners"][G][1], "Zofia Rejected", status="rejected")
    counts = service.publish_list(db.session, ACTOR, election)
    assert counts == {G: 1, P: 1, M: 1}
    assert election.phase == Phase.CANDIDATES_PUBLISHED
    publication = db.session.scalar(select(Publication))
    assert publication.kind == PublicationKind.CANDIDATES
    assert publication.status == PublicationStatus.PENDING
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert event.action == "candidates.published" and event.details["gmina"] == 1


def test_publishing_needs_a_verified_candidate_in_each_group(world):
    election = world["election"]
    make_nomination(election, world["partners"][G][0], "Anna Nowak", status="verified")
    make_nomination(election, world["partners"][P][0], "Ewa Kos", status="rejected")
    with pytest.raises(Conflict) as caught:
        service.publish_list(db.session, ACTOR, election)
    assert "powiaty" in str(caught.value) and "miasta na prawach powiatu" in str(caught.value)
    make_nomination(election, world["partners"][P][0], "Piotr Kos", status="verified")
    with pytest.raises(Conflict) as caught:
        service.publish_list(db.session, ACTOR, election)
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
        service.publish_list(db.session, ACTOR, election)
    assert "Zenon Żółć" in str(caught.value)
    assert election.phase == Phase.NOMINATIONS


@pytest.mark.parametrize("phase", ["draft", "candidates_published", "voting"])
def test_publishing_only_from_nominations(ctx, phase):
    world = nominations_world(phase=phase)
    with pytest.raises(Conflict):
        service.publish_list(db.session, ACTOR, world["election"])


def test_after_publication_every_change_is_refused(world):
    election = world["election"]
    verified = one_verified_per_group(world)
    service.publish_list(db.session, ACTOR, election)
    candidate = verified[G]
    rep = world["reps"][G][0]
    attempts = [
        lambda: service.nominate_as_rep(
            db.session, ACTOR, rep, election, nomination(rep.partner_id, full_name="Nowy Ktoś")
        ),
        lambda: service.nominate_as_admin(
            db.session, ACTOR, election, nomination(rep.partner_id, full_name="Nowy Ktoś")
        ),
        lambda: service.verify(db.session, ACTOR, election, candidate.id),
        lambda: service.reject(db.session, ACTOR, election, candidate.id, "Za późno"),
        lambda: service.withdraw(db.session, ACTOR, rep, election, candidate.id),
        lambda: service.publish_list(db.session, ACTOR, election),
    ]
    for attempt in attempts:
        with pytest.raises(service.ListLocked, match="zablokowana"):
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
        service.published_list(db.session, election)
    service.publish_list(db.session, ACTOR, election)
    groups = service.published_list(db.session, election)
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


def test_nomination_window_explains_why_it_is_closed(ctx):
    assert service.nomination_window(make_election("draft")).reason
    assert service.nomination_window(make_election("nominations")).open
    past = make_election("nominations", nomination_deadline=utcnow() - dt.timedelta(hours=1))
    assert "minął" in service.nomination_window(past).reason
    assert "zablokowana" in service.nomination_window(make_election("voting")).reason


def test_nominable_partners_are_active_and_of_the_group(world):
    make_partner(G, active=False, name="Nieaktywna")
    names = [p.name for p in service.nominable_partners(db.session, G)]
    assert "Nieaktywna" not in names and len(names) == 2
    assert len(service.nominable_partners(db.session)) == 6


def test_nominable_partners_come_in_group_order_then_polish_order(ctx):
    for name in ["Żory", "Łaziska", "Lubliniec"]:
        make_partner(P, name=name)
    make_partner(M, name="Katowice")
    make_partner(G, name="Ślemień")
    make_partner(G, name="Sosnowiec gmina")
    names = [p.name for p in service.nominable_partners(db.session)]
    assert names == ["Sosnowiec gmina", "Ślemień", "Lubliniec", "Łaziska", "Żory", "Katowice"]
