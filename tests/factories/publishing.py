"""Builders for the publishing tests: an LMS connection, and elections worth publishing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from election.council.models import AppointedSeat, Appointment
from election.extensions import db
from election.partners.models import PartnerGroup
from election.publishing.models import LmsSettings, PublicationKind
from election.publishing.outbox import enqueue
from election.tally.models import CandidateResult, RoundTally
from tests.factories import (
    GROUPS,
    adopt_rules,
    freeze_roll,
    make_candidate,
    make_election,
    make_partner,
    make_round,
)
from tests.support.moodle import GOOD_TOKEN


def configure_lms(url: str, token: str = GOOD_TOKEN, course: str = "umowy-sekap") -> LmsSettings:
    settings = LmsSettings(base_url=url, token=token, course=course)
    db.session.add(settings)
    db.session.flush()
    return settings


#: Surnames that test the Polish alphabet: Lis < Łada, Sowa < Śliwa, Zych < Żak.
NAMES = {
    PartnerGroup.GMINA: ["Ewa Śliwa", "Jan Sowa"],
    PartnerGroup.POWIAT: ["Łukasz Łada", "Anna Lis"],
    PartnerGroup.MIASTO_NPP: ["Ewa Żak", "Piotr Zych"],
}


def published_candidates_election(*, enqueued: bool = True) -> Any:
    """An election whose candidate list is published (and queued for the LMS)."""
    election = make_election("candidates_published", title="Wybory Rady 2026")
    for group in GROUPS:
        for name in NAMES[group]:
            partner = make_partner(group)
            make_candidate(election, partner, name, position="Sekretarz")
    if enqueued:
        enqueue(db.session, election.id, PublicationKind.CANDIDATES)
    return election


def certified_election(*, enqueued: bool = True, phase: str = "certified") -> dict[str, Any]:
    """A certified election: one counted round per group (two elected) and appointments.

    With ``phase="closed"`` it is ready for the chair to certify.

    Returns ``{"election", "candidates": {group: [...]}, "rounds": {group: Round}}``.
    """
    election = make_election(phase, title="Wybory Rady 2026")
    adopt_rules(election)
    world: dict[str, Any] = {"election": election, "candidates": {}, "rounds": {}}
    for group in GROUPS:
        partners = [make_partner(group) for _ in range(3)]
        freeze_roll(election, partners)
        candidates = [
            make_candidate(election, partners[i], f"{name} {group.value}")
            for i, name in enumerate(("Anna Nowak", "Łukasz Zieliński", "Piotr Ćwik"))
        ]
        round_ = make_round(election, group, candidates, status="closed")
        world["candidates"][group] = candidates
        world["rounds"][group] = round_
        db.session.add(
            RoundTally(
                round_id=round_.id,
                roll=3,
                ballots=3,
                online=2,
                paper=1,
                blank=0,
                valid=True,
                tied=[],
                seats_filled=2,
            )
        )
        for rank, (candidate, votes) in enumerate(zip(candidates, (3, 2, 1)), start=1):
            db.session.add(
                CandidateResult(
                    round_id=round_.id,
                    candidate_id=candidate.id,
                    votes=votes,
                    rank=rank,
                    elected=rank <= 2,
                )
            )
    for seat, slot, name in (
        (AppointedSeat.LEADER, 1, "Maria Przewodnicząca"),
        (AppointedSeat.SCSI, 1, "Adam Informatyk"),
        (AppointedSeat.SCSI, 2, "Beata Sieciowa"),
    ):
        db.session.add(
            Appointment(
                election_id=election.id,
                seat=seat,
                slot=slot,
                full_name=name,
                position="Dyrektor",
                authority="Zarząd Województwa Śląskiego",
                document_ref="Uchwała 1/2026",
                document_date=dt.date(2026, 6, 1),
            )
        )
    db.session.flush()
    if enqueued:
        enqueue(db.session, election.id, PublicationKind.RESULTS)
    return world
