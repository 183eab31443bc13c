"""The projector view's secret link: made, replaced, disabled by the admin, checked."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.elections.models import Election


def enable_projector(session: Session, actor: Actor, election: Election) -> str:
    """Give the projector view a new secret link token (the old one stops working)."""
    election.projector_token = secrets.token_urlsafe(24)
    session.flush()
    record(session, actor, "projector.link_created", election)
    return election.projector_token


def disable_projector(session: Session, actor: Actor, election: Election) -> None:
    """Switch the secret link off: only a logged-in chair or admin sees the projector."""
    election.projector_token = None
    session.flush()
    record(session, actor, "projector.link_disabled", election)


def projector_token_ok(election: Election, token: str | None) -> bool:
    """Whether ``token`` is the election's link token (compared in constant time)."""
    expected = election.projector_token
    return bool(expected and token) and hmac.compare_digest(expected, token or "")


def projector_grant(token: str) -> str:
    """What a browser keeps after opening the projector link: a digest of the token, not
    the token (the session cookie is readable by whoever holds it)."""
    return hashlib.sha256(f"projector:{token}".encode()).hexdigest()


def projector_grant_ok(election: Election, grant: object) -> bool:
    """Whether ``grant`` was made from the election's current link token: a new link or
    a disabled one ends every browser's grant."""
    expected = election.projector_token
    return (
        bool(expected)
        and isinstance(grant, str)
        and hmac.compare_digest(projector_grant(expected or ""), grant)
    )
