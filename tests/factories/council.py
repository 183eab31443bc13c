"""Builders for the council tests: appointments and elections counted through the tally."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from election.audit.service import Actor
from election.auth.models import Role
from election.council.composition import TermDates, certify
from election.council.models import AppointedSeat, Appointment
from election.council.rules import DEFAULT_AUTHORITY
from election.council.term import today
from election.db import utcnow
from election.elections.models import Motion, MotionStatus, Phase
from election.extensions import db
from election.partners.models import PartnerGroup
from election.tally import counting
from election.voting.models import Round, RoundStatus
from tests.factories import (
    GROUPS,
    SYSTEM,
    adopt_rules,
    freeze_roll,
    key_store,
    make_candidate,
    make_election,
    make_partner,
    make_round,
    make_user,
)
from tests.factories.tally import cast, close, open_

#: Appointed members whose names carry every Polish letter: ą ć ę ł ń ó ś ź ż.
APPOINTED = {
    (AppointedSeat.LEADER, 1): ("Bożena Żółtańska-Jaźwiec", "Członek Zarządu Województwa"),
    (AppointedSeat.SCSI, 1): ("Mściwój Gąsienica-Łęcki", "Zastępca Dyrektora ŚCSI"),
    (AppointedSeat.SCSI, 2): ("Ignacy Kuć", "Kierownik Działu Systemów"),
}


def make_appointment(
    election: Any,
    seat: AppointedSeat = AppointedSeat.SCSI,
    slot: int = 1,
    full_name: str | None = None,
    *,
    position: str | None = None,
    superseded: bool = False,
) -> Appointment:
    """An appointment written directly (no service, no audit)."""
    default_name, default_position = APPOINTED.get((seat, slot), ("Jan Nowak", "Specjalista"))
    appointment = Appointment(
        election_id=election.id,
        seat=seat,
        slot=slot,
        full_name=full_name or default_name,
        position=position or default_position,
        authority=DEFAULT_AUTHORITY[seat.value],
        document_ref=f"Uchwała nr {slot}/2026",
        document_date=dt.date(2026, 6, 10),
    )
    if superseded:
        appointment.superseded_at = utcnow()
    db.session.add(appointment)
    db.session.flush()
    return appointment


def appoint_all(election: Any) -> list[Appointment]:
    """Fill every appointed place of ``election``."""
    return [
        make_appointment(election, seat, slot)
        for seat, count in (
            (AppointedSeat.LEADER, election.leader_seats),
            (AppointedSeat.SCSI, election.scsi_seats),
        )
        for slot in range(1, count + 1)
    ]


def count(round_: Round, partners: Sequence[Any], ballots: Sequence[Sequence[Any]]) -> Round:
    """The i-th partner casts the i-th ballot, then the round is closed and counted."""
    for partner, choices in zip(partners, ballots, strict=False):
        cast(round_, partner, choices)
    close(round_)
    counting.count_round(db.session, SYSTEM, round_, key_store())
    return round_


NAMES = ("Anna Nowak", "Łukasz Zieliński", "Piotr Ćwik")


def _voting_world(
    names_for: Callable[[PartnerGroup], tuple[str, ...]] = lambda group: NAMES,
) -> dict[str, Any]:
    """Like ``voting_election(4, 3)``, but the accounts have no password: hashing 13
    passwords with scrypt made up most of each council test's time. ``names_for``: a
    group's candidates (of :data:`NAMES`)."""
    election = make_election("voting")
    adopt_rules(election)
    world: dict[str, Any] = {
        "election": election,
        "partners": {},
        "reps": {},
        "candidates": {},
        "rounds": {},
    }
    for group in GROUPS:
        partners = [make_partner(group) for _ in range(4)]
        freeze_roll(election, partners)
        world["partners"][group] = partners
        world["reps"][group] = [
            make_user(Role.PARTNER_REP, partner=p, password=None) for p in partners
        ]
        candidates = [
            make_candidate(election, partners[i], f"{name} {group.value}")
            for i, name in enumerate(names_for(group))
        ]
        world["candidates"][group] = candidates
        world["rounds"][group] = make_round(election, group, candidates)
    world["chair"] = make_user(Role.CHAIR, password=None)
    return world


