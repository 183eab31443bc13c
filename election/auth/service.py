"""Accounts: creating users, invitations, password links and login."""

from __future__ import annotations

import hashlib
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.auth import totp
from election.auth.models import RecoveryCode, Role, User
from election.auth.rules import password_problem
from election.db import utcnow
from election.errors import N_, Conflict, NotFound, ValidationFailed

#: Invitation and reset links are valid this long.
LINK_MAX_AGE = 3 * 24 * 3600
_SALT = "password-link"

#: The refusal of a partner_rep without (an existing) Partner.
NO_PARTNER = N_("Przedstawiciel musi być przypisany do istniejącego Partnera.")


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
    """Create an account; a partner_rep must name a Partner, nobody else does.

    That the Partner exists is the caller's to check (accounts sit below the Partner
    register: :func:`election.partners.reps.invite` does); the foreign key refuses
    any other id. Raises :class:`Conflict` when the email is taken and
    :class:`ValidationFailed` for a partner_rep without a Partner or a bad password.
    """
    email = normalise_email(email)
    if find_by_email(session, email) is not None:
        raise Conflict(N_("Konto z tym adresem e-mail już istnieje."))
    if role == Role.PARTNER_REP:
        if partner_id is None:
            raise ValidationFailed(NO_PARTNER)
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


def all_users(session: Session) -> list[User]:
    """Every account, by role and then email (the admin's user list)."""
    return list(session.scalars(select(User).order_by(User.role, User.email)))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or ``None``.

    Only the first factor: the caller asks for the second one when
    ``user.totp_enabled`` and then calls :func:`record_login`.
    """
    user = find_by_email(session, email)
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def record_login(session: Session, user: User) -> None:
    """Note a completed login (after every factor)."""
    user.last_login_at = utcnow()


class WrongCode(ValidationFailed):
    """The second factor given at login is not valid (or was already used)."""

    code = "wrong_code"


def complete_second_factor(session: Session, user: User, code: str) -> tuple[str, int]:
    """Accept the second factor of ``user``'s login and record the login.

    Returns how (``"totp"`` or ``"recovery"``) and how many recovery codes are left;
    raises :class:`WrongCode` for a wrong or already used code.
    """
    method = check_second_factor(session, user, code)
    if method is None:
        raise WrongCode(N_("Nieprawidłowy lub już użyty kod."))
    record_login(session, user)
    return method, unused_recovery_codes(session, user)


def log_out(session: Session, user: User) -> None:
    """End the session on the server too: a copied session cookie stops working."""
    user.session_version += 1


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


def set_password(
    session: Session, user: User, password: str, *, action: str = "user.password_set"
) -> None:
    """Set a new password and end every existing session of the user."""
    problem = password_problem(password)
    if problem:
        raise ValidationFailed(problem)
    user.set_password(password)
    user.session_version += 1
    record(session, Actor(user.id, user.email), action, user)


class WrongPassword(ValidationFailed):
    """The current password given to confirm a change is not the user's."""

    code = "wrong_password"


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Replace the password after checking the current one; ends every session.

    The caller logs the current session in again with the new session version, so
    only the other sessions (and any copied cookie) stop working. Raises
    :class:`WrongPassword` or :class:`ValidationFailed`.
    """
    if not user.check_password(current):
        raise WrongPassword(N_("Obecne hasło jest nieprawidłowe."))
    if new == current:
        raise ValidationFailed(N_("Nowe hasło musi się różnić od obecnego."))
    set_password(session, user, new, action="user.password_changed")


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


# --- two-factor login ---------------------------------------------------------------


def new_totp_secret() -> str:
    """A secret for the setup page; nothing is stored until :func:`enable_totp`."""
    return totp.new_secret()


def enable_totp(session: Session, user: User, secret: str, code: str) -> list[str]:
    """Turn on two-factor login once ``code`` proves the app holds ``secret``.

    Returns the plain recovery codes, to be shown once; only their hashes are kept.
    Raises :class:`Conflict` when already on, :class:`ValidationFailed` for a wrong code.
    """
    if user.totp_enabled:
        raise Conflict(N_("Logowanie dwuetapowe jest już włączone."))
    step = totp.matching_step(secret, code)
    if step is None:
        raise ValidationFailed(
            N_("Nieprawidłowy kod. Sprawdź, czy telefon ma dokładny czas, i spróbuj ponownie.")
        )
    user.totp_secret = secret
    user.totp_enabled = True
    user.totp_last_step = step
    codes = issue_recovery_codes(session, user)
    record(session, Actor(user.id, user.email), "user.2fa_enabled", user)
    return codes


def issue_recovery_codes(session: Session, user: User) -> list[str]:
    """Fresh recovery codes for ``user`` (the old ones stop working); plain, to show once."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = totp.new_recovery_codes()
    session.add_all(
        RecoveryCode(user_id=user.id, code_hash=totp.hash_recovery_code(code)) for code in codes
    )
    session.flush()
    return codes


def renew_recovery_codes(session: Session, user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), confirmed by a current TOTP code."""
    if not user.totp_enabled or not _accept_totp(session, user, code):
        raise ValidationFailed(N_("Nieprawidłowy kod z aplikacji."))
    codes = issue_recovery_codes(session, user)
    record(session, Actor(user.id, user.email), "user.recovery_codes_renewed", user)
    return codes


def unused_recovery_codes(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def _accept_totp(session: Session, user: User, code: str) -> bool:
    if not user.totp_secret:
        return False
    step = totp.matching_step(user.totp_secret, code, after=user.totp_last_step)
    if step is None:
        return False
    # Conditional update: of two requests racing with the same code only one wins.
    result = session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.expire(user, ["totp_last_step"])
    return True


def check_second_factor(session: Session, user: User, code: str) -> str | None:
    """Accept a TOTP code or an unused recovery code; ``"totp"``, ``"recovery"`` or ``None``.

    Both are single-use: a TOTP code's time step, and a recovery code's row, are
    marked in the caller's transaction.
    """
    if not user.totp_enabled:
        return None
    if _accept_totp(session, user, code):
        return "totp"
    if not totp.looks_like_recovery_code(code):
        return None
    result = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == totp.hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    record(
        session,
        Actor(user.id, user.email),
        "user.recovery_code_used",
        user,
        remaining=unused_recovery_codes(session, user),
    )
    return "recovery"


def disable_totp(session: Session, actor: Actor, user: User, *, reset: bool = False) -> None:
    """Turn two-factor login off and forget the secret and recovery codes.

    ``reset`` is an admin's reset for a user who lost the phone: it also ends every
    session of that user.
    """
    user.totp_enabled = False
    user.totp_secret = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if reset:
        user.session_version += 1
    record(session, actor, "user.2fa_reset" if reset else "user.2fa_disabled", user)
