"""Election pages: setup, phases, the roll, the Regulamin with its e-mails, the motion."""

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from election.auth.models import Role
from election.elections.models import (
    Election,
    MotionChoice,
    MotionStatus,
    MotionVote,
    Phase,
    Rules,
    RulesStatus,
)
from election.extensions import db
from election.partners.models import Partner, PartnerGroup
from tests.factories import GROUPS, make_election, make_partner, make_user
from tests.factories.elections import PDF, logged_in, make_motion, make_rules
from tests.support.web import post_form

#: The tick of an irreversible action's button (macros/confirm.html).
TICK = {"confirm": "y"}

GOOD = {
    "title": "Wybory Rady ds. systemu SEKAP 2026",
    "term": "2026–2030",
    "meeting_date": "2026-06-18",
    "meeting_place": "Katowice, ul. Ligonia 46",
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
    "nomination_deadline": "2026-06-10T15:30",
    "quorum_percent": "",
}


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin(app, client):
    logged_in(app, client, Role.ADMIN)
    return client


@pytest.fixture
def chair(app, client):
    logged_in(app, client, Role.CHAIR)
    return client


def election_id(app, phase: str = "draft", **fields) -> int:
    with app.app_context():
        election = make_election(phase, **fields)
        db.session.commit()
        return election.id


def load(app, model, object_id):
    with app.app_context():
        obj = db.session.get(model, object_id)
        db.session.expunge_all()
        return obj


# --- setup ---------------------------------------------------------------------------------


def test_admin_creates_an_election_with_the_deadline_in_warsaw_time(admin, app):
    response = post_form(admin, "/elections/new", GOOD)
    assert response.status_code == 302, body(response)[:2000]
    with app.app_context():
        election = db.session.scalar(select(Election))
        assert election.title == GOOD["title"] and election.phase == Phase.DRAFT
        assert election.nomination_deadline == dt.datetime(2026, 6, 10, 13, 30, tzinfo=dt.UTC)
        assert election.quorum_percent is None and election.secret is True
        election_id = election.id
    page = body(admin.get(f"/elections/{election_id}"))
    assert "10.06.2026, 15:30" in page and "projekt" in page
    edit = body(admin.get(f"/elections/{election_id}/edit"))
    assert 'value="2026-06-10T15:30"' in edit


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Podaj nazwę wyborów"),
        ({"title": "<b>Wybory</b>"}, "nie może zawierać"),
        ({"seats_gmina": "0"}, "od 1 do 20"),
        ({"seats_powiat": "dwa"}, "Błąd:"),
        ({"scsi_seats": "6"}, "od 0 do 5"),
        ({"quorum_percent": "150"}, "od 0 do 100"),
        ({"cutoff_date": ""}, "Podaj datę graniczną"),
        ({"cutoff_date": "31.02.2026"}, "Błąd:"),
        ({"nomination_deadline": "jutro"}, "Błąd:"),
        ({"tie_rule": "coin"}, "Nieprawidłowy wybór"),
        ({"majority_rule": "qualified"}, "Nieprawidłowy wybór"),
    ],
)
def test_bad_election_settings_get_a_message_and_nothing_is_written(admin, app, changes, message):
    response = post_form(admin, "/elections/new", {**GOOD, **changes})
    assert response.status_code == 400
    assert message in body(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Election)) == 0


def test_an_unchecked_secret_box_means_an_open_ballot(admin, app):
    data = {k: v for k, v in GOOD.items() if k != "secret"}
    assert post_form(admin, "/elections/new", data).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Election.secret)) is False


def test_vote_settings_cannot_be_edited_in_voting(admin, app):
    eid = election_id(app, "voting")
    page = admin.get(f"/elections/{eid}/edit")
    assert "zablokowane" in body(page)
    response = post_form(admin, f"/elections/{eid}/edit", {**GOOD, "seats_gmina": "3"})
    assert response.status_code == 409
    assert "nie można już zmieniać" in body(response)
    assert load(app, Election, eid).seats_gmina == 2


