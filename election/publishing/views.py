"""The admin page of the LMS connection and the outbox."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from election import transaction
from election.access import Role, roles_required
from election.auth.access import current_actor
from election.errors import N_, DomainError
from election.extensions import db
from election.publishing import outbox, settings
from election.publishing.client import MoodleError
from election.publishing.forms import LmsSettingsForm
from election.publishing.models import PublicationKind, PublicationStatus
from election.publishing.sender import client_factory, send_now
from election.web import translate_error

bp = Blueprint("publishing", __name__)

#: Msgids, translated where shown.
KIND_LABELS = {
    PublicationKind.CANDIDATES: N_("lista kandydatów"),
    PublicationKind.RESULTS: N_("wyniki i skład Rady"),
}

STATUS_LABELS = {
    PublicationStatus.PENDING: N_("oczekuje na wysłanie"),
    PublicationStatus.SENT: N_("wysłano"),
    PublicationStatus.FAILED: N_("błąd — ponowi"),
}


def _app() -> Any:
    return current_app._get_current_object()  # type: ignore[attr-defined]


def _page(form: LmsSettingsForm, *, check: Any = None, check_error: str | None = None) -> Any:
    config = settings.effective_config(db.session, current_app.config)
    return render_template(
        "publishing/index.html",
        form=form,
        config=config,
        publications=outbox.list_publications(db.session),
        kind_labels=KIND_LABELS,
        status_labels=STATUS_LABELS,
        check=check,
        check_error=check_error,
    )


@bp.route("/admin/lms", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def index() -> Any:
    saved = settings.get_settings(db.session)
    form = LmsSettingsForm()
    if not form.is_submitted():
        form.base_url.data = saved.base_url if saved else ""
        form.course.data = saved.course if saved else ""
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
    return _page(form), 400 if form.errors else 200


@bp.route("/admin/lms/test", methods=["POST"])
@roles_required(Role.ADMIN)
def test_connection() -> Any:
    config = settings.effective_config(db.session, current_app.config)
    form = LmsSettingsForm(formdata=None, base_url=config.base_url, course=config.course)
    saved = settings.get_settings(db.session)
    form.base_url.data = saved.base_url if saved else ""
    form.course.data = saved.course if saved else ""
    try:
        report = settings.check_connection(client_factory(current_app)(config), config)
    except MoodleError as exc:
        return _page(form, check_error=translate_error(exc))
    return _page(form, check=report)


def _flash_report(report: outbox.SendReport) -> None:
    for outcome in report.outcomes:
        label = _(KIND_LABELS[outcome.kind])
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
