"""Reading an election record and checking all of it (:func:`verify_record`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from election.verify import (
    FORMAT,
    IDENTITY,
    Context,
    VerificationError,
    add,
    check_decryption,
    check_disjunction,
    discrete_log,
    is_canonical_scalar,
    is_valid_point,
    lagrange,
    mul,
    public_share,
    scalar,
    sub,
    total,
    tracking_code,
)


def _hex(value: Any, where: str, size: int = 32) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError):
        raise VerificationError(f"{where}: not a hexadecimal value") from None
    if len(raw) != size:
        raise VerificationError(f"{where}: expected {size} bytes, found {len(raw)}")
    return raw


def point(value: Any, where: str) -> bytes:
    raw = _hex(value, where)
    if raw == IDENTITY:
        raise VerificationError(f"{where}: the identity point, which cannot appear here")
    if not is_valid_point(raw):
        raise VerificationError(
            f"{where}: not a valid point of the group (off the curve, or of small order)"
        )
    return raw


def scalar_of(value: Any, where: str) -> bytes:
    raw = _hex(value, where)
    if not is_canonical_scalar(raw):
        raise VerificationError(f"{where}: not a canonical scalar")
    return raw


def _field(obj: Any, key: str, where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise VerificationError(f"{where}: missing “{key}”")
    return obj[key]


def _int(obj: Any, key: str, where: str) -> int:
    value = _field(obj, key, where)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise VerificationError(f"{where}: “{key}” is not a non-negative integer")
    return value


@dataclass(frozen=True)
class RoundCount:
    label: str
    seats: int
    ballots: int
    #: (name, votes), in the record's candidate order; the blank ballots first.
    counts: list[tuple[str, int]]


def verify_record(record: Any) -> list[RoundCount]:
    """Check the whole record; the counts of its rounds, or :class:`VerificationError`."""
    try:
        return _verify_record(record)
    except (RuntimeError, ValueError, TypeError, KeyError) as exc:
        # libsodium refusing a value (a crafted identity, a wrong length) is a bad record.
        raise VerificationError(f"record: malformed ({exc.__class__.__name__}: {exc})") from exc


def _verify_record(record: Any) -> list[RoundCount]:
    if _field(record, "format", "record") != FORMAT:
        raise VerificationError(f"record: not a {FORMAT} document")
    election_id = _int(_field(record, "election", "record"), "id", "election")
    key = point(_field(record, "public_key", "record"), "public key")
    custody = _field(record, "custody", "record")
    holders = _holders(custody, key)
    rounds = _field(record, "rounds", "record")
    if not isinstance(rounds, list) or not rounds:
        raise VerificationError("record: no counted round")
    return [_verify_round(r, election_id, key, holders, custody) for r in rounds]


def _holders(custody: Any, key: bytes) -> dict[str, bytes]:
    """The public key of every possible key holder: the server, or each teller (Y_i)."""
    mode = _field(custody, "mode", "custody")
    if mode == "server":
        return {"server": key}
    if mode != "tellers":
        raise VerificationError(f"custody: unknown mode “{mode}”")
    k, n = _int(custody, "k", "custody"), _int(custody, "n", "custody")
    commitments = [
        point(c, f"custody, commitment {m}")
        for m, c in enumerate(_field(custody, "commitments", "custody"))
    ]
    if not 1 <= k <= n or len(commitments) != k:
        raise VerificationError("custody: k, n and the commitments do not agree")
    if commitments[0] != key:
        raise VerificationError("custody: the first commitment is not the public key")
    stated = _field(custody, "public_shares", "custody")
    holders = {}
    for i in range(1, n + 1):
        holders[str(i)] = public_share(commitments, i)
        if (
            point(_field(stated, str(i), "custody, public shares"), f"public share {i}")
            != holders[str(i)]
        ):
            raise VerificationError(f"custody: public share {i} does not match the commitments")
    return holders


def _verify_round(
    data: Any, election_id: int, key: bytes, holders: dict[str, bytes], custody: Any
) -> RoundCount:
    round_id = _int(data, "id", "round")
    where = f"round {round_id}"
    seats = _int(data, "seats", where)
    context = Context(election_id, round_id, key)
    names = ["(blank)"] + [str(_field(c, "name", where)) for c in _field(data, "candidates", where)]
    width = len(names)
    ballots = _field(data, "ballots", where)
    if not isinstance(ballots, list):
        raise VerificationError(f"{where}: “ballots” is not a list")
    columns: list[list[tuple[bytes, bytes]]] = [[] for _ in range(width)]
    codes = []
    for number, ballot in enumerate(ballots, 1):
        pairs = _verify_ballot(ballot, context, seats, width, f"{where}, ballot {number}")
        codes.append(_field(ballot, "tracking_code", where))
        for j, pair in enumerate(pairs):
            columns[j].append(pair)
    if codes != sorted(set(codes)):
        raise VerificationError(f"{where}: tracking codes are not unique and in order")
    roll, marks = _int(data, "roll", where), _int(data, "roll_marks", where)
    if not len(ballots) <= marks <= roll:
        raise VerificationError(
            f"{where}: {len(ballots)} ballots, {marks} roll marks and a roll "
            f"of {roll} — ballots ≤ roll marks ≤ roll does not hold"
        )
    if len(ballots) < min(3, roll):
        raise VerificationError(f"{where}: fewer than min(3, roll) ballots were decrypted")
    counts = _verify_tally(data, context, holders, custody, columns, len(ballots), where)
    blank, votes = counts[0], counts[1:]
    marked = len(ballots) - blank
    if blank > len(ballots) or not marked <= sum(votes) <= seats * marked:
        raise VerificationError(f"{where}: the counts cannot come from valid ballots")
    return RoundCount(
        f"{where} ({_field(data, 'label', where)})",
        seats,
        len(ballots),
        list(zip(names, counts, strict=True)),
    )


def _verify_ballot(
    ballot: Any, context: Context, seats: int, width: int, where: str
) -> list[tuple[bytes, bytes]]:
    ciphertexts = _field(ballot, "ciphertexts", where)
    if not isinstance(ciphertexts, list) or len(ciphertexts) != width:
        raise VerificationError(f"{where}: expected {width} ciphertexts")
    pairs, flat = [], []
    for j, item in enumerate(ciphertexts):
        at = f"{where}, position {j}"
        a, b = point(_field(item, "a", at), f"{at}, A"), point(_field(item, "b", at), f"{at}, B")
        proof = [scalar_of(v, f"{at}, proof") for v in _field(item, "proof", at)]
        if len(proof) != 4 or not check_disjunction(
            "bit", context, [j], a, b, [0, 1], proof[:2], proof[2:]
        ):
            raise VerificationError(f"{at}: the proof that it encrypts 0 or 1 fails")
        pairs.append((a, b))
        flat.append((a, b, *proof))
    combined_a = add(total(a for a, _ in pairs[1:]), mul(scalar(seats), pairs[0][0]))
    combined_b = add(total(b for _, b in pairs[1:]), mul(scalar(seats), pairs[0][1]))
    proof = _field(ballot, "proof", where)
    cs = [scalar_of(v, f"{where}, ballot proof") for v in _field(proof, "c", where)]
    zs = [scalar_of(v, f"{where}, ballot proof") for v in _field(proof, "z", where)]
    values = list(range(1, seats + 1))
    if (
        len(cs) != seats
        or len(zs) != seats
        or not check_disjunction("ballot", context, [], combined_a, combined_b, values, cs, zs)
    ):
        raise VerificationError(
            f"{where}: the proof that it marks 1…{seats} candidates or is blank fails"
        )
    code = tracking_code(context, flat, [*cs, *zs])
    if _field(ballot, "tracking_code", where) != code:
        raise VerificationError(f"{where}: the tracking code is not the ballot's ({code})")
    return pairs


def _verify_tally(
    data: Any,
    context: Context,
    holders: dict[str, bytes],
    custody: Any,
    columns: list[list[tuple[bytes, bytes]]],
    ballots: int,
    where: str,
) -> list[int]:
    aggregates = _field(data, "aggregates", where)
    decryption = _field(data, "decryption", where)
    stated = _field(data, "counts", where)
    if not (
        isinstance(aggregates, list) and isinstance(decryption, list) and isinstance(stated, list)
    ) or not len(aggregates) == len(decryption) == len(stated) == len(columns):
        raise VerificationError(
            f"{where}: aggregates, decryption and counts do not match the candidates"
        )
    counts = []
    for j, column in enumerate(columns):
        at = f"{where}, position {j}"
        sum_a, sum_b = total(a for a, _ in column), total(b for _, b in column)
        if (
            _hex(_field(aggregates[j], "a", at), f"{at}, aggregate"),
            _hex(_field(aggregates[j], "b", at), f"{at}, aggregate"),
        ) != (sum_a, sum_b):
            raise VerificationError(f"{at}: the aggregate is not the sum of the ballots")
        shares = _field(decryption[j], "shares", at)
        used: dict[int | str, bytes] = {}
        for share in shares if isinstance(shares, list) else []:
            holder = str(_field(share, "holder", at))
            if holder not in holders or holder in used:
                raise VerificationError(f"{at}: a decryption share of unknown holder {holder}")
            d = point(_field(share, "d", at), f"{at}, share of {holder}")
            a = point(_field(share, "a", at), f"{at}, share of {holder}")
            b = point(_field(share, "b", at), f"{at}, share of {holder}")
            z = scalar_of(_field(share, "z", at), f"{at}, share of {holder}")
            if not check_decryption(context, j, holders[holder], sum_a, d, a, b, z):
                raise VerificationError(f"{at}: the decryption proof of {holder} fails")
            used[holder] = d
        decrypted = _combine(used, custody, at)
        count = discrete_log(sub(sum_b, decrypted), ballots)
        if count is None or count != stated[j]:
            raise VerificationError(
                f"{at}: the decryption gives {count}, the record says {stated[j]}"
            )
        counts.append(count)
    return counts


def _combine(shares: dict[int | str, bytes], custody: Any, where: str) -> bytes:
    if custody["mode"] == "server":
        if set(shares) != {"server"}:
            raise VerificationError(f"{where}: the server's decryption share is missing")
        return shares["server"]
    if len(shares) < custody["k"]:
        raise VerificationError(f"{where}: fewer than k = {custody['k']} tellers decrypted")
    participants = [int(i) for i in shares]
    return total(mul(lagrange(int(i), participants), d) for i, d in shares.items())
