"""Dead end C through the pages: a group had fewer candidates than seats. The chair gets
out by supplementary nominations and a round for the open seats, or by recording a
vacancy and certifying the Council with it."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from election.audit.models import AuditEvent
from election.auth.models import Role, User
from election.candidates import nominations, supplements
from election.candidates.models import Candidate, CandidateStatus, Supplement
from election.candidates.published import published_list
from election.council import guide
from election.council.composition import council_members
from election.council.models import Vacancy
from election.elections.models import Election, Phase
from election.errors import WrongPhase
from election.extensions import db
from election.meeting import guide as meeting_guide
from election.partners.models import Partner, PartnerGroup
from election.voting.models import Round, RoundStatus
from tests.factories import SYSTEM
from tests.factories.council import short_election
from tests.factories.elections import logged_in
from tests.factories.tally import cast
from tests.support.web import post_form

POWIAT = PartnerGroup.POWIAT


@pytest.fixture
def short(app):
    """An election in voting whose powiaty elected 1 of 2 (one candidate only)."""
    with app.app_context():
        world = short_election()
        db.session.commit()
        return {
            "id": world["election"].id,
            "spare": world["spare"].id,
            "powiaty": [p.id for p in world["partners"][POWIAT]],
            "rep": world["reps"][POWIAT][3].id,
            "gmina": world["partners"][PartnerGroup.GMINA][3].id,
        }


@pytest.fixture
def chair(app, client):
    logged_in(app, client, Role.CHAIR)
    return client


def _text(response) -> str:
    return response.get_data(as_text=True)


def _nominate(client, eid, partner_id, name="Zofia Nałkowska"):
    return post_form(
        client,
        f"/council/{eid}/supplements/powiat/nominate",
        {
            "full_name": name,
            "position": "Sekretarz Powiatu",
            "partner_id": str(partner_id),
            "statement": "",
            "consent_confirmed": "y",
        },
        follow_redirects=True,
    )


def _candidate(app, name):
    with app.app_context():
        return db.session.scalar(select(Candidate).where(Candidate.full_name == name)).id


def test_the_council_page_explains_a_short_group_and_offers_both_ways_out(chair, short):
    body = _text(chair.get(f"/council/{short['id']}/"))
    assert "Za mało kandydatów: co dalej" in body
    assert "wybrano 1 z 2 członków, bo kandydatów było za mało" in body
    assert "Otwórz zgłoszenia uzupełniające: powiaty" in body
    assert "Zapisz wakat: powiaty" in body
    assert "Następny krok" in body


def test_supplementary_nominations_lead_to_a_round_for_the_open_seat_and_a_council(
    app, chair, runner, short
):
    eid = short["id"]
    body = _text(post_form(chair, f"/council/{eid}/supplements/powiat/open", follow_redirects=True))
    assert "Otwarto zgłoszenia uzupełniające w grupie „powiaty”" in body
    assert "Zgłoś kandydata w imieniu Partnera" in body

    body = _text(_nominate(chair, eid, short["spare"]))
    assert "Zgłoszono kandydata Zofia Nałkowska" in body
    zofia = _candidate(app, "Zofia Nałkowska")
    # Not on the public list before the supplement is published.
    with app.app_context():
        election = db.session.get(Election, eid)
        assert "Zofia Nałkowska" not in [
            c.full_name for c in published_list(db.session, election)[POWIAT]
        ]

    # Publishing waits for every nomination to be verified.
    body = _text(
        post_form(
            chair,
            f"/council/{eid}/supplements/powiat/publish",
            {"confirm": "y"},
            follow_redirects=True,
        )
    )
    assert "Nie wszystkie zgłoszenia są rozpatrzone" in body
    body = _text(
        post_form(
            chair, f"/council/{eid}/supplements/candidates/{zofia}/verify", follow_redirects=True
        )
    )
    assert "Zweryfikowano zgłoszenie: Zofia Nałkowska" in body
    # The button says what will happen; without its tick nothing is published.
    assert "Potwierdzam: zgłoszenia zostaną zablokowane i opublikowane" in body
    body = _text(
        post_form(chair, f"/council/{eid}/supplements/powiat/publish", follow_redirects=True)
    )
    assert "Zaznacz potwierdzenie, aby opublikować zgłoszenia uzupełniające" in body
    with app.app_context():
        assert db.session.scalar(select(Supplement)).published_at is None
        assert (
            db.session.scalar(select(Round).where(Round.election_id == eid, Round.number == 2))
            is None
        )
    body = _text(
        post_form(
            chair,
            f"/council/{eid}/supplements/powiat/publish",
            {"confirm": "y"},
            follow_redirects=True,
        )
    )
    assert "Utworzono turę nr 2 dla wolnych miejsc (1)" in body

    with app.app_context():
        election = db.session.get(Election, eid)
        round_ = db.session.scalar(select(Round).where(Round.election_id == eid, Round.number == 2))
        assert (round_.group, round_.seats, round_.status) == (POWIAT, 1, RoundStatus.PENDING)
        assert [c.full_name for c in round_.candidates] == ["Zofia Nałkowska"]
        assert "Zofia Nałkowska" in [
            c.full_name for c in published_list(db.session, election)[POWIAT]
        ]
        supplement = db.session.scalar(select(Supplement))
        assert supplement.round_id == round_.id and supplement.published_at is not None
        round_id = round_.id

    # The round is an ordinary one: opened and closed by the chair, counted on closing.
    assert post_form(chair, f"/voting/{eid}/chair/rounds/{round_id}/open").status_code == 303
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        for partner_id in short["powiaty"][:3]:
            cast(round_, db.session.get(Partner, partner_id), [zofia])
        db.session.commit()
    post_form(chair, f"/voting/{eid}/chair/rounds/{round_id}/close", {"confirm": "y"})
    post_form(chair, f"/elections/{eid}/close-voting", {"confirm": "y"})

    body = _text(chair.get(f"/council/{eid}/certify"))
    assert "Zofia Nałkowska" in body and "Zatwierdzam wyniki i skład Rady" in body
    response = post_form(chair, f"/council/{eid}/certify", {"starts_on": "", "ends_on": ""})
    assert response.status_code == 302
    with app.app_context():
        election = db.session.get(Election, eid)
        assert election.phase is Phase.CERTIFIED
        members = council_members(db.session, election)
        assert len(members) == election.council_size == 9
        assert "Zofia Nałkowska" in [m.name for m in members]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_a_rep_of_the_group_may_nominate_in_the_open_supplement_but_no_other_group(
    app, chair, short
):
    eid = short["id"]
    post_form(chair, f"/council/{eid}/supplements/powiat/open")
    with app.app_context():
        election = db.session.get(Election, eid)
        rep = db.session.get(User, short["rep"])
        candidate = nominations.nominate_as_rep(
            db.session,
            SYSTEM,
            rep,
            election,
            nominations.Nomination(
                "Jan Brzechwa", "Starosta", rep.partner_id, consent_confirmed=True
            ),
        )
        assert candidate.supplement_id is not None
        assert candidate.status is CandidateStatus.NOMINATED
        gmina = nominations.Nomination(
            "Ewa Szelburg", "Wójt", short["gmina"], consent_confirmed=True
        )
        with pytest.raises(WrongPhase):
            nominations.nominate_as_admin(db.session, SYSTEM, election, gmina)


def test_publishing_a_supplement_without_candidates_is_refused_and_says_what_to_do(
    app, chair, short
):
    eid = short["id"]
    post_form(chair, f"/council/{eid}/supplements/powiat/open")
    body = _text(
        post_form(
            chair,
            f"/council/{eid}/supplements/powiat/publish",
            {"confirm": "y"},
            follow_redirects=True,
        )
    )
    assert "Nie ma zweryfikowanych kandydatów" in body and "zapisz wakat" in body
    body = _text(
        post_form(chair, f"/council/{eid}/supplements/powiat/cancel", follow_redirects=True)
    )
    assert "Anulowano zgłoszenia uzupełniające" in body
    with app.app_context():
        assert db.session.scalar(select(Round).where(Round.number == 2)) is None


def test_a_supplement_is_refused_for_a_group_that_is_not_short(app, chair, short):
    body = _text(
        post_form(chair, f"/council/{short['id']}/supplements/gmina/open", follow_redirects=True)
    )
    assert "zakończyło się, a miejsca zostały wolne" in body
    with app.app_context():
        assert db.session.scalar(select(Supplement)) is None


def test_a_rejected_supplementary_nomination_needs_a_reason(app, chair, short):
    eid = short["id"]
    post_form(chair, f"/council/{eid}/supplements/powiat/open")
    _nominate(chair, eid, short["spare"])
    zofia = _candidate(app, "Zofia Nałkowska")
    body = _text(
        post_form(
            chair,
            f"/council/{eid}/supplements/candidates/{zofia}/reject",
            {"reason": ""},
            follow_redirects=True,
        )
    )
    assert "Podaj powód odrzucenia" in body
    body = _text(
        post_form(
            chair,
            f"/council/{eid}/supplements/candidates/{zofia}/reject",
            {"reason": "Brak zgody kandydatki."},
            follow_redirects=True,
        )
    )
    assert "Odrzucono zgłoszenie: Zofia Nałkowska" in body
    with app.app_context():
        assert db.session.get(Candidate, zofia).status is CandidateStatus.REJECTED


def test_a_vacancy_is_recorded_and_the_council_certified_with_it(app, client):
    with app.app_context():
        world = short_election(closed=True)
        db.session.commit()
        eid = world["election"].id
    logged_in(app, client, Role.CHAIR)
    body = _text(client.get(f"/council/{eid}/"))
    # Voting is over: supplementary nominations are no longer offered, a vacancy is.
    assert "Otwórz zgłoszenia uzupełniające" not in body
    assert "Zapisz wakat — mandat obsadzą wybory uzupełniające" in body
    assert f"/council/{eid}/certify" not in body

    body = _text(
        post_form(
            client,
            f"/council/{eid}/vacancies",
            {"group": "powiat", "reason": "Zgłoszono tylko jednego kandydata."},
            follow_redirects=True,
        )
    )
    assert "Zapisano wakat w grupie „powiaty” (miejsca: 1)" in body
    assert "zapisane jako wakat" in body
    assert f"/council/{eid}/certify" in body

    body = _text(client.get(f"/council/{eid}/certify"))
    assert "wakat" in body and "do obsadzenia w wyborach uzupełniających" in body
    assert "Wpis z wynikami, składem Rady i protokołem w kursie na platformie LMS" in body
    assert post_form(client, f"/council/{eid}/certify").status_code == 302

    with app.app_context():
        election = db.session.get(Election, eid)
        assert election.phase is Phase.CERTIFIED
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "council.certified")
        )
        assert event.details["vacancies"] == {"powiat": 1}
        assert len(event.details["council"]) == 8
        steps = guide.council_steps(db.session, election)
        assert [s.code for s in steps] == [guide.BY_ELECTION_NEEDED]
    public = _text(client.get(f"/public/elections/{eid}/results"))
    assert "Wakat" in public and "Zgłoszono tylko jednego kandydata." in public
    assert client.get(f"/api/v1/elections/{eid}/results").get_json()["vacancies"] == {"powiat": 1}
    pdf = client.get(f"/council/{eid}/protocol.pdf").data
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Wakat — powiaty" in text


def test_a_vacancy_twice_or_for_a_complete_group_is_refused(app, client):
    with app.app_context():
        world = short_election(closed=True)
        db.session.commit()
        eid = world["election"].id
    logged_in(app, client, Role.CHAIR)
    post_form(client, f"/council/{eid}/vacancies", {"group": "powiat", "reason": "Za mało."})
    body = _text(
        post_form(
            client,
            f"/council/{eid}/vacancies",
            {"group": "powiat", "reason": "Jeszcze raz."},
            follow_redirects=True,
        )
    )
    assert "Wakat w grupie „powiaty” jest już zapisany" in body
    body = _text(
        post_form(
            client,
            f"/council/{eid}/vacancies",
            {"group": "gmina", "reason": "Bez powodu."},
            follow_redirects=True,
        )
    )
    assert "wakat zapisuje się tylko wtedy, gdy kandydatów było za mało" in body
    with app.app_context():
        assert len(db.session.scalars(select(Vacancy)).all()) == 1


def test_a_withdrawn_vacancy_lets_the_chair_open_supplementary_nominations(app, chair, short):
    eid = short["id"]
    post_form(chair, f"/council/{eid}/vacancies", {"group": "powiat", "reason": "Za mało."})
    body = _text(post_form(chair, f"/council/{eid}/supplements/powiat/open", follow_redirects=True))
    assert "zapisano wakat; wycofaj go" in body
    with app.app_context():
        vacancy_id = db.session.scalar(select(Vacancy.id))
    post_form(chair, f"/council/{eid}/vacancies/{vacancy_id}/cancel")
    body = _text(post_form(chair, f"/council/{eid}/supplements/powiat/open", follow_redirects=True))
    assert "Otwarto zgłoszenia uzupełniające" in body


def test_recording_a_vacancy_cancels_open_supplementary_nominations(app, chair, short):
    eid = short["id"]
    post_form(chair, f"/council/{eid}/supplements/powiat/open")
    _nominate(chair, eid, short["spare"])
    post_form(chair, f"/council/{eid}/vacancies", {"group": "powiat", "reason": "Za mało."})
    with app.app_context():
        supplement = db.session.scalar(select(Supplement))
        assert supplement.cancelled_at is not None
        zofia = db.session.scalar(select(Candidate).where(Candidate.full_name == "Zofia Nałkowska"))
        assert zofia.status is CandidateStatus.WITHDRAWN
        assert db.session.scalar(select(Vacancy)).seats == 1


def test_supplementary_nominations_stranded_by_closing_the_voting_end_in_a_vacancy(
    app, chair, short
):
    eid = short["id"]
    post_form(chair, f"/council/{eid}/supplements/powiat/open")
    with app.app_context():
        db.session.get(Election, eid).phase = Phase.CLOSED  # the voting closed meanwhile
        db.session.commit()
    body = _text(chair.get(f"/council/{eid}/"))
    assert "a głosowanie jest zakończone — zapisz wakat" in body
    assert "Zapisz wakat: powiaty" in body
    assert "Głosowanie jest zakończone" in _text(chair.get(f"/council/{eid}/supplements/powiat"))
    post_form(chair, f"/council/{eid}/vacancies", {"group": "powiat", "reason": "Za mało."})
    with app.app_context():
        assert db.session.scalar(select(Supplement)).cancelled_at is not None
        election = db.session.get(Election, eid)
        assert [s.code for s in guide.council_steps(db.session, election)] == [guide.CERTIFY]


def test_the_voting_does_not_close_while_supplementary_nominations_are_open(app, chair, short):
    eid = short["id"]
    post_form(chair, f"/council/{eid}/supplements/powiat/open")
    with app.app_context():
        election = db.session.get(Election, eid)
        steps = [str(s.code) for s in meeting_guide.next_steps(db.session, election)]
        assert "close_voting" not in steps and guide.SUPPLEMENT_OPEN in steps

    body = _text(
        post_form(chair, f"/elections/{eid}/close-voting", {"confirm": "y"}, follow_redirects=True)
    )
    assert "W grupie „powiaty” trwają zgłoszenia uzupełniające" in body
    with app.app_context():
        assert db.session.get(Election, eid).phase is Phase.VOTING

    # Cancelled, they no longer hold the voting open.
    with app.app_context():
        election = db.session.get(Election, eid)
        supplements.cancel(db.session, SYSTEM, election, db.session.scalar(select(Supplement)))
        db.session.commit()
        steps = [str(s.code) for s in meeting_guide.next_steps(db.session, election)]
        assert "close_voting" in steps
