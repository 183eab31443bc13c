"""Builders of test data; each flushes and returns the object."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from typing import Any

from election.audit.service import Actor
from election.auth import service as auth_service
from election.auth.models import Role, User
from election.candidates.rules import person_key
from election.extensions import db
from election.partners.models import GROUPS, Partner, PartnerGroup

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
    user = auth_service.create_user(
        db.session,
        SYSTEM,
        email=email or f"{role.value}{next(_seq)}@example.pl",
        full_name=full_name,
        role=role,
        partner_id=partner.id if partner else None,
    )
    if password is not None:
        # Hashing once per password keeps the suite fast; the hash is a real scrypt one.
        user.password_hash = _password_hash(password)
        db.session.flush()
    return user


@functools.cache
def _password_hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="scrypt")


# --- elections, candidates, rounds -------------------------------------------------------


def make_election(phase: str = "draft", **fields: Any) -> Any:
    """An election in ``phase``, written directly (no service, no preconditions).

    From ``voting`` on its ballot box has a key in ``server`` custody (``give_key``).
    """
    from election.elections.models import Election, Phase

    election = Election(
        title=fields.pop("title", "Wybory Rady ds. systemu SEKAP 2026"),
        term=fields.pop("term", "2026–2030"),
        meeting_date=fields.pop("meeting_date", dt.date(2026, 6, 18)),
        meeting_place=fields.pop("meeting_place", "Katowice, ul. Ligonia 46"),
        cutoff_date=fields.pop("cutoff_date", dt.date(2026, 5, 31)),
        phase=Phase(phase),
        **fields,
    )
    db.session.add(election)
    db.session.flush()
    if election.settings_locked:
        give_key(election)
    return election


def key_store() -> Any:
    """The test app's store of ballot-box secrets (its instance folder, a temporary one)."""
    from flask import current_app

    from election.elections.custody import KeyStore

    return KeyStore(current_app.instance_path)


def give_key(election: Any, custody: str = "server", threshold: int = 2, tellers: int = 3) -> Any:
    """Set up the election's ballot-box key as starting the vote does; returns it.

    ``tellers`` custody deals ``tellers`` shares (``threshold`` needed) to tellers named
    "Członek komisji 1…n"; the shares wait in the key store to be handed out.
    """
    from election.elections import custody as custody_service
    from election.elections.models import Custody

    choice = custody_service.CustodyChoice(
        Custody(custody),
        threshold if custody == "tellers" else None,
        [f"Członek komisji {i}" for i in range(1, tellers + 1)] if custody == "tellers" else (),
    )
    return custody_service.set_up(db.session, SYSTEM, election, key_store(), choice)


def adopt_rules(election: Any) -> Any:
    """Give ``election`` a Regulamin adopted by a motion."""
    from election.elections.models import Rules, RulesStatus

    rules = Rules(
        election_id=election.id,
        text="§ 1. Regulamin wyboru Członków Rady.",
        status=RulesStatus.ADOPTED,
        sent_on=dt.date(2026, 6, 2),
    )
    db.session.add(rules)
    db.session.flush()
    return rules


def freeze_roll(election: Any, partners: list[Partner]) -> list[Any]:
    """Put ``partners`` on the election's frozen roll."""
    from election.elections.models import RollEntry

    entries = [
        RollEntry(
            election_id=election.id,
            partner_id=p.id,
            group=p.group,
            partner_name=p.name,
            teryt=p.teryt,
        )
        for p in partners
    ]
    db.session.add_all(entries)
    db.session.flush()
    return entries


def make_candidate(
    election: Any,
    partner: Partner,
    full_name: str = "Jan Kowalski",
    *,
    status: str = "verified",
    position: str = "Sekretarz Gminy",
) -> Any:
    from election.candidates.models import Candidate, CandidateStatus

    candidate = Candidate(
        election_id=election.id,
        group=partner.group,
        full_name=full_name,
        person_key=person_key(full_name),
        position=position,
        partner_id=partner.id,
        nominated_by_partner_id=partner.id,
        consent_confirmed=True,
        status=CandidateStatus(status),
    )
    db.session.add(candidate)
    db.session.flush()
    return candidate


def make_round(
    election: Any,
    group: PartnerGroup,
    candidates: list[Any],
    *,
    number: int = 1,
    seats: int | None = None,
    status: str = "open",
) -> Any:
    from election.db import utcnow
    from election.voting.models import Round, RoundStatus

    round_ = Round(
        election_id=election.id,
        group=group,
        number=number,
        seats=seats if seats is not None else election.seats_for(group),
        status=RoundStatus(status),
        opened_at=utcnow() if status != "pending" else None,
        opening_ballots=0 if status != "pending" else None,
        opening_marks=0 if status != "pending" else None,
    )
    round_.candidates = list(candidates)
    db.session.add(round_)
    db.session.flush()
    return round_


def voting_election(per_group: int = 4, candidates_per_group: int = 3) -> dict[str, Any]:
    """A secret election in voting: Partners on the roll, reps, candidates, open rounds.

    Returns ``{"election", "partners": {group: [...]}, "reps": {group: [...]},
    "candidates": {group: [...]}, "rounds": {group: Round}, "chair"}``.
    """
    election = make_election("voting")
    adopt_rules(election)
    names = ["Anna Nowak", "Łukasz Zieliński", "Piotr Ćwik", "Ewa Śliwa", "Marek Adamski"]
    world: dict[str, Any] = {
        "election": election,
        "partners": {},
        "reps": {},
        "candidates": {},
        "rounds": {},
    }
    for group in GROUPS:
        partners = [make_partner(group) for _ in range(per_group)]
        freeze_roll(election, partners)
        reps = [make_user(Role.PARTNER_REP, partner=p) for p in partners]
        candidates = [
            make_candidate(election, partners[i % per_group], f"{names[i]} {group.value}")
            for i in range(candidates_per_group)
        ]
        world["partners"][group] = partners
        world["reps"][group] = reps
        world["candidates"][group] = candidates
        world["rounds"][group] = make_round(election, group, candidates)
    world["chair"] = make_user(Role.CHAIR)
    return world
