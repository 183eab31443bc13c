"""``flask lms``: the outbox from the command line — its state, sending now, the connection
test (for cron: it exits 1 for anything that will make publishing fail) and the worker.

Output is Polish; ``--lang en`` or ``LANG=en_…`` makes it English
(:func:`election.i18n.localized_command`). Logs stay English and out of the output,
except the worker's, which go to stderr with a timestamp (``docs/deploy.md``).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _

from election import transaction
from election.audit.service import Actor
from election.errors import DomainError
from election.extensions import db
from election.i18n import cli_error, current_language, local_datetime, localized_command
from election.publishing import display, outbox, rules, settings
from election.publishing.delivery import Outcome
from election.publishing.messages import MoodleError
from election.publishing.models import PublicationStatus
from election.publishing.sender import client_factory, send_now
from election.publishing.worker import Worker
from election.web import translate_error

lms_cli = AppGroup("lms", help="Publikowanie w kursie Moodle (LMS).")

CLI = Actor.system("cli")

_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@contextlib.contextmanager
def _logs(*, to_stderr: bool) -> Iterator[None]:
    """Where the app's log lines go while a command runs, unless logging is configured:
    to stderr with a timestamp (the worker), or nowhere (the output stays one language)."""
    logger = logging.getLogger("election")
    if logging.getLogger().handlers or logger.handlers:
        yield
        return
    handler: logging.Handler = logging.NullHandler()
    if to_stderr:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(_LOG_FORMAT))
        logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined]


def _what(outcome: Outcome) -> str:
    return _(
        "#%(id)s wybory %(election)s, %(kind)s",
        id=outcome.publication_id,
        election=outcome.election_id,
        kind=_(display.KIND_LABELS[outcome.kind]),
    )


def _echo_outcome(outcome: Outcome) -> None:
    if not outcome.ok:
        reason = translate_error(outcome.error) if outcome.error is not None else ""
        click.echo(
            _("%(what)s: nie wysłano. %(reason)s", what=_what(outcome), reason=reason), err=True
        )
        return
    verb = _(display.action_label(outcome.action))
    click.echo(
        _(
            "%(what)s: %(verb)s (kurs „%(course)s”) %(url)s",
            what=_what(outcome),
            verb=verb,
            course=outcome.course,
            url=outcome.url or "",
        ).rstrip()
    )
    if outcome.moved_from:
        click.echo(
            "    "
            + _(
                "Kurs zmieniono w ustawieniach: poprzedni wpis pozostał bez zmian w Moodle "
                "(usuń go tam, jeśli jest zbędny): %(url)s",
                url=outcome.moved_from,
            )
        )


@lms_cli.command("status")
@localized_command
def status_command() -> None:
    """Wypisz publikacje i ich stan."""
    with _logs(to_stderr=False):
        rows = outbox.list_publications(db.session)
        if not rows:
            click.echo(_("Nie ma jeszcze żadnych publikacji."))
            return
        for publication, election in rows:
            click.echo(
                _(
                    "#%(id)s %(title)s (wybory %(election)s), %(kind)s: %(state)s",
                    id=publication.id,
                    title=election.title,
                    election=election.id,
                    kind=_(display.KIND_LABELS[publication.kind]),
                    state=_(display.state(publication)),
                )
            )
            lines = []
            if publication.post_url:
                lines.append(
                    _(
                        "wpis: %(url)s (kurs „%(course)s”)",
                        url=publication.post_url,
                        course=publication.course_name or "?",
                    )
                )
            if publication.sent_at:
                lines.append(_("wysłano: %(when)s", when=local_datetime(publication.sent_at)))
            if publication.outdated_by and publication.outdated_at:
                lines.append(
                    _(
                        "nieaktualny od %(when)s: %(what)s",
                        when=local_datetime(publication.outdated_at),
                        what=_(display.change_label(publication.outdated_by)),
                    )
                )
            if publication.status != PublicationStatus.SENT:
                lines.append(_("nieudane próby: %(count)s", count=publication.attempts))
                if publication.next_attempt_at:
                    lines.append(
                        _(
                            "następna próba: %(when)s",
                            when=local_datetime(publication.next_attempt_at),
                        )
                    )
            error = outbox.stored_error(publication)
            if error is not None or publication.last_error:
                reason = translate_error(error) if error is not None else publication.last_error
                lines.append(f"{_('Błąd:')} {reason}")
            if publication.moved_from_url:
                lines.append(
                    _(
                        "poprzedni wpis (kurs „%(course)s”) pozostał bez zmian: %(url)s",
                        course=publication.moved_from_course or "?",
                        url=publication.moved_from_url,
                    )
                )
            for line in lines:
                click.echo(f"    {line}")


@lms_cli.command("publish")
@click.option(
    "--election",
    "election_id",
    type=int,
    default=None,
    help="Opublikuj ponownie wpisy tych wyborów (aktualizując je).",
)
@localized_command
def publish_command(election_id: int | None) -> None:
    """Wyślij teraz wszystko, co czeka lub się nie udało.

    Kończy się kodem 1 i podaje powód, gdy którejś publikacji nie udało się wysłać.
    """
    with _logs(to_stderr=False):
        if election_id is not None:
            try:
                transaction.run(outbox.republish, CLI, election_id=election_id, wake=False)
            except DomainError as exc:
                cli_error(translate_error(exc))
        report = send_now(_app(), force=True, election_id=election_id, actor=CLI)
    if not report.outcomes and report.error is None:
        click.echo(_("Nie ma nic do wysłania."))
        return
    for outcome in report.outcomes:
        _echo_outcome(outcome)
    if report.error is not None and not report.outcomes:
        cli_error(translate_error(report.error))
    if not report.ok:
        raise SystemExit(1)


def _echo_problems(title: str, problems: list[MoodleError]) -> None:
    for problem in problems:
        click.echo(f"{title} {translate_error(problem)}", err=True)


@lms_cli.command("check")
@localized_command
def check_command() -> None:
    """Sprawdź połączenie: witrynę, usługę, kurs i jego forum ogłoszeń.

    Kończy się kodem 1, gdy cokolwiek sprawi, że publikowanie się nie uda.
    """
    app = _app()
    with _logs(to_stderr=False):
        config = settings.effective_config(db.session, app.config)
        try:
            report = settings.check_connection(
                client_factory(app)(config),
                config,
                public_url=str(app.config.get("SERVER_BASE_URL") or ""),
            )
        except MoodleError as exc:
            cli_error(translate_error(exc))
    click.echo(
        _(
            "Witryna: %(site)s (Moodle %(release)s)",
            site=report.site.sitename,
            release=report.site.release,
        )
    )
    click.echo(_("Użytkownik usługi: %(user)s", user=report.site.username))
    if report.course is not None:
        click.echo(
            _(
                "Kurs: %(name)s (id %(id)s)",
                name=report.course.get("fullname"),
                id=report.course.get("id"),
            )
        )
    if report.forum is not None:
        click.echo(
            _(
                "Forum ogłoszeń: %(name)s (id %(id)s)",
                name=report.forum.get("name"),
                id=report.forum.get("id"),
            )
        )
    _echo_problems(_("Uwaga:"), report.notes)
    _echo_problems(_("Błąd:"), report.problems)
    if not report.ok:
        cli_error(_("publikowanie się nie uda — popraw ustawienia opisane wyżej."))
    click.echo(_("Połączenie działa: publikowanie jest możliwe."))


@contextlib.contextmanager
def _stopped_by_signals(worker: Worker) -> Iterator[None]:
    """SIGTERM (systemd) and Ctrl+C end the worker after the send in progress."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        worker.stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@lms_cli.command("worker")
