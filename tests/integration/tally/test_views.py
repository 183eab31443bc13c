import pytest
from sqlalchemy import func, select

from election.audit.service import Actor
from election.auth.models import Role
from election.elections.models import Election, Phase, TieRule
from election.extensions import db
from election.partners.models import Partner, PartnerGroup
from election.tally import counting, results
from election.tally.models import CandidateResult, LotDraw, RoundTally
from election.tally.rules import seeded_draw
from election.voting import rounds
from election.voting.models import Round
from tests.factories import PASSWORD, SYSTEM, key_store, make_user, voting_election
from tests.factories.tally import cast, cast_all, close
from tests.support.web import login, post_form

G = PartnerGroup.GMINA


@pytest.fixture
def world(app):
    """An election in voting (4 Partners per group, 3 candidates) and its ids."""
    with app.app_context():
        w = voting_election(per_group=4, candidates_per_group=3)
        admin = make_user(Role.ADMIN)
        db.session.commit()
        return {
            "election_id": w["election"].id,
            "round_id": w["rounds"][G].id,
            "partner_ids": [p.id for p in w["partners"][G]],
            "candidate_ids": [c.id for c in w["candidates"][G]],
            "names": [c.full_name for c in w["candidates"][G]],
            "chair": w["chair"].email,
            "chair_id": w["chair"].id,
            "admin": admin.email,
        }


@pytest.fixture
def chair(client, world):
    login(client, world["chair"], PASSWORD)
    return client


def _round(world):
    return db.session.get(Round, world["round_id"])


def _cast(app, world, i, choices, channel="online"):
    with app.app_context():
        cast(
            _round(world),
            db.session.get(Partner, world["partner_ids"][i]),
            choices,
            channel=channel,
        )
        db.session.commit()


def _close_and_count(app, world, ballots):
    """Cast ``ballots`` (candidate indexes) in round 1 of the gminy, close and count it."""
    with app.app_context():
        partners = [db.session.get(Partner, pid) for pid in world["partner_ids"]]
        ids = world["candidate_ids"]
        cast_all(_round(world), partners, [[ids[i] for i in b] for b in ballots])
        close(_round(world))
        counting.count_round(db.session, SYSTEM, _round(world), key_store())
        db.session.commit()


def _set(app, world, **fields):
    with app.app_context():
        election = db.session.get(Election, world["election_id"])
        for name, value in fields.items():
            setattr(election, name, value)
        db.session.commit()


def _rows(app, *models):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in models)


# --- live ---------------------------------------------------------------------------------


