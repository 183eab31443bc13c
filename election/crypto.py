"""The encrypted ballot box: keys, encryption with proofs, decryption with proofs.

The construction is ``docs/ballot-box.md`` (exponential ElGamal on the Ed25519 group,
disjunctive Chaum–Pedersen proofs made non-interactive by Fiat–Shamir, as in Helios,
Belenios and ElectionGuard). Every formula that a verifier checks is written once, in
:mod:`election.verify`; this module only adds what needs a secret — the randomness of
an encryption, the election key, a teller's share — and forgets it when it returns.
All arithmetic is libsodium's (PyNaCl).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from nacl import bindings as _na
from nacl import exceptions as _exc
from nacl._sodium import ffi as _ffi  # PyNaCl's own cffi module: libsodium itself
from nacl._sodium import lib as _lib

from election.verify import (
    IDENTITY,
    ZERO,
    Context,
    add,
    base,
    discrete_log,
    disjunction_commitments,
    hash_to_scalar,
    is_valid_point,
    lagrange,
    mul,
    public_share,
    sc_add,
    sc_mul,
    sc_sub,
    scalar,
    sub,
    total,
    tracking_code,
)


def random_scalar() -> bytes:
    """A uniformly random non-zero scalar."""
    while True:
        s = _na.crypto_core_ed25519_scalar_reduce(os.urandom(64))
        if s != ZERO:
            return s


@dataclass(frozen=True)
class KeyPair:
    secret: bytes
    public: bytes


def new_keypair() -> KeyPair:
    x = random_scalar()
    return KeyPair(x, base(x))


# --- proofs --------------------------------------------------------------------------------


def prove_disjunction(
    tag: str,
    context: Context,
    extra: Sequence[bytes | str | int],
    a: bytes,
    b: bytes,
    r: bytes,
    values: Sequence[int],
    true_value: int,
) -> tuple[list[bytes], list[bytes]]:
    """Prove that (A, B) = (r·G, r·Y + v·G) encrypts one of ``values`` (it is ``true_value``).

    The other values are simulated with random challenges and responses; the true one
    answers what is left of the Fiat–Shamir challenge. Returns (c_t…), (z_t…).
    """
    y = context.public_key
    cs, zs = [random_scalar() for _ in values], [random_scalar() for _ in values]
    index = list(values).index(true_value)
    w = random_scalar()
    commitments: list[bytes] = []
    for i, t in enumerate(values):
        if i == index:
            commitments += [base(w), mul(w, y)]
        else:
            commitments += disjunction_commitments(y, a, b, [t], [cs[i]], [zs[i]])
    challenge = hash_to_scalar(tag, *context.items()[:2], *extra, y, a, b, *commitments)
    others = ZERO
    for i, c in enumerate(cs):
        if i != index:
            others = sc_add(others, c)
    cs[index] = sc_sub(challenge, others)
    zs[index] = sc_add(w, sc_mul(cs[index], r))
    return cs, zs


@dataclass(frozen=True)
class EncryptedBallot:
    """What is stored of a ballot: no choice, only ciphertexts and proofs."""

    #: (A, B, c₀, c₁, z₀, z₁) per position: the blank indicator first, then the candidates.
    ciphertexts: list[tuple[bytes, bytes, bytes, bytes, bytes, bytes]]
    #: The ballot proof: challenges then responses, for 1…seats marks.
    proof: list[bytes]
    tracking_code: str


def encrypt_ballot(context: Context, seats: int, marks: Sequence[int]) -> EncryptedBallot:
    """Encrypt a ballot: ``marks`` holds 0 or 1 per candidate (in the round's order), at
    most ``seats`` ones. The blank indicator is 1 exactly when nothing is marked.

    Raises ``ValueError`` on an over-vote or a mark other than 0/1: no proof could be made.
    """
    if any(m not in (0, 1) for m in marks) or sum(marks) > seats or seats < 1:
        raise ValueError("not a valid ballot")
    values = [1 if not any(marks) else 0, *marks]
    y = context.public_key
    ciphertexts, randomness = [], []
    for position, v in enumerate(values):
        r = random_scalar()
        a, b = base(r), add(mul(r, y), base(scalar(v)))
        cs, zs = prove_disjunction("bit", context, [position], a, b, r, [0, 1], v)
        ciphertexts.append((a, b, *cs, *zs))
        randomness.append(r)
    s = scalar(seats)
    combined_a = add(total(c[0] for c in ciphertexts[1:]), mul(s, ciphertexts[0][0]))
    combined_b = add(total(c[1] for c in ciphertexts[1:]), mul(s, ciphertexts[0][1]))
    combined_r = sc_mul(s, randomness[0])
    for r in randomness[1:]:
        combined_r = sc_add(combined_r, r)
    marked = sum(values[1:]) + seats * values[0]
    cs, zs = prove_disjunction(
        "ballot", context, [], combined_a, combined_b, combined_r, range(1, seats + 1), marked
    )
    proof = [*cs, *zs]
    return EncryptedBallot(ciphertexts, proof, tracking_code(context, ciphertexts, proof))


# --- counting --------------------------------------------------------------------------------


def _sum(points: Sequence[bytes]) -> bytes:
    """Σ points, with libsodium's ``crypto_core_ed25519_add`` called on one output buffer.

    The same libsodium call as :func:`election.verify.add`, through PyNaCl's own cffi
    module, without the wrapper's per-call allocation and copy (about a tenth of the
    time of an addition). The buffer is both an input and the output: libsodium decodes
    both points before it writes. Raises what PyNaCl's wrapper raises.
    """
    acc = _ffi.new("unsigned char[]", 32)
    acc[0:32] = IDENTITY
    add_into = _lib.crypto_core_ed25519_add
    for point in points:
        if not isinstance(point, bytes) or len(point) != 32:
            raise _exc.TypeError(
                "Each point must be a crypto_core_ed25519_BYTES long bytes sequence"
            )
        if add_into(acc, acc, point) != 0:
            raise _exc.RuntimeError("Unexpected library error")
    return _ffi.buffer(acc, 32)[:]


def aggregate(columns: Sequence[Sequence[bytes]]) -> list[bytes]:
    """The sum of each column of points.

    libsodium releases the GIL, so the work is spread over threads, one per core (at
    most 4): each column is cut into as many slices as threads, so every core stays
    busy to the end whatever the number of columns; the slices' sums are then added.
    """
    workers = min(4, os.cpu_count() or 1)
    slices = [
        column[i * len(column) // workers : (i + 1) * len(column) // workers]
        for column in columns
        for i in range(workers)
    ]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        partial = list(pool.map(_sum, slices))
    return [_sum(partial[i * workers : (i + 1) * workers]) for i in range(len(columns))]


@dataclass(frozen=True)
class DecryptionShare:
    """D = x·ΣA with its Chaum–Pedersen proof (a, b, z)."""

    holder: str
    d: bytes
    a: bytes
    b: bytes
    z: bytes


def decryption_share(
    context: Context, position: int, holder: str, secret: bytes, sum_a: bytes
) -> DecryptionShare:
    """The holder's share of the decryption of position ``position``, with its proof."""
    if not is_valid_point(sum_a):
        raise ValueError("the aggregate is not a valid point")
    holder_key = base(secret)
    d = mul(secret, sum_a)
    w = random_scalar()
    a, b = base(w), mul(w, sum_a)
    c = hash_to_scalar("dec", *context.items()[:2], position, holder_key, sum_a, d, a, b)
    return DecryptionShare(holder, d, a, b, sc_add(w, sc_mul(c, secret)))


