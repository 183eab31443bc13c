"""Random form data at the ballot endpoints: never a 500, never a ballot from bad input."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from election.extensions import db
from election.partners.models import PartnerGroup
from election.voting.models import Ballot, BallotChoice, EncryptedBallot, RollMark
from tests.factories import voting_election
from tests.factories.voting import ballot_url, counts, logged_in, receipt_on
from tests.support.web import csrf_token

G = PartnerGroup.GMINA


@pytest.fixture
def fuzz_world(app) -> dict[str, Any]:
    with app.app_context():
        w = voting_election(per_group=2, candidates_per_group=3)
        db.session.commit()
        world = {
            "election": w["election"].id,
            "round": w["rounds"][G].id,
            "partner": w["partners"][G][0].id,
            "other_partner": w["partners"][G][1].id,
            "candidates": [c.id for c in w["candidates"][G]],
            "foreign": w["candidates"][PartnerGroup.POWIAT][0].id,
        }
        email = w["reps"][G][0].email
    client = logged_in(app, email)
    world["client"] = client
    world["token"] = csrf_token(client, ballot_url(world["election"], world["round"]))
    return world


def _values(world: dict[str, Any]) -> st.SearchStrategy[str]:
    ids = [*world["candidates"], world["foreign"]]
    return st.one_of(
        st.sampled_from([str(i) for i in ids]),
        st.integers(min_value=-(2**63), max_value=2**63).map(str),
        st.text(max_size=30),
        st.sampled_from(["", " ", "1e3", "0x1", "１", "1;DROP TABLE ballots", "\x00", "9" * 40]),
    )


@st.composite
def form_data(draw: Any, world: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    token = draw(st.sampled_from(["valid", "valid", "valid", "missing", "wrong"]))
    if token == "valid":
        data["csrf_token"] = world["token"]
    elif token == "wrong":
        data["csrf_token"] = draw(st.text(max_size=60))
    partner = draw(st.sampled_from(["own", "own", "other", "missing", "junk"]))
    if partner == "own":
        data["partner_id"] = str(world["partner"])
    elif partner == "other":
        data["partner_id"] = str(world["other_partner"])
    elif partner == "junk":
        data["partner_id"] = draw(st.text(max_size=20))
    data["candidate"] = draw(st.lists(_values(world), max_size=6))
    extra = draw(
        st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=10), max_size=3)
    )
    for key, value in extra.items():
        data.setdefault(key, value)
    return data


def _valid(world: dict[str, Any], data: dict[str, Any]) -> bool:
    choices = data["candidate"]
    try:
        ids = [int(c) for c in choices if c.strip().isascii() and c.strip().isdigit()]
    except ValueError:
        return False
    return (
        data.get("csrf_token") == world["token"]
        and data.get("partner_id") == str(world["partner"])
        and len(ids) == len(choices)
        and len(set(ids)) == len(ids) <= 2
        and set(ids) <= set(world["candidates"])
    )


def test_random_form_data_never_breaks_the_cast_endpoint(app, fuzz_world):
    world = fuzz_world
    url = ballot_url(world["election"], world["round"], "cast")
    confirm_url = ballot_url(world["election"], world["round"], "confirm")

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(data=form_data(world), step=st.sampled_from(["cast", "cast", "confirm"]))
    def check(data: dict[str, Any], step: str) -> None:
        with app.app_context():
            before = counts()
        response = world["client"].post(url if step == "cast" else confirm_url, data=data)
        assert response.status_code < 500, (data, response.get_data(as_text=True)[:500])
        with app.app_context():
            after = counts()
            # A cast answers with the receipt itself (200 and the code on the page).
            page = response.get_data(as_text=True)
            cast = step == "cast" and response.status_code == 200 and receipt_on(page) is not None
            if cast:
                assert step == "cast" and _valid(world, data), data
                assert after[0] == before[0] + 1 and after[2] == before[2] + 1
                # Undo, so the next example finds the Partner not yet voted.
                db.session.execute(delete(BallotChoice))
                db.session.execute(delete(Ballot))
                db.session.execute(delete(EncryptedBallot))
                db.session.execute(delete(RollMark))
                db.session.commit()
            else:
                assert after == before, data
                if step == "cast" and response.status_code == 303:
                    pytest.fail(f"no ballot, yet redirected: {data}")

    check()
