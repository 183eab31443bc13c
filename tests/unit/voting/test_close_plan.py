"""A round's planned closing time without a database: the rule on the round, the time the
chair types, the day it falls on, the minutes left (issue 15, item 9)."""

import datetime as dt

import pytest

from election.errors import Conflict, ValidationFailed
from election.voting.close_plan import minutes_left, parse_clock, shown_plan, today_at
from election.voting.models import Round, RoundStatus

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)  # 10:00 in Warsaw (winter, UTC+1)


def a_round(status: RoundStatus) -> Round:
    return Round(number=1, seats=1, status=status)


@pytest.mark.parametrize("status", [RoundStatus.PENDING, RoundStatus.OPEN])
def test_a_pending_or_open_round_takes_a_plan_in_the_future_and_clears_it(status):
    round_ = a_round(status)
    later = NOW + dt.timedelta(minutes=45)
    round_.plan_close(NOW, later)
    assert round_.planned_close_at == later and round_.status == status
    round_.plan_close(NOW, None)
    assert round_.planned_close_at is None


@pytest.mark.parametrize("when", [NOW, NOW - dt.timedelta(minutes=1)])
def test_a_plan_not_in_the_future_is_refused_and_the_old_one_stays(when):
    round_ = a_round(RoundStatus.OPEN)
    kept = NOW + dt.timedelta(hours=1)
    round_.planned_close_at = kept
    with pytest.raises(ValidationFailed, match="już minęła"):
        round_.plan_close(NOW, when)
    assert round_.planned_close_at == kept


@pytest.mark.parametrize("status", [RoundStatus.CLOSED, RoundStatus.ANNULLED])
def test_a_closed_or_annulled_round_takes_no_plan_and_no_clearing(status):
    round_ = a_round(status)
    for when in (NOW + dt.timedelta(minutes=5), None):
        with pytest.raises(Conflict, match="tylko dla tury oczekującej"):
            round_.plan_close(NOW, when)
    assert round_.planned_close_at is None


def test_the_plan_is_shown_only_while_the_round_has_not_closed():
    later = NOW + dt.timedelta(minutes=5)
    for status, shown in [
        (RoundStatus.PENDING, later),
        (RoundStatus.OPEN, later),
        (RoundStatus.CLOSED, None),
        (RoundStatus.ANNULLED, None),
    ]:
        round_ = a_round(status)
        round_.planned_close_at = later
        assert shown_plan(round_) == shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:45", dt.time(10, 45)),
        ("9:05", dt.time(9, 5)),
        (" 10.45 ", dt.time(10, 45)),
        ("23:59:00", dt.time(23, 59)),
        ("00:00", dt.time(0, 0)),
    ],
)
def test_the_chair_types_a_time_of_day(text, expected):
    assert parse_clock(text) == expected


@pytest.mark.parametrize(
    "text", ["", None, "24:00", "10:60", "1045", "10:4", "za 10 min", "１:45", "10:45:61"]
)
def test_anything_but_a_time_of_day_is_refused_in_polish(text):
    with pytest.raises(ValidationFailed, match="GG:MM"):
        parse_clock(text)


def test_the_time_falls_on_today_in_warsaw_in_winter_and_summer():
    assert today_at(dt.time(10, 45), NOW) == dt.datetime(2026, 12, 3, 9, 45, tzinfo=dt.UTC)
    summer = dt.datetime(2026, 6, 3, 8, 0, tzinfo=dt.UTC)  # 10:00 in Warsaw (UTC+2)
    assert today_at(dt.time(10, 45), summer) == dt.datetime(2026, 6, 3, 8, 45, tzinfo=dt.UTC)
    # 23:30 UTC is already the next day in Warsaw: "10:45" is that day's morning.
    late = dt.datetime(2026, 12, 3, 23, 30, tzinfo=dt.UTC)
    assert today_at(dt.time(10, 45), late) == dt.datetime(2026, 12, 4, 9, 45, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("left", "minutes"),
    [
        (dt.timedelta(minutes=12), 12),
        (dt.timedelta(minutes=11, seconds=1), 12),
        (dt.timedelta(seconds=30), 1),
        (dt.timedelta(0), 0),
        (dt.timedelta(minutes=-5), 0),
    ],
)
def test_minutes_left_round_up_and_stop_at_zero(left, minutes):
    assert minutes_left(NOW + left, NOW) == minutes
