import pytest

from election.auth.rules import common_passwords, password_problem


@pytest.mark.parametrize(
    "password",
    ["short", "12345678901", "password1234", "aaaaaaaaaaaaaaa", "Qwerty123456", "x" * 201],
)
def test_weak_passwords_are_refused(password):
    assert password_problem(password)


def test_a_long_unusual_password_is_accepted():
    assert password_problem("zielona-łąka-nad-Wisłą") is None


def test_the_common_list_is_a_real_top_list_of_long_passwords():
    passwords = common_passwords()
    assert len(passwords) >= 250
    # Only entries the length rule would let through are worth listing.
    assert all(len(p) >= 12 for p in passwords)
    assert all(p == p.lower() and p.strip() == p for p in passwords)
    assert not any(p.startswith("#") for p in passwords)
    assert common_passwords() is passwords  # loaded once


@pytest.mark.parametrize(
    "password", ["1qaz2wsx3edc", "QAZWSXEDCRFV", "123qweasdzxc", "Polska123456"]
)
def test_passwords_from_the_list_are_refused_whatever_the_case(password):
    assert "popularne" in password_problem(password)


def test_the_demo_password_is_allowed():
    from election.demo.data import DEMO_PASSWORD

    assert password_problem(DEMO_PASSWORD) is None
