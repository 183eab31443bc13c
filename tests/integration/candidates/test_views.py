"""Nominating, reviewing and publishing through the pages, as reps, the admin and the chair."""

import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select

from election.candidates.models import Candidate, CandidateStatus
from election.elections.models import Election, Phase
from election.extensions import db
from election.partners.models import Partner, PartnerGroup
from election.publishing.models import Publication
from tests.factories import PASSWORD, make_partner
from tests.factories.candidates import (
    JPEG,
    PDF,
    PNG,
    make_nomination,
    nominations_world,
    one_verified_per_group,
)
from tests.support.web import login, post_form

G, P, M = PartnerGroup.GMINA, PartnerGroup.POWIAT, PartnerGroup.MIASTO_NPP


@pytest.fixture
def world(app):
    """Plain ids and emails of an election open for nominations (objects die with the context)."""
    with app.app_context():
        w = nominations_world()
        ids = {
            "election": w["election"].id,
            "partners": {g: [p.id for p in ps] for g, ps in w["partners"].items()},
            "rep": {g: [u.email for u in us] for g, us in w["reps"].items()},
            "admin": w["admin"].email,
            "chair": w["chair"].email,
        }
        db.session.commit()
    return ids


def as_user(app, email):
    client = app.test_client()
    login(client, email, PASSWORD)
    return client


@pytest.fixture
def rep(app, world):
    """The first gmina's rep."""
    return as_user(app, world["rep"][G][0])


@pytest.fixture
def admin(app, world):
    return as_user(app, world["admin"])


def good(world, **changes):
    return {
        "full_name": "Łukasz Żak",
        "position": "Sekretarz Gminy",
        "partner_id": str(world["partners"][G][1]),
        "statement": "Od 10 lat w administracji samorządowej.",
        "consent_confirmed": "y",
        **changes,
    }


def candidates(app):
    with app.app_context():
        return db.session.scalars(select(Candidate).order_by(Candidate.id)).all()


def count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Candidate))


def text(response):
    return response.get_data(as_text=True)


def nominate_url(world):
    return f"/candidates/{world['election']}/nominate"


# --- nominating ---------------------------------------------------------------------------


def test_a_rep_sees_only_partners_of_its_own_group(rep, world):
    page = text(rep.get(nominate_url(world)))
    offered = set(re.findall(r'<option value="(\d+)"', page))
    assert offered == {str(i) for i in world["partners"][G]}
    assert "potwierdzam posiadanie podpisanej zgody kandydata".lower() in page.lower()
    assert 'enctype="multipart/form-data"' in page


def test_a_rep_nominates_and_sees_the_nomination(rep, app, world):
    response = post_form(rep, nominate_url(world), good(world))
    assert response.status_code == 302, text(response)[:2000]
    [candidate] = candidates(app)
    assert candidate.full_name == "Łukasz Żak" and candidate.group == G
    assert candidate.status == CandidateStatus.NOMINATED
    page = text(rep.get(f"/candidates/{world['election']}/"))
    assert "Łukasz Żak" in page and "czeka na weryfikację" in page


def test_a_rep_nominates_with_a_scan_instead_of_the_checkbox(rep, app, world):
    data = good(world, consent_scan=(io.BytesIO(PNG), "skan zgody.png"))
    del data["consent_confirmed"]
    response = post_form(rep, nominate_url(world), data, content_type="multipart/form-data")
    assert response.status_code == 302, text(response)[:2000]
    [candidate] = candidates(app)
    assert candidate.consent_scan == PNG and not candidate.consent_confirmed
    download = rep.get(f"/candidates/{world['election']}/{candidate.id}/consent")
    assert download.status_code == 200 and download.data == PNG
    assert download.mimetype == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment;")


