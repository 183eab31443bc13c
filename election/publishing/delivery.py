"""Sending the outbox to Moodle: what every sender calls (the worker, the background
sender, the admin page, ``flask lms publish``).

Before anything is posted the connection is checked as ``flask lms check`` does
(:func:`~election.publishing.settings.check_connection`): a setup mistake fails every
entry with its message instead of half a publication. An entry is claimed before
Moodle is called, so two senders never post it twice; the discussion Moodle gives it
is kept at once, so a retry updates that post instead of posting a duplicate. A post
is updated only where it is — in the forum of the configured course: when the course
was changed, the post is made anew there and the chair is told (the page and the audit
event ``publication.moved``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.db import utcnow
from election.errors import DomainError
from election.publishing import rules
from election.publishing.client import MoodleClient
from election.publishing.content import Content, render
from election.publishing.messages import MoodleError
from election.publishing.models import (
    DeliveryAction,
    Publication,
    PublicationKind,
    PublicationStatus,
)
from election.publishing.outbox import SYSTEM, claim, due_ids
from election.publishing.settings import (
    ConnectionReport,
    LmsConfig,
    check_connection,
    effective_config,
)

log = logging.getLogger(__name__)

ClientFactory = Callable[[LmsConfig], MoodleClient]


@dataclass
class Outcome:
    publication_id: int
    election_id: int
    kind: PublicationKind
    ok: bool
    #: "created", "updated", "moved" or "failed".
    action: str
    error: MoodleError | None = None
    url: str | None = None
    #: The course the post is in.
    course: str = ""
    #: The post left in the previous course (``action == "moved"``).
    moved_from: str | None = None

    @property
    def message(self) -> str:
        """The failure in Polish (logs; pages and commands translate ``error``)."""
        return str(self.error) if self.error is not None else ""


@dataclass
class SendReport:
    outcomes: list[Outcome] = field(default_factory=list)
    #: Why nothing was sent (not configured, course not found …).
    error: MoodleError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(o.ok for o in self.outcomes)


@dataclass(frozen=True)
class Target:
    """The configured course's news forum, as Moodle just described it."""

    forum_id: int
    course_id: int
    course_name: str
    report: ConnectionReport


def resolve_target(client: MoodleClient, config: LmsConfig, *, public_url: str = "") -> Target:
    """The forum to post to; raises the first problem that stops every post."""
    report = check_connection(client, config, public_url=public_url)
    problem = report.blocking(attachment=False)
    if problem is not None:
        raise problem
    if report.course is None or report.forum is None:  # a site that did not answer
        raise MoodleError("not_moodle", url=client.base_url, detail="brak kursu lub forum")
    return Target(
        int(report.forum["id"]),
        int(report.course["id"]),
        str(report.course.get("fullname") or report.course["id"]),
        report,
    )


@dataclass(frozen=True)
class _Delivered:
    action: DeliveryAction
    discussion_id: int
    post_id: int | None


def _content(session: Session, publication: Publication, public_url: str) -> Content:
    try:
        # A savepoint: a failing query of another feature must not spoil our transaction.
        with session.begin_nested():
            return render(session, publication, public_url=public_url)
    except DomainError as exc:
        raise MoodleError("render", error=str(exc)) from exc
    except Exception as exc:
        log.exception("publication %s could not be prepared", publication.id)
        raise MoodleError("render", error=type(exc).__name__) from exc


