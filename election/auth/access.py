"""The logged-in user as the services see them."""

from __future__ import annotations

from flask_login import current_user

from election.access import roles_required
from election.audit.service import Actor

__all__ = ["current_actor", "roles_required"]


def current_actor() -> Actor:
    """The logged-in user as the services' :class:`Actor`."""
    if current_user and current_user.is_authenticated:
        return Actor(current_user.id, current_user.email)
    return Actor.system("guest")
