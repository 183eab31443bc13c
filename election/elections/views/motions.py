"""Pages of the motion approving the Regulamin: the chair's page (open, paper votes,
close) and a rep's vote online."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from election import transaction
from election.access import STAFF, Role, roles_required
from election.auth.access import current_actor
from election.elections import motions, regulamin, roll
from election.elections.forms import MotionVoteForm, PaperVoteForm
from election.elections.models import Election, Motion, MotionChoice, MotionStatus
from election.elections.views import bp, election_or_404, labels
from election.errors import DomainError
from election.extensions import db
from election.forms import choices
from election.labels import GROUP_LABELS_ONE
from election.web import act, confirmed, translate_error


def _paper_form(election: Election, motion_id: int | None) -> PaperVoteForm:
    form = PaperVoteForm()
    voted = (
        {v.partner_id for v in motions.motion_votes(db.session, motion_id)}
        if motion_id is not None
        else set()
    )
    # No Partner preselected: the chair must pick one, never record for the first by mistake.
    form.partner_id.choices = choices(
        [(0, _("— wybierz Partnera —"))]
        + [
            (p.id, f"{p.name} ({GROUP_LABELS_ONE[p.group]})")
            for p in motions.motion_voters(db.session, election)
            if p.id not in voted
        ]
    )
    return form


def _motion_page(election: Election, paper_form: PaperVoteForm, status: int = 200) -> Any:
    all_motions = motions.motions(db.session, election)
    current = all_motions[0] if all_motions else None
    votes = motions.motion_votes(db.session, current.id) if current else []
    return render_template(
        "elections/motion.html",
        election=election,
        rules=regulamin.get_rules(db.session, election),
        motion=current,
        past=all_motions[1:],
        votes=votes,
        counts=motions.motion_counts(db.session, current.id) if current else {},
        voters=len(motions.motion_voters(db.session, election)),
        paper_form=paper_form,
        MotionStatus=MotionStatus,
        **labels(),
    ), status


@bp.route("/elections/<int:election_id>/motion")
@roles_required(*STAFF)
def motion(election_id: int) -> Any:
    election = election_or_404(election_id)
    current = motions.open_motion(db.session, election)
    return _motion_page(election, _paper_form(election, current.id if current else None))


@bp.route("/elections/<int:election_id>/motion/open", methods=["POST"])
@roles_required(Role.CHAIR)
def motion_open(election_id: int) -> Any:
    election = election_or_404(election_id)
    return act(
        motions.open_rules_motion,
        current_actor(),
        election,
        back=url_for("elections.motion", election_id=election_id),
        done=_("Otwarto głosowanie nad uchwałą."),
    )


def _election_motion(election: Election, motion_id: int) -> Motion:
    """The motion of the path if it belongs to the election, or a 404."""
    try:
        motion = motions.get_motion(db.session, motion_id)
    except DomainError:
        abort(404)
    if motion.election_id != election.id:
        abort(404)
    return motion


@bp.route("/elections/<int:election_id>/motion/<int:motion_id>/paper", methods=["POST"])
@roles_required(Role.CHAIR)
def motion_paper(election_id: int, motion_id: int) -> Any:
    election = election_or_404(election_id)
    _election_motion(election, motion_id)
    form = _paper_form(election, motion_id)
    valid = form.validate_on_submit()
    if valid and not form.partner_id.data:
        form.partner_id.errors = [*form.partner_id.errors, _("Wybierz Partnera.")]
    elif valid:
        try:
            vote = transaction.run(
                motions.vote_on_paper,
                current_actor(),
                motion_id,
                partner_id=form.partner_id.data,
                choice=MotionChoice(form.choice.data),
            )
        except DomainError as exc:
            form.partner_id.errors = [*form.partner_id.errors, translate_error(exc)]
        else:
            name = vote.partner.name
            flash(_("Zapisano głos Partnera %(name)s (na papierze).", name=name), "success")
            return redirect(url_for("elections.motion", election_id=election_id))
        # The choices were read before the failed vote; read them again.
        form.partner_id.choices = _paper_form(election, motion_id).partner_id.choices
    return _motion_page(election, form, 400)


@bp.route("/elections/<int:election_id>/motion/<int:motion_id>/close", methods=["POST"])
@roles_required(Role.CHAIR)
def motion_close(election_id: int, motion_id: int) -> Any:
    election = election_or_404(election_id)
    _election_motion(election, motion_id)
    if not confirmed():
        flash(_("Zaznacz potwierdzenie, aby zamknąć głosowanie nad uchwałą."), "error")
        return redirect(url_for("elections.motion", election_id=election_id), 303)
    try:
        closed = transaction.run(motions.close_motion, current_actor(), motion_id)
    except DomainError as exc:
        flash(translate_error(exc), "error")
    else:
        if closed.adopted:
            flash(_("Głosowanie zamknięte: uchwała została przyjęta."), "success")
        else:
            flash(_("Głosowanie zamknięte: uchwała nie została przyjęta."), "warning")
    return redirect(url_for("elections.motion", election_id=election_id))


@bp.route("/elections/<int:election_id>/motion/vote", methods=["GET", "POST"])
@roles_required(Role.PARTNER_REP)
def motion_vote(election_id: int) -> Any:
    election = election_or_404(election_id)
    current = motions.open_motion(db.session, election)
    partner = current_user.partner
    form = MotionVoteForm()
    if request.method == "GET":
        form.partner_id.data = str(partner.id)
    error = None
    error_status = 200
    if request.method == "POST":
        if current is None:
            error, error_status = _("Nie trwa żadne głosowanie nad uchwałą."), 409
        elif form.validate_on_submit():
            try:
                claimed = int(form.partner_id.data or 0)
            except ValueError:
                claimed = 0
            try:
                transaction.run(
                    motions.vote_online,
                    current_actor(),
                    current.id,
                    rep_partner_id=current_user.partner_id,
                    partner_id=claimed,
                    choice=MotionChoice(form.choice.data),
                )
            except DomainError as exc:
                error, error_status = translate_error(exc), exc.status
            else:
                flash(_("Twój głos został zapisany."), "success")
                return redirect(url_for("elections.motion_vote", election_id=election_id))
        form.partner_id.data = str(partner.id)
    vote = motions.partner_vote(db.session, current.id, partner.id) if current else None
    status = 400 if form.errors else error_status
    return render_template(
        "elections/motion_vote.html",
        election=election,
        motion=current,
        rules=regulamin.get_rules(db.session, election),
        vote=vote,
        partner=partner,
        form=form,
        error=error,
        eligible=roll.is_eligible(db.session, election, partner.id),
        **labels(),
    ), status
