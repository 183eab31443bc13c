"""Nominations (partner reps and the admin), their review, publication, and the public list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException

from election.auth.access import current_actor, roles_required
from election.auth.models import Role, User
from election.candidates import rules, service
from election.candidates.forms import STATUS_LABELS, ConfirmForm, NominationForm, RejectForm
from election.candidates.models import Candidate, CandidateStatus
from election.elections.models import PHASE_LABELS, Election, Phase
from election.elections.service import get_election
from election.errors import DomainError
from election.extensions import db
from election.partners.forms import GROUP_LABELS
from election.web import translate_error

bp = Blueprint("candidates", __name__)

#: Ids in paths, bounded to the database's integer: a longer number is a 404, not a
#: database error. ``E`` is an election's id, ``C`` a candidate's.
E = f"<int(max={service.MAX_ID}):election_id>"
C = f"<int(max={service.MAX_ID}):candidate_id>"

STAFF = (Role.ADMIN, Role.CHAIR)


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _common() -> dict[str, Any]:
    return {
        "group_labels": GROUP_LABELS,
        "status_labels": STATUS_LABELS,
        "phase_labels": PHASE_LABELS,
        "Status": CandidateStatus,
    }


def _election_page(election_id: int) -> Any:
    return redirect(url_for("candidates.election", election_id=election_id))


# --- signed-in pages ----------------------------------------------------------------------


@bp.route("/candidates/")
@roles_required(Role.ADMIN, Role.CHAIR, Role.PARTNER_REP)
def index() -> Any:
    stmt = select(Election).order_by(Election.id.desc())
    if current_user.role == Role.PARTNER_REP:
        stmt = stmt.where(Election.phase != Phase.DRAFT)
    elections = db.session.scalars(stmt).all()
    windows = {e.id: service.nomination_window(e) for e in elections}
    return render_template(
        "candidates/index.html", elections=elections, windows=windows, **_common()
    )


@bp.route(f"/candidates/{E}/")
@roles_required(Role.ADMIN, Role.CHAIR, Role.PARTNER_REP)
def election(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    window = service.nomination_window(election)
    if current_user.role == Role.PARTNER_REP:
        if election.phase == Phase.DRAFT:
            abort(404)
        nominations = service.nominations_of_partner(db.session, election, current_user.partner_id)
        return render_template(
            "candidates/mine.html",
            election=election,
            window=window,
            nominations=nominations,
            published=service.is_published(election),
            form=ConfirmForm(),
            **_common(),
        )
    return render_template(
        "candidates/election.html",
        election=election,
        window=window,
        groups=service.nominations_by_group(db.session, election),
        published=service.is_published(election),
        list_open=election.phase == Phase.NOMINATIONS,
        **_common(),
    )


def _read_scan(form: NominationForm) -> tuple[bytes | None, str | None]:
    upload = form.consent_scan.data
    if not isinstance(upload, FileStorage) or not upload.filename:
        return None, None
    # One byte more than allowed is enough to know the file is too big.
    return upload.read(rules.MAX_SCAN_BYTES + 1), upload.filename


@bp.route(f"/candidates/{E}/nominate", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.PARTNER_REP)
def nominate(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    user = _user()
    as_admin = user.role == Role.ADMIN
    if not as_admin and (user.partner is None or election.phase == Phase.DRAFT):
        abort(404)
    form = NominationForm()
    group = None if as_admin else user.partner.group  # type: ignore[union-attr]
    form.set_partners(service.nominable_partners(db.session, group), with_groups=as_admin)
    window = service.nomination_window(election)
    error: str | None = None
    status = 200
    if form.validate_on_submit():
        scan, filename = _read_scan(form)
        nomination = service.Nomination(
            full_name=form.full_name.data,
            position=form.position.data,
            partner_id=int(form.partner_id.data),
            statement=form.statement.data or "",
            consent_confirmed=bool(form.consent_confirmed.data),
            consent_scan=scan,
            consent_filename=filename,
        )
        try:
            if as_admin:
                candidate = service.nominate_as_admin(
                    db.session, current_actor(), election, nomination, admin=user
                )
            else:
                candidate = service.nominate_as_rep(
                    db.session, current_actor(), user, election, nomination
                )
        except DomainError as exc:
            db.session.rollback()
            message = translate_error(exc)
            field_name = getattr(exc, "field", None)
            if field_name and field_name in form:
                form[field_name].errors = [*form[field_name].errors, message]
            else:
                error = message
            status = exc.status
        else:
            db.session.commit()
            flash(
                _(
                    "Zgłoszono kandydata %(name)s; zgłoszenie czeka na weryfikację.",
                    name=candidate.full_name,
                ),
                "success",
            )
            return _election_page(election.id)
    if form.errors and status == 200:
        status = 400
    return (
        render_template(
            "candidates/nominate.html",
            election=election,
            form=form,
            window=window,
            error=error,
            as_admin=as_admin,
            own_partner=None if as_admin else user.partner,
            **_common(),
        ),
        status,
    )


def _candidate_for(election: Election, candidate_id: int) -> Candidate:
    """The nomination, if the current user may see it (404 otherwise: no hint it exists)."""
    try:
        candidate = service.get_candidate(db.session, election, candidate_id)
    except DomainError:
        abort(404)
    if current_user.role in STAFF:
        return candidate
    if not service.can_withdraw(_user(), candidate):
        abort(404)
    return candidate


@bp.route(f"/candidates/{E}/{C}")
@roles_required(Role.ADMIN, Role.CHAIR, Role.PARTNER_REP)
def detail(election_id: int, candidate_id: int) -> Any:
    election = get_election(db.session, election_id)
    candidate = _candidate_for(election, candidate_id)
    return render_template(
        "candidates/detail.html",
        election=election,
        candidate=candidate,
        reject_form=RejectForm(),
        list_open=election.phase == Phase.NOMINATIONS,
        can_withdraw=service.can_withdraw(_user(), candidate),
        **_common(),
    )


def _act(
    election_id: int,
    action: Callable[[Election], Candidate],
    done: Callable[[Candidate], str],
) -> Any:
    """Run a button's service call: commit and flash ``done``, or flash the refusal."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    election = get_election(db.session, election_id)
    try:
        candidate = action(election)
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        flash(translate_error(exc), "error")
        return _election_page(election_id)
    db.session.commit()
    flash(done(candidate), "success")
    return _election_page(election_id)


