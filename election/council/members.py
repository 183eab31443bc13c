"""Who sits in the Council of one election: the appointments (current, superseded, as
they stood at certification) and the members elected, with the candidates they were.

The lowest module of the feature: the composition, the term and the appointments read
the members from here.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.candidates.models import Candidate
from election.candidates.rules import person_key
from election.council import rules
from election.council.models import AppointedSeat, Appointment
from election.council.rules import Member
from election.elections.models import Election
from election.partners.models import GROUPS, PartnerGroup
from election.tally.results import GroupStatus, group_status

#: The groups' statuses (:func:`election.tally.results.group_status`), read once.
Statuses = dict[PartnerGroup, GroupStatus]


def current_appointments(session: Session, election: Election) -> list[Appointment]:
    """The current holders of the appointed seats: Leader first, then ŚCSI, by slot."""
    rows = session.scalars(
        select(Appointment).where(
            Appointment.election_id == election.id, Appointment.superseded_at.is_(None)
        )
    )
    return _in_order(rows)


def _in_order(rows: object) -> list[Appointment]:
    return sorted(rows, key=lambda a: (a.seat != AppointedSeat.LEADER, a.slot))  # type: ignore[call-overload]


def appointments_at(session: Session, election: Election, when: dt.datetime) -> list[Appointment]:
    """The holders of the appointed seats as they stood at ``when`` (e.g. certification):
    appointed by then and not superseded by then."""
    rows = session.scalars(
        select(Appointment).where(
            Appointment.election_id == election.id,
            Appointment.created_at <= when,
            Appointment.superseded_at.is_(None) | (Appointment.superseded_at > when),
        )
    )
    return _in_order(rows)


def all_appointments(session: Session, election: Election) -> list[Appointment]:
    """Every appointment of the election, superseded ones too, oldest first."""
    return list(
        session.scalars(
            select(Appointment)
            .where(Appointment.election_id == election.id)
            .order_by(Appointment.created_at, Appointment.id)
        )
    )


def superseded_appointments(session: Session, election: Election) -> list[Appointment]:
    """Former holders, oldest replacement first (shown in the protocol's history)."""
    return list(
        session.scalars(
            select(Appointment)
            .where(Appointment.election_id == election.id, Appointment.superseded_at.is_not(None))
            .order_by(Appointment.superseded_at, Appointment.id)
        )
    )


def seats(election: Election, seat: AppointedSeat) -> int:
    """How many places the election gives ``seat``."""
    return rules.seats_of(
        seat.value, leader_seats=election.leader_seats, scsi_seats=election.scsi_seats
    )


def appointed_member(appointment: Appointment) -> Member:
    """An appointment as a member; the Leader's first representative chairs."""
    return Member(
        name=appointment.full_name,
        position=appointment.position,
        seat=appointment.seat.value,
        chairs=appointment.seat == AppointedSeat.LEADER and appointment.slot == 1,
        authority=appointment.authority,
        document_ref=appointment.document_ref,
        document_date=appointment.document_date,
    )


def elected_member(candidate: Candidate) -> Member:
    return Member(
        name=candidate.full_name,
        position=candidate.position,
        seat=candidate.group.value,
        partner=candidate.partner.name,
    )


def elected(
    session: Session, election: Election, statuses: Statuses | None = None
) -> list[Candidate]:
    """The candidates elected so far, by group, in the order they won their seats
    (``statuses``: the groups' statuses when the caller has read them already)."""
    statuses = statuses or group_status(session, election)
    return [c for group in GROUPS for c in statuses[group].elected]


def council_members(
    session: Session, election: Election, statuses: Statuses | None = None
) -> list[Member]:
    """The members as they stand: appointed (Leader, ŚCSI) then elected by group.

    Once certified, the members as certified: appointments made later (replacements
    during the term) are the Council's history (:mod:`election.council.term`), not its
    certified composition — ``flask audit verify`` recomputes this and compares it with
    the certification. Incomplete until every seat is filled;
    :func:`election.council.composition.missing_seats` says what is missing.
    """
    if election.certified and election.certified_at is not None:
        appointed = appointments_at(session, election, election.certified_at)
    else:
        appointed = current_appointments(session, election)
    return [appointed_member(a) for a in appointed] + [
        elected_member(c) for c in elected(session, election, statuses)
    ]


def key_of(name: str) -> str:
    """The key identifying a person (``candidates.rules.person_key``): one person, one seat."""
    return person_key(name)