def test_chair_sees_elections_but_cannot_create_or_edit(chair, app):
    eid = election_id(app)
    assert chair.get("/elections").status_code == 200
    assert chair.get(f"/elections/{eid}").status_code == 200
    assert chair.get("/elections/new").status_code == 403
    assert post_form(chair, "/elections/new", GOOD).status_code == 403
    assert chair.get(f"/elections/{eid}/edit").status_code == 403
    assert post_form(chair, f"/elections/{eid}/open-nominations", TICK).status_code == 403


def test_a_rep_cannot_create_elections_or_see_setup_pages(app, client):
    with app.app_context():
        partner_id = make_partner().id
        db.session.commit()
    logged_in(app, client, Role.PARTNER_REP, partner_id)
    eid = election_id(app)
    assert client.get("/elections/new").status_code == 403
    assert post_form(client, "/elections/new", GOOD).status_code == 403
    assert client.get(f"/elections/{eid}").status_code == 403
    assert client.get(f"/elections/{eid}/roll").status_code == 403
    assert client.get(f"/elections/{eid}/rules/edit").status_code == 403
    assert client.get(f"/elections/{eid}/motion").status_code == 403
    assert post_form(client, f"/elections/{eid}/start-voting").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Election)) == 1


def test_a_guest_is_sent_to_login(client, app):
    eid = election_id(app)
    response = client.get(f"/elections/{eid}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_unknown_election_is_404(admin):
    assert admin.get("/elections/999").status_code == 404
    assert admin.get("/elections/999/roll").status_code == 404


# --- phases --------------------------------------------------------------------------------


def test_an_out_of_order_transition_is_refused_with_the_reason(admin, app):
    eid = election_id(app, "draft")
    response = post_form(admin, f"/elections/{eid}/start-voting", follow_redirects=True)
    page = body(response)
    assert "Błąd:" in page and "nie można przejść do fazy" in page
    assert load(app, Election, eid).phase == Phase.DRAFT


def test_admin_walks_the_phases_and_the_roll_freezes(admin, app):
    with app.app_context():
        for group in GROUPS:
            make_partner(group)
        db.session.commit()
    eid = election_id(app, "draft")
    # Opening the nominations says what will happen and needs its tick.
    page = body(admin.get(f"/elections/{eid}"))
    assert "Potwierdzam: Partnerzy będą mogli zgłaszać kandydatów" in page
    response = post_form(admin, f"/elections/{eid}/open-nominations", follow_redirects=True)
    assert "Zaznacz potwierdzenie, aby rozpocząć zgłaszanie kandydatów." in body(response)
    assert load(app, Election, eid).phase == Phase.DRAFT
    post_form(admin, f"/elections/{eid}/open-nominations", TICK)
    assert load(app, Election, eid).phase == Phase.NOMINATIONS
    page = body(admin.get(f"/elections/{eid}/roll"))
    assert "Spis wstępny" in page
    with app.app_context():
        db.session.get(Election, eid).phase = Phase.CANDIDATES_PUBLISHED
        db.session.commit()
    response = post_form(admin, f"/elections/{eid}/start-voting", follow_redirects=True)
    assert "spis uprawnionych został zamrożony" in body(response)
    assert load(app, Election, eid).phase == Phase.VOTING
    page = body(admin.get(f"/elections/{eid}/roll"))
    assert "Spis zamrożony" in page and "1 uprawniony Partner" in page
    response = post_form(
        admin, f"/elections/{eid}/close-voting", {"confirm": "y"}, follow_redirects=True
    )
    assert load(app, Election, eid).phase == Phase.CLOSED


def test_the_chair_can_start_voting(chair, app):
    with app.app_context():
        for group in GROUPS:
            make_partner(group)
        db.session.commit()
    eid = election_id(app, "candidates_published")
    assert post_form(chair, f"/elections/{eid}/start-voting").status_code == 303
    assert load(app, Election, eid).phase == Phase.VOTING


def test_the_roll_page_lists_partners_per_group_with_counts(chair, app):
    with app.app_context():
        make_partner(PartnerGroup.GMINA, name="Gmina Ożarowice")
        make_partner(PartnerGroup.GMINA, name="Gmina Bobrowniki")
        make_partner(PartnerGroup.POWIAT, name="Powiat będziński", signed=None)
        db.session.commit()
    eid = election_id(app)
    page = body(chair.get(f"/elections/{eid}/roll"))
    assert "gminy: <strong>2</strong>" in page and "powiaty: <strong>0</strong>" in page
    assert "Brak uprawnionych Partnerów w tej grupie" in page
    assert page.index("Gmina Bobrowniki") < page.index("Gmina Ożarowice")
    assert "Powiat będziński" not in page


# --- the Regulamin -------------------------------------------------------------------------


def upload(client, eid, data: bytes, name: str = "regulamin.pdf", text: str = ""):
    return post_form(
        client,
        f"/elections/{eid}/rules/edit",
        {"text": text, "pdf": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_admin_uploads_a_pdf_and_it_is_served_as_an_attachment(admin, app):
    eid = election_id(app)
    response = upload(admin, eid, PDF, "Regulamin wyboru Rady.pdf")
    assert response.status_code == 302, body(response)[:2000]
    pdf = admin.get(f"/elections/{eid}/rules.pdf")
    assert pdf.status_code == 200 and pdf.data == PDF
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"] == ("attachment; filename=Regulamin_wyboru_Rady.pdf")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "regulamin.pdf", "Plik jest pusty"),
        (b"MZ\x90\x00 not a pdf", "regulamin.pdf", "To nie jest plik PDF"),
        (PDF, "regulamin.exe", "rozszerzenie .pdf"),
        (PDF + b"0" * (5 * 1024 * 1024), "regulamin.pdf", "za duży"),
    ],
)
def test_a_bad_upload_gets_a_message_and_nothing_is_saved(admin, app, data, name, message):
    eid = election_id(app)
    response = upload(admin, eid, data, name)
    assert response.status_code == 400
    assert message in body(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Rules)) == 0


