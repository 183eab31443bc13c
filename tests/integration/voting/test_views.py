"""The voting pages: a full round through the UI, and every bad input the issue lists."""

import json
from typing import Any

import pytest
from sqlalchemy import select

from election.auth.models import Role
from election.extensions import db
from election.partners.models import PartnerGroup
from election.tally import opening
from election.voting.models import Ballot, EncryptedBallot, Round, RoundStatus
from tests.factories import (
    SYSTEM,
    key_store,
    make_candidate,
    make_partner,
    make_round,
    make_user,
    voting_election,
)
from tests.factories.voting import (
    ballot_url,
    cast_form,
    counts,
    election_without_rounds,
    logged_in,
    receipt_on,
)
from tests.support.web import csrf_token, post_form

G = PartnerGroup.GMINA
P = PartnerGroup.POWIAT


def ids(objs: list[Any]) -> list[int]:
    return [o.id for o in objs]


def snapshot(w: dict[str, Any]) -> dict[str, Any]:
    """Plain values of a built world, usable after its session is gone."""
    return {
        "election": w["election"].id,
        "round": {g: r.id for g, r in w["rounds"].items()},
        "candidates": {g: ids(cs) for g, cs in w["candidates"].items()},
        "candidate_names": {g: [c.full_name for c in cs] for g, cs in w["candidates"].items()},
        "partners": {g: ids(ps) for g, ps in w["partners"].items()},
        "partner_names": {g: [p.name for p in ps] for g, ps in w["partners"].items()},
        "reps": {g: [u.email for u in us] for g, us in w["reps"].items()},
        "rep_names": {g: [u.full_name for u in us] for g, us in w["reps"].items()},
        "chair": w["chair"].email,
    }


@pytest.fixture
def world(app) -> dict[str, Any]:
    with app.app_context():
        w = voting_election(per_group=3, candidates_per_group=3)
        second = make_user(Role.PARTNER_REP, partner=w["partners"][G][0], full_name="Zenon Drugi")
        db.session.commit()
        snap = snapshot(w)
        snap["second_rep"] = second.email
    return snap


def db_counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return counts()


def round_status(app, round_id: int) -> RoundStatus:
    with app.app_context():
        return db.session.get(Round, round_id).status


# --- the full round -----------------------------------------------------------------------


#: What the session cookie holds for a logged-in user: no ballot, code or choice.
LOGIN_SESSION_KEYS = {
    "_fresh",
    "_id",
    "_permanent",
    "_user_id",
    "auth_at",
    "csrf_token",
    "seen_at",
    "2fa_setup_due",
}


def session_data(client: Any, app: Any) -> str:
    """The decoded session cookie, as JSON text (what a holder of the cookie can read)."""
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    if cookie is None:
        return ""
    return json.dumps(app.session_interface.get_signing_serializer(app).loads(cookie.value))


def finish_paper(app: Any, round_id: int) -> None:
    """The chair says the paper ballots are all in; the round is counted."""
    with app.app_context():
        round_ = db.session.get_one(Round, round_id)
        opening.finish_paper(db.session, SYSTEM, round_, key_store(), never_entered=0)
        db.session.commit()


