"""Password policy."""

from __future__ import annotations

from election.errors import N_

MIN_PASSWORD_LENGTH = 12

#: The most common passwords that pass the length rule (from public breach lists).
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "qwertyuiopas",
        "qwertyuiop12",
        "password1234",
        "password12345",
        "passwordpassword",
        "haslohaslo12",
        "haslo1234567",
        "zaq12wsxcde3",
        "1qaz2wsx3edc",
        "qazwsxedcrfv",
        "aaaaaaaaaaaa",
        "iloveyou1234",
        "administrator",
        "administrator1",
        "admin1234567",
        "welcome12345",
        "letmein12345",
        "sekapsekap12",
        "polska123456",
        "kochamcie123",
        "zaq1@wsxcde3",
        "qwerty123456",
        "1q2w3e4r5t6y",
        "abcdefghijkl",
        "abc123456789",
    }
)


def password_problem(password: str) -> str | None:
    """Why ``password`` is not acceptable, or ``None``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("Hasło musi mieć co najmniej 12 znaków.")
    if len(password) > 200:
        return N_("Hasło może mieć najwyżej 200 znaków.")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        return N_("To hasło jest zbyt popularne lub zbyt proste. Wybierz inne.")
    return None
