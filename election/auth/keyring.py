"""Two-factor (TOTP) secrets encrypted at rest, with keys kept outside the database.

The server must compute codes, so it cannot store only a hash; it stores the secret
encrypted (XChaCha20-Poly1305, PyNaCl's ``Aead``) with a key from ``TOTP_KEY`` or
``<instance>/totp_key`` (``election/config.py``). A copy of the database alone — a
backup, a dump — holds ciphertext that nobody can turn into codes.

A sealed secret reads ``v1.<key id>.<nonce and ciphertext, base64>``: the key id picks
the key among those configured (during a rotation, the old and the new), and the
user's id is authenticated with it, so a sealed secret copied onto another account's
row does not open there.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence

from flask import current_app
from nacl.exceptions import CryptoError
from nacl.secret import Aead

VERSION = "v1"


class CannotOpen(Exception):
    """A sealed secret that none of the configured keys opens (a lost or wrong key, or
    a value altered in the database)."""


def key_id(key: bytes) -> str:
    """A short, public name of ``key`` (not a secret: it only says which key sealed)."""
    return hashlib.blake2b(key, digest_size=4, person=b"rada-totp-key").hexdigest()


def _aad(user_id: int) -> bytes:
    return f"rada-sekap totp user {user_id}".encode()


class TotpKeyring:
    """The keys of the two-factor secrets: the first seals, any of them opens."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("no TOTP key")
        if any(len(key) != Aead.KEY_SIZE for key in keys):
            raise ValueError(f"a TOTP key must be {Aead.KEY_SIZE} bytes")
        self._keys = {key_id(key): key for key in keys}
        self.current = key_id(keys[0])

    def seal(self, secret: str, user_id: int) -> str:
        """``secret`` of user ``user_id`` encrypted with the current key (a fresh nonce)."""
        box = Aead(self._keys[self.current])
        data = bytes(box.encrypt(secret.encode(), _aad(user_id)))
        return f"{VERSION}.{self.current}.{base64.urlsafe_b64encode(data).decode()}"

    def open(self, sealed: str, user_id: int) -> str:
        """The secret ``sealed`` holds for user ``user_id``; raises :class:`CannotOpen`."""
        version, _, rest = sealed.partition(".")
        kid, _, text = rest.partition(".")
        key = self._keys.get(kid)
        if version != VERSION or key is None:
            raise CannotOpen(f"no key {kid!r} for this TOTP secret")
        try:
            data = base64.urlsafe_b64decode(text)
            return Aead(key).decrypt(data, _aad(user_id)).decode()
        except (binascii.Error, ValueError, CryptoError) as exc:
            raise CannotOpen("the TOTP secret does not open with its key") from exc

    def is_current(self, sealed: str) -> bool:
        """Whether ``sealed`` was sealed with the current key (nothing to rotate)."""
        return sealed.startswith(f"{VERSION}.{self.current}.")


def current_keyring() -> TotpKeyring:
    """The running app's keyring, from its ``TOTP_KEYS`` setting."""
    return TotpKeyring(current_app.config["TOTP_KEYS"])