def closed_election(
    *,
    tie_in: PartnerGroup | None = None,
    settle: str | None = None,
    appointed: bool = True,
    motion: bool = True,
) -> dict[str, Any]:
    """A secret election counted and closed: 4 Partners and 3 candidates per group.

    Without a tie each group elects its candidates 0 and 1 (3 and 2 votes; candidate 2
    has 1). With ``tie_in`` that group's candidate 0 is elected and 1 and 2 tie for the
    last seat (1 vote each) — unresolved, or with ``settle`` ("lots": the chair records
    lots for candidate 2; "seeded": the app draws) after a runoff that ties again.
    The dict is shaped like :func:`tests.factories.voting_election`'s, plus "runoff"
    when settled.
    """
    world = _voting_world()
    election = world["election"]
    for group in GROUPS:
        a, b, c = world["candidates"][group]
        ballots = [[a, b], [a, b], [a, c], [b]] if group != tie_in else [[a, b], [a, c], [a], []]
        count(world["rounds"][group], world["partners"][group], ballots)
    if tie_in is not None and settle is not None:
        world["runoff"] = _runoff_and_lots(world, tie_in, seeded=settle == "seeded")
    if motion:
        db.session.add(
            Motion(
                election_id=election.id,
                kind="rules_approval",
                title="Przyjęcie Regulaminu wyboru Członków Rady",
                status=MotionStatus.CLOSED,
                yes=10,
                no=1,
                abstain=1,
                adopted=True,
            )
        )
    election.phase = Phase.CLOSED
    if appointed:
        world["appointments"] = appoint_all(election)
    db.session.flush()
    return world


def _runoff_and_lots(world: dict[str, Any], group: PartnerGroup, *, seeded: bool) -> Round:
    """The runoff of ``group`` ties again and lots settle it (during voting)."""
    runoff = counting.open_runoff(db.session, SYSTEM, world["rounds"][group])
    open_(runoff)
    _a, b, c = world["candidates"][group]
    count(runoff, world["partners"][group], [[b], [c], []])
    chair = Actor(world["chair"].id, world["chair"].email)
    if seeded:
        counting.draw_lots(db.session, chair, runoff)
    else:
        counting.record_lots(
            db.session, chair, runoff, "Zofia Kołłątaj", [c.id], "Losowanie w sali, urna nr 1"
        )
    assert runoff.status is RoundStatus.CLOSED
    return runoff


# --- issue 14: a group short of candidates, the Council over its term ----------------------


def short_election(*, closed: bool = False, appointed: bool = True) -> dict[str, Any]:
    """A secret election whose powiaty had one candidate for two seats: gminy and miasta
    elect candidates 0 and 1, powiaty only its one candidate — the group is "short" (dead
    end C). In voting unless ``closed``. Shaped like :func:`closed_election`'s world, the
    powiat candidates a list of one; ``world["spare"]`` is a powiat Partner without a
    candidate (a supplementary nomination represents it)."""
    world = _voting_world(lambda group: NAMES[:1] if group == PartnerGroup.POWIAT else NAMES)
    election = world["election"]
    for group in GROUPS:
        candidates = world["candidates"][group]
        if group == PartnerGroup.POWIAT:
            ballots: list[list[Any]] = [[candidates[0]], [candidates[0]], [], [candidates[0]]]
        else:
            a, b, c = candidates
            ballots = [[a, b], [a, b], [a, c], [b]]
        count(world["rounds"][group], world["partners"][group], ballots)
    world["spare"] = world["partners"][PartnerGroup.POWIAT][3]
    if closed:
        election.phase = Phase.CLOSED
    if appointed:
        world["appointments"] = appoint_all(election)
    db.session.flush()
    return world


def certified_council(
    *, started: dt.date | None = None, ends: dt.date | None = None, **kwargs: Any
) -> dict[str, Any]:
    """:func:`closed_election` certified through the service, its term begun ``started``
    (30 days ago by default) and ending ``ends``."""
    world = closed_election(**kwargs)
    started = started or today() - dt.timedelta(days=30)
    certify(db.session, SYSTEM, world["election"], key_store(), term_dates=TermDates(started, ends))
    world["started"] = started
    return world
