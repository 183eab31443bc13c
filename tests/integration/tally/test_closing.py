"""Closing the voting (voting → closed) and counting on the ``round_closed`` signal."""

import pytest
from sqlalchemy import func, select

from election import signals
from election.audit.models import AuditEvent
from election.auth.models import Role
from election.elections.models import Election, Phase
from election.errors import Conflict, WrongPhase
from election.extensions import db
from election.partners.models import PartnerGroup
from election.tally import closing
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
from tests.support.web import login, post_form

G = PartnerGroup.GMINA


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
    with pytest.raises(Conflict, match="tury otwarte lub oczekujące"):
        closing.close_voting(db.session, SYSTEM, election)
    assert election.phase == Phase.VOTING


def test_voting_closes_when_every_round_is_closed(ctx):
    partner = make_partner(G)
    election = make_election("voting")
    make_round(election, G, [make_candidate(election, partner)], status="closed")
    closing.close_voting(db.session, SYSTEM, election)
    assert election.phase == Phase.CLOSED
    assert events("election.voting_closed") == 1


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


# --- the page -------------------------------------------------------------------------------


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


def test_the_button_closes_the_voting_and_goes_back_to_the_election(app, staff_client):
    eid = _election_id(app, round_status="closed")
    response = post_form(staff_client, f"/elections/{eid}/close-voting")
    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith(f"/elections/{eid}")
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Zakończono głosowanie." in page
    with app.app_context():
        assert db.session.get(Election, eid).phase == Phase.CLOSED


def test_the_button_explains_a_refusal_and_changes_nothing(app, staff_client):
    eid = _election_id(app, round_status="open")
    page = post_form(staff_client, f"/elections/{eid}/close-voting", follow_redirects=True)
    assert "tury otwarte lub oczekujące" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Election, eid).phase == Phase.VOTING


def test_closing_the_voting_is_for_staff_only(app, client):
    eid = _election_id(app, round_status="closed")
    with app.app_context():
        rep = make_user(Role.PARTNER_REP, partner=make_partner(G))
        db.session.commit()
        login(client, rep.email, PASSWORD)
    assert post_form(client, f"/elections/{eid}/close-voting").status_code == 403
    assert post_form(client, "/elections/999999/close-voting").status_code in (403, 404)
