"""Appointments, the composition of the Council, certification and the exported results."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election.audit.models import AuditEvent
from election.audit.service import Actor, head_hash, record
from election.council import rules
from election.council.models import AppointedSeat, Appointment
from election.council.rules import Member, Missing
from election.db import utcnow
from election.elections.models import Election, Motion, Phase
from election.errors import N_, Conflict, NotFound
from election.publishing.models import PublicationKind
from election.publishing.service import enqueue
from election.tally import service as tally
from election.tally.service import GROUPS, group_status

#: Audit action of the certification; the protocol quotes that event's hash.
CERTIFIED_ACTION = "council.certified"

#: Appointments can be recorded in any phase until the results are certified.
APPOINTMENT_PHASES = tuple(p for p in Phase if p is not Phase.CERTIFIED)


class CouncilIncomplete(Conflict):
    """Certification refused: ``missing`` says which seats are not filled and why."""

    code = "council_incomplete"

    def __init__(self, missing: list[Missing]) -> None:
        self.missing = missing
        super().__init__(
            N_("Nie można zatwierdzić wyników — brakuje: %(missing)s"),
            missing=" ".join(m.text for m in missing),
        )


# --- appointments -------------------------------------------------------------------------


def current_appointments(session: Session, election: Election) -> list[Appointment]:
    """The current holders of the appointed seats: Leader first, then ŚCSI, by slot."""
    rows = session.scalars(
        select(Appointment).where(
            Appointment.election_id == election.id, Appointment.superseded_at.is_(None)
        )
    )
    return sorted(rows, key=lambda a: (a.seat != AppointedSeat.LEADER, a.slot))


def superseded_appointments(session: Session, election: Election) -> list[Appointment]:
    """Former holders, oldest replacement first (shown in the protocol's history)."""
    return list(
        session.scalars(
            select(Appointment)
            .where(Appointment.election_id == election.id, Appointment.superseded_at.is_not(None))
            .order_by(Appointment.superseded_at, Appointment.id)
        )
    )


def get_appointment(session: Session, election: Election, appointment_id: int) -> Appointment:
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.election_id != election.id:
        raise NotFound(N_("Nie ma takiego powołania."))
    return appointment


@dataclass(frozen=True)
class AppointmentData:
    """What the admin enters about an appointed member."""

    full_name: str
    position: str
    document_ref: str
    document_date: dt.date
    #: Empty: the seat's usual authority (:data:`rules.DEFAULT_AUTHORITY`).
    authority: str = ""


def _seats(election: Election, seat: AppointedSeat) -> int:
    return rules.seats_of(
        seat.value, leader_seats=election.leader_seats, scsi_seats=election.scsi_seats
    )


def _fill(appointment: Appointment, data: AppointmentData) -> None:
    appointment.full_name = data.full_name
    appointment.position = data.position
    appointment.authority = data.authority or rules.DEFAULT_AUTHORITY[appointment.seat.value]
    appointment.document_ref = data.document_ref
    appointment.document_date = data.document_date


def _slot_taken() -> Conflict:
    return Conflict(N_("To miejsce zostało właśnie obsadzone przez kogoś innego. Odśwież stronę."))


def appoint(
    session: Session,
    actor: Actor,
    election: Election,
    seat: AppointedSeat,
    data: AppointmentData,
    *,
    slot: int | None = None,
) -> Appointment:
    """Appoint a member to a free place of ``seat`` (``slot``, or the first free one).

    Raises :class:`WrongPhase` once certified, :class:`ValidationFailed` for a place
    the election does not have, :class:`Conflict` when the place — or every place of
    the seat — is held (a replacement, :func:`replace`, changes a holder).
    """
    election.require_phase(*APPOINTMENT_PHASES)
    taken = [a.slot for a in current_appointments(session, election) if a.seat == seat]
    slot = rules.choose_slot(seat.value, slot, taken, _seats(election, seat))
    appointment = Appointment(election_id=election.id, seat=seat, slot=slot)
    _fill(appointment, data)
    try:
        with session.begin_nested():
            session.add(appointment)
            session.flush()
    except IntegrityError as exc:
        # Someone else filled the place between our read and our write.
        raise _slot_taken() from exc
    record(
        session,
        actor,
        "appointment.created",
        appointment,
        election_id=election.id,
        seat=seat.value,
        slot=slot,
        full_name=appointment.full_name,
        position=appointment.position,
        authority=appointment.authority,
        document_ref=appointment.document_ref,
        document_date=appointment.document_date,
    )
    return appointment


def replace(
    session: Session,
    actor: Actor,
    election: Election,
    appointment_id: int,
    data: AppointmentData,
) -> Appointment:
    """Replace the holder of a place: the old appointment is superseded, not deleted.

    Raises :class:`NotFound`, :class:`WrongPhase` once certified, :class:`Conflict` when
    the appointment was already superseded.
    """
    election.require_phase(*APPOINTMENT_PHASES)
    old = get_appointment(session, election, appointment_id)
    if old.superseded_at is not None:
        raise Conflict(N_("To powołanie zostało już zastąpione innym."))
    new = Appointment(election_id=election.id, seat=old.seat, slot=old.slot)
    _fill(new, data)
    try:
        with session.begin_nested():
            old.superseded_at = utcnow()
            session.flush()
            session.add(new)
            session.flush()
    except IntegrityError as exc:
        raise _slot_taken() from exc
    record(
        session,
        actor,
        "appointment.replaced",
        new,
        election_id=election.id,
        seat=new.seat.value,
        slot=new.slot,
        replaced_id=old.id,
        replaced_name=old.full_name,
        full_name=new.full_name,
        position=new.position,
        authority=new.authority,
        document_ref=new.document_ref,
        document_date=new.document_date,
    )
    return new


# --- the Council -------------------------------------------------------------------------


def council_members(session: Session, election: Election) -> list[Member]:
    """The members as they stand: appointed (Leader, ŚCSI) then elected by group.

    The first Leader's representative chairs the Council. Incomplete until every seat
    is filled; :func:`missing_seats` says what is missing.
    """
    members = [
        Member(
            name=a.full_name,
            position=a.position,
            seat=a.seat.value,
            chairs=a.seat == AppointedSeat.LEADER and a.slot == 1,
            authority=a.authority,
            document_ref=a.document_ref,
            document_date=a.document_date,
        )
        for a in current_appointments(session, election)
    ]
    statuses = group_status(session, election)
    for group in GROUPS:
        for candidate in statuses[group].elected:
            members.append(
                Member(
                    name=candidate.full_name,
                    position=candidate.position,
                    seat=group.value,
                    partner=candidate.partner.name,
                )
            )
    return members


def missing_seats(session: Session, election: Election) -> list[Missing]:
    """Every seat not yet filled, and every tie or round still pending, in Council order."""
    current = current_appointments(session, election)
    missing: list[Missing] = []
    for seat in (AppointedSeat.LEADER, AppointedSeat.SCSI):
        taken = [a.slot for a in current if a.seat == seat]
        missing += rules.missing_appointed(seat.value, taken, _seats(election, seat))
    statuses = group_status(session, election)
    for group in GROUPS:
        status = statuses[group]
        missing += rules.missing_elected(
            group.value,
            seats=status.seats,
            elected=len(status.elected),
            complete=status.complete,
            pending=status.pending,
        )
    return missing


def certify(session: Session, actor: Actor, election: Election) -> None:
    """Certify the results: closed → certified, and queue their publication to the LMS.

    Raises :class:`WrongPhase` unless the election is closed and
    :class:`CouncilIncomplete` while a seat is empty or a tie unresolved. The audit
    event carries the head hash of the chain as it stood, fixing what was certified.
    """
    # Two chairs pressing the button at once: the second waits here, then sees the
    # election certified (PostgreSQL; SQLite writers are serialised already).
    session.execute(select(Election.id).where(Election.id == election.id).with_for_update())
    session.refresh(election)
    election.require_phase(Phase.CLOSED)
    missing = missing_seats(session, election)
    if missing:
        raise CouncilIncomplete(missing)
    members = council_members(session, election)
    if len(members) != election.council_size:
        # Cannot happen when missing_seats is empty; guards the invariant all the same.
        raise CouncilIncomplete([Missing("council", N_("Skład Rady jest niepełny."), {})])
    chain_head = head_hash(session)
    election.advance_to(Phase.CERTIFIED)
    election.certified_at = utcnow()
    session.flush()
    record(
        session,
        actor,
        CERTIFIED_ACTION,
        election,
        audit_head=chain_head,
        council=[{"name": m.name, "seat": m.seat, "partner": m.partner} for m in members],
    )
    enqueue(session, election.id, PublicationKind.RESULTS)


# --- the record of the vote, for the protocol and the exports -----------------------------


def certification_event(session: Session, election: Election) -> AuditEvent | None:
    """The audit event that certified ``election`` (the latest, should there be more)."""
    return session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.action == CERTIFIED_ACTION,
            AuditEvent.object_type == "Election",
            AuditEvent.object_id == str(election.id),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def rules_motion(session: Session, election: Election) -> Motion | None:
    """The motion that adopted (or rejected) the Regulamin, the latest if repeated."""
    return session.scalar(
        select(Motion)
        .where(Motion.election_id == election.id, Motion.kind == "rules_approval")
        .order_by(Motion.id.desc())
        .limit(1)
    )


def _member_json(member: Member) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": member.name,
        "position": member.position,
        "seat": member.seat,
        "chairs": member.chairs,
    }
    if member.partner is not None:
        data["partner"] = member.partner
    if member.appointed:
        data["authority"] = member.authority
        data["document_ref"] = member.document_ref
        data["document_date"] = member.document_date.isoformat() if member.document_date else None
    return data