BAD = [
    ({"full_name": ""}, "Podaj imię i nazwisko"),
    ({"full_name": "Kowalski"}, "co najmniej dwa wyrazy"),
    ({"full_name": "Jan " + "x" * 200}, "nie może mieć więcej niż"),
    ({"full_name": "<script>alert(1)</script> Kowalski"}, "nie może zawierać"),
    ({"full_name": "Jan Kowalski7"}, "tylko litery"),
    ({"position": ""}, "Podaj stanowisko"),
    ({"position": "x" * 201}, "nie może mieć więcej niż"),
    ({"position": "<b>Wójt</b>"}, "nie może zawierać"),
    ({"statement": "x" * 1001}, "nie może mieć więcej niż"),
    ({"statement": "<a href='x'>klik</a>"}, "nie może zawierać"),
    ({"partner_id": ""}, "Wybierz Partnera"),
    ({"partner_id": "abc"}, "Wybierz Partnera"),
    ({"partner_id": "999999"}, "Wybierz Partnera"),
    ({"partner_id": "99999999999999999999999"}, "Wybierz Partnera"),
    ({"consent_confirmed": ""}, "co najmniej jedno"),
]


@pytest.mark.parametrize(("changes", "message"), BAD)
def test_bad_input_gets_a_polish_message_and_changes_nothing(rep, app, world, changes, message):
    data = good(world, **changes)
    if data.get("consent_confirmed") == "":
        del data["consent_confirmed"]
    response = post_form(rep, nominate_url(world), data)
    assert response.status_code == 400
    body = text(response)
    assert "Błąd:" in body and message in body, body[body.find("<main") :][:3000]
    assert count(app) == 0


