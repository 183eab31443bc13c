"""Pure rules of a ballot: which choices are valid, receipts, the digest, the order shown.

Standard library and :mod:`election.errors` only, so each rule can be tested alone.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence
from typing import TypeVar

from election.errors import N_, ValidationFailed

T = TypeVar("T")

#: Receipt codes avoid look-alike characters (0/O, 1/I) so they can be read aloud
#: and typed back; the same alphabet as :data:`election.db.READABLE_ALPHABET`.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
RECEIPT_LENGTH = 10

#: Characters a person may type between the groups of a receipt code.
_SEPARATORS = str.maketrans("", "", " -–—_.\t")


def validate_choices(candidate_ids: Sequence[int], allowed: set[int], seats: int) -> list[int]:
    """The distinct choices of a valid ballot, in the order given.

    A ballot names 0..``seats`` distinct candidates, all from ``allowed`` (the round's
    candidates); an empty ballot is a valid blank one. Raises :class:`ValidationFailed`
    with the reason otherwise.
    """
    seen: set[int] = set()
    for candidate_id in candidate_ids:
        if candidate_id not in allowed:
            raise ValidationFailed(
                N_("Wybrano kandydata, którego nie ma na tej karcie do głosowania.")
            )
        if candidate_id in seen:
            raise ValidationFailed(N_("Ten sam kandydat został zaznaczony więcej niż raz."))
        seen.add(candidate_id)
    if len(candidate_ids) > seats:
        raise ValidationFailed(
            N_("Można wybrać najwyżej %(seats)s kandydatów; zaznaczono %(chosen)s."),
            seats=seats,
            chosen=len(candidate_ids),
        )
    return list(candidate_ids)


def parse_candidate_ids(values: Iterable[str]) -> list[int]:
    """Candidate ids from form values; anything but a small positive integer is refused."""
    ids: list[int] = []
    for value in values:
        text = value.strip()
        if not text.isascii() or not text.isdigit() or len(text) > 9 or int(text) < 1:
            raise ValidationFailed(N_("Nieprawidłowy wybór kandydata. Odśwież kartę."))
        ids.append(int(text))
    return ids


def normalise_receipt(text: str) -> str:
    """A receipt code as typed (any case, spaces or dashes between groups) in stored form."""
    return text.translate(_SEPARATORS).upper()


def is_receipt(code: str) -> bool:
    return len(code) == RECEIPT_LENGTH and all(ch in RECEIPT_ALPHABET for ch in code)


def format_receipt(code: str) -> str:
    """Groups of five characters, easier to read aloud and copy: ``ABCDE-FGHJK``."""
    if len(code) == 11 and code[5] == "-":  # a tracking code is stored grouped already
        return code
    return "-".join(code[i : i + 5] for i in range(0, len(code), 5))


#: The tracking code's alphabet (Crockford's base 32), as in :mod:`election.verify`.
TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Crockford's decoding: the letters a person may type for the digits they look like.
_LOOK_ALIKES = str.maketrans("OIL", "011")


def normalise_tracking_code(text: str) -> str | None:
    """A tracking code as typed (any case, spaces or dashes, O for 0, I or L for 1) in its
    stored form ``ABCDE-FGHIJ``; None when it cannot be one."""
    raw = text.translate(_SEPARATORS).upper().translate(_LOOK_ALIKES)
    if len(raw) != 10 or any(ch not in TRACKING_ALPHABET for ch in raw):
        return None
    return f"{raw[:5]}-{raw[5:]}"


def ballot_digest(ballots: Iterable[tuple[str, Iterable[int]]]) -> str:
    """SHA-256 over the ballots of a round: ``(ballot id, candidate ids)`` pairs.

    Ballots are taken in the order of their (random) id and each ballot's candidate ids
    sorted, so the digest does not depend on the order of reading and anyone with the
    same ballots computes the same value.
    """
    digest = hashlib.sha256()
    for ballot_id, candidate_ids in sorted(
        ((bid, sorted(ids)) for bid, ids in ballots), key=lambda pair: pair[0]
    ):
        digest.update(f"{ballot_id}:{','.join(str(c) for c in candidate_ids)}\n".encode())
    return digest.hexdigest()


def encrypted_digest(ballots: Iterable[tuple[str, bytes, bytes]]) -> str:
    """SHA-256 over the encrypted ballots of a round: ``(tracking code, ciphertexts, proof)``.

    Taken in the order of the tracking codes (unique, and a function of the ballot
    alone), so anyone holding the same ballots — the published record included —
    computes the same value, whatever the order of reading.
    """
    digest = hashlib.sha256()
    for code, ciphertexts, proof in sorted(ballots, key=lambda ballot: ballot[0]):
        digest.update(f"{code}:{ciphertexts.hex()}:{proof.hex()}\n".encode())
    return digest.hexdigest()


def shuffled_for(items: Sequence[T], seed: str) -> list[T]:
    """``items`` in an order fixed by ``seed``: the same voter always sees the same ballot.

    Not a secret: the order only spreads the advantage of the first place on the list.
    """
    order = list(items)
    random.Random(hashlib.sha256(seed.encode()).digest()).shuffle(order)
    return order
