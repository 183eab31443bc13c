"""The meeting's ways out, each reached and left through the real services: the quorum's
fallback (D), a withdrawal after publication (E), annulling a round (F), a Partner
added to the roll (G)."""

import pytest
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.audit.service import Actor
from election.auth.models import Role
from election.candidates.models import CandidateStatus
from election.elections import service
from election.elections.models import Phase, RollEntry
from election.errors import (
    Conflict,
    NotFound,
    RoundClosed,
    ValidationFailed,
    WrongPhase,
)
from election.extensions import db
from election.partners.models import PartnerGroup
from election.tally import audit, corrections, counting, opening
from election.tally.models import RoundTally
from election.tally.results import results
from election.tally.rules import RoundKind, seeded_draw
from election.voting import ballots, rounds
from election.voting.models import EncryptedBallot, Round, RoundStatus
from tests.factories import SYSTEM, key_store, make_partner, make_user
from tests.factories.meeting import chair_actor, close, decide, meeting, vote
from tests.factories.tally import issue_paper
from tests.factories.voting import election_without_rounds

G, P, M = PartnerGroup.GMINA, PartnerGroup.POWIAT, PartnerGroup.MIASTO_NPP


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def group_rounds(world, group) -> list[Round]:
    return [r for r in rounds.rounds_of(db.session, world["election"]) if r.group == group]


# --- D: the Regulamin's fallback for a quorum never met ---------------------------------------


def test_a_repeat_is_valid_without_quorum_from_the_attempt_the_regulamin_says(ctx):
    world = meeting(per_group=5, quorum_percent=60, quorum_waived_from=2)
    a = world["candidates"][G][0]
    vote(world, world["rounds"][G], [[a]])
    first = db.session.get(RoundTally, close(world, world["rounds"][G]).id)
    assert not first.valid  # 1 of 5: the quorum applies to the first attempt
    repeat = counting.repeat_round(db.session, SYSTEM, world["rounds"][G])
    rounds.open_round(db.session, SYSTEM, repeat)
    vote(world, repeat, [[a]])
    tally = db.session.get(RoundTally, close(world, repeat).id)
    assert tally.valid and tally.seats_filled == 1
    event = events("round.counted")[-1]
    assert event.details["attempt"] == 2 and event.details["quorum_waived_from"] == 2
    assert results(db.session, world["election"]).groups[G].status.complete
    assert audit.verify_results(db.session) == []


def test_without_the_fallback_the_quorum_applies_to_every_repeat(ctx):
    world = meeting(per_group=5, quorum_percent=60)
    a = world["candidates"][G][0]
    round_ = world["rounds"][G]
    for _attempt in range(3):
        vote(world, round_, [[a]])
        assert not db.session.get(RoundTally, close(world, round_).id).valid
        round_ = counting.repeat_round(db.session, SYSTEM, round_)
        rounds.open_round(db.session, SYSTEM, round_)
    assert round_.number == 4


def test_the_fallback_never_opens_a_secret_box_with_fewer_than_three_ballots(ctx):
    world = meeting(per_group=5, quorum_percent=60, quorum_waived_from=2, secret=True)
    a = world["candidates"][G][0]
    vote(world, world["rounds"][G], [[a]])
    close(world, world["rounds"][G])
    repeat = counting.repeat_round(db.session, SYSTEM, world["rounds"][G])
    rounds.open_round(db.session, SYSTEM, repeat)
    vote(world, repeat, [[a], [a]])
    tally = db.session.get(RoundTally, close(world, repeat).id)
    # Waived quorum, but two ballots would reveal two Partners' votes: never decrypted.
    assert not tally.valid and tally.blank is None
    again = counting.repeat_round(db.session, SYSTEM, repeat)
    rounds.open_round(db.session, SYSTEM, again)
    vote(world, again, [[a], [a], []])
    tally = db.session.get(RoundTally, close(world, again).id)
    assert tally.valid and tally.ballots == 3 and tally.blank == 1
    assert audit.verify_results(db.session) == []


def test_a_runoff_starts_again_at_the_first_attempt(ctx):
    world = meeting(per_group=5, seats=1, quorum_percent=60, quorum_waived_from=2)
    a, b, _c = world["candidates"][G]
    vote(world, world["rounds"][G], [[a], [b], [a], [b]])
    close(world, world["rounds"][G])
    runoff = counting.open_runoff(db.session, SYSTEM, world["rounds"][G])
    rounds.open_round(db.session, SYSTEM, runoff)
    vote(world, runoff, [[a]])
    assert not db.session.get(RoundTally, close(world, runoff).id).valid  # attempt 1 again
    view = results(db.session, world["election"]).groups[G].rounds[-1]
    assert (view.kind, view.attempt) == (RoundKind.RUNOFF, 1)


