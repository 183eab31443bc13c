"""The results index and ``live.json``, which the projector polls (the chair's dashboard
and the projector page are the meeting's: ``election.meeting``), and who may see them.

Every response is computed from the database (:mod:`election.tally.live`), so any app
process can answer it.
"""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, render_template, request, session
from flask_login import current_user
from sqlalchemy import select

from election.access import STAFF, roles_required
from election.elections.models import Election
from election.extensions import db
from election.tally.display import template_globals
from election.tally.live import live_payload
from election.tally.projector import projector_grant_ok
from election.tally.views import bp, election_or_404

#: Session key of the projector links opened in this browser: election id → a digest of
#: the link's token (``projector_grant``), never the token itself.
PROJECTOR_GRANTS = "projector_grants"


def projector_access(election: Election) -> str | None:
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


@bp.route("/results/")
@roles_required(*STAFF)
def index() -> Any:
    elections = db.session.scalars(select(Election).order_by(Election.id.desc())).all()
    return render_template("tally/index.html", elections=elections, **template_globals())


@bp.route("/results/<int:election_id>/live.json")
def public_live_json(election_id: int) -> Any:
    """The live views' data: numbers per group, a key that changes with them, and the
    group's HTML as the page renders it (so the page and the update never disagree)."""
    election = election_or_404(election_id)
    access = projector_access(election)
    if access is None:
        abort(404)
    # The link only ever gives the projector, never the chair's dashboard.
    mode = (
        "dashboard"
        if request.args.get("view") == "dashboard" and access == "staff"
        else "projector"
    )
    response = jsonify(live_payload(db.session, election, mode))
    response.headers["Cache-Control"] = "no-store"
    return response
