"""The login session: what it holds, how it starts, and the rules checked on every
request (idle and absolute timeouts; staff sent to set up two-factor login)."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user

from election.auth.models import User
from election.extensions import db
from election.web import safe_target

#: Session keys. ``auth_at``/``seen_at``: when the login completed and the last request
#: (seconds since the epoch), checked against the timeouts on every request.
AUTH_AT = "auth_at"
SEEN_AT = "seen_at"
#: Set at login for an admin or chair without two-factor login: they must set it up.
SETUP_DUE = "2fa_setup_due"
#: The half-done login between the password and the second factor.
PENDING = "2fa_pending"
#: How long the second step may take after the password was accepted.
PENDING_MAX_AGE = 5 * 60

#: Endpoints an admin or chair who still has to set up two-factor login may reach.
SETUP_ENDPOINTS = frozenset(
    {"auth.two_factor", "auth.logout", "web.set_language", "web.healthz", "static"}
)


def fresh_session() -> None:
    """Start from an empty session, keeping only the language (against fixation)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def start_session(user: User, target: str | None) -> Any:
    """Log ``user`` in on a fresh session and go to ``target`` if it is on this site
    (else the home page)."""
    fresh_session()
    login_user(user)
    session.permanent = True
    now = int(time.time())
    session[AUTH_AT] = now
    session[SEEN_AT] = now
    if user.is_staff and not user.totp_enabled:
        session[SETUP_DUE] = True
    return redirect(safe_target(target))


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: the active user whose session version the cookie carries."""
    user_id, _sep, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def _session_expired(now: int) -> bool:
    config = current_app.config
    auth_at, seen_at = session.get(AUTH_AT), session.get(SEEN_AT)
    if not isinstance(auth_at, int) or not isinstance(seen_at, int):
        return True  # a logged-in session without our timestamps is not one we made
    idle = int(config["SESSION_IDLE_MINUTES"]) * 60
    absolute = int(config["SESSION_ABSOLUTE_HOURS"]) * 3600
    return now - seen_at > idle or now - auth_at > absolute


def enforce_session_rules() -> Any:
    """Log out sessions past their idle or absolute timeout; send staff to set up 2FA.

    Runs before every request on the session cookie alone (no database access: it
    runs before the request declares whether it writes).
    """
    if "_user_id" not in session:
        return None
    now = int(time.time())
    if _session_expired(now):
        # Emptying the session logs out: Flask-Login has not loaded the user yet in
        # this request and no remember-me cookie is ever set.
        fresh_session()
        flash(_("Sesja wygasła. Zaloguj się ponownie."), "info")
        return None  # the view goes on as for a guest: a login page, or a 302 to it
    session[SEEN_AT] = now
    if (
        session.get(SETUP_DUE)
        and current_app.config.get("REQUIRE_2FA_FOR_STAFF")
        and request.endpoint not in SETUP_ENDPOINTS
        and not request.path.startswith("/api/")
    ):
        return redirect(url_for("auth.two_factor"))
    return None
