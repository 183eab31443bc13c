"""By-elections: a certified Council's open seats of one group (a recorded vacancy, a
mandate that ended) are filled by an election of those seats only, linked to the
Council it completes (``Election.completes_id``). It runs on the same machinery as any
election — nominations, the published list, rounds, counting, certification — and its
members join the Council from the day it is certified (:mod:`election.council.term`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from election.audit.service import Actor
from election.council import term
from election.elections.models import Election
from election.elections.service import ByElectionData, create_by_election
from election.errors import N_, Conflict
from election.labels import GROUP_LABELS
from election.partners.models import PartnerGroup


def announce(
    session: Session,
    actor: Actor,
    election: Election,
    group: PartnerGroup,
    data: ByElectionData,
    *,
    on: dt.date | None = None,
) -> Election:
    """Create the by-election (draft) of every open seat of ``group`` that no
    by-election fills yet, for the Council of ``election``; returns it.

    Raises :class:`NotFound` before the Council is certified, :class:`Conflict` when the
    term is over or the group has no seat to fill, :class:`ValidationFailed` for bad data.
    """
    on = on or term.today()
    council = term.council_term(session, election)
    term.require_running(council, on)
    seats = council.to_fill(on)[group]
    if seats < 1:
        raise Conflict(
            N_(
                "W grupie „%(group)s” nie ma wolnych miejsc do obsadzenia (albo obsadzają je "
                "już trwające wybory uzupełniające)."
            ),
            group=str(GROUP_LABELS[group]),
        )
    return create_by_election(session, actor, council.election, group, seats, data)


def default_title(council: Election, group: PartnerGroup) -> str:
    """The title a by-election is proposed with (Polish, like the election's title)."""
    return f"Wybory uzupełniające — {GROUP_LABELS[group]} — {council.title}"[:200]
