"""The election record: everything anyone needs to recount a secret election's counted
rounds without trusting the server (``docs/ballot-box.md``).

The format is :data:`election.verify.FORMAT`, read by :func:`election.verify.record.
verify_record` and ``python -m election.verify record.json``. Per counted round: the
candidates (in position order, by id), the seats, every ballot in tracking-code order,
the aggregates, the decryption shares with their proofs, the counts as stored, the roll
and the number of roll marks; for the election its public key (and in ``tellers``
custody k, n, the commitments and each Y_i), and the audit chain's head.

Only rounds that were decrypted are in it: an invalid round's box was never opened.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.audit.service import head_hash
from election.db import utcnow
from election.elections import custody
from election.elections.models import Custody, Election
from election.errors import N_, NotFound
from election.tally.decryption import candidates_by_id
from election.tally.models import CandidateResult, DecryptionShare, RoundAggregate, RoundTally
from election.verify import FORMAT
from election.voting.models import EncryptedBallot, RollMark, Round

NO_RECORD = N_("Zapis wyborów będzie dostępny, gdy zostanie policzona pierwsza tura.")


def decrypted_rounds(session: Session, election: Election) -> list[Round]:
    """The election's rounds that were counted by decrypting their box, by id."""
    if not election.secret:
        return []
    return list(
        session.scalars(
            select(Round)
            .join(RoundTally, RoundTally.round_id == Round.id)
            .where(
                Round.election_id == election.id,
                RoundTally.valid.is_(True),
                RoundTally.blank.is_not(None),
            )
            .order_by(Round.id)
        )
    )


def has_record(session: Session, election: Election) -> bool:
    return bool(decrypted_rounds(session, election))


def _hex_list(raw: bytes) -> list[str]:
    return [raw[i : i + 32].hex() for i in range(0, len(raw), 32)]


def ballot_entry(ballot: EncryptedBallot) -> dict[str, Any]:
    """One ballot as the record holds it: tracking code, ciphertexts with 0/1 proofs, and
    the ballot proof (challenges, responses)."""
    proof = _hex_list(ballot.proof)
    half = len(proof) // 2
    return {
        "tracking_code": ballot.tracking_code,
        "ciphertexts": [
            {"a": a.hex(), "b": b.hex(), "proof": [c0.hex(), c1.hex(), z0.hex(), z1.hex()]}
            for a, b, c0, c1, z0, z1 in ballot.positions()
        ],
        "proof": {"c": proof[:half], "z": proof[half:]},
    }


def _round_entry(session: Session, round_: Round) -> dict[str, Any]:
    tally = session.get_one(RoundTally, round_.id)
    candidates = candidates_by_id(round_)
    votes = dict(
        session.execute(
            select(CandidateResult.candidate_id, CandidateResult.votes).where(
                CandidateResult.round_id == round_.id
            )
        ).all()
    )
    ballots = sorted(
        session.scalars(select(EncryptedBallot).where(EncryptedBallot.round_id == round_.id)),
        key=lambda b: b.tracking_code,
    )
    aggregates = session.scalars(
        select(RoundAggregate)
        .where(RoundAggregate.round_id == round_.id)
        .order_by(RoundAggregate.position)
    ).all()
    shares: dict[int, list[dict[str, str]]] = {}
    for share in session.scalars(
        select(DecryptionShare)
        .where(DecryptionShare.round_id == round_.id)
        .order_by(DecryptionShare.position, DecryptionShare.holder)
    ):
        shares.setdefault(share.position, []).append(
            {
                "holder": share.holder,
                "d": share.d.hex(),
                "a": share.a.hex(),
                "b": share.b.hex(),
                "z": share.z.hex(),
            }
        )
    marks = session.scalar(
        select(func.count()).select_from(RollMark).where(RollMark.round_id == round_.id)
    )
    return {
        "id": round_.id,
        "label": f"{round_.group.value}, {round_.number}",
        "group": round_.group.value,
        "number": round_.number,
        "seats": round_.seats,
        "candidates": [
            {"id": c.id, "name": c.full_name, "partner": c.partner.name} for c in candidates
        ],
        "roll": tally.roll,
        "roll_marks": marks or 0,
        "ballots": [ballot_entry(b) for b in ballots],
        "aggregates": [{"a": a.sum_a.hex(), "b": a.sum_b.hex()} for a in aggregates],
        "decryption": [{"shares": shares.get(a.position, [])} for a in aggregates],
        "counts": [tally.blank, *(votes.get(c.id) for c in candidates)],
    }


def custody_entry(session: Session, election: Election) -> dict[str, Any]:
    """Who holds the key: the server, or k of n tellers with their public commitments."""
    key = custody.key_of(session, election)
    if key.custody is Custody.SERVER:
        return {"mode": "server"}
    return {
        "mode": "tellers",
        "k": key.threshold,
        "n": key.tellers,
        "commitments": list(key.commitments),
        "public_shares": {
            str(t.index): t.public_share.hex() for t in custody.tellers_of(session, election)
        },
    }


def election_record(session: Session, election: Election) -> dict[str, Any]:
    """The election's record, from what is stored now; :class:`NotFound` before a round of
    a secret election was counted."""
    rounds = decrypted_rounds(session, election)
    if not rounds:
        raise NotFound(NO_RECORD)
    key = custody.key_of(session, election)
    return {
        "format": FORMAT,
        "election": {"id": election.id, "title": election.title},
        "public_key": key.public_key.hex(),
        "custody": custody_entry(session, election),
        "rounds": [_round_entry(session, r) for r in rounds],
        "audit_head": head_hash(session),
        "generated_at": utcnow().isoformat(timespec="seconds"),
    }
