"""Authorised voters (pełnomocnictwa) through the real pages: a representative records
one with its scan, the chair verifies it, the person gets an account of that Partner
valid only on the authorisation's days, and the Partner still votes once."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.auth.models import Role, User
from election.elections import authorisations
from election.elections.models import Election
from election.elections.people import Authorisation, AuthorisationStatus
from election.elections.rules import WARSAW
from election.extensions import db
from election.partners.models import Partner, PartnerGroup
from tests.factories import (
    PASSWORD,
    SYSTEM,
    freeze_roll,
    make_election,
    make_partner,
    make_user,
    voting_election,
)
from tests.factories.people import SCAN, make_attendance, make_authorisation, password_path
from tests.factories.voting import ballot_url, cast_form, logged_in, receipt_on
from tests.support.web import csrf_token, login, post_form

G = PartnerGroup.GMINA
PERSON = "pelnomocnik@example.pl"
NEW_PASSWORD = "Pełnomocnictwo-2026!"


def today() -> dt.date:
    return dt.datetime.now(WARSAW).date()


@pytest.fixture
def world(app) -> dict[str, Any]:
    with app.app_context():
        w = voting_election(per_group=3, candidates_per_group=3)
        admin = make_user(Role.ADMIN)
        db.session.commit()
        return {
            "election": w["election"].id,
            "round": w["rounds"][G].id,
            "partner": w["partners"][G][0].id,
            "partner_name": w["partners"][G][0].name,
            "other_partner": w["partners"][G][1].id,
            "candidates": [c.id for c in w["candidates"][G]],
            "rep": w["reps"][G][0].email,
            "chair": w["chair"].email,
            "admin": admin.email,
        }


def form(**fields: Any) -> dict[str, Any]:
    data = {
        "full_name": "Halina Pełnomocna",
        "position": "Sekretarz Gminy",
        "email": PERSON,
        "valid_from": today().isoformat(),
        "valid_until": today().isoformat(),
        "scan": (io.BytesIO(SCAN), "pełnomocnictwo.pdf"),
    }
    data.update(fields)
    return data


def submit(client, election_id: int, **fields: Any):
    url = f"/elections/{election_id}/authorisations"
    data = {"csrf_token": csrf_token(client, url), **form(**fields)}
    return client.post(url, data=data, content_type="multipart/form-data")


def events(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == action)
        )


def test_an_authorised_person_votes_for_the_partner_and_the_partner_votes_once(app, world, mailbox):
    e = world["election"]
    rep = logged_in(app, world["rep"])
    page = rep.get(f"/elections/{e}/authorisations").get_data(as_text=True)
    assert "Dodaj pełnomocnictwo" in page and world["partner_name"] in page

    # A scan that is no PDF, JPEG or PNG is refused and nothing is written.
    bad = submit(rep, e, scan=(io.BytesIO(b"<html>not a scan</html>"), "skan.pdf"))
    assert bad.status_code == 400 and "PDF, JPEG lub PNG" in bad.get_data(as_text=True)
    assert events(app, "authorisation.submitted") == 0

    done = submit(rep, e)
    assert done.status_code == 303
    listed = rep.get(f"/elections/{e}/authorisations").get_data(as_text=True)
    assert "Halina Pełnomocna" in listed and "czeka na sprawdzenie" in listed
    assert "Zweryfikuj" not in listed  # a representative does not verify
    with app.app_context():
        authorisation = db.session.scalar(select(Authorisation))
        aid = authorisation.id
    scan = rep.get(f"/elections/{e}/authorisations/{aid}/scan")
    assert scan.data == SCAN and scan.headers["Content-Disposition"].startswith("attachment")

    chair = logged_in(app, world["chair"])
    assert "Zweryfikuj i załóż konto" in chair.get(f"/elections/{e}/authorisations").get_data(
        as_text=True
    )
    verified = post_form(chair, f"/elections/{e}/authorisations/{aid}/verify")
    assert verified.status_code == 303
    flashed = chair.get(f"/elections/{e}/authorisations").get_data(as_text=True)
    assert "wysłano zaproszenie na adres pelnomocnik@example.pl" in flashed
    assert "zweryfikowane" in flashed
    [invitation] = mailbox.to(PERSON)
    assert world["partner_name"] in invitation.get_payload(decode=True).decode()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == PERSON))
        assert user.role == Role.PARTNER_REP and user.partner_id == world["partner"]
        assert user.valid_from is not None and user.valid_until is not None

    person = app.test_client()
    assert person.get(password_path(invitation)).status_code == 303
    set_pw = post_form(person, "/password/set", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert set_pw.status_code == 302
    login(person, PERSON, NEW_PASSWORD)
    r = world["round"]
    assert ballot_url(e, r) in person.get(f"/voting/{e}").get_data(as_text=True)
    cast = cast_form(person, e, r, [world["candidates"][0]], world["partner"])
    assert receipt_on(cast.get_data(as_text=True))

    # The Partner has voted: its own representative can no longer vote in the round.
    assert rep.get(ballot_url(e, r)).status_code == 303
    again = cast_form(rep, e, r, [world["candidates"][1]], world["partner"])
    assert receipt_on(again.get_data(as_text=True)) is None
    assert events(app, "authorisation.verified") == 1


def test_the_account_signs_in_only_on_the_authorisations_days(app, world):
    with app.test_request_context():
        election = db.session.get(Election, world["election"])
        partner_id = world["partner"]
        from_, until = today() + dt.timedelta(days=1), today() + dt.timedelta(days=2)
        row = make_authorisation(
            election, _partner(partner_id), valid_from=from_, valid_until=until
        )
        result = authorisations.verify(db.session, SYSTEM, election, row.id, today())
        result.user.password_hash = make_user(Role.OBSERVER).password_hash
        db.session.commit()
    client = app.test_client()
    refused = post_form(client, "/login", {"email": PERSON, "password": PASSWORD})
    assert refused.status_code == 401  # tomorrow, not today
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == PERSON))
        user.valid_from -= dt.timedelta(days=1)
        db.session.commit()
    assert post_form(client, "/login", {"email": PERSON, "password": PASSWORD}).status_code == 302
    with app.app_context():  # the last day is over: the session ends too
        user = db.session.scalar(select(User).where(User.email == PERSON))
        user.valid_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        user.valid_from = user.valid_until - dt.timedelta(days=1)
        db.session.commit()
    assert client.get(f"/voting/{world['election']}").status_code == 302


def _partner(partner_id: int) -> Partner:
    return db.session.get_one(Partner, partner_id)


def test_a_rejection_needs_a_reason_and_is_audited(app, world, mailbox):
    with app.app_context():
        election = db.session.get(Election, world["election"])
        aid = make_authorisation(election, _partner(world["partner"])).id
        db.session.commit()
    e = world["election"]
    chair = logged_in(app, world["chair"])
    post_form(chair, f"/elections/{e}/authorisations/{aid}/reject", {"reason": ""})
    assert "Podaj powód odrzucenia" in chair.get(f"/elections/{e}/authorisations").get_data(
        as_text=True
    )
    post_form(chair, f"/elections/{e}/authorisations/{aid}/reject", {"reason": "Brak podpisu"})
    page = chair.get(f"/elections/{e}/authorisations").get_data(as_text=True)
    assert "odrzucone" in page and "Brak podpisu" in page
    assert events(app, "authorisation.rejected") == 1
    # Decided: neither verified nor rejected again.
    post_form(chair, f"/elections/{e}/authorisations/{aid}/verify")
    assert "zostało już rozpatrzone" in chair.get(f"/elections/{e}/authorisations").get_data(
        as_text=True
    )
    assert mailbox.messages == []


def test_an_address_of_another_partners_account_is_refused_at_verification(app, world):
    with app.app_context():
        election = db.session.get(Election, world["election"])
        other = make_user(Role.PARTNER_REP, partner=_partner(world["other_partner"]))
        aid = make_authorisation(election, _partner(world["partner"]), email=other.email).id
        db.session.commit()
    e = world["election"]
    chair = logged_in(app, world["chair"])
    post_form(chair, f"/elections/{e}/authorisations/{aid}/verify")
    page = chair.get(f"/elections/{e}/authorisations").get_data(as_text=True)
    assert "nie jest kontem przedstawiciela tego Partnera" in page
    with app.app_context():
        assert db.session.get(Authorisation, aid).status == AuthorisationStatus.SUBMITTED


def test_a_representative_sees_and_records_only_for_their_own_partner(app, world):
    with app.app_context():
        election = db.session.get(Election, world["election"])
        aid = make_authorisation(election, _partner(world["other_partner"])).id
        db.session.commit()
    e = world["election"]
    rep = logged_in(app, world["rep"])
    assert "Halina" not in rep.get(f"/elections/{e}/authorisations").get_data(as_text=True)
    assert rep.get(f"/elections/{e}/authorisations/{aid}/scan").status_code == 404
    # A forged Partner field is ignored: the representative's own Partner is recorded.
    assert (
        submit(rep, e, partner_id=str(world["other_partner"]), email="x@example.pl").status_code
        == 303
    )
    with app.app_context():
        mine = db.session.scalar(select(Authorisation).where(Authorisation.email == "x@example.pl"))
        assert mine.partner_id == world["partner"]


def test_the_admin_records_for_any_partner_and_bad_dates_are_explained(app, world):
    e = world["election"]
    admin = logged_in(app, world["admin"])
    late = submit(
        admin,
        e,
        partner_id=str(world["other_partner"]),
        valid_from=(today() - dt.timedelta(days=3)).isoformat(),
        valid_until=(today() - dt.timedelta(days=1)).isoformat(),
    )
    assert late.status_code == 400 and "już wygasło" in late.get_data(as_text=True)
    reversed_ = submit(
        admin,
        e,
        partner_id=str(world["other_partner"]),
        valid_until=(today() - dt.timedelta(days=1)).isoformat(),
    )
    assert "nie może być wcześniejsza" in reversed_.get_data(as_text=True)
    ok = submit(admin, e, partner_id=str(world["other_partner"]))
    assert ok.status_code == 303
    twice = submit(admin, e, partner_id=str(world["other_partner"]))
    assert twice.status_code == 400 and "ma już pełnomocnictwo" in twice.get_data(as_text=True)


def test_the_protocol_lists_attendance_and_the_verified_authorisations(app):
    with app.test_request_context():
        election_id = _verified_in_closed_election()
    admin = app.test_client()
    with app.app_context():
        email = make_user(Role.ADMIN).email
        db.session.commit()
    login(admin, email, PASSWORD)
    response = admin.get(f"/council/{election_id}/protocol.pdf")
    assert response.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Pełnomocnictwa" in text and "Halina Pełnomocna" in text
    assert "Zofia Przewodnicząca" in text and "Partner 2401011" in text
    assert "Olga Odrzucona" not in text  # not verified
    assert "gminy: 2 z 2 (na sali 1, online 1)" in text


def _verified_in_closed_election() -> int:
    election = make_election("closed")
    partners = [make_partner(G), make_partner(G)]
    freeze_roll(election, partners)
    make_attendance(election, partners[0], "room")
    make_attendance(election, partners[1], "online")
    chair = make_user(Role.CHAIR, full_name="Zofia Przewodnicząca")
    row = make_authorisation(election, partners[0], valid_from=today(), valid_until=today())
    authorisations.verify(db.session, SYSTEM, election, row.id, today())
    row.decided_by_id = chair.id
    make_authorisation(election, partners[1], email="inna@example.pl", full_name="Olga Odrzucona")
    db.session.commit()
    return election.id
