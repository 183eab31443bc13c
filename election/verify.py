"""The standalone verifier: recount an election record without trusting the server.

    python -m election.verify record.json

Reads the public election record (``GET /api/v1/elections/<id>/record.json``) and checks
every point, every proof, the aggregates, the decryption and the counts of each counted
round (the construction: ``docs/ballot-box.md``), then prints the count per candidate —
or the first thing that fails. Exit status 0 when the record holds, 1 when it does not.

It imports nothing from the app (an import-linter contract holds it so) and needs only
PyNaCl: all curve and scalar arithmetic is libsodium's. The app reuses the primitives
below for its own encryption and decryption, so the recount and the count share one
definition of every formula.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from nacl import bindings as _na

FORMAT = "rada-sekap/record/v1"

#: The group order ℓ, for the canonical-scalar check only (never for arithmetic).
ORDER = 2**252 + 27742317777372353535851937790883648493
#: The identity point's encoding; libsodium refuses to multiply it or produce it.
IDENTITY = bytes([1]) + bytes(31)
#: The characters of a tracking code (Crockford's base 32: no I, L, O, U).
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PREFIX = b"rada-sekap/v1/"


class VerificationError(Exception):
    """The record does not hold; the message says where and why."""


# --- scalars and points (libsodium does all the arithmetic) --------------------------------


def scalar(n: int) -> bytes:
    """A small non-negative integer (a count, an index) as a scalar."""
    if not 0 <= n < ORDER:
        raise ValueError("scalar out of range")
    return n.to_bytes(32, "little")


ZERO = scalar(0)


def sc_add(a: bytes, b: bytes) -> bytes:
    return _na.crypto_core_ed25519_scalar_add(a, b)


def sc_sub(a: bytes, b: bytes) -> bytes:
    return _na.crypto_core_ed25519_scalar_sub(a, b)


def sc_mul(a: bytes, b: bytes) -> bytes:
    return _na.crypto_core_ed25519_scalar_mul(a, b)


def sc_inv(a: bytes) -> bytes:
    return _na.crypto_core_ed25519_scalar_invert(a)


def base(s: bytes) -> bytes:
    """s·G."""
    return IDENTITY if s == ZERO else _na.crypto_scalarmult_ed25519_base_noclamp(s)


def mul(s: bytes, point: bytes) -> bytes:
    """s·P (the identity when either is zero)."""
    if s == ZERO or point == IDENTITY:
        return IDENTITY
    return _na.crypto_scalarmult_ed25519_noclamp(s, point)


def add(p: bytes, q: bytes) -> bytes:
    return _na.crypto_core_ed25519_add(p, q)


def sub(p: bytes, q: bytes) -> bytes:
    return _na.crypto_core_ed25519_sub(p, q)


def total(points: Iterable[bytes]) -> bytes:
    result = IDENTITY
    for point in points:
        result = add(result, point)
    return result


G = base(scalar(1))


def is_valid_point(point: bytes) -> bool:
    """On the curve, in the prime-order subgroup, not of small order (never the identity)."""
    return len(point) == 32 and bool(_na.crypto_core_ed25519_is_valid_point(point))


def is_canonical_scalar(s: bytes) -> bool:
    return len(s) == 32 and _na.crypto_core_ed25519_scalar_reduce(s + bytes(32)) == s


def hash_to_scalar(tag: str, *items: bytes | str | int) -> bytes:
    """H(tag, items…): SHA-512 over the tag and the length-prefixed items, reduced mod ℓ."""
    return _na.crypto_core_ed25519_scalar_reduce(_digest(hashlib.sha512, tag, items))


def _digest(algorithm: Any, tag: str, items: Sequence[bytes | str | int]) -> bytes:
    h = algorithm(_PREFIX + tag.encode() + b"\0")
    for item in items:
        raw = item if isinstance(item, bytes) else str(item).encode()
        h.update(len(raw).to_bytes(4, "big") + raw)
    return h.digest()


# --- statements --------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What every proof of a round hashes besides its statement."""

    election_id: int
    round_id: int
    public_key: bytes

    def items(self) -> tuple[bytes | str | int, ...]:
        return (self.election_id, self.round_id, self.public_key)