def test_the_fallback_is_locked_once_voting_starts(ctx):
    world = meeting()
    election = world["election"]
    settings = service.ElectionSettings.of(election)
    settings.quorum_waived_from = 2
    with pytest.raises(WrongPhase):
        service.update_election(db.session, SYSTEM, election, settings)
    assert election.quorum_waived_from is None


@pytest.mark.parametrize("value", [0, 1, 10])
def test_the_fallback_must_be_an_attempt_from_2_to_9(ctx, value):
    election = election_without_rounds(phase="draft")["election"]
    settings = service.ElectionSettings.of(election)
    settings.quorum_waived_from = value
    with pytest.raises(ValidationFailed, match="od próby nr 2 do 9"):
        service.update_election(db.session, SYSTEM, election, settings)


# --- F: annulling a round before it is counted ------------------------------------------------


def test_an_open_round_is_annulled_with_a_reason_and_reopened_at_once(ctx):
    world = meeting(secret=True)
    round_ = world["rounds"][G]
    a, b, c = world["candidates"][G]
    vote(world, round_, [[a], [b]])
    done = corrections.annul_round(
        db.session, chair_actor(world), round_, " Pomyłka  przy\nkarcie "
    )
    assert (
        round_.status == RoundStatus.ANNULLED and round_.annulment_reason == "Pomyłka przy karcie"
    )
    new = done.replacement
    assert new.number == 2 and new.status == RoundStatus.OPEN and new.seats == round_.seats
    assert {x.id for x in new.candidates} == {a.id, b.id, c.id}
    # Its ballots stay where they are and are never counted; nobody votes there any more.
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(EncryptedBallot)
            .where(EncryptedBallot.round_id == round_.id)
        )
        == 2
    )
    rep = world["reps"][G][0]
    with pytest.raises(RoundClosed, match="unieważniona"):
        ballots.cast_ballot(db.session, Actor(rep.id, rep.email), rep, round_, [a.id])
    # Those who voted in the annulled round vote again in the new one.
    vote(world, new, [[c], [c], [c]])
    close(world, new)
    assert db.session.get(RoundTally, round_.id) is None
    group = results(db.session, world["election"]).groups[G]
    assert [line.candidate.id for line in group.rounds[0].lines if line.votes] == []
    assert group.status.complete and group.status.elected == [c]
    annulled = events("round.annulled")[0]
    assert annulled.details["reason"] == "Pomyłka przy karcie"
    assert annulled.details["was"] == "open" and annulled.details["ballots"] == 2
    assert annulled.details["ballots_digest"]
    assert events("round.replacement_created")[0].details["replaces"] == 1
    assert audit.verify_results(db.session) == []


def test_a_round_closed_but_waiting_for_paper_is_annulled_and_replaced_pending(ctx):
    world = meeting(secret=True)
    round_ = world["rounds"][G]
    a = world["candidates"][G][0]
    vote(world, round_, [[a], [a]])
    issue_paper(round_, world["partners"][G][2])
    close(world, round_)
    assert round_.counted_at is None  # waits for its paper ballot
    done = corrections.annul_round(db.session, SYSTEM, round_, "Karta zaginęła")
    assert done.replacement.status == RoundStatus.PENDING
    with pytest.raises(Conflict):
        opening.finish_paper(db.session, SYSTEM, round_, key_store(), 1)
    assert opening.awaiting_tellers(db.session, world["election"]) == []


def test_a_pending_round_is_annulled_and_replaced_pending(ctx):
    world = election_without_rounds(secret=False)
    created = rounds.create_rounds(db.session, SYSTEM, world["election"])
    done = corrections.annul_round(db.session, SYSTEM, created[0], "Zła liczba miejsc")
    assert done.replacement.status == RoundStatus.PENDING and done.replacement.number == 2
    assert events("round.annulled")[0].details["ballots_digest"] is None


def test_a_counted_round_cannot_be_annulled(ctx):
    world = meeting(secret=False)
    decide(world, G, world["candidates"][G][:1])
    with pytest.raises(Conflict, match="już policzona"):
        corrections.annul_round(db.session, SYSTEM, world["rounds"][G], "Za późno")
    assert world["rounds"][G].status == RoundStatus.CLOSED and events("round.annulled") == []


@pytest.mark.parametrize("reason", ["", "   ", "<b>x</b>", "x" * 501])
def test_an_annulment_needs_a_plain_reason(ctx, reason):
    world = meeting(secret=False)
    with pytest.raises(ValidationFailed):
        corrections.annul_round(db.session, SYSTEM, world["rounds"][G], reason)
    assert world["rounds"][G].status == RoundStatus.OPEN


