"""Pure logic of publishing: retry timing, masking the token, the posts' HTML.

The posts go to a Polish course, so their text is Polish whatever the language of
the person who triggered them. Every value is escaped: names come from users.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape

#: First retry after this; doubled at every failure, capped by :data:`MAX_DELAY`.
BASE_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=1)


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failure: 30 s, 1 min, 2 min … ≤ 1 h."""
    exponent = max(attempts - 1, 0)
    if exponent > 16:  # 30 s · 2^16 is far past the cap; avoid huge numbers
        return MAX_DELAY
    return min(BASE_DELAY * (2**exponent), MAX_DELAY)


def mask_token(token: str) -> str:
    """What the admin page may show of a token: its last four characters at most."""
    if not token:
        return ""
    if len(token) < 12:
        return "••••"
    return "••••" + token[-4:]


@dataclass(frozen=True)
class CandidateRow:
    name: str
    position: str
    partner: str


@dataclass(frozen=True)
class CouncilRow:
    name: str
    position: str
    seat: str
    partner: str = ""


@dataclass(frozen=True)
class VoteRow:
    name: str
    votes: int
    elected: bool


@dataclass
class RoundResult:
    number: int
    ballots: int | None = None
    paper: int | None = None
    blank: int | None = None
    rows: list[VoteRow] = field(default_factory=list)


@dataclass
class GroupResult:
    #: The group's heading ("Gminy" …).
    heading: str
    roll: int | None = None
    rounds: list[RoundResult] = field(default_factory=list)


def _plain(text: str) -> str:
    """A forum subject: plain text on one line (Moodle rejects markup in it)."""
    return " ".join(text.replace("<", "‹").replace(">", "›").split())[:255]


def candidates_subject(title: str) -> str:
    return _plain(f"Lista kandydatów — {title}")


def results_subject(title: str) -> str:
    return _plain(f"Wyniki wyborów i skład Rady — {title}")


def _table(caption: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    return (
        f"<table><caption>{escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def candidates_message(
    title: str, groups: Sequence[tuple[str, Sequence[CandidateRow]]], meeting: str = ""
) -> str:
    """The candidate list: one table per group (heading, rows), in the order given."""
    parts = [f"<p>Lista kandydatów na członków Rady ds. systemu SEKAP — {escape(title)}.</p>"]
    if meeting:
        parts.append(f"<p>Zebranie Partnerów: {escape(meeting)}.</p>")
    for heading, rows in groups:
        parts.append(f"<h3>{escape(heading)}</h3>")
        if not rows:
            parts.append("<p>Brak kandydatów w tej grupie.</p>")
            continue
        parts.append(
            _table(
                f"Kandydaci — {heading.lower()}",
                ("Lp.", "Imię i nazwisko", "Stanowisko", "Partner"),
                ((i, r.name, r.position, r.partner) for i, r in enumerate(rows, 1)),
            )
        )
    return "\n".join(parts)


def _count(value: int | None) -> str:
    return "—" if value is None else str(value)


def results_message(
    title: str,
    council: Sequence[CouncilRow],
    groups: Sequence[GroupResult],
    *,
    has_protocol: bool,
) -> str:
    """The results: the Council, then the votes of every round per group."""
    parts = [f"<p>Wyniki wyborów członków Rady ds. systemu SEKAP — {escape(title)}.</p>"]
    parts.append("<h3>Skład Rady</h3>")
    parts.append(
        _table(
            "Członkowie Rady",
            ("Lp.", "Imię i nazwisko", "Stanowisko", "Miejsce w Radzie", "Partner"),
            ((i, m.name, m.position, m.seat, m.partner or "—") for i, m in enumerate(council, 1)),
        )
        if council
        else "<p>Skład Rady nie jest jeszcze kompletny.</p>"
    )
    parts.append("<h3>Wyniki głosowania</h3>")
    for group in groups:
        heading = group.heading
        parts.append(f"<h4>{escape(heading)}</h4>")
        parts.append(f"<p>Uprawnionych do głosowania: {_count(group.roll)}.</p>")
        if not group.rounds:
            parts.append("<p>Brak wyników głosowania.</p>")
        for round_ in group.rounds:
            parts.append(
                f"<p>Tura {round_.number}: oddanych kart {_count(round_.ballots)} "
                f"(w tym papierowych {_count(round_.paper)}), "
                f"kart pustych {_count(round_.blank)}.</p>"
            )
            parts.append(
                _table(
                    f"{heading} — tura {round_.number}",
                    ("Kandydat", "Głosy", "Wybrany"),
                    ((r.name, r.votes, "tak" if r.elected else "nie") for r in round_.rows),
                )
            )
    if has_protocol:
        parts.append("<p>Protokół z wyborów jest w załączniku (PDF).</p>")
    return "\n".join(parts)
