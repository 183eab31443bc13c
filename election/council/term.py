"""The Council over its term: who held which seat when, who sits now, the seats open.

A certified election's Council has a term (``Council.starts_on`` … ``ends_on``, set at
certification). During it a member's mandate can end (:func:`end_mandate`: resignation,
death, the Partner leaving the agreement — a date and a reason, audited); an appointing
body names a replacement (``appointments.replace``); a by-election fills a group's open
seats (``election.council.by_elections``). Nothing here is stored twice: the history is
computed from the certified composition, the appointments, the certified by-elections
and the recorded ends of mandates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.candidates.rules import MAX_REASON, line_problem
from election.collation import collapse_spaces
from election.council.members import (
    all_appointments,
    appointed_member,
    elected,
    elected_member,
    key_of,
)
from election.council.models import AppointedSeat, Council, MandateEnd, MandateEndReason
from election.council.rules import Member
from election.council.vacancies import vacancies_of
from election.db import utcnow
from election.elections.models import Election
from election.elections.rules import utc_to_warsaw
from election.elections.service import by_elections_of, get_election
from election.errors import N_, Conflict, NotFound, ValidationFailed
from election.labels import SEAT_LABELS, group_order
from election.partners.models import GROUPS, PartnerGroup

#: What people read for a reason a mandate ended.
REASON_LABELS: dict[MandateEndReason, str] = {
    MandateEndReason.RESIGNATION: N_("rezygnacja"),
    MandateEndReason.DEATH: N_("śmierć"),
    MandateEndReason.PARTNER_LEFT: N_("Partner wystąpił z porozumienia"),
    MandateEndReason.RECALLED: N_("odwołanie przez organ powołujący"),
    MandateEndReason.OTHER: N_("inna przyczyna"),
}


def today() -> dt.date:
    """Today in Warsaw: mandates and terms are dates of the Council's calendar."""
    return utc_to_warsaw(utcnow()).date()


def warsaw_date(moment: dt.datetime) -> dt.date:
    return utc_to_warsaw(moment).date()


def council_row(session: Session, election: Election) -> Council:
    """The election's :class:`Council` row, added (unflushed) when it has none yet."""
    row = session.get(Council, election.id)
    if row is None:
        row = Council(election_id=election.id, chair_appoints=False)
        session.add(row)
    return row


@dataclass(frozen=True)
class Tenure:
    """One person holding one seat of the Council from ``since`` until ``until`` (the
    first day they no longer hold it; ``None``: still holding it)."""

    member: Member
    since: dt.date
    until: dt.date | None = None
    reason: MandateEndReason | None = None
    note: str = ""
    candidate_id: int | None = None
    appointment_id: int | None = None
    #: The place of an appointed seat (1…), ``None`` for an elected one.
    slot: int | None = None
    #: The by-election that elected the member, if one did.
    by_election_id: int | None = None

    @property
    def ref(self) -> str:
        """How a form names the tenure: ``c<candidate id>`` or ``a<appointment id>``."""
        return f"c{self.candidate_id}" if self.candidate_id else f"a{self.appointment_id}"

    def holds_on(self, day: dt.date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)

    @property
    def seat_label(self) -> object:
        return SEAT_LABELS[self.member.seat]


def _order(tenure: Tenure) -> tuple[object, ...]:
    seat = tenure.member.seat
    if seat in (AppointedSeat.LEADER.value, AppointedSeat.SCSI.value):
        return (0, seat != AppointedSeat.LEADER.value, tenure.slot or 0, tenure.since)
    return (1, group_order(seat), tenure.since, tenure.member.name)


