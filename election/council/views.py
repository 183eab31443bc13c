"""The Council: appointments, composition, certification, protocol and exports; and the
public results page (the results with the Council)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from election import transaction
from election.access import STAFF, Role, roles_required
from election.auth.access import current_actor
from election.council import appointments, composition, exports, rules
from election.council.forms import AppointmentForm, ReplaceForm
from election.council.models import AppointedSeat
from election.council.protocol import pdf_filename, render_protocol
from election.council.rules import Missing
from election.elections.custody import KeyStore
from election.elections.models import PHASE_LABELS, Election, Phase
from election.elections.service import get_election, list_elections
from election.errors import DomainError
from election.extensions import db
from election.labels import SEAT_LABELS
from election.tally import record
from election.tally.display import template_globals
from election.tally.results import results
from election.web import translate_error

bp = Blueprint("council", __name__)


def missing_text(missing: Missing) -> str:
    """A :class:`Missing` in the user's language, its parameters translated too."""
    params = {k: _(v) if isinstance(v, str) else v for k, v in missing.params.items()}
    return _(missing.message, **params)


def _staff() -> bool:
    return current_user.is_authenticated and current_user.role in STAFF


def _results_election(election_id: int) -> Election:
    """The election whose results may be read: by anyone once certified, by staff once
    voting is over; otherwise 404 (the results do not exist yet, as far as the reader
    knows)."""
    election = get_election(db.session, election_id)
    if election.certified or (_staff() and election.results_public):
        return election
    abort(404)


@bp.route("/council/")
@roles_required(*STAFF)
def index() -> Any:
    # The election pages link here with ?election_id=…: go straight to its Council.
    election_id = request.args.get("election_id", type=int)
    if election_id is not None:
        return redirect(url_for("council.page", election_id=election_id))
    return render_template(
        "council/index.html", elections=list_elections(db.session), phase_labels=PHASE_LABELS
    )


def _render_page(
    election: Election,
    *,
    error: str | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> Any:
    current = appointments.current_appointments(db.session, election)
    held = {(a.seat.value, a.slot): a for a in current}
    places = [
        (seat, slot, held.get((seat.value, slot)))
        for seat, count in (
            (AppointedSeat.LEADER, election.leader_seats),
            (AppointedSeat.SCSI, election.scsi_seats),
        )
        for slot in range(1, count + 1)
    ]
    missing = [missing_text(m) for m in composition.missing_seats(db.session, election)]
    return (
        render_template(
            "council/page.html",
            election=election,
            members=composition.council_members(db.session, election),
            missing=missing,
            places=places,
            seat_labels=SEAT_LABELS,
            phase_label=PHASE_LABELS[election.phase],
            Phase=Phase,
            error=error,
            errors=errors or [],
        ),
        status,
    )


@bp.route("/council/<int:election_id>/")
@roles_required(*STAFF)
def page(election_id: int) -> Any:
    return _render_page(get_election(db.session, election_id))


def _data(form: ReplaceForm) -> appointments.AppointmentData:
    return appointments.AppointmentData(
        full_name=form.full_name.data,
        position=form.position.data,
        authority=form.authority.data or "",
        document_ref=form.document_ref.data,
        document_date=form.document_date.data,
    )


@bp.route("/council/<int:election_id>/appointments/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def appoint(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    form = AppointmentForm()
    form.set_slots(max(election.leader_seats, election.scsi_seats))
    if request.method == "GET":
        seat = request.args.get("seat", "")
        if seat in rules.DEFAULT_AUTHORITY:
            form.seat.data = seat
            form.authority.data = rules.DEFAULT_AUTHORITY[seat]
        slot = request.args.get("slot", "")
        form.slot.data = slot if slot.isdigit() else ""
    error = None
    if form.validate_on_submit():
        try:
            appointment = transaction.run(
                appointments.appoint,
                current_actor(),
                election,
                AppointedSeat(form.seat.data),
                _data(form),
                slot=int(form.slot.data) if form.slot.data else None,
            )
        except DomainError as exc:
            error = translate_error(exc)
        else:
            flash(
                _(
                    "Powołano: %(name)s (%(seat)s, miejsce nr %(slot)s).",
                    name=appointment.full_name,
                    seat=SEAT_LABELS[appointment.seat],
                    slot=appointment.slot,
                ),
                "success",
            )
            return redirect(url_for("council.page", election_id=election.id))
    status = 400 if form.errors else (409 if error else 200)
    return render_template(
        "council/appointment.html",
        form=form,
        election=election,
        error=error,
        replacing=None,
        seat_labels=SEAT_LABELS,
    ), status


@bp.route(
    "/council/<int:election_id>/appointments/<int:appointment_id>/replace",
    methods=["GET", "POST"],
)
@roles_required(Role.ADMIN)
def replace(election_id: int, appointment_id: int) -> Any:
    election = get_election(db.session, election_id)
    old = appointments.get_appointment(db.session, election, appointment_id)
    old_name = old.full_name
    form = ReplaceForm()
    if request.method == "GET":
        form.authority.data = old.authority
    error = None
    if form.validate_on_submit():
        try:
            new = transaction.run(
                appointments.replace, current_actor(), election, appointment_id, _data(form)
            )
        except DomainError as exc:
            error = translate_error(exc)
        else:
            flash(_("%(new)s zastępuje %(old)s.", new=new.full_name, old=old_name), "success")
            return redirect(url_for("council.page", election_id=election.id))
    status = 400 if form.errors else (409 if error else 200)
    return render_template(
        "council/appointment.html",
        form=form,
        election=election,
        error=error,
        replacing=old,
        seat_labels=SEAT_LABELS,
    ), status


@bp.route("/council/<int:election_id>/certify", methods=["POST"])
@roles_required(Role.CHAIR)
def certify(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    try:
        transaction.run(
            composition.certify, current_actor(), election, KeyStore(current_app.instance_path)
        )
    except composition.CouncilIncomplete as exc:
        return _render_page(
            election,
            error=_("Nie można zatwierdzić wyników. Brakuje:"),
            errors=[missing_text(m) for m in exc.missing],
            status=exc.status,
        )
    except DomainError as exc:
        return _render_page(election, error=translate_error(exc), status=exc.status)
    flash(_("Wyniki zatwierdzone. Skład Rady jest publiczny."), "success")
    return redirect(url_for("council.page", election_id=election.id))


@bp.route("/council/<int:election_id>/protocol.pdf")
@roles_required(*STAFF)
def protocol(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    if not election.results_public:
        abort(404)
    return Response(
        render_protocol(db.session, election),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{pdf_filename(election)}"'},
    )


@bp.route("/council/<int:election_id>/results.json")
def public_results_json(election_id: int) -> Any:
    election = _results_election(election_id)
    return jsonify(exports.results_json(db.session, election))


@bp.route("/council/<int:election_id>/results.csv")
def public_results_csv(election_id: int) -> Any:
    election = _results_election(election_id)
    response = Response(exports.results_csv(db.session, election), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="wyniki-wyborow-{election.id}.csv"'
    )
    return response


@bp.route("/public/elections/<int:election_id>/results")
def public_results(election_id: int) -> Any:
    """The results and the Council so far, for anyone, once voting is over (404 before)."""
    election = exports.public_results_election(db.session, election_id)
    return render_template(
        "council/public.html",
        election=election,
        results=results(db.session, election),
        council=composition.council_members(db.session, election),
        seat_labels=SEAT_LABELS,
        has_record=record.has_record(db.session, election),
        **template_globals(),
    )
