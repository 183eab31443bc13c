"""A planned closing time for the rounds, with a countdown (issue 15, item 9): the service
over a real database, the chair's form on the dashboard, and the line the reps, the
dashboard and the projector show."""

import datetime as dt
import re
import time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from election.audit.models import AuditEvent
from election.audit.service import Actor
from election.auth.models import Role
from election.db import utcnow
from election.errors import Conflict, ValidationFailed
from election.extensions import db
from election.partners.models import PartnerGroup
from election.tally import corrections
from election.tally.live import live
from election.voting import close_plan
from election.voting.models import Round
from tests.factories import PASSWORD, SYSTEM, make_user, voting_election
from tests.factories.tally import close
from tests.factories.voting import ballot_url, logged_in
from tests.support.web import csrf_token, login

G, P = PartnerGroup.GMINA, PartnerGroup.POWIAT
WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.fixture(autouse=True)
def _before_the_last_minutes_of_the_day() -> None:
    """The pages' plan is a time of today in Warsaw (23:59 in these tests): in the day's
    last two minutes wait for midnight rather than fail."""
    now = dt.datetime.now(ZoneInfo("Europe/Warsaw"))
    if now.time() >= dt.time(23, 58):
        tomorrow = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0, 0, 5))
        time.sleep((tomorrow.replace(tzinfo=now.tzinfo) - now).total_seconds())


def events() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "round.close_planned")
            .order_by(AuditEvent.id)
        )
    )


