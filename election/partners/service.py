"""The Partner register: editing and importing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.collation import polish_text_key
from election.errors import N_, Conflict, NotFound, ValidationFailed
from election.labels import partner_name
from election.partners.models import GROUPS, Partner, PartnerGroup
from election.partners.rules import PartnerRow, RowError, parse_partner_csv, teryt_problem


def get(session: Session, partner_id: int) -> Partner:
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(N_("Nie ma takiego Partnera."))
    return partner


def in_register_order(partners: Iterable[Partner]) -> list[Partner]:
    """``partners`` by group (gminy, powiaty, miasta), then by name in Polish order."""
    return sorted(partners, key=lambda p: (GROUPS.index(p.group), polish_text_key(p.name)))


def search(
    session: Session, *, group: PartnerGroup | None = None, query: str = ""
) -> list[Partner]:
    """The Partners of ``group`` (all if ``None``) whose name contains ``query``, in
    register order (:func:`in_register_order`)."""
    stmt = select(Partner)
    if group is not None:
        stmt = stmt.where(Partner.group == group)
    if query:
        stmt = stmt.where(func.lower(Partner.name).contains(query.lower().strip()))
    return in_register_order(session.scalars(stmt))


def save(
    session: Session,
    actor: Actor,
    *,
    partner: Partner | None,
    name: str,
    teryt: str,
    group: PartnerGroup,
    agreement_signed_on: dt.date | None,
    active: bool,
    email: str | None,
) -> Partner:
    """Add a Partner (``partner`` is ``None``) or edit one.

    Raises :class:`ValidationFailed` for a TERYT that does not fit the group and
    :class:`Conflict` for a TERYT already in the register.
    """
    problem = teryt_problem(teryt, group)
    if problem:
        raise ValidationFailed(problem)
    other = session.scalar(select(Partner).where(Partner.teryt == teryt))
    if other is not None and other is not partner:
        raise Conflict(N_("Partner z kodem TERYT %(teryt)s już istnieje."), teryt=teryt)
    creating = partner is None
    if partner is None:
        partner = Partner(teryt=teryt)
        session.add(partner)
    name = partner_name(name, group)
    partner.name = name
    partner.teryt = teryt
    partner.group = group
    partner.agreement_signed_on = agreement_signed_on
    partner.active = active
    partner.email = email or None
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(N_("Partner z kodem TERYT %(teryt)s już istnieje."), teryt=teryt) from exc
    record(
        session,
        actor,
        "partner.created" if creating else "partner.updated",
        partner,
        teryt=teryt,
        name=name,
        group=group.value,
        active=active,
        agreement_signed_on=agreement_signed_on,
    )
    return partner


def deactivate(session: Session, actor: Actor, partner_id: int) -> Partner:
    partner = get(session, partner_id)
    partner.active = False
    record(session, actor, "partner.deactivated", partner, teryt=partner.teryt)
    return partner


@dataclass
class ImportReport:
    added: list[PartnerRow] = field(default_factory=list)
    updated: list[PartnerRow] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _changes(partner: Partner, row: PartnerRow) -> bool:
    return (
        partner.name != row.name
        or partner.group != row.group
        or (bool(row.kind) and partner.kind != row.kind)
        or (
            row.agreement_signed_on is not None
            and partner.agreement_signed_on != row.agreement_signed_on
        )
        or (row.email is not None and partner.email != row.email)
    )


def import_csv(
    session: Session, actor: Actor, data: bytes, *, dry_run: bool = False
) -> ImportReport:
    """Import a Partner list, all or nothing, idempotent by TERYT.

    Nothing is written when any row is bad or when ``dry_run``; the report says what
    would be (or was) added and updated. Fields missing from the file keep their value.
    """
    parsed = parse_partner_csv(data)
    # The register names a powiat by its adjective; the app shows "Powiat będziński".
    parsed.rows[:] = [replace(r, name=partner_name(r.name, r.group)) for r in parsed.rows]
    report = ImportReport(errors=parsed.errors)
    existing = (
        {
            p.teryt: p
            for p in session.scalars(
                select(Partner).where(Partner.teryt.in_([r.teryt for r in parsed.rows]))
            )
        }
        if parsed.rows
        else {}
    )
    for row in parsed.rows:
        partner = existing.get(row.teryt)
        if partner is None:
            report.added.append(row)
        elif _changes(partner, row):
            report.updated.append(row)
        else:
            report.unchanged += 1
    if not parsed.rows and not parsed.errors:
        report.errors.append(RowError(1, N_("Plik nie zawiera żadnych Partnerów.")))
    if report.errors or dry_run:
        return report
    for row in report.added:
        session.add(
            Partner(
                teryt=row.teryt,
                name=row.name,
                group=row.group,
                kind=row.kind,
                agreement_signed_on=row.agreement_signed_on,
                email=row.email,
                active=True,
            )
        )
    for row in report.updated:
        partner = existing[row.teryt]
        partner.name = row.name
        partner.group = row.group
        if row.kind:
            partner.kind = row.kind
        if row.agreement_signed_on is not None:
            partner.agreement_signed_on = row.agreement_signed_on
        if row.email is not None:
            partner.email = row.email
    session.flush()
    if report.added or report.updated:
        record(
            session,
            actor,
            "partner.imported",
            object_type="Partner",
            added=[r.teryt for r in report.added],
            updated=[r.teryt for r in report.updated],
        )
    report.applied = True
    return report


def counts_by_group(session: Session) -> dict[PartnerGroup, int]:
    rows = session.execute(select(Partner.group, func.count()).group_by(Partner.group))
    return {group: n for group, n in rows}
