"""The publishing page: the state of every post (the admin and the chair), the LMS
connection, its test and sending (the admin)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from election import transaction
from election.access import STAFF, Role, roles_required
from election.auth.access import current_actor
from election.errors import DomainError
from election.extensions import db
from election.publishing import display, outbox, settings
from election.publishing.delivery import SendReport
from election.publishing.forms import LmsSettingsForm
from election.publishing.messages import MoodleError
from election.publishing.sender import client_factory, send_now
from election.web import translate_error

bp = Blueprint("publishing", __name__)


def _app() -> Any:
    return current_app._get_current_object()  # type: ignore[attr-defined]


def _page(
    form: LmsSettingsForm | None = None,
    *,
    check: settings.ConnectionReport | None = None,
    check_error: str | None = None,
) -> Any:
    is_admin = current_user.role == Role.ADMIN
    if is_admin and form is None:
        form = _settings_form()
    return render_template(
        "publishing/index.html",
        is_admin=is_admin,
        form=form,
        config=settings.effective_config(db.session, current_app.config) if is_admin else None,
        publications=outbox.list_publications(db.session),
        display=display,
        stored_error=_stored_error,
        translate_error=translate_error,
        check=check,
        check_error=check_error,
    )


def _stored_error(publication: Any) -> str | None:
    error = outbox.stored_error(publication)
    return translate_error(error) if error is not None else publication.last_error


def _settings_form() -> LmsSettingsForm:
    saved = settings.get_settings(db.session)
    form = LmsSettingsForm(formdata=None)
    form.base_url.data = saved.base_url if saved else ""
    form.course.data = saved.course if saved else ""
    return form


@bp.route("/admin/lms")
@roles_required(*STAFF)
def index() -> Any:
    return _page()


@bp.route("/admin/lms/settings", methods=["POST"])
@roles_required(Role.ADMIN)
def save_settings() -> Any:
    form = LmsSettingsForm()
    if form.validate_on_submit():
        try:
            transaction.run(
                settings.save_settings,
                current_actor(),
                base_url=form.base_url.data or "",
                course=form.course.data or "",
                token=form.token.data,
                clear_token=form.clear_token.data,
            )
        except DomainError as exc:
            form.base_url.errors = [*form.base_url.errors, translate_error(exc)]
        else:
            flash(_("Zapisano ustawienia połączenia z Moodle."), "success")
            return redirect(url_for("publishing.index"))
    return _page(form), 400


@bp.route("/admin/lms/test", methods=["POST"])
@roles_required(Role.ADMIN)
def test_connection() -> Any:
    config = settings.effective_config(db.session, current_app.config)
    try:
        report = settings.check_connection(
            client_factory(current_app)(config),
            config,
            public_url=str(current_app.config.get("SERVER_BASE_URL") or ""),
        )
    except MoodleError as exc:
        return _page(check_error=translate_error(exc))
    return _page(check=report)


def _flash_report(report: SendReport) -> None:
    for outcome in report.outcomes:
        label = _(display.KIND_LABELS[outcome.kind])
        if outcome.ok:
            verb = _(display.action_label(outcome.action))
            flash(_("%(what)s: %(verb)s w Moodle.", what=label, verb=verb), "success")
        else:
            reason = translate_error(outcome.error) if outcome.error is not None else ""
            flash(_("%(what)s: nie wysłano. %(reason)s", what=label, reason=reason), "error")
    if report.error is not None and not report.outcomes:
        flash(translate_error(report.error), "error")
    if not report.outcomes and report.error is None:
        flash(_("Nie ma nic do wysłania."), "info")


@bp.route("/admin/lms/send", methods=["POST"])
@roles_required(Role.ADMIN)
def send() -> Any:
    _flash_report(send_now(_app(), force=True, actor=current_actor()))
    return redirect(url_for("publishing.index"))


@bp.route("/admin/lms/<int:publication_id>/republish", methods=["POST"])
@roles_required(Role.ADMIN)
def republish(publication_id: int) -> Any:
    try:
        # Sent here and now, below; the background sender need not be woken.
        queued = transaction.run(
            outbox.republish, current_actor(), publication_id=publication_id, wake=False
        )
    except DomainError as exc:
        flash(translate_error(exc), "error")
        return redirect(url_for("publishing.index"))
    report = send_now(_app(), force=True, election_id=queued[0].election_id, actor=current_actor())
    _flash_report(report)
    return redirect(url_for("publishing.index"))
