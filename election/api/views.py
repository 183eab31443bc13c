"""The public read-only JSON API (DESIGN.md section 7)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from sqlalchemy import select

from election.candidates import service as candidates_service
from election.candidates.models import Candidate
from election.candidates.rules import split_name
from election.elections.models import Election
from election.elections.service import get_election
from election.extensions import csrf, db

bp = Blueprint("api", __name__, url_prefix="/api/v1")

#: Ids in paths are bounded to the database's integer: a longer number is a 404, not a
#: database error.
MAX_ID = 2**31 - 1
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


def candidate_entry(candidate: Candidate) -> dict[str, Any]:
    first_names, surname = split_name(candidate.full_name)
    return {
        "name": candidate.full_name,
        "position": candidate.position,
        "partner": {"name": candidate.partner.name, "teryt": candidate.partner.teryt},
        "first_names": first_names,
        "surname": surname,
    }


@bp.route(f"/elections/<int(max={MAX_ID}):election_id>/candidates")
def election_candidates(election_id: int) -> Any:
    """The published candidate list; 404 for an unknown election or before publication."""
    election = get_election(db.session, election_id)
    groups = candidates_service.published_list(db.session, election)
    return jsonify(
        {
            "election": election_summary(election),
            "groups": {
                group.value: [candidate_entry(c) for c in candidates]
                for group, candidates in groups.items()
            },
            "seats": {group.value: election.seats_for(group) for group in groups},
        }
    )
