"""The pages of a secret round's box: an invalid round shows no count anywhere; the chair
finishes the paper ballots; the tellers enter their shares, typed or as the sheet's file."""

import csv
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from election.auth.models import Role
from election.council.protocol import render_protocol
from election.elections import custody
from election.elections.models import Election, Phase
from election.extensions import db
from election.partners.models import Partner, PartnerGroup
from election.tally import counting
from election.tally.models import DecryptionShare, RoundTally
from election.voting.models import Round
from tests.factories import PASSWORD, SYSTEM, key_store, make_user, voting_election
from tests.factories.tally import cast_all, close, enter_paper, issue_paper, tellers_custody
from tests.support.web import login, post_form

G = PartnerGroup.GMINA


@pytest.fixture
def world(app):
    with app.app_context():
        w = voting_election(per_group=4, candidates_per_group=3)
        db.session.commit()
        return {
            "election_id": w["election"].id,
            "round_id": w["rounds"][G].id,
            "partner_ids": [p.id for p in w["partners"][G]],
            "candidate_ids": [c.id for c in w["candidates"][G]],
            "chair": w["chair"].email,
        }


@pytest.fixture
def chair(client, world):
    login(client, world["chair"], PASSWORD)
    return client


def _partners(world):
    return [db.session.get(Partner, pid) for pid in world["partner_ids"]]


def _round(world):
    return db.session.get(Round, world["round_id"])


def _pdf_text(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )


def test_an_invalid_secret_round_shows_no_count_anywhere(app, client, chair, world):
    eid, a = world["election_id"], world["candidate_ids"][0]
    with app.app_context():
        db.session.get(Election, eid).quorum_percent = 100
        cast_all(_round(world), _partners(world), [[a], [a], [a]])  # 3 of 4 < 100 %
        close(_round(world))
        tally = counting.count_round(db.session, SYSTEM, _round(world), key_store())
        assert not tally.valid and tally.blank is None
        db.session.commit()

    dashboard = chair.get(f"/results/{eid}/dashboard").get_data(as_text=True)
    assert "urny nie odszyfrowano" in dashboard and "Utwórz powtórną turę" in dashboard
    assert "3 głosy" not in dashboard and "pustych: <strong>—" in dashboard
    for view in ("dashboard", "projector"):
        live = chair.get(f"/results/{eid}/live.json?view={view}").get_json()["groups"]["gmina"]
        assert live["round"]["valid"] is False
        assert all(c["votes"] is None for c in live["round"]["candidates"])
        assert "3 głosy" not in live["html"]
    assert "3 głosy" not in chair.get(f"/results/{eid}/projector").get_data(as_text=True)

    with app.app_context():
        db.session.get(Election, eid).phase = Phase.CLOSED
        db.session.commit()
        pdf = _pdf_text(render_protocol(db.session, db.session.get(Election, eid)))
    assert "urny nie odszyfrowano" in pdf and "Kart pustych —" in pdf
    api = client.get(f"/api/v1/elections/{eid}/results").get_json()["groups"]["gmina"]
    assert api["blank"] is None and api["rounds"][0]["blank"] is None
    assert all(c["votes"] is None and c["rank"] is None for c in api["rounds"][0]["candidates"])
    exported = chair.get(f"/council/{eid}/results.json").get_json()["groups"]["gmina"]
    assert all(c["votes"] is None for c in exported["rounds"][0]["candidates"])
    rows = list(
        csv.reader(io.StringIO(chair.get(f"/council/{eid}/results.csv").text), delimiter=";")
    )
    assert all(row[5] == "" for row in rows[1:] if row[0] == "wyniki" and row[1] == "gmina")
    public = client.get(f"/public/elections/{eid}/results").get_data(as_text=True)
    assert "3 głosy" not in public and "urny nie odszyfrowano" in public
    # The record holds decrypted rounds only: none yet.
    assert client.get(f"/api/v1/elections/{eid}/record.json").status_code == 404


