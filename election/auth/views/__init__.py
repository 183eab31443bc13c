"""The accounts' pages: logging in with the second factor (:mod:`.login`), password
links (:mod:`.passwords`), the user's own account (:mod:`.account`); and the rules
every request's session obeys (:mod:`.sessions`).

The admin's user pages bind representatives to Partners, so they live with the
Partner register (:mod:`election.partners.views.users`).
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_login import LoginManager

from election.auth import access_log

bp = Blueprint("auth", __name__)


def init_app(app: Flask, login_manager: LoginManager) -> None:
    """Log users in with Flask-Login, check every request's session, and keep the
    secrets of access links out of the logs."""
    access_log.install(app.logger)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    login_manager.user_loader(sessions.load_user)
    app.before_request(sessions.enforce_session_rules)


# The route modules add their routes to ``bp``; imported last, as they need it.
from election.auth.views import account, login, passwords, sessions  # noqa: E402, F401
