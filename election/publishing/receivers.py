"""What publishing does when a lower feature signals (``election.signals``): queue the
post to the LMS course in the same transaction, so the outbox entry commits (or rolls
back) with the action that caused it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from election import signals
from election.audit.service import Actor
from election.elections.models import Election
from election.publishing.models import PublicationKind
from election.publishing.outbox import enqueue, mark_outdated


def _on_candidates_published(session: Session, *, election: Election) -> None:
    """The candidate list was published: post it to the course."""
    enqueue(session, election.id, PublicationKind.CANDIDATES)


def _on_council_certified(session: Session, *, actor: Actor, election: Election) -> None:
    """The results were certified: post them, with the Council and the protocol."""
    enqueue(session, election.id, PublicationKind.RESULTS)


def _on_published_data_changed(
    session: Session, *, actor: Actor, election: Election, what: str
) -> None:
    """Data shown in the election's posts changed: update the posts it already has."""
    mark_outdated(session, actor, election.id, what)


def connect() -> None:
    """Connect publishing's receivers; called once by the app factory."""
    signals.candidates_published.connect(_on_candidates_published)
    signals.council_certified.connect(_on_council_certified)
    signals.published_data_changed.connect(_on_published_data_changed)