def test_a_full_secret_round_online_and_on_paper_with_receipts(app, world):
    e, r = world["election"], world["round"][G]
    cands = world["candidates"][G]
    rep = logged_in(app, world["reps"][G][0])

    home = rep.get(f"/voting/{e}").get_data(as_text=True)
    assert "Głosuj" in home and ballot_url(e, r) in home

    page = rep.get(ballot_url(e, r)).get_data(as_text=True)
    assert "<fieldset" in page and "<legend>Wybierz najwyżej 2 kandydatów</legend>" in page
    for name in world["candidate_names"][G]:
        assert name in page
    assert world["candidate_names"][P][0] not in page

    token = csrf_token(rep, ballot_url(e, r))
    confirm = rep.post(
        ballot_url(e, r, "confirm"),
        data={
            "csrf_token": token,
            "partner_id": str(world["partners"][G][0]),
            "candidate": [str(cands[0]), str(cands[2])],
        },
    )
    body = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Sprawdź swój wybór" in body
    assert world["candidate_names"][G][0] in body and world["candidate_names"][G][2] in body
    assert world["candidate_names"][G][1] not in body
    assert db_counts(app) == (0, 0, 0)  # confirming writes nothing

    # The answer to the cast is the receipt itself, never cached, never in the cookie.
    cast = cast_form(rep, e, r, [cands[0], cands[2]], world["partners"][G][0], token=token)
    receipt_page = cast.get_data(as_text=True)
    code = receipt_on(receipt_page)
    assert cast.status_code == 200 and cast.headers["Cache-Control"] == "no-store"
    assert code and len(code) == 10 and "oddany i zapisany" in receipt_page
    assert "Drukuj" in receipt_page and "Kopiuj" in receipt_page
    assert db_counts(app) == (1, 0, 1)  # one encrypted ballot, no choice rows
    stored = session_data(rep, app)
    assert set(json.loads(stored)) <= LOGIN_SESSION_KEYS  # nothing about the ballot at all
    assert code[:5] not in stored and code[5:] not in stored
    for name in world["candidate_names"][G]:
        assert name not in stored
    saved = post_form(rep, f"{ballot_url(e, r)}/receipt.txt", {"code": f"{code[:5]}-{code[5:]}"})
    assert saved.mimetype == "text/plain" and f"{code[:5]}-{code[5:]}" in saved.get_data(
        as_text=True
    )
    assert (
        post_form(rep, f"{ballot_url(e, r)}/receipt.txt", {"code": "nonsense"}).status_code == 400
    )
    assert rep.get(f"{ballot_url(e, r)}/receipt.txt").status_code == 405
    # Later the receipt page says that the Partner voted, not the code (kept nowhere).
    later = rep.get(f"{ballot_url(e, r)}/receipt").get_data(as_text=True)
    assert code[:5] not in later and "pokazany tylko raz" in later

    # Another rep of the same Partner sees that (and when, and who) — never how.
    second = logged_in(app, world["second_rep"])
    status = second.get(f"/voting/{e}").get_data(as_text=True)
    assert "Twój Partner już głosował" in status and world["rep_names"][G][0] in status
    for name in world["candidate_names"][G]:
        assert name not in status
    assert "Pokaż pokwitowanie" not in status
    redirected = second.get(ballot_url(e, r))
    assert redirected.status_code == 303
    assert code[:5] not in second.get(f"{ballot_url(e, r)}/receipt").get_data(as_text=True)

    # Another Partner votes blank online; the chair issues a paper ballot in the room.
    other = logged_in(app, world["reps"][G][1])
    assert receipt_on(cast_form(other, e, r, [], world["partners"][G][1]).get_data(as_text=True))
    chair = logged_in(app, world["chair"])
    paper_url = f"/voting/{e}/chair/rounds/{r}/paper"
    issue_url = f"{paper_url}/issue"
    assert chair.get(paper_url).headers["Location"].endswith(issue_url)
    form = chair.get(issue_url).get_data(as_text=True)
    assert f'<option value="{world["partners"][G][2]}">' in form
    assert f'<option value="{world["partners"][G][0]}">' not in form  # voted: not offered
    for name in world["candidate_names"][G]:
        assert name not in form  # the choice is made on paper
    issued = post_form(chair, issue_url, {"partner_id": str(world["partners"][G][2])})
    assert issued.status_code == 303
    flashed = chair.get(issue_url).get_data(as_text=True)
    assert "Wydano kartę papierową" in flashed
    assert "Wszyscy Partnerzy ze spisu tej grupy już głosowali" in flashed
    assert db_counts(app) == (2, 0, 3)

    dashboard = chair.get(f"/voting/{e}/chair").get_data(as_text=True)
    assert "<strong>3</strong> / 3" in dashboard and "na papierze" in dashboard
    for name in world["partner_names"][G]:
        assert name in dashboard
    for name in world["candidate_names"][G]:
        assert name not in dashboard  # no running tally in secret mode

    # Before the count: no public list.
    api = app.test_client().get(f"/api/v1/elections/{e}/receipts")
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"

    assert post_form(chair, f"/voting/{e}/chair/rounds/{r}/close", {}).status_code == 303
    assert round_status(app, r) == RoundStatus.OPEN  # not without the confirmation
    closed = post_form(chair, f"/voting/{e}/chair/rounds/{r}/close", {"confirm": "y"})
    assert closed.status_code == 303 and round_status(app, r) == RoundStatus.CLOSED
    # Closed, but the paper ballot is still to be entered: not counted, nothing public.
    assert app.test_client().get(f"/api/v1/elections/{e}/receipts").status_code == 404
    dashboard = chair.get(f"/voting/{e}/chair").get_data(as_text=True)
    assert "Wprowadź karty papierowe z urny" in dashboard

    # The chair enters the paper from the box without a name, checks it, saves it.
    enter_url = f"{paper_url}/enter"
    entry = chair.get(enter_url).get_data(as_text=True)
    assert 'name="partner_id"' not in entry and 'name="candidate"' in entry  # no voter named
    check = post_form(chair, enter_url, {"candidate": [str(cands[1])]})
    shown = check.get_data(as_text=True)
    assert check.status_code == 200 and f"Karta: {world['candidate_names'][G][1]}" in shown
    assert db_counts(app) == (2, 0, 3)  # the check writes nothing
    blank = post_form(chair, enter_url, {"candidate": []}).get_data(as_text=True)
    assert "karta pusta" in blank
    saved_paper = post_form(
        chair, f"{paper_url}/save", {"candidate": [str(cands[1])], "entered_before": "0"}
    )
    assert saved_paper.status_code == 303
    after = chair.get(enter_url).get_data(as_text=True)
    # The message says what was saved.
    assert (
        f"Zapisano kartę papierową (wprowadzono 1 z 1). Karta: {world['candidate_names'][G][1]}."
        in after
    )
    assert "Wszystkie wydane karty papierowe zostały wprowadzone" in after
    chair_session = session_data(chair, app)
    assert set(json.loads(chair_session)) <= LOGIN_SESSION_KEYS | {"_flashes"}
    for name in world["candidate_names"][G]:
        assert name not in chair_session
    # The same check submitted again (a double click) is refused, not entered twice.
    again = post_form(
        chair, f"{paper_url}/save", {"candidate": [str(cands[1])], "entered_before": "0"}
    )
    assert again.status_code == 303
    assert "W międzyczasie" in chair.get(enter_url).get_data(as_text=True)
    assert db_counts(app) == (3, 0, 3)
    finish_paper(app, r)

    public = app.test_client()
    listed = public.get(f"/api/v1/elections/{e}/receipts").get_json()
    assert set(listed) == {"gmina", "powiat", "miasto_npp"}
    assert f"{code[:5]}-{code[5:]}" in listed["gmina"] and len(listed["gmina"]) == 3
    assert listed["gmina"] == sorted(listed["gmina"]) and listed["powiat"] == []
    page = public.get(f"/public/elections/{e}/receipts").get_data(as_text=True)
    assert f"{code[:5]}-{code[5:]}" in page
    # A code is checked by POST; in a URL it is not even read.
    in_url = public.get(f"/public/elections/{e}/receipts?code={code}").get_data(as_text=True)
    assert "został policzony" not in in_url and "Nie znaleziono" not in in_url
    checked = post_form(
        public, f"/public/elections/{e}/receipts", {"code": f"{code[:5].lower()} {code[5:]}"}
    )
    text = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "został policzony" in text
    for name in world["candidate_names"][G] + world["partner_names"][G]:
        assert name not in text
    wrong = post_form(public, f"/public/elections/{e}/receipts", {"code": "AAAAA-AAAAA"})
    assert "Nie znaleziono kodu" in wrong.get_data(as_text=True)

    # After closing the rep can no longer vote.
    late = logged_in(app, world["reps"][G][1])
    assert late.get(ballot_url(e, r)).status_code == 303


