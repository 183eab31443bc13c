"""The chair's console through its pages: the dashboard with the next step on top (live),
its buttons, and the corrections — annulling a round, a withdrawal after publication, a
Partner added to the roll — each reached and left through the real pages."""

import re

import pytest
from flask_login import login_user
from sqlalchemy import select

from election.audit.models import AuditEvent
from election.auth.models import Role
from election.candidates.models import Candidate, CandidateStatus
from election.elections.models import Election, RollEntry
from election.extensions import db
from election.meeting.steps import Step
from election.meeting.views import step_actors, step_url
from election.partners.models import PartnerGroup
from election.tally import corrections
from election.voting import rounds
from election.voting.models import Round, RoundStatus
from tests.factories import PASSWORD, SYSTEM, make_partner, make_user
from tests.factories.meeting import decide, meeting, vote
from tests.factories.voting import election_without_rounds
from tests.support.web import login, post_form

G, P = PartnerGroup.GMINA, PartnerGroup.POWIAT


@pytest.fixture
def chair(app, client):
    with app.app_context():
        user = make_user(Role.CHAIR)
        db.session.commit()
        login(client, user.email, PASSWORD)
    return client


def _meeting(app, **fields) -> dict:
    with app.app_context():
        world = meeting(**fields)
        db.session.commit()
        return {
            "election_id": world["election"].id,
            "round_ids": {g.value: r.id for g, r in world["rounds"].items()},
            "candidate_ids": {g.value: [c.id for c in cs] for g, cs in world["candidates"].items()},
        }


def _round(round_id: int) -> Round:
    return db.session.get(Round, round_id)


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- the dashboard ------------------------------------------------------------------------------


