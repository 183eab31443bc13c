"""The protocol PDF and the CSV/JSON exports of the results."""

import csv
import io
import json
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from election.audit.models import AuditEvent
from election.audit.service import head_hash, record
from election.auth.models import Role
from election.council.composition import certify
from election.council.exports import CSV_HEADER
from election.council.protocol import render_protocol
from election.elections.models import Election, Phase
from election.extensions import db
from election.partners.models import PartnerGroup
from election.tally.models import LotDraw
from tests.factories import PASSWORD, SYSTEM, key_store, make_election, make_user
from tests.factories.council import closed_election
from tests.support.web import login


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def settled(app):
    """A closed election whose gmina tie went to a runoff and then to lots."""
    with app.app_context():
        world = closed_election(tie_in=PartnerGroup.GMINA, settle="lots")
        db.session.commit()
        return {
            "id": world["election"].id,
            "names": {
                g: [c.full_name for c in world["candidates"][g]] for g in world["candidates"]
            },
        }


def _certify(app, election_id):
    with app.app_context():
        certify(db.session, SYSTEM, db.session.get(Election, election_id), key_store())
        db.session.commit()


def _login_as(client, app, role):
    with app.app_context():
        user = make_user(role)
        db.session.commit()
        email = user.email
    login(client, email, PASSWORD)
    return client


def test_the_protocol_has_the_polish_text_numbers_runoff_lots_council_and_chain_head(ctx, settled):
    election = db.session.get(Election, settled["id"])
    certify(db.session, SYSTEM, election, key_store())
    certified = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert certified.action == "council.certified"
    # Later events (publishing …) do not change the protocol of a certified election.
    record(db.session, SYSTEM, "publication.sent", election)
    pdf = render_protocol(db.session, election)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    flat = " ".join(text.split())
    assert "Protokół z wyboru członków Rady ds. systemu SEKAP" in flat
    for letter in "ąćęłńóśźż":
        assert letter in text, letter
    assert "Bożena Żółtańska-Jaźwiec" in flat and "Mściwój Gąsienica-Łęcki" in flat
    assert "Ignacy Kuć" in flat
    assert "Wybory Rady ds. systemu SEKAP 2026" in flat and "18.06.2026" in flat
    assert "Katowice, ul. Ligonia 46" in flat
    # Regulamin and its motion.
    assert "za: 10, przeciw: 1, wstrzymało się: 1" in flat
    # Per group: roll, ballots online/paper, blank, and the candidates' votes.
    assert "Uprawnionych (spis) 4" in flat
    assert "4 (przez internet: 4, papierowych: 0)" in flat
    assert "Kart pustych 1" in flat  # the gmina round with the tie had one blank ballot
    gmina = settled["names"][PartnerGroup.GMINA]
    assert "Tura nr 2" in flat and "Remis na ostatnim miejscu" in flat
    assert "Zofia Kołłątaj" in flat and "Losowanie w sali, urna nr 1" in flat
    assert f"Wybrani: {gmina[0]}" in flat
    assert "tak (losowanie)" in flat
    assert "Skład Rady ds. systemu SEKAP (9 z 9)" in flat
    assert "przewodniczący Rady" in flat
    assert f"zdarzeniem nr {certified.id}" in flat
    assert certified.hash in flat.replace(" ", "")
    assert head_hash(db.session) not in flat.replace(" ", "")
    assert "Przewodniczący zebrania (data i podpis)" in flat
    assert "PROJEKT" not in flat
    # Polish numbers and plurals: "2 miejsca", a decimal comma, no gendered brackets.
    assert "(2 miejsca w Radzie, uprawnionych do głosowania: 4)" in flat
    assert "Frekwencja 100,0%" in flat and "100.0%" not in flat
    assert "Skład Rady 9 członków" in flat
    assert "Osoba losująca Zofia Kołłątaj" in flat and f"Wylosowano {gmina[2]}" in flat
    assert "(a)" not in flat


def test_the_protocol_writes_percentages_with_a_decimal_comma(ctx):
    world = closed_election(appointed=False, motion=False)
    world["election"].quorum_percent = 50
    flat = " ".join(_text(render_protocol(db.session, world["election"])).split())
    assert "Wymagana frekwencja (kworum) 50% uprawnionych" in flat
    assert "Frekwencja 75,0%" in flat or "Frekwencja 100,0%" in flat
    assert not re.search(r"\d\.\d%", flat)


def test_an_uncertified_protocol_says_it_is_a_draft_and_what_is_missing(ctx):
    world = closed_election(tie_in=PartnerGroup.POWIAT, appointed=False, motion=False)
    flat = " ".join(_text(render_protocol(db.session, world["election"])).split())
    assert "PROJEKT — wyniki nie zostały jeszcze zatwierdzone" in flat
    assert (
        "Skład Rady nie jest jeszcze kompletny. Nie powołano: przedstawiciel Lidera (miejsce nr 1)."
        in flat
    )
    assert "Brakuje: Nie powołano" not in flat
    assert "nie przeprowadzono w aplikacji" in flat
    assert head_hash(db.session) in flat.replace(" ", "")


