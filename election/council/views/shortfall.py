"""A group short of candidates (dead end C), and its ways out: supplementary nominations
for its open seats — opened, entered, verified, published with a round for the open
seats — or a vacancy recorded for a by-election. The chair (or the admin) does it here,
where the Council page says the group is short."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from election import transaction
from election.access import STAFF, roles_required
from election.auth.access import current_actor
from election.candidates import nominations, supplements
from election.candidates import rules as candidate_rules
from election.candidates.forms import STATUS_LABELS, ConfirmForm, NominationForm, RejectForm
from election.candidates.models import CandidateStatus, Supplement
from election.council import supplementary, vacancies
from election.council.forms import VacancyForm
from election.council.views import bp, election_or_404, group_or_404
from election.elections.models import Election
from election.errors import DomainError, NotFound
from election.extensions import db
from election.labels import GROUP_LABELS
from election.partners.models import PartnerGroup
from election.web import act, confirmed, translate_error

#: A group's code in a path (any other word is a 404: :func:`group_or_404`).
GROUP = "<group>"


def _page(election: Election) -> str:
    return url_for("council.page", election_id=election.id)


def _supplement_page(election: Election, group: PartnerGroup) -> str:
    return url_for("council.supplement", election_id=election.id, group=group.value)


def _group_supplement(election: Election, group: PartnerGroup) -> Supplement | None:
    """The group's supplement accepting nominations, else its latest one."""
    found = [s for s in supplements.supplements_of(db.session, election) if s.group == group]
    accepting = [s for s in found if s.accepting]
    return (accepting or found[-1:] or [None])[0]


