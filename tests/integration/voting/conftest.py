"""Voting tests build many reps; their password hashes need not be slow here."""

from collections.abc import Iterator

import pytest
from werkzeug.security import generate_password_hash


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from election.auth import models

    def fast(password: str, method: str = "scrypt", salt_length: int = 16) -> str:
        return generate_password_hash(password, method="pbkdf2:sha256:1000")

    monkeypatch.setattr(models, "generate_password_hash", fast)
    yield
