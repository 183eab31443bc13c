"""Results: the chair's live dashboard, the projector view, the public page and API.

The live views poll ``live.json`` (see ``static/js/live.js``); every response is
computed from the database, so any app process can answer it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from election.auth.access import current_actor, roles_required
from election.auth.models import Role
from election.elections.models import PHASE_LABELS, Election, Phase
from election.elections.service import get_election
from election.errors import N_, DomainError, NotFound
from election.extensions import db
from election.partners.forms import GROUP_LABELS
from election.partners.models import PartnerGroup
from election.tally import service
from election.tally.forms import ActionForm, LotsForm
from election.tally.service import GroupResults, NextStep, RoundKind, RoundView
from election.voting.models import RoundStatus
from election.web import translate_error

bp = Blueprint("tally", __name__)

STAFF = (Role.ADMIN, Role.CHAIR)

#: Phases in which the results are public.
PUBLIC_PHASES = (Phase.CLOSED, Phase.CERTIFIED)

ROUND_STATUS_LABELS = {
    RoundStatus.PENDING: _l("oczekuje na otwarcie"),
    RoundStatus.OPEN: _l("głosowanie trwa"),
    RoundStatus.CLOSED: _l("głosowanie zamknięte"),
}

ROUND_KIND_LABELS = {
    RoundKind.FIRST: "",
    RoundKind.RUNOFF: _l("dogrywka"),
    RoundKind.REPEAT: _l("tura powtórzona"),
}

NEXT_STEP_LABELS = {
    NextStep.REPEAT: _l("Następny krok: tura jest nieważna (brak kworum), należy ją powtórzyć."),
    NextStep.RUNOFF: _l("Następny krok: należy przeprowadzić dogrywkę."),
    NextStep.LOTS: _l("Następny krok: remis rozstrzygnie losowanie."),
}


def _election(election_id: int) -> Election:
    try:
        return get_election(db.session, election_id)
    except NotFound:
        abort(404)


def _staff() -> bool:
    return current_user.is_authenticated and current_user.role in STAFF


def _round_title(view: RoundView) -> str:
    kind = ROUND_KIND_LABELS[view.kind]
    title = _("Tura %(number)s", number=view.number)
    return f"{title} ({kind})" if kind else title


def _votes(n: int) -> str:
    return ngettext("%(num)d głos", "%(num)d głosów", n)


def _pct(value: float) -> str:
    return f"{format_decimal(value, format='0.0')}%"


def _template_globals() -> dict[str, Any]:
    return {
        "pct": _pct,
        "group_labels": GROUP_LABELS,
        "status_labels": ROUND_STATUS_LABELS,
        "next_step_labels": NEXT_STEP_LABELS,
        "round_title": _round_title,
        "votes_text": _votes,
        "phase_labels": PHASE_LABELS,
        "NextStep": NextStep,
        "RoundStatus": RoundStatus,
        "SYSTEM_DRAW": service.SYSTEM_DRAW,
    }


# --- live data ----------------------------------------------------------------------------


def _group_data(g: GroupResults) -> dict[str, Any]:
    """What the live views show of a group, as JSON (counts only when they may be shown)."""
    current = g.current
    data: dict[str, Any] = {
        "seats": g.seats,
        "roll": current.roll if current else g.roll,
        "voted": current.voted if current else 0,
        "online": current.online if current else 0,
        "paper": current.paper if current else 0,
        "percent": current.percent if current else 0.0,
        "complete": g.status.complete,
        "elected": [c.full_name for c in g.status.elected],
        "rounds": len(g.rounds),
        "round": None,
    }
    if current is not None:
        data["round"] = {
            "id": current.round.id,
            "number": current.number,
            "kind": current.kind.value,
            "status": current.status.value,
            "counted": current.counted,
            "valid": current.tally.valid if current.tally else None,
            "tied": [c.full_name for c in current.tied_candidates],
            "lots": current.lots is not None,
            "next_step": current.next_step.value if current.next_step else None,
            "candidates": [
                {
                    "name": line.candidate.full_name,
                    "votes": line.votes,
                    "elected": line.elected,
                    "tied": line.tied,
                }
                for line in current.lines
            ],
        }
    return data


def _summary(group: PartnerGroup, g: GroupResults) -> str:
    """One sentence for the screen reader's live region."""
    current = g.current
    label = str(GROUP_LABELS[group])
    if current is None:
        return _("%(group)s: brak tury głosowania.", group=label)
    text = _(
        "%(group)s, %(round)s: %(status)s; głosowało %(voted)s z %(roll)s (%(percent)s).",
        group=label,
        round=_round_title(current),
        status=ROUND_STATUS_LABELS[current.status],
        voted=current.voted,
        roll=current.roll,
        percent=_pct(current.percent),
    )
    if g.status.complete:
        text += " " + _(
            "Wybrani: %(names)s.", names=", ".join(c.full_name for c in g.status.elected)
        )
    elif current.next_step is not None:
        text += " " + str(NEXT_STEP_LABELS[current.next_step])
    return text


