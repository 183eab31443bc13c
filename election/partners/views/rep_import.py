"""The admin's bulk invitation of Partners' representatives from a CSV file: a preview
first, then, confirmed, the accounts and their invitations (sent after the commit)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from election.access import Role, roles_required
from election.partners import reps
from election.partners.forms import ImportForm
from election.partners.views import bp
from election.partners.views.register import import_status, run_import


def _flash_applied(report: reps.RepImport) -> None:
    delivery = report.delivery
    sent = len(delivery.sent) if delivery else 0
    failed = len(delivery.failed) if delivery else 0
    flash(
        ngettext(
            "Zaproszono %(num)d przedstawiciela.",
            "Zaproszono %(num)d przedstawicieli.",
            len(report.invited),
        )
        + " "
        + _("Wysłano zaproszeń: %(sent)s.", sent=sent),
        "success",
    )
    if failed:
        flash(
            _(
                "Zaproszeń jeszcze niewysłanych: %(failed)s; zostaną wysłane ponownie "
                "(flask mail send).",
                failed=failed,
            ),
            "warning",
        )


@bp.route("/admin/users/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def import_reps() -> Any:
    form = ImportForm()
    report = run_import(form, reps.import_reps)
    if report is not None and report.applied:
        _flash_applied(report)
        return redirect(url_for("partners.users"), 303)
    return render_template("partners/reps_import.html", form=form, report=report), import_status(
        form, report
    )
