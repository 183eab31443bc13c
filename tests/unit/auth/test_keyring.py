"""Two-factor secrets sealed with a key kept outside the database."""

from __future__ import annotations

import os

import pytest

from election.auth import totp
from election.auth.keyring import CannotOpen, TotpKeyring, key_id
from election.config import TOTP_KEY_FILE, from_environment, read_totp_key_file

OLD, NEW = os.urandom(32), os.urandom(32)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_a_sealed_secret_opens_with_its_key_and_user_only():
    keyring = TotpKeyring([OLD])
    sealed = keyring.seal(SECRET, 7)
    assert sealed.startswith(f"v1.{key_id(OLD)}.") and SECRET not in sealed
    assert keyring.open(sealed, 7) == SECRET
    # Sealed twice, never the same text (a fresh nonce each time).
    assert keyring.seal(SECRET, 7) != sealed
    with pytest.raises(CannotOpen):
        keyring.open(sealed, 8)  # copied onto another account's row
    with pytest.raises(CannotOpen):
        TotpKeyring([NEW]).open(sealed, 7)  # a copy of the database without the key


def test_an_altered_sealed_secret_does_not_open():
    keyring = TotpKeyring([OLD])
    sealed = keyring.seal(SECRET, 7)
    version, kid, data = sealed.split(".")
    flipped = data[:10] + ("A" if data[10] != "A" else "B") + data[11:]
    for bad in (f"{version}.{kid}.{flipped}", f"v2.{kid}.{data}", "JBSWY3DPEHPK3PXP", ""):
        with pytest.raises(CannotOpen):
            keyring.open(bad, 7)


def test_during_a_rotation_both_keys_open_and_the_new_one_seals():
    old = TotpKeyring([OLD]).seal(SECRET, 1)
    both = TotpKeyring([NEW, OLD])
    assert both.open(old, 1) == SECRET and not both.is_current(old)
    fresh = both.seal(SECRET, 1)
    assert both.is_current(fresh) and TotpKeyring([NEW]).open(fresh, 1) == SECRET


def test_the_key_file_is_made_once_readable_by_its_owner_only(tmp_path):
    config = from_environment(str(tmp_path), {})
    path = tmp_path / TOTP_KEY_FILE
    assert config["TOTP_KEY_FILE"] == str(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_totp_key_file(path) == config["TOTP_KEYS"] and len(config["TOTP_KEYS"]) == 1
    assert from_environment(str(tmp_path), {})["TOTP_KEYS"] == config["TOTP_KEYS"]
    keyring = TotpKeyring(config["TOTP_KEYS"])
    assert keyring.open(keyring.seal(totp.new_secret(), 1), 1)


def test_the_key_may_come_from_the_environment_instead(tmp_path):
    import base64

    value = ",".join(base64.urlsafe_b64encode(k).decode() for k in (NEW, OLD))
    config = from_environment(str(tmp_path), {"TOTP_KEY": value})
    assert config["TOTP_KEYS"] == [NEW, OLD] and config["TOTP_KEY_FILE"] == ""
    assert not (tmp_path / TOTP_KEY_FILE).exists()
    with pytest.raises(ValueError, match="bytes"):
        from_environment(str(tmp_path), {"TOTP_KEY": "c2hvcnQ="})
