"""Publishing to the LMS course through an outbox.

An event that must reach the course (the candidate list published, the results
certified) calls :func:`enqueue` in its own transaction; the entry is sent after the
commit and retried until it succeeds, so nothing is lost if Moodle is down.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.db import utcnow
from election.publishing.models import Publication, PublicationKind, PublicationStatus


def enqueue(session: Session, election_id: int, kind: PublicationKind) -> Publication:
    """Mark the election's ``kind`` publication as due; re-publishing reuses the entry.

    The entry keeps the Moodle discussion it was posted as, so sending it again
    updates that post instead of creating a duplicate.
    """
    publication = session.scalar(
        select(Publication).where(Publication.election_id == election_id, Publication.kind == kind)
    )
    if publication is None:
        publication = Publication(election_id=election_id, kind=kind)
        session.add(publication)
    publication.status = PublicationStatus.PENDING
    publication.next_attempt_at = utcnow()
    publication.last_error = None
    session.flush()
    return publication
