"""Binding accounts to Partners: inviting a Partner's representative.

Accounts (:mod:`election.auth`) sit below the Partner register and do not know it;
what needs both — a partner_rep's Partner must exist, the invite form offers the
register — lives here.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.access import Role
from election.audit.service import Actor
from election.auth import service as accounts
from election.auth.models import User
from election.collation import polish_text_key
from election.errors import ValidationFailed
from election.partners.models import Partner


def invite(
    session: Session,
    actor: Actor,
    *,
    email: str,
    full_name: str,
    role: Role,
    partner_id: int | None,
) -> User:
    """Create an account without a password (the invitation sets it).

    A partner_rep must name a Partner in the register; for any other role
    ``partner_id`` is ignored. Raises :class:`ValidationFailed` for a missing Partner
    and whatever :func:`election.auth.service.create_user` raises.
    """
    if role == Role.PARTNER_REP and (
        partner_id is None or session.get(Partner, partner_id) is None
    ):
        raise ValidationFailed(accounts.NO_PARTNER)
    return accounts.create_user(
        session,
        actor,
        email=email,
        full_name=full_name,
        role=role,
        partner_id=partner_id if role == Role.PARTNER_REP else None,
    )


def partner_choices(session: Session) -> list[Partner]:
    """Every Partner a representative may be bound to, by name in Polish order."""
    return sorted(session.scalars(select(Partner)), key=lambda p: polish_text_key(p.name))