@pytest.mark.parametrize(
    ("scan", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "PDF, JPEG lub PNG"),
        (b"PK\x03\x04 word document", "PDF, JPEG lub PNG"),
        (PDF + b"0" * (5 * 1024 * 1024), "najwyżej 5 MB"),
        (b"", "pusty"),
    ],
)
def test_a_bad_scan_is_refused_even_with_a_pdf_name(rep, app, world, scan, message):
    data = good(world, consent_scan=(io.BytesIO(scan), "zgoda.pdf"))
    response = post_form(rep, nominate_url(world), data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in text(response)
    assert count(app) == 0


@pytest.mark.parametrize("scan", [PDF, JPEG])
def test_pdf_and_jpeg_scans_are_accepted(rep, app, world, scan):
    data = good(world, consent_scan=(io.BytesIO(scan), "x.bin"))
    response = post_form(rep, nominate_url(world), data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert candidates(app)[0].consent_scan_filename in ("x.pdf", "x.jpg")


def test_a_forged_partner_id_of_another_group_is_refused(rep, app, world):
    foreign = world["partners"][P][0]
    response = post_form(rep, nominate_url(world), good(world, partner_id=str(foreign)))
    assert response.status_code == 400
    body = text(response)
    assert "z Twojej grupy (gminy)" in body and "należy do innej grupy" in body
    assert count(app) == 0


def test_the_same_person_twice_is_refused(rep, app, world):
    assert post_form(rep, nominate_url(world), good(world)).status_code == 302
    other = as_user(app, world["rep"][G][1])
    response = post_form(
        other,
        nominate_url(world),
        good(world, full_name="ŁUKASZ  żak", partner_id=str(world["partners"][G][1])),
    )
    assert response.status_code == 409
    assert "jedna osoba może kandydować raz" in text(response)
    assert count(app) == 1


def test_no_nominations_after_the_deadline(rep, app, world):
    with app.app_context():
        election = db.session.get(Election, world["election"])
        election.nomination_deadline = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        db.session.commit()
    page = text(rep.get(nominate_url(world)))
    assert "Termin zgłaszania kandydatów minął" in page
    response = post_form(rep, nominate_url(world), good(world))
    assert response.status_code == 409
    assert "Termin zgłaszania kandydatów minął" in text(response)
    assert count(app) == 0


def test_no_nominations_in_the_wrong_phase(app):
    with app.app_context():
        w = nominations_world(phase="draft")
        election_id, email = w["election"].id, w["reps"][G][0].email
        partner_id, admin_email = w["partners"][G][0].id, w["admin"].email
        db.session.commit()
    rep = as_user(app, email)
    data = {
        "full_name": "Jan Nowak",
        "position": "Wójt",
        "partner_id": str(partner_id),
        "consent_confirmed": "y",
    }
    # A draft election is not shown to reps at all.
    assert post_form(rep, f"/candidates/{election_id}/nominate", data).status_code == 404
    admin = as_user(app, admin_email)
    response = post_form(admin, f"/candidates/{election_id}/nominate", data)
    assert response.status_code == 409
    assert "nie jest jeszcze otwarte" in text(response)
    assert count(app) == 0


def test_missing_csrf_token_is_refused(rep, app, world):
    response = rep.post(nominate_url(world), data=good(world))
    assert response.status_code == 400
    assert "Formularz wygasł" in text(response)
    assert count(app) == 0


def test_unknown_election_is_a_polish_404(rep):
    response = rep.get("/candidates/999999/nominate")
    assert response.status_code == 404 and "Nie ma takich wyborów" in text(response)
    for path in ("/candidates/99999999999999999999/", "/candidates/1/99999999999999999999"):
        assert rep.get(path).status_code == 404


def test_observers_and_guests_cannot_nominate(app, client, world):
    assert client.get(nominate_url(world)).status_code == 302
    chair = as_user(app, world["chair"])
    assert post_form(chair, nominate_url(world), good(world)).status_code == 403
    assert count(app) == 0


# --- the admin ----------------------------------------------------------------------------


def test_the_admin_nominates_for_a_partner_of_any_group(admin, app, world):
    city = world["partners"][M][1]
    page = text(admin.get(nominate_url(world)))
    assert (
        f'<option value="{city}"' in page and f'<option value="{world["partners"][G][0]}"' in page
    )
    response = post_form(admin, nominate_url(world), good(world, partner_id=str(city)))
    assert response.status_code == 302
    [candidate] = candidates(app)
    assert candidate.group == M and candidate.nominated_by_partner_id == city


def test_the_admin_lists_verifies_and_rejects(admin, app, world):
    with app.app_context():
        election = db.session.get(Election, world["election"])
        a = make_nomination(election, make_partner(G), "Anna Nowak")
        b = make_nomination(election, make_partner(P), "Bogdan Łęcki", scan=PDF)
        a_id, b_id = a.id, b.id
        db.session.commit()
    page = text(admin.get(f"/candidates/{world['election']}/"))
    assert "Anna Nowak" in page and "Bogdan Łęcki" in page
    assert page.count("czeka na weryfikację") == 2
    assert "Gminy" in page and "Powiaty" in page and "Miasta na prawach powiatu" in page
    response = post_form(admin, f"/candidates/{world['election']}/{a_id}/verify")
    assert response.status_code == 303
    # The reason is required.
    response = post_form(admin, f"/candidates/{world['election']}/{b_id}/reject", {"reason": " "})
    assert response.status_code == 400 and "Podaj powód odrzucenia" in text(response)
    response = post_form(
        admin, f"/candidates/{world['election']}/{b_id}/reject", {"reason": "<b>x</b>"}
    )
    assert response.status_code == 400 and "nie może zawierać" in text(response)
    response = post_form(
        admin, f"/candidates/{world['election']}/{b_id}/reject", {"reason": "Brak podpisu."}
    )
    assert response.status_code == 302
    statuses = {c.full_name: (c.status, c.reject_reason) for c in candidates(app)}
    assert statuses == {
        "Anna Nowak": (CandidateStatus.VERIFIED, None),
        "Bogdan Łęcki": (CandidateStatus.REJECTED, "Brak podpisu."),
    }
    page = text(admin.get(f"/candidates/{world['election']}/"))
    assert "zweryfikowany" in page and "Brak podpisu." in page
    scan = admin.get(f"/candidates/{world['election']}/{b_id}/consent")
    assert scan.status_code == 200 and scan.data == PDF and scan.mimetype == "application/pdf"
    detail = text(admin.get(f"/candidates/{world['election']}/{b_id}"))
    assert "Pobierz skan zgody" in detail


def test_verifying_twice_gets_a_message(admin, app, world):
    with app.app_context():
        election = db.session.get(Election, world["election"])
        a = make_nomination(election, make_partner(G), "Anna Nowak", status="verified")
        a_id = a.id
        db.session.commit()
    response = post_form(
        admin, f"/candidates/{world['election']}/{a_id}/verify", follow_redirects=True
    )
    assert "nie czeka na weryfikację" in text(response)


def test_review_of_a_candidate_of_another_election_is_404(admin, app, world):
    assert post_form(admin, f"/candidates/{world['election']}/999999/verify").status_code == 404
    assert admin.get(f"/candidates/{world['election']}/999999").status_code == 404


def test_reps_cannot_verify_or_reject(rep, app, world):
    with app.app_context():
        election = db.session.get(Election, world["election"])
        a_id = make_nomination(election, make_partner(G), "Anna Nowak").id
        db.session.commit()
    assert post_form(rep, f"/candidates/{world['election']}/{a_id}/verify").status_code == 403
    response = post_form(rep, f"/candidates/{world['election']}/{a_id}/reject", {"reason": "x"})
    assert response.status_code == 403
    assert candidates(app)[0].status == CandidateStatus.NOMINATED


def test_the_chair_sees_the_nominations_without_actions(app, world):
    with app.app_context():
        election = db.session.get(Election, world["election"])
        make_nomination(election, make_partner(G), "Anna Nowak")
        db.session.commit()
    chair = as_user(app, world["chair"])
    page = text(chair.get(f"/candidates/{world['election']}/"))
    assert "Anna Nowak" in page and "Zweryfikuj" not in page and "Opublikuj" not in page


# --- reps: own nominations and withdrawal -------------------------------------------------


def test_a_rep_sees_and_withdraws_only_its_own_partners_nominations(rep, app, world):
    with app.app_context():
        election = db.session.get(Election, world["election"])
        partner = db.session.get(Partner, world["partners"][G][0])
        own = make_nomination(election, partner, "Anna Nowak")
        theirs = make_nomination(election, own.partner, "Ewa Obca", by=make_partner(G))
        own_id, theirs_id = own.id, theirs.id
        db.session.commit()
    page = text(rep.get(f"/candidates/{world['election']}/"))
    assert "Anna Nowak" in page and "Ewa Obca" not in page
    assert rep.get(f"/candidates/{world['election']}/{theirs_id}").status_code == 404
    response = post_form(
        rep, f"/candidates/{world['election']}/{theirs_id}/withdraw", follow_redirects=True
    )
    assert "tylko zgłoszenia dokonane przez Twojego Partnera" in text(response)
    response = post_form(rep, f"/candidates/{world['election']}/{own_id}/withdraw")
    assert response.status_code == 303
    statuses = {c.full_name: c.status for c in candidates(app)}
    assert statuses == {
        "Anna Nowak": CandidateStatus.WITHDRAWN,
        "Ewa Obca": CandidateStatus.NOMINATED,
    }


def test_the_rep_of_another_partner_cannot_download_the_scan(app, world):
    with app.app_context():
        election = db.session.get(Election, world["election"])
        partner = db.session.get(Partner, world["partners"][G][0])
        a_id = make_nomination(election, partner, "Anna Nowak", scan=PDF).id
        db.session.commit()
    other = as_user(app, world["rep"][G][1])
    assert other.get(f"/candidates/{world['election']}/{a_id}/consent").status_code == 404
    chair = as_user(app, world["chair"])
    assert chair.get(f"/candidates/{world['election']}/{a_id}/consent").status_code == 403


# --- publication --------------------------------------------------------------------------


def publish(client, world, confirm=True, **kwargs):
    """The admin's "Opublikuj listę kandydatów", with its tick unless ``confirm`` is false."""
    data = {"confirm": "y"} if confirm else {}
    return post_form(client, f"/candidates/{world['election']}/publish", data, **kwargs)


def test_publishing_names_what_is_missing(admin, app, world):
    with app.app_context():
        election = db.session.get(Election, world["election"])
        make_nomination(election, make_partner(G), "Anna Nowak", status="verified")
        db.session.commit()
    page = text(publish(admin, world, follow_redirects=True))
    assert "Brak zweryfikowanych kandydatów w grupach: powiaty, miasta na prawach powiatu" in page
    with app.app_context():
        election = db.session.get(Election, world["election"])
        make_nomination(election, make_partner(P), "Piotr Kos", status="verified")
        make_nomination(election, make_partner(M), "Maria Mazur", status="verified")
        make_nomination(election, make_partner(M), "Zenon Czekający")
        db.session.commit()
    page = text(publish(admin, world, follow_redirects=True))
    assert "Nie wszystkie zgłoszenia są rozpatrzone" in page and "Zenon Czekający" in page
    with app.app_context():
        assert db.session.get(Election, world["election"]).phase == Phase.NOMINATIONS


def test_publishing_locks_the_list_for_everyone(admin, rep, app, world):
    with app.app_context():
        w_election = db.session.get(Election, world["election"])
        verified = one_verified_per_group(
            {
                "election": w_election,
                "partners": {
                    g: [db.session.get(Partner, i) for i in ids]
                    for g, ids in world["partners"].items()
                },
            }
        )
        gmina_id = verified[G].id
        db.session.commit()
    response = publish(admin, world, follow_redirects=True)
    assert "Opublikowano listę kandydatów (3 osób)" in text(response)
    with app.app_context():
        assert db.session.get(Election, world["election"]).phase == Phase.CANDIDATES_PUBLISHED
        assert db.session.scalar(select(func.count()).select_from(Publication)) == 1
    locked = "zablokowana"
    page = text(rep.get(nominate_url(world)))
    assert locked in page
    response = post_form(rep, nominate_url(world), good(world))
    assert response.status_code == 409 and locked in text(response)
    for action in ("verify", "withdraw"):
        response = post_form(
            admin, f"/candidates/{world['election']}/{gmina_id}/{action}", follow_redirects=True
        )
        assert locked in text(response)
    response = post_form(
        admin, f"/candidates/{world['election']}/{gmina_id}/reject", {"reason": "Za późno"}
    )
    assert response.status_code == 302
    response = post_form(
        rep, f"/candidates/{world['election']}/{gmina_id}/withdraw", follow_redirects=True
    )
    assert locked in text(response)
    assert locked in text(publish(admin, world, follow_redirects=True))
    assert [c.status for c in candidates(app)] == [CandidateStatus.VERIFIED] * 3
    assert count(app) == 3


def test_publishing_the_list_needs_the_tick_that_says_what_will_happen(admin, app, world):
    with app.app_context():
        one_verified_per_group(
            {
                "election": db.session.get(Election, world["election"]),
                "partners": {
                    g: [db.session.get(Partner, i) for i in ids]
                    for g, ids in world["partners"].items()
                },
            }
        )
        db.session.commit()
    page = text(admin.get(f"/candidates/{world['election']}/"))
    assert "Potwierdzam: lista kandydatów zostanie zablokowana i trafi do kursu" in page
    response = publish(admin, world, confirm=False)
    assert response.status_code == 303
    page = text(admin.get(response.headers["Location"]))
    assert "Zaznacz potwierdzenie, aby opublikować listę kandydatów." in page
    with app.app_context():
        assert db.session.get(Election, world["election"]).phase == Phase.NOMINATIONS
        assert db.session.scalar(select(func.count()).select_from(Publication)) == 0
    page = text(publish(admin, world, follow_redirects=True))
    assert "Opublikowano listę kandydatów (3 osób)" in page
    with app.app_context():
        assert db.session.get(Election, world["election"]).phase == Phase.CANDIDATES_PUBLISHED
