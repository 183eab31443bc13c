"""Nominations (partner reps and the admin), their review, publication, and the public list."""

from __future__ import annotations

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
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException

from election import transaction
from election.access import STAFF, Role, roles_required
from election.auth.access import current_actor
from election.auth.models import User
from election.candidates import nominations, published, review, rules
from election.candidates.forms import STATUS_LABELS, ConfirmForm, NominationForm, RejectForm
from election.candidates.models import Candidate, CandidateStatus
from election.elections.models import PHASE_LABELS, Election, Phase
from election.elections.service import get_election, list_elections
from election.errors import DomainError, NotFound
from election.extensions import db
from election.labels import GROUP_LABELS
from election.web import act, confirmed, translate_error

bp = Blueprint("candidates", __name__)

#: Ids in paths, bounded to the database's integer: a longer number is a 404, not a
#: database error. ``E`` is an election's id, ``C`` a candidate's.
E = f"<int(max={nominations.MAX_ID}):election_id>"
C = f"<int(max={nominations.MAX_ID}):candidate_id>"


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
    elections = list_elections(db.session)
    if current_user.role == Role.PARTNER_REP:
        elections = [e for e in elections if e.announced]
    windows = {e.id: nominations.nomination_window(e) for e in elections}
    return render_template(
        "candidates/index.html", elections=elections, windows=windows, **_common()
    )


