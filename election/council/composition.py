"""The Council as it stands — appointed and elected members, what is still missing —
and its certification, which ends the election."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from election import signals
from election.audit.models import AuditEvent
from election.audit.service import Actor, head_hash, record
from election.candidates.nominations import accepting_supplement
from election.council import rules, term
from election.council.members import (
    Statuses,
    appointments_at,
    council_members,
    current_appointments,
    elected,
    key_of,
    seats,
)
from election.council.models import AppointedSeat
from election.council.rules import Missing
from election.council.vacancies import vacancies_of
from election.db import utcnow
from election.elections import custody
from election.elections.custody import KeyStore
from election.elections.models import Election, Motion, Phase
from election.errors import N_, Conflict, ValidationFailed
from election.labels import GROUP_LABELS, SEAT_LABELS
from election.partners.models import GROUPS
from election.tally.results import PENDING_SHORT, group_status

__all__ = [
    "CERTIFIED_ACTION",
    "CouncilIncomplete",
    "TermDates",
    "certification_event",
    "certify",
    "council_members",
    "final_council",
    "missing_seats",
    "rules_motion",
    "seat_conflicts",
]

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


def _appointed(session: Session, election: Election) -> list:  # type: ignore[type-arg]
    if election.certified and election.certified_at is not None:
        return appointments_at(session, election, election.certified_at)
    return current_appointments(session, election)


def seat_conflicts(
    session: Session, election: Election, statuses: Statuses | None = None
) -> list[Missing]:
    """One person, one seat: every person who would hold two seats — appointed and
    elected, or (a by-election) elected and already sitting in the Council it completes."""
    holders = [
        (key_of(a.full_name), a.full_name, SEAT_LABELS[a.seat.value])
        for a in _appointed(session, election)
    ]
    holders += [
        (key_of(c.full_name), c.full_name, SEAT_LABELS[c.group.value])
        for c in elected(session, election, statuses)
    ]
    if election.by_election and not election.certified:
        council = term.council_term(session, election)
        holders += [
            (key_of(t.member.name), t.member.name, t.seat_label)
            for t in council.members_on(term.today())
        ]
    return rules.two_seats(holders)


def missing_seats(
    session: Session, election: Election, statuses: Statuses | None = None
) -> list[Missing]:
    """Every seat not yet filled, every tie or round still pending, and every person in
    two seats, in Council order. A group short of candidates whose empty seats are
    recorded as a vacancy (:mod:`election.council.vacancies`) misses nothing."""
    current = _appointed(session, election)
    missing: list[Missing] = []
    for seat in (AppointedSeat.LEADER, AppointedSeat.SCSI):
        taken = [a.slot for a in current if a.seat == seat]
        missing += rules.missing_appointed(
            seat.value, SEAT_LABELS[seat], taken, seats(election, seat)
        )
    statuses = statuses or group_status(session, election)
    vacancies = vacancies_of(session, election)
    for group in GROUPS:
        if not election.elects(group):
            continue  # a by-election elects one group
        status = statuses[group]
        label = GROUP_LABELS[group]
        if status.pending == PENDING_SHORT:
            empty = status.seats - len(status.elected)
            vacancy = vacancies.get(group)
            if vacancy is not None and vacancy.seats == empty:
                continue
            voting = election.phase == Phase.VOTING
            if voting and accepting_supplement(session, election, group) is not None:
                missing.append(
                    Missing(
                        group.value,
                        N_(
                            "Grupa „%(group)s”: trwają zgłoszenia uzupełniające — zweryfikuj "
                            "zgłoszenia i opublikuj je; potem tura dla wolnych miejsc."
                        ),
                        {"group": label},
                    )
                )
                continue
            missing.append(
                rules.missing_short(
                    group.value,
                    label,
                    seats=status.seats,
                    elected=len(status.elected),
                    voting=voting,
                )
            )
            continue
        missing += rules.missing_elected(
            group.value,
            label,
            seats=status.seats,
            elected=len(status.elected),
            complete=status.complete,
            pending=status.pending,
        )
    return missing + seat_conflicts(session, election, statuses)


@dataclass(frozen=True)
class TermDates:
    """The term of office of the Council being certified; no end: until the next one."""

    starts_on: dt.date
    ends_on: dt.date | None = None


def _check_term(dates: TermDates) -> None:
    if dates.ends_on is not None and dates.ends_on <= dates.starts_on:
        raise ValidationFailed(N_("Koniec kadencji musi przypadać po jej początku."))


def certify(
    session: Session,
    actor: Actor,
    election: Election,
    keys: KeyStore,
    *,
    term_dates: TermDates | None = None,
) -> None:
    """Certify the results: closed → certified; the ballot box's key is destroyed
    (:func:`custody.destroy`: from now on nobody can decrypt anything of this election);
    :data:`signals.council_certified` tells the features above (publishing queues the
    results for the LMS course).

    A Council's term begins (``term_dates``; by default today, without an end); a
    by-election's members join the Council it completes, whose term must still run.
    Raises :class:`WrongPhase` unless the election is closed, :class:`CouncilIncomplete`
    while a seat is empty (and not a recorded vacancy), a tie unresolved or a person
    would hold two seats, :class:`ValidationFailed` for a term ending before it begins.
    The audit event carries the head hash of the chain as it stood and the hash of the
    composition (:func:`rules.composition_hash`), fixing what was certified.
    """
    # Two chairs pressing the button at once: the second waits here, then sees the
    # election certified (PostgreSQL; SQLite writers are serialised already).
    session.execute(select(Election.id).where(Election.id == election.id).with_for_update())
    session.refresh(election)
    election.require_phase(Phase.CLOSED)
    dates = term_dates or TermDates(term.today())
    _check_term(dates)
    if election.by_election:
        term.require_running(term.council_term(session, election), term.today())
    missing = missing_seats(session, election)
    if missing:
        raise CouncilIncomplete(missing)
    members = council_members(session, election)
    vacancies = vacancies_of(session, election)
    vacant = sum(v.seats for v in vacancies.values())
    people = {key_of(m.name) for m in members}
    if len(members) + vacant != election.council_size or len(people) != len(members):
        # Cannot happen when missing_seats is empty; guards the invariants all the same:
        # every seat filled or vacant, and never more rows than people.
        raise CouncilIncomplete([Missing("council", N_("Skład Rady jest niepełny."), {})])
    # Nothing is left to decrypt: the key goes first, so the certification event (which
    # the protocol quotes) covers its destruction too. Should the transaction fail after
    # this, no harm is done: every round was counted already.
    custody.destroy(session, actor, election, keys)
    chain_head = head_hash(session)
    election.advance_to(Phase.CERTIFIED)
    election.certified_at = utcnow()
    if not election.by_election:
        row = term.council_row(session, election)
        row.starts_on, row.ends_on = dates.starts_on, dates.ends_on
    session.flush()
    details: dict[str, object] = {}
    if election.by_election:
        details["completes"] = election.completes_id
    else:
        details["term"] = {"starts_on": dates.starts_on, "ends_on": dates.ends_on}
    if vacancies:
        details["vacancies"] = {g.value: v.seats for g, v in vacancies.items()}
    record(
        session,
        actor,
        CERTIFIED_ACTION,
        election,
        audit_head=chain_head,
        council=[{"name": m.name, "seat": m.seat, "partner": m.partner} for m in members],
        composition=rules.composition_hash(members),
        **details,
    )
    signals.council_certified.send(session, actor=actor, election=election)


def final_council(session: Session, election: Election) -> dict[str, object]:
    """What ``templates/council/_final_council.html`` is rendered with (the chair's
    dashboard and the projector include it): the members, the vacancies recorded and
    the seats' labels."""
    return {
        "members": council_members(session, election),
        "vacancies": vacancies_of(session, election),
        "seat_labels": SEAT_LABELS,
    }


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
