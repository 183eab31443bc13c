"""Many voters, logged in beforehand: shared by the fault tests and the benchmarks."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask
from werkzeug.security import generate_password_hash

from election.audit.service import Actor
from election.auth.models import Role, User
from election.extensions import db
from election.partners import service as partners
from election.partners.models import Partner, PartnerGroup
from tests import factories

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
PASSWORD = "burst-password-1"
GROUPS = (PartnerGroup.GMINA, PartnerGroup.POWIAT, PartnerGroup.MIASTO_NPP)
TERC = Path(__file__).resolve().parents[2] / "data" / "terc-slaskie.csv"


@dataclass(frozen=True)
class Voter:
    partner_id: int
    path: str
    cookie: str
    body: str

    def line(self) -> str:
        return f"{self.path}\t{self.cookie}\t{self.body}"


def seed(app: Flask, voters: int, *, real_partners: bool = True) -> tuple[int, dict[int, int]]:
    """An election in voting: ``voters`` synthetic Partners with one rep each, on the roll
    with the real Silesian Partners; open rounds with four candidates per group.

    Returns the election id and, per synthetic Partner, the id of its group's round.
    """
    with app.app_context():
        real: list[Partner] = []
        if real_partners:
            partners.import_csv(db.session, Actor.system("burst"), TERC.read_bytes())
            real = list(db.session.scalars(db.select(Partner)))
            for p in real:
                p.agreement_signed_on = dt.date(2015, 1, 1)
        synthetic = [
            Partner(
                name=f"Partner syntetyczny {i}",
                teryt=f"9{i:06d}",
                group=GROUPS[i % 3],
                agreement_signed_on=dt.date(2015, 1, 1),
                active=True,
            )
            for i in range(voters)
        ]
        db.session.add_all(synthetic)
        db.session.flush()
        election = factories.make_election("voting")
        factories.adopt_rules(election)
        factories.freeze_roll(election, real + synthetic)
        rounds = {}
        for group in GROUPS:
            stand_for = next(p for p in real + synthetic if p.group == group)
            cands = [
                factories.make_candidate(election, stand_for, f"Kandydat {k} {group.value}")
                for k in range(4)
            ]
            rounds[group] = factories.make_round(election, group, cands)
        # A cheap hash for synthetic accounts: what is measured is voting, not login.
        password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        db.session.add_all(
            User(
                email=f"rep{i}@burst.local",
                full_name=f"Przedstawiciel {i}",
                role=Role.PARTNER_REP,
                partner_id=p.id,
                password_hash=password_hash,
            )
            for i, p in enumerate(synthetic)
        )
        db.session.commit()
        return election.id, {p.id: rounds[p.group].id for p in synthetic}


def log_in(app: Flask, election_id: int, round_of: dict[int, int]) -> list[Voter]:
    """Log every synthetic rep in (in-process) and prepare its cast request."""
    with app.app_context():
        users = db.session.execute(
            db.select(User.email, User.partner_id).where(User.email.like("rep%@burst.local"))
        ).all()
        first_candidate = {
            round_id: db.session.execute(
                db.text(
                    "SELECT candidate_id FROM round_candidates WHERE round_id = :r "
                    "ORDER BY candidate_id LIMIT 1"
                ),
                {"r": round_id},
            ).scalar_one()
            for round_id in set(round_of.values())
        }
    voters = []
    for email, partner_id in users:
        client = app.test_client()
        token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
        response = client.post(
            "/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
        )
        assert response.status_code == 302, (email, response.status_code)
        round_id = round_of[partner_id]
        page = client.get(f"/voting/{election_id}/rounds/{round_id}")
        assert page.status_code == 200, page.status_code
        token = CSRF.search(page.get_data(as_text=True)).group(1)
        body = urlencode(
            {"csrf_token": token, "partner_id": partner_id, "candidate": first_candidate[round_id]}
        )
        voters.append(
            Voter(
                partner_id,
                f"/voting/{election_id}/rounds/{round_id}/cast",
                client.get_cookie("session").value,
                body,
            )
        )
    return voters
