"""The public read-only JSON API (DESIGN.md § 7, ``docs/api.md``, ``docs/openapi.yaml``).

Every ``/api/v1/…`` path is here, each answered from the service of the feature that
owns the data. An election has one shape wherever it appears
(:func:`~election.council.exports.election_summary`). Refusals are
:class:`~election.errors.DomainError`\\ s: the app's handler answers them with
``{"error", "message"}`` and their status (404 before the data is public).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from sqlalchemy import select

from election.candidates.models import Candidate
from election.candidates.published import published_list
from election.collation import split_name
from election.council.exports import (
    council_json,
    election_summary,
    public_results_election,
    results_json,
)
from election.council.protocol import pdf_filename, render_protocol
from election.elections.models import Election
from election.elections.service import get_election
from election.errors import N_, NotFound
from election.extensions import csrf, db
from election.tally import record
from election.voting.receipts import receipts

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

#: An election's id in a path (ids are bounded by the app's ``int`` converter).
ELECTION = "/elections/<int:election_id>"


@bp.route("/elections")
def elections() -> Any:
    """Every election, oldest first."""
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


@bp.route(f"{ELECTION}/candidates")
def election_candidates(election_id: int) -> Any:
    """The published candidate list; 404 for an unknown election or before publication."""
    election = get_election(db.session, election_id)
    groups = published_list(db.session, election)
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


@bp.route(f"{ELECTION}/results")
def election_results(election_id: int) -> Any:
    """The results and the Council from ``closed`` on (404 before)."""
    election = public_results_election(db.session, election_id)
    return jsonify(results_json(db.session, election))


@bp.route(f"{ELECTION}/council")
def election_council(election_id: int) -> Any:
    """The Council over its term — who sits now, the open seats, who held which seat
    when — once certified (404 before); a by-election's id gives the Council it completes."""
    election = get_election(db.session, election_id)
    return jsonify(council_json(db.session, election))


@bp.route(f"{ELECTION}/receipts")
def election_receipts(election_id: int) -> Any:
    """``{"<group>": ["<code>", ...]}`` for the counted rounds; 404 before the first count.

    A secret election's codes are the tracking codes of its encrypted ballots
    (``ABCDE-FGHIJ``, those of the election record); an open election's the receipts.
    """
    election = get_election(db.session, election_id)
    codes = receipts(db.session, election)
    return jsonify({group.value: sorted(found) for group, found in codes.items()})


@bp.route(f"{ELECTION}/record.json")
def election_record(election_id: int) -> Any:
    """The election record — every counted round's ballots, sums, decryption proofs and
    counts — for ``python -m election.verify``; 404 until a round is counted."""
    election = get_election(db.session, election_id)
    response = jsonify(record.election_record(db.session, election))
    response.headers["Content-Disposition"] = f'inline; filename="zapis-wyborow-{election.id}.json"'
    return response


@bp.route(f"{ELECTION}/protocol.pdf")
def election_protocol(election_id: int) -> Any:
    """The protocol PDF once the results are certified (a JSON 404 before)."""
    election = db.session.get(Election, election_id)
    if election is None or not election.certified:
        raise NotFound(N_("Protokół będzie dostępny po zatwierdzeniu wyników."))
    return Response(
        render_protocol(db.session, election),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{pdf_filename(election)}"'},
    )
