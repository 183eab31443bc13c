"""Pages of elections: the list, the settings form, the election's page, phase moves and
the voter roll."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from election import transaction
from election.access import STAFF, Role, roles_required
from election.auth.access import current_actor
from election.elections import motions, regulamin, roll, service
from election.elections.forms import ElectionForm, StartVotingForm
from election.elections.models import (
    BallotBoxKey,
    BallotOrder,
    Custody,
    MajorityRule,
    Phase,
    RulesStatus,
    TieRule,
)
from election.elections.rules import utc_to_warsaw, warsaw_to_utc
from election.elections.views import READERS, bp, election_or_404, labels, optional_url
from election.errors import DomainError
from election.extensions import db
from election.web import act, confirmed, translate_error


@bp.route("/elections")
@roles_required(*READERS)
def index() -> Any:
    elections = service.list_elections(db.session)
    if current_user.role == Role.PARTNER_REP:
        # A rep sees what concerns it: Regulamins sent and motions to vote on.
        items = []
        for election in elections:
            rules = regulamin.get_rules(db.session, election)
            motion = motions.open_motion(db.session, election)
            if (rules is None or rules.status == RulesStatus.DRAFT) and motion is None:
                continue
            voted = (
                motions.partner_vote(db.session, motion.id, current_user.partner_id)
                if motion is not None
                else None
            )
            items.append((election, rules, motion, voted))
        return render_template("elections/rep_index.html", items=items, **labels())
    return render_template("elections/index.html", elections=elections, **labels())


def _settings(form: ElectionForm) -> service.ElectionSettings:
    deadline = form.nomination_deadline.data
    return service.ElectionSettings(
        title=form.title.data,
        term=form.term.data or "",
        meeting_date=form.meeting_date.data,
        meeting_place=form.meeting_place.data or "",
        cutoff_date=form.cutoff_date.data,
        seats_gmina=form.seats_gmina.data,
        seats_powiat=form.seats_powiat.data,
        seats_miasto_npp=form.seats_miasto_npp.data,
        leader_seats=form.leader_seats.data,
        scsi_seats=form.scsi_seats.data,
        secret=form.secret.data,
        tie_rule=TieRule(form.tie_rule.data),
        ballot_order=BallotOrder(form.ballot_order.data),
        majority_rule=MajorityRule(form.majority_rule.data),
        nomination_deadline=warsaw_to_utc(deadline) if deadline else None,
        quorum_percent=form.quorum_percent.data,
        quorum_waived_from=form.quorum_waived_from.data,
    )


@bp.route("/elections/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new() -> Any:
    form = ElectionForm()
    error = None
    if form.validate_on_submit():
        try:
            election = transaction.run(service.create_election, current_actor(), _settings(form))
        except DomainError as exc:
            error = translate_error(exc)
        else:
            flash(_("Utworzono wybory „%(title)s”.", title=election.title), "success")
            return redirect(url_for("elections.show", election_id=election.id))
    status = 400 if form.errors or error else 200
    return render_template(
        "elections/form.html", form=form, election=None, error=error, **labels()
    ), status


@bp.route("/elections/<int:election_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(election_id: int) -> Any:
    election = election_or_404(election_id)
    form = ElectionForm(obj=election)
    if request.method == "GET":
        form.tie_rule.data = election.tie_rule.value
        form.ballot_order.data = election.ballot_order.value
        form.majority_rule.data = election.majority_rule.value
        if election.nomination_deadline is not None:
            form.nomination_deadline.data = utc_to_warsaw(election.nomination_deadline)
    error = None
    if form.validate_on_submit():
        try:
            changes = transaction.run(
                service.update_election, current_actor(), election, _settings(form)
            )
        except DomainError as exc:
            error = translate_error(exc)
        else:
            if changes:
                flash(_("Zapisano ustawienia wyborów."), "success")
            else:
                flash(_("Nic nie zmieniono."), "info")
            return redirect(url_for("elections.show", election_id=election.id))
    status = 400 if form.errors else 409 if error else 200
    return render_template(
        "elections/form.html", form=form, election=election, error=error, **labels()
    ), status


@bp.route("/elections/<int:election_id>")
@roles_required(*STAFF)
def show(election_id: int) -> Any:
    election = election_or_404(election_id)
    links = {
        "candidates": optional_url(
            "candidates.manage", "candidates.election", election_id=election.id
        ),
        "council": optional_url("council.index", election_id=election.id),
    }
    return render_template(
        "elections/show.html",
        election=election,
        rules=regulamin.get_rules(db.session, election),
        roll_counts={
            group: len(entries) for group, entries in roll.roll(db.session, election).items()
        },
        motion=motions.open_motion(db.session, election),
        links=links,
        start_form=StartVotingForm(formdata=None),
        key=db.session.get(BallotBoxKey, election.id),
        Custody=Custody,
        Phase=Phase,
        **labels(),
    )


# --- phases (starting the vote is :mod:`.ballot_box`'s; closing it the count's) ---------------


@bp.route("/elections/<int:election_id>/open-nominations", methods=["POST"])
@roles_required(Role.ADMIN)
def open_nominations(election_id: int) -> Any:
    election = election_or_404(election_id)
    if not confirmed():
        flash(_("Zaznacz potwierdzenie, aby rozpocząć zgłaszanie kandydatów."), "error")
        return redirect(url_for("elections.show", election_id=election_id), 303)
    return act(
        service.open_nominations,
        current_actor(),
        election,
        back=url_for("elections.show", election_id=election_id),
        done=_("Rozpoczęto zgłaszanie kandydatów."),
    )


# --- the voter roll ------------------------------------------------------------------------


@bp.route("/elections/<int:election_id>/roll", endpoint="roll")
@roles_required(*STAFF)
def roll_page(election_id: int) -> Any:
    election = election_or_404(election_id)
    return render_template(
        "elections/roll.html",
        election=election,
        roll=roll.roll(db.session, election),
        **labels(),
    )
