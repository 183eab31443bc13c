"""The login throttle on its own: growing delays, separate buckets, the owner told once.

The storage is the ``limits`` library's memory storage on a clock the test moves.
"""

from __future__ import annotations

import types
from collections.abc import Iterator

import limits.storage.memory
import pytest
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from election.auth.throttle import Attempt, LoginThrottle, Policy, account_digest
from election.config import defaults

CHAIR = account_digest(b"key", "przewodniczacy@example.pl")
GUESSER = "203.0.113.9"
CHAIR_LAPTOP = "198.51.100.7"


class Clock:
    def __init__(self) -> None:
        self.now = 1_780_000_000.0

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    # The memory storage reads ``time.time()`` of its own module: only it is moved.
    monkeypatch.setattr(limits.storage.memory, "time", types.SimpleNamespace(time=clock.time))
    return clock


@pytest.fixture
def throttle(clock: Clock, tmp_path) -> Iterator[LoginThrottle]:
    storage = MemoryStorage()
    policy = Policy.from_config(defaults(str(tmp_path)))
    yield LoginThrottle(MovingWindowRateLimiter(storage), policy, "test", clock=clock.time)
    storage.timer.cancel()


def fail(throttle: LoginThrottle, attempt: Attempt, times: int) -> None:
    for _ in range(times):
        assert throttle.wait(attempt) == 0
        throttle.failed(attempt)


def test_the_account_names_in_the_store_are_not_the_email_addresses():
    digest = account_digest(b"key", "anna@example.pl")
    assert "anna" not in digest and digest == account_digest(b"key", "anna@example.pl")
    assert digest != account_digest(b"other key", "anna@example.pl")


def test_failures_of_one_account_from_one_address_meet_growing_delays(throttle, clock):
    guess = Attempt(CHAIR, GUESSER)
    fail(throttle, guess, 5)
    assert 0 < throttle.wait(guess) <= 60  # after 5: up to a minute
    clock.advance(61)
    fail(throttle, guess, 5)
    clock.advance(61)
    assert 60 < throttle.wait(guess) <= 600  # after 10: up to ten minutes
    clock.advance(600)
    fail(throttle, guess, 5)
    clock.advance(61)
    fail(throttle, guess, 5)
    clock.advance(601)
    assert 600 < throttle.wait(guess) <= 3600  # after 20: up to an hour
    clock.advance(3600)
    for _ in range(4):
        fail(throttle, guess, 5)
        clock.advance(601)
    assert 3600 < throttle.wait(guess) <= 24 * 3600  # after 40: the day's window


def test_the_owner_from_another_address_is_not_held_by_a_strangers_failures(throttle):
    fail(throttle, Attempt(CHAIR, GUESSER), 5)
    assert throttle.wait(Attempt(CHAIR, GUESSER)) > 0
    assert throttle.wait(Attempt(CHAIR, CHAIR_LAPTOP)) == 0


def test_guessing_from_many_addresses_stops_for_untrusted_browsers_only(throttle, clock):
    for n in range(10):
        fail(throttle, Attempt(CHAIR, f"203.0.113.{n}"), 5)
    # 50 failures within the hour: every browser without the device cookie waits …
    assert throttle.wait(Attempt(CHAIR, "192.0.2.1")) > 0
    # … but the chair's own browser does not.
    assert throttle.wait(Attempt(CHAIR, CHAIR_LAPTOP, device="chair-laptop")) == 0


def test_a_trusted_browser_has_its_own_growing_delays(throttle):
    laptop = Attempt(CHAIR, CHAIR_LAPTOP, device="chair-laptop")
    fail(throttle, laptop, 5)
    assert throttle.wait(laptop) > 0
    assert throttle.wait(Attempt(CHAIR, CHAIR_LAPTOP, device="chair-phone")) == 0


def test_one_address_may_fail_for_many_accounts_up_to_its_wide_limit(throttle):
    room = "192.0.2.50"  # a meeting room behind one NAT address
    for n in range(30):
        fail(throttle, Attempt(account_digest(b"key", f"rep{n}@example.pl"), room), 1)
    other = Attempt(account_digest(b"key", "rep99@example.pl"), room)
    assert throttle.wait(other) > 0
    # A rep's trusted browser behind the same address is not held.
    assert throttle.wait(Attempt(other.account, room, device="rep99-laptop")) == 0


def test_a_success_forgets_the_failures_of_that_browser_or_address(throttle):
    typo = Attempt(CHAIR, CHAIR_LAPTOP)
    fail(throttle, typo, 4)
    throttle.succeeded(typo)
    fail(throttle, typo, 5)  # five more before any delay
    assert throttle.wait(typo) > 0


def test_the_owner_is_told_once_an_hour_after_repeated_failures(throttle, clock):
    told = []
    for n in range(12):
        told.append(throttle.failed(Attempt(CHAIR, f"203.0.113.{n}")))
    assert told == [False] * 4 + [True] + [False] * 7
    clock.advance(3601)
    told = [throttle.failed(Attempt(CHAIR, f"203.0.113.{n}")) for n in range(5)]
    assert told == [False] * 4 + [True]