def test_an_annulled_runoff_is_replaced_by_a_runoff(ctx):
    world = meeting(secret=False)
    a, b, _c = world["candidates"][G]
    vote(world, world["rounds"][G], [[a], [b]])
    close(world, world["rounds"][G])
    runoff = counting.open_runoff(db.session, SYSTEM, world["rounds"][G])
    new = corrections.annul_round(db.session, SYSTEM, runoff, "Pomyłka").replacement
    assert new.number == 3 and {x.id for x in new.candidates} == {a.id, b.id}
    rounds.open_round(db.session, SYSTEM, new)
    vote(world, new, [[a], [b]])
    close(world, new)
    view = results(db.session, world["election"]).groups[G].rounds[-1]
    # Still a runoff: its tie goes to lots, as a runoff's does.
    assert view.kind == RoundKind.RUNOFF and view.next_step.value == "lots"


# --- E: a candidate withdraws after the list is published -------------------------------------


def test_a_withdrawal_annuls_the_open_round_and_reopens_it_without_the_candidate(ctx):
    world = meeting(secret=False)
    a, b, c = world["candidates"][G]
    vote(world, world["rounds"][G], [[b]])
    done = corrections.withdraw_candidate(
        db.session, chair_actor(world), world["election"], b.id, "Oświadczenie na zebraniu"
    )
    assert b.status == CandidateStatus.WITHDRAWN
    (annulment,) = done.annulments
    assert annulment.annulled.status == RoundStatus.ANNULLED
    assert "wycofanie kandydatury" in annulment.annulled.annulment_reason
    new = annulment.replacement
    assert new.status == RoundStatus.OPEN and {x.id for x in new.candidates} == {a.id, c.id}
    withdrawn = events("candidate.withdrawn")[0]
    assert withdrawn.details == {
        "election_id": world["election"].id,
        "after_publication": True,
        "reason": "Oświadczenie na zebraniu",
    }
    decide(world, G, [c])
    assert results(db.session, world["election"]).groups[G].status.elected == [c]


def test_a_tied_candidate_who_withdraws_leaves_the_runoff_to_the_others(ctx):
    world = meeting(per_group=4, secret=False)
    a, b, c = world["candidates"][G]
    vote(world, world["rounds"][G], [[a], [b], [c]])
    close(world, world["rounds"][G])
    corrections.withdraw_candidate(db.session, SYSTEM, world["election"], c.id, "Rezygnacja")
    runoff = counting.open_runoff(db.session, SYSTEM, world["rounds"][G])
    assert {x.id for x in runoff.candidates} == {a.id, b.id}


def test_a_tied_candidate_who_withdraws_is_never_drawn(ctx):
    world = meeting(per_group=4, secret=False, tie_rule="lots")
    a, b, _c = world["candidates"][G]
    vote(world, world["rounds"][G], [[a], [b]])
    close(world, world["rounds"][G])
    corrections.withdraw_candidate(db.session, SYSTEM, world["election"], a.id, "Rezygnacja")
    for _ in range(5):
        with db.session.begin_nested() as savepoint:
            draw = counting.draw_lots(db.session, chair_actor(world), world["rounds"][G])
            assert draw.winners == [b.id] and draw.withdrawn == [a.id]
            # Anyone can repeat the draw from the seed and those who had withdrawn.
            assert seeded_draw(draw.seed, [a.id, b.id], 1, [a.id]) == [b.id]
            assert audit.verify_results(db.session) == []
            savepoint.rollback()


def test_an_elected_candidate_cannot_withdraw_but_is_told_what_instead(ctx):
    world = meeting(secret=False)
    a = world["candidates"][G][0]
    decide(world, G, [a])
    with pytest.raises(Conflict, match="wygaśnięcie mandatu"):
        corrections.withdraw_candidate(db.session, SYSTEM, world["election"], a.id, "Rezygnacja")
    assert a.status == CandidateStatus.VERIFIED


def test_before_voting_a_withdrawal_only_takes_the_candidate_off_the_list(ctx):
    world = election_without_rounds(secret=False, phase="candidates_published")
    a = world["candidates"][G][0]
    done = corrections.withdraw_candidate(db.session, SYSTEM, world["election"], a.id, "Choroba")
    assert done.annulments == [] and a.status == CandidateStatus.WITHDRAWN
    world["election"].phase = Phase.VOTING
    (gmina, *_rest) = rounds.create_rounds(db.session, SYSTEM, world["election"])
    assert a.id not in {c.id for c in gmina.candidates}


@pytest.mark.parametrize("phase", ["nominations", "closed"])
def test_a_withdrawal_after_publication_is_refused_in_other_phases(ctx, phase):
    world = election_without_rounds(secret=False, phase=phase)
    a = world["candidates"][G][0]
    with pytest.raises(WrongPhase):
        corrections.withdraw_candidate(db.session, SYSTEM, world["election"], a.id, "Powód")
    assert a.status == CandidateStatus.VERIFIED


