"""Where a user lands after logging in: the next action one tap away (issue 15).

A rep lands on ``/`` with a "Głosuj" button for each open round of its group that
leads straight to the ballot (login, then one tap); after voting it says so; once the
Council is certified, a link to the results. The chair lands one tap from each
election's dashboard.
"""

import re
from typing import Any

from election.access import Role
from election.elections.models import Election, Phase
from election.extensions import db
from election.partners.models import PartnerGroup
from election.voting.models import Round, RoundStatus
from tests.factories import PASSWORD, make_partner, make_user, voting_election
from tests.factories.voting import ballot_url, cast_form, logged_in
from tests.support.web import login

G = PartnerGroup.GMINA


def _world(app: Any) -> dict[str, Any]:
    with app.app_context():
        w = voting_election(per_group=3)
        outsider = make_partner(G)  # not on the frozen roll
        stranger = make_user(Role.PARTNER_REP, partner=outsider)
        db.session.commit()
        return {
            "election": w["election"].id,
            "round": w["rounds"][G].id,
            "partner": w["partners"][G][0].id,
            "rep": w["reps"][G][0].email,
            "stranger": stranger.email,
            "chair": w["chair"].email,
        }


def _links(page: str, text: str) -> list[str]:
    """The addresses of the links whose text is ``text``."""
    return re.findall(rf'<a [^>]*href="([^"]+)"[^>]*>\s*{re.escape(text)}\s*</a>', page)


def test_a_rep_lands_on_the_vote_button_and_reaches_the_ballot_in_one_tap(app):
    w = _world(app)
    client = app.test_client()
    landed = login(client, w["rep"], PASSWORD)
    assert landed.status_code == 302 and landed.headers["Location"].endswith("/")
    home = client.get("/").get_data(as_text=True)
    assert _links(home, "Głosuj") == [ballot_url(w["election"], w["round"])]
    ballot = client.get(ballot_url(w["election"], w["round"]))
    assert ballot.status_code == 200 and "Karta do głosowania" in ballot.get_data(as_text=True)


def test_after_voting_the_rep_is_told_and_offered_no_vote_button(app):
    w = _world(app)
    rep = logged_in(app, w["rep"])
    cast_form(rep, w["election"], w["round"], [], w["partner"])
    home = rep.get("/").get_data(as_text=True)
    assert not _links(home, "Głosuj")
    assert "Twój Partner już głosował w turze 1." in home


def test_a_round_not_open_gives_no_button_but_says_where_it_will_appear(app):
    w = _world(app)
    with app.app_context():
        db.session.get_one(Round, w["round"]).status = RoundStatus.PENDING
        db.session.commit()
    home = logged_in(app, w["rep"]).get("/").get_data(as_text=True)
    assert not _links(home, "Głosuj") and "przycisk „Głosuj” pojawi się tutaj" in home


def test_a_rep_whose_partner_is_off_the_roll_is_told_and_gets_no_button(app):
    w = _world(app)
    home = logged_in(app, w["stranger"]).get("/").get_data(as_text=True)
    assert "nie ma w spisie uprawnionych" in home and not _links(home, "Głosuj")


def test_after_certification_the_rep_lands_on_a_link_to_the_results(app):
    w = _world(app)
    with app.app_context():
        db.session.get_one(Round, w["round"]).status = RoundStatus.CLOSED
        election = db.session.get_one(Round, w["round"]).election_id
        db.session.get_one(Election, election).phase = Phase.CERTIFIED
        db.session.commit()
    home = logged_in(app, w["rep"]).get("/").get_data(as_text=True)
    assert _links(home, "Wyniki wyborów i skład Rady") == [
        f"/public/elections/{w['election']}/results"
    ]


def test_the_chair_lands_one_tap_from_the_dashboard(app):
    w = _world(app)
    home = logged_in(app, w["chair"]).get("/").get_data(as_text=True)
    assert _links(home, "Panel przewodniczącego") == [f"/results/{w['election']}/dashboard"]


def test_the_voting_list_gives_the_rep_the_vote_button_too(app):
    w = _world(app)
    page = logged_in(app, w["rep"]).get("/voting").get_data(as_text=True)
    assert _links(page, "Głosuj") == [ballot_url(w["election"], w["round"])]


def test_the_anonymous_home_page_still_offers_the_login(app):
    page = app.test_client().get("/").get_data(as_text=True)
    assert "Zaloguj się" in page and "Głosuj" not in page


def test_the_reps_election_list_leads_to_the_voting_and_later_to_the_results(app):
    w = _world(app)
    rep = logged_in(app, w["rep"])
    page = rep.get("/elections").get_data(as_text=True)
    assert _links(page, "Głosowanie Twojego Partnera") == [f"/voting/{w['election']}"]
    with app.app_context():
        db.session.get_one(Election, w["election"]).phase = Phase.CERTIFIED
        db.session.commit()
    page = rep.get("/elections").get_data(as_text=True)
    assert _links(page, "Wyniki wyborów i skład Rady") == [
        f"/public/elections/{w['election']}/results"
    ]
