"""Voting pages: the rep's ballot and receipt, the chair's rounds and paper ballots,
the public list of receipts and its JSON.

Views parse, call the service, commit once and flash or render. A refused ballot is
rolled back and explained; it never reaches a 500.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from election.auth.access import current_actor, roles_required
from election.auth.models import Role, User
from election.elections import service as elections_service
from election.elections.models import Channel, Election, Phase
from election.elections.service import get_election
from election.errors import N_, AlreadyVoted, DomainError, NotFound, ValidationFailed
from election.extensions import db
from election.forms import choices
from election.partners.forms import GROUP_LABELS
from election.voting import rules, service
from election.voting.forms import (
    CANDIDATE_FIELD,
    BallotForm,
    ChairActionForm,
    CloseRoundForm,
    PaperBallotForm,
)
from election.voting.models import Round, RoundStatus
from election.web import translate_error

bp = Blueprint("voting", __name__)

#: Ids in paths are bounded to the database's integer: a longer number is a 404, not a
#: database error.
MAX_ID = 2**31 - 1
ELECTION = f"<int(max={MAX_ID}):election_id>"
ROUND = f"<int(max={MAX_ID}):round_id>"

STAFF = (Role.CHAIR, Role.ADMIN)

ROUND_STATUS_LABELS = {
    RoundStatus.PENDING: _l("nie rozpoczęta"),
    RoundStatus.OPEN: _l("otwarta — trwa głosowanie"),
    RoundStatus.CLOSED: _l("zamknięta"),
}

CHANNEL_LABELS = {
    Channel.ONLINE: _l("przez internet"),
    Channel.PAPER: _l("na papierze"),
}

#: Phases in which the voting pages list an election.
VOTING_PHASES = (Phase.VOTING, Phase.CLOSED, Phase.CERTIFIED)

#: The Flask session key under which a voter's own receipts are kept (round id → code),
#: so the receipt page survives a reload on the device that voted — and only there.
RECEIPTS_KEY = "voting_receipts"


@bp.app_template_filter("receipt")
def receipt_filter(code: str) -> str:
    return rules.format_receipt(code)


@bp.app_template_filter("share")
def share_filter(percent: float) -> str:
    """A percentage in the user's locale: ``66,7%`` in Polish."""
    return f"{format_decimal(percent, format='0.0')}%"


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "group_labels": GROUP_LABELS,
        "round_status_labels": ROUND_STATUS_LABELS,
        "channel_labels": CHANNEL_LABELS,
    }


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


# --- everyone: the list of elections ------------------------------------------------------


@bp.route("/voting")
@roles_required(Role.PARTNER_REP, Role.CHAIR, Role.ADMIN)
def index() -> Any:
    elections = db.session.scalars(
        select(Election).where(Election.phase.in_(VOTING_PHASES)).order_by(Election.id.desc())
    ).all()
    return render_template("voting/index.html", elections=elections)


# --- the rep: status, ballot, confirmation, cast, receipt ----------------------------------


def _rep_round(election_id: int, round_id: int) -> tuple[Election, Round]:
    """The election and one of its rounds of the rep's group, or 404."""
    election = get_election(db.session, election_id)
    round_ = service.get_round(db.session, round_id, election.id)
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
    rounds = service.rounds_by_group(db.session, election)[partner.group]
    entry = service.roll_entry(db.session, election.id, partner.id, partner.group)
    marks = {}
    for round_ in rounds:
        mark = service.mark_of(db.session, round_, partner.id)
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
            candidates=service.ballot_for(election, round_, current_user.id),
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


def _selection() -> set[int]:
    """The checked candidates to show again on the ballot; garbage is simply dropped."""
    values = request.form.getlist(CANDIDATE_FIELD)
    return {int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 9}


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
        service.preview_ballot(db.session, _user(), round_, [])
    except AlreadyVoted:
        return _voted_redirect(election)
    form = BallotForm()
    form.partner_id.data = str(current_user.partner_id)
    selected = _selection() if request.method == "POST" else set()
    return _render_ballot(election, round_, form, selected=selected)