def shown_text(html: str) -> str:
    """What the reader sees of some HTML: the text, its white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def clock(when: dt.datetime) -> str:
    return when.astimezone(WARSAW).strftime("%H:%M")


# --- the service --------------------------------------------------------------------------


def test_planning_an_open_round_keeps_the_time_and_audits_it(ctx):
    w = voting_election(per_group=2, candidates_per_group=2)
    chair = Actor(w["chair"].id, w["chair"].email)
    when = utcnow() + dt.timedelta(minutes=20)
    round_ = close_plan.plan_close(db.session, chair, w["rounds"][G], when)
    assert round_.planned_close_at == when
    (event,) = events()
    assert event.actor_id == w["chair"].id and event.object_id == str(round_.id)
    assert event.details["planned_close_at"] == when.isoformat()
    assert event.details["previous"] is None
    assert event.details["group"] == "gmina" and event.details["number"] == 1
    # A plan never closes anything: the round stays open, even past its time.
    assert round_.status.value == "open"


def test_clearing_the_plan_is_audited_and_clearing_nothing_records_nothing(ctx):
    w = voting_election(per_group=2, candidates_per_group=2)
    round_ = w["rounds"][G]
    when = utcnow() + dt.timedelta(minutes=20)
    close_plan.plan_close(db.session, SYSTEM, round_, when)
    close_plan.plan_close(db.session, SYSTEM, round_, None)
    assert round_.planned_close_at is None
    first, cleared = events()
    assert first.details["planned_close_at"] == when.isoformat()
    assert cleared.details["planned_close_at"] is None
    assert cleared.details["previous"] == when.isoformat()
    close_plan.plan_close(db.session, SYSTEM, round_, None)
    close_plan.plan_close(db.session, SYSTEM, w["rounds"][P], None)
    assert len(events()) == 2


def test_a_pending_round_may_be_planned_too(ctx):
    w = voting_election(per_group=2, candidates_per_group=2)
    round_ = w["rounds"][G]
    round_.status, round_.opened_at = round_.status.PENDING, None
    round_.opening_ballots = round_.opening_marks = None
    db.session.flush()
    when = utcnow() + dt.timedelta(hours=1)
    assert close_plan.plan_close(db.session, SYSTEM, round_, when).planned_close_at == when


def test_a_time_in_the_past_is_refused_and_changes_nothing(ctx):
    w = voting_election(per_group=2, candidates_per_group=2)
    round_ = w["rounds"][G]
    with pytest.raises(ValidationFailed, match="już minęła"):
        close_plan.plan_close(db.session, SYSTEM, round_, utcnow() - dt.timedelta(minutes=1))
    db.session.refresh(round_)
    assert round_.planned_close_at is None
    assert events() == []


def test_a_closed_or_annulled_round_refuses_a_plan_with_a_polish_conflict(ctx):
    w = voting_election(per_group=2, candidates_per_group=2)
    closed = close(w["rounds"][G])
    with pytest.raises(Conflict, match="tylko dla tury oczekującej"):
        close_plan.plan_close(db.session, SYSTEM, closed, utcnow() + dt.timedelta(minutes=5))
    corrections.annul_round(db.session, SYSTEM, w["rounds"][P], "Pomyłka")
    with pytest.raises(Conflict, match="tylko dla tury oczekującej"):
        close_plan.plan_close(db.session, SYSTEM, w["rounds"][P], None)
    assert events() == []


def test_the_live_data_carries_the_plan_so_the_group_is_redrawn(ctx, app):
    w = voting_election(per_group=2, candidates_per_group=2)
    with app.test_request_context():
        before = live(db.session, w["election"], "dashboard")["groups"]["gmina"]
        assert before["round"]["planned_close_at"] is None
        when = utcnow() + dt.timedelta(minutes=20)
        close_plan.plan_close(db.session, SYSTEM, w["rounds"][G], when)
        after = live(db.session, w["election"], "dashboard")["groups"]["gmina"]
    assert after["round"]["planned_close_at"] == when.isoformat()
    assert after["key"] != before["key"]


# --- the pages ----------------------------------------------------------------------------


@pytest.fixture
def world(app) -> dict[str, Any]:
    with app.app_context():
        w = voting_election(per_group=2, candidates_per_group=2)
        db.session.commit()
        return {
            "election": w["election"].id,
            "round": w["rounds"][G].id,
            "powiat_round": w["rounds"][P].id,
            "rep": w["reps"][G][0].email,
            "chair": w["chair"].email,
        }


def plan_url(world: dict[str, Any], round_id: int | None = None) -> str:
    return f"/voting/{world['election']}/chair/rounds/{round_id or world['round']}/planned-close"


def planned(app, round_id: int) -> dt.datetime | None:
    with app.app_context():
        return db.session.get_one(Round, round_id).planned_close_at


def audit_count(app) -> int:
    with app.app_context():
        return len(events())


def dashboard(client, world) -> str:
    return client.get(f"/results/{world['election']}/dashboard").get_data(as_text=True)


def test_the_chair_plans_the_close_from_the_dashboard_and_everyone_sees_it(app, world):
    chair = logged_in(app, world["chair"])
    page = dashboard(chair, world)
    # The small form sits under the group, outside its live section.
    form = re.search(
        rf'<form method="post" action="{re.escape(plan_url(world))}".*?</form>', page, re.S
    )
    assert form is not None
    assert 'type="time"' in form.group(0) and "Planowane zamknięcie tury 1 (gminy)" in form.group(0)
    section = re.search(
        r'<section class="live-group" data-live-group="gmina".*?</section>', page, re.S
    )
    assert section is not None and plan_url(world) not in section.group(0)

    token = csrf_token(chair, f"/results/{world['election']}/dashboard")
    back = f"/results/{world['election']}/dashboard"
    done = chair.post(plan_url(world), data={"csrf_token": token, "at": "23:59", "next": back})
    assert done.status_code == 303 and done.headers["Location"].endswith(back)
    when = planned(app, world["round"])
    assert when is not None and clock(when) == "23:59"
    assert audit_count(app) == 1

    page = chair.get(back).get_data(as_text=True)
    assert "Planowane zamknięcie tury 1 (gminy): 23:59." in page  # the flash
    line = re.search(r'<p class="planned-close".*?</p>', page, re.S)
    assert line is not None
    text = shown_text(line.group(0))
    assert re.search(r"Planowane zamknięcie: 23:59 \(za \d+ min\)", text), text
    assert 'aria-live="off"' in line.group(0) and "js/countdown.js" in page
    assert 'value="23:59"' in page  # the form shows the plan, and a button to clear it
    json = chair.get(f"/results/{world['election']}/dashboard.json").get_json()
    gmina = json["groups"]["gmina"]
    assert gmina["round"]["planned_close_at"] == when.isoformat()
    assert "Planowane zamknięcie:" in gmina["html"]
    assert json["groups"]["powiat"]["round"]["planned_close_at"] is None
    projector = chair.get(f"/results/{world['election']}/projector").get_data(as_text=True)
    assert "Planowane zamknięcie:" in projector and "js/countdown.js" in projector


def test_the_chair_clears_the_plan(app, world):
    chair = logged_in(app, world["chair"])
    token = csrf_token(chair, plan_url(world))
    chair.post(plan_url(world), data={"csrf_token": token, "at": "23:59"})
    assert planned(app, world["round"]) is not None
    done = chair.post(plan_url(world), data={"csrf_token": token, "at": "", "clear": "1"})
    assert done.status_code == 303 and planned(app, world["round"]) is None
    assert audit_count(app) == 2
    assert "Planowane zamknięcie:" not in dashboard(chair, world)


@pytest.mark.parametrize(
    ("at", "status", "message"),
    [
        ("", 400, "Podaj godzinę w postaci GG:MM, np. 10:45."),
        ("25:99", 400, "Podaj godzinę w postaci GG:MM, np. 10:45."),
        ("<script>", 400, "Podaj godzinę w postaci GG:MM"),
        ("00:00", 400, "Ta godzina już minęła; planowane zamknięcie musi być w przyszłości."),
    ],
)
def test_bad_input_shows_the_form_again_with_a_polish_message_and_changes_nothing(
    app, world, at, status, message
):
    chair = logged_in(app, world["chair"])
    token = csrf_token(chair, plan_url(world))
    response = chair.post(plan_url(world), data={"csrf_token": token, "at": at})
    page = response.get_data(as_text=True)
    assert response.status_code == status and message in page
    assert "<script>" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    assert planned(app, world["round"]) is None and audit_count(app) == 0


def test_a_closed_round_refuses_a_plan_with_409_and_changes_nothing(app, world):
    with app.app_context():
        close(db.session.get_one(Round, world["round"]))
        db.session.commit()
    chair = logged_in(app, world["chair"])
    token = csrf_token(chair, plan_url(world))
    response = chair.post(plan_url(world), data={"csrf_token": token, "at": "23:59"})
    assert response.status_code == 409
    assert "tylko dla tury oczekującej" in response.get_data(as_text=True)
    assert planned(app, world["round"]) is None and audit_count(app) == 0
    # …and the dashboard offers no form for it any more.
    assert plan_url(world) not in dashboard(chair, world)


def test_a_post_without_the_csrf_token_is_refused(app, world):
    chair = logged_in(app, world["chair"])
    response = chair.post(plan_url(world), data={"at": "23:59"})
    assert response.status_code == 400 and planned(app, world["round"]) is None


def test_a_round_of_another_election_is_not_found(app, world):
    chair = logged_in(app, world["chair"])
    url = f"/voting/{world['election'] + 1000}/chair/rounds/{world['round']}/planned-close"
    assert chair.get(url).status_code == 404


def test_a_rep_may_not_plan_a_close(app, world):
    rep = logged_in(app, world["rep"])
    token = csrf_token(rep, "/")
    response = rep.post(plan_url(world), data={"csrf_token": token, "at": "23:59"})
    assert response.status_code == 403
    assert rep.get(plan_url(world)).status_code == 403
    assert planned(app, world["round"]) is None and audit_count(app) == 0


def test_an_admin_may(app, world, client):
    with app.app_context():
        admin = make_user(Role.ADMIN)
        db.session.commit()
        login(client, admin.email, PASSWORD)
    page = client.get(plan_url(world))
    assert page.status_code == 200 and 'type="time"' in page.get_data(as_text=True)


def test_the_rep_sees_the_plan_on_the_ballot_and_the_landing_page(app, world):
    rep = logged_in(app, world["rep"])
    assert "Planowane zamknięcie" not in rep.get(
        ballot_url(world["election"], world["round"])
    ).get_data(as_text=True)
    with app.app_context():
        when = utcnow() + dt.timedelta(minutes=12, seconds=30)
        close_plan.plan_close(db.session, SYSTEM, db.session.get_one(Round, world["round"]), when)
        db.session.commit()
    expected = rf"Planowane zamknięcie: {clock(when)} \(za 13 min\)"
    for path in (ballot_url(world["election"], world["round"]), "/", "/voting"):
        page = rep.get(path).get_data(as_text=True)
        line = re.search(r'<p class="planned-close".*?</p>', page, re.S)
        assert line is not None, path
        text = shown_text(line.group(0))
        assert re.search(expected, text), (path, text)
        assert 'data-left-ms="' in line.group(0) and 'aria-live="off"' in line.group(0)
        assert 'data-msg-left="za {n} min"' in line.group(0)
        assert "js/countdown.js" in page, path


def test_the_plan_of_a_round_that_has_closed_is_not_shown(app, world):
    with app.app_context():
        round_ = db.session.get_one(Round, world["round"])
        close_plan.plan_close(db.session, SYSTEM, round_, utcnow() + dt.timedelta(minutes=30))
        close(round_)
        db.session.commit()
    chair = logged_in(app, world["chair"])
    assert "Planowane zamknięcie:" not in dashboard(chair, world)


def test_the_planning_page_in_english_keeps_working(app, world):
    chair = logged_in(app, world["chair"])
    chair.post("/lang/en", data={"csrf_token": csrf_token(chair, "/")})
    response = chair.get(plan_url(world))
    assert response.status_code == 200
