"""Decrypting a secret round's sums: the stored ballots checked against the chain, summed
per position, decrypted with proofs, the counts found (``docs/ballot-box.md``).

Positions: 0 is the blank indicator, then the round's candidates **by id**. Every
secret used here (the server's key, a teller's share) is handed in by the caller and
used for the call only; what is stored — the aggregates and the decryption shares with
their proofs — is public and reveals the counts, never a ballot.

Each ballot's points and proofs were checked when it was cast; here the round's ballots
as stored are checked against the digest the chain recorded when the box was closed
(or when the last paper ballot was entered), so they are not checked again one by one.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from election import crypto
from election.candidates.models import Candidate
from election.elections.custody import context
from election.elections.models import BallotBoxKey, Custody
from election.errors import N_, Conflict
from election.tally.models import DecryptionShare, RoundAggregate
from election.verify import IDENTITY, G, add, check_decryption, is_valid_point, public_share, sub
from election.voting.integrity import recorded_digest
from election.voting.models import POSITION_BYTES, EncryptedBallot, Round
from election.voting.rules import encrypted_digest

BOX_DAMAGED = N_("Zapis karty w urnie jest uszkodzony; liczenie przerwane.")


def candidates_by_id(round_: Round) -> list[Candidate]:
    """The round's candidates in the order of the positions 1…m (by id)."""
    return sorted(round_.candidates, key=lambda c: c.id)


def width(round_: Round) -> int:
    """Positions of the round's ballots: the blank indicator and each candidate."""
    return 1 + len(round_.candidates)


BOX_CHANGED = N_(
    "Karty w urnie różnią się od zapisanych w dzienniku zdarzeń przy zamknięciu tury; "
    "liczenie wstrzymane."
)


def read_box(session: Session, round_: Round) -> tuple[int, list[list[bytes]]]:
    """The round's ballots, checked against the digest the chain last recorded for them,
    as columns of points: A₀…A_m, then B₀…B_m. One read of the box serves both.

    Raises :class:`Conflict` when a ballot was changed, added or removed since.
    """
    rows = [
        (code, bytes(ciphertexts), bytes(proof))
        for code, ciphertexts, proof in session.execute(
            select(
                EncryptedBallot.tracking_code, EncryptedBallot.ciphertexts, EncryptedBallot.proof
            ).where(EncryptedBallot.round_id == round_.id)
        )
    ]
    recorded = recorded_digest(session, round_)
    if recorded is None or encrypted_digest(rows) != recorded:
        raise Conflict(BOX_CHANGED)
    positions = width(round_)
    columns: list[list[bytes]] = [[] for _ in range(2 * positions)]
    for _code, raw, _proof in rows:
        if len(raw) != positions * POSITION_BYTES:
            raise Conflict(BOX_DAMAGED)
        for j in range(positions):
            start = j * POSITION_BYTES
            columns[j].append(raw[start : start + 32])
            columns[positions + j].append(raw[start + 32 : start + 64])
    return len(rows), columns


def aggregate(session: Session, round_: Round) -> tuple[int, list[RoundAggregate]]:
    """Check the box, sum every position over the round's ballots, store the sums.

    Returns the number of ballots and the aggregates. Raises :class:`Conflict` when the
    stored ballots are not those recorded, or a sum is not a valid point.
    """
    ballots, columns = read_box(session, round_)
    sums = crypto.aggregate(columns)
    positions = width(round_)
    aggregates = []
    for j in range(positions):
        sum_a, sum_b = sums[j], sums[positions + j]
        if not (is_valid_point(sum_a) and is_valid_point(sum_b)):
            raise Conflict(N_("Suma kart w urnie nie jest poprawnym punktem; liczenie przerwane."))
        aggregates.append(RoundAggregate(round_id=round_.id, position=j, sum_a=sum_a, sum_b=sum_b))
    session.add_all(aggregates)
    session.flush()
    return ballots, aggregates


def stored_aggregates(session: Session, round_: Round) -> list[RoundAggregate]:
    """The round's aggregates by position, each point checked; empty before summing."""
    found = list(
        session.scalars(
            select(RoundAggregate)
            .where(RoundAggregate.round_id == round_.id)
            .order_by(RoundAggregate.position)
        )
    )
    if found and (
        [a.position for a in found] != list(range(width(round_)))
        or not all(is_valid_point(a.sum_a) and is_valid_point(a.sum_b) for a in found)
    ):
        raise Conflict(N_("Zapisane sumy kart tej tury są uszkodzone; liczenie przerwane."))
    return found


