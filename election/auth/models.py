"""Accounts."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from election.access import STAFF, Role
from election.db import Base, UTCDateTime, enum_type, utcnow

if TYPE_CHECKING:
    # Only the type: accounts sit below the Partner register and never import it.
    from election.partners.models import Partner


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        # A partner_rep is bound to exactly one Partner; nobody else is.
        CheckConstraint(
            "(role = 'partner_rep' AND partner_id IS NOT NULL)"
            " OR (role <> 'partner_rep' AND partner_id IS NULL)",
            name="rep_has_partner",
        ),
        # Two-factor secrets are only ever stored sealed (election/auth/keyring.py): a
        # plain base32 secret cannot be written, whatever the code does.
        CheckConstraint(
            "totp_secret_sealed IS NULL OR totp_secret_sealed LIKE 'v1.%'", name="totp_sealed"
        ),
        CheckConstraint(
            "totp_pending_sealed IS NULL OR totp_pending_sealed LIKE 'v1.%'",
            name="totp_pending_sealed",
        ),
        CheckConstraint(
            "NOT totp_enabled OR totp_secret_sealed IS NOT NULL", name="totp_on_has_secret"
        ),
        CheckConstraint(
            "valid_from IS NULL OR valid_until IS NULL OR valid_from < valid_until",
            name="validity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    #: scrypt hash; empty until the invitation link is used.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Bumped at logout and password change: sessions carrying an older value are void.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    locale: Mapped[str | None] = mapped_column(String(5))
    #: The TOTP secret, sealed (:mod:`election.auth.keyring`); set when two-factor login
    #: is confirmed, cleared when it is turned off or reset.
    totp_secret_sealed: Mapped[str | None] = mapped_column(String(255))
    #: The secret shown on the setup page, sealed, until the user confirms it with a code:
    #: kept here rather than in the (client-side) session cookie.
    totp_pending_sealed: Mapped[str | None] = mapped_column(String(255))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The last TOTP time step accepted: a code is never accepted twice (replay).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: An account for a limited time (an authorised voter's, given by a verified
    #: authorisation): it signs in from ``valid_from`` until before ``valid_until``.
    #: Empty: no limit on that side.
    valid_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    #: Named by string: the mapper finds the class once the partners feature is loaded.
    partner: Mapped[Partner | None] = relationship("Partner")

    def get_id(self) -> str:
        # The session stores id and version together, so bumping the version
        # ends every session of this user on the server side.
        return f"{self.id}:{self.session_version}"

    def valid_at(self, now: dt.datetime) -> bool:
        """Whether ``now`` is within the account's validity (always, without limits)."""
        if self.valid_from is not None and now < self.valid_from:
            return False
        return self.valid_until is None or now < self.valid_until

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Not deactivated, and within its validity now: the account may sign in."""
        return self.active and self.valid_at(utcnow())

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_staff(self) -> bool:
        """Admin or chair (:data:`election.access.STAFF`): the roles for which two-factor
        login can be required."""
        return self.role in STAFF

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class RecoveryCode(Base):
    """A single-use code that stands in for a TOTP code when the phone is lost.

    Only a SHA-256 hash is stored: the codes are random (60 bits), so a slow hash
    adds nothing, and the plain codes are shown to the user once.
    """

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when the code is used; a used code never works again.
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