def _render(
    election: Election,
    group: PartnerGroup,
    form: NominationForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> Any:
    supplement = _group_supplement(election, group)
    if form is None:
        form = NominationForm()
    form.set_partners(nominations.nominable_partners(db.session, group), with_groups=False)
    return render_template(
        "council/supplement.html",
        election=election,
        group=group,
        supplement=supplement,
        candidates=supplements.nominations_of(db.session, supplement) if supplement else [],
        empty=vacancies.shortfall(db.session, election).get(group, 0),
        form=form,
        reject_form=RejectForm(),
        confirm=ConfirmForm(),
        error=error,
        group_labels=GROUP_LABELS,
        status_labels=STATUS_LABELS,
        Status=CandidateStatus,
    ), status


@bp.route(f"/council/<int:election_id>/supplements/{GROUP}")
@roles_required(*STAFF)
def supplement(election_id: int, group: str) -> Any:
    return _render(election_or_404(election_id), group_or_404(group))


@bp.route(f"/council/<int:election_id>/supplements/{GROUP}/open", methods=["POST"])
@roles_required(*STAFF)
def open_supplement(election_id: int, group: str) -> Any:
    election = election_or_404(election_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        transaction.run(supplementary.open_for, current_actor(), election, group_or_404(group))
    except DomainError as exc:
        flash(translate_error(exc), "error")
        return redirect(_page(election), code=303)
    flash(
        _("Otwarto zgłoszenia uzupełniające w grupie „%(group)s”.", group=GROUP_LABELS[group]),
        "success",
    )
    return redirect(_supplement_page(election, group_or_404(group)), code=303)


def _read_scan(form: NominationForm) -> tuple[bytes | None, str | None]:
    upload = form.consent_scan.data
    if not isinstance(upload, FileStorage) or not upload.filename:
        return None, None
    return upload.read(candidate_rules.MAX_SCAN_BYTES + 1), upload.filename


@bp.route(f"/council/<int:election_id>/supplements/{GROUP}/nominate", methods=["POST"])
@roles_required(*STAFF)
def supplement_nominate(election_id: int, group: str) -> Any:
    """A supplementary nomination entered by the chair or the admin on behalf of the
    candidate's Partner (handed in at the meeting)."""
    election = election_or_404(election_id)
    the_group = group_or_404(group)
    form = NominationForm()
    form.set_partners(nominations.nominable_partners(db.session, the_group), with_groups=False)
    if not form.validate_on_submit():
        return _render(election, the_group, form, status=400)
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
        candidate = transaction.run(
            nominations.nominate_as_admin, current_actor(), election, nomination
        )
    except DomainError as exc:
        message = translate_error(exc)
        field_name = getattr(exc, "field", None)
        if field_name and field_name in form:
            form[field_name].errors = [*form[field_name].errors, message]
            return _render(election, the_group, form, status=exc.status)
        return _render(election, the_group, form, error=message, status=exc.status)
    flash(
        _("Zgłoszono kandydata %(name)s; zweryfikuj zgłoszenie.", name=candidate.full_name),
        "success",
    )
    return redirect(_supplement_page(election, the_group), code=303)


def _candidate_group(election: Election, candidate_id: int) -> PartnerGroup:
    try:
        return nominations.get_candidate(db.session, election, candidate_id).group
    except NotFound:
        abort(404)


@bp.route(
    "/council/<int:election_id>/supplements/candidates/<int:candidate_id>/verify",
    methods=["POST"],
)
@roles_required(*STAFF)
def supplement_verify(election_id: int, candidate_id: int) -> Any:
    election = election_or_404(election_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    group = _candidate_group(election, candidate_id)
    return act(
        supplements.verify,
        current_actor(),
        election,
        candidate_id,
        back=_supplement_page(election, group),
        done=lambda c: _("Zweryfikowano zgłoszenie: %(name)s.", name=c.full_name),
    )


@bp.route(
    "/council/<int:election_id>/supplements/candidates/<int:candidate_id>/reject",
    methods=["POST"],
)
@roles_required(*STAFF)
def supplement_reject(election_id: int, candidate_id: int) -> Any:
    election = election_or_404(election_id)
    group = _candidate_group(election, candidate_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("Podaj powód odrzucenia zgłoszenia."), "error")
        return redirect(_supplement_page(election, group), code=303)
    return act(
        supplements.reject,
        current_actor(),
        election,
        candidate_id,
        form.reason.data,
        back=_supplement_page(election, group),
        done=lambda c: _("Odrzucono zgłoszenie: %(name)s.", name=c.full_name),
    )


def _supplement_of(election: Election, group: str) -> Supplement:
    found = _group_supplement(election, group_or_404(group))
    if found is None or not found.accepting:
        abort(404)
    return found


@bp.route(f"/council/<int:election_id>/supplements/{GROUP}/publish", methods=["POST"])
@roles_required(*STAFF)
def supplement_publish(election_id: int, group: str) -> Any:
    election = election_or_404(election_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    found = _supplement_of(election, group)
    if not confirmed():
        flash(
            _("Zaznacz potwierdzenie, aby opublikować zgłoszenia uzupełniające i utworzyć turę."),
            "error",
        )
        return redirect(_supplement_page(election, group_or_404(group)), code=303)
    return act(
        supplementary.publish,
        current_actor(),
        election,
        found,
        back=_supplement_page(election, group_or_404(group)),
        done=lambda round_: _(
            "Opublikowano zgłoszenia uzupełniające. Utworzono turę nr %(number)s dla wolnych "
            "miejsc (%(seats)s) — otwórz ją na stronie głosowania.",
            number=round_.number,
            seats=round_.seats,
        ),
    )


@bp.route(f"/council/<int:election_id>/supplements/{GROUP}/cancel", methods=["POST"])
@roles_required(*STAFF)
def supplement_cancel(election_id: int, group: str) -> Any:
    election = election_or_404(election_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    found = _supplement_of(election, group)
    return act(
        supplements.cancel,
        current_actor(),
        election,
        found,
        back=_page(election),
        done=_("Anulowano zgłoszenia uzupełniające. Możesz zapisać wakat."),
    )


# --- vacancies ----------------------------------------------------------------------------


@bp.route("/council/<int:election_id>/vacancies", methods=["POST"])
@roles_required(*STAFF)
def record_vacancy(election_id: int) -> Any:
    election = election_or_404(election_id)
    form = VacancyForm()
    if not form.validate_on_submit() or form.group.data not in GROUP_LABELS:
        flash(_("Podaj grupę i powód wakatu."), "error")
        return redirect(_page(election), code=303)
    group = PartnerGroup(form.group.data)
    return act(
        vacancies.record_vacancy,
        current_actor(),
        election,
        group,
        form.reason.data,
        back=_page(election),
        done=lambda v: _(
            "Zapisano wakat w grupie „%(group)s” (miejsca: %(seats)s). Skład Rady można "
            "zatwierdzić z wakatem; mandat obsadzą wybory uzupełniające.",
            group=GROUP_LABELS[v.group],
            seats=v.seats,
        ),
    )


@bp.route("/council/<int:election_id>/vacancies/<int:vacancy_id>/cancel", methods=["POST"])
@roles_required(*STAFF)
def cancel_vacancy(election_id: int, vacancy_id: int) -> Any:
    election = election_or_404(election_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return act(
        vacancies.cancel_vacancy,
        current_actor(),
        election,
        vacancy_id,
        back=_page(election),
        done=_("Wycofano wakat."),
    )
