"""``GET /api/v1/elections`` and ``GET /api/v1/elections/<id>/candidates`` (DESIGN.md § 7)."""

import pytest

from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import make_election, make_partner
from tests.factories.candidates import make_nomination

G, P, M = PartnerGroup.GMINA, PartnerGroup.POWIAT, PartnerGroup.MIASTO_NPP


def build(phase):
    election = make_election(phase, title="Wybory Rady 2026")
    gmina = make_partner(G, name="Gmina Będzin", teryt="2401011")
    other = make_partner(G, name="Gmina Bobrowniki", teryt="2401021")
    powiat = make_partner(P, name="Powiat będziński", teryt="2401")
    for name in ["Adam Żak", "Ewa Zając", "Jan Łoś", "anna lis", "Olga Źrebiec", "Iza Śliwa"]:
        make_nomination(election, gmina, name, status="verified")
    make_nomination(election, other, "Stefan Ślęzak", status="verified", position="Wójt Gminy")
    make_nomination(election, gmina, "Rafał Odrzucony", status="rejected")
    make_nomination(election, gmina, "Wanda Wycofana", status="withdrawn")
    make_nomination(election, powiat, "Piotr Kos", status="verified", position="Starosta")
    return election


@pytest.fixture
def published(app):
    with app.app_context():
        election_id = build("candidates_published").id
        db.session.commit()
    return election_id


def test_candidates_per_group_in_polish_order_with_the_fixed_keys(client, published):
    response = client.get(f"/api/v1/elections/{published}/candidates")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert {"election", "groups"} <= set(body)
    assert {"id", "title", "phase", "meeting_date"} <= set(body["election"])
    assert body["election"]["id"] == published
    assert body["election"]["phase"] == "candidates_published"
    assert body["election"]["meeting_date"] == "2026-06-18"
    assert set(body["groups"]) == {"gmina", "powiat", "miasto_npp"}
    assert [c["name"] for c in body["groups"]["gmina"]] == [
        "anna lis",
        "Jan Łoś",
        # ę comes before i.
        "Stefan Ślęzak",
        "Iza Śliwa",
        "Ewa Zając",
        "Olga Źrebiec",
        "Adam Żak",
    ]
    assert body["groups"]["miasto_npp"] == []
    [kos] = body["groups"]["powiat"]
    assert {"name", "position", "partner"} <= set(kos)
    assert kos["position"] == "Starosta"
    assert kos["partner"] == {"name": "Powiat będziński", "teryt": "2401"}
    slezak = body["groups"]["gmina"][2]
    assert slezak["partner"] == {"name": "Gmina Bobrowniki", "teryt": "2401021"}
    assert slezak["surname"] == "Ślęzak" and slezak["first_names"] == "Stefan"


def test_the_api_and_the_public_page_give_the_same_list(client, published):
    import re

    page = client.get(f"/public/elections/{published}/candidates").get_data(as_text=True)
    on_page = re.findall(r'<strong class="candidate-name">([^<]+)</strong>', page)
    body = client.get(f"/api/v1/elections/{published}/candidates").get_json()
    in_api = [c["name"] for g in ("gmina", "powiat", "miasto_npp") for c in body["groups"][g]]
    assert on_page == in_api


@pytest.mark.parametrize("phase", ["draft", "nominations"])
def test_before_publication_it_is_a_json_404(client, app, phase):
    with app.app_context():
        election_id = build(phase).id
        db.session.commit()
    response = client.get(f"/api/v1/elections/{election_id}/candidates")
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "not_found",
        "message": "Lista kandydatów tych wyborów nie została jeszcze opublikowana.",
    }


@pytest.mark.parametrize("phase", ["candidates_published", "voting", "closed", "certified"])
def test_after_publication_it_stays_available(client, app, phase):
    with app.app_context():
        election_id = build(phase).id
        db.session.commit()
    body = client.get(f"/api/v1/elections/{election_id}/candidates").get_json()
    assert body["election"]["phase"] == phase and len(body["groups"]["gmina"]) == 7


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/elections/999999/candidates",
        "/api/v1/elections/x/candidates",
        "/api/v1/elections/-1/candidates",
        "/api/v1/elections/99999999999999999999999/candidates",
    ],
)
def test_unknown_election_is_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"] == "not_found" and body["message"]


def test_only_get_is_allowed(client, published):
    response = client.post(f"/api/v1/elections/{published}/candidates")
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"


def test_the_elections_list_has_the_fixed_keys(client, published):
    body = client.get("/api/v1/elections").get_json()
    assert [e["id"] for e in body] == [published]
    assert {"id", "title", "phase", "meeting_date"} <= set(body[0])
    assert body[0]["phase"] == "candidates_published"
