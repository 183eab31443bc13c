"""The connection to the Moodle course: the admin's settings, the environment's fallback,
and the connection test — which also tells what will make publishing fail."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.db import utcnow
from election.errors import N_, ValidationFailed
from election.publishing import rules
from election.publishing.client import REQUIRED_FUNCTIONS, MoodleClient, SiteInfo
from election.publishing.messages import ATTACHMENT_CODES, MoodleError
from election.publishing.models import LmsSettings


@dataclass(frozen=True)
class LmsConfig:
    """The connection in effect: the admin's settings, else the environment."""

    base_url: str
    token: str = field(repr=False)
    course: str
    #: Where each value comes from: "db", "env" or "" (missing).
    sources: Mapping[str, str] = field(default_factory=dict)
    #: The address as given, when it was not the site's home (``…/webservice/…``).
    given_url: str = ""

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
        """Raises :class:`MoodleError` ``not_configured``, naming what is missing."""
        if not self.complete:
            raise MoodleError("not_configured", missing=", ".join(self.missing))


def get_settings(session: Session) -> LmsSettings | None:
    """The saved settings (one row), if the admin ever saved them."""
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
    base_url = rules.normalise_base_url(values["base_url"])
    given = values["base_url"].rstrip("/")
    return LmsConfig(
        base_url,
        values["token"],
        values["course"],
        sources,
        given_url=given if given != base_url else "",
    )


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

    The address is kept as the site's home (``…/webservice/rest/server.php`` and the
    like are dropped: :func:`rules.normalise_base_url`). The audit event says whether
    the token changed, never what it is. Raises :class:`ValidationFailed` for an
    address that is not http(s).
    """
    if base_url.strip() and not base_url.strip().startswith(("https://", "http://")):
        raise ValidationFailed(N_("Adres Moodle musi zaczynać się od https:// lub http://."))
    base_url = rules.normalise_base_url(base_url)
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
    course: dict[str, Any] | None = None
    forum: dict[str, Any] | None = None
    #: What will make publishing fail (some only the results post: ATTACHMENT_CODES).
    problems: list[MoodleError] = field(default_factory=list)
    #: Worth fixing, though publishing works.
    notes: list[MoodleError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def blocking(self, *, attachment: bool) -> MoodleError | None:
        """The first problem that stops a post (``attachment``: one with the PDF)."""
        for problem in self.problems:
            if attachment or problem.code not in ATTACHMENT_CODES:
                return problem
        return None


#: Answers about the course or its forum that are setup problems, not a broken link.
_SETUP_CODES = frozenset(
    {"course_not_found", "not_enrolled", "no_news_forum", "accessexception", "requireloginerror"}
)


def check_connection(
    client: MoodleClient, config: LmsConfig, *, public_url: str = ""
) -> ConnectionReport:
    """Ask Moodle what publishing needs and report every problem found.

    Raises :class:`MoodleError` when Moodle cannot be asked at all (not configured, a
    wrong token, web services or REST off, a network failure); anything else that will
    make publishing fail is in ``problems`` — a function missing from the token's
    service, uploads not allowed, the course not found or not open to the service user,
    no news forum, no right to post or no attachments in it.
    """
    config.require()
    site = client.get_site_info()
    report = ConnectionReport(site)
    if config.given_url:
        report.notes.append(
            MoodleError("url_normalised", given=config.given_url, used=config.base_url)
        )
    if not public_url.strip():
        report.notes.append(MoodleError("no_public_url"))
    # An empty list: a site that does not say (it always does since Moodle 2.2).
    missing = [f for f in REQUIRED_FUNCTIONS if site.functions and f not in site.functions]
    if missing:
        report.problems.append(MoodleError("functions_missing", functions=", ".join(missing)))
    if not site.uploadfiles:
        report.problems.append(MoodleError("upload_disabled"))
    try:
        if "core_course_get_courses_by_field" in missing:
            return report
        report.course = client.find_course(config.course)
        if "mod_forum_get_forums_by_courses" in missing:
            return report
        report.forum = forum = client.find_news_forum(report.course, user=site.username)
    except MoodleError as exc:
        if exc.code not in _SETUP_CODES:
            raise
        report.problems.append(exc)
        return report
    course_name = report.course.get("fullname") or report.course.get("id")
    if forum.get("cancreatediscussions") is False:
        report.problems.append(
            MoodleError(
                "cannot_post",
                user=site.username or "?",
                forum=forum.get("name"),
                course=course_name,
            )
        )
    if "maxattachments" in forum and int(forum["maxattachments"] or 0) < 1:
        report.problems.append(MoodleError("no_attachments", forum=forum.get("name")))
    return report
