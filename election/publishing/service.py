"""Publishing to the LMS course through an outbox.

An event that must reach the course (the candidate list published, the results
certified) calls :func:`enqueue` in its own transaction; the entry is sent after the
commit and retried until it succeeds, so nothing is lost if Moodle is down.

:func:`send_due` is what every sender calls (the background thread started after a
request that enqueued something, the admin page, ``flask lms publish``). It claims an
entry before calling Moodle, so two senders — two app processes, say — never post the
same entry twice, and it keeps the Moodle discussion of an entry as soon as it exists,
so a retry updates that post instead of posting a duplicate.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.db import utcnow
from election.elections.models import Election
from election.elections.service import get_election
from election.errors import N_, DomainError, NotFound, ValidationFailed
from election.publishing import rules
from election.publishing.client import REQUIRED_FUNCTIONS, MoodleClient, MoodleError, SiteInfo
from election.publishing.models import (
    LmsSettings,
    Publication,
    PublicationKind,
    PublicationStatus,
)

log = logging.getLogger(__name__)

#: ``session.info`` key set by :func:`enqueue`; the web layer sends after the commit.
ENQUEUED = "publishing.enqueued"

#: How long a sender holds an entry it is sending; a sender that died frees it then.
LEASE = dt.timedelta(minutes=5)

SYSTEM = Actor.system("lms-outbox")

KIND_LABELS: dict[PublicationKind, str] = {
    PublicationKind.CANDIDATES: N_("lista kandydatów"),
    PublicationKind.RESULTS: N_("wyniki i skład Rady"),
}

STATUS_LABELS: dict[PublicationStatus, str] = {
    PublicationStatus.PENDING: N_("oczekuje na wysłanie"),
    PublicationStatus.SENT: N_("wysłano"),
    PublicationStatus.FAILED: N_("błąd — ponowi"),
}


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
    # Read after the commit by the web layer, which then sends in the background.
    session.info[ENQUEUED] = True
    return publication


# --- settings --------------------------------------------------------------------------


@dataclass(frozen=True)
class LmsConfig:
    """The connection in effect: the admin's settings, else the environment."""

    base_url: str
    token: str = field(repr=False)
    course: str
    #: Where each value comes from: "db", "env" or "" (missing).
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        names = {"base_url": "adresu Moodle", "token": "tokenu", "course": "kursu"}
        return [label for key, label in names.items() if not getattr(self, key)]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def masked_token(self) -> str:
        return rules.mask_token(self.token)

    def require(self) -> None:
        if not self.complete:
            raise MoodleError("not_configured", missing=", ".join(self.missing))


def get_settings(session: Session) -> LmsSettings | None:
    return session.scalar(select(LmsSettings).order_by(LmsSettings.id).limit(1))


def effective_config(session: Session, env: Mapping[str, Any]) -> LmsConfig:
    """Each value from the settings saved in the app, else from ``LMS_URL`` etc."""
    settings = get_settings(session)
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for key, env_key in (("base_url", "LMS_URL"), ("token", "LMS_TOKEN"), ("course", "LMS_COURSE")):
        saved = (getattr(settings, key) or "").strip() if settings else ""
        fallback = str(env.get(env_key) or "").strip()
        values[key] = saved or fallback
        sources[key] = "db" if saved else ("env" if fallback else "")
    return LmsConfig(values["base_url"].rstrip("/"), values["token"], values["course"], sources)


def save_settings(
    session: Session,
    actor: Actor,
    *,
    base_url: str,
    course: str,
    token: str | None = None,
    clear_token: bool = False,
) -> LmsSettings:
    """Save the connection; an empty ``token`` keeps the stored one.

    The audit event says whether the token changed, never what it is.
    """
    base_url = base_url.strip().rstrip("/")
    if base_url and not base_url.startswith(("https://", "http://")):
        raise ValidationFailed(N_("Adres Moodle musi zaczynać się od https:// lub http://."))
    settings = get_settings(session)
    if settings is None:
        settings = LmsSettings()
        session.add(settings)
    token = (token or "").strip()
    token_changed = bool(token) or (clear_token and bool(settings.token))
    if token:
        settings.token = token
    elif clear_token:
        settings.token = ""
    settings.base_url = base_url
    settings.course = course.strip()
    settings.updated_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        "lms.settings_updated",
        settings,
        base_url=base_url,
        course=settings.course,
        token_changed=token_changed,
    )
    return settings


@dataclass
class ConnectionReport:
    site: SiteInfo
    course: dict[str, Any]
    forum: dict[str, Any]
    #: Polish notes on what will not work although the connection does.
    problems: list[str] = field(default_factory=list)