def test_the_dashboard_is_readable_without_javascript(chair, world):
    page = chair.get(f"/results/{world['election_id']}/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Głosowało" in html and "głosowanie trwa" in html
    assert 'data-live-url="/results/' in html and 'aria-live="polite"' in html
    assert "js/live.js" in html and "<script>" not in html


def test_live_json_changes_after_a_ballot_is_cast(app, chair, world):
    url = f"/results/{world['election_id']}/live.json?view=dashboard"
    before = chair.get(url)
    assert before.status_code == 200 and before.headers["Cache-Control"] == "no-store"
    gmina = before.get_json()["groups"]["gmina"]
    assert (gmina["voted"], gmina["roll"]) == (0, 4)
    _cast(app, world, 0, [world["candidate_ids"][0]])
    after = chair.get(url).get_json()["groups"]["gmina"]
    assert after["voted"] == 1 and after["online"] == 1
    assert after["key"] != gmina["key"]
    assert "Głosowało" in after["html"] and "25,0%" in after["html"]
    assert "głosowało 1 z 4" in after["summary"]
    # Secret ballot: no counts before the round closes, not even in the JSON.
    assert all(c["votes"] is None for c in after["round"]["candidates"])
    # Nothing changed: the same key (the page does not redraw).
    assert chair.get(url).get_json()["groups"]["gmina"]["key"] == after["key"]


def test_closing_through_the_voting_service_counts_and_shows_the_results(app, chair, world):
    _cast(app, world, 0, [world["candidate_ids"][0], world["candidate_ids"][1]])
    _cast(app, world, 1, [world["candidate_ids"][0]], channel="paper")
    _cast(app, world, 2, [])
    with app.app_context():
        rounds.close_round(db.session, Actor(world["chair_id"], "chair"), _round(world))
        db.session.commit()
        assert db.session.get(RoundTally, world["round_id"]).ballots == 3
    live = chair.get(f"/results/{world['election_id']}/live.json").get_json()["groups"]["gmina"]
    assert live["round"]["status"] == "closed" and live["round"]["counted"]
    votes = {c["name"]: c["votes"] for c in live["round"]["candidates"]}
    assert votes[world["names"][0]] == 2 and votes[world["names"][1]] == 1
    assert live["complete"] and live["elected"] == world["names"][:2]
    assert "wybrano" in live["html"]


def test_open_ballot_shows_running_counts(app, chair, world):
    _set(app, world, secret=False)
    _cast(app, world, 0, [world["candidate_ids"][2]])
    live = chair.get(f"/results/{world['election_id']}/live.json").get_json()["groups"]["gmina"]
    votes = {c["name"]: c["votes"] for c in live["round"]["candidates"]}
    assert votes[world["names"][2]] == 1 and votes[world["names"][0]] == 0


# --- the projector ------------------------------------------------------------------------


def test_projector_needs_a_login_or_the_secret_link(app, client, world):
    eid = world["election_id"]
    assert client.get(f"/results/{eid}/projector").status_code == 302
    assert client.get(f"/results/{eid}/live.json").status_code == 404
    # No link enabled yet: any token is wrong.
    assert client.get(f"/results/{eid}/projector?token=abc").status_code == 404

    login(client, world["admin"], PASSWORD)
    page = client.get(f"/results/{eid}/projector/link")
    assert "Link jest wyłączony" in page.get_data(as_text=True)
    post_form(client, f"/results/{eid}/projector/link", {"action": "enable"})
    with app.app_context():
        token = db.session.get(Election, eid).projector_token
    assert token and token in client.get(f"/results/{eid}/projector/link").get_data(as_text=True)

    guest = app.test_client()
    # The link's token is exchanged for a grant in the session, then a clean URL.
    opened = guest.get(f"/results/{eid}/projector?token={token}")
    assert opened.status_code == 303
    assert opened.headers["Location"] == f"/results/{eid}/projector"
    page = guest.get(f"/results/{eid}/projector")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'class="projector"' in html and "Głosowało" in html
    assert "live.json?view=projector" in html and token not in html
    live = guest.get(f"/results/{eid}/live.json?view=dashboard")
    assert live.status_code == 200
    # The token only ever gives the projector, never the chair's buttons.
    assert "csrf_token" not in live.get_data(as_text=True)
    assert guest.get(f"/results/{eid}/projector?token={token}x").status_code == 404
    assert app.test_client().get(f"/results/{eid}/live.json?token={token}").status_code == 404

    # A new link voids the old one, and the grants made from it; disabling voids every link.
    post_form(client, f"/results/{eid}/projector/link", {"action": "enable"})
    assert guest.get(f"/results/{eid}/projector?token={token}").status_code == 404
    assert guest.get(f"/results/{eid}/live.json").status_code == 404
    post_form(client, f"/results/{eid}/projector/link", {"action": "disable"})
    with app.app_context():
        assert db.session.get(Election, eid).projector_token is None


def test_the_projector_link_page_is_for_the_admin_only(chair, world):
    assert chair.get(f"/results/{world['election_id']}/projector/link").status_code == 403


def test_a_partner_rep_cannot_watch_the_projector_without_the_link(app, client, world):
    with app.app_context():
        from election.auth.models import User

        rep = db.session.scalar(select(User).where(User.role == Role.PARTNER_REP))
        email = rep.email
    login(client, email, PASSWORD)
    assert client.get(f"/results/{world['election_id']}/projector").status_code == 403


# --- ties from the dashboard --------------------------------------------------------------


def test_a_runoff_without_a_tie_is_refused_with_a_message(app, chair, world):
    _close_and_count(app, world, [[0, 1], [0], [0, 1]])
    before = _rows(app, Round, LotDraw)
    response = post_form(
        chair,
        f"/results/{world['election_id']}/rounds/{world['round_id']}/runoff",
        follow_redirects=True,
    )
    assert "nie ma remisu" in response.get_data(as_text=True)
    assert _rows(app, Round, LotDraw) == before


def test_tie_runoff_from_the_dashboard_then_lots_in_the_room(app, chair, world):
    eid, rid = world["election_id"], world["round_id"]
    ids, names = world["candidate_ids"], world["names"]
    _close_and_count(app, world, [[0, 1], [0, 2], []])  # 0: 2 votes, 1 and 2 tie with 1
    page = chair.get(f"/results/{eid}/dashboard").get_data(as_text=True)
    assert "Remis na ostatnim miejscu" in page and "Utwórz dogrywkę" in page
    done = post_form(chair, f"/results/{eid}/rounds/{rid}/runoff", follow_redirects=True)
    assert "Utworzono dogrywkę (tura 2)" in done.get_data(as_text=True)
    with app.app_context():
        runoff = db.session.scalar(select(Round).where(Round.number == 2))
        assert {c.id for c in runoff.candidates} == {ids[1], ids[2]} and runoff.seats == 1
        runoff_id = runoff.id
        runoff.status = runoff.status.OPEN
        db.session.commit()
        cast(runoff, db.session.get(Partner, world["partner_ids"][0]), [ids[1]])
        cast(runoff, db.session.get(Partner, world["partner_ids"][1]), [ids[2]])
        cast(runoff, db.session.get(Partner, world["partner_ids"][2]), [])
        close(runoff)
        counting.count_round(db.session, SYSTEM, runoff, key_store())
        db.session.commit()
    url = f"/results/{eid}/rounds/{runoff_id}/lots"
    form = chair.get(url)
    assert form.status_code == 200 and "Kto losował" in form.get_data(as_text=True)

    before = _rows(app, LotDraw, CandidateResult)
    for winners in ([ids[0]], [ids[1], ids[2]]):
        bad = post_form(chair, url, {"drawn_by": "Jan Nowak", "winners": winners})
        assert bad.status_code == 400
        assert "Błąd" in bad.get_data(as_text=True)
    assert _rows(app, LotDraw, CandidateResult) == before
    missing = post_form(chair, url, {"drawn_by": "", "winners": [ids[2]]})
    assert missing.status_code == 400 and "Podaj, kto losował" in missing.get_data(as_text=True)

    ok = post_form(chair, url, {"drawn_by": "Jan Nowak", "winners": [ids[2]], "note": "urna"})
    assert ok.status_code == 303
    with app.app_context():
        status = results.group_status(db.session, db.session.get(Election, eid))[G]
        assert status.complete and [c.id for c in status.elected] == [ids[0], ids[2]]
    page = chair.get(f"/results/{eid}/dashboard").get_data(as_text=True)
    assert "Osoba losująca: Jan Nowak." in page and "Losował(a)" not in page
    assert f"wylosowano: {names[2]}." in page


def test_seeded_draw_from_the_dashboard_shows_the_seed(app, chair, world):
    _set(app, world, tie_rule=TieRule.LOTS)
    _close_and_count(app, world, [[0, 1], [0, 2], []])
    eid, rid = world["election_id"], world["round_id"]
    url = f"/results/{eid}/rounds/{rid}/draw"
    # Irreversible: without the tick nothing is drawn, and the page says why.
    refused = post_form(chair, url, follow_redirects=True).get_data(as_text=True)
    assert "Zaznacz potwierdzenie, aby rozstrzygnąć remis losowaniem." in refused
    with app.app_context():
        assert db.session.scalar(select(LotDraw)) is None
    done = post_form(chair, url, {"confirm": "y"}, follow_redirects=True)
    html = done.get_data(as_text=True)
    with app.app_context():
        draw = db.session.scalar(select(LotDraw))
        seed, winners = draw.seed, draw.winners
    assert seed in html and "random.Random(" in html
    assert winners == seeded_draw(seed, world["candidate_ids"][1:], 1)


def test_repeat_after_an_invalid_round_from_the_dashboard(app, chair, world):
    _set(app, world, quorum_percent=75)
    _close_and_count(app, world, [[0], [1]])  # 2 of 4 < 75 %
    eid, rid = world["election_id"], world["round_id"]
    page = chair.get(f"/results/{eid}/dashboard").get_data(as_text=True)
    assert "tura nieważna" in page and "Utwórz powtórną turę" in page
    done = post_form(chair, f"/results/{eid}/rounds/{rid}/repeat", follow_redirects=True)
    assert "Utworzono powtórną turę (tura 2)" in done.get_data(as_text=True)


def test_a_round_of_another_election_is_not_found(app, chair, world):
    response = post_form(
        chair, f"/results/{world['election_id'] + 1}/rounds/{world['round_id']}/runoff"
    )
    assert response.status_code == 404


# --- public -------------------------------------------------------------------------------


def test_public_results_are_404_before_voting_closes(client, world):
    eid = world["election_id"]
    assert client.get(f"/public/elections/{eid}/results").status_code == 404
    api = client.get(f"/api/v1/elections/{eid}/results")
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"


def test_public_results_page_and_api_after_closing(app, client, world):
    _close_and_count(app, world, [[0, 1], [0], [0], []])  # 3, 1, 0 votes; 1 blank
    _set(app, world, phase=Phase.CLOSED)
    eid = world["election_id"]
    page = client.get(f"/public/elections/{eid}/results")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Polish plurals through the catalogue: 1 głos, 3 głosy, 0 głosów.
    assert "1 głos<" in html and "3 głosy" in html and "0 głosów" in html
    assert "✔" in html and "wybrano" in html
    assert "pustych" in html and "100,0%" in html
    assert "nie zostały jeszcze zatwierdzone" in html

    data = client.get(f"/api/v1/elections/{eid}/results").get_json()
    assert set(data) >= {"election", "certified", "groups", "council"}
    assert data["certified"] is False and data["election"]["id"] == eid
    gmina = data["groups"]["gmina"]
    assert {"roll", "ballots", "paper", "blank", "rounds"} <= set(gmina)
    assert (gmina["roll"], gmina["ballots"], gmina["paper"], gmina["blank"]) == (4, 4, 0, 1)
    first = gmina["rounds"][0]
    assert first["number"] == 1
    assert {"name", "votes", "elected"} <= set(first["candidates"][0])
    assert [(c["votes"], c["elected"]) for c in first["candidates"]] == [
        (3, True),
        (1, True),
        (0, False),
    ]
    council = data["council"]
    assert {m["name"] for m in council if m["seat"] == "gmina"} == set(world["names"][:2])
    assert all({"name", "position", "seat"} <= set(m) for m in council)


def test_the_results_menu_lists_elections(chair, world):
    page = chair.get("/results/").get_data(as_text=True)
    assert f"/results/{world['election_id']}/dashboard" in page


def test_csrf_is_required_for_chair_actions(chair, world):
    response = chair.post(f"/results/{world['election_id']}/rounds/{world['round_id']}/runoff")
    assert response.status_code == 400
