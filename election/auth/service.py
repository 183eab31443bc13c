"""Accounts: creating users, invitations, password links and login."""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.auth import totp
from election.auth.keyring import CannotOpen, TotpKeyring
from election.auth.models import RecoveryCode, Role, User
from election.auth.rules import password_problem
from election.db import utcnow
from election.errors import N_, Conflict, NotFound, ValidationFailed

log = logging.getLogger(__name__)

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
    """The active user with this email and password, or ``None``; an account outside
    its validity (``User.valid_at``) is not active.

    Only the first factor: the caller asks for the second one when
    ``user.totp_enabled`` and then calls :func:`record_login`.
    """
    user = find_by_email(session, email)
    if user is None or not user.is_active or not user.check_password(password):
        return None
    return user


def record_login(session: Session, user: User) -> None:
    """Note a completed login (after every factor)."""
    user.last_login_at = utcnow()


class WrongCode(ValidationFailed):
    """The second factor given at login is not valid (or was already used)."""

    code = "wrong_code"


def complete_second_factor(
    session: Session, keyring: TotpKeyring, user: User, code: str
) -> tuple[str, int]:
    """Accept the second factor of ``user``'s login and record the login.

    Returns how (``"totp"`` or ``"recovery"``) and how many recovery codes are left;
    raises :class:`WrongCode` for a wrong or already used code.
    """
    method = check_second_factor(session, keyring, user, code)
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


def read_password_token(secret_key: str, token: str) -> dict[str, Any]:
    """What a password link says — its user, the fingerprint it was made for, and when it
    expires (seconds since the epoch) — once its signature and age are checked.

    This claim, not the token, is what the session keeps after the link's first visit.
    Raises :class:`ValidationFailed` for a link that is expired or not ours.
    """
    serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
    try:
        data, signed_at = serializer.loads(token, max_age=LINK_MAX_AGE, return_timestamp=True)
    except SignatureExpired as exc:
        raise ValidationFailed(N_("Link wygasł. Poproś o nowy.")) from exc
    except BadSignature as exc:
        raise ValidationFailed(N_("Link jest nieprawidłowy.")) from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise ValidationFailed(N_("Link jest nieprawidłowy."))
    return {"u": data["u"], "f": data.get("f"), "exp": int(signed_at.timestamp()) + LINK_MAX_AGE}


def user_for_password_claim(session: Session, claim: Any) -> User:
    """The user a password link's claim (:func:`read_password_token`) is for; raises
    :class:`ValidationFailed` once it expired, or once the link was used (setting a
    password changes the fingerprint) or the user deactivated."""
    if not isinstance(claim, dict) or not isinstance(claim.get("u"), int):
        raise ValidationFailed(N_("Link jest nieprawidłowy."))
    if time.time() > claim.get("exp", 0):
        raise ValidationFailed(N_("Link wygasł. Poproś o nowy."))
    user = session.get(User, claim["u"])
    if user is None or not user.active or claim.get("f") != _fingerprint(user):
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
#
# Secrets are stored sealed (election/auth/keyring.py); the keyring is handed in like
# the signing key of password links, so these functions never read the app's settings.


def pending_totp_secret(keyring: TotpKeyring, user: User) -> str | None:
    """The secret being set up (shown on the setup page, not confirmed yet), if any."""
    if not user.totp_pending_sealed:
        return None
    try:
        return keyring.open(user.totp_pending_sealed, user.id)
    except CannotOpen:
        return None  # sealed with a key since rotated away: the page starts over


def start_totp_setup(session: Session, keyring: TotpKeyring, user: User) -> str:
    """A fresh secret for the setup page, kept sealed on the user's row until confirmed
    by :func:`enable_totp` (never in the client-side session). Raises :class:`Conflict`
    when two-factor login is on already."""
    if user.totp_enabled:
        raise Conflict(N_("Logowanie dwuetapowe jest już włączone."))
    secret = totp.new_secret()
    user.totp_pending_sealed = keyring.seal(secret, user.id)
    session.flush()
    return secret


