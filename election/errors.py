"""Domain errors. Services raise them; views turn them into messages or API errors.

No Flask here: a message is a Polish text marked with :func:`N_` for extraction and
translated by the view that shows it, so services stay free of the request.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


class DomainError(Exception):
    """A refused operation; ``code`` is stable (API), ``message`` is for people."""

    code = "invalid"
    status = 400

    def __init__(self, message: Any = None, **params: Any) -> None:
        self.message = message if message is not None else self.default_message()
        self.params = params
        super().__init__(str(self.message))

    def default_message(self) -> str:
        return "Operacja niedozwolona."

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


class ValidationFailed(DomainError):
    code = "invalid"


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409


class WrongPhase(Conflict):
    code = "wrong_phase"


class AlreadyVoted(Conflict):
    code = "already_voted"


class RoundClosed(Conflict):
    code = "round_closed"


class NotEligible(Forbidden):
    code = "not_eligible"
