"""Time-based one-time passwords (RFC 6238) and recovery codes, without Flask or a database.

The authenticator app on the user's phone and the server share a random secret; both
derive a 6-digit code from it and the current 30-second time step. Recovery codes are
random, shown once and stored only as hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

import pyotp

from election.db import random_code

#: Shown as the account's issuer in the authenticator app.
ISSUER = "Rada SEKAP"
DIGITS = 6
INTERVAL = 30
#: Accept the previous and the next time step too: phones' clocks drift.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
#: Characters of a recovery code (from the readable alphabet: 12 x 5 bits = 60 bits).
RECOVERY_CODE_LENGTH = 12

_NOT_CODE = re.compile(r"[\s-]")


def new_secret() -> str:
    """A fresh base32 secret (160 bits, the RFC's recommendation)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, account: str) -> str:
    """The ``otpauth://`` URI that authenticator apps import (by QR or by pasting)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=account, issuer_name=ISSUER
    )


def group_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def current_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator shows at ``at`` (now by default); used by tests and the demo."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).at(
        int(time.time() if at is None else at)
    )


def matching_step(
    secret: str, code: str, *, after: int | None = None, at: float | None = None
) -> int | None:
    """The time step ``code`` belongs to, or ``None`` if it matches none in the window.

    A step at or before ``after`` (the last one accepted) is refused, so a code seen
    by someone looking over the shoulder cannot be used a second time.
    """
    code = _NOT_CODE.sub("", code or "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    now = int(time.time() if at is None else at)
    current = now // INTERVAL
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.at(step * INTERVAL), code):
            return step
    return None


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Fresh recovery codes, formatted ``XXXX-XXXX-XXXX`` for reading and typing."""
    codes = []
    for _ in range(count):
        raw = random_code(RECOVERY_CODE_LENGTH)
        codes.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4)))
    return codes


def normalise_recovery_code(code: str) -> str:
    """Upper case without spaces and dashes: how a code is hashed and compared."""
    return _NOT_CODE.sub("", code or "").upper()


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    return len(normalise_recovery_code(code)) == RECOVERY_CODE_LENGTH
