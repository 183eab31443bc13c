"""Elections: setup, phases, the voter roll, the Regulamin and its motion."""

from __future__ import annotations

from sqlalchemy.orm import Session

from election.elections.models import Election
from election.errors import N_, NotFound


def get_election(session: Session, election_id: int) -> Election:
    """The election, or :class:`NotFound`."""
    election = session.get(Election, election_id)
    if election is None:
        raise NotFound(N_("Nie ma takich wyborów."))
    return election
