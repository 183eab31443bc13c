"""The protocol's part on the Council: the appointed members (as certified, with the
appointments replaced before certification), and the Council's composition with the
vacancies certified and whatever is still missing. Written into the protocol
(:mod:`election.council.protocol`), in Polish like the rest of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from election.council.composition import council_members, missing_seats
from election.council.members import (
    appointments_at,
    current_appointments,
    superseded_appointments,
)
from election.council.protocol_text import count
from election.council.vacancies import vacancies_of
from election.elections.models import Election
from election.labels import GROUP_LABELS, SEAT_LABELS

WARSAW = ZoneInfo("Europe/Warsaw")


class _Writer(Protocol):
    """What this part needs of the protocol's PDF (``protocol._Protocol``)."""

    def heading(self, text: str, size: float = 13) -> None: ...

    def para(self, text: str, *, bold: bool = False, size: float = 10) -> None: ...

    def grid(
        self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]
    ) -> None: ...


def _date(value: dt.date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "—"


def _datetime(value: dt.datetime | None) -> str:
    return value.astimezone(WARSAW).strftime("%d.%m.%Y, %H:%M") if value else "—"


def appointments_part(pdf: _Writer, session: Session, election: Election, number: int) -> int:
    """The appointed members, as section ``number``; once certified, as they were at
    certification (a successor named during the term is the Council's history, not this
    protocol's). Returns the next section's number."""
    if not election.leader_seats and not election.scsi_seats:
        return number  # a by-election appoints nobody
    pdf.heading(f"{number}. Członkowie powołani")
    certified_at = election.certified_at
    current = (
        appointments_at(session, election, certified_at)
        if certified_at
        else current_appointments(session, election)
    )
    if current:
        pdf.grid(
            ["Miejsce", "Imię i nazwisko", "Stanowisko", "Organ powołujący", "Dokument"],
            [
                [
                    f"{SEAT_LABELS[a.seat]} nr {a.slot}",
                    a.full_name,
                    a.position,
                    a.authority,
                    f"{a.document_ref} z {_date(a.document_date)}",
                ]
                for a in current
            ],
            (30, 34, 34, 42, 34),
        )
    else:
        pdf.para("Nie powołano jeszcze żadnego członka.")
    former = [
        a
        for a in superseded_appointments(session, election)
        if certified_at is None or (a.superseded_at and a.superseded_at <= certified_at)
    ]
    if former:
        pdf.para(
            "Powołania zastąpione: "
            + "; ".join(
                f"{a.full_name} ({SEAT_LABELS[a.seat]} nr {a.slot}, "
                f"zastąpiono {_datetime(a.superseded_at)})"
                for a in former
            )
            + ".",
            size=9,
        )
    return number + 1


def council_part(pdf: _Writer, session: Session, election: Election, number: int) -> None:
    """The composition, the vacancies certified (dead end C) and what is missing."""
    members = council_members(session, election)
    pdf.heading(
        f"{number}. Skład Rady ds. systemu SEKAP ({len(members)} z {election.council_size})"
        if not election.completes_id
        else f"{number}. Wybrani do Rady ds. systemu SEKAP ({len(members)} z "
        f"{election.council_size})"
    )
    pdf.grid(
        ["Lp.", "Imię i nazwisko", "Stanowisko", "Miejsce w Radzie"],
        [
            [
                str(i),
                m.name + (" — przewodniczący Rady" if m.chairs else ""),
                m.position,
                str(SEAT_LABELS[m.seat]) + (f" ({m.partner})" if m.partner else ""),
            ]
            for i, m in enumerate(members, start=1)
        ],
        (10, 50, 50, 64),
    )
    for group, v in vacancies_of(session, election).items():
        pdf.para(
            f"Wakat — {GROUP_LABELS[group]}: {count(v.seats, 'miejsce', 'miejsca', 'miejsc')} "
            f"({v.reason}); do obsadzenia w wyborach uzupełniających w trakcie kadencji.",
            bold=True,
        )
    missing = missing_seats(session, election)
    if missing:
        pdf.para("Skład Rady nie jest jeszcze kompletny. " + " ".join(m.text for m in missing))