@dataclass
class CouncilTerm:
    """A certified Council over its term: every tenure, the vacancies certified, the
    by-elections completing it."""

    election: Election
    starts_on: dt.date
    ends_on: dt.date | None
    tenures: list[Tenure]
    #: Seats per group certified empty (dead end C), to be filled by a by-election.
    vacancies: dict[PartnerGroup, int] = field(default_factory=dict)
    by_elections: list[Election] = field(default_factory=list)

    def running(self, day: dt.date) -> bool:
        """Whether the term runs on ``day``."""
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)

    def members_on(self, day: dt.date) -> list[Tenure]:
        """Who holds a seat on ``day``, in Council order (appointed, then by group)."""
        return sorted((t for t in self.tenures if t.holds_on(day)), key=_order)

    def history(self) -> list[Tenure]:
        """Every tenure, in Council order, each seat's holders in the order they held it."""
        return sorted(self.tenures, key=_order)

    def open_seats(self, day: dt.date) -> dict[PartnerGroup, int]:
        """Elected seats nobody holds on ``day``, per group (every group a key)."""
        held = self.members_on(day)
        return {
            group: self.election.seats_for(group)
            - sum(1 for t in held if t.member.seat == group.value)
            for group in GROUPS
        }

    def open_places(self, day: dt.date) -> list[tuple[AppointedSeat, int]]:
        """Appointed places nobody holds on ``day`` (a mandate ended, no replacement yet)."""
        held = {(t.member.seat, t.slot) for t in self.members_on(day)}
        return [
            (seat, slot)
            for seat, count in (
                (AppointedSeat.LEADER, self.election.leader_seats),
                (AppointedSeat.SCSI, self.election.scsi_seats),
            )
            for slot in range(1, count + 1)
            if (seat.value, slot) not in held
        ]

    def being_filled(self) -> dict[PartnerGroup, int]:
        """Seats per group that by-elections not yet certified are electing."""
        return {
            group: sum(b.seats_for(group) for b in self.by_elections if not b.certified)
            for group in GROUPS
        }

    def to_fill(self, day: dt.date) -> dict[PartnerGroup, int]:
        """Open seats per group that no by-election is filling yet (every group a key)."""
        filling = self.being_filled()
        return {
            group: max(0, empty - filling[group]) for group, empty in self.open_seats(day).items()
        }

    def find(self, ref: str) -> Tenure:
        """The tenure a form names (:attr:`Tenure.ref`), or :class:`NotFound`."""
        for tenure in self.tenures:
            if tenure.ref == ref:
                return tenure
        raise NotFound(N_("Nie ma takiego członka Rady."))


def council_of(session: Session, election: Election) -> Election:
    """The election whose Council ``election`` belongs to: itself, or for a by-election
    the election it completes."""
    return get_election(session, election.completes_id) if election.completes_id else election


def council_term(session: Session, election: Election) -> CouncilTerm:
    """The Council of ``election`` (or of the election a by-election completes) over
    its term. Raises :class:`NotFound` until that Council is certified."""
    council = council_of(session, election)
    certified_at = council.certified_at
    if not council.certified or certified_at is None:
        raise NotFound(N_("Skład Rady z tych wyborów nie został jeszcze zatwierdzony."))
    row = session.get(Council, council.id)
    starts_on = row.starts_on if row is not None and row.starts_on else warsaw_date(certified_at)
    ends_on = row.ends_on if row is not None else None
    ends = list(session.scalars(select(MandateEnd).where(MandateEnd.council_id == council.id)))
    by_candidate = {e.candidate_id: e for e in ends if e.candidate_id is not None}
    by_appointment = {e.appointment_id: e for e in ends if e.appointment_id is not None}

    tenures: list[Tenure] = []
    previous_end: dict[tuple[str, int], dt.date] = {}
    for a in all_appointments(session, council):
        if a.superseded_at is not None and a.superseded_at <= certified_at:
            continue  # replaced before the Council began: not part of its history
        place = (a.seat.value, a.slot)
        if a.created_at <= certified_at:
            since = starts_on
        else:
            since = max(a.document_date, starts_on, previous_end.get(place, starts_on))
        end = by_appointment.get(a.id)
        tenures.append(_tenure(appointed_member(a), since, end, appointment_id=a.id, slot=a.slot))
        if end is not None:
            previous_end[place] = end.ended_on
    for c in elected(session, council):
        tenures.append(
            _tenure(elected_member(c), starts_on, by_candidate.get(c.id), candidate_id=c.id)
        )
    by_elections = by_elections_of(session, council)
    for b in by_elections:
        if b.certified and b.certified_at is not None:
            since = warsaw_date(b.certified_at)
            for c in elected(session, b):
                tenures.append(
                    _tenure(
                        elected_member(c),
                        since,
                        by_candidate.get(c.id),
                        candidate_id=c.id,
                        by_election_id=b.id,
                    )
                )
    return CouncilTerm(
        election=council,
        starts_on=starts_on,
        ends_on=ends_on,
        tenures=tenures,
        vacancies={g: v.seats for g, v in vacancies_of(session, council).items()},
        by_elections=by_elections,
    )


