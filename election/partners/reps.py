"""Binding accounts to Partners: inviting a Partner's representative, one by one or
from a CSV file.

Accounts (:mod:`election.auth`) sit below the Partner register and do not know it;
what needs both — a partner_rep's Partner must exist, the invite form offers the
register — lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.access import Role
from election.audit.service import Actor, record
from election.auth import links
from election.auth import service as accounts
from election.auth.models import User
from election.collation import polish_text_key
from election.errors import N_, ValidationFailed
from election.mail import Delivery, send_after_commit
from election.partners.models import Partner
from election.partners.rules import RepRow, RowError, parse_rep_csv


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


@dataclass
class RepImport:
    """What importing representatives did (or, in a preview, would do)."""

    #: Each row to invite with its Partner.
    invited: list[tuple[RepRow, Partner]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False
    #: The invitations' fate once the edge returned (``None`` before anything is sent).
    delivery: Delivery | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def import_reps(session: Session, actor: Actor, data: bytes, *, dry_run: bool = False) -> RepImport:
    """Invite the representatives listed in a CSV file (email, name, TERYT), all or
    nothing.

    Nothing is written when any row is bad — a Partner missing from the register or
    inactive, an address that already has an account — or when ``dry_run``; the report
    lists every problem with its line. Otherwise each gets an account of a
    representative of that Partner and an invitation, sent after the commit (the
    report's ``delivery`` says which went out); ``user.imported`` sums it up.
    """
    parsed = parse_rep_csv(data)
    report = RepImport(errors=list(parsed.errors))
    teryts = {row.teryt for row in parsed.rows}
    partners = (
        {p.teryt: p for p in session.scalars(select(Partner).where(Partner.teryt.in_(teryts)))}
        if teryts
        else {}
    )
    emails = [row.email for row in parsed.rows]
    taken = (
        set(session.scalars(select(func.lower(User.email)).where(User.email.in_(emails))))
        if emails
        else set()
    )
    for row in parsed.rows:
        partner = partners.get(row.teryt)
        if partner is None:
            report.errors.append(
                RowError(
                    row.line,
                    N_("W rejestrze nie ma Partnera z kodem TERYT %(teryt)s."),
                    {"teryt": row.teryt},
                )
            )
        elif not partner.active:
            report.errors.append(
                RowError(
                    row.line,
                    N_("Partner %(name)s jest nieaktywny."),
                    {"name": partner.name},
                )
            )
        elif row.email in taken:
            report.errors.append(
                RowError(
                    row.line,
                    N_("Konto z adresem %(email)s już istnieje."),
                    {"email": row.email},
                )
            )
        else:
            report.invited.append((row, partner))
    if not parsed.rows and not parsed.errors:
        report.errors.append(RowError(1, N_("Plik nie zawiera żadnych przedstawicieli.")))
    report.errors.sort(key=lambda e: e.line)
    if report.errors or dry_run:
        return report
    users = [
        invite(
            session,
            actor,
            email=row.email,
            full_name=row.full_name,
            role=Role.PARTNER_REP,
            partner_id=partner.id,
        )
        for row, partner in report.invited
    ]
    record(
        session,
        actor,
        "user.imported",
        object_type="User",
        users=[u.id for u in users],
        partners=sorted({p.id for _row, p in report.invited}),
    )
    report.delivery = send_after_commit(
        session, [links.password_link_message(u, invitation=True) for u in users]
    )
    report.applied = True
    return report
