"""The connection to the Moodle course: the admin's settings, the environment's fallback,
and the connection test."""

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
from election.publishing.client import REQUIRED_FUNCTIONS, MoodleClient, MoodleError, SiteInfo
from election.publishing.models import LmsSettings


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

    The audit event says whether the token changed, never what it is. Raises
    :class:`ValidationFailed` for an address that is not http(s).
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
