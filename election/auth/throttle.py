"""Login throttling: guessing passwords is slowed to a crawl, yet nobody can lock the
owner of an account out by typing wrong passwords for it.

Only **failed** attempts count (a wrong password, or an unknown email); a blocked
attempt is refused before its password is checked, so the answer never tells a
guesser whether the password was right. The counts are moving windows of the
``limits`` library, kept in the rate limiter's storage (Redis with ``REDIS_URL``: one
count for every worker process). An attempt falls in one of two kinds of bucket:

* from a **trusted browser** — one that logged in to this account before (it holds a
  signed device cookie naming the account, see :mod:`election.auth.views.login`):
  only that browser's own failures count, with growing delays. Nobody else's failures,
  from any address, ever block it.
* from **any other browser**: the failures of this account from this address, with
  growing delays (after 5 wait up to a minute, after 10 up to 10 minutes, after 20 up
  to an hour, after 40 until the day's window moves); the failures from this address
  for any account, with a wide allowance (a meeting room behind one NAT address); and
  the failures of this account from all untrusted browsers together, which stops
  guessing spread over many addresses — and, when it is reached, still lets the
  owner's trusted browsers in.

The owner is told by email once the account has had several failures within an hour,
and at most once an hour.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, RateLimitItemPerHour, parse_many
from limits.strategies import RateLimiter


def account_digest(key: bytes, email: str) -> str:
    """A stable name of the account ``email`` (already normalised) that does not reveal it:
    the storage's keys and the device cookie carry this, never the address itself."""
    return hmac.new(key, f"login-account:{email}".encode(), hashlib.sha256).hexdigest()[:24]


@dataclass(frozen=True)
class Policy:
    """How many failures each bucket allows (see the module's docstring)."""

    per_account_and_address: list[RateLimitItem]
    per_device: list[RateLimitItem]
    per_address: list[RateLimitItem]
    per_account: list[RateLimitItem]
    #: The owner is told after this many failures within an hour.
    notice_after: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Policy:
        return cls(
            per_account_and_address=parse_many(config["LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"]),
            per_device=parse_many(config["LOGIN_FAILURES_PER_DEVICE"]),
            per_address=parse_many(config["LOGIN_FAILURES_PER_ADDRESS"]),
            per_account=parse_many(config["LOGIN_FAILURES_PER_ACCOUNT"]),
            notice_after=int(config["LOGIN_FAILURES_BEFORE_NOTICE"]),
        )


@dataclass(frozen=True)
class Attempt:
    """One login attempt: the account typed (its digest), the client's address, and
    ``device`` — the trusted browser's id when it presented a valid device cookie for
    this very account, else ``None``."""

    account: str
    address: str
    device: str | None = None


class LoginThrottle:
    """The login's failure counts over a ``limits`` rate limiter (moving windows).

    ``prefix`` separates apps sharing one store; ``clock`` is only for the wait shown.
    """

    def __init__(
        self,
        limiter: RateLimiter,
        policy: Policy,
        prefix: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limiter = limiter
        self.policy = policy
        self.prefix = prefix
        self.clock = clock

    def _buckets(self, attempt: Attempt) -> list[tuple[list[RateLimitItem], tuple[str, ...]]]:
        p = self.prefix
        if attempt.device is not None:
            return [(self.policy.per_device, (p, "login-device", attempt.device))]
        return [
            (
                self.policy.per_account_and_address,
                (p, "login-pair", attempt.account, attempt.address),
            ),
            (self.policy.per_address, (p, "login-address", attempt.address)),
            (self.policy.per_account, (p, "login-account", attempt.account)),
        ]

    def wait(self, attempt: Attempt) -> int:
        """Seconds until ``attempt`` may be checked; 0: check the password now."""
        longest = 0.0
        for items, ids in self._buckets(attempt):
            for item in items:
                if not self.limiter.test(item, *ids):
                    reset, _left = self.limiter.get_window_stats(item, *ids)
                    longest = max(longest, reset - self.clock(), 1.0)
        return math.ceil(longest)

    def failed(self, attempt: Attempt) -> bool:
        """Count a failed attempt; ``True`` when the account's owner should be told now
        (the failures within the hour reached the notice threshold, and nobody was told
        within the hour)."""
        for items, ids in self._buckets(attempt):
            for item in items:
                self.limiter.hit(item, *ids)
        counted = RateLimitItemPerHour(self.policy.notice_after)
        ids = (self.prefix, "login-notice", attempt.account)
        self.limiter.hit(counted, *ids)
        if self.limiter.test(counted, *ids):
            return False
        return self.limiter.hit(RateLimitItemPerHour(1), self.prefix, "login-told", attempt.account)

    def succeeded(self, attempt: Attempt) -> None:
        """The password was right: forget this browser's (or this address's) failures of
        the account, so the owner's own typos do not linger."""
        bucket, ids = self._buckets(attempt)[0]
        for item in bucket:
            self.limiter.clear(item, *ids)
