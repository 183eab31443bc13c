"""The admin pages of the Partner register: the list, adding and editing a Partner,
deactivating one, importing a CSV file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from election import transaction
from election.access import STAFF, Role, roles_required
from election.auth.access import current_actor
from election.errors import DomainError
from election.extensions import db
from election.labels import GROUP_LABELS, GROUP_LABELS_ONE
from election.partners import service
from election.partners.forms import ImportForm, PartnerForm
from election.partners.models import GROUPS, Partner, PartnerGroup
from election.partners.views import bp
from election.web import translate_error

#: The upload page accepts a bigger file than the app's default limit would allow to
#: reach the view; anything above this is refused with a message, not parsed.
MAX_IMPORT_BYTES = 2 * 1024 * 1024


@bp.route("/admin/partners/")
@roles_required(*STAFF)
def index() -> Any:
    group_arg = request.args.get("group", "")
    group = PartnerGroup(group_arg) if group_arg in PartnerGroup._value2member_map_ else None
    query = request.args.get("q", "")[:100]
    return render_template(
        "partners/index.html",
        partners=service.search(db.session, group=group, query=query),
        group=group,
        query=query,
        groups=GROUPS,
        group_labels=GROUP_LABELS,
        group_labels_one=GROUP_LABELS_ONE,
        counts=service.counts_by_group(db.session),
    )


def _save(form: PartnerForm, partner: Partner | None) -> Any:
    """Save the form at the edge: a redirect to the list, or ``None`` with the refusal
    added to the form's errors."""
    try:
        saved = transaction.run(
            service.save,
            current_actor(),
            partner=partner,
            name=form.name.data,
            teryt=form.teryt.data,
            group=PartnerGroup(form.group.data),
            agreement_signed_on=form.agreement_signed_on.data,
            active=form.active.data,
            email=form.email.data,
        )
    except DomainError as exc:
        form.teryt.errors = [*form.teryt.errors, translate_error(exc)]
        return None
    flash(_("Zapisano Partnera %(name)s.", name=saved.name), "success")
    return redirect(url_for("partners.index"))


@bp.route("/admin/partners/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new() -> Any:
    form = PartnerForm()
    if form.validate_on_submit():
        response = _save(form, None)
        if response is not None:
            return response
    status = 400 if form.errors else 200
    return render_template("partners/form.html", form=form, partner=None), status


@bp.route("/admin/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(partner_id: int) -> Any:
    partner = db.session.get(Partner, partner_id) or abort(404)
    form = PartnerForm(obj=partner)
    if request.method == "GET":
        form.group.data = partner.group.value
    if form.validate_on_submit():
        response = _save(form, partner)
        if response is not None:
            return response
    status = 400 if form.errors else 200
    return render_template("partners/form.html", form=form, partner=partner), status


@bp.route("/admin/partners/<int:partner_id>/deactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def deactivate(partner_id: int) -> Any:
    try:
        partner = transaction.run(service.deactivate, current_actor(), partner_id)
    except DomainError:
        abort(404)
    flash(_("Partner %(name)s jest nieaktywny.", name=partner.name), "success")
    return redirect(url_for("partners.index"))


def run_import(form: ImportForm, command: Callable[..., Any]) -> Any:
    """The uploaded file of an import form given to ``command`` (a preview unless the
    form confirms); its report, or None when the form or the file is refused."""
    if not form.validate_on_submit():
        return None
    data = form.file.data.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        form.file.errors = [_("Plik jest za duży (najwyżej 2 MB).")]
        return None
    # A preview or a bad file writes nothing: the commit has nothing to commit.
    return transaction.run(command, current_actor(), data, dry_run=not form.confirm.data)


def import_status(form: ImportForm, report: Any) -> int:
    return 400 if form.errors or (report is not None and not report.ok) else 200


@bp.route("/admin/partners/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def import_csv() -> Any:
    form = ImportForm()
    report = run_import(form, service.import_csv)
    if report is not None and report.applied:
        flash(
            _(
                "Zaimportowano: dodano %(added)s, zaktualizowano %(updated)s, "
                "bez zmian %(unchanged)s.",
                added=len(report.added),
                updated=len(report.updated),
                unchanged=report.unchanged,
            ),
            "success",
        )
        return redirect(url_for("partners.index"))
    return render_template("partners/import.html", form=form, report=report), import_status(
        form, report
    )
