"""The Council over its term: the staff's page (who sits now, the open seats, the
history), the end of a mandate, the announcement of a by-election; and the public page
of the current Council and its history."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from election import transaction
from election.access import STAFF, Role, roles_required
from election.auth.access import current_actor
from election.council import by_elections, term
from election.council.forms import ByElectionForm, MandateEndForm
from election.council.models import MandateEndReason
from election.council.term import REASON_LABELS, CouncilTerm, Tenure
from election.council.views import bp, election_or_404, group_or_404
from election.elections.models import PHASE_LABELS, Election
from election.elections.rules import warsaw_to_utc
from election.elections.service import ByElectionData
from election.errors import DomainError, NotFound
from election.extensions import db
from election.labels import GROUP_LABELS, SEAT_LABELS
from election.web import translate_error

#: A group's code in a path (any other word is a 404: :func:`group_or_404`).
GROUP = "<group>"


def _term_or_404(election: Election) -> CouncilTerm:
    try:
        return term.council_term(db.session, election)
    except NotFound:
        abort(404)


def _common(council: CouncilTerm) -> dict[str, Any]:
    day = term.today()
    return {
        "council": council,
        "day": day,
        "running": council.running(day),
        "current": council.members_on(day),
        "history": council.history(),
        "open_seats": council.open_seats(day),
        "to_fill": council.to_fill(day),
        "open_places": [
            (seat, slot, _last_holder(council, seat.value, slot))
            for seat, slot in council.open_places(day)
        ],
        "seat_labels": SEAT_LABELS,
        "group_labels": GROUP_LABELS,
        "reason_labels": REASON_LABELS,
        "phase_labels": PHASE_LABELS,
    }


def _last_holder(council: CouncilTerm, seat: str, slot: int) -> Tenure | None:
    """The last holder of an appointed place: a successor replaces their appointment."""
    held = [t for t in council.tenures if t.member.seat == seat and t.slot == slot]
    return max(held, key=lambda t: t.since) if held else None


@bp.route("/council/<int:election_id>/term")
@roles_required(*STAFF)
def term_page(election_id: int) -> Any:
    election = election_or_404(election_id)
    council = _term_or_404(election)
    if council.election.id != election.id:
        return redirect(url_for("council.term_page", election_id=council.election.id))
    return render_template(
        "council/term.html",
        election=election,
        is_admin=current_user.role == Role.ADMIN,
        **_common(council),
    )


@bp.route("/council/<int:election_id>/term/<ref>/end", methods=["GET", "POST"])
@roles_required(*STAFF)
def end_mandate(election_id: int, ref: str) -> Any:
    election = election_or_404(election_id)
    council = _term_or_404(election)
    try:
        tenure = council.find(ref)
    except NotFound:
        abort(404)
    form = MandateEndForm()
    if request.method == "GET":
        form.ended_on.data = term.today()
        form.reason.data = MandateEndReason.RESIGNATION.value
    error = None
    if form.validate_on_submit():
        try:
            transaction.run(
                term.end_mandate,
                current_actor(),
                election,
                ref,
                form.ended_on.data,
                MandateEndReason(form.reason.data),
                form.note.data or "",
            )
        except DomainError as exc:
            error = translate_error(exc)
        else:
            flash(
                _(
                    "Zapisano wygaśnięcie mandatu: %(name)s. Miejsce jest wolne.",
                    name=tenure.member.name,
                ),
                "success",
            )
            return redirect(url_for("council.term_page", election_id=council.election.id))
    status = 400 if form.errors else (409 if error else 200)
    return render_template(
        "council/mandate_end.html",
        election=election,
        tenure=tenure,
        form=form,
        error=error,
        seat_labels=SEAT_LABELS,
    ), status


@bp.route(f"/council/<int:election_id>/term/by-elections/{GROUP}", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def by_election(election_id: int, group: str) -> Any:
    election = election_or_404(election_id)
    council = _term_or_404(election)
    the_group = group_or_404(group)
    form = ByElectionForm()
    if request.method == "GET":
        form.title.data = by_elections.default_title(council.election, the_group)
        form.cutoff_date.data = term.today()
    error = None
    if form.validate_on_submit():
        deadline = form.nomination_deadline.data
        data = ByElectionData(
            title=form.title.data,
            cutoff_date=form.cutoff_date.data,
            meeting_date=form.meeting_date.data,
            meeting_place=form.meeting_place.data or "",
            nomination_deadline=warsaw_to_utc(deadline) if deadline else None,
        )
        try:
            created = transaction.run(
                by_elections.announce, current_actor(), council.election, the_group, data
            )
        except DomainError as exc:
            error = translate_error(exc)
        else:
            flash(
                _(
                    "Utworzono wybory uzupełniające (miejsca do obsadzenia: %(seats)s). "
                    "Prowadzi się je jak każde wybory: zgłoszenia, lista, głosowanie, "
                    "zatwierdzenie.",
                    seats=created.seats_for(the_group),
                ),
                "success",
            )
            return redirect(url_for("elections.show", election_id=created.id))
    status = 400 if form.errors else (409 if error else 200)
    return render_template(
        "council/by_election.html",
        election=council.election,
        group=the_group,
        seats=council.to_fill(term.today())[the_group],
        form=form,
        error=error,
        group_labels=GROUP_LABELS,
    ), status


@bp.route("/public/elections/<int:election_id>/council")
def public_council(election_id: int) -> Any:
    """The current Council and its history, for anyone, once it is certified."""
    election = election_or_404(election_id)
    council = _term_or_404(election)
    if council.election.id != election.id:
        return redirect(url_for("council.public_council", election_id=council.election.id))
    return render_template("council/public_council.html", election=election, **_common(council))