def _ballot_again(election: Election, round_: Round, form: BallotForm, error: str) -> Any:
    """The ballot again, with the voter's marks kept and the reason it was refused."""
    form.partner_id.data = str(current_user.partner_id)
    return _render_ballot(election, round_, form, selected=_selection(), error=error, status=400)


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
        chosen = service.preview_ballot(db.session, _user(), round_, ids)
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
        receipt = service.cast_ballot(db.session, current_actor(), _user(), round_, ids)
    except AlreadyVoted:
        db.session.rollback()
        return _voted_redirect(election)
    except ValidationFailed as exc:
        db.session.rollback()
        return _ballot_again(election, round_, form, translate_error(exc))
    db.session.commit()
    kept = dict(session.get(RECEIPTS_KEY) or {})
    kept[str(round_id)] = receipt
    session[RECEIPTS_KEY] = kept
    flash(_("Głos Twojego Partnera został oddany i zapisany."), "success")
    return redirect(url_for("voting.receipt", election_id=election.id, round_id=round_.id), 303)


@bp.route(f"/voting/{ELECTION}/rounds/{ROUND}/receipt")
@roles_required(Role.PARTNER_REP)
def receipt(election_id: int, round_id: int) -> Any:
    election, round_ = _rep_round(election_id, round_id)
    mark = service.mark_of(db.session, round_, current_user.partner_id)
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


# --- the chair ------------------------------------------------------------------------------


def _chair_redirect(election: Election) -> Any:
    return redirect(url_for("voting.chair", election_id=election.id), 303)


