"""The Regulamin's fallback for a quorum never met, set on the election's form (dead end D):
saved, checked, and locked once voting starts like the other vote settings."""

import pytest
from sqlalchemy import func, select

from election.auth.models import Role
from election.elections.models import Election
from election.extensions import db
from tests.factories import make_election
from tests.factories.elections import logged_in
from tests.support.web import post_form

FORM = {
    "title": "Wybory Rady ds. systemu SEKAP 2026",
    "seats_gmina": "2",
    "seats_powiat": "2",
    "seats_miasto_npp": "2",
    "leader_seats": "1",
    "scsi_seats": "2",
    "secret": "y",
    "tie_rule": "runoff_then_lots",
    "ballot_order": "alphabetical",
    "majority_rule": "simple",
    "cutoff_date": "2026-05-31",
    "quorum_percent": "50",
    "quorum_waived_from": "2",
}


@pytest.fixture
def admin(app, client):
    logged_in(app, client, Role.ADMIN)
    return client


def test_the_fallback_is_saved_and_explained_on_the_form(admin, app):
    page = admin.get("/elections/new").get_data(as_text=True)
    assert "Kworum nie obowiązuje od próby nr" in page and "co najmniej 3 kartach" in page
    assert post_form(admin, "/elections/new", FORM).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Election.quorum_waived_from)) == 2


@pytest.mark.parametrize("value", ["1", "10", "dwa"])
def test_a_fallback_out_of_range_is_refused_with_a_message(admin, app, value):
    response = post_form(admin, "/elections/new", {**FORM, "quorum_waived_from": value})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Election)) == 0


def test_the_fallback_cannot_change_once_voting_started(admin, app):
    with app.app_context():
        eid = make_election("voting", quorum_percent=50).id
        db.session.commit()
    response = post_form(admin, f"/elections/{eid}/edit", {**FORM, "quorum_waived_from": "3"})
    assert response.status_code == 409 and "nie można już zmieniać" in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Election, eid).quorum_waived_from is None