def test_an_open_election_keeps_its_receipts_and_lists_the_ballots_publicly(app):
    with app.app_context():
        w = voting_election(per_group=2)
        w["election"].secret = False
        db.session.commit()
        s = snapshot(w)
    e, r = s["election"], s["round"][G]
    rep = logged_in(app, s["reps"][G][0])
    cast = cast_form(rep, e, r, [s["candidates"][G][1]], s["partners"][G][0])
    code = receipt_on(cast.get_data(as_text=True))
    assert cast.status_code == 200 and code and len(code) == 10
    # An open vote is public anyway: its receipt is kept with the ballot.
    assert code in rep.get(f"{ballot_url(e, r)}/receipt").get_data(as_text=True).replace("-", "")
    chair = logged_in(app, s["chair"])
    paper_url = f"/voting/{e}/chair/rounds/{r}/paper"
    blank = {"partner_id": str(s["partners"][G][1])}
    check = post_form(chair, paper_url, blank)
    assert check.status_code == 200 and "karta pusta" in check.get_data(as_text=True)
    saved = post_form(chair, paper_url, {**blank, "confirmed": "1"})
    assert saved.status_code == 303
    post_form(chair, f"/voting/{e}/chair/rounds/{r}/close", {"confirm": "y"})
    public = app.test_client()
    page = public.get(f"/public/elections/{e}/receipts").get_data(as_text=True)
    assert s["partner_names"][G][0] in page and s["candidate_names"][G][1] in page
    assert "karta pusta" in page  # the paper ballot was blank
    checked = post_form(public, f"/public/elections/{e}/receipts", {"code": code.lower()})
    assert "został policzony" in checked.get_data(as_text=True)