def test_an_empty_regulamin_is_refused(admin, app):
    eid = election_id(app)
    response = post_form(admin, f"/elections/{eid}/rules/edit", {"text": "   "})
    assert response.status_code == 400 and "Wpisz treść Regulaminu" in body(response)


def test_the_regulamin_written_as_text_is_shown_escaped(admin, app):
    eid = election_id(app)
    text = "§ 1. Wybory <script>alert(1)</script> odbywają się w grupach."
    assert post_form(admin, f"/elections/{eid}/rules/edit", {"text": text}).status_code == 302
    page = body(admin.get(f"/elections/{eid}/rules"))
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert admin.get(f"/elections/{eid}/rules.pdf").status_code == 404


def test_sending_the_regulamin_emails_every_active_rep(admin, app, mailbox):
    with app.app_context():
        first, second = make_partner(), make_partner(PartnerGroup.POWIAT)
        reps = [
            make_user(Role.PARTNER_REP, partner=first).email,
            make_user(Role.PARTNER_REP, partner=second).email,
        ]
        gone = make_user(Role.PARTNER_REP, partner=first)
        gone.active = False
        make_user(Role.CHAIR)
        election = make_election()
        make_rules(election, "draft")
        db.session.commit()
        eid = election.id
    response = post_form(admin, f"/elections/{eid}/rules/send", {"send-sent_on": "2026-06-02"})
    assert response.status_code == 302
    page = body(admin.get(response.headers["Location"]))
    assert "Wysłano 2 wiadomości" in page
    assert sorted(m["To"] for m in mailbox.messages) == sorted(reps)
    message = mailbox.to(reps[0])[0]
    assert "Regulamin wyboru" in message["Subject"]
    assert f"/elections/{eid}/rules" in message.get_payload(decode=True).decode()
    with app.app_context():
        rules = db.session.scalar(select(Rules))
        assert rules.status == RulesStatus.SENT and rules.sent_on == dt.date(2026, 6, 2)
    # Sent means final: no second sending, no editing.
    mailbox.clear()
    again = post_form(
        admin,
        f"/elections/{eid}/rules/send",
        {"send-sent_on": "2026-06-03"},
        follow_redirects=True,
    )
    assert "wysłać można tylko projekt" in body(again) and mailbox.messages == []
    edit = post_form(admin, f"/elections/{eid}/rules/edit", {"text": "Inna treść"})
    assert edit.status_code == 409 and "nie można go zmienić" in body(edit)


