"""Builders for the candidates tests: an election open for nominations, nominations."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from werkzeug.security import generate_password_hash

from election.auth.models import Role, User
from election.candidates.models import Candidate, CandidateStatus
from election.candidates.rules import person_key
from election.collation import clean_name
from election.extensions import db
from election.partners.models import Partner, PartnerGroup
from tests.factories import GROUPS, PASSWORD, make_election, make_partner, make_user

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


@functools.cache
def _password_hash() -> str:
    # scrypt is slow on purpose; one hash serves every user these tests log in with.
    return generate_password_hash(PASSWORD, method="scrypt")


def quick_user(role: Role, partner: Partner | None = None) -> User:
    """A user who can log in with ``PASSWORD``, without hashing it again."""
    user = make_user(role, partner=partner, password=None)
    user.password_hash = _password_hash()
    db.session.flush()
    return user


def nominations_world(
    *, deadline: dt.datetime | None = None, per_group: int = 2, phase: str = "nominations"
) -> dict[str, Any]:
    """An election in ``phase`` with Partners, one rep per Partner, and an admin.

    Returns ``{"election", "partners": {group: [...]}, "reps": {group: [...]}, "admin",
    "chair"}``.
    """
    election = make_election(phase, nomination_deadline=deadline)
    world: dict[str, Any] = {"election": election, "partners": {}, "reps": {}}
    for group in GROUPS:
        partners = [make_partner(group) for _ in range(per_group)]
        world["partners"][group] = partners
        world["reps"][group] = [quick_user(Role.PARTNER_REP, p) for p in partners]
    world["admin"] = quick_user(Role.ADMIN)
    world["chair"] = quick_user(Role.CHAIR)
    return world


def make_nomination(
    election: Any,
    partner: Partner,
    full_name: str,
    *,
    status: str = "nominated",
    position: str = "Sekretarz Gminy",
    by: Partner | None = None,
    scan: bytes | None = None,
) -> Candidate:
    """A nomination written directly, with the person key the service would compute."""
    name = clean_name(full_name)
    candidate = Candidate(
        election_id=election.id,
        group=partner.group,
        full_name=name,
        person_key=person_key(name),
        position=position,
        partner_id=partner.id,
        nominated_by_partner_id=(by or partner).id,
        consent_confirmed=scan is None,
        consent_scan=scan,
        consent_scan_filename="zgoda.pdf" if scan else None,
        status=CandidateStatus(status),
    )
    db.session.add(candidate)
    db.session.flush()
    return candidate


def one_verified_per_group(world: dict[str, Any]) -> dict[PartnerGroup, Candidate]:
    names = {
        PartnerGroup.GMINA: "Anna Nowak",
        PartnerGroup.POWIAT: "Piotr Ćwik",
        PartnerGroup.MIASTO_NPP: "Ewa Śliwa",
    }
    return {
        g: make_nomination(world["election"], world["partners"][g][0], names[g], status="verified")
        for g in GROUPS
    }
