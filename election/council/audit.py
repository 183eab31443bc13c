"""The certified Council checked against the results and the chain (``flask audit verify``
composes this): recomputed from the stored results and appointments, it must be the
composition whose hash the certification event holds."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.council import rules
from election.council.composition import certification_event, council_members
from election.elections.models import Election, Phase


def verify_council(session: Session) -> list[str]:
    """For every certified election: the Council as the stored results and appointments
    give it now is the one certified. Returns the problems found, empty when none."""
    problems = []
    for election in session.scalars(
        select(Election).where(Election.phase == Phase.CERTIFIED).order_by(Election.id)
    ):
        event = certification_event(session, election)
        if event is None:
            problems.append(f"election {election.id}: certified without a council.certified event")
            continue
        members = council_members(session, election)
        recorded = event.details.get("composition")
        if recorded is not None:
            same = rules.composition_hash(members) == recorded
        else:  # certified before the composition's hash was recorded: compare the names
            same = event.details.get("council") == [
                {"name": m.name, "seat": m.seat, "partner": m.partner} for m in members
            ]
        if not same:
            problems.append(
                f"election {election.id}: the Council the results give now is not the one "
                "certified (the composition's hash differs)"
            )
    return problems
