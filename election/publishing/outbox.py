"""The outbox of posts to the LMS course: what is queued, and the claim on an entry.

An event that must reach the course (the candidate list published, the results
certified, published data changed) queues an entry with :func:`enqueue` in its own
transaction; once that transaction commits, this process's background sender is woken
(:mod:`election.publishing.sender`), and ``flask lms worker`` picks it up within its
interval whichever process queued it. An entry is retried until it is sent, so nothing
is lost while Moodle is down. Sending is :mod:`election.publishing.delivery`: it claims
an entry (:func:`claim`) before calling Moodle, so two senders — two app processes and
the worker, say — never post the same entry twice.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from election import transaction
from election.audit.service import Actor, record
from election.db import utcnow
from election.elections.models import Election
from election.errors import N_, NotFound
from election.publishing.messages import MoodleError
from election.publishing.models import Publication, PublicationKind, PublicationStatus

#: How long a sender holds an entry it is sending; a sender that died frees it then.
LEASE = dt.timedelta(minutes=5)

SYSTEM = Actor.system("lms-outbox")

#: Where the app keeps its background sender (``app.extensions``), set by
#: :func:`election.publishing.sender.init_app`.
SENDER = "publishing.sender"


def wake_sender() -> None:
    """An after-commit effect: wake this process's background sender, if it has one."""
    sender = current_app.extensions.get(SENDER)
    if sender is not None:
        sender.wake()


def enqueue(
    session: Session, election_id: int, kind: PublicationKind, *, wake: bool = True
) -> Publication:
    """Mark the election's ``kind`` publication as due; re-publishing reuses the entry.

    The entry keeps the Moodle discussion it was posted as, so sending it again
    updates that post instead of creating a duplicate. After the commit the background
    sender is woken, unless ``wake`` is false (the caller sends at once itself).
    """
    publication = session.scalar(
        select(Publication).where(Publication.election_id == election_id, Publication.kind == kind)
    )
    if publication is None:
        publication = Publication(election_id=election_id, kind=kind)
        session.add(publication)
    now = utcnow()
    held = (
        publication.status == PublicationStatus.PENDING
        and publication.next_attempt_at is not None
        and publication.next_attempt_at > now
    )
    if held:
        # A sender is posting it right now (see claim). Leave it to that sender, but
        # change the time so it sees the entry was queued again and keeps it pending.
        publication.next_attempt_at = publication.next_attempt_at + dt.timedelta(microseconds=1)
    else:
        publication.next_attempt_at = now
    publication.status = PublicationStatus.PENDING
    publication.last_error = publication.error_code = publication.error_params = None
    # A new event starts a new round of attempts (and of backoff).
    publication.attempts = 0
    session.flush()
    if wake:
        transaction.after_commit(session, wake_sender)
    return publication


def _due(now: dt.datetime, *, force: bool = False) -> ColumnElement[bool]:
    """An entry a sender may take now: due, or (``force``) failed whatever its backoff —
    never one that is pending with a time in the future: another sender holds it."""
    due = Publication.next_attempt_at.is_(None) | (Publication.next_attempt_at <= now)
    if force:
        due = due | (Publication.status == PublicationStatus.FAILED)
    return due


def due_ids(
    session: Session, now: dt.datetime, *, force: bool = False, election_id: int | None = None
) -> list[int]:
    """Entries to send: not sent, and due (``force``: whatever their backoff)."""
    stmt = select(Publication.id).where(
        Publication.status != PublicationStatus.SENT, _due(now, force=force)
    )
    if election_id is not None:
        stmt = stmt.where(Publication.election_id == election_id)
    return list(session.scalars(stmt.order_by(Publication.created_at, Publication.id)))


def next_due(session: Session) -> dt.datetime | None:
    """When the earliest unsent entry is due (or its sender's lease ends), if any."""
    return session.scalar(
        select(Publication.next_attempt_at)
        .where(
            Publication.status != PublicationStatus.SENT,
            Publication.next_attempt_at.is_not(None),
        )
        .order_by(Publication.next_attempt_at)
        .limit(1)
    )


def republish(
    session: Session,
    actor: Actor,
    *,
    publication_id: int | None = None,
    election_id: int | None = None,
    wake: bool = True,
) -> list[Publication]:
    """Queue again one entry, or all of an election's, so they are sent (as updates).

    Raises :class:`NotFound` when there is no such entry. ``wake`` as in :func:`enqueue`.
    """
    stmt = select(Publication)
    if publication_id is not None:
        stmt = stmt.where(Publication.id == publication_id)
    if election_id is not None:
        stmt = stmt.where(Publication.election_id == election_id)
    found = session.scalars(stmt.order_by(Publication.id)).all()
    if not found:
        raise NotFound(N_("Nie ma takiej publikacji."))
    queued = [enqueue(session, p.election_id, p.kind, wake=wake) for p in found]
    for publication in queued:
        record(session, actor, "publication.requeued", publication, kind=publication.kind.value)
    return queued


def mark_outdated(session: Session, actor: Actor, election_id: int, what: str) -> list[Publication]:
    """Data shown in the election's posts changed (``what``): queue an update of every
    post it already has (audited as ``publication.outdated``); none is created here."""
    found = session.scalars(
        select(Publication).where(Publication.election_id == election_id).order_by(Publication.id)
    ).all()
    now = utcnow()
    queued = []
    for publication in found:
        queued.append(enqueue(session, election_id, publication.kind))
        publication.outdated_by = what[:100]
        publication.outdated_at = now
        session.flush()
        record(
            session,
            actor,
            "publication.outdated",
            publication,
            kind=publication.kind.value,
            what=what,
        )
    return queued


def stored_error(publication: Publication) -> MoodleError | None:
    """The entry's last failure, to be shown in the reader's language."""
    return MoodleError.restore(publication.error_code, publication.error_params)


def claim(
    session: Session, publication: Publication, now: dt.datetime, *, force: bool = False
) -> dt.datetime | None:
    """Take the entry for this sender until ``now + LEASE``; ``None`` if another has it.

    A claimed entry is pending with a time in the future: senders leave it alone until
    the lease ends (a sender that died frees it then). The entry must still be due
    (``force``: or failed) when the claim is written, not only when it was listed —
    otherwise a sender that listed it a moment before another claimed it would read
    that lease and take the entry too.
    """
    seen = publication.next_attempt_at
    lease = now + LEASE
    same = (
        Publication.next_attempt_at.is_(None)
        if seen is None
        else Publication.next_attempt_at == seen
    )
    result = session.execute(
        update(Publication)
        .where(
            Publication.id == publication.id,
            Publication.status != PublicationStatus.SENT,
            same,
            _due(now, force=force),
        )
        .values(next_attempt_at=lease, status=PublicationStatus.PENDING)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    session.refresh(publication)
    return publication.next_attempt_at


def list_publications(session: Session) -> list[tuple[Publication, Election]]:
    """Every publication with its election, newest first."""
    rows = session.execute(
        select(Publication, Election)
        .join(Election, Election.id == Publication.election_id)
        .order_by(Publication.created_at.desc(), Publication.id.desc())
    ).all()
    return [(p, e) for p, e in rows]
