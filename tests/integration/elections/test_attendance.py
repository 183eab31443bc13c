"""Recording attendance (the service): on the roll only, from the announcement until the
certification, each change audited once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.auth.models import Role
from election.elections import attendance
from election.elections.people import AttendanceMode
from election.errors import NotFound, WrongPhase
from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import SYSTEM, make_election, make_partner, make_user
from tests.factories.people import make_attendance


def audited(action: str) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_before_voting_the_roll_is_the_register_as_it_is_now(ctx):
    election = make_election("candidates_published")
    eligible = make_partner(PartnerGroup.POWIAT)
    late = make_partner(PartnerGroup.POWIAT, signed=dt.date(2026, 6, 1))  # after the cut-off
    attendance.mark(db.session, SYSTEM, election, eligible.id, AttendanceMode.ROOM)
    with pytest.raises(NotFound):
        attendance.mark(db.session, SYSTEM, election, late.id, AttendanceMode.ROOM)
    assert [line.mode for line in attendance.roster(db.session, election)] == [AttendanceMode.ROOM]


@pytest.mark.parametrize("phase", ["draft", "certified"])
def test_attendance_is_recorded_only_while_the_meeting_can_take_place(ctx, phase):
    election = make_election(phase)
    partner = make_partner()
    with pytest.raises(WrongPhase):
        attendance.mark(db.session, SYSTEM, election, partner.id, AttendanceMode.ONLINE)


def test_changing_the_mode_is_audited_and_repeating_it_is_not(ctx):
    election = make_election("candidates_published")
    partner = make_partner()
    attendance.mark(db.session, SYSTEM, election, partner.id, AttendanceMode.ROOM)
    attendance.mark(db.session, SYSTEM, election, partner.id, AttendanceMode.ROOM)
    attendance.mark(db.session, SYSTEM, election, partner.id, AttendanceMode.ONLINE)
    attendance.mark(db.session, SYSTEM, election, partner.id, None)
    attendance.mark(db.session, SYSTEM, election, partner.id, None)
    assert audited("attendance.marked") == 2 and audited("attendance.cleared") == 1
    assert attendance.present(db.session, election) == {}


def test_marking_online_counts_only_active_representatives_logged_in_since(ctx):
    election = make_election("candidates_published")
    fresh, stale, gone, present = (make_partner() for _ in range(4))
    now = dt.datetime.now(dt.UTC)
    for partner, login_at, active in [
        (fresh, now, True),
        (stale, now - dt.timedelta(days=1), True),
        (gone, now, False),
        (present, now, True),
    ]:
        user = make_user(Role.PARTNER_REP, partner=partner)
        user.last_login_at, user.active = login_at, active
    make_attendance(election, present, "room")
    marked = attendance.mark_online_logged_in(
        db.session, SYSTEM, election, now - dt.timedelta(hours=1)
    )
    assert marked == [fresh.id]
    assert attendance.present(db.session, election)[present.id].mode == AttendanceMode.ROOM
