"""The public candidate list and the public index of elections, without logging in."""

import re

import pytest

from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import make_election, make_partner
from tests.factories.candidates import make_nomination

G, P, M = PartnerGroup.GMINA, PartnerGroup.POWIAT, PartnerGroup.MIASTO_NPP


def build(phase):
    election = make_election(phase, title="Wybory Rady 2026")
    gmina = make_partner(G, name="Gmina Będzin")
    powiat = make_partner(P, name="Powiat będziński")
    city = make_partner(M, name="Miasto Katowice")
    for name in ["Adam Żak", "Ewa Zając", "Jan Łoś", "Anna Lis", "Olga Źrebiec", "Iza Śliwa"]:
        make_nomination(election, gmina, name, status="verified", position="Sekretarz Gminy")
    make_nomination(election, gmina, "Rafał Odrzucony", status="rejected")
    make_nomination(election, gmina, "Wanda Wycofana", status="withdrawn")
    make_nomination(election, powiat, "Piotr Kos", status="verified", position="Starosta")
    make_nomination(election, city, "Maria Mazur", status="verified", position="Skarbnik Miasta")
    return election


@pytest.fixture
def published(app):
    with app.app_context():
        election_id = build("candidates_published").id
        db.session.commit()
    return election_id


def test_the_public_list_shows_each_group_in_polish_order(client, published):
    response = client.get(f"/public/elections/{published}/candidates")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    names = re.findall(r'<strong class="candidate-name">([^<]+)</strong>', page)
    assert names == [
        "Anna Lis",
        "Jan Łoś",
        "Iza Śliwa",
        "Ewa Zając",
        "Olga Źrebiec",
        "Adam Żak",
        "Piotr Kos",
        "Maria Mazur",
    ]
    assert "Odrzucony" not in page and "Wycofana" not in page
    assert "Sekretarz Gminy" in page and "Gmina Będzin" in page
    assert "Starosta" in page and "Powiat będziński" in page
    assert page.index("Gminy") < page.index("Powiaty") < page.index("Miasta na prawach powiatu")


@pytest.mark.parametrize("phase", ["voting", "closed", "certified"])
def test_the_list_stays_public_in_later_phases(client, app, phase):
    with app.app_context():
        election_id = build(phase).id
        db.session.commit()
    assert client.get(f"/public/elections/{election_id}/candidates").status_code == 200


@pytest.mark.parametrize("phase", ["draft", "nominations"])
def test_before_publication_the_list_is_a_polish_404(client, app, phase):
    with app.app_context():
        election_id = build(phase).id
        db.session.commit()
    response = client.get(f"/public/elections/{election_id}/candidates")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "nie została jeszcze opublikowana" in page and "Anna Lis" not in page


def test_an_unknown_election_is_a_polish_404(client):
    response = client.get("/public/elections/999999/candidates")
    assert response.status_code == 404
    assert "Nie ma takich wyborów" in response.get_data(as_text=True)
    assert client.get("/public/elections/abc/candidates").status_code == 404
    assert client.get("/public/elections/99999999999999999999/candidates").status_code == 404


def test_the_public_index_lists_elections_with_what_is_public(client, app, published):
    with app.app_context():
        make_election("draft", title="Szkic wyborów")
        make_election("nominations", title="Wybory w zgłoszeniach")
        db.session.commit()
    page = client.get("/public/elections").get_data(as_text=True)
    assert "Wybory Rady 2026" in page and "Wybory w zgłoszeniach" in page
    assert "Szkic wyborów" not in page
    assert f'href="/public/elections/{published}/candidates"' in page
    assert f'href="/api/v1/elections/{published}/candidates"' in page
    assert "lista kandydatów opublikowana" in page


def test_the_public_index_with_no_elections(client):
    response = client.get("/public/elections")
    assert response.status_code == 200
    assert "Nie ma jeszcze ogłoszonych wyborów" in response.get_data(as_text=True)