def combine(shares: Sequence[DecryptionShare]) -> bytes:
    """x·ΣA from the shares: the server's alone, or the tellers' by Lagrange interpolation."""
    if len(shares) == 1 and shares[0].holder == "server":
        return shares[0].d
    participants = [int(s.holder) for s in shares]
    return total(mul(lagrange(int(s.holder), participants), s.d) for s in shares)


def count(sum_b: bytes, decrypted: bytes, ballots: int) -> int:
    """t with ΣB − x·ΣA = t·G, 0 ≤ t ≤ ballots; ``ValueError`` if there is none."""
    found = discrete_log(sub(sum_b, decrypted), ballots)
    if found is None:
        raise ValueError("the decryption is not a count of these ballots")
    return found


# --- tellers: k of n -------------------------------------------------------------------------


@dataclass(frozen=True)
class Dealing:
    """A dealt key: the public key, Feldman commitments C_m = a_m·G (C₀ = Y) and each
    teller's share x_i = f(i). The shares are handed out once and then forgotten."""

    public: bytes
    commitments: list[bytes]
    shares: dict[int, bytes]


def deal(k: int, n: int) -> Dealing:
    """Shamir's sharing of a fresh key over Z_ℓ: f(i) = x + a₁i + … + a_{k−1}i^{k−1}."""
    if not 1 <= k <= n:
        raise ValueError("need 1 ≤ k ≤ n")
    coefficients = [random_scalar() for _ in range(k)]
    shares = {}
    for i in range(1, n + 1):
        value, power = ZERO, scalar(1)
        for coefficient in coefficients:
            value = sc_add(value, sc_mul(coefficient, power))
            power = sc_mul(power, scalar(i))
        shares[i] = value
    commitments = [base(a) for a in coefficients]
    return Dealing(commitments[0], commitments, shares)


def share_matches(commitments: Sequence[bytes], index: int, share: bytes) -> bool:
    """Whether ``share`` is teller ``index``'s: x_i·G = Y_i."""
    return share != ZERO and base(share) == public_share(commitments, index)
