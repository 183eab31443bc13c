import re

import pyotp
import pytest

from election.auth import totp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
T = 1_780_000_000  # a fixed moment: the tests never depend on the clock


def test_a_new_secret_is_base32_of_160_bits():
    secret = totp.new_secret()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert secret != totp.new_secret()


def test_the_uri_is_what_authenticator_apps_import():
    uri = totp.provisioning_uri(SECRET, "anna@example.pl")
    assert uri.startswith("otpauth://totp/Rada%20SEKAP:anna%40example.pl?")
    assert f"secret={SECRET}" in uri and "issuer=Rada%20SEKAP" in uri
    assert pyotp.parse_uri(uri).secret == SECRET


def test_the_current_code_matches_its_time_step():
    code = totp.current_code(SECRET, at=T)
    assert totp.matching_step(SECRET, code, at=T) == T // 30


@pytest.mark.parametrize("offset", [-30, 30])
def test_a_neighbouring_step_is_accepted_for_clock_drift(offset):
    code = totp.current_code(SECRET, at=T + offset)
    assert totp.matching_step(SECRET, code, at=T) == (T + offset) // 30


@pytest.mark.parametrize("offset", [-90, 90, 3600])
def test_codes_outside_the_window_are_refused(offset):
    assert totp.matching_step(SECRET, totp.current_code(SECRET, at=T + offset), at=T) is None


def test_a_step_already_used_is_refused():
    code = totp.current_code(SECRET, at=T)
    assert totp.matching_step(SECRET, code, at=T, after=T // 30) is None
    assert totp.matching_step(SECRET, code, at=T, after=T // 30 - 1) == T // 30


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x", None])
def test_malformed_codes_are_refused(code):
    assert totp.matching_step(SECRET, code, at=T) is None


def test_spaces_in_a_code_are_ignored():
    code = totp.current_code(SECRET, at=T)
    assert totp.matching_step(SECRET, f"{code[:3]} {code[3:]}", at=T) == T // 30


def test_recovery_codes_are_ten_distinct_readable_codes():
    codes = totp.new_recovery_codes()
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", code)


def test_a_recovery_code_hashes_the_same_however_it_is_typed():
    code = "ABCD-EFGH-JKLM"
    assert totp.hash_recovery_code(code) == totp.hash_recovery_code(" abcd efgh-jklm ")
    assert totp.hash_recovery_code(code) != totp.hash_recovery_code("ABCD-EFGH-JKLN")
    assert len(totp.hash_recovery_code(code)) == 64
    assert totp.looks_like_recovery_code("abcd efgh jklm")
    assert not totp.looks_like_recovery_code("123456")


def test_the_secret_is_grouped_for_typing():
    assert totp.group_secret("ABCDEFGHIJKL") == "ABCD EFGH IJKL"
