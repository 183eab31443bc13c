"""The Council over its term, through the pages: a member resigns, a by-election fills
the seat with the same machinery, an appointing body names a successor; the public page
and the API show the current Council and who held which seat when."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from election.audit.models import AuditEvent
from election.auth.models import Role
from election.candidates.models import Candidate
from election.council import guide, term
from election.council.audit import verify_council
from election.council.by_elections import announce
from election.council.models import AppointedSeat, Appointment, MandateEnd, MandateEndReason
from election.elections.models import Election, Phase, RulesStatus
from election.elections.service import ByElectionData
from election.errors import Conflict, ValidationFailed
from election.extensions import db
from election.partners.models import Partner, PartnerGroup
from election.publishing.content import render
from election.publishing.models import Publication
from election.voting.models import Round
from tests.factories import SYSTEM, freeze_roll, give_key, make_candidate, make_round
from tests.factories.council import certified_council, closed_election, count
from tests.factories.elections import logged_in
from tests.factories.tally import cast
from tests.support.web import post_form

POWIAT = PartnerGroup.POWIAT


@pytest.fixture
def council(app):
    """A certified Council whose term began 30 days ago."""
    with app.app_context():
        world = certified_council()
        db.session.commit()
        powiat = world["candidates"][POWIAT]
        return {
            "id": world["election"].id,
            "started": world["started"],
            "leaving": powiat[0].id,
            "leaving_name": powiat[0].full_name,
            "staying_name": powiat[1].full_name,
            "powiaty": [p.id for p in world["partners"][POWIAT]],
            "gmina": world["partners"][PartnerGroup.GMINA][3].id,
            "scsi": db.session.scalar(
                select(Appointment.id).where(
                    Appointment.election_id == world["election"].id,
                    Appointment.seat == AppointedSeat.SCSI,
                    Appointment.slot == 2,
                )
            ),
        }


def _text(response) -> str:
    return response.get_data(as_text=True)


def _resign(client, council, day=None):
    day = day or term.today() - dt.timedelta(days=2)
    return post_form(
        client,
        f"/council/{council['id']}/term/c{council['leaving']}/end",
        {"ended_on": day.isoformat(), "reason": "resignation", "note": "Pismo z rezygnacją"},
        follow_redirects=True,
    )


def test_a_by_election_after_a_member_resigns_fills_the_seat(app, client, runner, council):
    eid = council["id"]
    logged_in(app, client, Role.CHAIR)
    body = _text(client.get(f"/council/{eid}/term"))
    assert "Obecny skład" in body and council["leaving_name"] in body
    assert "Wszystkie miejsca w Radzie są obsadzone." in body

    # --- the chair records the resignation ---------------------------------------------
    body = _text(_resign(client, council))
    assert f"Zapisano wygaśnięcie mandatu: {council['leaving_name']}" in body
    assert "1 wolne miejsce" in body
    assert "Wybory uzupełniające ogłasza administrator." in body
    with app.app_context():
        election = db.session.get(Election, eid)
        assert [s.code for s in guide.council_steps(db.session, election)] == [
            guide.BY_ELECTION_NEEDED
        ]
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "council.mandate_ended")
        )
        assert event.details["reason"] == "resignation"
        assert event.details["name"] == council["leaving_name"]

    # --- the admin announces the by-election --------------------------------------------
    admin = app.test_client()
    logged_in(app, admin, Role.ADMIN)
    body = _text(admin.get(f"/council/{eid}/term/by-elections/powiat"))
    assert "Wybory obsadzą 1 wolne miejsce w grupie." in body
    response = post_form(
        admin,
        f"/council/{eid}/term/by-elections/powiat",
        {
            "title": "Wybory uzupełniające — powiaty",
            "cutoff_date": term.today().isoformat(),
            "meeting_date": term.today().isoformat(),
            "meeting_place": "Katowice",
            "nomination_deadline": "",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        by = db.session.scalar(select(Election).where(Election.completes_id == eid))
        assert (by.seats_gmina, by.seats_powiat, by.seats_miasto_npp) == (0, 1, 0)
        assert (by.leader_seats, by.scsi_seats, by.phase) == (0, 0, Phase.DRAFT)
        assert by.rules.status is RulesStatus.ADOPTED
        bid = by.id
    assert response.headers["Location"].endswith(f"/elections/{bid}")
    assert admin.get(f"/elections/{bid}").status_code == 200
    # A second by-election for the same seat is refused: it is being filled.
    body = _text(admin.get(f"/council/{eid}/term/by-elections/powiat"))
    assert "nie ma wolnych miejsc do obsadzenia" in body

    # --- the by-election runs like any election -----------------------------------------
    assert post_form(admin, f"/elections/{bid}/open-nominations", {"confirm": "y"}).status_code in (
        302,
        303,
    )
    spare = council["powiaty"][3]
    nominate = {
        "full_name": "Maria Konopnicka",
        "position": "Skarbnik Powiatu",
        "partner_id": str(spare),
        "statement": "",
        "consent_confirmed": "y",
    }
    assert post_form(admin, f"/candidates/{bid}/nominate", nominate).status_code == 302
    body = _text(
        post_form(
            admin,
            f"/candidates/{bid}/nominate",
            {**nominate, "full_name": "Ewa Szelburg", "partner_id": str(council["gmina"])},
        )
    )
    assert "W tych wyborach nie ma miejsc dla grupy „gminy”" in body
    with app.app_context():
        maria = db.session.scalar(
            select(Candidate).where(Candidate.full_name == "Maria Konopnicka")
        )
        maria_id = maria.id
    post_form(admin, f"/candidates/{bid}/{maria_id}/verify")
    post_form(admin, f"/candidates/{bid}/publish", {"confirm": "y"})
    response = post_form(admin, f"/elections/{bid}/start-voting", {"custody": "server"})
    assert response.status_code == 303, _text(response)[:2000]
    post_form(client, f"/voting/{bid}/chair/open-all")
    with app.app_context():
        round_ = db.session.scalar(select(Round).where(Round.election_id == bid))
        assert (round_.group, round_.seats) == (POWIAT, 1)
        for partner_id in council["powiaty"][:3]:
            cast(round_, db.session.get(Partner, partner_id), [maria_id])
        db.session.commit()
        round_id = round_.id
    post_form(client, f"/voting/{bid}/chair/rounds/{round_id}/close", {"confirm": "y"})
    post_form(client, f"/elections/{bid}/close-voting", {"confirm": "y"})
    body = _text(client.get(f"/council/{bid}/certify"))
    assert "dołączą do Rady" in body and "Maria Konopnicka" in body
    assert "Kadencja Rady" not in body
    assert post_form(client, f"/council/{bid}/certify").status_code == 302

    # --- the Council now, and its history ------------------------------------------------
    with app.app_context():
        election = db.session.get(Election, eid)
        now = term.council_term(db.session, election)
        current = {t.member.name: t for t in now.members_on(term.today())}
        assert "Maria Konopnicka" in current and council["leaving_name"] not in current
        assert current["Maria Konopnicka"].by_election_id == bid
        assert len(current) == 9 and now.open_seats(term.today())[POWIAT] == 0
        assert guide.council_steps(db.session, election) == []
        # The certified composition is what was certified: audit verify still agrees.
        assert verify_council(db.session) == []
    public = _text(client.get(f"/public/elections/{eid}/council"))
    assert "Obecny skład Rady" in public and "Maria Konopnicka" in public
    assert "Historia składu Rady" in public and "rezygnacja" in public
    assert client.get(f"/public/elections/{bid}/council").status_code == 302
    data = app.test_client().get(f"/api/v1/elections/{eid}/council").get_json()
    assert data["election"]["id"] == eid and data["term"]["running"] is True
    members = {m["name"]: m for m in data["members"]}
    assert members["Maria Konopnicka"]["by_election"] == bid
    assert data["open_seats"] == {"gmina": 0, "powiat": 0, "miasto_npp": 0}
    leaving = next(t for t in data["history"] if t["name"] == council["leaving_name"])
    assert leaving["end_reason"] == "resignation" and leaving["until"] is not None
    assert [b["id"] for b in data["by_elections"]] == [bid]
    assert data["by_elections"][0]["completes"] == eid
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    # The by-election's results post is queued and renders; so do its protocol and page.
    with app.app_context():
        publication = db.session.scalar(select(Publication).where(Publication.election_id == bid))
        assert "Maria Konopnicka" in render(db.session, publication).message
    assert client.get(f"/council/{bid}/protocol.pdf").status_code == 200
    assert "Maria Konopnicka" in _text(client.get(f"/public/elections/{bid}/results"))


def test_the_appointing_body_names_a_successor_during_the_term(app, client, council):
    eid = council["id"]
    logged_in(app, client, Role.ADMIN)
    document_day = term.today() - dt.timedelta(days=3)
    response = post_form(
        client,
        f"/council/{eid}/appointments/{council['scsi']}/replace",
        {
            "full_name": "Wisława Szymborska",
            "position": "Kierownik Działu",
            "authority": "",
            "document_ref": "Zarządzenie nr 40/2026",
            "document_date": document_day.isoformat(),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        election = db.session.get(Election, eid)
        now = term.council_term(db.session, election)
        old = next(t for t in now.tenures if t.appointment_id == council["scsi"])
        assert (old.until, old.reason) == (document_day, MandateEndReason.RECALLED)
        new = next(t for t in now.members_on(term.today()) if t.member.name == "Wisława Szymborska")
        assert (new.since, new.slot) == (document_day, 2)
        assert verify_council(db.session) == []
    body = _text(client.get(f"/public/elections/{eid}/council"))
    assert "Wisława Szymborska" in body and "odwołanie przez organ powołujący" in body


def test_an_appointed_place_left_by_a_death_is_filled_by_a_successor(app, client, council):
    eid = council["id"]
    logged_in(app, client, Role.CHAIR)
    ended = term.today() - dt.timedelta(days=5)
    post_form(
        client,
        f"/council/{eid}/term/a{council['scsi']}/end",
        {"ended_on": ended.isoformat(), "reason": "death", "note": ""},
    )
    body = _text(client.get(f"/council/{eid}/term"))
    assert "organ powołujący wskazuje następcę" in body
    assert f"/council/{eid}/appointments/{council['scsi']}/replace" in body
    with app.app_context():
        election = db.session.get(Election, eid)
        assert [s.code for s in guide.council_steps(db.session, election)] == [
            guide.REPLACEMENT_NEEDED
        ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ended_on": "2999-01-01"}, "między"),
        ({"reason": "recalled"}, "Członka wybranego nie odwołuje organ powołujący"),
        ({"reason": "other", "note": ""}, "Opisz przyczynę"),
    ],
)
def test_a_bad_end_of_mandate_is_refused_with_a_message(app, client, council, changes, message):
    logged_in(app, client, Role.CHAIR)
    data = {
        "ended_on": (term.today() - dt.timedelta(days=1)).isoformat(),
        "reason": "resignation",
        "note": "",
        **changes,
    }
    response = post_form(client, f"/council/{council['id']}/term/c{council['leaving']}/end", data)
    assert response.status_code in (400, 409)
    assert message in _text(response)
    with app.app_context():
        assert db.session.scalar(select(MandateEnd)) is None


def test_a_mandate_ends_once(app, client, council):
    logged_in(app, client, Role.CHAIR)
    _resign(client, council)
    with app.app_context():
        election = db.session.get(Election, council["id"])
        with pytest.raises(Conflict):
            term.end_mandate(
                db.session,
                SYSTEM,
                election,
                f"c{council['leaving']}",
                term.today(),
                MandateEndReason.DEATH,
            )


def test_the_partner_leaving_is_no_reason_for_an_appointed_member(ctx):
    world = certified_council()
    scsi = world["appointments"][1]
    with pytest.raises(ValidationFailed):
        term.end_mandate(
            db.session,
            SYSTEM,
            world["election"],
            f"a{scsi.id}",
            term.today(),
            MandateEndReason.PARTNER_LEFT,
        )


def test_nothing_changes_once_the_term_is_over(ctx):
    started = term.today() - dt.timedelta(days=400)
    world = certified_council(started=started, ends=term.today() - dt.timedelta(days=10))
    member = world["candidates"][POWIAT][0]
    with pytest.raises(Conflict) as exc:
        term.end_mandate(
            db.session,
            SYSTEM,
            world["election"],
            f"c{member.id}",
            term.today() - dt.timedelta(days=20),
            MandateEndReason.RESIGNATION,
        )
    assert "Kadencja tej Rady nie trwa" in str(exc.value)


def test_before_certification_there_is_no_council_to_show(app, client):
    with app.app_context():
        eid = closed_election()["election"].id
        db.session.commit()
    assert client.get(f"/public/elections/{eid}/council").status_code == 404
    response = client.get(f"/api/v1/elections/{eid}/council")
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_a_by_election_may_not_elect_someone_already_sitting(app, client, council):
    """One person, one seat across the Council: the by-election's winner who already sits
    in the Council (here: an appointee) is refused at certification, with the way out."""
    eid = council["id"]
    logged_in(app, client, Role.CHAIR)
    _resign(client, council)
    with app.app_context():
        election = db.session.get(Election, eid)
        by = announce(
            db.session, SYSTEM, election, POWIAT, ByElectionData("Uzupełniające", term.today())
        )
        sitting = db.session.get(Appointment, council["scsi"]).full_name
        powiaty = [db.session.get(Partner, pid) for pid in council["powiaty"]]
        by.phase = Phase.VOTING
        give_key(by)
        freeze_roll(by, powiaty)
        candidate = make_candidate(by, powiaty[3], sitting)
        round_ = make_round(by, POWIAT, [candidate])
        count(round_, powiaty, [[candidate]] * 3)
        by.phase = Phase.CLOSED
        db.session.commit()
        bid = by.id
    response = post_form(client, f"/council/{bid}/certify")
    assert response.status_code == 409
    assert "Jedna osoba, jedno miejsce" in _text(response)
