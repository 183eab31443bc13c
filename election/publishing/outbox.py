"""The outbox of posts to the LMS course: what is queued, sending it, and its status.

An event that must reach the course (the candidate list published, the results
certified) queues an entry with :func:`enqueue` in its own transaction; once that
transaction commits, this process's background sender is woken
(:mod:`election.publishing.sender`). An entry is retried until it is sent, so nothing
is lost while Moodle is down.

:func:`send_due` is what every sender calls (the background sender, the admin page,
``flask lms publish``). It claims an entry before calling Moodle, so two senders — two
app processes, say — never post the same entry twice, and it keeps the Moodle
discussion of an entry as soon as it exists, so a retry updates that post instead of
posting a duplicate.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from election import transaction
from election.audit.service import Actor, record
from election.db import utcnow
from election.elections.models import Election
from election.errors import N_, DomainError, NotFound
from election.publishing import rules
from election.publishing.client import MoodleClient, MoodleError
from election.publishing.content import render
from election.publishing.models import Publication, PublicationKind, PublicationStatus
from election.publishing.settings import LmsConfig, effective_config

log = logging.getLogger(__name__)

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
        # A sender is posting it right now (see _claim). Leave it to that sender, but
        # change the time so it sees the entry was queued again and keeps it pending.
        publication.next_attempt_at = publication.next_attempt_at + dt.timedelta(microseconds=1)
    else:
        publication.next_attempt_at = now
    publication.status = PublicationStatus.PENDING
    publication.last_error = None
    # A new event starts a new round of attempts (and of backoff).
    publication.attempts = 0
    session.flush()
    if wake:
        transaction.after_commit(session, wake_sender)
    return publication


@dataclass
class Outcome:
    publication_id: int
    election_id: int
    kind: PublicationKind
    ok: bool
    #: "created", "updated" or "failed".
    action: str
    message: str = ""
    url: str | None = None


@dataclass
class SendReport:
    outcomes: list[Outcome] = field(default_factory=list)
    #: A reason nothing was sent (not configured, course not found …).
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(o.ok for o in self.outcomes)


ClientFactory = Callable[[LmsConfig], MoodleClient]


def due_ids(
    session: Session, now: dt.datetime, *, force: bool = False, election_id: int | None = None
) -> list[int]:
    """Entries to send: not sent, and due (``force``: whatever their backoff)."""
    due = Publication.next_attempt_at.is_(None) | (Publication.next_attempt_at <= now)
    if force:
        # A failed entry waits only for its backoff; a pending one with a future time is
        # being sent by someone else right now (see _claim).
        due = due | (Publication.status == PublicationStatus.FAILED)
    stmt = select(Publication.id).where(Publication.status != PublicationStatus.SENT, due)
    if election_id is not None:
        stmt = stmt.where(Publication.election_id == election_id)
    return list(session.scalars(stmt.order_by(Publication.created_at, Publication.id)))


def next_due(session: Session) -> dt.datetime | None:
    """When the earliest unsent entry is due, if any."""
    return session.scalar(
        select(Publication.next_attempt_at)
        .where(Publication.status != PublicationStatus.SENT)
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


def _claim(session: Session, publication: Publication, now: dt.datetime) -> dt.datetime | None:
    """Take the entry for this sender until ``now + LEASE``; ``None`` if another has it.

    A claimed entry is pending with a time in the future: senders leave it alone until
    the lease ends (a sender that died frees it then).
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
        .where(Publication.id == publication.id, Publication.status != PublicationStatus.SENT, same)
        .values(next_attempt_at=lease, status=PublicationStatus.PENDING)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    session.refresh(publication)
    return publication.next_attempt_at


@dataclass
class _Target:
    forum_id: int


def _resolve_target(client: MoodleClient, config: LmsConfig) -> _Target:
    course = client.find_course(config.course)
    forum = client.find_news_forum(course)
    return _Target(int(forum["id"]))


@dataclass(frozen=True)
class _Delivered:
    #: "created" or "updated".
    action: str
    discussion_id: int
    post_id: int | None


def _deliver(
    session: Session,
    client: MoodleClient,
    target: _Target,
    publication: Publication,
    commit: Callable[[], None],
) -> _Delivered:
    """Post the entry's announcement, or update the post it already has."""
    try:
        # A savepoint: a failing query of another feature must not spoil our transaction.
        with session.begin_nested():
            content = render(session, publication)
    except DomainError as exc:
        raise MoodleError("render", error=str(exc)) from exc
    except Exception as exc:
        log.exception("publication %s could not be prepared", publication.id)
        raise MoodleError("render", error=type(exc).__name__) from exc
    publication_id = publication.id
    discussion_id, post_id = publication.discussion_id, publication.post_id
    # No transaction stays open while Moodle answers: on SQLite it would hold the
    # database's write lock (and stop the voting) for as long as Moodle takes.
    commit()
    attachments_id = None
    if content.attachment is not None:
        filename, data = content.attachment
        attachments_id = client.upload(data, filename)
    if discussion_id is not None and post_id is None:
        post_id = client.first_post_id(target.forum_id, discussion_id)
        if post_id is None:
            log.warning(
                "publication %s: discussion %s is gone from Moodle; posting anew",
                publication_id,
                discussion_id,
            )
    if discussion_id is not None and post_id is not None:
        try:
            client.update_discussion_post(
                post_id, content.subject, content.message, attachments_id=attachments_id
            )
            return _Delivered("updated", discussion_id, post_id)
        except MoodleError as exc:
            if exc.code != "invalidpostid":
                raise
            log.warning(
                "publication %s: its post is gone from Moodle; posting anew", publication_id
            )
    discussion_id = client.add_discussion(
        target.forum_id, content.subject, content.message, attachments_id=attachments_id
    )
    # Keep the discussion at once: whatever fails next, a retry must update it.
    publication.discussion_id = discussion_id
    publication.post_id = None
    publication.post_url = client.discussion_url(discussion_id)
    session.flush()
    commit()
    return _Delivered(
        "created", discussion_id, client.first_post_id(target.forum_id, discussion_id)
    )