def test_a_failing_mail_server_is_reported_not_a_500(admin, app, mailbox):
    with app.app_context():
        make_user(Role.PARTNER_REP, partner=make_partner())
        election = make_election()
        make_rules(election, "draft")
        db.session.commit()
        eid = election.id
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = 1
    try:
        response = post_form(
            admin,
            f"/elections/{eid}/rules/send",
            {"send-sent_on": "2026-06-02"},
            follow_redirects=True,
        )
    finally:
        app.config["SMTP_PORT"] = port
    assert response.status_code == 200
    assert "Nie udało się wysłać 1 wiadomości" in body(response)
    with app.app_context():
        assert db.session.scalar(select(Rules.status)) == RulesStatus.SENT
    response = post_form(admin, f"/elections/{eid}/rules/resend", follow_redirects=True)
    assert "Wysłano 1 wiadomość" in body(response) and len(mailbox.messages) == 1


def test_a_bad_send_date_is_refused(admin, app):
    with app.app_context():
        election = make_election()
        make_rules(election, "draft")
        db.session.commit()
        eid = election.id
    response = post_form(admin, f"/elections/{eid}/rules/send", {"send-sent_on": "wczoraj"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Rules.status)) == RulesStatus.DRAFT


def test_reps_read_the_regulamin_once_it_is_sent(app, client):
    with app.app_context():
        partner_id = make_partner().id
        election = make_election()
        rules = make_rules(election, "draft", pdf=PDF)
        db.session.commit()
        eid, rules_id = election.id, rules.id
    logged_in(app, client, Role.PARTNER_REP, partner_id)
    assert client.get(f"/elections/{eid}/rules").status_code == 404
    assert client.get(f"/elections/{eid}/rules.pdf").status_code == 404
    with app.app_context():
        db.session.get(Rules, rules_id).status = RulesStatus.SENT
        db.session.commit()
    assert "Przeczytaj Regulamin" in body(client.get("/elections"))
    page = client.get(f"/elections/{eid}/rules")
    assert page.status_code == 200 and "Regulamin wyboru" in body(page)
    assert client.get(f"/elections/{eid}/rules.pdf").data == PDF
    assert client.get(f"/elections/{eid}/rules/edit").status_code == 403


def test_guests_cannot_read_the_regulamin(client, app):
    with app.app_context():
        election = make_election()
        make_rules(election, "sent", pdf=PDF)
        db.session.commit()
        eid = election.id
    assert client.get(f"/elections/{eid}/rules.pdf").status_code == 302


# --- the motion ----------------------------------------------------------------------------


@pytest.fixture
def meeting(app):
    """An election with a sent Regulamin, three Partners with a rep each, and a chair."""
    with app.app_context():
        election = make_election("candidates_published")
        make_rules(election, "sent")
        partners = [make_partner(g) for g in GROUPS]
        db.session.commit()
        return {"election": election.id, "partners": [p.id for p in partners]}


def motion_id(app) -> int:
    from election.elections.models import Motion

    with app.app_context():
        return db.session.scalar(select(Motion.id).order_by(Motion.id.desc()))