def _tenure(member: Member, since: dt.date, end: MandateEnd | None, **refs: int | None) -> Tenure:
    return Tenure(
        member=member,
        since=since,
        until=end.ended_on if end else None,
        reason=end.reason if end else None,
        note=end.note if end else "",
        **refs,  # type: ignore[arg-type]
    )


def sitting_keys(term: CouncilTerm, day: dt.date, *, but: Tenure | None = None) -> set[str]:
    """The person keys of the members on ``day`` (``but`` one): one person, one seat."""
    return {key_of(t.member.name) for t in term.members_on(day) if t is not but}


def require_running(term: CouncilTerm, day: dt.date) -> None:
    """Refuse changes to a Council whose term has ended (or not begun)."""
    if not term.running(day):
        raise Conflict(
            N_("Kadencja tej Rady nie trwa (od %(start)s do %(end)s); jej skład się nie zmienia."),
            start=term.starts_on.strftime("%d.%m.%Y"),
            end=term.ends_on.strftime("%d.%m.%Y") if term.ends_on else "—",
        )


def end_mandate(
    session: Session,
    actor: Actor,
    election: Election,
    ref: str,
    ended_on: dt.date,
    reason: MandateEndReason,
    note: str = "",
    *,
    on: dt.date | None = None,
) -> MandateEnd:
    """Record that a member's mandate ended on ``ended_on`` (the first day without it),
    for ``reason``; the seat is then open (a by-election or a replacement fills it).

    ``ref`` names the member (:attr:`Tenure.ref`); ``on`` is today unless given.
    Raises :class:`NotFound` (no such member, Council not certified), :class:`Conflict`
    (the term is over, the mandate ended already) or :class:`ValidationFailed` (a date
    outside the tenure or in the future, a reason that does not fit the seat, a missing
    or bad note).
    """
    on = on or today()
    term = council_term(session, election)
    require_running(term, on)
    tenure = term.find(ref)
    if tenure.until is not None:
        raise Conflict(
            N_("Mandat tej osoby już wygasł (%(date)s)."), date=tenure.until.strftime("%d.%m.%Y")
        )
    if not tenure.since <= ended_on <= on:
        raise ValidationFailed(
            N_("Data wygaśnięcia mandatu musi być między %(since)s a dzisiejszym dniem."),
            since=tenure.since.strftime("%d.%m.%Y"),
        )
    appointed = tenure.member.appointed
    if appointed and reason == MandateEndReason.PARTNER_LEFT:
        raise ValidationFailed(
            N_("Członek powołany nie reprezentuje Partnera; wybierz inną przyczynę.")
        )
    if not appointed and reason == MandateEndReason.RECALLED:
        raise ValidationFailed(
            N_("Członka wybranego nie odwołuje organ powołujący; wybierz inną przyczynę.")
        )
    note = collapse_spaces(note or "")
    if reason == MandateEndReason.OTHER and not note:
        raise ValidationFailed(N_("Opisz przyczynę wygaśnięcia mandatu."))
    problem = line_problem(note, max_length=MAX_REASON, required=False)
    if problem:
        raise ValidationFailed(problem, max=MAX_REASON)
    end = MandateEnd(
        council_id=term.election.id,
        candidate_id=tenure.candidate_id,
        appointment_id=tenure.appointment_id,
        ended_on=ended_on,
        reason=reason,
        note=note,
        recorded_by_id=actor.id,
    )
    try:
        with session.begin_nested():
            session.add(end)
            session.flush()
    except IntegrityError as exc:  # recorded by someone else a moment ago
        raise Conflict(N_("Wygaśnięcie tego mandatu zostało już zapisane.")) from exc
    record(
        session,
        actor,
        "council.mandate_ended",
        end,
        council=term.election.id,
        name=tenure.member.name,
        seat=tenure.member.seat,
        slot=tenure.slot,
        partner=tenure.member.partner,
        ended_on=ended_on,
        reason=reason.value,
        note=note,
    )
    return end
