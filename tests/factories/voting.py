"""Builders and helpers for the voting tests."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from election.access import Role
from election.elections import custody
from election.extensions import db
from election.verify import (
    IDENTITY,
    add,
    base,
    check_disjunction,
    mul,
    scalar,
    sub,
    total,
    tracking_code,
)
from election.voting.models import Ballot, BallotChoice, EncryptedBallot, RollMark
from tests.factories import (
    GROUPS,
    PASSWORD,
    adopt_rules,
    freeze_roll,
    make_candidate,
    make_election,
    make_partner,
    make_user,
)
from tests.support.web import csrf_token, login

#: Distinct people per group (one person cannot stand twice in an election).
NAMES = {
    "gmina": ["Anna Nowak", "Łukasz Zieliński", "Piotr Ćwik", "Ewa Śliwa", "Marek Adamski"],
    "powiat": ["Jan Kowal", "Ola Żak", "Adam Łuczak", "Iga Bąk", "Tomasz Czarny"],
    "miasto_npp": ["Maria Wójcik", "Karol Ślęzak", "Ewa Ąbek", "Jerzy Nowicki", "Olga Rak"],
}


def election_without_rounds(
    per_group: int = 3,
    candidates_per_group: int = 3,
    *,
    phase: str = "voting",
    adopted: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    """Like ``tests.factories.voting_election`` but with no rounds yet."""
    election = make_election(phase, **fields)
    if adopted:
        adopt_rules(election)
    world: dict[str, Any] = {"election": election, "partners": {}, "reps": {}, "candidates": {}}
    for group in GROUPS:
        partners = [make_partner(group) for _ in range(per_group)]
        freeze_roll(election, partners)
        world["partners"][group] = partners
        world["reps"][group] = [make_user(Role.PARTNER_REP, partner=p) for p in partners]
        world["candidates"][group] = [
            make_candidate(election, partners[i % per_group], NAMES[group.value][i])
            for i in range(candidates_per_group)
        ]
    world["chair"] = make_user(Role.CHAIR)
    return world


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def counts() -> tuple[int, int, int]:
    """(ballots — encrypted or open, ballot choices, roll marks) in the whole database."""
    return (count(Ballot) + count(EncryptedBallot), count(BallotChoice), count(RollMark))


def logged_in(app: Any, email: str) -> FlaskClient:
    client = app.test_client()
    login(client, email, PASSWORD)
    return client


def ballot_url(election_id: int, round_id: int, step: str = "") -> str:
    base = f"/voting/{election_id}/rounds/{round_id}"
    return f"{base}/{step}" if step else base


def cast_form(
    client: FlaskClient,
    election_id: int,
    round_id: int,
    candidate_ids: list[int],
    partner_id: int,
    *,
    token: str | None = None,
) -> Any:
    """POST the confirmed ballot as the confirmation page would."""
    data: dict[str, Any] = {
        "csrf_token": token or csrf_token(client),
        "partner_id": str(partner_id),
        "candidate": [str(c) for c in candidate_ids],
    }
    return client.post(ballot_url(election_id, round_id, "cast"), data=data)


RECEIPT_RE = re.compile(r'class="receipt-code"[^>]*>([0-9A-Z-]+)<')


def receipt_on(page: str) -> str | None:
    """The receipt code shown on a page, without the dash."""
    match = RECEIPT_RE.search(page)
    return match.group(1).replace("-", "") if match else None


# --- encrypted ballots --------------------------------------------------------------------


def context_of(election: Any, round_: Any) -> Any:
    return custody.context(custody.key_of(db.session, election), round_.id)


def check_encrypted(row: EncryptedBallot, context: Any, seats: int) -> None:
    """Assert that a stored ballot's every proof and its tracking code hold (as a verifier
    would check them)."""
    positions = row.positions()
    for j, (a, b, *proof) in enumerate(positions):
        assert check_disjunction("bit", context, [j], a, b, [0, 1], proof[:2], proof[2:]), j
    s = scalar(seats)
    combined_a = add(total(p[0] for p in positions[1:]), mul(s, positions[0][0]))
    combined_b = add(total(p[1] for p in positions[1:]), mul(s, positions[0][1]))
    parts = row.proof_parts()
    assert len(parts) == 2 * seats
    assert check_disjunction(
        "ballot",
        context,
        [],
        combined_a,
        combined_b,
        range(1, seats + 1),
        parts[:seats],
        parts[seats:],
    )
    assert tracking_code(context, positions, parts) == row.tracking_code


def decrypt_marks(row: EncryptedBallot, secret: bytes) -> list[int]:
    """What a ballot says, read with the server's key (only a test does this to one ballot):
    [blank indicator, then one mark per candidate by id]."""
    marks = []
    for a, b, *_proof in row.positions():
        point = sub(b, mul(secret, a))
        marks.append(0 if point == IDENTITY else 1 if point == base(scalar(1)) else -1)
    return marks
