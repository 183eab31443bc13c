"""The Council: appointments, composition, certification, protocol and exports."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from election.auth.access import current_actor, roles_required
from election.auth.models import Role
from election.council import rules, service
from election.council.forms import AppointmentForm, ReplaceForm
from election.council.models import AppointedSeat
from election.council.protocol import render_protocol
from election.council.rules import Missing
from election.elections.models import PHASE_LABELS, Election, Phase
from election.elections.service import get_election
from election.errors import N_, DomainError, NotFound
from election.extensions import db
from election.web import translate_error

bp = Blueprint("council", __name__)

#: Phases in which the counted results exist (protocol and exports for the staff).
COUNTED = (Phase.CLOSED, Phase.CERTIFIED)


def missing_text(missing: Missing) -> str:
    """A :class:`Missing` in the user's language, its parameters translated too."""
    params = {k: _(v) if isinstance(v, str) else v for k, v in missing.params.items()}
    return _(missing.message, **params)


def _staff() -> bool:
    return current_user.is_authenticated and current_user.role in (Role.ADMIN, Role.CHAIR)


def _election(election_id: int) -> Election:
    try:
        return get_election(db.session, election_id)
    except NotFound:
        abort(404)


def _results_election(election_id: int) -> Election:
    """The election whose results may be read: by anyone once certified, by staff once
    closed; otherwise 404 (the results do not exist yet, as far as the reader knows)."""
    election = _election(election_id)
    if election.phase is Phase.CERTIFIED or (_staff() and election.phase in COUNTED):
        return election
    abort(404)


@bp.route("/council/")
@roles_required(Role.ADMIN, Role.CHAIR)
def index() -> Any:
    # The election pages link here with ?election_id=…: go straight to its Council.
    election_id = request.args.get("election_id", type=int)
    if election_id is not None:
        return redirect(url_for("council.page", election_id=election_id))
    elections = db.session.scalars(select(Election).order_by(Election.id.desc())).all()
    return render_template("council/index.html", elections=elections, phase_labels=PHASE_LABELS)


def _render_page(
    election: Election,
    *,
    error: str | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> Any:
    current = service.current_appointments(db.session, election)
    held = {(a.seat.value, a.slot): a for a in current}
    places = [
        (seat, slot, held.get((seat.value, slot)))
        for seat, count in (
            (AppointedSeat.LEADER, election.leader_seats),
            (AppointedSeat.SCSI, election.scsi_seats),
        )
        for slot in range(1, count + 1)
    ]
    missing = [missing_text(m) for m in service.missing_seats(db.session, election)]
    return (
        render_template(
            "council/page.html",
            election=election,
            members=service.council_members(db.session, election),
            missing=missing,
            places=places,
            seat_labels=rules.SEAT_LABELS,
            phase_label=PHASE_LABELS[election.phase],
            Phase=Phase,
            error=error,
            errors=errors or [],
        ),
        status,
    )


@bp.route("/council/<int:election_id>/")
@roles_required(Role.ADMIN, Role.CHAIR)
def page(election_id: int) -> Any:
    return _render_page(_election(election_id))


def _data(form: ReplaceForm) -> service.AppointmentData:
    return service.AppointmentData(
        full_name=form.full_name.data,
        position=form.position.data,
        authority=form.authority.data or "",
        document_ref=form.document_ref.data,
        document_date=form.document_date.data,
    )


@bp.route("/council/<int:election_id>/appointments/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def appoint(election_id: int) -> Any:
    election = _election(election_id)
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
            appointment = service.appoint(
                db.session,
                current_actor(),
                election,
                AppointedSeat(form.seat.data),
                _data(form),
                slot=int(form.slot.data) if form.slot.data else None,
            )
        except DomainError as exc:
            db.session.rollback()
            error = translate_error(exc)
        else:
            db.session.commit()
            flash(
                _(
                    "Powołano: %(name)s (%(seat)s, miejsce nr %(slot)s).",
                    name=appointment.full_name,
                    seat=_(rules.SEAT_LABELS[appointment.seat.value]),
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
        seat_labels=rules.SEAT_LABELS,
    ), status


@bp.route(
    "/council/<int:election_id>/appointments/<int:appointment_id>/replace",
    methods=["GET", "POST"],
)
@roles_required(Role.ADMIN)
def replace(election_id: int, appointment_id: int) -> Any:
    election = _election(election_id)
    try:
        old = service.get_appointment(db.session, election, appointment_id)
    except NotFound:
        abort(404)
    form = ReplaceForm()
    if request.method == "GET":
        form.authority.data = old.authority
    error = None
    if form.validate_on_submit():
        try:
            new = service.replace(
                db.session, current_actor(), election, appointment_id, _data(form)
            )
        except DomainError as exc:
            db.session.rollback()
            error = translate_error(exc)
        else:
            db.session.commit()
            flash(
                _("%(new)s zastępuje %(old)s.", new=new.full_name, old=old.full_name),
                "success",
            )
            return redirect(url_for("council.page", election_id=election.id))
    status = 400 if form.errors else (409 if error else 200)
    return render_template(
        "council/appointment.html",
        form=form,
        election=election,
        error=error,
        replacing=old,
        seat_labels=rules.SEAT_LABELS,
    ), status


@bp.route("/council/<int:election_id>/certify", methods=["POST"])
@roles_required(Role.CHAIR)
def certify(election_id: int) -> Any:
    election = _election(election_id)
    try:
        service.certify(db.session, current_actor(), election)
    except service.CouncilIncomplete as exc:
        db.session.rollback()
        return _render_page(
            election,
            error=_("Nie można zatwierdzić wyników. Brakuje:"),
            errors=[missing_text(m) for m in exc.missing],
            status=exc.status,
        )
    except DomainError as exc:
        db.session.rollback()
        return _render_page(election, error=translate_error(exc), status=exc.status)
    db.session.commit()
    flash(_("Wyniki zatwierdzone. Skład Rady jest publiczny."), "success")
    return redirect(url_for("council.page", election_id=election.id))


def _pdf(election: Election) -> Response:
    data = render_protocol(db.session, election)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="protokol-wyborow-{election.id}.pdf"'
    )
    return response


@bp.route("/council/<int:election_id>/protocol.pdf")
@roles_required(Role.ADMIN, Role.CHAIR)
def protocol(election_id: int) -> Any:
    election = _election(election_id)
    if election.phase not in COUNTED:
        abort(404)
    return _pdf(election)


@bp.route("/api/v1/elections/<int:election_id>/protocol.pdf")
def public_protocol(election_id: int) -> Any:
    election = db.session.get(Election, election_id)
    if election is None or election.phase is not Phase.CERTIFIED:
        raise NotFound(N_("Protokół będzie dostępny po zatwierdzeniu wyników."))
    return _pdf(election)


@bp.route("/council/<int:election_id>/results.json")
def public_results_json(election_id: int) -> Any:
    election = _results_election(election_id)
    return jsonify(service.results_json(db.session, election))


@bp.route("/council/<int:election_id>/results.csv")
def public_results_csv(election_id: int) -> Any:
    election = _results_election(election_id)
    response = Response(service.results_csv(db.session, election), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="wyniki-wyborow-{election.id}.csv"'
    )
    return response
