"""The chair runs a round, a tie and certification without leaving the dashboard, and
every irreversible button there asks for a tick that says what will happen (issue 15)."""

import re

import pytest
from sqlalchemy import select

from election.auth.models import Role
from election.elections.models import Election, Phase, TieRule
from election.extensions import db
from election.partners.models import PartnerGroup
from election.tally.models import LotDraw
from election.voting.models import Round, RoundStatus
from election.voting.rounds import latest_round
from tests.factories import PASSWORD, make_user
from tests.factories.council import closed_election
from tests.factories.meeting import close, decide, decide_all, meeting, vote
from tests.support.web import login, post_form

G, P, M = PartnerGroup.GMINA, PartnerGroup.POWIAT, PartnerGroup.MIASTO_NPP


@pytest.fixture
def chair(app, client):
    with app.app_context():
        user = make_user(Role.CHAIR)
        db.session.commit()
        login(client, user.email, PASSWORD)
    return client


def _forms(page: str, action: str) -> list[str]:
    """The HTML of every form of the page that posts to ``action``."""
    return re.findall(rf'<form method="post" action="{re.escape(action)}".*?</form>', page, re.S)


def _dashboard(client, eid: int) -> str:
    return client.get(f"/results/{eid}/dashboard").get_data(as_text=True)


def test_the_dashboard_says_nothing_about_javascript_unless_it_is_off(app, chair):
    with app.app_context():
        eid = meeting()["election"].id
        db.session.commit()
    page = _dashboard(chair, eid)
    state = re.search(r'<span id="live-state"[^>]*>(.*?)</span>', page, re.S)
    assert state is not None and state.group(1).strip() == ""
    assert re.search(r"<noscript>\s*Bez JavaScriptu odśwież stronę", page)


def test_the_chair_runs_a_tie_from_the_dashboard_runoff_open_and_close(app, chair):
    with app.app_context():
        world = meeting(secret=False, seats=2)
        for group in (G, M):
            decide(world, group, world["candidates"][group][:2])
        a, b, c = world["candidates"][P]
        vote(world, world["rounds"][P], [[a, b], [a, c], [a]])
        close(world, world["rounds"][P])
        db.session.commit()
        eid, rid = world["election"].id, world["rounds"][P].id
    back = {"next": f"/results/{eid}/dashboard"}

    page = _dashboard(chair, eid)
    assert _forms(page, f"/results/{eid}/rounds/{rid}/runoff")
    made = post_form(chair, f"/results/{eid}/rounds/{rid}/runoff", back)
    assert made.headers["Location"].endswith(f"/results/{eid}/dashboard")
    page = _dashboard(chair, eid)
    assert "Utworzono dogrywkę (tura 2)" in page and "na stronie głosowania" not in page
    with app.app_context():
        runoff = latest_round(db.session, db.session.get_one(Election, eid), P)
        assert runoff is not None and runoff.status == RoundStatus.PENDING
        runoff_id = runoff.id
    # The runoff opens and closes from the dashboard's own buttons.
    open_url = f"/voting/{eid}/chair/rounds/{runoff_id}/open"
    assert _forms(page, open_url)
    post_form(chair, open_url, back)
    page = _dashboard(chair, eid)
    close_url = f"/voting/{eid}/chair/rounds/{runoff_id}/close"
    (close_form,) = _forms(page, close_url)
    assert 'name="confirm"' in close_form
    post_form(chair, close_url, {**back, "confirm": "y"})
    with app.app_context():
        assert db.session.get_one(Round, runoff_id).status == RoundStatus.CLOSED


def test_drawing_lots_on_the_dashboard_asks_for_the_tick_and_says_it_is_final(app, chair):
    with app.app_context():
        world = meeting(secret=False, tie_rule=TieRule.LOTS)
        a, b, _c = world["candidates"][G]
        vote(world, world["rounds"][G], [[a], [b]])
        close(world, world["rounds"][G])
        db.session.commit()
        eid, rid = world["election"].id, world["rounds"][G].id
    draw = f"/results/{eid}/rounds/{rid}/draw"
    page = _dashboard(chair, eid)
    forms = _forms(page, draw)
    assert forms  # the next step's button and the group's own
    for form in forms:
        assert 'name="confirm"' in form
    assert "Wyniku losowania nie można cofnąć ani powtórzyć." in page
    refused = post_form(chair, draw, {"next": f"/results/{eid}/dashboard"})
    assert refused.headers["Location"].endswith(f"/results/{eid}/dashboard")
    with app.app_context():
        assert db.session.scalar(select(LotDraw)) is None
    post_form(chair, draw, {"confirm": "y"})
    with app.app_context():
        assert db.session.scalar(select(LotDraw)) is not None


def test_closing_the_voting_on_the_dashboard_and_its_page_asks_for_the_tick(app, chair):
    with app.app_context():
        world = meeting(secret=False)
        decide_all(world)
        db.session.commit()
        eid = world["election"].id
    url = f"/elections/{eid}/close-voting"
    page = _dashboard(chair, eid)
    (step,) = _forms(page, url)
    assert 'name="confirm"' in step and "wyniki staną się publiczne" in page
    (button,) = _forms(chair.get(f"/elections/{eid}").get_data(as_text=True), url)
    assert 'name="confirm"' in button and "nie można otworzyć żadnej tury" in button
    post_form(chair, url, {"next": f"/results/{eid}/dashboard"})
    with app.app_context():
        assert db.session.get_one(Election, eid).phase == Phase.VOTING
    post_form(chair, url, {"confirm": "y"})
    with app.app_context():
        assert db.session.get_one(Election, eid).phase == Phase.CLOSED


def test_certification_is_offered_only_when_every_seat_is_filled(app, chair):
    with app.app_context():
        short = closed_election(appointed=False)["election"].id
        full = closed_election()["election"].id
        db.session.commit()
    assert f"/council/{short}/certify" not in _dashboard(chair, short)
    assert f"/council/{short}/certify" not in chair.get(f"/council/{short}/").get_data(as_text=True)
    assert f"/council/{full}/certify" in _dashboard(chair, full)


def test_the_chair_page_links_to_the_live_results(app, chair):
    with app.app_context():
        world = meeting(secret=False)
        decide(world, G, world["candidates"][G][:1])
        db.session.commit()
        eid = world["election"].id
    page = chair.get(f"/voting/{eid}/chair").get_data(as_text=True)
    assert f'href="/results/{eid}/dashboard"' in page and "Wyniki na żywo" in page
    assert f'href="/results/{eid}/dashboard#live-gmina"' in page  # the counted round's result