def _round_json(view: tally.RoundView) -> dict[str, Any]:
    t = view.tally
    return {
        "number": view.number,
        "kind": view.kind.value,
        "seats": view.round.seats,
        "roll": view.roll,
        "ballots": t.ballots if t else None,
        "online": t.online if t else None,
        "paper": t.paper if t else None,
        "blank": t.blank if t else None,
        "valid": t.valid if t else None,
        "tied": [c.full_name for c in view.tied_candidates],
        "candidates": [
            {
                "name": line.candidate.full_name,
                "partner": line.candidate.partner.name,
                "votes": line.votes,
                "rank": line.rank,
                "elected": line.elected,
                "by_lot": line.by_lot,
            }
            for line in view.lines
        ],
        "lots": (
            {
                "drawn_by": view.lots.drawn_by,
                "seed": view.lots.seed,
                "winners": [c.full_name for c in view.lot_winners],
                "note": view.lots.note,
            }
            if view.lots
            else None
        ),
    }


def results_json(session: Session, election: Election) -> dict[str, Any]:
    """The results and the Council in the shape of the public API (DESIGN.md § 7):
    per group the totals of its main round, every round's votes, ties and lots."""
    groups: dict[str, Any] = {}
    for group, g in tally.results(session, election).groups.items():
        main = g.main.tally if g.main else None
        groups[group.value] = {
            "seats": g.seats,
            "roll": g.roll,
            "ballots": main.ballots if main else None,
            "online": main.online if main else None,
            "paper": main.paper if main else None,
            "blank": main.blank if main else None,
            "complete": g.status.complete,
            "elected": [c.full_name for c in g.status.elected],
            "rounds": [_round_json(view) for view in g.rounds],
        }
    return {
        "election": {
            "id": election.id,
            "title": election.title,
            "phase": election.phase.value,
            "term": election.term,
            "meeting_date": election.meeting_date.isoformat() if election.meeting_date else None,
            "meeting_place": election.meeting_place,
            "certified_at": election.certified_at.isoformat() if election.certified_at else None,
        },
        "certified": election.phase is Phase.CERTIFIED,
        "groups": groups,
        "council": [_member_json(m) for m in council_members(session, election)],
    }


