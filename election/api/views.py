"""The public read-only JSON API (DESIGN.md section 7)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from sqlalchemy import select

from election.elections.models import Election
from election.extensions import csrf, db

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def election_summary(election: Election) -> dict[str, Any]:
    return {
        "id": election.id,
        "title": election.title,
        "phase": election.phase.value,
        "meeting_date": election.meeting_date.isoformat() if election.meeting_date else None,
        "meeting_place": election.meeting_place,
        "term": election.term,
    }


@bp.route("/elections")
def elections() -> Any:
    rows = db.session.scalars(select(Election).order_by(Election.id)).all()
    return jsonify([election_summary(e) for e in rows])
