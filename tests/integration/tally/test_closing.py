"""Closing the voting (voting → closed) — refused, naming the group and what to do, while
a group still needs a vote (dead ends A and B) — and counting on ``round_closed``."""

import pytest
from sqlalchemy import func, select

from election import signals
from election.audit.models import AuditEvent
from election.auth.models import Role
from election.elections.models import Election, Phase, TieRule
from election.errors import Conflict, WrongPhase
from election.extensions import db
from election.partners.models import PartnerGroup
from election.tally import closing, counting
from election.tally.models import RoundTally
from election.voting import rounds
from election.voting.models import RoundStatus
from tests.factories import (
    PASSWORD,
    SYSTEM,
    make_candidate,
    make_election,
    make_partner,
    make_round,
    make_user,
    voting_election,
)
from tests.factories.meeting import chair_actor, close, decide, decide_all, meeting, vote
from tests.factories.voting import election_without_rounds
from tests.support.web import login, post_form

G, P, M = PartnerGroup.GMINA, PartnerGroup.POWIAT, PartnerGroup.MIASTO_NPP


def events(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


# --- the service ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phase", ["draft", "nominations", "candidates_published", "closed", "certified"]
)
def test_closing_the_voting_outside_voting_is_refused_and_changes_nothing(ctx, phase):
    election = make_election(phase)
    with pytest.raises(WrongPhase):
        closing.close_voting(db.session, SYSTEM, election)
    assert election.phase == Phase(phase)
    assert events("election.voting_closed") == 0


@pytest.mark.parametrize("status", ["open", "pending"])
def test_voting_does_not_close_while_a_round_is_open_or_pending(ctx, status):
    partner = make_partner(G)
    election = make_election("voting")
    make_round(election, G, [make_candidate(election, partner)], status=status)
    expected = (
        "Grupa „gminy”: trwa głosowanie w turze 1 — najpierw zamknij turę."
        if status == "open"
        else "Grupa „gminy”: tura 1 czeka na otwarcie — najpierw ją otwórz"
    )
    with pytest.raises(closing.VotingUnfinished, match=expected):
        closing.close_voting(db.session, SYSTEM, election)
    assert election.phase == Phase.VOTING


def test_voting_closes_when_every_group_has_its_result(ctx):
    world = meeting(secret=False)
    decide_all(world)
    closing.close_voting(db.session, SYSTEM, world["election"])
    assert world["election"].phase == Phase.CLOSED
    assert events("election.voting_closed") == 1


def test_a_group_with_candidates_but_no_round_holds_the_closing_up(ctx):
    world = election_without_rounds(secret=False)
    with pytest.raises(closing.VotingUnfinished, match="głosowanie w tej grupie jeszcze się"):
        closing.close_voting(db.session, SYSTEM, world["election"])
    assert [b.reason for b in closing.unfinished(db.session, world["election"])] == [
        closing.Unfinished.NO_ROUND
    ] * 3


# --- A: a tie must be settled before voting closes ------------------------------------------


def test_an_unsettled_tie_refuses_the_closing_naming_the_group_and_the_runoff(ctx):
    world = meeting(secret=False, seats=2)
    for group in (G, M):
        decide(world, group, world["candidates"][group][:2])
    a, b, c = world["candidates"][P]
    round_ = world["rounds"][P]
    # Powiaty: a is elected, b and c tie for the 2nd seat (round 1: a runoff first).
    vote(world, round_, [[a, b], [a, c], [a]])
    close(world, round_)
    with pytest.raises(closing.VotingUnfinished) as refused:
        closing.close_voting(db.session, SYSTEM, world["election"])
    assert str(refused.value) == ("Grupa „powiaty”: remis o 2. miejsce — najpierw otwórz dogrywkę.")
    assert world["election"].phase == Phase.VOTING
    # The way out: the runoff, voted, then the voting closes.
    runoff = counting.open_runoff(db.session, SYSTEM, round_)
    assert {x.id for x in runoff.candidates} == {b.id, c.id} and runoff.seats == 1
    decide(world, P, [c])
    closing.close_voting(db.session, SYSTEM, world["election"])
    assert world["election"].phase == Phase.CLOSED


def test_a_tie_lots_settle_refuses_the_closing_until_drawn(ctx):
    world = meeting(secret=False, tie_rule=TieRule.LOTS)
    for group in (G, M):
        decide(world, group, world["candidates"][group][:1])
    a, b, _c = world["candidates"][P]
    vote(world, world["rounds"][P], [[a], [b]])
    close(world, world["rounds"][P])
    with pytest.raises(closing.VotingUnfinished, match="najpierw rozstrzygnij go losowaniem"):
        closing.close_voting(db.session, SYSTEM, world["election"])
    counting.draw_lots(db.session, chair_actor(world), world["rounds"][P])
    closing.close_voting(db.session, SYSTEM, world["election"])
    assert world["election"].phase == Phase.CLOSED


def test_a_tie_of_several_seats_names_them(ctx):
    world = meeting(secret=False, seats=2)
    a, b, c = world["candidates"][G]
    vote(world, world["rounds"][G], [[a, b], [b, c], [c, a]])
    close(world, world["rounds"][G])
    blocker = closing.unfinished(db.session, world["election"])[0]
    assert blocker.reason == closing.Unfinished.RUNOFF
    assert str(closing.VotingUnfinished([blocker])) == (
        "Grupa „gminy”: remis o miejsca 1.–2. — najpierw otwórz dogrywkę."
    )


