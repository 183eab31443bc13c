"""Accounts: creating users, invitations, password links and login."""

from __future__ import annotations

import hashlib
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.auth.models import Role, User
from election.auth.rules import password_problem
from election.db import utcnow
from election.errors import N_, Conflict, NotFound, ValidationFailed
from election.partners.models import Partner

#: Invitation and reset links are valid this long.
LINK_MAX_AGE = 3 * 24 * 3600
_SALT = "password-link"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    full_name: str,
    role: Role,
    partner_id: int | None = None,
    password: str | None = None,
) -> User:
    """Create an account; a partner_rep must name an existing Partner.

    Raises :class:`Conflict` when the email is taken and :class:`ValidationFailed`
    for a bad Partner or password.
    """
    email = normalise_email(email)
    if find_by_email(session, email) is not None:
        raise Conflict(N_("Konto z tym adresem e-mail już istnieje."))
    if role == Role.PARTNER_REP:
        if partner_id is None or session.get(Partner, partner_id) is None:
            raise ValidationFailed(
                N_("Przedstawiciel musi być przypisany do istniejącego Partnera.")
            )
    else:
        partner_id = None
    user = User(email=email, full_name=full_name.strip(), role=role, partner_id=partner_id)
    if password is not None:
        problem = password_problem(password)
        if problem:
            raise ValidationFailed(problem)
        user.set_password(password)
    session.add(user)
    session.flush()
    record(session, actor, "user.created", user, role=role.value, partner_id=partner_id)
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = find_by_email(session, email)
    if user is None or not user.active or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def _fingerprint(user: User) -> str:
    # Binding the link to the current password hash and session version makes it
    # single-use: setting a password changes both, and the link no longer verifies.
    raw = f"{user.password_hash or ''}:{user.session_version}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def make_password_token(secret_key: str, user: User) -> str:
    serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
    return serializer.dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_token(session: Session, secret_key: str, token: str) -> User:
    """The user a password link is for; raises :class:`ValidationFailed` if not valid."""
    serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
    try:
        data: dict[str, Any] = serializer.loads(token, max_age=LINK_MAX_AGE)
    except SignatureExpired as exc:
        raise ValidationFailed(N_("Link wygasł. Poproś o nowy.")) from exc
    except BadSignature as exc:
        raise ValidationFailed(N_("Link jest nieprawidłowy.")) from exc
    user = session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        raise ValidationFailed(N_("Link został już użyty lub jest nieprawidłowy."))
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Set a new password and end every existing session of the user."""
    problem = password_problem(password)
    if problem:
        raise ValidationFailed(problem)
    user.set_password(password)
    user.session_version += 1
    record(session, Actor(user.id, user.email), "user.password_set", user)


def end_sessions(session: Session, actor: Actor, user: User) -> None:
    user.session_version += 1
    record(session, actor, "user.sessions_ended", user)


def deactivate(session: Session, actor: Actor, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    user.active = False
    user.session_version += 1
    record(session, actor, "user.deactivated", user)
    return user


def reps_of_partner(session: Session, partner_id: int) -> list[User]:
    return list(session.scalars(select(User).where(User.partner_id == partner_id)))


def count_users(session: Session) -> int:
    return session.scalar(select(func.count(User.id))) or 0
