"""Pure rules of the Council: seats, slots, who chairs, what is missing.

Standard library and :mod:`election.errors` only, so the rules can be tested alone:
what people read of a seat or a group (``election.labels``) is passed in as ``label``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from election.errors import N_, Conflict, ValidationFailed

#: Seat codes of the appointed members (values of ``AppointedSeat``).
LEADER = "leader"
SCSI = "scsi"

#: The appointing authority proposed for each appointed seat.
DEFAULT_AUTHORITY: dict[str, str] = {
    LEADER: "Zarząd Województwa Śląskiego",
    SCSI: "Dyrektor Śląskiego Centrum Społeczeństwa Informacyjnego",
}


@dataclass(frozen=True)
class Member:
    """One member of the Council, appointed or elected."""

    name: str
    position: str
    #: "leader", "scsi" or the group ("gmina", "powiat", "miasto_npp").
    seat: str
    #: The Partner an elected member represents; ``None`` for the appointed.
    partner: str | None = None
    #: The Leader's first representative chairs the Council.
    chairs: bool = False
    authority: str | None = None
    document_ref: str | None = None
    document_date: dt.date | None = None

    @property
    def appointed(self) -> bool:
        return self.seat in (LEADER, SCSI)


@dataclass(frozen=True)
class Missing:
    """A seat (or group of seats) not yet filled, with a message saying why.

    ``message`` is a Polish msgid, ``params`` its parameters (strings among them are
    msgids too, labels are lazy texts), so a view can translate it and the protocol
    can print it as is.
    """

    seat: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.message % self.params if self.params else self.message


def seats_of(seat: str, *, leader_seats: int, scsi_seats: int) -> int:
    return leader_seats if seat == LEADER else scsi_seats


def choose_slot(label: Any, slot: int | None, taken: Iterable[int], seats: int) -> int:
    """The slot a new appointment goes to: ``slot`` if given and free, else the first free.

    ``label`` names the seat in the messages.

    Raises :class:`ValidationFailed` for a slot beyond the seat's number of places and
    :class:`Conflict` when the place (or every place) is already held — a replacement,
    not a new appointment, changes a holder.
    """
    taken = set(taken)
    if seats < 1:
        raise ValidationFailed(N_("Wybory nie przewidują miejsc: %(seat)s."), seat=label)
    if slot is not None:
        if not 1 <= slot <= seats:
            raise ValidationFailed(
                N_("Miejsc „%(seat)s” jest %(seats)s; nie ma miejsca nr %(slot)s."),
                seat=label,
                seats=seats,
                slot=slot,
            )
        if slot in taken:
            raise Conflict(
                N_(
                    "Miejsce nr %(slot)s („%(seat)s”) jest już obsadzone. "
                    "Aby zmienić osobę, użyj „Zastąp”."
                ),
                seat=label,
                slot=slot,
            )
        return slot
    for candidate in range(1, seats + 1):
        if candidate not in taken:
            return candidate
    raise Conflict(
        N_(
            "Wszystkie miejsca „%(seat)s” (%(seats)s) są już obsadzone. "
            "Nowa osoba może tylko zastąpić dotychczasową (przycisk „Zastąp”)."
        ),
        seat=label,
        seats=seats,
    )


def missing_appointed(seat: str, label: Any, taken: Iterable[int], seats: int) -> list[Missing]:
    """One :class:`Missing` for every empty place of an appointed seat (named ``label``)."""
    taken = set(taken)
    return [
        Missing(
            seat,
            N_("Nie powołano: %(seat)s (miejsce nr %(slot)s)."),
            {"seat": label, "slot": slot},
        )
        for slot in range(1, seats + 1)
        if slot not in taken
    ]


def missing_elected(
    group: str, label: Any, *, seats: int, elected: int, complete: bool, pending: str | None
) -> list[Missing]:
    """What keeps a group's (named ``label``) seats from being filled: a pending step
    and/or empty seats."""
    found: list[Missing] = []
    if pending:
        found.append(
            Missing(
                group,
                N_("Grupa „%(group)s”: %(pending)s"),
                {"group": label, "pending": pending},
            )
        )
    if elected < seats or not complete:
        found.append(
            Missing(
                group,
                N_("Grupa „%(group)s”: wybrano %(elected)s z %(seats)s członków."),
                {"group": label, "elected": elected, "seats": seats},
            )
        )
    return found


def missing_short(group: str, label: Any, *, seats: int, elected: int, voting: bool) -> Missing:
    """A group whose voting is over with seats left (fewer candidates than seats), and
    the ways out: supplementary nominations (only while voting goes on) or a vacancy
    recorded for a by-election."""
    if voting:
        message = N_(
            "Grupa „%(group)s”: wybrano %(elected)s z %(seats)s członków, bo kandydatów było "
            "za mało. Otwórz zgłoszenia uzupełniające albo zapisz wakat (mandat obsadzą "
            "wybory uzupełniające)."
        )
    else:
        message = N_(
            "Grupa „%(group)s”: wybrano %(elected)s z %(seats)s członków, bo kandydatów było "
            "za mało. Zapisz wakat — mandat obsadzą wybory uzupełniające."
        )
    return Missing(group, message, {"group": label, "elected": elected, "seats": seats})


def two_seats(holders: Sequence[tuple[str, str, Any]]) -> list[Missing]:
    """One person, one seat: a :class:`Missing` for every person holding more than one
    seat. ``holders`` are ``(person key, name, seat label)``, one per seat held."""
    seats: dict[str, list[Any]] = {}
    names: dict[str, str] = {}
    for key, name, label in holders:
        seats.setdefault(key, []).append(label)
        names.setdefault(key, name)
    return [
        Missing(
            "person",
            N_(
                "Jedna osoba, jedno miejsce: %(name)s zajmuje miejsca: %(seats)s. Zastąp "
                "powołanie inną osobą albo zapisz wygaśnięcie jednego z mandatów."
            ),
            {"name": names[key], "seats": ", ".join(str(label) for label in labels)},
        )
        for key, labels in seats.items()
        if len(labels) > 1
    ]


def member_entry(member: Member) -> dict[str, Any]:
    """A member as the certification records it (and :func:`composition_hash` hashes it)."""
    return {
        "name": member.name,
        "position": member.position,
        "seat": member.seat,
        "partner": member.partner,
        "chairs": member.chairs,
    }


def composition_hash(members: Sequence[Member]) -> str:
    """SHA-256 of the Council's composition, in the order given (appointed, then elected
    by group and order of election): the certification event holds it, and ``flask audit
    verify`` recomputes the Council from the results and compares."""
    canonical = json.dumps(
        [member_entry(m) for m in members],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def spreadsheet_safe(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
