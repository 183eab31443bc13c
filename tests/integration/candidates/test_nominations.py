"""Nominations: by reps in their group and by the admin, their checks, window and deadline."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.audit.service import Actor
from election.candidates import nominations
from election.candidates.models import Candidate, CandidateStatus
from election.db import utcnow
from election.errors import Conflict, Forbidden, WrongPhase
from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import make_election, make_partner
from tests.factories.candidates import (
    JPEG,
    PDF,
    PNG,
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


def test_a_rep_nominates_in_its_group_and_it_is_audited(world):
    rep = world["reps"][G][0]
    other = world["partners"][G][1]
    candidate = nominations.nominate_as_rep(
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
    candidate = nominations.nominate_as_rep(
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
    candidate = nominations.nominate_as_rep(
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
    with pytest.raises(nominations.NominationInvalid) as caught:
        nominations.nominate_as_rep(
            db.session, ACTOR, rep, world["election"], nomination(rep.partner_id, **changes)
        )
    assert caught.value.field == field
    assert count() == 0


def test_a_rep_cannot_nominate_for_a_partner_of_another_group(world):
    rep = world["reps"][G][0]
    foreign = world["partners"][P][0]
    with pytest.raises(nominations.NominationInvalid) as caught:
        nominations.nominate_as_rep(
            db.session, ACTOR, rep, world["election"], nomination(foreign.id)
        )
    assert "z Twojej grupy (%(group)s)" in str(caught.value.message)
    assert str(caught.value).endswith("należy do innej grupy.")
    assert count() == 0


def test_a_rep_cannot_nominate_for_an_inactive_partner(world):
    rep = world["reps"][G][0]
    inactive = make_partner(G, active=False)
    with pytest.raises(nominations.NominationInvalid, match="nieaktywny"):
        nominations.nominate_as_rep(
            db.session, ACTOR, rep, world["election"], nomination(inactive.id)
        )


def test_a_rep_of_an_inactive_partner_cannot_nominate(world):
    rep = world["reps"][G][0]
    rep.partner.active = False
    with pytest.raises(Forbidden):
        nominations.nominate_as_rep(
            db.session, ACTOR, rep, world["election"], nomination(world["partners"][G][1].id)
        )


def test_only_reps_nominate_as_reps(world):
    with pytest.raises(Forbidden):
        nominations.nominate_as_rep(
            db.session,
            ACTOR,
            world["chair"],
            world["election"],
            nomination(world["partners"][G][0].id),
        )


@pytest.mark.parametrize("twin", ["Łukasz Żak", "lukasz  zak", "ŁUKASZ ŻAK", "Lukasz Zak"])
def test_the_same_person_cannot_stand_twice(world, twin):
    election = world["election"]
    nominations.nominate_as_rep(
        db.session, ACTOR, world["reps"][G][0], election, nomination(world["partners"][G][0].id)
    )
    with pytest.raises(Conflict, match="już zgłoszona"):
        # Even in another group, by another Partner.
        nominations.nominate_as_rep(
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
    monkeypatch.setattr(nominations, "_standing", lambda *args: None)
    with pytest.raises(Conflict, match="już zgłoszona"):
        nominations.nominate_as_rep(
            db.session, ACTOR, world["reps"][G][1], election, nomination(world["partners"][G][1].id)
        )
    # The savepoint kept the transaction usable.
    assert count() == 1
    db.session.commit()


def test_a_withdrawn_or_rejected_person_may_be_nominated_again(world):
    election = world["election"]
    make_nomination(election, world["partners"][G][0], "Łukasz Żak", status="withdrawn")
    make_nomination(election, world["partners"][G][1], "Łukasz Żak", status="rejected")
    nominations.nominate_as_rep(
        db.session, ACTOR, world["reps"][G][0], election, nomination(world["partners"][G][0].id)
    )
    assert count() == 3


def test_the_same_person_may_stand_in_another_election(world):
    other = make_election("nominations", title="Inne wybory")
    make_nomination(other, world["partners"][G][0], "Łukasz Żak")
    nominations.nominate_as_rep(
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
        nominations.nominate_as_rep(
            db.session,
            ACTOR,
            world["reps"][G][0],
            world["election"],
            nomination(world["partners"][G][0].id),
        )
    with pytest.raises(WrongPhase):
        nominations.nominate_as_admin(
            db.session, ACTOR, world["election"], nomination(world["partners"][G][0].id)
        )
    assert count() == 0


def test_no_nominations_after_the_deadline(ctx):
    deadline = dt.datetime(2026, 6, 1, 16, 0, tzinfo=dt.UTC)
    world = nominations_world(deadline=deadline)
    args = (db.session, ACTOR, world["reps"][G][0], world["election"])
    with pytest.raises(WrongPhase, match="Termin zgłaszania kandydatów minął"):
        nominations.nominate_as_rep(
            *args, nomination(world["partners"][G][0].id), now=deadline + dt.timedelta(seconds=1)
        )
    with pytest.raises(WrongPhase, match="minął"):
        nominations.nominate_as_admin(
            db.session,
            ACTOR,
            world["election"],
            nomination(world["partners"][G][0].id),
            now=deadline + dt.timedelta(days=1),
        )
    assert count() == 0
    # Up to the deadline itself it is accepted.
    nominations.nominate_as_rep(*args, nomination(world["partners"][G][0].id), now=deadline)
    assert count() == 1


def test_the_deadline_is_checked_against_the_clock_by_default(ctx):
    world = nominations_world(deadline=utcnow() - dt.timedelta(minutes=1))
    with pytest.raises(WrongPhase):
        nominations.nominate_as_rep(
            db.session,
            ACTOR,
            world["reps"][G][0],
            world["election"],
            nomination(world["partners"][G][0].id),
        )


def test_the_admin_nominates_for_any_group_and_the_partner_decides_it(world):
    city = world["partners"][M][1]
    candidate = nominations.nominate_as_admin(
        db.session, ACTOR, world["election"], nomination(city.id), admin=world["admin"]
    )
    assert candidate.group == M
    assert candidate.nominated_by_partner_id == city.id
    assert candidate.nominated_by_user_id == world["admin"].id
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert event.details["on_behalf"] is True


def test_nomination_window_explains_why_it_is_closed(ctx):
    assert nominations.nomination_window(make_election("draft")).reason
    assert nominations.nomination_window(make_election("nominations")).open
    past = make_election("nominations", nomination_deadline=utcnow() - dt.timedelta(hours=1))
    assert "minął" in nominations.nomination_window(past).reason
    assert "zablokowana" in nominations.nomination_window(make_election("voting")).reason


def test_nominable_partners_are_active_and_of_the_group(world):
    make_partner(G, active=False, name="Nieaktywna")
    names = [p.name for p in nominations.nominable_partners(db.session, G)]
    assert "Nieaktywna" not in names and len(names) == 2
    assert len(nominations.nominable_partners(db.session)) == 6


def test_nominable_partners_come_in_group_order_then_polish_order(ctx):
    for name in ["Żory", "Łaziska", "Lubliniec"]:
        make_partner(P, name=name)
    make_partner(M, name="Katowice")
    make_partner(G, name="Ślemień")
    make_partner(G, name="Sosnowiec gmina")
    names = [p.name for p in nominations.nominable_partners(db.session)]
    assert names == ["Sosnowiec gmina", "Ślemień", "Lubliniec", "Łaziska", "Żory", "Katowice"]
