import pytest

from election.auth.rules import password_problem


@pytest.mark.parametrize(
    "password",
    ["short", "12345678901", "password1234", "aaaaaaaaaaaaaaa", "Qwerty123456", "x" * 201],
)
def test_weak_passwords_are_refused(password):
    assert password_problem(password)


def test_a_long_unusual_password_is_accepted():
    assert password_problem("zielona-łąka-nad-Wisłą") is None
