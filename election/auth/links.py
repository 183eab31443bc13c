"""Password links by email: an invitation for a new account, a reset for a forgotten
password. The email is queued in the caller's transaction and sent once it commits."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from election.auth import service
from election.auth.models import User
from election.mail import Delivery, Message, send_after_commit


def password_link(user: User) -> str:
    """The absolute URL of ``user``'s one-time password page (valid 3 days)."""
    token = service.make_password_token(current_app.config["SECRET_KEY"], user)
    return url_for("auth.set_password", token=token, _external=True)


def password_link_message(user: User, *, invitation: bool) -> Message:
    """The email carrying ``user``'s password link: an invitation or a reset."""
    link = password_link(user)
    if invitation:
        subject = _("Zaproszenie do aplikacji wyborów Rady ds. systemu SEKAP")
        body = _(
            "Dzień dobry,\n\nzałożono dla Ciebie konto w aplikacji wyborów Rady ds. systemu "
            "SEKAP. Ustaw hasło, otwierając link (ważny 3 dni, jednorazowy):\n\n%(link)s\n",
            link=link,
        )
    else:
        subject = _("Ustawienie nowego hasła — Rada SEKAP")
        body = _(
            "Dzień dobry,\n\naby ustawić nowe hasło, otwórz link (ważny 3 dni, jednorazowy):"
            "\n\n%(link)s\n\nJeśli to nie Ty prosiłeś o zmianę, zignoruj tę wiadomość.\n",
            link=link,
        )
    return Message(user.email, subject, body)


def send_password_link(session: Session, user: User, *, invitation: bool) -> Delivery:
    """Queue ``user``'s password link for after the commit; an action for the edge.

    The link is made now, in the transaction, so it matches the password and session
    version being committed. The :class:`~election.mail.Delivery` says, once the edge
    has returned, whether the email went out.
    """
    return send_after_commit(session, [password_link_message(user, invitation=invitation)])
