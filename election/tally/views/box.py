"""Opening the ballot box of a secret round: finishing its paper ballots, and the page
where the tellers enter their shares. Every change goes through the transaction edge.

A teller's share lives in this request only: it is never put in the session, a flash,
a log line or the page sent back (the field is a password field, the answer is not
cached).
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from election import transaction
from election.access import STAFF, roles_required
from election.auth.access import current_actor
from election.elections import custody
from election.elections.custody import KeyStore
from election.elections.models import Custody, Election
from election.errors import DomainError, NotFound
from election.extensions import db
from election.labels import GROUP_LABELS
from election.tally import decryption, opening
from election.tally.display import round_title, template_globals
from election.tally.forms import FinishPaperForm, TellerShareForm
from election.tally.results import Awaiting, RoundView, results
from election.tally.views import bp, election_or_404
from election.voting.models import Round
from election.voting.rounds import get_round
from election.web import translate_error

#: The longest share file read (the sheet's file is well under 1 kB).
SHARE_FILE_LIMIT = 4096


def _dashboard_url(election_id: int) -> str:
    return url_for("meeting.dashboard", election_id=election_id)


def _view_of(election: Election, round_: Round) -> RoundView:
    group = results(db.session, election).groups[round_.group]
    return next(v for v in group.rounds if v.round.id == round_.id)


@bp.route("/results/<int:election_id>/rounds/<int:round_id>/paper", methods=["GET", "POST"])
@roles_required(*STAFF)
def finish_paper(election_id: int, round_id: int) -> Any:
    """The chair has entered the paper ballots: count the round (a secret election)."""
    election = election_or_404(election_id)
    try:
        round_ = get_round(db.session, round_id, election.id)
    except NotFound:
        abort(404)
    view = _view_of(election, round_)
    if view.awaiting is not Awaiting.PAPER:
        flash(_("Ta tura nie czeka na karty papierowe."), "error")
        return redirect(_dashboard_url(election.id), 303)
    form = FinishPaperForm()
    missing = round_.paper_issued - round_.paper_entered
    error = None
    if form.validate_on_submit():
        if form.never_entered.data and not form.confirm.data:
            error = _("Potwierdź, ile wydanych kart nie wrzucono do urny.")
        else:
            try:
                tally = transaction.run(
                    opening.finish_paper,
                    current_actor(),
                    round_,
                    KeyStore(current_app.instance_path),
                    form.never_entered.data or 0,
                )
            except DomainError as exc:
                error = translate_error(exc)
            else:
                flash(
                    _("Tura została policzona.")
                    if tally is not None
                    else _("Urna została zsumowana; tura czeka na udziały komisji skrutacyjnej."),
                    "success",
                )
                return redirect(_dashboard_url(election.id), 303)
    form.never_entered.data = missing
    status = 400 if form.errors or error else 200
    return (
        render_template(
            "tally/finish_paper.html",
            election=election,
            view=view,
            title=round_title(view),
            missing=missing,
            tellers=custody.key_of(db.session, election).custody is Custody.TELLERS,
            form=form,
            error=error,
            **template_globals(),
        ),
        status,
    )


def _share_text(form: TellerShareForm) -> str:
    """The share as typed, or the uploaded file's text (which the custody service reads)."""
    upload = form.share_file.data
    if upload is not None and getattr(upload, "filename", ""):
        raw = upload.read(SHARE_FILE_LIMIT + 1)
        if len(raw) > SHARE_FILE_LIMIT:
            return ""
        return raw.decode("utf-8", errors="replace")
    return form.share.data or ""


@bp.route("/results/<int:election_id>/tellers", methods=["GET", "POST"])
@roles_required(*STAFF)
def tellers(election_id: int) -> Any:
    """The tellers' counting page: each enters their share, one at a time."""
    election = election_or_404(election_id)
    try:
        key = custody.key_of(db.session, election)
    except NotFound:
        abort(404)
    if key.custody is not Custody.TELLERS:
        abort(404)
    people = custody.tellers_of(db.session, election)
    form = TellerShareForm()
    form.teller.choices = [(t.index, f"{t.index}. {t.name}") for t in people]
    error = None
    if form.validate_on_submit():
        text = _share_text(form)
        if not text.strip():
            error = _("Wpisz udział albo wybierz plik udziału.")
        else:
            try:
                done = transaction.run(
                    opening.enter_share, current_actor(), election, form.teller.data, text
                )
            except DomainError as exc:
                error = translate_error(exc)
            else:
                _flash_shares(done)
                return redirect(url_for("tally.tellers", election_id=election.id), 303)
            finally:
                del text
    form.share.data = ""
    waiting = [
        (r, sorted(decryption.holders(db.session, r), key=lambda h: (len(h), h)))
        for r in opening.awaiting_tellers(db.session, election)
    ]
    status = 400 if form.errors or error else 200
    page = render_template(
        "tally/tellers.html",
        election=election,
        key=key,
        people=people,
        waiting=waiting,
        form=form,
        error=error,
        **template_globals(),
    )
    return page, status, {"Cache-Control": "no-store"}


def _flash_shares(done: opening.SharesEntered) -> None:
    def names(rounds: list[Round]) -> str:
        return ", ".join(
            f"{GROUP_LABELS[r.group]} — " + _("tura %(number)s", number=r.number) for r in rounds
        )

    if done.given:
        flash(
            _(
                "Przyjęto udział członka komisji nr %(index)s (tury: %(rounds)s).",
                index=done.teller,
                rounds=names(done.given),
            ),
            "success",
        )
    if done.counted:
        flash(_("Policzono tury: %(rounds)s.", rounds=names(done.counted)), "success")
    if done.already:
        flash(
            _(
                "Udział członka komisji nr %(index)s był już użyty (tury: %(rounds)s).",
                index=done.teller,
                rounds=names(done.already),
            ),
            "info",
        )
