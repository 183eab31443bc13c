"""The Regulamin wyboru: writing it (text and/or PDF), sending it to the Partners' reps.

Its adoption is decided by a motion (:mod:`election.elections.motions`); rounds need
an adopted Regulamin (:func:`rules_adopted`).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.access import Role
from election.audit.service import Actor, record
from election.auth.models import User
from election.elections.models import RULES_STATUS_LABELS, Election, Rules, RulesStatus
from election.elections.rules import pdf_problem, safe_pdf_filename
from election.errors import N_, Conflict, ValidationFailed
from election.mail import Delivery, Message, send_after_commit
from election.partners.models import Partner

#: Longest Regulamin text accepted (characters).
MAX_RULES_TEXT = 200_000


def get_rules(session: Session, election: Election) -> Rules | None:
    """The election's Regulamin, or ``None`` before one is written."""
    return session.scalar(select(Rules).where(Rules.election_id == election.id))


def save_rules(
    session: Session,
    actor: Actor,
    election: Election,
    *,
    text: str,
    pdf: bytes | None = None,
    pdf_filename: str = "",
    remove_pdf: bool = False,
) -> Rules:
    """Write the Regulamin as text and/or a PDF (a new PDF replaces the old one).

    Only a draft or a rejected Regulamin can change; a changed rejected one goes back
    to draft and must be sent again. Raises :class:`ValidationFailed` for a bad PDF
    or when neither text nor PDF is left.
    """
    rules = get_rules(session, election)
    if rules is not None and rules.status in (RulesStatus.SENT, RulesStatus.ADOPTED):
        raise Conflict(
            N_("Regulamin został już wysłany Partnerom (%(status)s); nie można go zmienić."),
            status=RULES_STATUS_LABELS[rules.status],
        )
    text = text.strip()
    if len(text) > MAX_RULES_TEXT:
        raise ValidationFailed(N_("Treść Regulaminu jest za długa."))
    if pdf is not None:
        problem = pdf_problem(pdf, pdf_filename)
        if problem:
            raise ValidationFailed(problem)
    kept_pdf = None if remove_pdf or rules is None else rules.pdf
    new_pdf = pdf if pdf is not None else kept_pdf
    if not text and new_pdf is None:
        raise ValidationFailed(N_("Wpisz treść Regulaminu albo dołącz plik PDF."))
    if rules is None:
        rules = Rules(election_id=election.id)
        session.add(rules)
    rules.text = text
    if pdf is not None:
        rules.pdf = pdf
        rules.pdf_filename = safe_pdf_filename(pdf_filename)
    elif new_pdf is None:
        rules.pdf = None
        rules.pdf_filename = None
    rules.status = RulesStatus.DRAFT
    rules.sent_on = None
    session.flush()
    record(
        session,
        actor,
        "rules.saved",
        rules,
        election_id=election.id,
        text_sha256=hashlib.sha256(text.encode()).hexdigest() if text else None,
        pdf_sha256=hashlib.sha256(rules.pdf).hexdigest() if rules.pdf else None,
    )
    return rules


def rules_recipients(session: Session) -> list[str]:
    """E-mail addresses of every active partner rep of an active Partner."""
    return list(
        session.scalars(
            select(User.email)
            .join(Partner, User.partner_id == Partner.id)
            .where(User.role == Role.PARTNER_REP, User.active.is_(True), Partner.active.is_(True))
            .order_by(User.email)
        )
    )


def mark_rules_sent(
    session: Session, actor: Actor, election: Election, sent_on: dt.date
) -> list[str]:
    """draft → sent on ``sent_on``; return the addresses to email (after the commit)."""
    rules = get_rules(session, election)
    if rules is None:
        raise Conflict(N_("Najpierw przygotuj Regulamin."))
    rules.mark_sent(sent_on)
    recipients = rules_recipients(session)
    session.flush()
    record(
        session,
        actor,
        "rules.sent",
        rules,
        election_id=election.id,
        sent_on=sent_on.isoformat(),
        recipients=len(recipients),
    )
    return recipients


def send_rules(
    session: Session,
    actor: Actor,
    election: Election,
    sent_on: dt.date,
    *,
    subject: str,
    body: str,
) -> Delivery:
    """Mark the Regulamin sent (:func:`mark_rules_sent`) and email every recipient the
    letter once the transaction commits; the :class:`Delivery` says, after the commit,
    who was sent it. Refusals as :func:`mark_rules_sent`."""
    recipients = mark_rules_sent(session, actor, election, sent_on)
    return send_after_commit(session, [Message(to, subject, body) for to in recipients])


def resend_rules(session: Session, election: Election, *, subject: str, body: str) -> Delivery:
    """Email the letter again (e.g. after a mail server failure); changes nothing.

    Raises :class:`Conflict` unless the Regulamin is sent and not yet voted on.
    """
    rules = get_rules(session, election)
    if rules is None or rules.status != RulesStatus.SENT:
        raise Conflict(N_("Ponownie wysłać można tylko Regulamin wysłany i jeszcze nieprzyjęty."))
    recipients = rules_recipients(session)
    return send_after_commit(session, [Message(to, subject, body) for to in recipients])


def rules_adopted(session: Session, election: Election) -> bool:
    """Whether the election's Regulamin was adopted by its motion (rounds need it)."""
    rules = get_rules(session, election)
    return rules is not None and rules.status == RulesStatus.ADOPTED