def disjunction_commitments(
    public_key: bytes,
    a: bytes,
    b: bytes,
    values: Sequence[int],
    cs: Sequence[bytes],
    zs: Sequence[bytes],
) -> list[bytes]:
    """The commitments (a_t, b_t) that challenges c_t and responses z_t imply, for the
    claim "(A, B) encrypts one of ``values``": a_t = z_t·G − c_t·A, b_t = z_t·Y − c_t·(B − t·G)."""
    out: list[bytes] = []
    for t, c, z in zip(values, cs, zs, strict=True):
        shifted = sub(b, base(scalar(t))) if t else b
        out += [sub(base(z), mul(c, a)), sub(mul(z, public_key), mul(c, shifted))]
    return out


def check_disjunction(
    tag: str,
    context: Context,
    extra: Sequence[bytes | str | int],
    a: bytes,
    b: bytes,
    values: Sequence[int],
    cs: Sequence[bytes],
    zs: Sequence[bytes],
) -> bool:
    """The disjunctive Chaum–Pedersen proof: Σ c_t = H(tag, context, extra, Y, A, B, a_t, b_t…)."""
    commitments = disjunction_commitments(context.public_key, a, b, values, cs, zs)
    challenge = hash_to_scalar(
        tag, *context.items()[:2], *extra, context.public_key, a, b, *commitments
    )
    summed = ZERO
    for c in cs:
        summed = sc_add(summed, c)
    return summed == challenge


def check_decryption(
    context: Context,
    position: int,
    holder_key: bytes,
    sum_a: bytes,
    share: bytes,
    a: bytes,
    b: bytes,
    z: bytes,
) -> bool:
    """z·G = a + c·Y_h and z·ΣA = b + c·D, with c = H("dec", context, j, Y_h, ΣA, D, a, b)."""
    c = hash_to_scalar("dec", *context.items()[:2], position, holder_key, sum_a, share, a, b)
    return base(z) == add(a, mul(c, holder_key)) and mul(z, sum_a) == add(b, mul(c, share))


def public_share(commitments: Sequence[bytes], index: int) -> bytes:
    """Y_i = Σ_m i^m·C_m: the public key of teller ``index`` (Feldman)."""
    power, result, i = scalar(1), IDENTITY, scalar(index)
    for commitment in commitments:
        result = add(result, mul(power, commitment))
        power = sc_mul(power, i)
    return result


def lagrange(index: int, participants: Iterable[int]) -> bytes:
    """λ_i = Π_{m∈S, m≠i} m·(m − i)⁻¹ mod ℓ."""
    result = scalar(1)
    for m in participants:
        if m != index:
            result = sc_mul(result, sc_mul(scalar(m), sc_inv(sc_sub(scalar(m), scalar(index)))))
    return result


def discrete_log(point: bytes, limit: int) -> int | None:
    """t with t·G = point for 0 ≤ t ≤ limit (a walk up the table 0·G, 1·G, …), or None."""
    candidate = IDENTITY
    for t in range(limit + 1):
        if candidate == point:
            return t
        candidate = add(candidate, G)
    return None


def tracking_code(
    context: Context, ciphertexts: Sequence[Sequence[bytes]], proof: Sequence[bytes]
) -> str:
    """The receipt: SHA-256 over the canonical ballot, 10 characters in two groups of five."""
    items = [*context.items()]
    for ciphertext in ciphertexts:
        items += list(ciphertext)
    items += list(proof)
    digest = int.from_bytes(_digest(hashlib.sha256, "tracking", items)[:8], "big") >> 14
    code = "".join(CROCKFORD[(digest >> (5 * (9 - i))) & 31] for i in range(10))
    return f"{code[:5]}-{code[5:]}"


# --- reading the record ----------------------------------------------------------------------


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


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m election.verify record.json", file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as f:
            record = json.load(f)
        results = verify_record(record)
    except (OSError, ValueError) as exc:
        print(f"FAILED: cannot read {args[0]}: {exc}")
        return 1
    except VerificationError as exc:
        print(f"FAILED: {exc}")
        return 1
    for result in results:
        print(f"{result.label}: {result.ballots} ballots, {result.seats} seat(s)")
        for name, votes in result.counts:
            print(f"  {votes:6d}  {name}")
    print("OK: every ballot, proof, aggregate and decryption checks out.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