def test_a_withdrawal_needs_a_reason(ctx):
    world = meeting(secret=False)
    a = world["candidates"][G][0]
    with pytest.raises(ValidationFailed, match="Podaj powód"):
        corrections.withdraw_candidate(db.session, SYSTEM, world["election"], a.id, " ")
    assert a.status == CandidateStatus.VERIFIED and world["rounds"][G].status == RoundStatus.OPEN


# --- G: a Partner wrongly left off the roll ---------------------------------------------------


def roll_size(world, group) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RollEntry)
        .where(RollEntry.election_id == world["election"].id, RollEntry.group == group)
    )


def test_an_eligible_partner_is_added_before_its_group_votes_and_then_votes(ctx):
    world = meeting(secret=False)
    late = make_partner(G)  # in the register, but entered after the roll was frozen
    entry = corrections.add_to_roll(
        db.session, chair_actor(world), world["election"], late.id, "Umowa wpisana z opóźnieniem"
    )
    assert entry.partner_id == late.id and roll_size(world, G) == 4
    event = events("roll.partner_added")[0]
    assert event.details["reason"] == "Umowa wpisana z opóźnieniem"
    assert event.details["eligible_by_rule"] is True
    rep = make_user(Role.PARTNER_REP, partner=late)
    ballots.cast_ballot(
        db.session,
        Actor(rep.id, rep.email),
        rep,
        world["rounds"][G],
        [world["candidates"][G][0].id],
    )


def test_a_partner_not_eligible_by_the_register_needs_a_register_error(ctx):
    world = meeting(secret=False)
    unsigned = make_partner(P, signed=None)
    with pytest.raises(ValidationFailed, match="nie spełnia warunku udziału"):
        corrections.add_to_roll(db.session, SYSTEM, world["election"], unsigned.id, "Jest umowa")
    entry = corrections.add_to_roll(
        db.session, SYSTEM, world["election"], unsigned.id, "Umowa z 2014 r.", register_error=True
    )
    assert entry.group == P and events("roll.partner_added")[0].details["eligible_by_rule"] is False


def test_a_partner_cannot_be_added_once_its_group_has_a_ballot_until_that_round_is_annulled(ctx):
    world = meeting(secret=False)
    late = make_partner(G)
    vote(world, world["rounds"][G], [[world["candidates"][G][0]]])
    with pytest.raises(Conflict, match="oddano już głosy"):
        corrections.add_to_roll(db.session, SYSTEM, world["election"], late.id, "Pominięty")
    assert roll_size(world, G) == 3
    # Another group may still take a Partner; and once the round is annulled, this one too.
    corrections.add_to_roll(db.session, SYSTEM, world["election"], make_partner(P).id, "Pominięty")
    corrections.annul_round(db.session, SYSTEM, world["rounds"][G], "Spis był niepełny")
    corrections.add_to_roll(db.session, SYSTEM, world["election"], late.id, "Pominięty")
    assert roll_size(world, G) == 4


def test_a_partner_on_the_roll_or_unknown_or_outside_voting_is_refused(ctx):
    world = meeting(secret=False)
    on_roll = world["partners"][G][0]
    with pytest.raises(Conflict, match="już w spisie"):
        corrections.add_to_roll(db.session, SYSTEM, world["election"], on_roll.id, "Powód")
    with pytest.raises(NotFound):
        corrections.add_to_roll(db.session, SYSTEM, world["election"], 10**6, "Powód")
    with pytest.raises(ValidationFailed):
        corrections.add_to_roll(db.session, SYSTEM, world["election"], make_partner(G).id, "")
    published = election_without_rounds(phase="candidates_published")["election"]
    with pytest.raises(WrongPhase, match="popraw rejestr"):
        corrections.add_to_roll(db.session, SYSTEM, published, make_partner(M).id, "Powód")


def test_lots_drawn_in_the_room_cannot_name_a_candidate_who_withdrew(ctx):
    world = meeting(per_group=4, secret=False, tie_rule="lots")
    a, b, _c = world["candidates"][G]
    vote(world, world["rounds"][G], [[a], [b]])
    close(world, world["rounds"][G])
    corrections.withdraw_candidate(db.session, SYSTEM, world["election"], a.id, "Rezygnacja")
    with pytest.raises(ValidationFailed, match="którzy się nie wycofali"):
        counting.record_lots(
            db.session, chair_actor(world), world["rounds"][G], "Jan Nowak", [a.id]
        )
    draw = counting.record_lots(
        db.session, chair_actor(world), world["rounds"][G], "Jan Nowak", [b.id]
    )
    assert results(db.session, world["election"]).groups[G].status.elected == [b]
    assert draw.withdrawn == []