def _deliver(
    session: Session,
    client: MoodleClient,
    target: Target,
    publication: Publication,
    commit: Callable[[], None],
    actor: Actor,
    public_url: str,
) -> _Delivered:
    """Post the entry's announcement, or update the post it already has in the forum."""
    content = _content(session, publication, public_url)
    if content.attachment is not None:
        problem = target.report.blocking(attachment=True)
        if problem is not None:
            raise problem
    publication_id = publication.id
    discussion_id, post_id = publication.discussion_id, publication.post_id
    previous_url, previous_course = publication.post_url, publication.course_name
    stored_forum = publication.forum_id
    # No transaction stays open while Moodle answers: on SQLite it would hold the
    # database's write lock (and stop the voting) for as long as Moodle takes.
    commit()
    moved = False
    if discussion_id is not None and stored_forum not in (None, target.forum_id):
        # The course was changed in the settings: the post stays in the old course,
        # untouched; a new one is made in the configured course.
        log.warning(
            "publication %s: its post is in forum %s, not in the course's forum %s; posting anew",
            publication_id,
            stored_forum,
            target.forum_id,
        )
        moved, discussion_id, post_id = True, None, None
    elif discussion_id is not None and (post_id is None or stored_forum is None):
        # Not known to be in this forum (an entry from before the forum was kept, or a
        # post made just before a failure): only a discussion found there is updated.
        post_id = client.first_post_id(target.forum_id, discussion_id)
        if post_id is None:
            log.warning(
                "publication %s: discussion %s is not in the course's forum; posting anew",
                publication_id,
                discussion_id,
            )
            moved = stored_forum is None and previous_url is not None
            discussion_id = None
    attachments_id = None
    if content.attachment is not None:
        filename, data = content.attachment
        attachments_id = client.upload(data, filename)
    action = DeliveryAction.UPDATED
    if discussion_id is not None and post_id is not None:
        try:
            client.update_discussion_post(
                post_id, content.subject, content.message, attachments_id=attachments_id
            )
        except MoodleError as exc:
            if exc.code != "invalidpostid":
                raise
            log.warning(
                "publication %s: its post is gone from Moodle; posting anew", publication_id
            )
            discussion_id = None
    if discussion_id is None:
        discussion_id = client.add_discussion(
            target.forum_id, content.subject, content.message, attachments_id=attachments_id
        )
        action = DeliveryAction.MOVED if moved else DeliveryAction.CREATED
        # Keep the discussion at once: whatever fails next, a retry must update it.
        publication.discussion_id = discussion_id
        publication.post_id = None
        publication.post_url = client.discussion_url(discussion_id)
        publication.forum_id = target.forum_id
        publication.course_id = target.course_id
        publication.course_name = target.course_name
        if moved:
            publication.moved_from_url = previous_url
            publication.moved_from_course = previous_course
            record(
                session,
                actor,
                "publication.moved",
                publication,
                kind=publication.kind.value,
                from_course=previous_course,
                to_course=target.course_name,
                previous_url=previous_url,
                discussion_id=discussion_id,
            )
        session.flush()
        commit()
    if action != DeliveryAction.UPDATED or content.attachment is not None:
        item = client.find_discussion(target.forum_id, discussion_id)
        if item is not None:
            post_id = int(item["id"])
        if content.attachment is not None and item is not None and not item.get("attachment"):
            # Moodle drops an attachment silently without mod/forum:createattachment.
            raise MoodleError("attachment_dropped")
    return _Delivered(action, discussion_id, post_id)


def _fail(
    session: Session,
    publication: Publication,
    error: MoodleError,
    now: dt.datetime,
    actor: Actor,
) -> None:
    publication.status = PublicationStatus.FAILED
    publication.attempts = (publication.attempts or 0) + 1
    _keep_error(publication, error)
    publication.next_attempt_at = now + rules.retry_delay(publication.attempts)
    session.flush()
    record(
        session,
        actor,
        "publication.failed",
        publication,
        kind=publication.kind.value,
        error=error.code,
        attempts=publication.attempts,
    )


def _keep_error(publication: Publication, error: MoodleError) -> None:
    publication.last_error = str(error)[:2000]
    publication.error_code = error.code[:40]
    publication.error_params = {
        key: value if isinstance(value, int | float | str) else str(value)
        for key, value in error.params.items()
    }


def _failed(publication: Publication, error: MoodleError) -> Outcome:
    return Outcome(
        publication.id, publication.election_id, publication.kind, False, "failed", error
    )


