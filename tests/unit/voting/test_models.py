"""The round's state changes (``Round.open``, ``Round.close``), without a database."""

import datetime as dt

import pytest

from election.candidates.models import Candidate
from election.errors import Conflict, RoundClosed, ValidationFailed
from election.voting.models import Round, RoundStatus

NOW = dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.UTC)


def a_round(status: RoundStatus = RoundStatus.PENDING, *, candidates: int = 2) -> Round:
    round_ = Round(number=1, seats=1, status=status)
    round_.candidates = [Candidate(full_name=f"Anna Nowak {i}") for i in range(candidates)]
    return round_


def test_a_pending_round_opens_empty_and_keeps_the_opening_check():
    round_ = a_round()
    round_.open(NOW, ballots=0, marks=0)
    assert round_.status == RoundStatus.OPEN and round_.opened_at == NOW
    assert (round_.opening_ballots, round_.opening_marks) == (0, 0)


@pytest.mark.parametrize(
    ("status", "kwargs", "error", "message"),
    [
        (RoundStatus.OPEN, {}, Conflict, "jest już otwarta"),
        (RoundStatus.CLOSED, {}, RoundClosed, "nie można jej ponownie otworzyć"),
        (RoundStatus.PENDING, {"another_open": True}, Conflict, "inna tura"),
        (RoundStatus.PENDING, {"ballots": 1}, Conflict, "Kontrola otwarcia"),
        (RoundStatus.PENDING, {"marks": 1}, Conflict, "Kontrola otwarcia"),
    ],
)
def test_opening_is_refused_with_the_reason_and_changes_nothing(status, kwargs, error, message):
    round_ = a_round(status)
    counts = {"ballots": 0, "marks": 0, **kwargs}
    with pytest.raises(error, match=message):
        round_.open(NOW, **counts)
    assert round_.status == status and round_.opened_at is None


def test_a_round_without_candidates_does_not_open():
    round_ = a_round(candidates=0)
    with pytest.raises(ValidationFailed, match="nie ma kandydatów"):
        round_.open(NOW, ballots=0, marks=0)
    assert round_.status == RoundStatus.PENDING


def test_the_state_is_checked_before_the_group_and_the_contents():
    """A closed round says it is closed, even while another round of its group is open."""
    with pytest.raises(RoundClosed):
        a_round(RoundStatus.CLOSED).open(NOW, ballots=3, marks=3, another_open=True)


def test_an_open_round_closes_once():
    round_ = a_round(RoundStatus.OPEN)
    round_.close(NOW)
    assert round_.status == RoundStatus.CLOSED and round_.closed_at == NOW
    with pytest.raises(RoundClosed, match="już zamknięta"):
        round_.close(NOW)


def test_a_pending_round_cannot_close():
    round_ = a_round()
    with pytest.raises(Conflict, match="nie została jeszcze otwarta"):
        round_.close(NOW)
    assert round_.status == RoundStatus.PENDING and round_.closed_at is None


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (RoundStatus.PENDING, "jeszcze się nie rozpoczęło"),
        (RoundStatus.CLOSED, "nie można już głosować"),
    ],
)
def test_only_an_open_round_takes_ballots(status, message):
    with pytest.raises(RoundClosed, match=message):
        a_round(status).require_open()
    a_round(RoundStatus.OPEN).require_open()