def check_aggregates(session: Session, round_: Round, aggregates: Sequence[RoundAggregate]) -> None:
    """Raise :class:`Conflict` unless ``aggregates`` are the sums of the box as the chain
    recorded it — so a share is never applied to anything else (a single ballot, say)."""
    _ballots, columns = read_box(session, round_)
    sums = crypto.aggregate(columns)
    positions = width(round_)
    stored = [(a.sum_a, a.sum_b) for a in aggregates]
    if stored != [(sums[j], sums[positions + j]) for j in range(positions)]:
        raise Conflict(N_("Zapisane sumy kart nie są sumami kart w urnie; liczenie przerwane."))


def holder_keys(key: BallotBoxKey) -> dict[str, bytes]:
    """The public key of every possible holder: the server's Y, or each teller's Y_i."""
    if key.custody is Custody.SERVER:
        return {"server": key.public_key}
    commitments = [bytes.fromhex(c) for c in key.commitments]
    return {str(i): public_share(commitments, i) for i in range(1, (key.tellers or 0) + 1)}


def add_shares(
    session: Session,
    round_: Round,
    key: BallotBoxKey,
    aggregates: Sequence[RoundAggregate],
    holder: str,
    secret: bytes,
) -> list[DecryptionShare]:
    """The holder's decryption share of every position, with proofs, stored.

    ``secret`` is the server's key or a teller's share, already checked against its
    public key; it is used here and not kept.
    """
    ctx = context(key, round_.id)
    shares = []
    for aggregate_ in aggregates:
        share = crypto.decryption_share(ctx, aggregate_.position, holder, secret, aggregate_.sum_a)
        shares.append(
            DecryptionShare(
                round_id=round_.id,
                position=aggregate_.position,
                holder=holder,
                d=share.d,
                a=share.a,
                b=share.b,
                z=share.z,
            )
        )
    session.add_all(shares)
    session.flush()
    return shares


def stored_shares(session: Session, round_: Round) -> list[DecryptionShare]:
    return list(
        session.scalars(
            select(DecryptionShare)
            .where(DecryptionShare.round_id == round_.id)
            .order_by(DecryptionShare.position, DecryptionShare.holder)
        )
    )


def holders(session: Session, round_: Round) -> set[str]:
    """Who has given the round's decryption shares so far."""
    return set(
        session.scalars(
            select(DecryptionShare.holder).where(DecryptionShare.round_id == round_.id).distinct()
        )
    )


def decrypt(
    session: Session,
    round_: Round,
    key: BallotBoxKey,
    aggregates: Sequence[RoundAggregate],
    ballots: int,
) -> list[int]:
    """The counts per position (blank first), from the stored shares, every proof checked.

    Raises :class:`Conflict` when a share's proof fails, shares are missing, or the
    decryption is not a count of ``ballots`` ballots.
    """
    ctx = context(key, round_.id)
    public = holder_keys(key)
    by_position: dict[int, list[crypto.DecryptionShare]] = {}
    for row in stored_shares(session, round_):
        holder_key = public.get(row.holder)
        aggregate_ = aggregates[row.position] if row.position < len(aggregates) else None
        if (
            holder_key is None
            or aggregate_ is None
            or not all(is_valid_point(p) for p in (row.d, row.a, row.b))
            or not check_decryption(
                ctx, row.position, holder_key, aggregate_.sum_a, row.d, row.a, row.b, row.z
            )
        ):
            raise Conflict(
                N_("Udział w odszyfrowaniu tury nie przechodzi kontroli; liczenie przerwane.")
            )
        by_position.setdefault(row.position, []).append(
            crypto.DecryptionShare(row.holder, row.d, row.a, row.b, row.z)
        )
    needed = 1 if key.custody is Custody.SERVER else key.threshold or 1
    decrypted = []
    for aggregate_ in aggregates:
        shares = by_position.get(aggregate_.position, [])
        if len(shares) < needed:
            raise Conflict(N_("Za mało udziałów, by odszyfrować tę turę."))
        decrypted.append(sub(aggregate_.sum_b, crypto.combine(shares)))
    counts = find_counts(decrypted, ballots)
    if counts is None:
        raise Conflict(N_("Odszyfrowanie nie daje liczby głosów tej tury; liczenie przerwane."))
    return counts


def find_counts(points: Sequence[bytes], limit: int) -> list[int] | None:
    """t_j with t_j·G = points[j], 0 ≤ t_j ≤ limit: one walk up 0·G, 1·G, … for all of
    them (a round's counts together cost one walk, not one per candidate)."""
    wanted: dict[bytes, list[int]] = {}
    for j, point in enumerate(points):
        wanted.setdefault(point, []).append(j)
    found: list[int | None] = [None] * len(points)
    candidate = IDENTITY  # 0·G
    for t in range(limit + 1):
        for j in wanted.pop(candidate, []):
            found[j] = t
        if not wanted:
            break
        candidate = add(candidate, G)
    if any(t is None for t in found):
        return None
    return [t for t in found if t is not None]
