"""One shape of an election across the API (``election_summary``), and the results,
receipts and protocol answering from the one API blueprint."""

from __future__ import annotations

from election.council.composition import certify
from election.extensions import db
from tests.factories import SYSTEM, key_store, make_election
from tests.factories.council import closed_election


def _certified(app) -> int:
    with app.app_context():
        election = closed_election()["election"]
        certify(db.session, SYSTEM, election, key_store())
        db.session.commit()
        return election.id


def test_an_election_has_the_same_shape_in_the_list_the_candidates_and_the_results(app, client):
    election_id = _certified(app)

    [listed] = client.get("/api/v1/elections").get_json()
    in_candidates = client.get(f"/api/v1/elections/{election_id}/candidates").get_json()
    in_results = client.get(f"/api/v1/elections/{election_id}/results").get_json()

    assert listed == in_candidates["election"] == in_results["election"]
    assert {"id", "title", "phase", "meeting_date", "meeting_place", "term"} <= set(listed)
    assert listed["phase"] == "certified" and listed["certified_at"]


def test_every_public_api_path_is_served_by_the_api_blueprint(app):
    endpoints = {
        rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
    }
    assert endpoints and all(e.startswith("api.") for e in endpoints)


def test_results_receipts_and_protocol_of_a_certified_election(app, client):
    election_id = _certified(app)

    results = client.get(f"/api/v1/elections/{election_id}/results")
    receipts = client.get(f"/api/v1/elections/{election_id}/receipts")
    protocol = client.get(f"/api/v1/elections/{election_id}/protocol.pdf")

    assert results.status_code == 200 and results.get_json()["certified"] is True
    assert receipts.status_code == 200
    assert set(receipts.get_json()) == {"gmina", "powiat", "miasto_npp"}
    assert protocol.status_code == 200 and protocol.mimetype == "application/pdf"
    assert protocol.data.startswith(b"%PDF")


def test_while_voting_results_receipts_and_protocol_are_json_404s(app, client):
    with app.app_context():
        election_id = make_election("voting").id
        db.session.commit()

    for path in ("results", "receipts", "protocol.pdf"):
        response = client.get(f"/api/v1/elections/{election_id}/{path}")
        assert response.status_code == 404, path
        assert response.get_json()["error"] == "not_found", path
