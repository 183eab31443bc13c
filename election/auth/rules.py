"""Password policy."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from election.errors import N_

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200

#: One common password a line, from public breach lists (see the file's header).
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    """The refused passwords, lower case; read from the data file once per process."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def password_problem(password: str) -> str | None:
    """Why ``password`` is not acceptable, or ``None``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("Hasło musi mieć co najmniej 12 znaków.")
    if len(password) > MAX_PASSWORD_LENGTH:
        return N_("Hasło może mieć najwyżej 200 znaków.")
    if password.lower() in common_passwords() or len(set(password)) < 4:
        return N_("To hasło jest zbyt popularne lub zbyt proste. Wybierz inne.")
    return None
