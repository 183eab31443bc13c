"""The live views redraw a closed round whose state moves on without a count: a paper
ballot entered, the box summed for the tellers. Their JSON says what the round waits for
and how many papers are in, and the group's change key moves with them."""

from election.elections.models import Election
from election.extensions import db
from election.partners.models import PartnerGroup
from election.tally import opening
from election.voting.models import Round
from tests.factories import PASSWORD, SYSTEM, key_store, voting_election
from tests.factories.tally import cast_all, close, enter_paper, issue_paper, tellers_custody
from tests.support.web import login

G = PartnerGroup.GMINA


def _live(client, election_id: int) -> dict:
    body = client.get(f"/results/{election_id}/live.json?view=dashboard").get_json()
    return body["groups"][G.value]


def test_a_round_waiting_is_redrawn_as_papers_come_in_and_the_box_is_summed(app, client):
    with app.app_context():
        world = voting_election(per_group=4, candidates_per_group=3)
        election, round_ = world["election"], world["rounds"][G]
        partners, a = world["partners"][G], world["candidates"][G][0]
        tellers_custody(election)
        cast_all(round_, partners[:3], [[a], [a], []])
        issue_paper(round_, partners[3])
        close(round_)
        db.session.commit()
        eid, rid, chair, a_id = election.id, round_.id, world["chair"].email, a.id
    login(client, chair, PASSWORD)

    waiting = _live(client, eid)
    assert waiting["round"]["awaiting"] == "paper"
    assert waiting["round"]["paper_entered"] == 0
    assert "wprowadzono 0" in waiting["html"]

    with app.app_context():
        enter_paper(db.session.get(Round, rid), [a_id])
        db.session.commit()
    entered = _live(client, eid)
    assert entered["round"]["awaiting"] == "paper"
    assert entered["round"]["paper_entered"] == 1
    assert entered["key"] != waiting["key"]
    assert "wprowadzono 1" in entered["html"]

    with app.app_context():
        tally = opening.finish_paper(db.session, SYSTEM, db.session.get(Round, rid), key_store(), 0)
        assert tally is None  # summed, waiting for the tellers' shares
        db.session.commit()
    summed = _live(client, eid)
    assert summed["round"]["awaiting"] == "tellers"
    assert summed["key"] != entered["key"]
    assert "czeka na udziały komisji skrutacyjnej" in summed["html"]
    # No glyph that needs an emoji font: the waiting line is marked by its class.
    assert "⏳" not in summed["html"] and 'class="next-step waiting"' in summed["html"]


def test_the_finish_page_says_what_its_button_does_in_each_custody(app, client):
    with app.app_context():
        world = voting_election(per_group=4, candidates_per_group=3)
        election, round_ = world["election"], world["rounds"][G]
        partners = world["partners"][G]
        cast_all(round_, partners[:3], [[], [], []])
        issue_paper(round_, partners[3])
        close(round_)
        db.session.commit()
        eid, rid, chair = election.id, round_.id, world["chair"].email
    login(client, chair, PASSWORD)
    page = client.get(f"/results/{eid}/rounds/{rid}/paper").get_data(as_text=True)
    assert "Zakończ wprowadzanie kart papierowych i policz turę" in page

    with app.app_context():
        tellers_custody(db.session.get(Election, eid))
        db.session.commit()
    page = client.get(f"/results/{eid}/rounds/{rid}/paper").get_data(as_text=True)
    assert "Zakończ wprowadzanie kart papierowych i zsumuj urnę" in page
    assert "policz turę" not in page
