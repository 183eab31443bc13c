"""Builders for two-factor login tests."""

from __future__ import annotations

from dataclasses import dataclass

from election.auth import service as auth_service
from election.auth import totp
from election.auth.keyring import current_keyring
from election.auth.models import Role
from election.extensions import db
from tests.factories import make_user


@dataclass
class TwoFactorUser:
    """Plain values, usable after the session that made the user is gone."""

    id: int
    email: str
    secret: str
    recovery_codes: list[str]


def make_user_with_2fa(role: Role = Role.ADMIN, **kwargs: object) -> TwoFactorUser:
    """A user with two-factor login already on and no TOTP step used yet."""
    user = make_user(role, **kwargs)  # type: ignore[arg-type]
    secret = totp.new_secret()
    user.totp_secret_sealed = current_keyring().seal(secret, user.id)
    user.totp_enabled = True
    codes = auth_service.issue_recovery_codes(db.session, user)
    db.session.flush()
    return TwoFactorUser(user.id, user.email, secret, codes)
