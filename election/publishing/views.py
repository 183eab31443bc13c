"""The admin page of the LMS connection and the outbox, and sending after the commit.

Other features only call :func:`election.publishing.service.enqueue` in their
transaction. An app-level hook installed by this blueprint notices, after a request,
that something was enqueued *and committed*, and starts a background sender with its
own app context and session; the request does not wait for Moodle.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from election.auth.access import current_actor, roles_required
from election.auth.models import Role
from election.db import utcnow
from election.errors import DomainError
from election.extensions import db
from election.publishing import service
from election.publishing.client import DEFAULT_TIMEOUT, MoodleClient, MoodleError
from election.publishing.forms import LmsSettingsForm
from election.web import translate_error

log = logging.getLogger(__name__)

bp = Blueprint("publishing", __name__)

#: ``session.info`` key: something was enqueued and the transaction committed.
COMMITTED = "publishing.committed"
SENDER = "publishing.sender"


def client_factory(app: Flask) -> service.ClientFactory:
    """Clients with the app's timeout (``LMS_TIMEOUT``, seconds or (connect, read))."""
    timeout = app.config.get("LMS_TIMEOUT") or DEFAULT_TIMEOUT

    def make(config: service.LmsConfig) -> MoodleClient:
        return MoodleClient(config.base_url, config.token, timeout=timeout)

    return make


def send_now(app: Flask, **kwargs: Any) -> service.SendReport:
    """Send due entries in the current app context, committing as it goes."""
    try:
        return service.send_due(
            db.session,
            client_factory(app),
            utcnow(),
            env=app.config,
            commit=db.session.commit,
            **kwargs,
        )
    except Exception:
        db.session.rollback()
        raise


