"""Languages and local time: Polish by default, English on request."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click
from flask import Flask, current_app, has_app_context, has_request_context, request, session
from flask_babel import Babel, force_locale, format_date, format_datetime, get_locale, gettext
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


# --- commands --------------------------------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])


def cli_language(choice: str | None = None) -> str:
    """The language of a command's output: ``--lang`` if given, else the app's
    ``CLI_LANGUAGE`` (English when ``LANG``/``LC_ALL`` is ``en_…``), else Polish."""
    if choice in LANGUAGES:
        return choice
    configured = current_app.config.get("CLI_LANGUAGE") if has_app_context() else None
    return configured if configured in LANGUAGES else DEFAULT_LANGUAGE


def localized_command(command: F) -> F:
    """Give a click command the option ``--lang pl|en`` and run it in that language.

    Put it below ``@group.command()``; inside, ``gettext`` (``_``) and the date filters
    answer in the chosen language (:func:`cli_language`)::

        @lms_cli.command("status")
        @localized_command
        def status_command() -> None:
            click.echo(_("Nie ma nic do wysłania."))
    """

    @click.option(
        "--lang",
        "lang",
        type=click.Choice(sorted(LANGUAGES)),
        default=None,
        help="Język komunikatów: pl (domyślny) albo en; LANG=en_… też wybiera angielski.",
    )
    @functools.wraps(command)
    def wrapper(*args: Any, lang: str | None = None, **kwargs: Any) -> Any:
        with force_locale(cli_language(lang)):
            return command(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def cli_error(message: str) -> NoReturn:
    """End a command: ``Błąd: <message>`` on stderr (translated), exit status 1."""
    click.echo(f"{gettext('Błąd:')} {message}", err=True)
    raise SystemExit(1)


def init_app(app: Flask, babel: Babel) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["datetime"] = local_datetime
    app.jinja_env.filters["date"] = local_date
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["current_language"] = current_language
