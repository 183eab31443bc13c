"""Pages of authorisations (pełnomocnictwa): a Partner's representative (or the admin)
records one with its scan; the admin or the chair verifies or rejects it."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any
from urllib.parse import quote

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from election import scans, transaction
from election.access import STAFF, Role, roles_required
from election.auth.access import current_actor
from election.elections import authorisations as service
from election.elections.models import Election
from election.elections.people import AUTHORISATION_LABELS, Authorisation
from election.elections.people_forms import AuthorisationForm, ButtonForm, RejectForm
from election.elections.rules import WARSAW
from election.elections.views import bp, election_or_404, labels
from election.errors import DomainError
from election.extensions import db
from election.forms import choices
from election.partners import reps
from election.web import act, translate_error

#: Who records an authorisation: the admin for any Partner, a representative for theirs.
SUBMITTERS = (Role.ADMIN, Role.PARTNER_REP)


def _today() -> dt.date:
    return dt.datetime.now(WARSAW).date()


def _list_url(election: Election) -> str:
    return url_for("elections.authorisations", election_id=election.id)


def _may_submit() -> bool:
    """The admin, or a Partner's own representative — not a person who is one only on
    an authorisation (their account has a validity): they cannot authorise others."""
    if current_user.role == Role.ADMIN:
        return True
    return (
        current_user.role == Role.PARTNER_REP
        and current_user.valid_from is None
        and current_user.valid_until is None
    )


def _form(election: Election) -> AuthorisationForm:
    form = AuthorisationForm()
    if current_user.role == Role.ADMIN:
        partners = [p for p in reps.partner_choices(db.session) if p.active]
        form.partner_id.choices = choices(
            [(0, "—")] + [(p.id, f"{p.name} ({p.teryt})") for p in partners]
        )
    return form


def _page(
    election: Election, form: AuthorisationForm, status: int = 200, error: str | None = None
) -> Any:
    staff = current_user.role in STAFF
    partner_id = None if staff else current_user.partner_id
    return render_template(
        "elections/authorisations.html",
        election=election,
        authorisations=service.listing(db.session, election, partner_id),
        form=form if _may_submit() else None,
        reject_form=RejectForm(),
        staff=staff,
        status_labels=AUTHORISATION_LABELS,
        error=error,
        **labels(),
    ), status


@bp.route("/elections/<int:election_id>/authorisations")
@roles_required(Role.ADMIN, Role.CHAIR, Role.PARTNER_REP)
def authorisations(election_id: int) -> Any:
    election = election_or_404(election_id)
    if current_user.role == Role.PARTNER_REP and not election.announced:
        abort(404)
    return _page(election, _form(election))


def _read_scan(upload: Any) -> tuple[bytes, str | None]:
    if not isinstance(upload, FileStorage) or not upload.filename:
        return b"", None
    # One byte more than allowed is enough to know the file is too big.
    return upload.read(scans.MAX_SCAN_BYTES + 1), upload.filename


@bp.route("/elections/<int:election_id>/authorisations", methods=["POST"])
@roles_required(*SUBMITTERS)
def submit_authorisation(election_id: int) -> Any:
    election = election_or_404(election_id)
    if not _may_submit() or (current_user.role == Role.PARTNER_REP and not election.announced):
        abort(403)
    form = _form(election)
    if not form.validate_on_submit():
        return _page(election, form, 400)
    partner_id = (
        form.partner_id.data if current_user.role == Role.ADMIN else current_user.partner_id
    )
    scan, filename = _read_scan(form.scan.data)
    data = service.AuthorisationData(
        partner_id=partner_id or 0,
        full_name=form.full_name.data,
        position=form.position.data,
        email=form.email.data,
        valid_from=form.valid_from.data,
        valid_until=form.valid_until.data,
        scan=scan,
        filename=filename,
    )
    try:
        transaction.run(service.submit, current_actor(), election, data, _today())
    except DomainError as exc:
        return _page(election, form, 400, translate_error(exc))
    flash(
        _("Zapisano pełnomocnictwo dla %(name)s; czeka na weryfikację.", name=data.full_name),
        "success",
    )
    return redirect(_list_url(election), 303)


def _verified_message(result: service.Verified) -> str:
    if result.delivery is None:
        return _(
            "Pełnomocnictwo zweryfikowane; %(email)s ma już konto przedstawiciela Partnera.",
            email=result.user.email,
        )
    if result.delivery.sent:
        return _(
            "Pełnomocnictwo zweryfikowane; wysłano zaproszenie na adres %(email)s.",
            email=result.user.email,
        )
    return _(
        "Pełnomocnictwo zweryfikowane, ale nie udało się jeszcze wysłać zaproszenia na adres "
        "%(email)s; zostanie wysłane ponownie.",
        email=result.user.email,
    )


@bp.route(
    "/elections/<int:election_id>/authorisations/<int:authorisation_id>/verify", methods=["POST"]
)
@roles_required(*STAFF)
def verify_authorisation(election_id: int, authorisation_id: int) -> Any:
    election = election_or_404(election_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    return act(
        service.verify,
        current_actor(),
        election,
        authorisation_id,
        _today(),
        back=_list_url(election),
        done=_verified_message,
    )


@bp.route(
    "/elections/<int:election_id>/authorisations/<int:authorisation_id>/reject", methods=["POST"]
)
@roles_required(*STAFF)
def reject_authorisation(election_id: int, authorisation_id: int) -> Any:
    election = election_or_404(election_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(_list_url(election), 303)
    return act(
        service.reject,
        current_actor(),
        election,
        authorisation_id,
        form.reason.data,
        back=_list_url(election),
        done=_("Pełnomocnictwo odrzucone."),
    )


def _visible(election: Election, authorisation_id: int) -> Authorisation:
    try:
        found = service.get(db.session, election, authorisation_id)
    except DomainError:
        abort(404)
    if current_user.role not in STAFF and found.partner_id != current_user.partner_id:
        abort(404)
    return found


@bp.route("/elections/<int:election_id>/authorisations/<int:authorisation_id>/scan")
@roles_required(Role.ADMIN, Role.CHAIR, Role.PARTNER_REP)
def authorisation_scan(election_id: int, authorisation_id: int) -> Any:
    authorisation = _visible(election_or_404(election_id), authorisation_id)
    media_type = scans.scan_type(authorisation.scan) or "application/octet-stream"
    response = Response(authorisation.scan, mimetype=media_type)
    # Served as a download: an uploaded file is never rendered by our origin. The name
    # may hold Polish letters: plain ASCII for old browsers, UTF-8 for the others.
    name = authorisation.scan_filename
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode() or "skan"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response
