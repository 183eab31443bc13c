"""The posts' subject and HTML, as Moodle shows them in its Boost and Classic themes.

The posts go to a Polish course, so their text is Polish whatever the language of the
person who triggered them; numbers and plurals follow Polish rules (Babel's CLDR data:
"1 kartę", "3 karty", "5 kart"). Tables use Moodle's own ``generaltable`` class
(borders, padding, stripes — Moodle's HTML cleaner keeps it) and have at most three
columns, so they fit a phone; the Council is a list; headings are not repeated as
captions. Every value is escaped: names come from users.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

# Polish numbers and plurals, one rule for the protocol and the posts.
from election.council.protocol_text import count, number

_TABLE = '<table class="generaltable">'
_NUMBER = ' style="text-align: right"'


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
    #: False for a secret round that was never decrypted (invalid): no counts exist.
    decrypted: bool = True


@dataclass
class GroupResult:
    #: The group's heading ("Gminy" …).
    heading: str
    roll: int | None = None
    rounds: list[RoundResult] = field(default_factory=list)


@dataclass(frozen=True)
class Links:
    """Where readers check the election in the app (``SERVER_BASE_URL``)."""

    receipts_page: str
    receipts_json: str
    record_json: str

    @classmethod
    def of(cls, public_url: str, election_id: int) -> Links | None:
        """The links of ``election_id`` at ``public_url``; ``None`` when it is not set."""
        base = public_url.strip().rstrip("/")
        if not base:
            return None
        return cls(
            f"{base}/public/elections/{election_id}/receipts",
            f"{base}/api/v1/elections/{election_id}/receipts",
            f"{base}/api/v1/elections/{election_id}/record.json",
        )


def _plain(text: str) -> str:
    """A forum subject: plain text on one line (Moodle rejects markup in it)."""
    return " ".join(text.replace("<", "‹").replace(">", "›").split())[:255]


def candidates_subject(title: str) -> str:
    return _plain(f"Lista kandydatów — {title}")


def results_subject(title: str) -> str:
    return _plain(f"Wyniki wyborów i skład Rady — {title}")


def _audit_head(head: str) -> str:
    return (
        "<p>Dziennik zdarzeń wyborów w chwili publikacji kończy się wpisem o skrócie "
        f"(SHA-256) <code>{escape(head)}</code>.</p>"
    )


def candidates_message(
    title: str,
    groups: Sequence[tuple[str, Sequence[CandidateRow]]],
    *,
    meeting: str = "",
    audit_head: str = "",
) -> str:
    """The candidate list: per group (heading, rows) a two-column table, in the order given."""
    parts = [f"<p>Lista kandydatów na członków Rady ds. systemu SEKAP — {escape(title)}.</p>"]
    if meeting:
        parts.append(f"<p>Zebranie Partnerów: {escape(meeting)}.</p>")
    for heading, rows in groups:
        parts.append(f"<h3>{escape(heading)}</h3>")
        if not rows:
            parts.append("<p>Brak kandydatów w tej grupie.</p>")
            continue
        body = "".join(
            f"<tr><td><strong>{escape(r.name)}</strong><br>{escape(r.position)}</td>"
            f"<td>{escape(r.partner)}</td></tr>"
            for r in rows
        )
        parts.append(
            f'{_TABLE}<thead><tr><th scope="col">Kandydat</th><th scope="col">Partner</th>'
            f"</tr></thead><tbody>{body}</tbody></table>"
        )
    if audit_head:
        parts.append(_audit_head(audit_head))
    return "\n".join(parts)


def _council(council: Sequence[CouncilRow]) -> str:
    if not council:
        return "<p>Skład Rady nie jest jeszcze kompletny.</p>"
    items = []
    for member in council:
        details = ", ".join(escape(part) for part in (member.position, member.partner) if part)
        items.append(
            f"<li><strong>{escape(member.name)}</strong> — {escape(member.seat)}"
            + (f"<br>{details}" if details else "")
            + "</li>"
        )
    return "<ol>" + "".join(items) + "</ol>"


def _round(round_: RoundResult) -> str:
    facts = []
    if round_.ballots is not None:
        cast = f"oddano {count(round_.ballots, 'kartę', 'karty', 'kart')}"
        included = []
        if round_.paper is not None:
            included.append(count(round_.paper, "papierową", "papierowe", "papierowych"))
        if round_.blank is not None:
            included.append(count(round_.blank, "pustą", "puste", "pustych"))
        if included:
            cast += ", w tym " + " i ".join(included)
        facts.append(cast)
    sentence = f"<p>Tura {round_.number}" + (f": {facts[0]}." if facts else ".") + "</p>"
    if not round_.decrypted:
        return sentence + (
            "\n<p>Tura nieważna: jej głosów nie odszyfrowano i nikt ich nie zna; "
            "tę turę powtórzono.</p>"
        )
    body = "".join(
        "<tr>"
        + (
            f"<td><strong>{escape(r.name)}</strong></td>"
            if r.elected
            else f"<td>{escape(r.name)}</td>"
        )
        + f"<td{_NUMBER}>{number(r.votes)}</td>"
        + f"<td>{'tak' if r.elected else 'nie'}</td></tr>"
        for r in round_.rows
    )
    table = (
        f'{_TABLE}<thead><tr><th scope="col">Kandydat</th><th scope="col"{_NUMBER}>Głosy</th>'
        f'<th scope="col">Mandat</th></tr></thead><tbody>{body}</tbody></table>'
    )
    return sentence + "\n" + table


def _links(links: Links) -> str:
    return (
        "<h3>Sprawdź wybory</h3><ul>"
        f'<li><a href="{escape(links.receipts_page)}">Kody pokwitowań oddanych kart</a> '
        f'(także <a href="{escape(links.receipts_json)}">jako JSON</a>) — każdy, kto '
        "głosował, odnajdzie na liście swój kod.</li>"
        f'<li><a href="{escape(links.record_json)}">Zapis wyborów (JSON)</a> — pozwala '
        "przeliczyć głosy niezależnym programem "
        "(<code>python -m election.verify record.json</code>).</li></ul>"
    )


def results_message(
    title: str,
    council: Sequence[CouncilRow],
    groups: Sequence[GroupResult],
    *,
    has_protocol: bool,
    links: Links | None = None,
    audit_head: str = "",
) -> str:
    """The results: the Council, the votes of every round per group, where to check them."""
    parts = [f"<p>Wyniki wyborów członków Rady ds. systemu SEKAP — {escape(title)}.</p>"]
    parts.append("<h3>Skład Rady</h3>")
    parts.append(_council(council))
    parts.append("<h3>Wyniki głosowania</h3>")
    for group in groups:
        parts.append(f"<h4>{escape(group.heading)}</h4>")
        if group.roll is not None:
            parts.append(f"<p>Uprawnionych do głosowania: {number(group.roll)}.</p>")
        if not group.rounds:
            parts.append("<p>Brak wyników głosowania.</p>")
        parts.extend(_round(round_) for round_ in group.rounds)
    if links is not None:
        parts.append(_links(links))
    if audit_head:
        parts.append(_audit_head(audit_head))
    if has_protocol:
        parts.append("<p>W załączniku: protokół z wyborów (PDF).</p>")
    return "\n".join(parts)
