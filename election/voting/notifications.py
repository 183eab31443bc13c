"""Emails to the Partners' representatives during the meeting, always in Polish:
a round of their group is open, a reminder to those that have not voted yet (the
chair's button), and the results certified.

Messages are queued in the outbox in the action's transaction and sent after it
commits without making the chair wait (:func:`election.mail.send_later`); a failure is
retried by ``flask mail send`` / ``flask mail worker``. The round's opening and the
certification reach this module through signals (:func:`connect`), so neither the
rounds nor the Council know about email.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from election import signals
from election.access import Role
from election.audit.service import Actor, record
from election.auth.models import User
from election.db import utcnow
from election.elections.models import Election, RollEntry
from election.errors import N_, Conflict
from election.labels import GROUP_LABELS
from election.mail import Message, send_later
from election.partners.models import Partner
from election.voting.models import Round, RoundStatus
from election.voting.turnout import not_voted


def link(endpoint: str, **values: Any) -> str:
    """An absolute link for an email: from the request, else from ``SERVER_BASE_URL``
    (a command); a path alone when neither is known."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    base = (current_app.config.get("SERVER_BASE_URL") or "").rstrip("/")
    return f"{base}{path}"


def representatives(session: Session, partner_ids: Iterable[int]) -> list[User]:
    """The accounts that may act for these Partners now (active, within their validity),
    by Partner and email."""
    ids = sorted(set(partner_ids))
    if not ids:
        return []
    users = session.scalars(
        select(User)
        .where(User.role == Role.PARTNER_REP, User.active.is_(True), User.partner_id.in_(ids))
        .order_by(User.partner_id, User.email)
    )
    now = utcnow()
    return [u for u in users if u.valid_at(now)]


def _partner_names(session: Session, users: list[User]) -> dict[int, str]:
    ids = {u.partner_id for u in users if u.partner_id is not None}
    if not ids:
        return {}
    return dict(session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(ids))).all())


def _round_messages(
    session: Session,
    election: Election,
    round_: Round,
    partner_ids: Iterable[int],
    *,
    reminder: bool,
) -> list[Message]:
    users = representatives(session, partner_ids)
    names = _partner_names(session, users)
    ballot = link("voting.election", election_id=election.id)
    messages = []
    with force_locale("pl"):
        group = str(GROUP_LABELS[round_.group])
        for user in users:
            params = {
                "group": group,
                "number": round_.number,
                "title": election.title,
                "partner": names.get(user.partner_id or 0, ""),
                "link": ballot,
            }
            if reminder:
                subject = _(
                    "Przypomnienie: %(partner)s jeszcze nie głosował — %(group)s, tura nr "
                    "%(number)s",
                    **params,
                )
                body = _(
                    "Dzień dobry,\n\nw wyborach „%(title)s” trwa głosowanie w grupie: %(group)s "
                    "(tura nr %(number)s). Twój Partner — %(partner)s — jeszcze nie oddał "
                    "głosu. Przewodniczący zebrania prosi o głosowanie:\n\n%(link)s\n\n"
                    "Partner oddaje jeden głos; jeśli inny jego przedstawiciel właśnie "
                    "głosuje, zignoruj tę wiadomość.\n",
                    **params,
                )
            else:
                subject = _(
                    "Głosowanie otwarte: %(group)s, tura nr %(number)s — %(title)s", **params
                )
                body = _(
                    "Dzień dobry,\n\nprzewodniczący zebrania otworzył głosowanie w grupie: "
                    "%(group)s (tura nr %(number)s) w wyborach „%(title)s”. Twój Partner — "
                    "%(partner)s — może oddać w tej turze jeden głos:\n\n%(link)s\n\n"
                    "Jeśli Twój Partner już głosował (także na papierze, w sali), "
                    "zignoruj tę wiadomość.\n",
                    **params,
                )
            messages.append(Message(user.email, subject, body))
    return messages


def notify_round_opened(session: Session, round_: Round) -> int:
    """Queue "a round of your group is open" to the representatives of the Partners on
    the round's roll; how many messages."""
    election = session.get_one(Election, round_.election_id)
    partner_ids = session.scalars(
        select(RollEntry.partner_id).where(
            RollEntry.election_id == election.id, RollEntry.group == round_.group
        )
    )
    return send_later(
        session, _round_messages(session, election, round_, partner_ids, reminder=False)
    )


def remind(session: Session, actor: Actor, round_: Round) -> int:
    """The chair's button: remind the representatives of the Partners on the roll that
    have not voted in the open round; how many messages (audited as ``round.reminded``).

    Raises :class:`Conflict` unless the round is open.
    """
    if round_.status != RoundStatus.OPEN:
        raise Conflict(N_("Przypomnienie można wysłać tylko w czasie głosowania w turze."))
    election = session.get_one(Election, round_.election_id)
    waiting = [entry.partner_id for entry in not_voted(session, round_)]
    messages = _round_messages(session, election, round_, waiting, reminder=True)
    record(
        session,
        actor,
        "round.reminded",
        round_,
        election_id=election.id,
        group=round_.group.value,
        number=round_.number,
        partners=waiting,
        messages=len(messages),
    )
    return send_later(session, messages)


def notify_results(session: Session, election: Election) -> int:
    """Queue "the results are certified" to the representatives of every Partner on the
    roll; how many messages."""
    partner_ids = session.scalars(
        select(RollEntry.partner_id).where(RollEntry.election_id == election.id)
    )
    users = representatives(session, partner_ids)
    results = link("council.public_results", election_id=election.id)
    messages = []
    with force_locale("pl"):
        for user in users:
            subject = _("Wyniki wyborów zatwierdzone — %(title)s", title=election.title)
            body = _(
                "Dzień dobry,\n\nprzewodniczący zebrania zatwierdził wyniki wyborów "
                "„%(title)s”. Skład Rady ds. systemu SEKAP i wyniki głosowania w każdej "
                "grupie:\n\n%(link)s\n",
                title=election.title,
                link=results,
            )
            messages.append(Message(user.email, subject, body))
    return send_later(session, messages)


def _on_round_opened(sender: Session, **kwargs: Any) -> None:
    notify_round_opened(sender, kwargs["round"])


def _on_council_certified(sender: Session, **kwargs: Any) -> None:
    notify_results(sender, kwargs["election"])


def connect() -> None:
    """Called once by the app factory: the round's opening and the certification send
    their emails. ``weak=False``: the functions live as long as the module."""
    signals.round_opened.connect(_on_round_opened, weak=False)
    signals.council_certified.connect(_on_council_certified, weak=False)