def test_the_dashboard_shows_the_next_step_on_top_with_its_button(app, chair):
    with app.app_context():
        eid = election_without_rounds(secret=False)["election"].id
        db.session.commit()
    page = chair.get(f"/results/{eid}/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    steps_at = html.index("Następny krok")
    assert steps_at < html.index('data-live-group="gmina"')
    assert "Grupa „gminy”: głosowanie jeszcze się nie rozpoczęło — otwórz turę." in html
    assert f'action="/voting/{eid}/chair/open-all"' in html
    assert f'name="next" value="/results/{eid}/dashboard"' in html
    assert f'data-live-url="/results/{eid}/dashboard.json"' in html
    # The button does what the step says and comes back to the dashboard.
    response = post_form(
        chair, f"/voting/{eid}/chair/open-all", {"next": f"/results/{eid}/dashboard"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/results/{eid}/dashboard")
    html = chair.get(f"/results/{eid}/dashboard").get_data(as_text=True)
    assert "trwa głosowanie w turze 1" in html and "Zamknij turę" in html


def test_the_dashboard_json_carries_the_next_step_and_changes_with_it(app, chair):
    ids = _meeting(app, secret=False)
    eid = ids["election_id"]
    first = chair.get(f"/results/{eid}/dashboard.json")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    data = first.get_json()
    steps = data["groups"]["steps"]
    assert "trwa głosowanie w turze 1" in steps["html"] and steps["summary"].startswith("Grupa")
    assert set(data["groups"]) >= {"gmina", "powiat", "miasto_npp", "steps", "attendance"}
    assert (
        chair.get(f"/results/{eid}/dashboard.json").get_json()["groups"]["steps"]["key"]
        == (steps["key"])
    )
    with app.app_context():
        world_round = _round(ids["round_ids"]["gmina"])
        rounds.close_round(db.session, SYSTEM, world_round)
        db.session.commit()
    after = chair.get(f"/results/{eid}/dashboard.json").get_json()["groups"]["steps"]
    assert after["key"] != steps["key"]


def test_closing_a_round_from_the_dashboard_needs_the_tick_and_comes_back(app, chair):
    ids = _meeting(app, secret=False)
    eid, rid = ids["election_id"], ids["round_ids"]["gmina"]
    url = f"/voting/{eid}/chair/rounds/{rid}/close"
    back = {"next": f"/results/{eid}/dashboard"}
    refused = post_form(chair, url, back)
    assert refused.headers["Location"].endswith(f"/results/{eid}/dashboard")
    assert "Zaznacz potwierdzenie" in chair.get(refused.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert _round(rid).status == RoundStatus.OPEN
    done = post_form(chair, url, {**back, "confirm": "y"})
    assert done.headers["Location"].endswith(f"/results/{eid}/dashboard")
    with app.app_context():
        assert _round(rid).status == RoundStatus.CLOSED


def test_the_dashboard_and_its_json_are_for_staff_only(app, client):
    ids = _meeting(app, secret=False)
    eid = ids["election_id"]
    assert client.get(f"/results/{eid}/dashboard").status_code == 302
    with app.app_context():
        rep = make_user(Role.PARTNER_REP, partner=make_partner(G))
        db.session.commit()
        login(client, rep.email, PASSWORD)
    assert client.get(f"/results/{eid}/dashboard").status_code == 403
    assert client.get(f"/results/{eid}/dashboard.json").status_code == 403


def test_an_unknown_election_is_not_found(chair):
    assert chair.get("/results/999999/dashboard").status_code == 404
    assert chair.get("/results/999999/projector").status_code == 404


# --- F: annulling a round -----------------------------------------------------------------------


def test_a_round_is_annulled_from_its_page_with_a_reason_and_replaced(app, chair):
    ids = _meeting(app, secret=False)
    eid, rid = ids["election_id"], ids["round_ids"]["gmina"]
    dashboard = chair.get(f"/results/{eid}/dashboard").get_data(as_text=True)
    assert f"/results/{eid}/rounds/{rid}/annul" in dashboard
    page = chair.get(f"/results/{eid}/rounds/{rid}/annul")
    assert page.status_code == 200 and "nigdy nie zostaną policzone" in page.get_data(as_text=True)
    unconfirmed = post_form(chair, f"/results/{eid}/rounds/{rid}/annul", {"reason": "Pomyłka"})
    assert unconfirmed.status_code == 400
    assert "Zaznacz potwierdzenie" in unconfirmed.get_data(as_text=True)
    done = post_form(
        chair, f"/results/{eid}/rounds/{rid}/annul", {"reason": "Pomyłka", "confirm": "y"}
    )
    assert done.status_code == 303 and done.headers["Location"].endswith(
        f"/results/{eid}/dashboard"
    )
    assert "otwarto turę 2" in chair.get(done.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert _round(rid).status == RoundStatus.ANNULLED
        assert _events("round.annulled")[0].details["reason"] == "Pomyłka"


def test_a_counted_round_cannot_be_annulled_and_the_page_says_why(app, chair):
    ids = _meeting(app, secret=False)
    eid, rid = ids["election_id"], ids["round_ids"]["gmina"]
    with app.app_context():
        rounds.close_round(db.session, SYSTEM, _round(rid))
        db.session.commit()
    page = post_form(chair, f"/results/{eid}/rounds/{rid}/annul", {"reason": "X", "confirm": "y"})
    assert page.status_code == 400 and "już policzona" in page.get_data(as_text=True)
    assert chair.get(f"/results/{eid}/rounds/999999/annul").status_code == 404


# --- E: a withdrawal after publication ------------------------------------------------------------


def test_a_candidate_withdraws_from_the_page_and_the_round_reopens_without_them(app, chair):
    ids = _meeting(app, secret=False)
    eid = ids["election_id"]
    cid = ids["candidate_ids"]["gmina"][1]
    page = chair.get(f"/results/{eid}/withdraw?candidate={cid}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{cid}">', page) or f'value="{cid}" selected' in page
    done = post_form(
        chair, f"/results/{eid}/withdraw", {"candidate": cid, "reason": "Oświadczenie"}
    )
    assert done.status_code == 303
    assert "Unieważnione tury: 1." in chair.get(done.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Candidate, cid).status == CandidateStatus.WITHDRAWN
        election = db.session.get(Election, eid)
        new = rounds.latest_round(db.session, election, G)
        assert new.number == 2 and cid not in {c.id for c in new.candidates}


def test_an_elected_candidate_is_told_what_to_do_instead(app, chair):
    with app.app_context():
        world = meeting(secret=False)
        decide(world, G, world["candidates"][G][:1])
        db.session.commit()
        eid, cid = world["election"].id, world["candidates"][G][0].id
    page = post_form(chair, f"/results/{eid}/withdraw", {"candidate": cid, "reason": "Rezygnacja"})
    assert page.status_code == 400 and "wygaśnięcie mandatu" in page.get_data(as_text=True)


@pytest.mark.parametrize("value", ["999999", "abc", "-1", "9" * 30])
def test_a_withdrawal_of_no_candidate_on_the_list_is_refused_plainly(app, chair, value):
    ids = _meeting(app, secret=False)
    page = post_form(
        chair, f"/results/{ids['election_id']}/withdraw", {"candidate": value, "reason": "X"}
    )
    assert page.status_code == 400


# --- G: a Partner added to the roll ---------------------------------------------------------------


def test_a_partner_left_off_the_roll_is_added_from_the_page(app, chair):
    ids = _meeting(app, secret=False)
    eid = ids["election_id"]
    with app.app_context():
        late = make_partner(P)
        unsigned = make_partner(P, signed=None)
        db.session.commit()
        late_id, unsigned_id = late.id, unsigned.id
    page = chair.get(f"/results/{eid}/roll/add").get_data(as_text=True)
    assert "wg rejestru nieuprawniony" in page
    refused = post_form(
        chair, f"/results/{eid}/roll/add", {"partner": unsigned_id, "reason": "Umowa"}
    )
    assert refused.status_code == 400 and "nie spełnia warunku" in refused.get_data(as_text=True)
    done = post_form(chair, f"/results/{eid}/roll/add", {"partner": late_id, "reason": "Pominięty"})
    assert done.status_code == 303
    with app.app_context():
        entry = db.session.scalar(select(RollEntry).where(RollEntry.partner_id == late_id))
        assert entry is not None and entry.election_id == eid


def test_adding_to_the_roll_after_the_group_voted_says_what_to_do(app, chair):
    with app.app_context():
        world = meeting(secret=False)
        vote(world, world["rounds"][G], [[world["candidates"][G][0]]])
        late = make_partner(G)
        db.session.commit()
        eid, late_id = world["election"].id, late.id
    page = post_form(chair, f"/results/{eid}/roll/add", {"partner": late_id, "reason": "Pominięty"})
    assert page.status_code == 400
    assert "unieważnij tę turę" in page.get_data(as_text=True)


@pytest.mark.parametrize("value", ["999999", "x", "9" * 30])
def test_adding_no_partner_of_the_list_is_refused_plainly(app, chair, value):
    ids = _meeting(app, secret=False)
    page = post_form(
        chair, f"/results/{ids['election_id']}/roll/add", {"partner": value, "reason": "X"}
    )
    assert page.status_code == 400


def test_the_candidate_page_and_the_chair_page_lead_to_the_corrections(app, chair):
    ids = _meeting(app, secret=False)
    eid, rid = ids["election_id"], ids["round_ids"]["gmina"]
    cid = ids["candidate_ids"]["gmina"][0]
    page = chair.get(f"/candidates/{eid}/{cid}").get_data(as_text=True)
    assert f"/results/{eid}/withdraw?candidate={cid}" in page
    page = chair.get(f"/voting/{eid}/chair").get_data(as_text=True)
    assert f"/results/{eid}/rounds/{rid}/annul" in page and f"/results/{eid}/dashboard" in page


def test_a_rep_sees_that_a_round_was_annulled_and_votes_in_the_new_one(app, client):
    with app.app_context():
        world = meeting(secret=False)
        rep = world["reps"][G][0]
        vote(world, world["rounds"][G], [[world["candidates"][G][0]]])
        corrections.annul_round(db.session, SYSTEM, world["rounds"][G], "Pomyłka")
        db.session.commit()
        eid, email = world["election"].id, rep.email
    login(client, email, PASSWORD)
    page = client.get(f"/voting/{eid}").get_data(as_text=True)
    assert "Tura unieważniona przez przewodniczącego" in page and "Głosuj" in page


@pytest.mark.parametrize("phase", ["draft", "nominations", "candidates_published", "closed"])
def test_the_dashboard_guides_in_every_phase(app, chair, phase):
    with app.app_context():
        eid = election_without_rounds(phase=phase, secret=False)["election"].id
        db.session.commit()
    page = chair.get(f"/results/{eid}/dashboard")
    assert page.status_code == 200 and "Następny krok" in page.get_data(as_text=True)
    data = chair.get(f"/results/{eid}/dashboard.json").get_json()
    assert data["groups"]["steps"]["html"]


@pytest.mark.parametrize(
    ("role", "who"),
    [(Role.CHAIR, "administrator"), (Role.ADMIN, "")],
)
def test_a_step_the_user_may_not_take_names_who_takes_it_instead_of_a_link(app, role, who):
    """The by-election is announced by the admin: the chair's step says so, no link to
    a page that would answer 403."""
    step = Step(
        "council.by_election_needed",
        "m",
        endpoint="council.by_election",
        values={"election_id": 1, "group": "powiat"},
    )
    with app.test_request_context("/"), app.app_context():
        login_user(make_user(role, email=f"{role.value}@example.pl"))
        assert step_actors(step) == who
        assert (step_url(step) is None) == bool(who)
