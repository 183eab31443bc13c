"""Pages of the Regulamin: reading it, writing it, sending it to the Partners' reps."""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from election import transaction
from election.access import Role, roles_required
from election.auth.access import current_actor
from election.db import utcnow
from election.elections import regulamin
from election.elections.forms import RulesForm, SendRulesForm
from election.elections.models import Election, Rules, RulesStatus
from election.elections.rules import MAX_PDF_BYTES
from election.elections.views import READERS, bp, election_or_404, labels
from election.errors import DomainError, ValidationFailed
from election.extensions import db
from election.mail import Delivery
from election.web import translate_error


def _readable_rules(election: Election) -> Rules:
    """The Regulamin for the current user: staff always, reps once it was sent."""
    rules = regulamin.get_rules(db.session, election)
    if rules is None:
        abort(404)
    if current_user.role == Role.PARTNER_REP and rules.status == RulesStatus.DRAFT:
        abort(404)
    return rules


@bp.route("/elections/<int:election_id>/rules")
@roles_required(*READERS)
def rules_show(election_id: int) -> Any:
    election = election_or_404(election_id)
    rules = _readable_rules(election)
    return render_template("elections/rules_show.html", election=election, rules=rules, **labels())


@bp.route("/elections/<int:election_id>/rules.pdf")
@roles_required(*READERS)
def rules_pdf(election_id: int) -> Any:
    rules = _readable_rules(election_or_404(election_id))
    if not rules.pdf:
        abort(404)
    return send_file(
        io.BytesIO(rules.pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=rules.pdf_filename or "regulamin.pdf",
        max_age=0,
    )


def _rules_page(
    election: Election,
    form: RulesForm,
    send_form: SendRulesForm,
    status: int = 200,
    error: str | None = None,
) -> Any:
    return render_template(
        "elections/rules_edit.html",
        election=election,
        error=error,
        rules=regulamin.get_rules(db.session, election),
        form=form,
        send_form=send_form,
        max_mb=MAX_PDF_BYTES // (1024 * 1024),
        **labels(),
    ), status


@bp.route("/elections/<int:election_id>/rules/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def rules_edit(election_id: int) -> Any:
    election = election_or_404(election_id)
    rules = regulamin.get_rules(db.session, election)
    form = RulesForm(text=rules.text if rules else "")
    send_form = SendRulesForm(formdata=None, prefix="send", sent_on=utcnow().date())
    if form.validate_on_submit():
        upload = form.pdf.data
        data: bytes | None = None
        filename = ""
        if upload is not None and getattr(upload, "filename", ""):
            # Read one byte more than allowed: enough to know it is too large.
            data = upload.read(MAX_PDF_BYTES + 1)
            filename = upload.filename
        try:
            transaction.run(
                regulamin.save_rules,
                current_actor(),
                election,
                text=form.text.data or "",
                pdf=data,
                pdf_filename=filename,
                remove_pdf=form.remove_pdf.data,
            )
        except ValidationFailed as exc:
            target = form.pdf if data is not None else form.text
            target.errors = [*target.errors, translate_error(exc)]
        except DomainError as exc:
            return _rules_page(election, form, send_form, exc.status, translate_error(exc))
        else:
            flash(_("Zapisano Regulamin."), "success")
            return redirect(url_for("elections.rules_edit", election_id=election.id))
    status = 400 if form.errors else 200
    return _rules_page(election, form, send_form, status)


def _letter(election: Election) -> dict[str, str]:
    """The email announcing the Regulamin: ``subject`` and ``body`` with the link to it."""
    link = url_for("elections.rules_show", election_id=election.id, _external=True)
    subject = _("Regulamin wyboru Członków Rady ds. systemu SEKAP")
    body = _(
        "Dzień dobry,\n\nprzesyłamy Regulamin wyboru Członków Rady ds. systemu SEKAP "
        "(%(title)s). Regulamin zostanie poddany pod głosowanie na zebraniu Partnerów"
        "%(meeting)s.\n\nRegulamin można przeczytać po zalogowaniu:\n\n%(link)s\n",
        title=election.title,
        meeting=(
            _(" w dniu %(date)s", date=election.meeting_date.strftime("%d.%m.%Y"))
            if election.meeting_date
            else ""
        ),
        link=link,
    )
    return {"subject": subject, "body": body}


def _flash_mailing(delivery: Delivery) -> None:
    sent, failed = len(delivery.sent), len(delivery.failed)
    flash(
        ngettext(
            "Regulamin oznaczono jako wysłany. Wysłano %(num)d wiadomość.",
            "Regulamin oznaczono jako wysłany. Wysłano %(num)d wiadomości.",
            sent,
        ),
        "success",
    )
    if failed:
        flash(
            ngettext(
                "Nie udało się wysłać %(num)d wiadomości. Spróbuj wysłać ponownie.",
                "Nie udało się wysłać %(num)d wiadomości. Spróbuj wysłać ponownie.",
                failed,
            ),
            "error",
        )


@bp.route("/elections/<int:election_id>/rules/send", methods=["POST"])
@roles_required(Role.ADMIN)
def rules_send(election_id: int) -> Any:
    election = election_or_404(election_id)
    send_form = SendRulesForm(prefix="send")
    if not send_form.validate_on_submit():
        rules = regulamin.get_rules(db.session, election)
        form = RulesForm(formdata=None, text=rules.text if rules else "")
        return _rules_page(election, form, send_form, 400)
    try:
        # The letters leave only after the commit: never announcing what was rolled back.
        delivery = transaction.run(
            regulamin.send_rules,
            current_actor(),
            election,
            send_form.sent_on.data,
            **_letter(election),
        )
    except DomainError as exc:
        flash(translate_error(exc), "error")
    else:
        _flash_mailing(delivery)
    return redirect(url_for("elections.rules_edit", election_id=election.id))


@bp.route("/elections/<int:election_id>/rules/resend", methods=["POST"])
@roles_required(Role.ADMIN)
def rules_resend(election_id: int) -> Any:
    """Send the link again (e.g. after a mail server failure); changes nothing."""
    election = election_or_404(election_id)
    try:
        delivery = transaction.run(regulamin.resend_rules, election, **_letter(election))
    except DomainError as exc:
        flash(translate_error(exc), "error")
    else:
        _flash_mailing(delivery)
    return redirect(url_for("elections.rules_edit", election_id=election.id))