def check_connection(client: MoodleClient, config: LmsConfig) -> ConnectionReport:
    """Find the site, the course and its news forum; raise :class:`MoodleError` if not."""
    config.require()
    site = client.get_site_info()
    problems: list[str] = []
    missing = [f for f in REQUIRED_FUNCTIONS if site.functions and f not in site.functions]
    if missing:
        problems.append(
            N_("Usługa tokenu nie obejmuje funkcji: %(functions)s.")
            % {"functions": ", ".join(missing)}
        )
    if not site.uploadfiles:
        problems.append(
            N_(
                "Usługa tokenu nie pozwala wysyłać plików — protokół nie zostanie dołączony "
                "do wyników (włącz „Może przesyłać pliki”)."
            )
        )
    course = client.find_course(config.course)
    forum = client.find_news_forum(course)
    return ConnectionReport(site, course, forum, problems)


# --- what is published -----------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    subject: str
    message: str
    #: (file name, PDF bytes) to attach, if any.
    attachment: tuple[str, bytes] | None = None


def candidate_groups(
    session: Session, election: Election
) -> list[tuple[str, list[rules.CandidateRow]]]:
    """The published candidate list per group, as the public page shows it."""
    from election.candidates.service import published_list

    by_group = published_list(session, election)
    return [
        (
            group.value,
            [rules.CandidateRow(c.full_name, c.position, c.partner.name) for c in candidates],
        )
        for group, candidates in by_group.items()
    ]


SEAT_LABELS = {
    "chair": "Przewodniczący Rady — przedstawiciel Lidera",
    "leader": "przedstawiciel Lidera",
    "scsi": "przedstawiciel ŚCSI",
    "gmina": "przedstawiciel gmin",
    "powiat": "przedstawiciel powiatów",
    "miasto_npp": "przedstawiciel miast na prawach powiatu",
}


def council_rows(session: Session, election: Election) -> list[rules.CouncilRow]:
    """The Council as the council feature composes it (the chair first)."""
    from election.council.service import council_members

    return [
        rules.CouncilRow(
            m.name,
            m.position,
            SEAT_LABELS["chair" if m.chairs else m.seat],
            m.partner or "",
        )
        for m in council_members(session, election)
    ]


def group_results(session: Session, election: Election) -> list[rules.GroupResult]:
    """Turnout and votes of every counted round, per group, from the tally feature."""
    from election.tally.service import results

    groups: list[rules.GroupResult] = []
    for group, view in results(session, election).groups.items():
        counted = [r for r in view.rounds if r.tally is not None]
        groups.append(
            rules.GroupResult(
                group.value,
                roll=view.roll,
                rounds=[
                    rules.RoundResult(
                        r.number,
                        ballots=r.tally.ballots,
                        paper=r.tally.paper,
                        blank=r.tally.blank,
                        rows=[
                            rules.VoteRow(
                                line.candidate.full_name,
                                line.votes or 0,
                                line.elected or line.by_lot,
                            )
                            for line in r.lines
                        ],
                    )
                    for r in counted
                    if r.tally is not None
                ],
            )
        )
    return groups


def protocol_pdf(session: Session, election: Election) -> bytes:
    """The protocol PDF, as the council feature renders it."""
    from election.council.protocol import render_protocol

    return render_protocol(session, election)


def render(session: Session, publication: Publication) -> Content:
    """The post's subject, HTML and attachment, from the current data."""
    election = get_election(session, publication.election_id)
    if publication.kind == PublicationKind.CANDIDATES:
        meeting = ", ".join(
            part
            for part in (
                election.meeting_date.strftime("%d.%m.%Y") if election.meeting_date else "",
                election.meeting_place,
            )
            if part
        )
        return Content(
            rules.candidates_subject(election.title),
            rules.candidates_message(
                election.title, candidate_groups(session, election), meeting=meeting
            ),
        )
    pdf = protocol_pdf(session, election)
    return Content(
        rules.results_subject(election.title),
        rules.results_message(
            election.title,
            council_rows(session, election),
            group_results(session, election),
            has_protocol=True,
        ),
        (f"protokol-wyborow-rady-sekap-{election.id}.pdf", pdf),
    )


# --- sending ---------------------------------------------------------------------------


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

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


ClientFactory = Callable[[LmsConfig], MoodleClient]


def default_client(config: LmsConfig) -> MoodleClient:
    return MoodleClient(config.base_url, config.token)


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
) -> list[Publication]:
    """Queue again one entry, or all of an election's, so they are sent (as updates)."""
    stmt = select(Publication)
    if publication_id is not None:
        stmt = stmt.where(Publication.id == publication_id)
    if election_id is not None:
        stmt = stmt.where(Publication.election_id == election_id)
    found = session.scalars(stmt.order_by(Publication.id)).all()
    if not found:
        raise NotFound(N_("Nie ma takiej publikacji."))
    queued = [enqueue(session, p.election_id, p.kind) for p in found]
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


def list_publications(session: Session) -> list[tuple[Publication, Any]]:
    """Every publication with its election, newest first."""
    rows = session.execute(
        select(Publication, Election)
        .join(Election, Election.id == Publication.election_id)
        .order_by(Publication.created_at.desc(), Publication.id.desc())
    ).all()
    return [(p, e) for p, e in rows]