def test_the_chair_prepares_and_opens_all_rounds(app):
    with app.app_context():
        w = election_without_rounds()
        db.session.commit()
        e, chair_email = w["election"].id, w["chair"].email
    chair = logged_in(app, chair_email)
    page = chair.get(f"/voting/{e}/chair").get_data(as_text=True)
    assert "Przygotuj tury głosowania" in page
    assert post_form(chair, f"/voting/{e}/chair/rounds").status_code == 303
    assert "Przygotowano 3 tury" in chair.get(f"/voting/{e}/chair").get_data(as_text=True)
    assert post_form(chair, f"/voting/{e}/chair/open-all").status_code == 303
    with app.app_context():
        assert {r.status for r in db.session.scalars(select(Round))} == {RoundStatus.OPEN}
    again = post_form(chair, f"/voting/{e}/chair/open-all", follow_redirects=True)
    assert "Nie ma tur oczekujących" in again.get_data(as_text=True)


def test_the_chair_cannot_open_before_the_regulamin_is_adopted(app):
    with app.app_context():
        w = election_without_rounds(adopted=False)
        db.session.commit()
        e, chair_email = w["election"].id, w["chair"].email
    chair = logged_in(app, chair_email)
    response = post_form(chair, f"/voting/{e}/chair/open-all", follow_redirects=True)
    assert "Regulamin nie został jeszcze przyjęty" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Round)).all() == []


def test_a_rep_can_change_the_choice_from_the_confirmation_page(app, world):
    e, r = world["election"], world["round"][G]
    rep = logged_in(app, world["reps"][G][0])
    back = post_form(
        rep,
        ballot_url(e, r),
        {"partner_id": str(world["partners"][G][0]), "candidate": [str(world["candidates"][G][1])]},
    )
    page = back.get_data(as_text=True)
    assert back.status_code == 200
    assert (
        f'value="{world["candidates"][G][1]}" id="candidate-{world["candidates"][G][1]}" checked'
        in page
    )
    assert db_counts(app) == (0, 0, 0)


# --- bad input: a message, nothing written, never a 500 ------------------------------------