@bp.route(f"/voting/{ELECTION}/chair")
@roles_required(*STAFF)
def chair(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    grouped = service.rounds_by_group(db.session, election)
    groups = []
    for group, rounds in grouped.items():
        latest = rounds[-1] if rounds else None
        groups.append(
            {
                "group": group,
                "rounds": [(r, service.round_turnout(db.session, r)) for r in rounds],
                "latest": latest,
                "voters": service.voters(db.session, latest) if latest else [],
            }
        )
    return render_template(
        "voting/chair.html",
        election=election,
        groups=groups,
        rules_adopted=elections_service.rules_adopted(db.session, election),
        any_pending=any(r.status == RoundStatus.PENDING for rs in grouped.values() for r in rs),
        missing=[g for g, rs in grouped.items() if not rs],
        action_form=ChairActionForm(),
        close_form=CloseRoundForm(),
    )


def _chair_action(election: Election, action: Any, success: Any) -> Any:
    """Run a chair's action; commit and flash its result, or roll back and flash why not."""
    form = ChairActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = action()
    except DomainError as exc:
        db.session.rollback()
        flash(translate_error(exc), "error")
        return _chair_redirect(election)
    db.session.commit()
    flash(success(result), "success" if result else "warning")
    return _chair_redirect(election)


@bp.route(f"/voting/{ELECTION}/chair/rounds", methods=["POST"])
@roles_required(*STAFF)
def create_rounds(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    return _chair_action(
        election,
        lambda: service.create_rounds(db.session, current_actor(), election),
        lambda created: (
            ngettext("Przygotowano %(num)d turę.", "Przygotowano %(num)d tury.", len(created))
            if created
            else _(
                "Nie przygotowano żadnej tury: już istnieją albo brak zweryfikowanych kandydatów."
            )
        ),
    )


@bp.route(f"/voting/{ELECTION}/chair/open-all", methods=["POST"])
@roles_required(*STAFF)
def open_all(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    return _chair_action(
        election,
        lambda: service.open_all(db.session, current_actor(), election),
        lambda opened: (
            ngettext("Otwarto %(num)d turę.", "Otwarto %(num)d tury.", len(opened))
            if opened
            else _("Nie ma tur oczekujących na otwarcie.")
        ),
    )


@bp.route(f"/voting/{ELECTION}/chair/rounds/{ROUND}/open", methods=["POST"])
@roles_required(*STAFF)
def open_round(election_id: int, round_id: int) -> Any:
    election = get_election(db.session, election_id)
    round_ = service.get_round(db.session, round_id, election.id)
    return _chair_action(
        election,
        lambda: service.open_round(db.session, current_actor(), round_),
        lambda r: _(
            "Otwarto turę %(number)s (%(group)s).", number=r.number, group=GROUP_LABELS[r.group]
        ),
    )


@bp.route(f"/voting/{ELECTION}/chair/rounds/{ROUND}/close", methods=["POST"])
@roles_required(*STAFF)
def close_round(election_id: int, round_id: int) -> Any:
    election = get_election(db.session, election_id)
    round_ = service.get_round(db.session, round_id, election.id)
    form = CloseRoundForm()
    if not form.validate_on_submit():
        flash(_("Zaznacz potwierdzenie, aby zamknąć turę."), "error")
        return _chair_redirect(election)
    try:
        closed = service.close_round(db.session, current_actor(), round_)
    except DomainError as exc:
        db.session.rollback()
        flash(translate_error(exc), "error")
        return _chair_redirect(election)
    db.session.commit()
    flash(
        _(
            "Zamknięto turę %(number)s (%(group)s).",
            number=closed.number,
            group=GROUP_LABELS[closed.group],
        ),
        "success",
    )
    return _chair_redirect(election)


@bp.route(f"/voting/{ELECTION}/chair/rounds/{ROUND}/paper", methods=["GET", "POST"])
@roles_required(*STAFF)
def paper(election_id: int, round_id: int) -> Any:
    """The chair records the paper ballot of a Partner present in the room."""
    election = get_election(db.session, election_id)
    round_ = service.get_round(db.session, round_id, election.id)
    form = PaperBallotForm()
    waiting = service.not_voted(db.session, round_)
    form.partner_id.choices = choices(
        [("", _("— wybierz Partnera —"))]
        + [(e.partner_id, f"{e.partner_name} ({e.teryt})") for e in waiting]
    )
    error = None
    status = 200
    selected: set[int] = set()
    if request.method == "POST":
        selected = _selection()
        if form.validate_on_submit():
            try:
                raw = form.partner_id.data or ""
                if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
                    raise ValidationFailed(N_("Wybierz Partnera z listy."))
                ids = rules.parse_candidate_ids(request.form.getlist(CANDIDATE_FIELD))
                code = service.record_paper_ballot(
                    db.session, current_actor(), _user(), round_, int(raw), ids
                )
            except DomainError as exc:
                db.session.rollback()
                error, status = translate_error(exc), exc.status
            else:
                db.session.commit()
                flash(
                    _(
                        "Zapisano kartę papierową. Kod pokwitowania: %(code)s",
                        code=rules.format_receipt(code),
                    ),
                    "success",
                )
                return redirect(
                    url_for("voting.paper", election_id=election.id, round_id=round_.id), 303
                )
        else:
            status = 400
    return (
        render_template(
            "voting/paper.html",
            election=election,
            round=round_,
            form=form,
            candidates=service.ballot_candidates(round_),
            selected=selected,
            error=error,
            waiting=waiting,
        ),
        status,
    )


# --- public: receipts -----------------------------------------------------------------------


@bp.route(f"/public/elections/{ELECTION}/receipts")
def public_receipts(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    code = request.args.get("code", "")[:40]
    try:
        ballots = service.public_ballots(db.session, election)
    except NotFound as exc:
        return (
            render_template(
                "voting/public_receipts.html",
                election=election,
                ballots=None,
                unavailable=translate_error(exc),
                code=code,
                checked=None,
            ),
            404,
        )
    checked = service.check_receipt(db.session, election, code) if code else None
    by_group: dict[Any, list[service.PublicBallot]] = {g: [] for g in service.GROUPS}
    for b in ballots:
        by_group[b.group].append(b)
    return render_template(
        "voting/public_receipts.html",
        election=election,
        ballots=by_group,
        unavailable=None,
        code=code,
        checked=checked,
    )


@bp.route(f"/api/v1/elections/{ELECTION}/receipts", endpoint="public_receipts_api")
def receipts_api(election_id: int) -> Any:
    """``{"<group>": ["<receipt code>", ...]}`` for closed rounds (DESIGN §7); 404 before."""
    election = get_election(db.session, election_id)
    codes = service.receipts(db.session, election)
    return jsonify({group.value: sorted(found) for group, found in codes.items()})