def test_a_seeded_draw_shows_its_seed_in_the_protocol(ctx):
    world = closed_election(tie_in=PartnerGroup.POWIAT, settle="seeded")
    draw = db.session.scalar(select(LotDraw))
    flat = " ".join(_text(render_protocol(db.session, world["election"])).split())
    assert draw.seed and draw.seed in flat.replace(" ", "")
    assert "aplikacja (każdy może powtórzyć to losowanie" in flat


def test_staff_get_the_protocol_from_closed_and_the_public_once_certified(client, app, settled):
    election_id = settled["id"]
    response = client.get(f"/api/v1/elections/{election_id}/protocol.pdf")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert "po zatwierdzeniu" in response.get_json()["message"]
    _login_as(client, app, Role.CHAIR)
    response = client.get(f"/council/{election_id}/protocol.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "PROJEKT" in _text(response.data)
    _certify(app, election_id)
    anonymous = app.test_client()
    response = anonymous.get(f"/api/v1/elections/{election_id}/protocol.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Protokół z wyboru" in _text(response.data)


def test_the_protocol_is_not_there_before_the_vote_is_closed(client, app):
    with app.app_context():
        election_id = make_election("voting").id
        db.session.commit()
    assert client.get(f"/api/v1/elections/{election_id}/protocol.pdf").status_code == 404
    assert client.get("/api/v1/elections/9999/protocol.pdf").get_json()["error"] == "not_found"
    _login_as(client, app, Role.ADMIN)
    assert client.get(f"/council/{election_id}/protocol.pdf").status_code == 404


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_the_csv_export_lists_every_round_and_the_council(client, app, settled):
    _certify(app, settled["id"])
    response = client.get(f"/council/{settled['id']}/results.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows(response.data)
    assert rows[0] == CSV_HEADER
    results = [r for r in rows[1:] if r[0] == "wyniki"]
    council = [r for r in rows[1:] if r[0] == "skład Rady"]
    # 3 candidates in each of the three first rounds, 2 in the gmina runoff.
    assert len(results) == 11 and len(council) == 9
    a, b, c = settled["names"][PartnerGroup.GMINA]
    assert ["wyniki", "gmina", "1", a] == results[0][:4] and results[0][5:7] == ["3", "tak"]
    runoff = {r[3]: r for r in results if r[1] == "gmina" and r[2] == "2"}
    assert runoff[c][5:7] == ["1", "tak (losowanie)"] and runoff[b][5:7] == ["1", "nie"]
    assert council[0][3] == "Bożena Żółtańska-Jaźwiec"
    assert council[0][7] == "przedstawiciel Lidera (przewodniczący Rady)"
    assert [r[3] for r in council if r[1] == "gmina"] == [a, c]


def test_the_json_export_has_rounds_lots_and_council(client, app, settled):
    _certify(app, settled["id"])
    data = client.get(f"/council/{settled['id']}/results.json").get_json()
    assert data["certified"] is True and data["election"]["phase"] == "certified"
    gmina = data["groups"]["gmina"]
    assert (gmina["roll"], gmina["ballots"], gmina["paper"], gmina["blank"]) == (4, 4, 0, 1)
    assert [r["number"] for r in gmina["rounds"]] == [1, 2]
    first, runoff = gmina["rounds"]
    assert first["candidates"][0]["votes"] == 3 and first["candidates"][0]["elected"]
    assert len(first["tied"]) == 2
    assert runoff["lots"]["drawn_by"] == "Zofia Kołłątaj"
    assert runoff["lots"]["winners"] == [settled["names"][PartnerGroup.GMINA][2]]
    assert gmina["elected"] == [settled["names"][PartnerGroup.GMINA][i] for i in (0, 2)]
    assert len(data["council"]) == 9
    assert data["council"][0] == {
        "name": "Bożena Żółtańska-Jaźwiec",
        "position": "Członek Zarządu Województwa",
        "seat": "leader",
        "chairs": True,
        "authority": "Zarząd Województwa Śląskiego",
        "document_ref": "Uchwała nr 1/2026",
        "document_date": "2026-06-10",
    }
    assert {m["seat"] for m in data["council"]} == {
        "leader",
        "scsi",
        "gmina",
        "powiat",
        "miasto_npp",
    }
    assert all("partner" in m for m in data["council"] if m["seat"] not in ("leader", "scsi"))
    json.dumps(data)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_exports_are_public_only_once_certified(client, app, settled, fmt):
    url = f"/council/{settled['id']}/results.{fmt}"
    assert client.get(url).status_code == 404
    _login_as(client, app, Role.OBSERVER)
    assert client.get(url).status_code == 404
    staff = app.test_client()
    _login_as(staff, app, Role.ADMIN)
    assert staff.get(url).status_code == 200
    _certify(app, settled["id"])
    assert app.test_client().get(url).status_code == 200


def test_exports_do_not_exist_before_the_vote_is_closed(client, app):
    with app.app_context():
        election_id = make_election("voting").id
        db.session.commit()
    _login_as(client, app, Role.CHAIR)
    assert client.get(f"/council/{election_id}/results.csv").status_code == 404
    assert client.get(f"/council/{election_id}/results.json").status_code == 404
    assert client.get("/council/9999/results.json").status_code == 404
    with app.app_context():
        assert db.session.get(Election, election_id).phase is Phase.VOTING