CSV_HEADER = [
    "część",
    "grupa",
    "tura",
    "imię i nazwisko",
    "Partner",
    "głosy",
    "wybrany",
    "miejsce w Radzie",
    "stanowisko",
]


def results_csv(session: Session, election: Election) -> bytes:
    """The results and the Council as CSV for Excel: UTF-8 with BOM, semicolons.

    One table: rows "wyniki" (a candidate in a round) then rows "skład Rady".
    """
    safe = rules.spreadsheet_safe
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for group, g in tally.results(session, election).groups.items():
        for view in g.rounds:
            for line in view.lines:
                elected = "tak (losowanie)" if line.by_lot else ("tak" if line.elected else "nie")
                writer.writerow(
                    [
                        "wyniki",
                        group.value,
                        view.number,
                        safe(line.candidate.full_name),
                        safe(line.candidate.partner.name),
                        "" if line.votes is None else line.votes,
                        elected if view.counted else "",
                        "",
                        safe(line.candidate.position),
                    ]
                )
    for member in council_members(session, election):
        writer.writerow(
            [
                "skład Rady",
                "" if member.appointed else member.seat,
                "",
                safe(member.name),
                safe(member.partner or ""),
                "",
                "",
                rules.SEAT_LABELS[member.seat]
                + (" (przewodniczący Rady)" if member.chairs else ""),
                safe(member.position),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
