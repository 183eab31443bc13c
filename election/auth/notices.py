"""Telling an account's owner by email that someone keeps typing wrong passwords for it.
The email is queued in the caller's transaction and sent once it commits."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from election.auth.models import User
from election.mail import Delivery, Message, send_after_commit


def failed_logins_message(user: User, address: str) -> Message:
    """The notice to ``user`` about repeated failed logins, the last from ``address``."""
    subject = _("Nieudane próby logowania na Twoje konto — Rada SEKAP")
    body = _(
        "Dzień dobry,\n\nw ciągu ostatniej godziny kilka razy podano błędne hasło do Twojego "
        "konta w aplikacji wyborów Rady ds. systemu SEKAP (ostatnio z adresu %(address)s)."
        "\n\nJeśli to nie Ty, Twoje konto nie jest zablokowane: kolejne próby są "
        "spowalniane, a z urządzeń, na których już się logowałeś, zalogujesz się jak "
        "zwykle. Jeśli używasz tego hasła także gdzie indziej, zmień je.\n",
        address=address,
    )
    return Message(user.email, subject, body)


def send_failed_logins_notice(session: Session, user: User, address: str) -> Delivery:
    """Queue the notice for after the commit; an action for the transaction edge."""
    return send_after_commit(session, [failed_logins_message(user, address)])