def test_the_chair_runs_the_motion_with_online_and_paper_votes(app, client, meeting):
    eid, (p1, p2, p3) = meeting["election"], meeting["partners"]
    rep = app.test_client()
    logged_in(app, rep, Role.PARTNER_REP, p1)
    assert "Nie trwa" in body(rep.get(f"/elections/{eid}/motion/vote"))

    logged_in(app, client, Role.CHAIR)
    response = post_form(client, f"/elections/{eid}/motion/open", follow_redirects=True)
    assert "Otwarto głosowanie" in body(response)
    mid = motion_id(app)

    # The rep finds the motion from its list and votes online.
    assert "Przejdź do głosowania" in body(rep.get("/elections"))
    vote_page = body(rep.get(f"/elections/{eid}/motion/vote"))
    assert f'value="{p1}"' in vote_page
    response = post_form(
        rep, f"/elections/{eid}/motion/vote", {"partner_id": str(p1), "choice": "yes"}
    )
    assert response.status_code == 302
    assert "już głosował: za" in body(rep.get(f"/elections/{eid}/motion/vote"))

    # The chair enters two paper votes.
    for partner, choice in ((p2, "no"), (p3, "yes")):
        response = post_form(
            client,
            f"/elections/{eid}/motion/{mid}/paper",
            {"partner_id": str(partner), "choice": choice},
        )
        assert response.status_code == 302, body(response)[:3000]
    page = body(client.get(f"/elections/{eid}/motion"))
    assert "Głosy: 3 z 3" in page and "na papierze" in page

    # Closing says what will happen and needs its tick: without it the vote stays open.
    assert "Potwierdzam: głosowanie nad uchwałą zostanie zamknięte" in page
    close = f"/elections/{eid}/motion/{mid}/close"
    response = post_form(client, close, follow_redirects=True)
    assert "Zaznacz potwierdzenie, aby zamknąć głosowanie nad uchwałą." in body(response)
    with app.app_context():
        assert db.session.scalar(select(Rules.status)) != RulesStatus.ADOPTED
    assert "głosowanie otwarte" in body(client.get(f"/elections/{eid}/motion"))
    response = post_form(client, close, TICK, follow_redirects=True)
    assert "uchwała została przyjęta" in body(response)
    with app.app_context():
        assert db.session.scalar(select(Rules.status)) == RulesStatus.ADOPTED
        votes = {v.partner_id: v for v in db.session.scalars(select(MotionVote))}
        assert votes[p1].channel.value == "online" and votes[p2].channel.value == "paper"
        assert votes[p2].choice == MotionChoice.NO


def test_a_double_vote_is_refused(app, client, meeting):
    eid, (p1, _p2, _p3) = meeting["election"], meeting["partners"]
    with app.app_context():
        make_motion(db.session.get(Election, eid))
        db.session.commit()
    mid = motion_id(app)
    rep = app.test_client()
    logged_in(app, rep, Role.PARTNER_REP, p1)
    post_form(rep, f"/elections/{eid}/motion/vote", {"partner_id": str(p1), "choice": "yes"})
    again = post_form(rep, f"/elections/{eid}/motion/vote", {"partner_id": str(p1), "choice": "no"})
    assert again.status_code == 409 and "już głosował" in body(again)
    # A second rep of the same Partner cannot vote either, nor the chair on paper.
    other_rep = app.test_client()
    logged_in(app, other_rep, Role.PARTNER_REP, p1)
    response = post_form(
        other_rep, f"/elections/{eid}/motion/vote", {"partner_id": str(p1), "choice": "no"}
    )
    assert response.status_code == 409
    logged_in(app, client, Role.CHAIR)
    paper = post_form(
        client, f"/elections/{eid}/motion/{mid}/paper", {"partner_id": str(p1), "choice": "no"}
    )
    assert paper.status_code == 400 and "Ten Partner już głosował" in body(paper)
    with app.app_context():
        assert db.session.scalar(select(MotionVote.choice)) == MotionChoice.YES
        assert db.session.scalar(select(func.count()).select_from(MotionVote)) == 1


