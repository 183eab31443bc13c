"""Builders of test data; each flushes and returns the object."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from election.audit.service import Actor
from election.auth import service as auth_service
from election.auth.models import Role, User
from election.extensions import db
from election.partners.models import Partner, PartnerGroup

PASSWORD = "correct-horse-battery-9"
SYSTEM = Actor.system("test")
_seq = itertools.count(1)

#: Real Silesian TERYT codes per group, handed out in order.
TERYT = {
    PartnerGroup.GMINA: [
        "2401011",
        "2401021",
        "2401031",
        "2401042",
        "2401052",
        "2401063",
        "2402011",
        "2402022",
        "2402032",
        "2402042",
        "2402052",
        "2402062",
    ],
    PartnerGroup.POWIAT: [
        "2401",
        "2402",
        "2403",
        "2404",
        "2405",
        "2406",
        "2407",
        "2408",
        "2409",
        "2410",
        "2411",
        "2412",
    ],
    PartnerGroup.MIASTO_NPP: [
        "2461011",
        "2462011",
        "2463011",
        "2464011",
        "2465011",
        "2466011",
        "2467011",
        "2468011",
        "2469011",
        "2470011",
        "2471011",
        "2472011",
    ],
}


def make_partner(
    group: PartnerGroup = PartnerGroup.GMINA,
    *,
    name: str | None = None,
    teryt: str | None = None,
    signed: dt.date | None = dt.date(2015, 1, 1),
    active: bool = True,
    **extra: Any,
) -> Partner:
    if teryt is None:
        used = set(db.session.scalars(db.select(Partner.teryt)))
        teryt = next(t for t in TERYT[group] if t not in used)
    partner = Partner(
        name=name or f"Partner {teryt}",
        teryt=teryt,
        group=group,
        agreement_signed_on=signed,
        active=active,
        **extra,
    )
    db.session.add(partner)
    db.session.flush()
    return partner


def make_user(
    role: Role = Role.ADMIN,
    *,
    partner: Partner | None = None,
    email: str | None = None,
    password: str | None = PASSWORD,
    full_name: str = "Jan Kowalski",
) -> User:
    return auth_service.create_user(
        db.session,
        SYSTEM,
        email=email or f"{role.value}{next(_seq)}@example.pl",
        full_name=full_name,
        role=role,
        partner_id=partner.id if partner else None,
        password=password,
    )