def test_the_chair_finishes_the_paper_ballots_and_the_round_is_counted(app, chair, world):
    eid, rid = world["election_id"], world["round_id"]
    a, b, _c = world["candidate_ids"]
    with app.app_context():
        partners = _partners(world)
        cast_all(_round(world), partners[:2], [[a], [b]])
        issue_paper(_round(world), partners[2])
        issue_paper(_round(world), partners[3])
        close(_round(world))
        assert counting.count_round(db.session, SYSTEM, _round(world), key_store()) is None
        enter_paper(_round(world), [a, b])
        db.session.commit()
    dashboard = chair.get(f"/results/{eid}/dashboard").get_data(as_text=True)
    assert "czeka na wprowadzenie kart papierowych" in dashboard
    url = f"/results/{eid}/rounds/{rid}/paper"
    assert url in dashboard
    page = chair.get(url)
    assert page.status_code == 200 and "wprowadzono do urny" in page.get_data(as_text=True)
    unconfirmed = post_form(chair, url, {"never_entered": "1"})
    assert unconfirmed.status_code == 400 and "Potwierdź" in unconfirmed.get_data(as_text=True)
    stale = post_form(chair, url, {"never_entered": "2", "confirm": "y"})
    assert stale.status_code == 400 and "potwierdź, że 1" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RoundTally)) == 0
    done = post_form(chair, url, {"never_entered": "1", "confirm": "y"})
    assert done.status_code == 303
    with app.app_context():
        tally = db.session.get(RoundTally, rid)
        assert (tally.ballots, tally.online, tally.paper, tally.valid) == (3, 2, 1, True)
    assert chair.get(url, follow_redirects=True).status_code == 200  # back to the dashboard


def test_the_tellers_page_takes_a_share_typed_or_as_the_sheet_file(app, chair, world):
    eid = world["election_id"]
    a, b, c = world["candidate_ids"]
    with app.app_context():
        election = db.session.get(Election, eid)
        shares = tellers_custody(election, threshold=2, tellers=3)
        sheet = custody.ShareSheet(eid, 2, "Członek komisji 2", shares[2], "X", 2, 3)
        share_file = custody.share_file(sheet, election.title)
        cast_all(_round(world), _partners(world), [[a], [a, b], [c]])
        close(_round(world))
        counting.count_round(db.session, SYSTEM, _round(world), key_store())
        db.session.commit()
    url = f"/results/{eid}/tellers"
    page = chair.get(url)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "nikt nie podał jeszcze udziału" in page.get_data(as_text=True)
    assert f"/results/{eid}/tellers" in chair.get(f"/results/{eid}/dashboard").get_data(
        as_text=True
    )

    wrong = post_form(chair, url, {"teller": "1", "share": shares[3]})
    assert wrong.status_code == 400 and "nie należy do członka komisji nr 1" in wrong.text
    assert shares[3] not in wrong.text
    empty = post_form(chair, url, {"teller": "1", "share": ""})
    assert empty.status_code == 400

    typed = post_form(chair, url, {"teller": "1", "share": shares[1]}, follow_redirects=True)
    assert "Przyjęto udział członka komisji nr 1" in typed.text and shares[1] not in typed.text
    with app.app_context():
        assert db.session.get(RoundTally, world["round_id"]) is None
    uploaded = post_form(
        chair,
        url,
        {"teller": "2", "share_file": (io.BytesIO(share_file.encode()), "udzial-2.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Policzono tury" in uploaded.text
    with app.app_context():
        tally = db.session.get(RoundTally, world["round_id"])
        assert tally.valid and tally.blank == 0
        holders = set(db.session.scalars(select(DecryptionShare.holder)))
        assert holders == {"1", "2"}
    assert "Żadna tura nie czeka" in chair.get(url).text


def test_the_tellers_page_is_only_for_a_dealt_key(chair, world):
    assert chair.get(f"/results/{world['election_id']}/tellers").status_code == 404


def test_a_rep_cannot_open_the_box(app, client, world):
    with app.app_context():
        rep = make_user(Role.PARTNER_REP, partner=_partners(world)[0])
        db.session.commit()
        email = rep.email
    login(client, email, PASSWORD)
    assert client.get(f"/results/{world['election_id']}/tellers").status_code == 403
    url = f"/results/{world['election_id']}/rounds/{world['round_id']}/paper"
    assert client.get(url).status_code == 403
