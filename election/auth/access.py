"""Role checks for views: a guest goes to login, a wrong role gets 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from election.audit.service import Actor
from election.auth.models import Role

F = TypeVar("F", bound=Callable[..., Any])


def roles_required(*roles: Role) -> Callable[[F], F]:
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


def current_actor() -> Actor:
    """The logged-in user as the services' :class:`Actor`."""
    if current_user and current_user.is_authenticated:
        return Actor(current_user.id, current_user.email)
    return Actor.system("guest")
