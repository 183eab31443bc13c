"""The standalone verifier: recount an election record without trusting the server.

    python -m election.verify record.json

Reads the public election record (``GET /api/v1/elections/<id>/record.json``) and checks
every point, every proof, the aggregates, the decryption and the counts of each counted
round (the construction: ``docs/ballot-box.md``), then prints the count per candidate —
or the first thing that fails. Exit status 0 when the record holds, 1 when it does not.

It imports nothing from the app (an import-linter contract holds it so) and needs only
PyNaCl: all curve and scalar arithmetic is libsodium's. This module holds the group, the
hash and the checks of each proof; :mod:`election.verify.record` reads a record. The app
reuses these primitives for its own encryption and decryption, so the recount and the
count share one definition of every formula.
"""

from __future__ import annotations

import hashlib
import math
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
    """t with t·G = point for 0 ≤ t ≤ limit, or None.

    Baby-step giant-step: a table of j·G for j < m (m = ⌈√(limit + 1)⌉), then point − i·m·G
    for i = 0, 1, … looked up in it — about 2√limit point operations instead of a walk of
    up to ``limit`` (a count of 100,000 ballots: ~640 instead of 100,000). Encodings are
    canonical, so equal points have equal bytes.
    """
    if limit < 0:
        return None
    m = math.isqrt(limit) + 1
    table: dict[bytes, int] = {}
    candidate = IDENTITY
    for j in range(m):
        table.setdefault(candidate, j)
        candidate = add(candidate, G)
    giant = base(scalar(m))
    gamma = point
    for i in range(m + 1):
        j = table.get(gamma)
        if j is not None:
            t = i * m + j
            return t if t <= limit else None
        gamma = sub(gamma, giant)
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
