"""The election's state machine, settings, the voter roll, the Regulamin and its motion."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.audit.service import Actor
from election.auth.models import Role
from election.elections import service
from election.elections.models import (
    Election,
    MajorityRule,
    MotionChoice,
    MotionStatus,
    MotionVote,
    Phase,
    RollEntry,
    RulesStatus,
)
from election.errors import (
    AlreadyVoted,
    Conflict,
    Forbidden,
    NotEligible,
    ValidationFailed,
    WrongPhase,
)
from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import (
    GROUPS,
    SYSTEM,
    make_candidate,
    make_election,
    make_partner,
    make_round,
    make_user,
)
from tests.factories.elections import PDF, make_motion, make_rules

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


ILLEGAL = (
    [
        ("open_nominations", phase)
        for phase in ("nominations", "candidates_published", "voting", "closed", "certified")
    ]
    + [
        ("start_voting", phase)
        for phase in ("draft", "nominations", "voting", "closed", "certified")
    ]
    + [
        ("close_voting", phase)
        for phase in ("draft", "nominations", "candidates_published", "closed", "certified")
    ]
)


@pytest.mark.parametrize(("transition", "phase"), ILLEGAL)
def test_every_illegal_transition_is_refused_with_a_reason_and_changes_nothing(transition, phase):
    one_partner_per_group()
    election = make_election(phase)
    with pytest.raises(WrongPhase) as info:
        getattr(service, transition)(db.session, SYSTEM, election)
    assert "nie można przejść do fazy" in str(info.value)
    assert election.phase == Phase(phase)
    assert election.voting_started_at is None
    assert db.session.scalar(select(func.count()).select_from(RollEntry)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


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
    roll = service.start_voting(db.session, SYSTEM, election)
    assert election.phase == Phase.VOTING and election.voting_started_at is not None
    assert {g: len(e) for g, e in roll.items()} == {
        PartnerGroup.GMINA: 2,
        PartnerGroup.POWIAT: 1,
        PartnerGroup.MIASTO_NPP: 1,
    }
    assert service.is_on_roll(db.session, election.id, partners[PartnerGroup.POWIAT].id)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "election.voting_started")
    )
    assert event.details["roll"] == {"gmina": 2, "powiat": 1, "miasto_npp": 1}


def test_voting_does_not_start_with_an_empty_roll():
    make_partner(PartnerGroup.GMINA, signed=None)
    election = make_election("candidates_published")
    with pytest.raises(Conflict, match="Spis uprawnionych jest pusty"):
        service.start_voting(db.session, SYSTEM, election)
    assert election.phase == Phase.CANDIDATES_PUBLISHED


def test_voting_does_not_start_when_a_group_has_no_eligible_partner():
    make_partner(PartnerGroup.GMINA)
    make_partner(PartnerGroup.POWIAT)
    make_partner(PartnerGroup.MIASTO_NPP, active=False)
    election = make_election("candidates_published")
    with pytest.raises(Conflict, match="miasta na prawach powiatu") as info:
        service.start_voting(db.session, SYSTEM, election)
    assert "nie ma żadnego uprawnionego" in str(info.value)
    assert election.phase == Phase.CANDIDATES_PUBLISHED
    assert db.session.scalar(select(func.count()).select_from(RollEntry)) == 0


@pytest.mark.parametrize("status", ["open", "pending"])
def test_voting_does_not_close_while_a_round_is_open_or_pending(status):
    partner = make_partner(PartnerGroup.GMINA)
    election = make_election("voting")
    candidate = make_candidate(election, partner)
    make_round(election, PartnerGroup.GMINA, [candidate], status=status)
    with pytest.raises(Conflict, match="tury otwarte lub oczekujące"):
        service.close_voting(db.session, SYSTEM, election)
    assert election.phase == Phase.VOTING


def test_voting_closes_when_every_round_is_closed():
    partner = make_partner(PartnerGroup.GMINA)
    election = make_election("voting")
    make_round(election, PartnerGroup.GMINA, [make_candidate(election, partner)], status="closed")
    service.close_voting(db.session, SYSTEM, election)
    assert election.phase == Phase.CLOSED
    assert events("election.voting_closed") == 1


# --- the voter roll ------------------------------------------------------------------------


def test_only_active_partners_signed_by_the_cutoff_are_eligible():
    cutoff = dt.date(2026, 5, 31)
    on_cutoff = make_partner(PartnerGroup.GMINA, name="Będzin", signed=cutoff)
    early = make_partner(PartnerGroup.GMINA, name="Ożarowice", signed=dt.date(2010, 1, 1))
    make_partner(PartnerGroup.GMINA, name="Późny", signed=cutoff + dt.timedelta(days=1))
    make_partner(PartnerGroup.GMINA, name="Bez umowy", signed=None)
    make_partner(PartnerGroup.GMINA, name="Nieaktywny", active=False)
    county = make_partner(PartnerGroup.POWIAT, name="Powiat będziński")
    election = make_election("draft", cutoff_date=cutoff)
    eligible = service.eligible_partners(db.session, election)
    assert eligible[PartnerGroup.GMINA] == [on_cutoff, early]
    assert eligible[PartnerGroup.POWIAT] == [county]
    assert eligible[PartnerGroup.MIASTO_NPP] == []
    roll = service.roll(db.session, election)
    assert [e.partner_name for e in roll[PartnerGroup.GMINA]] == ["Będzin", "Ożarowice"]
    assert not service.roll_frozen(election)
    # A computed roll is not written anywhere.
    assert db.session.scalar(select(func.count()).select_from(RollEntry)) == 0


def test_the_frozen_roll_ignores_later_changes_to_the_register():
    partners = one_partner_per_group()
    gmina = partners[PartnerGroup.GMINA]
    old_name = gmina.name
    election = make_election("candidates_published")
    service.start_voting(db.session, SYSTEM, election)
    db.session.commit()

    # The register changes after voting started: a rename, a deactivation, a newcomer.
    gmina.name = "Gmina po zmianie nazwy"
    partners[PartnerGroup.POWIAT].active = False
    newcomer = make_partner(PartnerGroup.GMINA, signed=dt.date(2000, 1, 1))
    db.session.commit()

    roll = service.roll(db.session, election)
    assert service.roll_frozen(election)
    assert [e.partner_name for e in roll[PartnerGroup.GMINA]] == [old_name]
    assert len(roll[PartnerGroup.POWIAT]) == 1
    assert service.is_on_roll(db.session, election.id, partners[PartnerGroup.POWIAT].id)
    assert service.is_on_roll(db.session, election.id, newcomer.id) is None
    # … while the computed list would now differ.
    assert newcomer in service.eligible_partners(db.session, election)[PartnerGroup.GMINA]


# --- the Regulamin -------------------------------------------------------------------------


def test_the_regulamin_is_saved_as_text_or_pdf_and_audited():
    election = make_election()
    rules = service.save_rules(db.session, SYSTEM, election, text="§ 1. Treść.")
    assert rules.status == RulesStatus.DRAFT and rules.pdf is None
    service.save_rules(
        db.session, SYSTEM, election, text="", pdf=PDF, pdf_filename="Regulamin wyboru.pdf"
    )
    assert rules.pdf == PDF and rules.pdf_filename == "Regulamin_wyboru.pdf"
    assert rules.text == ""
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "rules.saved").order_by(AuditEvent.id.desc())
    )
    assert event.details["pdf_sha256"] and event.details["text_sha256"] is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "  "}, "Wpisz treść"),
        ({"text": "", "pdf": b"", "pdf_filename": "r.pdf"}, "pusty"),
        ({"text": "", "pdf": b"GIF89a", "pdf_filename": "r.pdf"}, "nie jest plik PDF"),
        ({"text": "", "pdf": PDF, "pdf_filename": "r.exe"}, "rozszerzenie"),
        (
            {"text": "", "pdf": PDF + b"x" * (5 * 1024 * 1024), "pdf_filename": "r.pdf"},
            "za duży",
        ),
    ],
)
def test_a_bad_regulamin_is_refused(kwargs, message):
    election = make_election()
    with pytest.raises(ValidationFailed, match=message):
        service.save_rules(db.session, SYSTEM, election, **kwargs)
    assert service.get_rules(db.session, election) is None


def test_a_sent_regulamin_cannot_change():
    election = make_election()
    make_rules(election, "sent")
    with pytest.raises(Conflict, match="nie można go zmienić"):
        service.save_rules(db.session, SYSTEM, election, text="Nowa treść")


def test_marking_the_regulamin_sent_lists_active_reps_of_active_partners():
    active = make_partner(PartnerGroup.GMINA)
    retired = make_partner(PartnerGroup.POWIAT, active=False)
    rep = make_user(Role.PARTNER_REP, partner=active)
    make_user(Role.PARTNER_REP, partner=retired)
    gone = make_user(Role.PARTNER_REP, partner=active)
    gone.active = False
    make_user(Role.CHAIR)
    election = make_election()
    make_rules(election, "draft")
    recipients = service.mark_rules_sent(db.session, SYSTEM, election, dt.date(2026, 6, 2))
    assert recipients == [rep.email]
    rules = service.get_rules(db.session, election)
    assert rules.status == RulesStatus.SENT and rules.sent_on == dt.date(2026, 6, 2)
    with pytest.raises(Conflict, match="wysłać można tylko projekt"):
        service.mark_rules_sent(db.session, SYSTEM, election, dt.date(2026, 6, 3))


def test_a_missing_regulamin_cannot_be_sent():
    with pytest.raises(Conflict, match="Najpierw przygotuj"):
        service.mark_rules_sent(db.session, SYSTEM, make_election(), dt.date(2026, 6, 2))


# --- the motion ----------------------------------------------------------------------------


@pytest.fixture
def chair() -> Actor:
    user = make_user(Role.CHAIR)
    return Actor(user.id, user.email)


def test_a_motion_opens_only_for_a_sent_regulamin(chair):
    election = make_election()
    with pytest.raises(Conflict, match="nie został jeszcze wysłany"):
        service.open_rules_motion(db.session, chair, election)
    rules = make_rules(election, "draft")
    with pytest.raises(Conflict, match="nie został jeszcze wysłany"):
        service.open_rules_motion(db.session, chair, election)
    rules.status = RulesStatus.SENT
    motion = service.open_rules_motion(db.session, chair, election)
    assert motion.status == MotionStatus.OPEN
    assert motion.title == "Zatwierdzenie Regulaminu wyboru"
    with pytest.raises(Conflict, match="już otwarte"):
        service.open_rules_motion(db.session, chair, election)


def test_a_motion_does_not_open_after_voting_closed(chair):
    election = make_election("closed")
    make_rules(election, "sent")
    with pytest.raises(WrongPhase):
        service.open_rules_motion(db.session, chair, election)


def test_partners_of_any_group_vote_once_and_the_result_is_recorded(chair):
    election = make_election("candidates_published")
    rules = make_rules(election, "sent")
    motion = service.open_rules_motion(db.session, chair, election)
    partners = [make_partner(g) for g in GROUPS]
    rep = make_user(Role.PARTNER_REP, partner=partners[0])
    rep_actor = Actor(rep.id, rep.email)
    service.vote_online(
        db.session,
        rep_actor,
        motion.id,
        rep_partner_id=partners[0].id,
        partner_id=partners[0].id,
        choice=MotionChoice.YES,
    )
    service.vote_on_paper(
        db.session, chair, motion.id, partner_id=partners[1].id, choice=MotionChoice.YES
    )
    service.vote_on_paper(
        db.session, chair, motion.id, partner_id=partners[2].id, choice=MotionChoice.NO
    )
    with pytest.raises(AlreadyVoted, match="już głosował"):
        service.vote_on_paper(
            db.session, chair, motion.id, partner_id=partners[0].id, choice=MotionChoice.NO
        )
    # The refused double vote left the transaction usable and the first vote intact.
    assert service.motion_counts(db.session, motion.id) == {
        MotionChoice.YES: 2,
        MotionChoice.NO: 1,
        MotionChoice.ABSTAIN: 0,
    }
    closed = service.close_motion(db.session, chair, motion.id)
    assert (closed.yes, closed.no, closed.abstain, closed.adopted) == (2, 1, 0, True)
    assert closed.status == MotionStatus.CLOSED and closed.closed_at is not None
    assert rules.status == RulesStatus.ADOPTED
    assert service.rules_adopted(db.session, election)
    assert events("motion.voted") == 3 and events("motion.closed") == 1
    with pytest.raises(Conflict, match="zamknięte"):
        service.vote_on_paper(
            db.session, chair, motion.id, partner_id=partners[0].id, choice=MotionChoice.YES
        )
    with pytest.raises(Conflict, match="Regulamin został już przyjęty"):
        service.open_rules_motion(db.session, chair, election)


def test_the_unique_constraint_stops_a_double_vote_that_passed_the_check(chair, monkeypatch):
    election = make_election()
    make_rules(election, "sent")
    motion = service.open_rules_motion(db.session, chair, election)
    partner = make_partner()
    service.vote_on_paper(
        db.session, chair, motion.id, partner_id=partner.id, choice=MotionChoice.YES
    )
    # As if a concurrent request had checked before the first vote was written.
    monkeypatch.setattr(service, "partner_vote", lambda *args: None)
    with pytest.raises(AlreadyVoted):
        service.vote_on_paper(
            db.session, chair, motion.id, partner_id=partner.id, choice=MotionChoice.NO
        )
    assert db.session.scalar(select(func.count()).select_from(MotionVote)) == 1


def test_a_rep_cannot_vote_for_another_partner(chair):
    election = make_election()
    make_rules(election, "sent")
    motion = service.open_rules_motion(db.session, chair, election)
    own, other = make_partner(), make_partner()
    rep = make_user(Role.PARTNER_REP, partner=own)
    with pytest.raises(Forbidden, match="swojego Partnera"):
        service.vote_online(
            db.session,
            Actor(rep.id, rep.email),
            motion.id,
            rep_partner_id=own.id,
            partner_id=other.id,
            choice=MotionChoice.YES,
        )
    assert service.motion_counts(db.session, motion.id)[MotionChoice.YES] == 0


@pytest.mark.parametrize("partner_kwargs", [{"signed": None}, {"active": False}])
def test_only_active_partners_with_an_agreement_vote_on_a_motion(chair, partner_kwargs):
    election = make_election()
    make_rules(election, "sent")
    motion = service.open_rules_motion(db.session, chair, election)
    partner = make_partner(**partner_kwargs)
    with pytest.raises(NotEligible):
        service.vote_on_paper(
            db.session, chair, motion.id, partner_id=partner.id, choice=MotionChoice.YES
        )


def test_a_rejected_regulamin_can_be_voted_again_under_the_absolute_rule(chair):
    election = make_election(majority_rule=MajorityRule.ABSOLUTE)
    rules = make_rules(election, "sent")
    a, b, c = make_partner(), make_partner(), make_partner()
    first = service.open_rules_motion(db.session, chair, election)
    service.vote_on_paper(db.session, chair, first.id, partner_id=a.id, choice=MotionChoice.YES)
    service.vote_on_paper(db.session, chair, first.id, partner_id=b.id, choice=MotionChoice.ABSTAIN)
    # 1 yes against 0 no + 1 abstain: a simple majority, but not an absolute one.
    assert service.close_motion(db.session, chair, first.id).adopted is False
    assert rules.status == RulesStatus.REJECTED
    assert not service.rules_adopted(db.session, election)

    second = service.open_rules_motion(db.session, chair, election)
    for partner in (a, b, c):
        service.vote_on_paper(
            db.session, chair, second.id, partner_id=partner.id, choice=MotionChoice.YES
        )
    assert service.close_motion(db.session, chair, second.id).adopted is True
    assert rules.status == RulesStatus.ADOPTED
    assert [m.id for m in service.motions(db.session, election)] == [second.id, first.id]


def test_a_motion_with_no_votes_is_not_adopted(chair):
    election = make_election()
    make_rules(election, "sent")
    motion = make_motion(election)
    closed = service.close_motion(db.session, chair, motion.id)
    assert closed.adopted is False and (closed.yes, closed.no, closed.abstain) == (0, 0, 0)
    with pytest.raises(Conflict, match="już zamknięte"):
        service.close_motion(db.session, chair, motion.id)
