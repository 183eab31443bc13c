"""The live views: the chair's dashboard, the projector and the JSON both poll.

The pages poll ``live.json`` (see ``static/js/live.js``); every response is computed
from the database, so any app process can answer it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from election.access import STAFF, roles_required
from election.elections.models import PHASE_LABELS, Election
from election.extensions import db
from election.labels import GROUP_LABELS
from election.partners.models import PartnerGroup
from election.tally.display import (
    NEXT_STEP_LABELS,
    ROUND_STATUS_LABELS,
    pct,
    round_title,
    template_globals,
)
from election.tally.projector import projector_token_ok
from election.tally.results import GroupResults, results
from election.tally.views import bp, election_or_404


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
        round=round_title(current),
        status=ROUND_STATUS_LABELS[current.status],
        voted=current.voted,
        roll=current.roll,
        percent=pct(current.percent),
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
    groups: dict[str, Any] = {}
    for group, g in results(db.session, election).groups.items():
        data = _group_data(g)
        groups[group.value] = {
            **data,
            "key": _key(election, data),
            "summary": _summary(group, g),
            "group": g,
        }
    return {"election": election, "groups": groups, "mode": mode}


def _projector_access(election: Election) -> str | None:
    """``None`` when the request may not see the projector view yet (a guest without
    the link); the token in use otherwise ('' for a logged-in chair or admin). Aborts
    with 404 for a wrong token, 403 for a logged-in user who is not staff."""
    token = request.args.get("token")
    if token is not None:
        if not projector_token_ok(election, token):
            abort(404)
        return token
    if not current_user.is_authenticated:
        return None
    if current_user.role not in STAFF:
        abort(403)
    return ""


@bp.route("/results/")
@roles_required(*STAFF)
def index() -> Any:
    elections = db.session.scalars(select(Election).order_by(Election.id.desc())).all()
    return render_template("tally/index.html", elections=elections, **template_globals())


@bp.route("/results/<int:election_id>/dashboard")
@roles_required(*STAFF)
def dashboard(election_id: int) -> Any:
    election = election_or_404(election_id)
    return render_template(
        "tally/dashboard.html",
        live=_live(election, "dashboard"),
        live_url=url_for("tally.public_live_json", election_id=election.id, view="dashboard"),
        **template_globals(),
    )


@bp.route("/results/<int:election_id>/projector")
def public_projector(election_id: int) -> Any:
    election = election_or_404(election_id)
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
        **template_globals(),
    )
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/results/<int:election_id>/live.json")
def public_live_json(election_id: int) -> Any:
    """The live views' data: numbers per group, a key that changes with them, and the
    group's HTML as the page renders it (so the page and the update never disagree)."""
    election = election_or_404(election_id)
    token = _projector_access(election)
    if token is None:
        abort(404)
    mode = "dashboard" if request.args.get("view") == "dashboard" and not token else "projector"
    live = _live(election, mode)
    env = template_globals()
    groups = {}
    for value, entry in live["groups"].items():
        group = entry.pop("group")
        entry["html"] = render_template(
            "tally/_live_group.html", g=group, mode=mode, election=election, **env
        )
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
