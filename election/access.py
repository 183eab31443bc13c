"""Who may reach a page: the users' roles and the check every view declares.

In core, below every feature, so that any feature's pages (the audit log included)
can declare their roles without importing the accounts feature.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

F = TypeVar("F", bound=Callable[..., Any])


class Role(enum.StrEnum):
    ADMIN = "admin"
    CHAIR = "chair"
    PARTNER_REP = "partner_rep"
    OBSERVER = "observer"


#: The meeting's staff: they run the election (the chair) or administer it (ŚCSI).
STAFF = (Role.ADMIN, Role.CHAIR)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Let only logged-in users with one of ``roles`` in: a guest goes to the login
    page, a wrong role gets 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        # Read by the access-control matrix test: every route either declares its
        # roles here or is listed as public there.
        wrapped.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