class BackgroundSender:
    """Sends due entries in a thread of this process; one thread at a time.

    ``kick`` after a commit that enqueued something. While a run is in progress a new
    kick makes it run once more, so nothing enqueued meanwhile waits for the next one.
    Entries that failed are retried when due by a timer (``LMS_AUTO_RETRY``, on
    outside tests) and, whatever happens to this process, stay in the database for
    the next sender (another request, the admin page, ``flask lms publish``).
    """

    #: How often a request may check for entries left by a previous process.
    SWEEP_SECONDS = 300.0

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._again = False
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None
        self._next_sweep = 0.0

    def kick(self) -> None:
        with self._lock:
            self._again = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lms-outbox", daemon=True)
                self._thread.start()

    def sweep_due(self) -> bool:
        """True at most every :attr:`SWEEP_SECONDS` (the first time: at once)."""
        now = time.monotonic()
        with self._lock:
            if now < self._next_sweep:
                return False
            self._next_sweep = now + self.SWEEP_SECONDS
            return True

    def join(self, timeout: float | None = None) -> None:
        """Wait until no run is in progress (tests, shutdown)."""
        while True:
            with self._lock:
                thread = self._thread
            if thread is None:
                return
            thread.join(timeout)
            if timeout is not None and thread.is_alive():
                return

    def cancel_timer(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._again:
                    self._thread = None
                    return
                self._again = False
            try:
                with self.app.app_context():
                    report = send_now(self.app)
                    for outcome in report.outcomes:
                        log.info(
                            "LMS publication %s (%s): %s",
                            outcome.publication_id,
                            outcome.kind.value,
                            outcome.action,
                        )
                    self._schedule_retry()
            except Exception:
                log.exception("LMS background sending failed")

    def _schedule_retry(self) -> None:
        if not self.app.config.get("LMS_AUTO_RETRY", not self.app.testing):
            return
        due = service.next_due(db.session)
        db.session.rollback()
        if due is None:
            return
        delay = max((due - utcnow()).total_seconds(), 1.0)
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(delay, self.kick)
            self._timer.daemon = True
            self._timer.start()


def _after_commit(session: Session) -> None:
    if session.info.pop(service.ENQUEUED, False):
        session.info[COMMITTED] = True


def _after_rollback(session: Session) -> None:
    session.info.pop(service.ENQUEUED, None)


def _send_after_request(response: Any) -> Any:
    """After a request that committed an enqueue, send in the background."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    sender: BackgroundSender | None = app.extensions.get(SENDER)
    if sender is None or not app.config.get("LMS_BACKGROUND", True):
        return response
    try:
        committed = db.session.info.pop(COMMITTED, False)
        if not (committed or sender.sweep_due()):
            return response
        config = service.effective_config(db.session, app.config)
        if not config.complete:
            return response
        if committed or service.due_ids(db.session, utcnow()):
            sender.kick()
    except Exception:  # never let publishing break the response
        log.exception("could not start LMS sending")
    return response


@bp.record_once
def _install(state: BlueprintSetupState) -> None:
    app = state.app
    app.extensions[SENDER] = BackgroundSender(app)
    app.after_request(_send_after_request)
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


# --- the admin page --------------------------------------------------------------------


def _page(form: LmsSettingsForm, *, check: Any = None, check_error: str | None = None) -> Any:
    config = service.effective_config(db.session, current_app.config)
    return render_template(
        "publishing/index.html",
        form=form,
        config=config,
        publications=service.list_publications(db.session),
        kind_labels=service.KIND_LABELS,
        status_labels=service.STATUS_LABELS,
        check=check,
        check_error=check_error,
    )


@bp.route("/admin/lms", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def index() -> Any:
    settings = service.get_settings(db.session)
    form = LmsSettingsForm()
    if not form.is_submitted():
        form.base_url.data = settings.base_url if settings else ""
        form.course.data = settings.course if settings else ""
    if form.validate_on_submit():
        try:
            service.save_settings(
                db.session,
                current_actor(),
                base_url=form.base_url.data or "",
                course=form.course.data or "",
                token=form.token.data,
                clear_token=form.clear_token.data,
            )
        except DomainError as exc:
            db.session.rollback()
            form.base_url.errors = [*form.base_url.errors, translate_error(exc)]
        else:
            db.session.commit()
            flash(_("Zapisano ustawienia połączenia z Moodle."), "success")
            return redirect(url_for("publishing.index"))
    return _page(form), 400 if form.errors else 200


@bp.route("/admin/lms/test", methods=["POST"])
@roles_required(Role.ADMIN)
def test_connection() -> Any:
    config = service.effective_config(db.session, current_app.config)
    form = LmsSettingsForm(formdata=None, base_url=config.base_url, course=config.course)
    settings = service.get_settings(db.session)
    form.base_url.data = settings.base_url if settings else ""
    form.course.data = settings.course if settings else ""
    try:
        report = service.check_connection(client_factory(current_app)(config), config)
    except MoodleError as exc:
        return _page(form, check_error=translate_error(exc))
    return _page(form, check=report)


def _flash_report(report: service.SendReport) -> None:
    for outcome in report.outcomes:
        label = _(service.KIND_LABELS[outcome.kind])
        if outcome.ok:
            verb = _("zaktualizowano") if outcome.action == "updated" else _("opublikowano")
            flash(_("%(what)s: %(verb)s w Moodle.", what=label, verb=verb), "success")
        else:
            flash(
                _("%(what)s: nie wysłano. %(reason)s", what=label, reason=outcome.message), "error"
            )
    if report.error and not report.outcomes:
        flash(report.error, "error")
    if not report.outcomes and not report.error:
        flash(_("Nie ma nic do wysłania."), "info")


@bp.route("/admin/lms/send", methods=["POST"])
@roles_required(Role.ADMIN)
def send() -> Any:
    report = send_now(current_app._get_current_object(), force=True, actor=current_actor())  # type: ignore[attr-defined]
    _flash_report(report)
    return redirect(url_for("publishing.index"))


@bp.route("/admin/lms/<int:publication_id>/republish", methods=["POST"])
@roles_required(Role.ADMIN)
def republish(publication_id: int) -> Any:
    try:
        queued = service.republish(db.session, current_actor(), publication_id=publication_id)
    except DomainError as exc:
        db.session.rollback()
        flash(translate_error(exc), "error")
        return redirect(url_for("publishing.index"))
    db.session.commit()
    # Sent here and now; the background sender need not.
    db.session.info.pop(COMMITTED, None)
    report = send_now(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        force=True,
        election_id=queued[0].election_id,
        actor=current_actor(),
    )
    _flash_report(report)
    return redirect(url_for("publishing.index"))
