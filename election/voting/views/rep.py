"""The rep's pages: the election's rounds, the ballot, its confirmation, the cast and
the receipt (also as a small text file).

Where the receipt lives. A secret election's receipt is the tracking code of the
encrypted ballot; whoever can pair it with the Partner can point at the Partner's
ciphertext in the published record. So the pairing exists in one place only: the
answer to the cast itself, which shows the code (to copy, print or save) and is never
cached. The code is not put in the session cookie (readable by whoever holds the
cookie) and not stored on the server: a table pairing rep and code would be exactly
the link the encryption removes, and the database can always be read in the order of
writing. The rep is told to keep the code then; a later visit to the receipt page says
that the Partner voted, not the code. Saving it as a file posts the code back
(:func:`receipt_file`), so it appears in no URL or log. Submitting twice is stopped by
the page (one submit per form) and by the roll mark: a second cast is refused.

An open election's receipt is stored with the ballot and its Partner (an open vote is
public), so its receipt page can always show it.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from election import transaction
from election.access import Role, roles_required
from election.auth.access import current_actor
from election.auth.models import User
from election.db import write_intent
from election.elections.models import Election
from election.elections.roll import roll_entry
from election.elections.service import get_election
from election.errors import N_, AlreadyVoted, NotFound, ValidationFailed
from election.extensions import db
from election.labels import GROUP_LABELS
from election.voting import ballots, rules
from election.voting.forms import CANDIDATE_FIELD, BallotForm, ReceiptFileForm
from election.voting.models import Ballot, Round, RoundStatus
from election.voting.rounds import get_round, rounds_by_group
from election.voting.turnout import mark_of
from election.voting.views import ELECTION, ROUND, bp, selection
from election.web import translate_error


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


def _open_receipt(election: Election, round_: Round) -> str | None:
    """An open election's receipt of the rep's Partner in the round (None when secret)."""
    if election.secret:
        return None
    return db.session.scalar(
        select(Ballot.receipt).where(
            Ballot.round_id == round_.id, Ballot.partner_id == current_user.partner_id
        )
    )


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
    # The ballot is committed; the receipt page only reads. On SQLite its reads then take
    # no write lock, which every other cast would wait for (docs/performance.md).
    write_intent.set(False)
    # The receipt is this answer (see the module's docstring): shown once, never cached.
    response = make_response(_receipt_page(election, round_, receipt, just_cast=True))
    response.headers["Cache-Control"] = "no-store"
    return response


def _receipt_page(
    election: Election, round_: Round, code: str | None, *, just_cast: bool = False
) -> str:
    mark = mark_of(db.session, round_, current_user.partner_id)
    return render_template(
        "voting/receipt.html",
        election=election,
        round=round_,
        partner=current_user.partner,
        mark=mark,
        cast_by=db.session.get(User, mark.cast_by_id) if mark else None,
        receipt=code,
        just_cast=just_cast,
        file_form=ReceiptFileForm(formdata=None, code=code),
    )


@bp.route(f"/voting/{ELECTION}/rounds/{ROUND}/receipt")
@roles_required(Role.PARTNER_REP)
def receipt(election_id: int, round_id: int) -> Any:
    """That the Partner voted; the code only in an open election (see the docstring)."""
    election, round_ = _rep_round(election_id, round_id)
    return _receipt_page(election, round_, _open_receipt(election, round_))


@bp.route(f"/voting/{ELECTION}/rounds/{ROUND}/receipt.txt", methods=["POST"])
@roles_required(Role.PARTNER_REP)
def receipt_file(election_id: int, round_id: int) -> Any:
    """The receipt shown on the page as a small text file to keep ("zapisz").

    The page posts the code back: the server keeps nothing, and the code is in no URL.
    """
    election, round_ = _rep_round(election_id, round_id)
    form = ReceiptFileForm()
    raw = form.code.data or "" if form.validate_on_submit() else ""
    if election.secret:
        code = rules.normalise_tracking_code(raw)
    else:
        code = (
            rules.normalise_receipt(raw) if rules.is_receipt(rules.normalise_receipt(raw)) else None
        )
    if code is None:
        abort(400)
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
        headers={
            "Content-Disposition": f'attachment; filename="pokwitowanie-{code}.txt"',
            "Cache-Control": "no-store",
        },
    )
