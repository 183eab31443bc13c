"""The chair's corrections during the meeting, each a form with a reason: annulling a
round before it is counted, a candidate withdrawing after the list was published, a
Partner added to the frozen roll. The services are :mod:`election.tally.corrections`."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from election import transaction
from election.access import STAFF, roles_required
from election.auth.access import current_actor
from election.candidates.models import Candidate, CandidateStatus
from election.collation import polish_sort_key, polish_text_key
from election.elections import roll
from election.elections.models import Election
from election.errors import DomainError, NotFound
from election.extensions import db
from election.labels import GROUP_LABELS, group_order
from election.meeting import bp
from election.meeting.forms import AnnulForm, RollAddForm, WithdrawForm
from election.meeting.views import election_or_404
from election.partners.models import Partner
from election.tally import corrections
from election.tally.display import template_globals
from election.voting import rounds
from election.voting.models import RoundStatus
from election.web import translate_error


def _dashboard(election_id: int) -> Any:
    return redirect(url_for("meeting.dashboard", election_id=election_id), 303)


def _page(template: str, status: int, **context: Any) -> Any:
    return render_template(template, **context, **template_globals()), status


@bp.route("/results/<int:election_id>/rounds/<int:round_id>/annul", methods=["GET", "POST"])
@roles_required(*STAFF)
def annul(election_id: int, round_id: int) -> Any:
    """Annul a round before it is counted; a new round replaces it."""
    election = election_or_404(election_id)
    try:
        round_ = rounds.get_round(db.session, round_id, election.id)
    except NotFound:
        abort(404)
    form = AnnulForm()
    error = None
    if form.validate_on_submit():
        try:
            done = transaction.run(
                corrections.annul_round, current_actor(), round_, form.reason.data
            )
        except DomainError as exc:
            error = translate_error(exc)
        else:
            new = done.replacement
            if new is None:
                flash(_("Tura została unieważniona. Nie ma kandydatów do nowej tury."), "warning")
            elif new.status == RoundStatus.OPEN:
                flash(
                    _("Tura została unieważniona; otwarto turę %(number)s.", number=new.number),
                    "success",
                )
            else:
                flash(
                    _(
                        "Tura została unieważniona; tura %(number)s czeka na otwarcie.",
                        number=new.number,
                    ),
                    "success",
                )
            return _dashboard(election.id)
    return _page(
        "meeting/annul.html",
        400 if form.errors or error else 200,
        election=election,
        round=round_,
        ballots=rounds.ballot_count(db.session, round_),
        form=form,
        error=error,
    )


def _standing(election_id: int) -> list[Candidate]:
    found = db.session.scalars(
        select(Candidate).where(
            Candidate.election_id == election_id, Candidate.status == CandidateStatus.VERIFIED
        )
    )
    return sorted(found, key=lambda c: (group_order(c.group), polish_sort_key(c.full_name)))


@bp.route("/results/<int:election_id>/withdraw", methods=["GET", "POST"])
@roles_required(*STAFF)
def withdraw(election_id: int) -> Any:
    """A candidate on the published list withdraws: the rounds with them are replaced."""
    election = election_or_404(election_id)
    standing = _standing(election.id)
    form = WithdrawForm()
    form.candidate.choices = [(c.id, f"{c.full_name} ({GROUP_LABELS[c.group]})") for c in standing]
    if request.method == "GET" and request.args.get("candidate", "").isdigit():
        form.candidate.data = int(request.args["candidate"])
    error = None
    if form.validate_on_submit():
        if form.candidate.data not in {c.id for c in standing}:
            error = _("Wybierz kandydata z listy.")
        else:
            try:
                done = transaction.run(
                    corrections.withdraw_candidate,
                    current_actor(),
                    election,
                    form.candidate.data,
                    form.reason.data,
                )
            except DomainError as exc:
                error = translate_error(exc)
            else:
                flash(
                    _(
                        "Zapisano wycofanie kandydatury: %(name)s. Unieważnione tury: %(count)s.",
                        name=done.candidate.full_name,
                        count=len(done.annulments),
                    ),
                    "success",
                )
                return _dashboard(election.id)
    return _page(
        "meeting/withdraw.html",
        400 if form.errors or error else 200,
        election=election,
        form=form,
        error=error,
    )


def _off_roll(election: Election) -> list[Partner]:
    on_roll = {
        e.partner_id for entries in roll.roll(db.session, election).values() for e in entries
    }
    partners = db.session.scalars(select(Partner)).all()
    return sorted(
        (p for p in partners if p.id not in on_roll),
        key=lambda p: (group_order(p.group), polish_text_key(p.name)),
    )


@bp.route("/results/<int:election_id>/roll/add", methods=["GET", "POST"])
@roles_required(*STAFF)
def roll_add(election_id: int) -> Any:
    """Add a Partner wrongly left off the frozen roll, before its group has voted."""
    election = election_or_404(election_id)
    partners = _off_roll(election)
    form = RollAddForm()
    form.partner.choices = [
        (
            p.id,
            f"{p.name} ({p.teryt}, {GROUP_LABELS[p.group]})"
            + (
                ""
                if p.is_eligible(election.cutoff_date)
                else " — " + _("wg rejestru nieuprawniony")
            ),
        )
        for p in partners
    ]
    error = None
    if form.validate_on_submit():
        if form.partner.data not in {p.id for p in partners}:
            error = _("Wybierz Partnera z listy.")
        else:
            try:
                entry = transaction.run(
                    corrections.add_to_roll,
                    current_actor(),
                    election,
                    form.partner.data,
                    form.reason.data,
                    register_error=bool(form.register_error.data),
                )
            except DomainError as exc:
                error = translate_error(exc)
            else:
                flash(
                    _("Dopisano do spisu uprawnionych: %(name)s.", name=entry.partner_name),
                    "success",
                )
                return _dashboard(election.id)
    return _page(
        "meeting/roll_add.html",
        400 if form.errors or error else 200,
        election=election,
        form=form,
        error=error,
    )
