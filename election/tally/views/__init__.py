"""Results pages: the live dashboard and projector (:mod:`.live`), the chair's
actions after a count — runoff, repeat, lots, the projector link, closing the voting
(:mod:`.chair`) — and opening a secret round's box: finishing its paper ballots, the
tellers' shares (:mod:`.box`).

The public results page and JSON are the Council's and the API's (they show the
Council, which is above the tally); they read :func:`election.tally.results.results`.
"""

from __future__ import annotations

from flask import Blueprint, abort

from election.elections.models import Election
from election.elections.service import get_election
from election.errors import NotFound
from election.extensions import db

bp = Blueprint("tally", __name__)


def election_or_404(election_id: int) -> Election:
    """The election, or a plain 404 page."""
    try:
        return get_election(db.session, election_id)
    except NotFound:
        abort(404)


# The route modules register their views on ``bp``.
from election.tally.views import box, chair, live  # noqa: E402, F401