def _fail(
    session: Session,
    publication: Publication,
    reason: str,
    now: dt.datetime,
    actor: Actor,
    code: str,
) -> None:
    publication.status = PublicationStatus.FAILED
    publication.attempts = (publication.attempts or 0) + 1
    publication.last_error = reason[:2000]
    publication.next_attempt_at = now + rules.retry_delay(publication.attempts)
    session.flush()
    record(
        session,
        actor,
        "publication.failed",
        publication,
        kind=publication.kind.value,
        error=code,
        attempts=publication.attempts,
    )


def send_due(
    session: Session,
    client_factory: ClientFactory,
    now: dt.datetime,
    *,
    env: Mapping[str, Any] | None = None,
    force: bool = False,
    election_id: int | None = None,
    commit: Callable[[], None] | None = None,
    actor: Actor = SYSTEM,
) -> SendReport:
    """Send the due entries (``force``: all unsent ones) and report what happened.

    ``commit`` is called after each step that must survive a crash — the claim of an
    entry and the discussion id Moodle gave it — so callers that can commit (the CLI,
    the background sender, the admin page) pass ``session.commit``. A failure marks the
    entry failed with the reason in Polish and the time of the next attempt.
    """
    commit = commit or session.flush
    report = SendReport()
    ids = due_ids(session, now, force=force, election_id=election_id)
    if not ids:
        return report
    config = effective_config(session, env or {})
    commit()  # nothing is held while Moodle is asked for the course
    try:
        config.require()
        client = client_factory(config)
        target = _resolve_target(client, config)
    except MoodleError as exc:
        reason = str(exc)
        report.error = reason
        for publication_id in ids:
            publication = session.get(Publication, publication_id)
            if publication is None:
                continue
            if exc.code == "not_configured":
                # Not a delivery failure: nothing was tried; say why it waits.
                publication.last_error = reason
            elif _claim(session, publication, now) is not None:
                _fail(session, publication, reason, now, actor, exc.code)
            else:
                continue
            report.outcomes.append(
                Outcome(
                    publication.id,
                    publication.election_id,
                    publication.kind,
                    False,
                    "failed",
                    reason,
                )
            )
        session.flush()
        commit()
        return report

    for publication_id in ids:
        publication = session.get(Publication, publication_id)
        if publication is None or publication.status == PublicationStatus.SENT:
            continue
        lease = _claim(session, publication, now)
        if lease is None:
            continue  # another sender has it
        commit()
        try:
            delivered = _deliver(session, client, target, publication, commit)
        except MoodleError as exc:
            _fail(session, publication, str(exc), now, actor, exc.code)
            outcome = Outcome(
                publication.id, publication.election_id, publication.kind, False, "failed", str(exc)
            )
        else:
            current = session.scalar(
                select(Publication.next_attempt_at).where(Publication.id == publication.id)
            )
            requeued = current is not None and current != lease
            publication.status = PublicationStatus.PENDING if requeued else PublicationStatus.SENT
            # Queued again while being sent: send once more, as an update.
            publication.next_attempt_at = utcnow() if requeued else None
            publication.discussion_id = delivered.discussion_id
            publication.post_id = delivered.post_id
            publication.post_url = client.discussion_url(delivered.discussion_id)
            publication.sent_at = utcnow()
            publication.last_error = None
            session.flush()
            record(
                session,
                actor,
                "publication.sent",
                publication,
                kind=publication.kind.value,
                outcome=delivered.action,
                discussion_id=delivered.discussion_id,
            )
            outcome = Outcome(
                publication.id,
                publication.election_id,
                publication.kind,
                True,
                delivered.action,
                url=publication.post_url,
            )
        report.outcomes.append(outcome)
        commit()
    return report


def list_publications(session: Session) -> list[tuple[Publication, Election]]:
    """Every publication with its election, newest first."""
    rows = session.execute(
        select(Publication, Election)
        .join(Election, Election.id == Publication.election_id)
        .order_by(Publication.created_at.desc(), Publication.id.desc())
    ).all()
    return [(p, e) for p, e in rows]