def enable_totp(session: Session, keyring: TotpKeyring, user: User, code: str) -> list[str]:
    """Turn on two-factor login once ``code`` proves the app holds the pending secret.

    Returns the plain recovery codes, to be shown once; only their hashes are kept.
    Raises :class:`Conflict` when already on, :class:`ValidationFailed` for a wrong code
    or when no setup is pending.
    """
    if user.totp_enabled:
        raise Conflict(N_("Logowanie dwuetapowe jest już włączone."))
    secret = pending_totp_secret(keyring, user)
    if secret is None:
        raise ValidationFailed(N_("Klucz wygasł. Otwórz stronę konfiguracji ponownie."))
    step = totp.matching_step(secret, code)
    if step is None:
        raise ValidationFailed(
            N_("Nieprawidłowy kod. Sprawdź, czy telefon ma dokładny czas, i spróbuj ponownie.")
        )
    user.totp_secret_sealed = keyring.seal(secret, user.id)
    user.totp_pending_sealed = None
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


def renew_recovery_codes(
    session: Session, keyring: TotpKeyring, user: User, code: str
) -> list[str]:
    """New recovery codes (the old ones stop working), confirmed by a current TOTP code."""
    if not user.totp_enabled or not _accept_totp(session, keyring, user, code):
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


def _accept_totp(session: Session, keyring: TotpKeyring, user: User, code: str) -> bool:
    if not user.totp_secret_sealed:
        return False
    try:
        secret = keyring.open(user.totp_secret_sealed, user.id)
    except CannotOpen:
        # Every code is refused until the key is back (or an admin resets the user's
        # 2FA): say so where the operator looks, not to the person logging in.
        log.error("the TOTP secret of user %s does not open with the configured keys", user.id)
        return False
    step = totp.matching_step(secret, code, after=user.totp_last_step)
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


def check_second_factor(
    session: Session, keyring: TotpKeyring, user: User, code: str
) -> str | None:
    """Accept a TOTP code or an unused recovery code; ``"totp"``, ``"recovery"`` or ``None``.

    Both are single-use: a TOTP code's time step, and a recovery code's row, are
    marked in the caller's transaction.
    """
    if not user.totp_enabled:
        return None
    if _accept_totp(session, keyring, user, code):
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
    user.totp_secret_sealed = None
    user.totp_pending_sealed = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if reset:
        user.session_version += 1
    record(session, actor, "user.2fa_reset" if reset else "user.2fa_disabled", user)


def reseal_totp_secrets(session: Session, actor: Actor, keyring: TotpKeyring) -> int:
    """Seal every stored TOTP secret (and pending one) with the keyring's current key;
    how many accounts were resealed. One transaction: all or none.

    Raises :class:`ValidationFailed` when a confirmed secret opens with none of the keys
    (the rotation would lose it); a pending one that does not open is simply dropped.
    """
    users = session.scalars(
        select(User)
        .where(or_(User.totp_secret_sealed.is_not(None), User.totp_pending_sealed.is_not(None)))
        .order_by(User.id)
    ).all()
    resealed = 0
    for user in users:
        if user.totp_pending_sealed and not keyring.is_current(user.totp_pending_sealed):
            pending = pending_totp_secret(keyring, user)
            user.totp_pending_sealed = pending and keyring.seal(pending, user.id)
        sealed = user.totp_secret_sealed
        if sealed and not keyring.is_current(sealed):
            try:
                secret = keyring.open(sealed, user.id)
            except CannotOpen as exc:
                raise ValidationFailed(
                    N_("Sekretu logowania dwuetapowego konta %(email)s nie da się odszyfrować."),
                    email=user.email,
                ) from exc
            user.totp_secret_sealed = keyring.seal(secret, user.id)
            resealed += 1
    session.flush()
    record(session, actor, "user.totp_key_rotated", object_type="User", resealed=resealed)
    return resealed
