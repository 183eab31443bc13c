"""The chair's pages: the rounds of an election (create, open, close). Paper ballots are
:mod:`.paper`'s."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from election import transaction
from election.access import STAFF, roles_required
from election.auth.access import current_actor
from election.elections.models import Election
from election.elections.regulamin import rules_adopted
from election.elections.service import get_election
from election.errors import DomainError, ValidationFailed
from election.extensions import db
from election.labels import GROUP_LABELS
from election.voting import close_plan, rounds
from election.voting.forms import ChairActionForm, CloseRoundForm, PlanCloseForm
from election.voting.models import RoundStatus
from election.voting.turnout import round_turnout, voters
from election.voting.views import ELECTION, ROUND, bp
from election.voting.views.countdown import clock_text
from election.web import act, safe_target, translate_error


def _chair_url(election: Election) -> str:
    """Where a button of the chair goes back to: its form's ``next`` (a page of this
    site, e.g. the dashboard the button was pressed on), else the chair's page."""
    return safe_target(request.form.get("next"), url_for("voting.chair", election_id=election.id))


@bp.route(f"/voting/{ELECTION}/chair")
@roles_required(*STAFF)
def chair(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    grouped = rounds.rounds_by_group(db.session, election)
    groups = []
    for group, found in grouped.items():
        latest = found[-1] if found else None
        groups.append(
            {
                "group": group,
                "rounds": [(r, round_turnout(db.session, r)) for r in found],
                "latest": latest,
                "voters": voters(db.session, latest) if latest else [],
            }
        )
    return render_template(
        "voting/chair.html",
        election=election,
        groups=groups,
        rules_adopted=rules_adopted(db.session, election),
        any_pending=any(r.status == RoundStatus.PENDING for rs in grouped.values() for r in rs),
        missing=[g for g, rs in grouped.items() if not rs],
        opened={r.id for rs in grouped.values() for r in rs if r.box_opened_at is not None},
        action_form=ChairActionForm(),
        close_form=CloseRoundForm(),
    )


def _warning(message: str) -> None:
    """Flash ``message`` as a warning; :func:`act` then flashes nothing more."""
    flash(message, "warning")


def _chair_action(
    election: Election, action: Callable[..., Any], *args: Any, done: Callable[[Any], Any]
) -> Any:
    """A button of the chair's page: run ``action`` at the edge, back to the page."""
    if not ChairActionForm().validate_on_submit():
        abort(400)
    return act(action, current_actor(), *args, back=_chair_url(election), done=done)


@bp.route(f"/voting/{ELECTION}/chair/rounds", methods=["POST"])
@roles_required(*STAFF)
def create_rounds(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    return _chair_action(
        election,
        rounds.create_rounds,
        election,
        done=lambda created: (
            ngettext("Przygotowano %(num)d turę.", "Przygotowano %(num)d tury.", len(created))
            if created
            else _warning(
                _(
                    "Nie przygotowano żadnej tury: już istnieją albo brak zweryfikowanych"
                    " kandydatów."
                )
            )
        ),
    )


@bp.route(f"/voting/{ELECTION}/chair/open-all", methods=["POST"])
@roles_required(*STAFF)
def open_all(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    return _chair_action(
        election,
        rounds.open_all,
        election,
        done=lambda opened: (
            ngettext("Otwarto %(num)d turę.", "Otwarto %(num)d tury.", len(opened))
            if opened
            else _warning(_("Nie ma tur oczekujących na otwarcie."))
        ),
    )


@bp.route(f"/voting/{ELECTION}/chair/rounds/{ROUND}/open", methods=["POST"])
@roles_required(*STAFF)
def open_round(election_id: int, round_id: int) -> Any:
    election = get_election(db.session, election_id)
    round_ = rounds.get_round(db.session, round_id, election.id)
    return _chair_action(
        election,
        rounds.open_round,
        round_,
        done=lambda r: _(
            "Otwarto turę %(number)s (%(group)s).", number=r.number, group=GROUP_LABELS[r.group]
        ),
    )


@bp.route(f"/voting/{ELECTION}/chair/rounds/{ROUND}/close", methods=["POST"])
@roles_required(*STAFF)
def close_round(election_id: int, round_id: int) -> Any:
    election = get_election(db.session, election_id)
    round_ = rounds.get_round(db.session, round_id, election.id)
    if not CloseRoundForm().validate_on_submit():
        flash(_("Zaznacz potwierdzenie, aby zamknąć turę."), "error")
        return redirect(_chair_url(election), 303)
    return act(
        rounds.close_round,
        current_actor(),
        round_,
        back=_chair_url(election),
        done=lambda r: _(
            "Zamknięto turę %(number)s (%(group)s).",
            number=r.number,
            group=GROUP_LABELS[r.group],
        ),
    )


@bp.route(f"/voting/{ELECTION}/chair/rounds/{ROUND}/planned-close", methods=["GET", "POST"])
@roles_required(*STAFF)
def plan_close(election_id: int, round_id: int) -> Any:
    """Set or clear the planned closing time of a pending or open round (a time today,
    Warsaw). The dashboard posts here; a refusal shows this page again with the
    message (4xx), nothing changed."""
    election = get_election(db.session, election_id)
    round_ = rounds.get_round(db.session, round_id, election.id)
    form = PlanCloseForm()
    back = safe_target(request.values.get("next"), url_for("voting.chair", election_id=election.id))
    if request.method == "GET" and round_.planned_close_at is not None:
        form.at.data = clock_text(round_.planned_close_at)
    error, status = None, 200
    if form.validate_on_submit():
        when = None
        try:
            if not request.form.get("clear"):
                when = close_plan.today_at(close_plan.parse_clock(form.at.data))
        except ValidationFailed as exc:  # not a time: the field says so
            error, status = translate_error(exc), exc.status
            form.at.errors = [error]
        else:
            try:
                transaction.run(close_plan.plan_close, current_actor(), round_, when)
            except DomainError as exc:
                error, status = translate_error(exc), exc.status
        if error is None:
            labels = {"number": round_.number, "group": GROUP_LABELS[round_.group]}
            if when is None:
                flash(
                    _("Usunięto planowane zamknięcie tury %(number)s (%(group)s).", **labels),
                    "success",
                )
            else:
                flash(
                    _(
                        "Planowane zamknięcie tury %(number)s (%(group)s): %(time)s.",
                        time=clock_text(when),
                        **labels,
                    ),
                    "success",
                )
            return redirect(back, 303)
    elif form.errors:
        status = 400
    return (
        render_template(
            "voting/plan_close.html",
            election=election,
            round=round_,
            form=form,
            error=error,
            back=back,
        ),
        status,
    )
