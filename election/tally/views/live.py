"""The live views: the chair's dashboard, the projector and the JSON both poll.

The pages poll ``live.json`` (see ``static/js/live.js``); every response is computed
from the database, so any app process can answer it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import abort, jsonify, redirect, render_template, request, session, url_for
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
from election.tally.projector import projector_grant, projector_grant_ok, projector_token_ok
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


#: Session key of the projector links opened in this browser: election id → a digest of
#: the link's token (``projector_grant``), never the token itself.
PROJECTOR_GRANTS = "projector_grants"


def _projector_access(election: Election) -> str | None:
    """How the request may see the projector view: ``"staff"`` (a logged-in chair or
    admin), ``"link"`` (this browser opened the election's current projector link), or
    ``None`` (a guest without the link). Aborts with 403 for a logged-in user who is
    neither staff nor holds the link."""
    if current_user.is_authenticated and current_user.role in STAFF:
        return "staff"
    grants = session.get(PROJECTOR_GRANTS)
    if isinstance(grants, dict) and projector_grant_ok(election, grants.get(str(election.id))):
        return "link"
    if current_user.is_authenticated:
        abort(403)
    return None


def _open_projector_link(election: Election, token: str) -> Any:
    """The link's first visit: keep a grant in the session and go on to the clean URL,
    so the token is in no later request (the page, its polling, their Referer, the log).
    A wrong or outdated token is not found, like a page that does not exist."""
    if not projector_token_ok(election, token):
        abort(404)
    grants = session.get(PROJECTOR_GRANTS)
    grants = dict(grants) if isinstance(grants, dict) else {}
    grants[str(election.id)] = projector_grant(token)
    session[PROJECTOR_GRANTS] = grants
    return redirect(url_for("tally.public_projector", election_id=election.id), 303)


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
    token = request.args.get("token")
    if token is not None:
        return _open_projector_link(election, token)
    if _projector_access(election) is None:
        return redirect(url_for("auth.login", next=request.path))
    response = render_template(
        "tally/projector.html",
        live=_live(election, "projector"),
        live_url=url_for("tally.public_live_json", election_id=election.id, view="projector"),
        **template_globals(),
    )
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/results/<int:election_id>/live.json")
def public_live_json(election_id: int) -> Any:
    """The live views' data: numbers per group, a key that changes with them, and the
    group's HTML as the page renders it (so the page and the update never disagree)."""
    election = election_or_404(election_id)
    access = _projector_access(election)
    if access is None:
        abort(404)
    # The link only ever gives the projector, never the chair's dashboard.
    mode = (
        "dashboard"
        if request.args.get("view") == "dashboard" and access == "staff"
        else "projector"
    )
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