@bp.route(f"/candidates/{E}/{C}/verify", methods=["POST"])
@roles_required(Role.ADMIN)
def verify(election_id: int, candidate_id: int) -> Any:
    return _act(
        election_id,
        lambda e: service.verify(db.session, current_actor(), e, candidate_id),
        lambda c: _("Zweryfikowano zgłoszenie: %(name)s.", name=c.full_name),
    )


@bp.route(f"/candidates/{E}/{C}/withdraw", methods=["POST"])
@roles_required(Role.ADMIN, Role.PARTNER_REP)
def withdraw(election_id: int, candidate_id: int) -> Any:
    return _act(
        election_id,
        lambda e: service.withdraw(db.session, current_actor(), _user(), e, candidate_id),
        lambda c: _("Wycofano zgłoszenie: %(name)s.", name=c.full_name),
    )


@bp.route(f"/candidates/{E}/{C}/reject", methods=["POST"])
@roles_required(Role.ADMIN)
def reject(election_id: int, candidate_id: int) -> Any:
    election = get_election(db.session, election_id)
    candidate = _candidate_for(election, candidate_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            service.reject(db.session, current_actor(), election, candidate_id, form.reason.data)
        except DomainError as exc:
            db.session.rollback()
            if getattr(exc, "field", None) == "reason":
                form.reason.errors = [*form.reason.errors, translate_error(exc)]
            else:
                flash(translate_error(exc), "error")
                return _election_page(election_id)
        else:
            db.session.commit()
            flash(_("Odrzucono zgłoszenie: %(name)s.", name=candidate.full_name), "success")
            return _election_page(election_id)
    db.session.rollback()
    candidate = service.get_candidate(db.session, election, candidate_id)
    return (
        render_template(
            "candidates/detail.html",
            election=election,
            candidate=candidate,
            reject_form=form,
            list_open=election.phase == Phase.NOMINATIONS,
            can_withdraw=service.can_withdraw(_user(), candidate),
            **_common(),
        ),
        400,
    )


@bp.route(f"/candidates/{E}/{C}/consent")
@roles_required(Role.ADMIN, Role.PARTNER_REP)
def consent_scan(election_id: int, candidate_id: int) -> Any:
    election = get_election(db.session, election_id)
    candidate = _candidate_for(election, candidate_id)
    if not candidate.consent_scan:
        abort(404)
    media_type = rules.scan_type(candidate.consent_scan) or "application/octet-stream"
    response = Response(candidate.consent_scan, mimetype=media_type)
    # Served as a download: an uploaded file is never rendered by our origin.
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{candidate.consent_scan_filename or "zgoda"}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route(f"/candidates/{E}/publish", methods=["POST"])
@roles_required(Role.ADMIN)
def publish(election_id: int) -> Any:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    election = get_election(db.session, election_id)
    try:
        counts = service.publish_list(db.session, current_actor(), election)
    except DomainError as exc:
        db.session.rollback()
        flash(translate_error(exc), "error")
        return _election_page(election_id)
    db.session.commit()
    flash(
        _(
            "Opublikowano listę kandydatów (%(total)s osób). Lista jest zablokowana; "
            "trafi też do kursu na platformie LMS.",
            total=sum(counts.values()),
        ),
        "success",
    )
    return _election_page(election_id)


# --- public pages -------------------------------------------------------------------------

#: Public documents of an election, listed on the public index once the election reaches
#: the phase and the app serves the path (other features add the results and the
#: protocol): (path template, label, phase from which it is public).
PUBLIC_DOCUMENTS: list[tuple[str, Any, Phase]] = [
    ("/public/elections/{id}/results", _l("Wyniki wyborów i skład Rady"), Phase.CLOSED),
    (
        "/api/v1/elections/{id}/candidates",
        _l("Lista kandydatów (JSON)"),
        Phase.CANDIDATES_PUBLISHED,
    ),
    ("/api/v1/elections/{id}/results", _l("Wyniki (JSON)"), Phase.CLOSED),
    (
        "/api/v1/elections/{id}/receipts",
        _l("Kody potwierdzeń policzonych głosów (JSON)"),
        Phase.CLOSED,
    ),
    ("/api/v1/elections/{id}/protocol.pdf", _l("Protokół (PDF)"), Phase.CERTIFIED),
]
_PHASE_ORDER = list(Phase)


def _served(path: str) -> bool:
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(path, method="GET")
    except HTTPException:
        return False
    return True


def _public_links(election: Election) -> list[tuple[str, Any]]:
    links: list[tuple[str, Any]] = []
    if service.is_published(election):
        links.append(
            (url_for("candidates.public_list", election_id=election.id), _("Lista kandydatów"))
        )
    reached = _PHASE_ORDER.index(election.phase)
    for template, label, phase in PUBLIC_DOCUMENTS:
        path = template.format(id=election.id)
        if reached >= _PHASE_ORDER.index(phase) and _served(path):
            links.append((path, label))
    return links


@bp.route("/public/elections")
def public_index() -> Any:
    elections = db.session.scalars(
        select(Election).where(Election.phase != Phase.DRAFT).order_by(Election.id.desc())
    ).all()
    return render_template(
        "candidates/public_index.html",
        elections=elections,
        links={e.id: _public_links(e) for e in elections},
        **_common(),
    )


@bp.route(f"/public/elections/{E}/candidates")
def public_list(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    groups = service.published_list(db.session, election)
    return render_template(
        "candidates/public_list.html", election=election, groups=groups, **_common()
    )
