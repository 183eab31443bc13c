"""Attendance and quorum through the chair's pages: who is present, how many ballots the
quorum needs, who has not voted yet (never how), and the reminder to those Partners."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.auth.models import User
from election.elections.models import Election
from election.elections.people import Attendance, AttendanceMode
from election.extensions import db
from election.partners.models import PartnerGroup
from election.voting.attendance import summary
from tests.factories import make_partner, voting_election
from tests.factories.people import make_attendance, subject
from tests.factories.voting import cast_form, logged_in, receipt_on
from tests.support.web import csrf_token, post_form

G, P, M = PartnerGroup.GMINA, PartnerGroup.POWIAT, PartnerGroup.MIASTO_NPP


@pytest.fixture
def world(app) -> dict[str, Any]:
    with app.app_context():
        w = voting_election(per_group=4, candidates_per_group=3)
        w["election"].quorum_percent = 50
        db.session.commit()
        return {
            "election": w["election"].id,
            "rounds": {g: r.id for g, r in w["rounds"].items()},
            "partners": {g: [p.id for p in ps] for g, ps in w["partners"].items()},
            "names": {g: [p.name for p in ps] for g, ps in w["partners"].items()},
            "teryt": {g: [p.teryt for p in ps] for g, ps in w["partners"].items()},
            "reps": {g: [u.email for u in us] for g, us in w["reps"].items()},
            "candidates": {g: [c.id for c in cs] for g, cs in w["candidates"].items()},
            "chair": w["chair"].email,
        }


def row(page: str, group: PartnerGroup) -> str:
    """The summary's row of a group (present, required, voted, quorum)."""
    match = re.search(rf'<tr data-group="{group.value}">(.*?)</tr>', page, re.S)
    assert match, page
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def events(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == action)
        )


def mark(chair, world, partner_id: int, mode: str, **extra: Any):
    url = f"/voting/{world['election']}/attendance/{partner_id}"
    return post_form(chair, url, {"mode": mode, **extra})


def test_attendance_and_quorum_live_as_the_chair_records_and_partners_vote(app, world):
    e, page_url = world["election"], f"/voting/{world['election']}/attendance"
    chair = logged_in(app, world["chair"])
    page = chair.get(page_url).get_data(as_text=True)
    assert "Obecność i kworum" in page and "Lista obecności" in page
    # 4 gminy on the roll, 50 %: 2 ballots needed, nobody present, nobody voted.
    assert row(page, G) == (
        "gminy (tura nr 1, otwarta) 4 0 (na sali: 0, online: 0) 2 0 brakuje 2 głosów "
        "Obecnych jest mniej, niż wymaga kworum."
    )
    for name in world["names"][G]:
        assert name in page  # the roster and the list of those who have not voted

    gminy = world["partners"][G]
    assert mark(chair, world, gminy[0], "room").status_code == 303
    assert mark(chair, world, gminy[1], "online").status_code == 303
    mark(chair, world, gminy[1], "online")  # again: nothing changes, nothing recorded
    page = chair.get(page_url).get_data(as_text=True)
    assert "Zapisano: online." in page
    assert row(page, G).startswith("gminy (tura nr 1, otwarta) 4 2 (na sali: 1, online: 1) 2 0")
    assert events(app, "attendance.marked") == 2

    # One gmina votes online: one ballot still needed; it leaves the not-voted list.
    voter = logged_in(app, world["reps"][G][0])
    cast = cast_form(voter, e, world["rounds"][G], [world["candidates"][G][0]], gminy[0])
    assert receipt_on(cast.get_data(as_text=True))
    page = chair.get(page_url).get_data(as_text=True)
    assert "brakuje 1 głosu" in row(page, G)
    waiting = page[page.index('id="not-voted-gmina"') :].split("</ul>")[0]
    assert world["names"][G][0] not in waiting and world["names"][G][1] in waiting
    assert "Nie głosowali jeszcze: gminy, tura nr 1 (3)" in page

    second = logged_in(app, world["reps"][G][1])
    cast_form(second, e, world["rounds"][G], [], gminy[1])
    assert "osiągnięte" in row(chair.get(page_url).get_data(as_text=True), G)

    # Not present any more: the row is removed and the change audited.
    mark(chair, world, gminy[1], "absent")
    assert "(na sali: 1, online: 0)" in row(chair.get(page_url).get_data(as_text=True), G)
    assert events(app, "attendance.cleared") == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Attendance.id))) == 1


