"""Languages and local time: Polish by default, English on request."""

from __future__ import annotations

import datetime as dt

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, format_date, format_datetime, get_locale
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

LANGUAGES = {"pl": "Polski", "en": "English"}
DEFAULT_LANGUAGE = "pl"


def select_locale() -> str:
    """The user's stored choice, else the one kept in the session, else Polish.

    The browser's Accept-Language is deliberately ignored: the meeting is held in
    Polish and the UI must be Polish unless someone asks otherwise. Outside a request
    (a CLI command, the LMS sender, a service's message) it is Polish.
    """
    if not has_request_context():
        return DEFAULT_LANGUAGE
    try:
        if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
            return current_user.locale
    except SQLAlchemyError:
        pass  # the database is down: the "try again" page is still shown, in the session's language

    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    arg = request.args.get("lang") if request else None
    if arg in LANGUAGES:
        return arg
    return DEFAULT_LANGUAGE


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else DEFAULT_LANGUAGE


def local_datetime(value: dt.datetime | None, fmt: str = "d.MM.yyyy, HH:mm") -> str:
    """A UTC timestamp shown in Europe/Warsaw."""
    if value is None:
        return "—"
    return format_datetime(value, fmt)


def local_date(value: dt.date | None, fmt: str = "d.MM.yyyy") -> str:
    if value is None:
        return "—"
    return format_date(value, fmt)


def init_app(app: Flask, babel: Babel) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["datetime"] = local_datetime
    app.jinja_env.filters["date"] = local_date
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["current_language"] = current_language
