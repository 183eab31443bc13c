"""Elections: their settings and the state machine of phases."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.elections import roll, service
from election.elections.models import Election, MajorityRule, Phase, RollEntry
from election.errors import Conflict, ValidationFailed, WrongPhase
from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import GROUPS, SYSTEM, key_store, make_election, make_partner

pytestmark = pytest.mark.usefixtures("ctx")


def events(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def one_partner_per_group() -> dict[PartnerGroup, object]:
    return {group: make_partner(group) for group in GROUPS}


# --- setup ---------------------------------------------------------------------------------


def settings(**changes) -> service.ElectionSettings:
    base = service.ElectionSettings(
        title="Wybory Rady 2026", cutoff_date=dt.date(2026, 5, 31), term="2026–2030"
    )
    for name, value in changes.items():
        setattr(base, name, value)
    return base


def test_a_new_election_has_sekap_defaults_and_is_audited():
    election = service.create_election(db.session, SYSTEM, settings())
    assert election.phase == Phase.DRAFT
    assert (election.seats_gmina, election.seats_powiat, election.seats_miasto_npp) == (2, 2, 2)
    assert (election.leader_seats, election.scsi_seats, election.secret) == (1, 2, True)
    assert election.council_size == 9
    assert events("election.created") == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "  "},
        {"seats_gmina": 0},
        {"seats_powiat": 21},
        {"leader_seats": 0},
        {"scsi_seats": 6},
        {"quorum_percent": 101},
        {"title": "x" * 201},
    ],
)
def test_bad_settings_are_refused(changes):
    with pytest.raises(ValidationFailed):
        service.create_election(db.session, SYSTEM, settings(**changes))
    assert db.session.scalar(select(func.count()).select_from(Election)) == 0


def test_settings_change_freely_before_voting_and_the_change_is_audited():
    election = make_election("candidates_published")
    changes = service.update_election(
        db.session, SYSTEM, election, settings(seats_gmina=3, secret=False)
    )
    assert set(changes) >= {"seats_gmina", "secret"}
    assert election.seats_gmina == 3 and election.secret is False
    assert events("election.updated") == 1


@pytest.mark.parametrize("phase", ["voting", "closed", "certified"])
@pytest.mark.parametrize(
    "changes",
    [
        {"seats_gmina": 3},
        {"secret": False},
        {"cutoff_date": dt.date(2026, 6, 1)},
        {"majority_rule": MajorityRule.ABSOLUTE},
        {"quorum_percent": 50},
        {"scsi_seats": 1},
    ],
)
def test_settings_that_shape_the_vote_are_locked_once_voting_starts(phase, changes):
    election = make_election(phase)
    before = service.ElectionSettings.of(election)
    new = service.ElectionSettings.of(election)
    for name, value in changes.items():
        setattr(new, name, value)
    with pytest.raises(WrongPhase, match="nie można już zmieniać"):
        service.update_election(db.session, SYSTEM, election, new)
    assert service.ElectionSettings.of(election) == before
    assert events("election.updated") == 0


def test_the_meeting_place_can_still_change_during_voting():
    election = make_election("voting")
    new = service.ElectionSettings.of(election)
    new.meeting_place = "Katowice, sala 112"
    service.update_election(db.session, SYSTEM, election, new)
    assert election.meeting_place == "Katowice, sala 112"


# --- the state machine ---------------------------------------------------------------------


ILLEGAL = [
    ("open_nominations", phase)
    for phase in ("nominations", "candidates_published", "voting", "closed", "certified")
] + [("start_voting", phase) for phase in ("draft", "nominations", "voting", "closed", "certified")]


@pytest.mark.parametrize(("transition", "phase"), ILLEGAL)
def test_every_illegal_transition_is_refused_with_a_reason_and_changes_nothing(transition, phase):
    one_partner_per_group()
    election = make_election(phase)
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    extra = {"keys": key_store()} if transition == "start_voting" else {}
    with pytest.raises(WrongPhase) as info:
        getattr(service, transition)(db.session, SYSTEM, election, **extra)
    assert "nie można przejść do fazy" in str(info.value)
    assert election.phase == Phase(phase)
    assert election.voting_started_at is None
    assert db.session.scalar(select(func.count()).select_from(RollEntry)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_nominations_open_from_draft():
    election = make_election("draft")
    service.open_nominations(db.session, SYSTEM, election)
    assert election.phase == Phase.NOMINATIONS
    assert events("election.nominations_opened") == 1


def test_nominations_do_not_open_after_their_deadline():
    deadline = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC)
    election = make_election("draft", nomination_deadline=deadline)
    with pytest.raises(ValidationFailed, match="już minął"):
        service.open_nominations(
            db.session, SYSTEM, election, now=deadline + dt.timedelta(minutes=1)
        )
    assert election.phase == Phase.DRAFT


def test_voting_starts_and_freezes_the_roll_per_group():
    partners = one_partner_per_group()
    make_partner(PartnerGroup.GMINA)
    election = make_election("candidates_published")
    frozen = service.start_voting(db.session, SYSTEM, election, keys=key_store())
    assert election.phase == Phase.VOTING and election.voting_started_at is not None
    assert {g: len(e) for g, e in frozen.items()} == {
        PartnerGroup.GMINA: 2,
        PartnerGroup.POWIAT: 1,
        PartnerGroup.MIASTO_NPP: 1,
    }
    assert roll.roll_entry(db.session, election.id, partners[PartnerGroup.POWIAT].id)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "election.voting_started")
    )
    assert event.details["roll"] == {"gmina": 2, "powiat": 1, "miasto_npp": 1}


def test_voting_does_not_start_with_an_empty_roll():
    make_partner(PartnerGroup.GMINA, signed=None)
    election = make_election("candidates_published")
    with pytest.raises(Conflict, match="Spis uprawnionych jest pusty"):
        service.start_voting(db.session, SYSTEM, election, keys=key_store())
    assert election.phase == Phase.CANDIDATES_PUBLISHED


def test_voting_does_not_start_when_a_group_has_no_eligible_partner():
    make_partner(PartnerGroup.GMINA)
    make_partner(PartnerGroup.POWIAT)
    make_partner(PartnerGroup.MIASTO_NPP, active=False)
    election = make_election("candidates_published")
    with pytest.raises(Conflict, match="miasta na prawach powiatu") as info:
        service.start_voting(db.session, SYSTEM, election, keys=key_store())
    assert "nie ma żadnego uprawnionego" in str(info.value)
    assert election.phase == Phase.CANDIDATES_PUBLISHED
    assert db.session.scalar(select(func.count()).select_from(RollEntry)) == 0