@pytest.mark.parametrize("forged", ["other", "999999", "abc", ""])
def test_a_forged_partner_id_in_the_rep_form_is_refused(app, meeting, forged):
    eid, (p1, p2, _p3) = meeting["election"], meeting["partners"]
    with app.app_context():
        make_motion(db.session.get(Election, eid))
        db.session.commit()
    rep = app.test_client()
    logged_in(app, rep, Role.PARTNER_REP, p1)
    value = str(p2) if forged == "other" else forged
    response = post_form(
        rep, f"/elections/{eid}/motion/vote", {"partner_id": value, "choice": "yes"}
    )
    assert response.status_code == 403
    assert "tylko w imieniu swojego Partnera" in body(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MotionVote)) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"choice": "maybe"}, "Nieprawidłowy wybór"),
        ({}, "Wybierz „za”"),
    ],
)
def test_a_bad_choice_is_refused(app, meeting, data, message):
    eid, (p1, _p2, _p3) = meeting["election"], meeting["partners"]
    with app.app_context():
        make_motion(db.session.get(Election, eid))
        db.session.commit()
    rep = app.test_client()
    logged_in(app, rep, Role.PARTNER_REP, p1)
    response = post_form(rep, f"/elections/{eid}/motion/vote", {"partner_id": str(p1), **data})
    assert response.status_code == 400 and message in body(response)


def test_paper_votes_for_unknown_or_ineligible_partners_are_refused(app, client, meeting):
    eid = meeting["election"]
    with app.app_context():
        make_motion(db.session.get(Election, eid))
        unsigned = make_partner(PartnerGroup.GMINA, signed=None).id
        db.session.commit()
    mid = motion_id(app)
    logged_in(app, client, Role.CHAIR)
    cases = (
        ("999999", "Nie ma takiego Partnera"),
        (str(unsigned), "nie może głosować"),
        ("0", "Wybierz Partnera"),
        ("abc", "Błąd:"),
    )
    for partner_id, message in cases:
        response = post_form(
            client,
            f"/elections/{eid}/motion/{mid}/paper",
            {"partner_id": partner_id, "choice": "yes"},
        )
        assert response.status_code == 400 and message in body(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MotionVote)) == 0


def test_the_motion_cannot_open_before_the_regulamin_is_sent(app, client):
    with app.app_context():
        election = make_election()
        make_rules(election, "draft")
        db.session.commit()
        eid = election.id
    logged_in(app, client, Role.CHAIR)
    response = post_form(client, f"/elections/{eid}/motion/open", follow_redirects=True)
    assert "nie został jeszcze wysłany" in body(response)
    assert motion_id(app) is None


def test_only_the_chair_opens_and_closes_motions(admin, app, meeting):
    eid = meeting["election"]
    assert post_form(admin, f"/elections/{eid}/motion/open").status_code == 403
    with app.app_context():
        make_motion(db.session.get(Election, eid))
        db.session.commit()
    mid = motion_id(app)
    assert admin.get(f"/elections/{eid}/motion").status_code == 200
    close = f"/elections/{eid}/motion/{mid}/close"
    assert post_form(admin, close, TICK).status_code == 403
    from election.elections.models import Motion

    assert load(app, Motion, mid).status == MotionStatus.OPEN


def test_a_motion_of_another_election_is_404(app, client, meeting):
    other = election_id(app)
    with app.app_context():
        make_motion(db.session.get(Election, meeting["election"]))
        db.session.commit()
    mid = motion_id(app)
    logged_in(app, client, Role.CHAIR)
    close = f"/elections/{other}/motion/{mid}/close"
    assert post_form(client, close, TICK).status_code == 404


def test_the_rep_cannot_vote_after_the_motion_closes(app, client, meeting):
    eid, (p1, _p2, _p3) = meeting["election"], meeting["partners"]
    logged_in(app, client, Role.CHAIR)
    post_form(client, f"/elections/{eid}/motion/open")
    mid = motion_id(app)
    post_form(client, f"/elections/{eid}/motion/{mid}/close", TICK)
    rep = app.test_client()
    logged_in(app, rep, Role.PARTNER_REP, p1)
    response = post_form(
        rep, f"/elections/{eid}/motion/vote", {"partner_id": str(p1), "choice": "yes"}
    )
    assert response.status_code == 409 and "Nie trwa" in body(response)
    with app.app_context():
        assert db.session.scalar(select(Rules.status)) == RulesStatus.REJECTED
        assert db.session.scalar(select(func.count()).select_from(Partner)) == 3