def _nothing_reachable(
    session: Session,
    ids: list[int],
    error: MoodleError,
    now: dt.datetime,
    actor: Actor,
    commit: Callable[[], None],
    *,
    force: bool,
) -> SendReport:
    report = SendReport(error=error)
    for publication_id in ids:
        publication = session.get(Publication, publication_id)
        if publication is None:
            continue
        if error.code == "not_configured":
            # Not a delivery failure: nothing was tried; say why it waits.
            _keep_error(publication, error)
        elif claim(session, publication, now, force=force) is not None:
            _fail(session, publication, error, now, actor)
        else:
            continue
        report.outcomes.append(_failed(publication, error))
    session.flush()
    commit()
    return report


def _sent(
    session: Session,
    client: MoodleClient,
    target: Target,
    publication: Publication,
    lease: dt.datetime | None,
    delivered: _Delivered,
    actor: Actor,
) -> Outcome:
    current = session.scalar(
        select(Publication.next_attempt_at).where(Publication.id == publication.id)
    )
    requeued = current is not None and current != lease
    publication.status = PublicationStatus.PENDING if requeued else PublicationStatus.SENT
    # Queued again while being sent: send once more, as an update.
    publication.next_attempt_at = utcnow() if requeued else None
    if not requeued:
        publication.outdated_by = publication.outdated_at = None
    publication.discussion_id = delivered.discussion_id
    publication.post_id = delivered.post_id
    publication.post_url = client.discussion_url(delivered.discussion_id)
    publication.forum_id = target.forum_id
    publication.course_id = target.course_id
    publication.course_name = target.course_name
    publication.sent_at = utcnow()
    publication.last_action = delivered.action
    publication.last_error = publication.error_code = publication.error_params = None
    session.flush()
    record(
        session,
        actor,
        "publication.sent",
        publication,
        kind=publication.kind.value,
        outcome=delivered.action.value,
        discussion_id=delivered.discussion_id,
        course=target.course_name,
    )
    return Outcome(
        publication.id,
        publication.election_id,
        publication.kind,
        True,
        delivered.action.value,
        url=publication.post_url,
        course=target.course_name,
        moved_from=publication.moved_from_url if delivered.action == DeliveryAction.MOVED else None,
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

    ``env`` is the app's configuration (``LMS_URL`` … as a fallback of the saved
    settings, ``SERVER_BASE_URL`` for the posts' links). ``commit`` is called after each
    step that must survive a crash — the claim of an entry and the discussion id Moodle
    gave it — so callers that can commit (the worker, the CLI, the background sender,
    the admin page) pass ``session.commit``. A failure marks the entry failed, with its
    reason and the time of the next attempt.
    """
    env = env or {}
    commit = commit or session.flush
    ids = due_ids(session, now, force=force, election_id=election_id)
    if not ids:
        return SendReport()
    config = effective_config(session, env)
    public_url = str(env.get("SERVER_BASE_URL") or "")
    commit()  # nothing is held while Moodle is asked for the course
    try:
        config.require()
        client = client_factory(config)
        target = resolve_target(client, config, public_url=public_url)
    except MoodleError as exc:
        return _nothing_reachable(session, ids, exc, now, actor, commit, force=force)

    report = SendReport()
    for publication_id in ids:
        publication = session.get(Publication, publication_id)
        if publication is None or publication.status == PublicationStatus.SENT:
            continue
        lease = claim(session, publication, now, force=force)
        if lease is None:
            continue  # another sender has it
        commit()
        try:
            delivered = _deliver(session, client, target, publication, commit, actor, public_url)
        except MoodleError as exc:
            _fail(session, publication, exc, now, actor)
            outcome = _failed(publication, exc)
        else:
            outcome = _sent(session, client, target, publication, lease, delivered, actor)
        report.outcomes.append(outcome)
        commit()
    return report
