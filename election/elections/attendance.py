"""Attendance: which Partners on the voter roll are present at the meeting, in the room
or online. The chair records it, one Partner at a time or, for those whose
representative has logged in, all at once; every change is audited.

What the chair sees from it — present, required for quorum and voted per group — is
:func:`election.voting.attendance.summary`; it lives above, with the rounds it reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from election.access import Role
from election.audit.service import Actor, record
from election.auth.models import User
from election.collation import fold
from election.db import utcnow
from election.elections import roll as voter_roll
from election.elections.models import Election, Phase, RollEntry
from election.elections.people import Attendance, AttendanceMode
from election.errors import N_, NotFound, WrongPhase
from election.partners.models import PartnerGroup


def require_meeting(election: Election) -> None:
    """Attendance is recorded from the announcement until the Council is certified;
    raises :class:`WrongPhase` otherwise."""
    if election.phase in (Phase.DRAFT, Phase.CERTIFIED):
        raise WrongPhase(
            N_("Obecność zapisuje się od ogłoszenia wyborów do zatwierdzenia wyników.")
        )


def present(session: Session, election: Election) -> dict[int, Attendance]:
    """The election's attendance by Partner id."""
    rows = session.scalars(select(Attendance).where(Attendance.election_id == election.id))
    return {row.partner_id: row for row in rows}


def roll_entries(session: Session, election: Election) -> list[RollEntry]:
    """The voter roll (frozen once voting started, else as the register says now), by
    group and Polish order of names."""
    return [entry for entries in voter_roll.roll(session, election).values() for entry in entries]


def _roll_entry(session: Session, election: Election, partner_id: int) -> RollEntry:
    entry = next((e for e in roll_entries(session, election) if e.partner_id == partner_id), None)
    if entry is None:
        raise NotFound(N_("Tego Partnera nie ma w spisie uprawnionych tych wyborów."))
    return entry


def mark(
    session: Session,
    actor: Actor,
    election: Election,
    partner_id: int,
    mode: AttendanceMode | None,
) -> Attendance | None:
    """Record the Partner present in ``mode`` (``None``: not present); the attendance.

    The Partner must be on the roll. Recording what is already recorded changes nothing
    (and writes no event). Raises :class:`WrongPhase` or :class:`NotFound`.
    """
    require_meeting(election)
    entry = _roll_entry(session, election, partner_id)
    found = present(session, election).get(partner_id)
    if mode is None:
        if found is None:
            return None
        session.execute(delete(Attendance).where(Attendance.id == found.id))
        session.expunge(found)
        record(
            session,
            actor,
            "attendance.cleared",
            object_type="Partner",
            object_id=partner_id,
            election_id=election.id,
            teryt=entry.teryt,
        )
        return None
    if found is not None and found.mode == mode:
        return found
    if found is None:
        found = Attendance(election_id=election.id, partner_id=partner_id, mode=mode)
        session.add(found)
    found.mode = mode
    found.recorded_by_id = actor.id
    found.recorded_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        "attendance.marked",
        object_type="Partner",
        object_id=partner_id,
        election_id=election.id,
        teryt=entry.teryt,
        mode=mode.value,
    )
    return found


def logged_in_since(session: Session, partner_ids: list[int], since: dt.datetime) -> set[int]:
    """Of ``partner_ids``, those with an active representative who logged in at ``since``
    or later."""
    if not partner_ids:
        return set()
    return set(
        session.scalars(
            select(User.partner_id).where(
                User.role == Role.PARTNER_REP,
                User.active.is_(True),
                User.partner_id.in_(partner_ids),
                User.last_login_at >= since,
            )
        )
    )


def mark_online_logged_in(
    session: Session, actor: Actor, election: Election, since: dt.datetime
) -> list[int]:
    """Record online every Partner on the roll not yet present whose representative
    logged in at ``since`` or later (the meeting's day); the Partner ids marked.

    One ``attendance.marked_online`` event lists them. Raises :class:`WrongPhase`.
    """
    require_meeting(election)
    already = present(session, election)
    absent = [e.partner_id for e in roll_entries(session, election) if e.partner_id not in already]
    marked = sorted(logged_in_since(session, absent, since))
    if not marked:
        return []
    now = utcnow()
    session.add_all(
        Attendance(
            election_id=election.id,
            partner_id=partner_id,
            mode=AttendanceMode.ONLINE,
            recorded_by_id=actor.id,
            recorded_at=now,
        )
        for partner_id in marked
    )
    session.flush()
    record(
        session,
        actor,
        "attendance.marked_online",
        election,
        partners=marked,
        since=since,
    )
    return marked


@dataclass(frozen=True)
class RosterLine:
    """A Partner on the roll and its attendance (``None``: not present)."""

    partner_id: int
    name: str
    teryt: str
    group: PartnerGroup
    mode: AttendanceMode | None


def matches(entry: RollEntry, query: str) -> bool:
    """Whether a Partner answers a search: its name contains the words (case, diacritics
    and spaces folded), or its TERYT code starts with the digits."""
    words = fold(query).split()
    if not words:
        return True
    if len(words) == 1 and words[0].isdigit():
        return entry.teryt.startswith(words[0])
    name = fold(entry.partner_name)
    return all(word in name for word in words)


def roster(session: Session, election: Election, query: str = "") -> list[RosterLine]:
    """The roll with each Partner's attendance, the Partners answering ``query`` only
    (:func:`matches`), by group and name."""
    attendance = present(session, election)
    return [
        RosterLine(
            e.partner_id,
            e.partner_name,
            e.teryt,
            e.group,
            attendance[e.partner_id].mode if e.partner_id in attendance else None,
        )
        for e in roll_entries(session, election)
        if matches(e, query)
    ]
