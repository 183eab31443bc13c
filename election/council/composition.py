"""The Council as it stands — appointed and elected members, what is still missing —
and its certification, which ends the election."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from election import signals
from election.audit.models import AuditEvent
from election.audit.service import Actor, head_hash, record
from election.council import rules
from election.council.appointments import current_appointments, seats
from election.council.models import AppointedSeat
from election.council.rules import Member, Missing
from election.db import utcnow
from election.elections import custody
from election.elections.custody import KeyStore
from election.elections.models import Election, Motion, Phase
from election.errors import N_, Conflict
from election.labels import GROUP_LABELS, SEAT_LABELS
from election.partners.models import GROUPS
from election.tally.results import group_status

#: Audit action of the certification; the protocol quotes that event's hash.
CERTIFIED_ACTION = "council.certified"


class CouncilIncomplete(Conflict):
    """Certification refused: ``missing`` says which seats are not filled and why."""

    code = "council_incomplete"

    def __init__(self, missing: list[Missing]) -> None:
        self.missing = missing
        super().__init__(
            N_("Nie można zatwierdzić wyników — brakuje: %(missing)s"),
            missing=" ".join(m.text for m in missing),
        )


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
        missing += rules.missing_appointed(
            seat.value, SEAT_LABELS[seat], taken, seats(election, seat)
        )
    statuses = group_status(session, election)
    for group in GROUPS:
        status = statuses[group]
        missing += rules.missing_elected(
            group.value,
            GROUP_LABELS[group],
            seats=status.seats,
            elected=len(status.elected),
            complete=status.complete,
            pending=status.pending,
        )
    return missing


def certify(session: Session, actor: Actor, election: Election, keys: KeyStore) -> None:
    """Certify the results: closed → certified; the ballot box's key is destroyed
    (:func:`custody.destroy`: from now on nobody can decrypt anything of this election);
    :data:`signals.council_certified` tells the features above (publishing queues the
    results for the LMS course).

    Raises :class:`WrongPhase` unless the election is closed and
    :class:`CouncilIncomplete` while a seat is empty or a tie unresolved. The audit
    event carries the head hash of the chain as it stood and the hash of the
    composition (:func:`rules.composition_hash`), fixing what was certified.
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
    # Nothing is left to decrypt: the key goes first, so the certification event (which
    # the protocol quotes) covers its destruction too. Should the transaction fail after
    # this, no harm is done: every round was counted already.
    custody.destroy(session, actor, election, keys)
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
        composition=rules.composition_hash(members),
    )
    signals.council_certified.send(session, actor=actor, election=election)


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
