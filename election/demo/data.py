"""The demo register: every Silesian local government and a few accounts."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.audit.service import Actor
from election.auth import service as auth_service
from election.auth.models import Role
from election.partners import service as partner_service
from election.partners.models import Partner

DEMO_PASSWORD = "demo-sekap-2026"  # noqa: S105 - printed for the demo on purpose
#: The demo election's eligibility cut-off.
CUTOFF = dt.date(2026, 5, 31)

#: Partners that get a demo rep: (TERYT, login).
DEMO_REPS = [
    ("2401011", "bedzin"),
    ("2401021", "czeladz"),
    ("2401042", "bobrowniki"),
    ("2403011", "cieszyn"),
    ("2417011", "zywiec"),
    ("2401", "powiat.bedzinski"),
    ("2402", "powiat.bielski"),
    ("2403", "powiat.cieszynski"),
    ("2413", "powiat.tarnogorski"),
    ("2469011", "katowice"),
    ("2466011", "gliwice"),
    ("2461011", "bielsko-biala"),
    ("2464011", "czestochowa"),
]


@dataclass
class Summary:
    partners: int = 0
    eligible: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def agreement_date(teryt: str) -> dt.date | None:
    """A stable, plausible signing date: most before the cut-off, some later, a few none."""
    h = int(hashlib.sha256(teryt.encode()).hexdigest(), 16)
    bucket = h % 20
    if bucket == 0:
        return None
    if bucket == 1:
        return CUTOFF + dt.timedelta(days=10 + h % 90)
    return dt.date(2009, 1, 1) + dt.timedelta(days=h % (365 * 17))


def load(session: Session, csv_data: bytes) -> Summary:
    actor = Actor.system("demo")
    report = partner_service.import_csv(session, actor, csv_data)
    if not report.ok:
        raise RuntimeError(f"demo partner list is invalid: {report.errors[:3]}")
    partners = {p.teryt: p for p in session.scalars(select(Partner))}
    for teryt, partner in partners.items():
        if partner.agreement_signed_on is None:
            partner.agreement_signed_on = agreement_date(teryt)
    # Every Partner with a demo rep can vote.
    for teryt, _login in DEMO_REPS:
        signed = partners[teryt].agreement_signed_on
        if signed is None or signed > CUTOFF:
            partners[teryt].agreement_signed_on = dt.date(2012, 3, 1)
    session.flush()
    summary = Summary(partners=len(partners))
    summary.eligible = sum(1 for p in partners.values() if p.is_eligible(CUTOFF))
    accounts = [
        ("admin@sekap.demo", "Anna Administratorka", Role.ADMIN, None),
        ("przewodniczacy@sekap.demo", "Piotr Przewodniczący", Role.CHAIR, None),
        ("obserwator@sekap.demo", "Olga Obserwatorka", Role.OBSERVER, None),
    ] + [
        (
            f"{login}@sekap.demo",
            f"Przedstawiciel — {partners[teryt].name}",
            Role.PARTNER_REP,
            partners[teryt],
        )
        for teryt, login in DEMO_REPS
    ]
    for email, name, role, partner in accounts:
        if auth_service.find_by_email(session, email) is None:
            auth_service.create_user(
                session,
                actor,
                email=email,
                full_name=name,
                role=role,
                partner_id=partner.id if partner else None,
                password=DEMO_PASSWORD,
            )
        summary.logins.append((email, role.value, partner.name if partner else ""))
    return summary