def test_the_search_filters_the_roster_without_javascript(app, world):
    chair = logged_in(app, world["chair"])
    url = f"/voting/{world['election']}/attendance"
    name = world["names"][P][2]
    page = chair.get(url, query_string={"q": name.upper()}).get_data(as_text=True)
    roster = page[page.index("data-attendance-roster") :]
    assert name in roster and world["names"][G][0] not in roster
    assert "Znaleziono 1 Partnera." in page
    by_code = chair.get(url, query_string={"q": world["teryt"][M][0]}).get_data(as_text=True)
    assert world["names"][M][0] in by_code[by_code.index("data-attendance-roster") :]
    none = chair.get(url, query_string={"q": "nie ma takiego"}).get_data(as_text=True)
    assert "Żaden Partner w spisie nie pasuje do wyszukiwania." in none
    # The button keeps the search: back to the same filtered list.
    answer = mark(chair, world, world["partners"][P][2], "room", next=f"{url}?q=x")
    assert answer.headers["Location"].endswith(f"{url}?q=x")


def test_marking_online_every_partner_whose_representative_logged_in_today(app, world):
    logged_in(app, world["reps"][G][2])
    logged_in(app, world["reps"][M][0])
    with app.app_context():  # a login of yesterday does not count
        old = db.session.scalar(select(User).where(User.email == world["reps"][P][0]))
        old.last_login_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
        election = db.session.get(Election, world["election"])
        make_attendance(election, db.session.get_one(User, old.id).partner, "room")
        db.session.commit()
    chair = logged_in(app, world["chair"])
    url = f"/voting/{world['election']}/attendance"
    post_form(chair, f"{url}/online")
    page = chair.get(url).get_data(as_text=True)
    assert "Oznaczono jako obecnych online 2 Partnerów." in page
    assert "(na sali: 0, online: 1)" in row(page, G) and "(na sali: 0, online: 1)" in row(page, M)
    assert "(na sali: 1, online: 0)" in row(page, P)  # recorded in the room: kept
    post_form(chair, f"{url}/online")
    assert "Żaden nieobecny Partner" in chair.get(url).get_data(as_text=True)
    assert events(app, "attendance.marked_online") == 1


def test_a_bad_mode_or_a_partner_off_the_roll_changes_nothing(app, world):
    with app.app_context():
        stranger = make_partner(G).id
        db.session.commit()
    chair = logged_in(app, world["chair"])
    assert mark(chair, world, world["partners"][G][0], "everywhere").status_code == 400
    refused = mark(chair, world, stranger, "room")
    assert refused.status_code == 303
    page = chair.get(f"/voting/{world['election']}/attendance").get_data(as_text=True)
    assert "Tego Partnera nie ma w spisie uprawnionych" in page
    no_token = logged_in(app, world["chair"]).post(
        f"/voting/{world['election']}/attendance/{world['partners'][G][0]}", data={"mode": "room"}
    )
    assert no_token.status_code == 400
    assert events(app, "attendance.marked") == 0


def test_the_reminder_emails_only_the_partners_that_have_not_voted(app, world, mailbox):
    e, r = world["election"], world["rounds"][P]
    voter = logged_in(app, world["reps"][P][0])
    cast_form(voter, e, r, [world["candidates"][P][0]], world["partners"][P][0])
    mailbox.clear()
    chair = logged_in(app, world["chair"])
    dashboard = f"/voting/{e}/attendance"
    page = chair.get(dashboard).get_data(as_text=True)
    remind_url = f"/voting/{e}/chair/rounds/{r}/remind"
    assert remind_url in page
    answer = chair.post(
        remind_url,
        data={"csrf_token": csrf_token(chair, dashboard)},
        headers={"Referer": f"http://localhost{dashboard}"},
    )
    assert answer.status_code == 303 and answer.headers["Location"].endswith(dashboard)
    assert "Wysłano przypomnienie: 3 wiadomości." in chair.get(dashboard).get_data(as_text=True)
    assert sorted(m["To"] for m in mailbox.messages) == sorted(world["reps"][P][1:])
    message = mailbox.messages[0]
    assert subject(message).startswith("Przypomnienie:") and "tura nr 1" in subject(message)
    body = message.get_payload(decode=True).decode()
    assert f"/voting/{e}" in body and "jeszcze nie oddał głosu" in body
    assert events(app, "round.reminded") == 1


def test_the_summary_says_when_the_regulamin_waives_the_quorum(app, world):
    with app.app_context():
        election = db.session.get(Election, world["election"])
        election.quorum_waived_from = 2
        result = summary(db.session, election, attempts={G: 2})
        gminy, powiaty = result.groups[0], result.groups[1]
        assert gminy.required == 0 and not gminy.quorum and gminy.quorum_met
        assert powiaty.required == 2 and powiaty.quorum and powiaty.needed == 2
        assert result.roll == 12 and result.present == 0
        db.session.rollback()


def test_only_the_staff_see_the_attendance(app, world):
    rep = logged_in(app, world["reps"][G][0])
    assert rep.get(f"/voting/{world['election']}/attendance").status_code == 403
    assert mark(rep, world, world["partners"][G][0], "room").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(Attendance.id))) == 0
    assert AttendanceMode.ROOM.value == "room"
