"""The protocol's part on the people at the meeting: the Partners recorded present and
the authorisations (pełnomocnictwa) verified, with the authorised person, the Partner,
the days and who verified them. Written into the first section of the protocol
(:mod:`election.council.protocol`), in Polish like the rest of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.auth.models import User
from election.elections import attendance, authorisations
from election.elections.models import Election
from election.elections.people import AttendanceMode
from election.labels import GROUP_LABELS
from election.partners.models import GROUPS


class _Writer(Protocol):
    """What this part needs of the protocol's PDF (``protocol._Protocol``)."""

    def para(self, text: str, *, bold: bool = False, size: float = 10) -> None: ...

    def grid(
        self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]
    ) -> None: ...


def _date(value: dt.date) -> str:
    return value.strftime("%d.%m.%Y")


def attendance_part(pdf: _Writer, session: Session, election: Election) -> None:
    """The Partners recorded present per group (in the room, online), if any were."""
    present = attendance.present(session, election)
    if not present:
        return
    roll = attendance.roll_entries(session, election)
    lines = []
    for group in GROUPS:
        modes = [
            present[e.partner_id].mode for e in roll if e.group == group and e.partner_id in present
        ]
        total = sum(1 for e in roll if e.group == group)
        lines.append(
            f"{GROUP_LABELS[group]}: {len(modes)} z {total} "
            f"(na sali {modes.count(AttendanceMode.ROOM)}, "
            f"online {modes.count(AttendanceMode.ONLINE)})"
        )
    pdf.para(
        "Obecni Partnerzy (lista obecności prowadzona przez przewodniczącego zebrania)", bold=True
    )
    pdf.para("; ".join(lines) + ".")


def authorisations_part(pdf: _Writer, session: Session, election: Election) -> None:
    """The verified authorisations: who acted for which Partner, on which days."""
    found = authorisations.verified(session, election)
    pdf.para("Pełnomocnictwa", bold=True)
    if not found:
        pdf.para("Nie zweryfikowano żadnego pełnomocnictwa.")
        return
    deciders = dict(
        session.execute(
            select(User.id, User.full_name).where(User.id.in_({a.decided_by_id for a in found}))
        ).all()
    )
    pdf.grid(
        ["Partner", "Osoba upoważniona", "Stanowisko", "Ważne", "Osoba weryfikująca"],
        [
            [
                f"{a.partner.name} ({a.partner.teryt})",
                a.full_name,
                a.position,
                f"{_date(a.valid_from)} – {_date(a.valid_until)}",
                deciders.get(a.decided_by_id, "—"),
            ]
            for a in found
        ],
        (44, 34, 34, 30, 32),
    )


def people_part(pdf: _Writer, session: Session, election: Election) -> None:
    """Attendance, then the authorisations."""
    attendance_part(pdf, session, election)
    authorisations_part(pdf, session, election)
