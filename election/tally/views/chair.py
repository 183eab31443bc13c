"""The chair's actions after a count (runoff, repeat, lots), closing the voting, and the
admin's projector link. Every change goes through the transaction edge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from election import transaction
from election.access import STAFF, Role, roles_required
from election.auth.access import current_actor
from election.errors import DomainError, NotFound
from election.extensions import db
from election.tally import closing, counting, projector
from election.tally.display import template_globals
from election.tally.forms import ActionForm, LotsForm
from election.tally.results import results
from election.tally.views import bp, election_or_404
from election.voting.rounds import get_round
from election.web import act, confirmed, safe_target, translate_error


def _dashboard_url(election_id: int) -> str:
    return url_for("meeting.dashboard", election_id=election_id)


def _back(default: str) -> str:
    """Where a button goes back to: its form's ``next`` (a page of this site, e.g. the
    chair's dashboard the button was pressed on), else ``default``."""
    return safe_target(request.form.get("next"), default)


def _unconfirmed(election_id: int, message: str) -> Any:
    """Back without acting: the tick of an irreversible action is missing."""
    election = election_or_404(election_id)
    flash(message, "error")
    return redirect(_back(_dashboard_url(election.id)), 303)


def _round_action(
    election_id: int, round_id: int, action: Callable[..., Any], done: Callable[[Any], str]
) -> Any:
    """A button on a round of the dashboard: run ``action`` on it, back to the dashboard."""
    election = election_or_404(election_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = _back(_dashboard_url(election.id))
    try:
        round_ = get_round(db.session, round_id, election.id)
    except NotFound as exc:
        flash(translate_error(exc), "error")
        return redirect(back, 303)
    return act(action, current_actor(), round_, back=back, done=done)


@bp.route("/results/<int:election_id>/rounds/<int:round_id>/runoff", methods=["POST"])
@roles_required(*STAFF)
def runoff(election_id: int, round_id: int) -> Any:
    return _round_action(
        election_id,
        round_id,
        counting.open_runoff,
        lambda r: _(
            "Utworzono dogrywkę (tura %(number)s). Otwórz ją przyciskiem „Otwórz turę” "
            "w panelu przewodniczącego.",
            number=r.number,
        ),
    )


@bp.route("/results/<int:election_id>/rounds/<int:round_id>/repeat", methods=["POST"])
@roles_required(*STAFF)
def repeat(election_id: int, round_id: int) -> Any:
    return _round_action(
        election_id,
        round_id,
        counting.repeat_round,
        lambda r: _(
            "Utworzono powtórną turę (tura %(number)s). Otwórz ją przyciskiem „Otwórz turę” "
            "w panelu przewodniczącego.",
            number=r.number,
        ),
    )


@bp.route("/results/<int:election_id>/rounds/<int:round_id>/draw", methods=["POST"])
@roles_required(*STAFF)
def draw(election_id: int, round_id: int) -> Any:
    if not confirmed():
        return _unconfirmed(
            election_id, _("Zaznacz potwierdzenie, aby rozstrzygnąć remis losowaniem.")
        )
    return _round_action(
        election_id,
        round_id,
        counting.draw_lots,
        lambda d: _("Aplikacja rozlosowała miejsca; ziarno losowania: %(seed)s.", seed=d.seed),
    )


@bp.route("/results/<int:election_id>/rounds/<int:round_id>/lots", methods=["GET", "POST"])
@roles_required(*STAFF)
def lots(election_id: int, round_id: int) -> Any:
    """Record lots drawn in the room: who drew, the winners, a note."""
    election = election_or_404(election_id)
    try:
        round_ = get_round(db.session, round_id, election.id)
    except NotFound:
        abort(404)
    group = results(db.session, election).groups[round_.group]
    view = next(v for v in group.rounds if v.round.id == round_.id)
    form = LotsForm()
    form.winners.choices = [(c.id, c.full_name) for c in view.standing_tied]
    error = None
    if form.validate_on_submit():
        try:
            transaction.run(
                counting.record_lots,
                current_actor(),
                round_,
                form.drawn_by.data,
                list(form.winners.data or []),
                form.note.data or "",
            )
        except DomainError as exc:
            error = translate_error(exc)
        else:
            flash(_("Zapisano wynik losowania."), "success")
            return redirect(_dashboard_url(election.id), 303)
    status = 400 if form.errors or error else 200
    return (
        render_template(
            "tally/lots.html",
            election=election,
            view=view,
            group=group,
            form=form,
            error=error,
            **template_globals(),
        ),
        status,
    )


# --- closing the voting ---------------------------------------------------------------------


@bp.route("/elections/<int:election_id>/close-voting", methods=["POST"])
@roles_required(*STAFF)
def close_voting(election_id: int) -> Any:
    """voting → closed (the button on the election's page); back to that page."""
    election = election_or_404(election_id)
    if not confirmed():
        flash(_("Zaznacz potwierdzenie, aby zakończyć głosowanie."), "error")
        return redirect(_back(url_for("elections.show", election_id=election.id)), 303)
    return act(
        closing.close_voting,
        current_actor(),
        election,
        back=_back(url_for("elections.show", election_id=election.id)),
        done=_("Zakończono głosowanie."),
    )


# --- the projector link (admin) -------------------------------------------------------------


@bp.route("/results/<int:election_id>/projector/link", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def projector_link(election_id: int) -> Any:
    election = election_or_404(election_id)
    form = ActionForm()
    back = url_for("tally.projector_link", election_id=election.id)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if request.form.get("action") == "disable":
            return act(
                projector.disable_projector,
                current_actor(),
                election,
                back=back,
                done=_("Link do widoku projektora został wyłączony."),
            )
        return act(
            projector.enable_projector,
            current_actor(),
            election,
            back=back,
            done=_("Utworzono nowy link do widoku projektora; poprzedni przestał działać."),
        )
    link = (
        url_for(
            "meeting.projector",
            election_id=election.id,
            token=election.projector_token,
            _external=True,
        )
        if election.projector_token
        else None
    )
    return render_template("tally/projector_link.html", election=election, link=link, form=form)