# --- B: a round without quorum must be repeated before voting closes ------------------------


def test_a_round_without_quorum_refuses_the_closing_until_repeated(ctx):
    world = meeting(secret=False, quorum_percent=60)
    for group in (G, M):
        decide(world, group, world["candidates"][group][:1])
    a = world["candidates"][P][0]
    vote(world, world["rounds"][P], [[a]])
    close(world, world["rounds"][P])
    with pytest.raises(closing.VotingUnfinished) as refused:
        closing.close_voting(db.session, SYSTEM, world["election"])
    assert "Grupa „powiaty”: tura 1 jest nieważna — najpierw utwórz" in str(refused.value)
    counting.repeat_round(db.session, SYSTEM, world["rounds"][P])
    decide(world, P, [a])
    closing.close_voting(db.session, SYSTEM, world["election"])
    assert world["election"].phase == Phase.CLOSED


def test_a_short_group_does_not_hold_the_closing_up(ctx):
    # One candidate for two seats: no vote can fill the second (dead end C's to settle).
    world = meeting(secret=False, seats=2, candidates_per_group=1)
    for group in (G, P, M):
        decide(world, group, world["candidates"][group])
    assert closing.unfinished(db.session, world["election"]) == []
    closing.close_voting(db.session, SYSTEM, world["election"])
    assert world["election"].phase == Phase.CLOSED


# --- the page -------------------------------------------------------------------------------
# --- the signal -----------------------------------------------------------------------------


def test_closing_a_round_sends_round_closed_once_with_the_actor_and_the_round(ctx):
    w = voting_election(per_group=2)
    heard = []

    def listen(session, *, actor, round):
        heard.append((session, actor, round.id, round.status))

    with signals.round_closed.connected_to(listen):
        rounds.close_round(db.session, SYSTEM, w["rounds"][G])
    assert heard == [(db.session, SYSTEM, w["rounds"][G].id, RoundStatus.CLOSED)]


def test_closing_all_rounds_counts_every_one_in_the_same_transaction(ctx):
    w = voting_election(per_group=2)
    closed = rounds.close_all(db.session, SYSTEM, w["election"])
    assert {r.group for r in closed} == set(PartnerGroup)
    assert all(db.session.get(RoundTally, r.id) is not None for r in closed)
    assert events("round.counted") == 3
    db.session.rollback()  # the count goes with the closing
    assert db.session.scalar(select(func.count()).select_from(RoundTally)) == 0


def test_a_failing_count_stops_the_closing(ctx):
    w = voting_election(per_group=2)
    round_ = w["rounds"][G]

    def refuse(session, *, actor, round):
        raise Conflict("no")

    with signals.round_closed.connected_to(refuse), pytest.raises(Conflict):
        rounds.close_round(db.session, SYSTEM, round_)


@pytest.fixture
def staff_client(app, client):
    with app.app_context():
        chair = make_user(Role.CHAIR)
        db.session.commit()
        login(client, chair.email, PASSWORD)
    return client


def _election_id(app, *, round_status: str) -> int:
    with app.app_context():
        partner = make_partner(G)
        election = make_election("voting")
        make_round(election, G, [make_candidate(election, partner)], status=round_status)
        db.session.commit()
        return election.id


def _decided_election(app) -> int:
    with app.app_context():
        world = meeting(secret=False)
        decide_all(world)
        db.session.commit()
        return world["election"].id


def test_the_button_closes_the_voting_and_goes_back_to_the_election(app, staff_client):
    eid = _decided_election(app)
    # Irreversible: without the tick the voting stays open, and the page says why.
    refused = post_form(staff_client, f"/elections/{eid}/close-voting", follow_redirects=True)
    assert "Zaznacz potwierdzenie, aby zakończyć głosowanie." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Election, eid).phase == Phase.VOTING
    response = post_form(staff_client, f"/elections/{eid}/close-voting", {"confirm": "y"})
    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith(f"/elections/{eid}")
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Zakończono głosowanie." in page
    with app.app_context():
        assert db.session.get(Election, eid).phase == Phase.CLOSED


def test_the_button_explains_a_refusal_and_changes_nothing(app, staff_client):
    eid = _election_id(app, round_status="open")
    page = post_form(
        staff_client, f"/elections/{eid}/close-voting", {"confirm": "y"}, follow_redirects=True
    )
    assert "Grupa „gminy”: trwa głosowanie w turze 1 — najpierw zamknij turę." in page.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Election, eid).phase == Phase.VOTING


def test_the_button_on_the_dashboard_goes_back_to_the_dashboard(app, staff_client):
    eid = _decided_election(app)
    response = post_form(
        staff_client,
        f"/elections/{eid}/close-voting",
        {"next": f"/results/{eid}/dashboard", "confirm": "y"},
    )
    assert response.headers["Location"].endswith(f"/results/{eid}/dashboard")


def test_closing_the_voting_is_for_staff_only(app, client):
    eid = _election_id(app, round_status="closed")
    with app.app_context():
        rep = make_user(Role.PARTNER_REP, partner=make_partner(G))
        db.session.commit()
        login(client, rep.email, PASSWORD)
    assert post_form(client, f"/elections/{eid}/close-voting").status_code == 403
    assert post_form(client, "/elections/999999/close-voting").status_code in (403, 404)
