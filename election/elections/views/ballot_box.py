"""Pages of the ballot box's key: starting the vote with a custody choice, and the tellers'
sheets (handed out once, then confirmed with the check code)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from election import transaction
from election.access import STAFF, roles_required
from election.auth.access import current_actor
from election.elections import custody, service
from election.elections.custody import CustodyChoice, KeyStore
from election.elections.forms import StartVotingForm, TellerConfirmForm
from election.elections.models import BallotBoxKey, Custody, Election
from election.elections.views import bp, election_or_404, labels
from election.errors import N_, DomainError, ValidationFailed
from election.extensions import db
from election.web import confirmed, translate_error


def key_store() -> KeyStore:
    """The ballot box's secrets of this app: files under its instance folder."""
    return KeyStore(current_app.instance_path)


def custody_choice(form: StartVotingForm) -> CustodyChoice:
    """The choice the form says (the service checks it); a missing choice is the server."""
    raw = form.custody.data or Custody.SERVER.value
    if raw not in {c.value for c in Custody}:
        raise ValidationFailed(N_("Wybierz, kto przechowuje klucz urny."))
    if raw == Custody.SERVER.value:
        return CustodyChoice()
    names = [line.strip() for line in (form.teller_names.data or "").splitlines() if line.strip()]
    return CustodyChoice(Custody.TELLERS, form.threshold.data, names)


@bp.route("/elections/<int:election_id>/start-voting", methods=["GET", "POST"])
@roles_required(*STAFF)
def start_voting(election_id: int) -> Any:
    """Start the vote: the roll is frozen and the ballot box gets its key, kept as chosen."""
    election = election_or_404(election_id)
    form = StartVotingForm()
    error, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                choice = custody_choice(form)
                transaction.run(
                    service.start_voting, current_actor(), election, keys=key_store(), choice=choice
                )
            except DomainError as exc:
                error, status = translate_error(exc), exc.status
            else:
                flash(_("Rozpoczęto głosowanie; spis uprawnionych został zamrożony."), "success")
                if choice.custody is Custody.TELLERS:
                    return redirect(url_for("elections.tellers", election_id=election.id), 303)
                return redirect(url_for("elections.show", election_id=election.id), 303)
        else:
            status = 400
    return (
        render_template(
            "elections/start_voting.html", election=election, form=form, error=error, **labels()
        ),
        status,
    )


def _tellers_page(
    election: Election, *, errors: dict[int, str] | None = None, status: int = 200
) -> Any:
    key = db.session.get(BallotBoxKey, election.id)
    tellers = custody.tellers_of(db.session, election) if key else []
    return (
        render_template(
            "elections/tellers.html",
            election=election,
            key=key,
            tellers=tellers,
            all_out=bool(tellers) and all(t.handed_out_at for t in tellers),
            form=TellerConfirmForm(formdata=None),
            errors=errors or {},
            Custody=Custody,
            **labels(),
        ),
        status,
    )


@bp.route("/elections/<int:election_id>/tellers")
@roles_required(*STAFF)
def tellers(election_id: int) -> Any:
    """The tellers: whose share was handed out and who confirmed it."""
    return _tellers_page(election_or_404(election_id))


@bp.route("/elections/<int:election_id>/tellers/<int:index>/sheet", methods=["POST"])
@roles_required(*STAFF)
def teller_sheet(election_id: int, index: int) -> Any:
    """Hand out teller ``index``'s share — once: the answer is the sheet (to print) with the
    file (to save); the share is gone from the server as it is read, and the page is
    never cached."""
    election = election_or_404(election_id)
    if not confirmed():
        flash(_("Zaznacz potwierdzenie, aby wydać arkusz."), "error")
        return redirect(url_for("elections.tellers", election_id=election.id), 303)
    try:
        sheet = transaction.run(custody.hand_out, current_actor(), election, key_store(), index)
    except DomainError as exc:
        flash(translate_error(exc), "error")
        return redirect(url_for("elections.tellers", election_id=election.id), 303)
    content = custody.share_file(sheet, election.title)
    response = make_response(
        render_template(
            "elections/teller_sheet.html",
            election=election,
            sheet=sheet,
            share_groups=[sheet.share[i : i + 8] for i in range(0, len(sheet.share), 8)],
            file_href="data:application/json;charset=utf-8," + quote(content),
            file_name=f"udzial-wybory-{election.id}-czlonek-{sheet.index}.json",
            **labels(),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/elections/<int:election_id>/tellers/<int:index>/confirm", methods=["POST"])
@roles_required(*STAFF)
def teller_confirm(election_id: int, index: int) -> Any:
    """The teller types the check code from the sheet: they hold their share."""
    election = election_or_404(election_id)
    form = TellerConfirmForm()
    if not form.validate_on_submit():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _tellers_page(election, errors={index: message}, status=400)
    try:
        teller = transaction.run(
            custody.confirm, current_actor(), election, index, form.code.data or ""
        )
    except DomainError as exc:
        return _tellers_page(election, errors={index: translate_error(exc)}, status=exc.status)
    flash(_("Odbiór udziału potwierdzony: %(name)s.", name=teller.name), "success")
    return redirect(url_for("elections.tellers", election_id=election.id), 303)
