"""The composition of the Council and its certification, over the session."""

import pytest
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.audit.service import head_hash
from election.council import composition
from election.council import rules as council_rules
from election.council.models import AppointedSeat
from election.elections import custody
from election.elections.models import Phase
from election.errors import Conflict, WrongPhase
from election.extensions import db
from election.partners.models import PartnerGroup
from election.publishing.models import Publication, PublicationKind, PublicationStatus
from election.tally import counting
from election.tally.models import RoundTally
from tests.factories import SYSTEM, key_store, make_round
from tests.factories.council import closed_election, make_appointment
from tests.factories.tally import cast_all, close


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_the_council_lists_the_appointed_then_the_elected_and_the_leader_chairs(ctx):
    world = closed_election()
    members = composition.council_members(db.session, world["election"])
    assert len(members) == world["election"].council_size == 9
    assert [m.seat for m in members] == [
        "leader", "scsi", "scsi", "gmina", "gmina", "powiat", "powiat", "miasto_npp",
        "miasto_npp",
    ]  # fmt: skip
    assert [m.chairs for m in members].count(True) == 1 and members[0].chairs
    gmina = world["candidates"][PartnerGroup.GMINA]
    assert members[3].name == gmina[0].full_name
    assert members[3].partner == gmina[0].partner.name
    assert composition.missing_seats(db.session, world["election"]) == []


def test_missing_seats_name_empty_places_and_unresolved_ties(ctx):
    world = closed_election(tie_in=PartnerGroup.POWIAT, appointed=False)
    election = world["election"]
    make_appointment(election, AppointedSeat.SCSI, 2)
    texts = [m.text for m in composition.missing_seats(db.session, election)]
    assert "Nie powołano: przedstawiciel Lidera (miejsce nr 1)." in texts
    assert "Nie powołano: przedstawiciel ŚCSI (miejsce nr 1)." in texts
    assert not any("miejsce nr 2" in t for t in texts)
    assert any(t.startswith("Grupa „powiaty”: Remis") for t in texts)
    assert "Grupa „powiaty”: wybrano 1 z 2 członków." in texts
    assert not any("gminy" in t for t in texts)


def test_certify_moves_to_certified_records_the_chain_head_and_enqueues_results(ctx):
    world = closed_election()
    election = world["election"]
    head_before = head_hash(db.session)
    composition.certify(db.session, SYSTEM, election, key_store())
    assert election.phase is Phase.CERTIFIED and election.certified_at is not None
    event = _events("council.certified")[0]
    # The key is destroyed first; the certification event covers that too.
    destroyed = _events("ballot_box.key_destroyed")[0]
    assert destroyed.prev_hash == head_before
    assert event.details["audit_head"] == destroyed.hash == event.prev_hash
    assert len(event.details["council"]) == 9
    members = composition.council_members(db.session, election)
    assert event.details["composition"] == council_rules.composition_hash(members)
    publication = db.session.scalar(select(Publication))
    assert publication.kind is PublicationKind.RESULTS
    assert publication.status is PublicationStatus.PENDING


def _nothing_certified(election):
    assert election.phase is not Phase.CERTIFIED and election.certified_at is None
    assert db.session.scalar(select(func.count()).select_from(Publication)) == 0
    assert _events("council.certified") == []


def test_certify_is_refused_with_a_seat_empty(ctx):
    world = closed_election(appointed=False)
    election = world["election"]
    make_appointment(election, AppointedSeat.LEADER, 1)
    make_appointment(election, AppointedSeat.SCSI, 1)
    with pytest.raises(composition.CouncilIncomplete) as exc:
        composition.certify(db.session, SYSTEM, election, key_store())
    assert "przedstawiciel ŚCSI (miejsce nr 2)" in str(exc.value)
    assert [m.seat for m in exc.value.missing] == ["scsi"]
    _nothing_certified(election)


def test_certify_is_refused_while_a_tie_is_unresolved(ctx):
    world = closed_election(tie_in=PartnerGroup.MIASTO_NPP)
    with pytest.raises(composition.CouncilIncomplete) as exc:
        composition.certify(db.session, SYSTEM, world["election"], key_store())
    assert "Remis" in str(exc.value) and "miasta na prawach powiatu" in str(exc.value)
    _nothing_certified(world["election"])


@pytest.mark.parametrize("phase", ["draft", "voting", "certified"])
def test_certify_is_refused_in_the_wrong_phase(ctx, phase):
    world = closed_election()
    election = world["election"]
    election.phase = Phase(phase)
    db.session.flush()
    with pytest.raises(WrongPhase):
        composition.certify(db.session, SYSTEM, election, key_store())
    assert election.phase is Phase(phase)
    assert db.session.scalar(select(func.count()).select_from(Publication)) == 0


def test_a_tie_settled_by_runoff_and_lots_completes_the_council(ctx):
    world = closed_election(tie_in=PartnerGroup.GMINA, settle="lots")
    election = world["election"]
    assert composition.missing_seats(db.session, election) == []
    a, _b, c = world["candidates"][PartnerGroup.GMINA]
    gmina = [m.name for m in composition.council_members(db.session, election) if m.seat == "gmina"]
    assert gmina == [a.full_name, c.full_name]
    composition.certify(db.session, SYSTEM, election, key_store())
    assert election.phase is Phase.CERTIFIED


def test_a_council_of_another_size_is_certified_without_assuming_nine(ctx):
    world = closed_election(appointed=False)
    election = world["election"]
    election.scsi_seats = 1
    election.leader_seats = 2
    make_appointment(election, AppointedSeat.LEADER, 1)
    make_appointment(election, AppointedSeat.LEADER, 2, "Druga Osoba")
    make_appointment(election, AppointedSeat.SCSI, 1)
    members = composition.council_members(db.session, election)
    assert len(members) == election.council_size == 9
    assert [m.chairs for m in members] == [True] + [False] * 8
    election.seats_miasto_npp = 3
    texts = [m.text for m in composition.missing_seats(db.session, election)]
    assert texts, "a third seat of the cities is not filled by a two-seat round"
    with pytest.raises(composition.CouncilIncomplete):
        composition.certify(db.session, SYSTEM, election, key_store())


def test_certification_destroys_the_key_and_no_round_can_be_decrypted_after(ctx):
    world = closed_election()
    election = world["election"]
    assert key_store().read_key(election.id) is not None
    composition.certify(db.session, SYSTEM, election, key_store())
    assert key_store().read_key(election.id) is None
    assert not list(key_store().folder.glob(f"election-{election.id}-*"))
    assert custody.key_of(db.session, election).destroyed_at is not None
    with pytest.raises(Conflict, match="Klucza urny nie ma"):
        custody.server_key(election, key_store())
    # A round closed now (written directly: the election is over) cannot be decrypted.
    group = PartnerGroup.GMINA
    late = make_round(election, group, world["candidates"][group], number=9)
    cast_all(late, world["partners"][group], [[world["candidates"][group][0]]] * 3)
    close(late)
    with pytest.raises(Conflict, match="Klucza urny nie ma"):
        counting.count_round(db.session, SYSTEM, late, key_store())
    assert db.session.get(RoundTally, late.id) is None
