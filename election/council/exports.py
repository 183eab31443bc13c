"""The results and the Council as data: the JSON of the public API and the CSV export.

One shape per resource: :func:`election_summary` is how an election appears in every
JSON answer (the list of elections, a candidate list, the results).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask_babel import force_locale
from sqlalchemy.orm import Session

from election.council import rules, term
from election.council.composition import council_members
from election.council.rules import Member
from election.council.term import Tenure
from election.council.vacancies import vacancies_of
from election.elections.models import Election
from election.elections.service import get_election
from election.errors import N_, NotFound
from election.labels import SEAT_LABELS
from election.tally.results import RoundView, results


def election_summary(election: Election) -> dict[str, Any]:
    """An election in JSON: what identifies it and where its meeting is."""
    return {
        "id": election.id,
        "title": election.title,
        "phase": election.phase.value,
        "term": election.term,
        "meeting_date": election.meeting_date.isoformat() if election.meeting_date else None,
        "meeting_place": election.meeting_place,
        "certified_at": election.certified_at.isoformat() if election.certified_at else None,
        "completes": election.completes_id,
    }


def public_results_election(session: Session, election_id: int) -> Election:
    """The election whose results anyone may read (voting is over), or :class:`NotFound`."""
    election = get_election(session, election_id)
    if not election.results_public:
        raise NotFound(N_("Wyniki tych wyborów nie są jeszcze dostępne."))
    return election


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


def _round_json(view: RoundView) -> dict[str, Any]:
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


def _tenure_json(tenure: Tenure) -> dict[str, Any]:
    data = _member_json(tenure.member)
    data["since"] = tenure.since.isoformat()
    data["until"] = tenure.until.isoformat() if tenure.until else None
    data["end_reason"] = tenure.reason.value if tenure.reason else None
    if tenure.slot is not None:
        data["slot"] = tenure.slot
    data["by_election"] = tenure.by_election_id
    return data


def council_json(session: Session, election: Election) -> dict[str, Any]:
    """The Council of ``election`` (or of the election a by-election completes) over its
    term: the members today, the open seats, the vacancies certified, every tenure and
    the by-elections. Raises :class:`NotFound` until that Council is certified."""
    council = term.council_term(session, election)
    day = term.today()
    return {
        "election": election_summary(council.election),
        "term": {
            "starts_on": council.starts_on.isoformat(),
            "ends_on": council.ends_on.isoformat() if council.ends_on else None,
            "running": council.running(day),
        },
        "as_of": day.isoformat(),
        "members": [_tenure_json(t) for t in council.members_on(day)],
        "open_seats": {group.value: n for group, n in council.open_seats(day).items()},
        "vacancies": {group.value: n for group, n in council.vacancies.items()},
        "history": [_tenure_json(t) for t in council.history()],
        "by_elections": [election_summary(b) for b in council.by_elections],
    }


def results_json(session: Session, election: Election) -> dict[str, Any]:
    """The results and the Council in the shape of the public API (DESIGN.md § 7):
    per group the totals of its main round, every round's votes, ties and lots."""
    groups: dict[str, Any] = {}
    for group, g in results(session, election).groups.items():
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
        "election": election_summary(election),
        "certified": election.certified,
        "groups": groups,
        "council": [_member_json(m) for m in council_members(session, election)],
        "vacancies": {g.value: v.seats for g, v in vacancies_of(session, election).items()},
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
    """The results and the Council as CSV for Excel: UTF-8 with BOM, semicolons; Polish.

    One table: rows "wyniki" (a candidate in a round) then rows "skład Rady".
    """
    safe = rules.spreadsheet_safe
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for group, g in results(session, election).groups.items():
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
    with force_locale("pl"):
        for member in council_members(session, election):
            writer.writerow(_member_row(member))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _member_row(member: Member) -> list[Any]:
    safe = rules.spreadsheet_safe
    seat = str(SEAT_LABELS[member.seat]) + (" (przewodniczący Rady)" if member.chairs else "")
    return [
        "skład Rady",
        "" if member.appointed else member.seat,
        "",
        safe(member.name),
        safe(member.partner or ""),
        "",
        "",
        seat,
        safe(member.position),
    ]