@bp.route(f"/candidates/{E}/")
@roles_required(Role.ADMIN, Role.CHAIR, Role.PARTNER_REP)
def election(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    window = nominations.nomination_window(election)
    if current_user.role == Role.PARTNER_REP:
        if not election.announced:
            abort(404)
        mine = nominations.nominations_of_partner(db.session, election, current_user.partner_id)
        return render_template(
            "candidates/mine.html",
            election=election,
            window=window,
            nominations=mine,
            form=ConfirmForm(),
            **_common(),
        )
    return render_template(
        "candidates/election.html",
        election=election,
        window=window,
        groups=nominations.nominations_by_group(db.session, election),
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
    if not as_admin and (user.partner is None or not election.announced):
        abort(404)
    form = NominationForm()
    group = None if as_admin else user.partner.group  # type: ignore[union-attr]
    form.set_partners(nominations.nominable_partners(db.session, group), with_groups=as_admin)
    window = nominations.nomination_window(election)
    error: str | None = None
    status = 200
    if form.validate_on_submit():
        scan, filename = _read_scan(form)
        nomination = nominations.Nomination(
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
                candidate = transaction.run(
                    nominations.nominate_as_admin,
                    current_actor(),
                    election,
                    nomination,
                    admin=user,
                )
            else:
                candidate = transaction.run(
                    nominations.nominate_as_rep, current_actor(), user, election, nomination
                )
        except DomainError as exc:
            message = translate_error(exc)
            field_name = getattr(exc, "field", None)
            if field_name and field_name in form:
                form[field_name].errors = [*form[field_name].errors, message]
            else:
                error = message
            status = exc.status
        else:
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
        candidate = nominations.get_candidate(db.session, election, candidate_id)
    except NotFound:
        abort(404)
    if current_user.role in STAFF:
        return candidate
    if not review.can_withdraw(_user(), candidate):
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
        can_withdraw=review.can_withdraw(_user(), candidate),
        **_common(),
    )


def _button(election_id: int, candidate_id: int, action: Any, *args: Any, done: Any) -> Any:
    """Answer a button on a nomination: run ``action`` at the edge (:func:`act`), back to
    the election's page. A nomination that does not exist (in this election) is a 404."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    election = get_election(db.session, election_id)
    try:
        nominations.get_candidate(db.session, election, candidate_id)
    except NotFound:
        abort(404)
    return act(
        action,
        current_actor(),
        *args,
        election,
        candidate_id,
        back=url_for("candidates.election", election_id=election_id),
        done=done,
    )


@bp.route(f"/candidates/{E}/{C}/verify", methods=["POST"])
@roles_required(Role.ADMIN)
def verify(election_id: int, candidate_id: int) -> Any:
    return _button(
        election_id,
        candidate_id,
        review.verify,
        done=lambda c: _("Zweryfikowano zgłoszenie: %(name)s.", name=c.full_name),
    )


@bp.route(f"/candidates/{E}/{C}/withdraw", methods=["POST"])
@roles_required(Role.ADMIN, Role.PARTNER_REP)
def withdraw(election_id: int, candidate_id: int) -> Any:
    return _button(
        election_id,
        candidate_id,
        review.withdraw,
        _user(),
        done=lambda c: _("Wycofano zgłoszenie: %(name)s.", name=c.full_name),
    )


@bp.route(f"/candidates/{E}/{C}/reject", methods=["POST"])
@roles_required(Role.ADMIN)
def reject(election_id: int, candidate_id: int) -> Any:
    election = get_election(db.session, election_id)
    candidate = _candidate_for(election, candidate_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            transaction.run(
                review.reject, current_actor(), election, candidate_id, form.reason.data
            )
        except DomainError as exc:
            if getattr(exc, "field", None) == "reason":
                form.reason.errors = [*form.reason.errors, translate_error(exc)]
            else:
                flash(translate_error(exc), "error")
                return _election_page(election_id)
        else:
            flash(_("Odrzucono zgłoszenie: %(name)s.", name=candidate.full_name), "success")
            return _election_page(election_id)
    candidate = nominations.get_candidate(db.session, election, candidate_id)
    return (
        render_template(
            "candidates/detail.html",
            election=election,
            candidate=candidate,
            reject_form=form,
            list_open=election.phase == Phase.NOMINATIONS,
            can_withdraw=review.can_withdraw(_user(), candidate),
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
    if not ConfirmForm().validate_on_submit():
        abort(400)
    election = get_election(db.session, election_id)
    if not confirmed():
        flash(_("Zaznacz potwierdzenie, aby opublikować listę kandydatów."), "error")
        return redirect(url_for("candidates.election", election_id=election_id), 303)
    return act(
        published.publish_list,
        current_actor(),
        election,
        back=url_for("candidates.election", election_id=election_id),
        done=lambda counts: _(
            "Opublikowano listę kandydatów (%(total)s osób). Lista jest zablokowana; "
            "trafi też do kursu na platformie LMS.",
            total=sum(counts.values()),
        ),
    )


# --- public pages -------------------------------------------------------------------------

#: Public documents of an election, listed on the public index once the election's phase
#: makes them public and the app serves the path (other features add the results and the
#: protocol): (path template, label, which ``Election`` property makes it public).
PUBLIC_DOCUMENTS: list[tuple[str, Any, str]] = [
    ("/public/elections/{id}/results", _l("Wyniki wyborów i skład Rady"), "results_public"),
    ("/api/v1/elections/{id}/candidates", _l("Lista kandydatów (JSON)"), "candidates_public"),
    ("/api/v1/elections/{id}/results", _l("Wyniki (JSON)"), "results_public"),
    (
        "/api/v1/elections/{id}/receipts",
        _l("Kody pokwitowań policzonych głosów (JSON)"),
        "results_public",
    ),
    ("/api/v1/elections/{id}/protocol.pdf", _l("Protokół (PDF)"), "certified"),
    ("/public/elections/{id}/council", _l("Rada: obecny skład i historia"), "certified"),
]


def _served(path: str) -> bool:
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(path, method="GET")
    except HTTPException:
        return False
    return True


def _public_links(election: Election) -> list[tuple[str, Any]]:
    links: list[tuple[str, Any]] = []
    if election.candidates_public:
        links.append(
            (url_for("candidates.public_list", election_id=election.id), _("Lista kandydatów"))
        )
    for template, label, visible in PUBLIC_DOCUMENTS:
        path = template.format(id=election.id)
        if getattr(election, visible) and _served(path):
            links.append((path, label))
    return links


@bp.route("/public/elections")
def public_index() -> Any:
    elections = [e for e in list_elections(db.session) if e.announced]
    return render_template(
        "candidates/public_index.html",
        elections=elections,
        links={e.id: _public_links(e) for e in elections},
        **_common(),
    )


@bp.route(f"/public/elections/{E}/candidates")
def public_list(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    groups = published.published_list(db.session, election)
    return render_template(
        "candidates/public_list.html", election=election, groups=groups, **_common()
    )