def _key(election: Election, data: dict[str, Any]) -> str:
    raw = json.dumps([election.phase.value, data], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _live(election: Election, mode: str) -> dict[str, Any]:
    """Everything a live page shows: per group the data, a change key and its HTML."""
    results = service.results(db.session, election)
    groups: dict[str, Any] = {}
    for group, g in results.groups.items():
        data = _group_data(g)
        groups[group.value] = {
            **data,
            "key": _key(election, data),
            "summary": _summary(group, g),
            "group": g,
        }
    return {"election": election, "groups": groups, "mode": mode}


def _projector_access(election: Election) -> str | None:
    """``None`` when the request may see the projector view; the token in use otherwise
    ('' for a logged-in chair or admin). Aborts with 404 for a wrong token."""
    token = request.args.get("token")
    if token is not None:
        if not service.projector_token_ok(election, token):
            abort(404)
        return token
    if not current_user.is_authenticated:
        return None
    if current_user.role not in STAFF:
        abort(403)
    return ""


# --- the chair ----------------------------------------------------------------------------


@bp.route("/results/")
@roles_required(*STAFF)
def index() -> Any:
    elections = db.session.scalars(select(Election).order_by(Election.id.desc())).all()
    return render_template("tally/index.html", elections=elections, **_template_globals())


@bp.route("/results/<int:election_id>/dashboard")
@roles_required(*STAFF)
def dashboard(election_id: int) -> Any:
    election = _election(election_id)
    return render_template(
        "tally/dashboard.html",
        live=_live(election, "dashboard"),
        live_url=url_for("tally.public_live_json", election_id=election.id, view="dashboard"),
        **_template_globals(),
    )


@bp.route("/results/<int:election_id>/projector")
def public_projector(election_id: int) -> Any:
    election = _election(election_id)
    token = _projector_access(election)
    if token is None:
        return redirect(url_for("auth.login", next=request.path))
    live_url = url_for("tally.public_live_json", election_id=election.id, view="projector")
    if token:
        live_url = url_for(
            "tally.public_live_json", election_id=election.id, view="projector", token=token
        )
    response = render_template(
        "tally/projector.html",
        live=_live(election, "projector"),
        live_url=live_url,
        **_template_globals(),
    )
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/results/<int:election_id>/live.json")
def public_live_json(election_id: int) -> Any:
    """The live views' data: numbers per group, a key that changes with them, and the
    group's HTML as the page renders it (so the page and the update never disagree)."""
    election = _election(election_id)
    token = _projector_access(election)
    if token is None:
        abort(404)
    mode = "dashboard" if request.args.get("view") == "dashboard" and not token else "projector"
    live = _live(election, mode)
    template = "tally/_live_group.html"
    env = _template_globals()
    groups = {}
    for value, entry in live["groups"].items():
        group = entry.pop("group")
        entry["html"] = render_template(template, g=group, mode=mode, election=election, **env)
        groups[value] = entry
    response = jsonify(
        {
            "election": {
                "id": election.id,
                "phase": election.phase.value,
                "phase_label": _(PHASE_LABELS[election.phase]),
            },
            "groups": groups,
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _dashboard_redirect(election: Election) -> Any:
    return redirect(url_for("tally.dashboard", election_id=election.id), 303)


def _round_action(election_id: int, round_id: int, action: Any, success: Any) -> Any:
    election = _election(election_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        round_ = service.get_round(db.session, round_id, election)
        result = action(db.session, current_actor(), round_)
    except DomainError as exc:
        db.session.rollback()
        flash(translate_error(exc), "error")
        return _dashboard_redirect(election)
    db.session.commit()
    flash(success(result), "success")
    return _dashboard_redirect(election)


@bp.route("/results/<int:election_id>/rounds/<int:round_id>/runoff", methods=["POST"])
@roles_required(*STAFF)
def runoff(election_id: int, round_id: int) -> Any:
    return _round_action(
        election_id,
        round_id,
        service.open_runoff,
        lambda r: _(
            "Utworzono dogrywkę (tura %(number)s). Otwórz ją na stronie głosowania.",
            number=r.number,
        ),
    )


@bp.route("/results/<int:election_id>/rounds/<int:round_id>/repeat", methods=["POST"])
@roles_required(*STAFF)
def repeat(election_id: int, round_id: int) -> Any:
    return _round_action(
        election_id,
        round_id,
        service.repeat_round,
        lambda r: _(
            "Utworzono powtórną turę (tura %(number)s). Otwórz ją na stronie głosowania.",
            number=r.number,
        ),
    )


@bp.route("/results/<int:election_id>/rounds/<int:round_id>/draw", methods=["POST"])
@roles_required(*STAFF)
def draw(election_id: int, round_id: int) -> Any:
    return _round_action(
        election_id,
        round_id,
        service.draw_lots,
        lambda d: _("Aplikacja rozlosowała miejsca; ziarno losowania: %(seed)s.", seed=d.seed),
    )


@bp.route("/results/<int:election_id>/rounds/<int:round_id>/lots", methods=["GET", "POST"])
@roles_required(*STAFF)
def lots(election_id: int, round_id: int) -> Any:
    """Record lots drawn in the room: who drew, the winners, a note."""
    election = _election(election_id)
    try:
        round_ = service.get_round(db.session, round_id, election)
    except NotFound:
        abort(404)
    group = service.results(db.session, election).groups[round_.group]
    view = next(v for v in group.rounds if v.round.id == round_.id)
    form = LotsForm()
    form.winners.choices = [(c.id, c.full_name) for c in view.tied_candidates]
    error = None
    if form.validate_on_submit():
        try:
            service.record_lots(
                db.session,
                current_actor(),
                round_,
                form.drawn_by.data,
                list(form.winners.data or []),
                form.note.data or "",
            )
        except DomainError as exc:
            db.session.rollback()
            error = translate_error(exc)
        else:
            db.session.commit()
            flash(_("Zapisano wynik losowania."), "success")
            return _dashboard_redirect(election)
    status = 400 if form.errors or error else 200
    return (
        render_template(
            "tally/lots.html",
            election=election,
            view=view,
            group=group,
            form=form,
            error=error,
            **_template_globals(),
        ),
        status,
    )


# --- the projector link (admin) -----------------------------------------------------------


@bp.route("/results/<int:election_id>/projector/link", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def projector_link(election_id: int) -> Any:
    election = _election(election_id)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if request.form.get("action") == "disable":
            service.disable_projector(db.session, current_actor(), election)
            message = _("Link do widoku projektora został wyłączony.")
        else:
            service.enable_projector(db.session, current_actor(), election)
            message = _("Utworzono nowy link do widoku projektora; poprzedni przestał działać.")
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("tally.projector_link", election_id=election.id), 303)
    link = (
        url_for(
            "tally.public_projector",
            election_id=election.id,
            token=election.projector_token,
            _external=True,
        )
        if election.projector_token
        else None
    )
    return render_template("tally/projector_link.html", election=election, link=link, form=form)


# --- public -------------------------------------------------------------------------------


def _public_election(election_id: int) -> Election:
    election = get_election(db.session, election_id)
    if election.phase not in PUBLIC_PHASES:
        raise NotFound(N_("Wyniki tych wyborów nie są jeszcze dostępne."))
    return election


def _council(election: Election) -> list[Any]:
    from election.council import service as council_service

    return council_service.council_members(db.session, election)


@bp.route("/public/elections/<int:election_id>/results")
def public_results(election_id: int) -> Any:
    election = _public_election(election_id)
    results = service.results(db.session, election)
    from election.council.rules import SEAT_LABELS

    return render_template(
        "tally/public.html",
        election=election,
        results=results,
        council=_council(election),
        seat_labels=SEAT_LABELS,
        **_template_globals(),
    )


@bp.route("/api/v1/elections/<int:election_id>/results")
def public_results_api(election_id: int) -> Any:
    """DESIGN.md § 7: the results from ``closed`` on (404 before), and the Council."""
    from election.council import service as council_service

    election = _public_election(election_id)
    return jsonify(council_service.results_json(db.session, election))
