"""The rep's pages: the election's rounds, the ballot, its confirmation, the cast and
the receipt (also as a small text file)."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from election import transaction
from election.access import Role, roles_required
from election.auth.access import current_actor
from election.auth.models import User
from election.elections.models import Election
from election.elections.roll import roll_entry
from election.elections.service import get_election
from election.errors import N_, AlreadyVoted, NotFound, ValidationFailed
from election.extensions import db
from election.labels import GROUP_LABELS
from election.voting import ballots, rules
from election.voting.forms import CANDIDATE_FIELD, BallotForm
from election.voting.models import Round, RoundStatus
from election.voting.rounds import get_round, rounds_by_group
from election.voting.turnout import mark_of
from election.voting.views import ELECTION, ROUND, bp, selection
from election.web import translate_error

#: The Flask session key under which a voter's own receipts are kept (round id → code),
#: so the receipt page survives a reload on the device that voted — and only there.
RECEIPTS_KEY = "voting_receipts"


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _rep_round(election_id: int, round_id: int) -> tuple[Election, Round]:
    """The election and one of its rounds of the rep's group, or 404."""
    election = get_election(db.session, election_id)
    round_ = get_round(db.session, round_id, election.id)
    partner = current_user.partner
    if partner is None or partner.group != round_.group:
        raise NotFound(N_("Nie ma takiej tury głosowania."))
    return election, round_


def _my_receipt(round_id: int) -> str | None:
    return (session.get(RECEIPTS_KEY) or {}).get(str(round_id))