@click.option(
    "--interval",
    type=click.FloatRange(1, 3600),
    default=rules.WORKER_INTERVAL,
    show_default=True,
    help="Co ile sekund najpóźniej zajrzeć do kolejki (wpisy dodane przez inne procesy).",
)
@localized_command
def worker_command(interval: float) -> None:
    """Wysyłaj publikacje do Moodle bez czekania na żądania stron (usługa systemd).

    Można go uruchomić obok dowolnej liczby procesów aplikacji: każdy wpis jest
    przed wysłaniem zajmowany, więc trafia do Moodle raz.
    """
    app = _app()
    # This process sends through the worker alone (its app's own sender would only
    # duplicate the sweeps).
    app.extensions[outbox.SENDER].stop()
    language = current_language()
    #: The failure last printed per entry: one that repeats at every look (say, the
    #: connection is not configured) is printed once, not every interval.
    failing: dict[int, str] = {}

    def echo(outcome: Outcome) -> None:
        code = outcome.error.code if outcome.error is not None else ""
        if outcome.ok:
            failing.pop(outcome.publication_id, None)
        elif failing.get(outcome.publication_id) == code:
            return
        else:
            failing[outcome.publication_id] = code
        with force_locale(language):
            _echo_outcome(outcome)

    worker = Worker(app, interval=interval, on_outcome=echo)
    click.echo(
        _(
            "Wysyłanie do Moodle: kolejka sprawdzana co najwyżej co %(seconds)s s. "
            "Zatrzymanie: Ctrl+C albo SIGTERM.",
            seconds=f"{interval:g}",
        )
    )
    with _logs(to_stderr=True), _stopped_by_signals(worker):
        worker.run()
    click.echo(_("Zatrzymano wysyłanie do Moodle."))


def init_app(app: Flask) -> None:
    app.cli.add_command(lms_cli)