@pytest.mark.parametrize("step", ["confirm", "cast"])
@pytest.mark.parametrize(
    ("choose", "message"),
    [
        (lambda w: [str(c) for c in w["candidates"][G]], "Można wybrać najwyżej 2 kandydatów"),
        (lambda w: [str(w["candidates"][G][0])] * 2, "więcej niż raz"),
        (lambda w: [str(w["candidates"][P][0])], "nie ma na tej karcie"),
        (lambda w: [str(w["runoff"])], "nie ma na tej karcie"),
        (lambda w: [str(w["foreign"])], "nie ma na tej karcie"),
        (lambda w: ["abc"], "Nieprawidłowy wybór kandydata"),
        (lambda w: ["-1"], "Nieprawidłowy wybór kandydata"),
    ],
)
def test_bad_choices_get_a_message_and_nothing_is_written(app, world, step, choose, message):
    with app.app_context():
        from election.elections.models import Election

        election = db.session.get(Election, world["election"])
        partner = make_partner(G)
        runoff = make_candidate(election, partner, "Jan Dogrywka")
        make_round(election, G, [runoff], number=2, seats=1, status="pending")
        other = voting_election(per_group=1)
        world["runoff"] = runoff.id
        world["foreign"] = other["candidates"][G][0].id
        db.session.commit()
    e, r = world["election"], world["round"][G]
    rep = logged_in(app, world["reps"][G][0])
    response = post_form(
        rep,
        ballot_url(e, r, step),
        {"partner_id": str(world["partners"][G][0]), "candidate": choose(world)},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in body and "Głos nie został oddany" in body
    assert db_counts(app) == (0, 0, 0)


@pytest.mark.parametrize("step", ["confirm", "cast"])
def test_an_edited_partner_field_is_refused(app, world, step):
    e, r = world["election"], world["round"][G]
    rep = logged_in(app, world["reps"][G][0])
    response = post_form(
        rep, ballot_url(e, r, step), {"partner_id": str(world["partners"][G][1]), "candidate": []}
    )
    assert response.status_code == 400
    assert "innego Partnera" in response.get_data(as_text=True)
    response = post_form(rep, ballot_url(e, r, step), {"candidate": []})
    assert response.status_code == 400 and "niekompletny" in response.get_data(as_text=True)
    assert db_counts(app) == (0, 0, 0)


def test_a_missing_or_wrong_csrf_token_is_refused(app, world):
    e, r = world["election"], world["round"][G]
    rep = logged_in(app, world["reps"][G][0])
    data = {"partner_id": str(world["partners"][G][0]), "candidate": []}
    missing = rep.post(ballot_url(e, r, "cast"), data=data)
    wrong = rep.post(ballot_url(e, r, "cast"), data={**data, "csrf_token": "forged"})
    for response in (missing, wrong):
        assert response.status_code == 400
        assert "Formularz wygasł" in response.get_data(as_text=True)
    assert db_counts(app) == (0, 0, 0)


def test_a_replayed_form_after_casting_gets_a_message_and_no_second_ballot(app, world):
    e, r = world["election"], world["round"][G]
    rep = logged_in(app, world["reps"][G][0])
    token = csrf_token(rep)
    first = cast_form(rep, e, r, [world["candidates"][G][0]], world["partners"][G][0], token=token)
    replay = cast_form(rep, e, r, [world["candidates"][G][1]], world["partners"][G][0], token=token)
    assert first.status_code == 200 and replay.status_code == 303
    page = rep.get(replay.headers["Location"]).get_data(as_text=True)
    assert "Twój Partner już głosował" in page
    assert db_counts(app) == (1, 0, 1)
    # The second rep's replay of the confirmation step is refused the same way.
    second = logged_in(app, world["second_rep"])
    response = post_form(
        second, ballot_url(e, r, "confirm"), {"partner_id": str(world["partners"][G][0])}
    )
    assert response.status_code == 303
    assert db_counts(app) == (1, 0, 1)


@pytest.mark.parametrize(
    ("status", "message"), [("pending", "jeszcze się nie rozpoczęło"), ("closed", "zamknięta")]
)
def test_no_ballot_in_a_round_that_is_not_open(app, world, status, message):
    with app.app_context():
        db.session.get(Round, world["round"][G]).status = RoundStatus(status)
        db.session.commit()
    e, r = world["election"], world["round"][G]
    rep = logged_in(app, world["reps"][G][0])
    response = cast_form(rep, e, r, [], world["partners"][G][0])
    assert response.status_code == 409 and message in response.get_data(as_text=True)
    page = rep.get(ballot_url(e, r), follow_redirects=True).get_data(as_text=True)
    assert message in page
    assert db_counts(app) == (0, 0, 0)


def test_a_partner_not_on_the_roll_cannot_vote(app, world):
    with app.app_context():
        late = make_partner(G)
        email = make_user(Role.PARTNER_REP, partner=late).email
        db.session.commit()
        late_id = late.id
    e, r = world["election"], world["round"][G]
    rep = logged_in(app, email)
    assert rep.get(ballot_url(e, r)).status_code == 403
    response = cast_form(rep, e, r, [], late_id)
    assert response.status_code == 403 and "nie jest w spisie" in response.get_data(as_text=True)
    assert "nie ma w spisie" in rep.get(f"/voting/{e}").get_data(as_text=True)
    assert db_counts(app) == (0, 0, 0)


def test_a_rep_of_another_group_does_not_see_the_round(app, world):
    e, r = world["election"], world["round"][G]
    rep = logged_in(app, world["reps"][P][0])
    assert rep.get(ballot_url(e, r)).status_code == 404
    assert cast_form(rep, e, r, [], world["partners"][P][0]).status_code == 404
    assert db_counts(app) == (0, 0, 0)


@pytest.mark.parametrize("who", ["chair", "admin", "observer"])
def test_users_without_a_partner_cannot_reach_the_ballot(app, world, who):
    with app.app_context():
        email = world["chair"] if who == "chair" else make_user(Role(who)).email
        db.session.commit()
    client = logged_in(app, email)
    e, r = world["election"], world["round"][G]
    assert client.get(ballot_url(e, r)).status_code == 403
    assert cast_form(client, e, r, [], world["partners"][G][0]).status_code == 403
    assert db_counts(app) == (0, 0, 0)


def test_issuing_a_paper_ballot_bad_input(app, world):
    e, r = world["election"], world["round"][G]
    url = f"/voting/{e}/chair/rounds/{r}/paper/issue"
    rep = logged_in(app, world["reps"][G][0])
    cast_form(rep, e, r, [], world["partners"][G][0])
    chair = logged_in(app, world["chair"])
    before = db_counts(app)
    cases = [
        ({"partner_id": "999999"}, 404, "Nie ma takiego Partnera"),
        ({"partner_id": "abc"}, 400, "Wybierz Partnera z listy"),
        ({"partner_id": ""}, 400, "Wybierz Partnera"),
        ({"partner_id": str(world["partners"][G][0])}, 409, "już oddał głos"),
        ({"partner_id": str(world["partners"][P][0])}, 403, "nie jest w spisie"),
    ]
    for data, status, message in cases:
        response = post_form(chair, url, data)
        body = response.get_data(as_text=True)
        assert response.status_code == status, (data, body[:3000])
        assert message in body, data
    assert chair.post(url, data={"partner_id": str(world["partners"][G][1])}).status_code == 400
    assert db_counts(app) == before
    assert rep.get(url).status_code == 403


def test_entering_a_paper_ballot_bad_input(app, world):
    e, r = world["election"], world["round"][G]
    base = f"/voting/{e}/chair/rounds/{r}/paper"
    chair = logged_in(app, world["chair"])
    post_form(chair, f"{base}/issue", {"partner_id": str(world["partners"][G][0])})
    # Still open: nothing is entered before the box is opened.
    early = post_form(chair, f"{base}/enter", {"candidate": []})
    assert early.status_code == 409 and "po zamknięciu tury" in early.get_data(as_text=True)
    post_form(chair, f"/voting/{e}/chair/rounds/{r}/close", {"confirm": "y"})
    before = db_counts(app)
    cases = [
        ({"candidate": [str(c) for c in world["candidates"][G]]}, 400, "najwyżej 2"),
        ({"candidate": ["x"]}, 400, "Nieprawidłowy wybór"),
        ({"candidate": [str(world["candidates"][P][0])]}, 400, "nie ma na tej karcie"),
    ]
    for data, status, message in cases:
        response = post_form(chair, f"{base}/enter", data)
        assert response.status_code == status and message in response.get_data(as_text=True)
    for data in ({"candidate": []}, {"entered_before": "x"}, {"entered_before": "-1"}):
        saved = post_form(chair, f"{base}/save", data)
        assert saved.status_code == 303
    assert chair.post(f"{base}/save", data={"entered_before": "0"}).status_code == 400
    assert db_counts(app) == before
    rep = logged_in(app, world["reps"][G][1])
    assert rep.get(f"{base}/enter").status_code == 403
    assert post_form(rep, f"{base}/save", {"entered_before": "0"}).status_code == 403
    assert db_counts(app) == before


def test_online_after_paper_is_refused(app, world):
    e, r = world["election"], world["round"][G]
    chair = logged_in(app, world["chair"])
    post_form(
        chair,
        f"/voting/{e}/chair/rounds/{r}/paper/issue",
        {"partner_id": str(world["partners"][G][0])},
    )
    rep = logged_in(app, world["reps"][G][0])
    response = cast_form(rep, e, r, [], world["partners"][G][0])
    assert response.status_code == 303
    page = rep.get(f"/voting/{e}").get_data(as_text=True)
    assert "Twój Partner już głosował" in page and "na papierze" in page
    assert db_counts(app) == (0, 0, 1)


def test_open_paper_ballot_bad_input(app):
    with app.app_context():
        w = voting_election(per_group=3)
        w["election"].secret = False
        db.session.commit()
        world = snapshot(w)
    e, r = world["election"], world["round"][G]
    url = f"/voting/{e}/chair/rounds/{r}/paper"
    chair = logged_in(app, world["chair"])
    cases = [
        ({"partner_id": "999999"}, 404, "Nie ma takiego Partnera"),
        ({"partner_id": "abc"}, 400, "Wybierz Partnera z listy"),
        ({"partner_id": str(world["partners"][P][0])}, 403, "nie jest w spisie"),
        (
            {
                "partner_id": str(world["partners"][G][1]),
                "candidate": [str(c) for c in world["candidates"][G]],
            },
            400,
            "najwyżej 2",
        ),
    ]
    for data, status, message in cases:
        response = post_form(chair, url, data)
        assert response.status_code == status and message in response.get_data(as_text=True)
    assert db_counts(app) == (0, 0, 0)


def test_chair_actions_on_a_wrong_round_get_a_message(app, world):
    e, r = world["election"], world["round"][G]
    chair = logged_in(app, world["chair"])
    again = post_form(chair, f"/voting/{e}/chair/rounds/{r}/open", follow_redirects=True)
    assert "już otwarta" in again.get_data(as_text=True)
    assert post_form(chair, f"/voting/{e}/chair/rounds/999999/open").status_code == 404
    other = voting_election_round(app)
    assert (
        post_form(chair, f"/voting/{e}/chair/rounds/{other}/close", {"confirm": "y"}).status_code
        == 404
    )


def voting_election_round(app) -> int:
    with app.app_context():
        w = voting_election(per_group=1)
        db.session.commit()
        return w["rounds"][G].id


def test_receipts_of_an_unknown_election_are_404(app):
    client = app.test_client()
    response = client.get("/api/v1/elections/999/receipts")
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    assert client.get("/public/elections/999/receipts").status_code == 404


def test_the_public_page_says_when_the_list_will_be_ready(app, world):
    page = app.test_client().get(f"/public/elections/{world['election']}/receipts")
    assert page.status_code == 404
    assert "po policzeniu pierwszej tury" in page.get_data(as_text=True)


def test_a_secret_cast_writes_only_an_encrypted_ballot(app, world):
    rep = logged_in(app, world["reps"][G][0])
    cast_form(rep, world["election"], world["round"][G], [], world["partners"][G][0])
    with app.app_context():
        assert db.session.scalar(select(Ballot.id)) is None
        assert db.session.scalar(select(EncryptedBallot.id)) is not None


def test_ids_beyond_the_database_integer_are_404_not_errors(app, world):
    huge = "9" * 20
    rep = logged_in(app, world["reps"][G][0])
    assert rep.get(f"/voting/{huge}").status_code == 404
    assert rep.get(f"/voting/{world['election']}/rounds/{huge}").status_code == 404
    public = app.test_client()
    assert public.get(f"/api/v1/elections/{huge}/receipts").status_code == 404
    assert public.get(f"/public/elections/{huge}/receipts").status_code == 404