@bp.route(f"/voting/{ELECTION}")
@roles_required(Role.PARTNER_REP)
def election(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    partner = current_user.partner
    rounds = rounds_by_group(db.session, election)[partner.group]
    entry = roll_entry(db.session, election.id, partner.id, partner.group)
    marks = {}
    for round_ in rounds:
        mark = mark_of(db.session, round_, partner.id)
        if mark is not None:
            marks[round_.id] = (mark, db.session.get(User, mark.cast_by_id))
    return render_template(
        "voting/election.html",
        election=election,
        partner=partner,
        on_roll=entry is not None,
        rounds=rounds,
        marks=marks,
        my_receipts={r.id for r in rounds if _my_receipt(r.id)},
    )


def _render_ballot(
    election: Election,
    round_: Round,
    form: BallotForm,
    *,
    selected: set[int] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Any:
    return (
        render_template(
            "voting/ballot.html",
            election=election,
            round=round_,
            form=form,
            partner=current_user.partner,
            candidates=ballots.ballot_for(election, round_, current_user.id),
            selected=selected or set(),
            error=error,
        ),
        status,
    )


def _voted_redirect(election: Election) -> Any:
    flash(_("Twój Partner już głosował w tej turze; głosu nie można zmienić."), "warning")
    return redirect(url_for("voting.election", election_id=election.id), 303)


def _submitted_choices(form: BallotForm) -> list[int]:
    """The checked candidates of a submitted ballot; refuses an edited Partner field."""
    if form.partner_id.data != str(current_user.partner_id):
        raise ValidationFailed(
            N_("Ta karta dotyczy innego Partnera niż Twój. Otwórz kartę ponownie i zagłosuj.")
        )
    return rules.parse_candidate_ids(request.form.getlist(CANDIDATE_FIELD))


@bp.route(f"/voting/{ELECTION}/rounds/{ROUND}", methods=["GET", "POST"])
@roles_required(Role.PARTNER_REP)
def ballot(election_id: int, round_id: int) -> Any:
    """The ballot; a POST comes back from the confirmation page to change the choice."""
    election, round_ = _rep_round(election_id, round_id)
    if round_.status != RoundStatus.OPEN:
        flash(
            _("Głosowanie w tej turze jeszcze się nie rozpoczęło.")
            if round_.status == RoundStatus.PENDING
            else _("Ta tura została zamknięta; nie można już głosować."),
            "warning",
        )
        return redirect(url_for("voting.election", election_id=election.id), 303)
    # Eligibility is checked on every step; a Partner off the roll learns it here.
    try:
        ballots.preview_ballot(db.session, _user(), round_, [])
    except AlreadyVoted:
        return _voted_redirect(election)
    form = BallotForm()
    form.partner_id.data = str(current_user.partner_id)
    selected = selection() if request.method == "POST" else set()
    return _render_ballot(election, round_, form, selected=selected)


def _ballot_again(election: Election, round_: Round, form: BallotForm, error: str) -> Any:
    """The ballot again, with the voter's marks kept and the reason it was refused."""
    form.partner_id.data = str(current_user.partner_id)
    return _render_ballot(election, round_, form, selected=selection(), error=error, status=400)


@bp.route(f"/voting/{ELECTION}/rounds/{ROUND}/confirm", methods=["POST"])
@roles_required(Role.PARTNER_REP)
def confirm(election_id: int, round_id: int) -> Any:
    election, round_ = _rep_round(election_id, round_id)
    form = BallotForm()
    if not form.validate_on_submit():
        return _ballot_again(
            election, round_, form, _("Formularz jest niekompletny. Zaznacz wybór ponownie.")
        )
    try:
        ids = _submitted_choices(form)
        chosen = ballots.preview_ballot(db.session, _user(), round_, ids)
    except AlreadyVoted:
        return _voted_redirect(election)
    except ValidationFailed as exc:
        return _ballot_again(election, round_, form, translate_error(exc))
    return render_template(
        "voting/confirm.html",
        election=election,
        round=round_,
        form=form,
        partner=current_user.partner,
        chosen=chosen,
    )


@bp.route(f"/voting/{ELECTION}/rounds/{ROUND}/cast", methods=["POST"])
@roles_required(Role.PARTNER_REP)
def cast(election_id: int, round_id: int) -> Any:
    election, round_ = _rep_round(election_id, round_id)
    form = BallotForm()
    if not form.validate_on_submit():
        return _ballot_again(
            election, round_, form, _("Formularz jest niekompletny. Zaznacz wybór ponownie.")
        )
    try:
        ids = _submitted_choices(form)
        receipt = transaction.run(ballots.cast_ballot, current_actor(), _user(), round_, ids)
    except AlreadyVoted:
        return _voted_redirect(election)
    except ValidationFailed as exc:
        return _ballot_again(election, round_, form, translate_error(exc))
    kept = dict(session.get(RECEIPTS_KEY) or {})
    kept[str(round_id)] = receipt
    session[RECEIPTS_KEY] = kept
    flash(_("Głos Twojego Partnera został oddany i zapisany."), "success")
    return redirect(url_for("voting.receipt", election_id=election.id, round_id=round_.id), 303)


@bp.route(f"/voting/{ELECTION}/rounds/{ROUND}/receipt")
@roles_required(Role.PARTNER_REP)
def receipt(election_id: int, round_id: int) -> Any:
    election, round_ = _rep_round(election_id, round_id)
    mark = mark_of(db.session, round_, current_user.partner_id)
    return render_template(
        "voting/receipt.html",
        election=election,
        round=round_,
        partner=current_user.partner,
        mark=mark,
        cast_by=db.session.get(User, mark.cast_by_id) if mark else None,
        receipt=_my_receipt(round_.id),
    )


@bp.route(f"/voting/{ELECTION}/rounds/{ROUND}/receipt.txt")
@roles_required(Role.PARTNER_REP)
def receipt_file(election_id: int, round_id: int) -> Any:
    """The receipt as a small text file to keep ("zapisz")."""
    election, round_ = _rep_round(election_id, round_id)
    code = _my_receipt(round_.id)
    if code is None:
        abort(404)
    text = "\n".join(
        [
            election.title,
            _(
                "Grupa: %(group)s, tura %(number)s",
                group=GROUP_LABELS[round_.group],
                number=round_.number,
            ),
            _("Kod pokwitowania: %(code)s", code=rules.format_receipt(code)),
            _(
                "Sprawdź go na liście: %(url)s",
                url=url_for("voting.public_receipts", election_id=election.id, _external=True),
            ),
            "",
        ]
    )
    return Response(
        text,
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="pokwitowanie-{code}.txt"'},
    )
