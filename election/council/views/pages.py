"""The Council page (members, what is missing and the ways out, appointments), the
appointments and who records them, certification with its confirmation, the protocol,
the exports and the public results page."""

from __future__ import annotations

from typing import Any

from flask import (
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
from election.candidates.forms import ConfirmForm
from election.candidates.nominations import accepting_supplement
from election.council import appointments, composition, exports, guide, rules, term
from election.council.forms import (
    AppointmentForm,
    CertifyForm,
    ChairAppointsForm,
    ReplaceForm,
    VacancyForm,
)
from election.council.models import AppointedSeat
from election.council.protocol import pdf_filename, render_protocol
from election.council.vacancies import shortfall, vacancies_of
from election.council.views import bp, election_or_404, is_staff, missing_text
from election.elections.custody import KeyStore
from election.elections.models import PHASE_LABELS, Election, Phase
from election.elections.service import list_elections
from election.errors import DomainError
from election.extensions import db
from election.labels import GROUP_LABELS, SEAT_LABELS
from election.tally import record
from election.tally.display import template_globals
from election.tally.results import group_status, results
from election.web import act, translate_error


def _results_election(election_id: int) -> Election:
    """The election whose results may be read: by anyone once certified, by staff once
    voting is over; otherwise 404 (the results do not exist yet, as far as the reader
    knows)."""
    election = election_or_404(election_id)
    if election.certified or (is_staff() and election.results_public):
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


def _may_record(election: Election) -> bool:
    try:
        appointments.require_may_record(db.session, election, current_user.role)
    except DomainError:
        return False
    return True


def _render_page(
    election: Election,
    *,
    error: str | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> Any:
    session = db.session
    current = appointments.current_appointments(session, election)
    held = {(a.seat.value, a.slot): a for a in current}
    places = [
        (seat, slot, held.get((seat.value, slot)))
        for seat, count in (
            (AppointedSeat.LEADER, election.leader_seats),
            (AppointedSeat.SCSI, election.scsi_seats),
        )
        for slot in range(1, count + 1)
    ]
    statuses = group_status(session, election)
    missing = [missing_text(m) for m in composition.missing_seats(session, election, statuses)]
    short = {}
    if election.phase in (Phase.VOTING, Phase.CLOSED):
        short = {
            group: (empty, accepting_supplement(session, election, group))
            for group, empty in shortfall(session, election, statuses).items()
        }
    return (
        render_template(
            "council/page.html",
            election=election,
            members=composition.council_members(session, election, statuses),
            missing=missing,
            places=places,
            short=short,
            vacancies=vacancies_of(session, election),
            steps=[(missing_text(s), s) for s in guide.council_steps(session, election)],
            may_record=_may_record(election),
            chair_appoints=appointments.chair_appoints(session, election),
            seat_labels=SEAT_LABELS,
            group_labels=GROUP_LABELS,
            phase_label=PHASE_LABELS[election.phase],
            Phase=Phase,
            vacancy_form=VacancyForm(),
            form=ConfirmForm(),
            error=error,
            errors=errors or [],
        ),
        status,
    )


@bp.route("/council/<int:election_id>/")
@roles_required(*STAFF)
def page(election_id: int) -> Any:
    return _render_page(election_or_404(election_id))


# --- appointments -------------------------------------------------------------------------


def _data(form: ReplaceForm) -> appointments.AppointmentData:
    return appointments.AppointmentData(
        full_name=form.full_name.data,
        position=form.position.data,
        authority=form.authority.data or "",
        document_ref=form.document_ref.data,
        document_date=form.document_date.data,
    )


def _not_allowed(election: Election, form: Any, replacing: Any) -> Any:
    """The appointment screen for a chair the admin has not let record appointments:
    it says who must, and offers no form."""
    return render_template(
        "council/appointment.html",
        form=form,
        election=election,
        error=None,
        replacing=replacing,
        seat_labels=SEAT_LABELS,
        not_allowed=True,
    ), (200 if request.method == "GET" else 409)


@bp.route("/council/<int:election_id>/appointments/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.CHAIR)
def appoint(election_id: int) -> Any:
    election = election_or_404(election_id)
    form = AppointmentForm()
    form.set_slots(max(election.leader_seats, election.scsi_seats, 1))
    if not _may_record(election):
        return _not_allowed(election, form, None)
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
        not_allowed=False,
    ), status


@bp.route(
    "/council/<int:election_id>/appointments/<int:appointment_id>/replace",
    methods=["GET", "POST"],
)
@roles_required(Role.ADMIN, Role.CHAIR)
def replace(election_id: int, appointment_id: int) -> Any:
    election = election_or_404(election_id)
    try:
        old = appointments.get_appointment(db.session, election, appointment_id)
    except DomainError:
        abort(404)
    old_name = old.full_name
    form = ReplaceForm()
    if not _may_record(election):
        return _not_allowed(election, form, old)
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
            back = "council.term_page" if election.certified else "council.page"
            return redirect(url_for(back, election_id=election.id))
    status = 400 if form.errors else (409 if error else 200)
    return render_template(
        "council/appointment.html",
        form=form,
        election=election,
        error=error,
        replacing=old,
        seat_labels=SEAT_LABELS,
        not_allowed=False,
    ), status


@bp.route("/council/<int:election_id>/chair-appointments", methods=["POST"])
@roles_required(Role.ADMIN)
def chair_appointments(election_id: int) -> Any:
    election = election_or_404(election_id)
    form = ChairAppointsForm()
    if not form.validate_on_submit():
        abort(400)
    allowed = form.allowed.data == "1"
    return act(
        appointments.allow_chair,
        current_actor(),
        election,
        allowed,
        back=url_for("council.page", election_id=election.id),
        done=_("Przewodniczący może zapisywać powołania.")
        if allowed
        else _("Powołania zapisuje tylko administrator."),
    )


# --- certification ------------------------------------------------------------------------


def _render_certify(election: Election, form: CertifyForm, error: str | None, status: int) -> Any:
    session = db.session
    missing = composition.missing_seats(session, election)
    return render_template(
        "council/certify.html",
        election=election,
        form=form,
        members=composition.council_members(session, election),
        vacancies=vacancies_of(session, election),
        missing=[missing_text(m) for m in missing],
        ready=election.phase == Phase.CLOSED and not missing,
        council_election=term.council_of(session, election) if election.by_election else None,
        seat_labels=SEAT_LABELS,
        group_labels=GROUP_LABELS,
        phase_label=PHASE_LABELS[election.phase],
        error=error,
    ), status


@bp.route("/council/<int:election_id>/certify", methods=["GET", "POST"])
@roles_required(Role.CHAIR)
def certify(election_id: int) -> Any:
    """GET: what will be certified and published, and the confirmation; POST certifies."""
    election = election_or_404(election_id)
    form = CertifyForm()
    if request.method == "GET":
        return _render_certify(election, form, None, 200)
    if not form.validate_on_submit():
        return _render_certify(election, form, None, 400)
    dates = composition.TermDates(form.starts_on.data or term.today(), form.ends_on.data)
    try:
        transaction.run(
            composition.certify,
            current_actor(),
            election,
            KeyStore(current_app.instance_path),
            term_dates=None if election.by_election else dates,
        )
    except composition.CouncilIncomplete as exc:
        return _render_page(
            election,
            error=_("Nie można zatwierdzić wyników: skład Rady nie jest kompletny."),
            errors=[missing_text(m) for m in exc.missing],
            status=exc.status,
        )
    except DomainError as exc:
        if exc.code == "invalid":
            return _render_certify(election, form, translate_error(exc), exc.status)
        return _render_page(election, error=translate_error(exc), status=exc.status)
    flash(_("Wyniki zatwierdzone. Skład Rady jest publiczny."), "success")
    return redirect(url_for("council.page", election_id=election.id))


# --- documents and the public results -----------------------------------------------------


@bp.route("/council/<int:election_id>/protocol.pdf")
@roles_required(*STAFF)
def protocol(election_id: int) -> Any:
    election = election_or_404(election_id)
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
        vacancies=vacancies_of(db.session, election),
        seat_labels=SEAT_LABELS,
        has_record=record.has_record(db.session, election),
        **template_globals(),
    )
